//===- Communicator.cpp - MPI: the world and the host-memory communicator -===//
//
// See Communicator.h. Built with MPI where CMake finds it (OpenMPI from
// Debian: libopenmpi-dev); without it, a process launched by mpirun fails
// with one line, and one-rank runs work as before.
//
//===----------------------------------------------------------------------===//

#include "cherry/Runtime/Communicator.h"

#include "cherry/Runtime/Device.h"

#include <algorithm>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <limits>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#ifdef CHERRY_HAVE_MPI
#include <mpi.h>
#endif

namespace cherry::runtime {

#ifdef CHERRY_HAVE_NCCL
// NcclCommunicator.cpp: NCCL over a CUDA device's memory, bootstrapped
// through MPI.
Status createNcclCommunicator(Device &device, int rank, int size,
                              std::unique_ptr<Communicator> &out);
Status createNcclSelfCommunicator(Device &device,
                                  std::unique_ptr<Communicator> &out);
#endif

Status createSelfCommunicator(Device &device,
                              std::unique_ptr<Communicator> &out) {
#ifdef CHERRY_HAVE_NCCL
  return createNcclSelfCommunicator(device, out);
#else
  (void)out;
  return Status::error(std::string("device '") + device.name() +
                       "': this runtime was built without NCCL (a "
                       "communicator of one rank is NCCL's)");
#endif
}

bool launchedByMpi() {
  for (const char *var :
       {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE", "PMI_RANK"})
    if (std::getenv(var))
      return true;
  return false;
}

bool builtWithMpi() {
#ifdef CHERRY_HAVE_MPI
  return true;
#else
  return false;
#endif
}

bool builtWithNccl() {
#ifdef CHERRY_HAVE_NCCL
  return true;
#else
  return false;
#endif
}

namespace {
WorldInfo world;
bool started = false;
} // namespace

#ifdef CHERRY_HAVE_MPI

namespace {

/// "MPI_Allreduce: <MPI's error string>".
Status mpiError(const char *call, int code) {
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  if (MPI_Error_string(code, text, &length) != MPI_SUCCESS)
    length = 0;
  return Status::error(
      std::string(call) + " failed: " +
      (length ? std::string(text, length) : "error " + std::to_string(code)));
}

/// MPI counts are ints: large tensors go in pieces.
constexpr uint64_t kMaxCount = 1u << 30;

/// The thread support MPI_Init_thread gave (MPI_THREAD_SERIALIZED asked).
int threadLevel = MPI_THREAD_SINGLE;

/// MPI over host memory. Buckets of several tensors are packed into one
/// staging buffer, so that a bucket is one MPI_Allreduce. Started buckets
/// (allReduceSumStart) are reduced in order on a thread of the
/// communicator's, with the same code; every other collective waits for
/// them first, so only one thread calls MPI at a time.
class MpiCommunicator final : public Communicator {
public:
  MpiCommunicator(int rank, int size) : rank_(rank), size_(size) {}
  ~MpiCommunicator() override {
    bool busy;
    {
      std::lock_guard<std::mutex> lock(state_->mutex);
      state_->stop = true;
      busy = state_->finished != state_->issued;
    }
    state_->changed.notify_all();
    if (!worker_.joinable())
      return;
    // Reductions still in flight: a step failed on this rank, and the run
    // ends with MPI_Abort (a rank may never join them; do not wait). The
    // thread keeps the state it shares alive.
    if (busy)
      worker_.detach();
    else
      worker_.join();
  }
  const char *name() const override { return "mpi"; }
  int rank() const override { return rank_; }
  int size() const override { return size_; }

  Status allReduceSum(const std::vector<Tensor> &tensors) override {
    if (Status s = drain(); !s.ok())
      return s;
    return reduce(tensors, staging_);
  }

  Status allReduceSumStart(const std::vector<Tensor> &tensors,
                           uint64_t &ticket) override {
    // Without MPI_THREAD_SERIALIZED only this thread may call MPI.
    if (threadLevel < MPI_THREAD_SERIALIZED) {
      ticket = 0;
      return allReduceSum(tensors);
    }
    std::lock_guard<std::mutex> lock(state_->mutex);
    if (!worker_.joinable())
      worker_ = std::thread([state = state_] { work(*state); });
    Job job;
    job.tensors = tensors;
    if (!state_->spare.empty()) {
      job.staging = std::move(state_->spare.back());
      state_->spare.pop_back();
    }
    job.ticket = ticket = ++state_->issued;
    state_->queue.push_back(std::move(job));
    state_->changed.notify_all();
    return Status::success();
  }

  Status allReduceSumWait(uint64_t ticket) override {
    std::unique_lock<std::mutex> lock(state_->mutex);
    if (ticket > state_->issued)
      return Status::error("no reduction " + std::to_string(ticket) +
                           " was started");
    state_->changed.wait(lock, [&] { return state_->finished >= ticket; });
    return state_->failure;
  }

  Status allGatherShards(const std::vector<Tensor> &tensors) override {
    if (Status s = drain(); !s.ok())
      return s;
    std::vector<int> counts(size_), offsets(size_);
    for (const Tensor &t : tensors) {
      const uint64_t shard = (t.count + size_ - 1) / size_;
      if (shard > kMaxCount)
        return Status::error("MPI_Allgatherv: a shard of " +
                             std::to_string(shard) +
                             " elements is more than one call carries");
      for (int r = 0; r < size_; ++r) {
        const uint64_t begin = std::min<uint64_t>(t.count, r * shard);
        offsets[r] = static_cast<int>(begin);
        counts[r] = static_cast<int>(
            std::min<uint64_t>(t.count, begin + shard) - begin);
      }
      if (int rc = MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, t.data,
                                  counts.data(), offsets.data(), MPI_FLOAT,
                                  MPI_COMM_WORLD);
          rc != MPI_SUCCESS)
        return mpiError("MPI_Allgatherv", rc);
    }
    return Status::success();
  }

  Status allToAll(const int32_t *send, int32_t *receive,
                  size_t perRank) override {
    if (Status s = drain(); !s.ok())
      return s;
    if (perRank > static_cast<size_t>(std::numeric_limits<int>::max()))
      return Status::error("MPI_Alltoall: " + std::to_string(perRank) +
                           " ints per rank is more than one call carries");
    const int n = static_cast<int>(perRank);
    if (int rc = MPI_Alltoall(send, n, MPI_INT32_T, receive, n, MPI_INT32_T,
                              MPI_COMM_WORLD);
        rc != MPI_SUCCESS)
      return mpiError("MPI_Alltoall", rc);
    return Status::success();
  }

  Status allToAllv(const float *send, const std::vector<uint64_t> &sendCounts,
                   const std::vector<uint64_t> &sendOffsets, float *receive,
                   const std::vector<uint64_t> &receiveCounts,
                   const std::vector<uint64_t> &receiveOffsets) override {
    if (Status s = drain(); !s.ok())
      return s;
    std::vector<int> sc(size_), so(size_), rc(size_), ro(size_);
    for (int r = 0; r < size_; ++r) {
      for (uint64_t v :
           {sendCounts[r], sendOffsets[r], receiveCounts[r], receiveOffsets[r]})
        if (v > static_cast<uint64_t>(std::numeric_limits<int>::max()))
          return Status::error("MPI_Alltoallv: " + std::to_string(v) +
                               " floats is more than one call addresses");
      sc[r] = static_cast<int>(sendCounts[r]);
      so[r] = static_cast<int>(sendOffsets[r]);
      rc[r] = static_cast<int>(receiveCounts[r]);
      ro[r] = static_cast<int>(receiveOffsets[r]);
    }
    if (int code =
            MPI_Alltoallv(send, sc.data(), so.data(), MPI_FLOAT, receive,
                          rc.data(), ro.data(), MPI_FLOAT, MPI_COMM_WORLD);
        code != MPI_SUCCESS)
      return mpiError("MPI_Alltoallv", code);
    return Status::success();
  }

  Status gatherHost(const void *send, size_t bytes, void *receive,
                    int root) override {
    if (Status s = drain(); !s.ok())
      return s;
    if (bytes > static_cast<size_t>(std::numeric_limits<int>::max()))
      return Status::error("MPI_Gather: " + std::to_string(bytes) +
                           " bytes is more than one gather carries");
    if (int rc =
            MPI_Gather(send, static_cast<int>(bytes), MPI_BYTE, receive,
                       static_cast<int>(bytes), MPI_BYTE, root, MPI_COMM_WORLD);
        rc != MPI_SUCCESS)
      return mpiError("MPI_Gather", rc);
    return Status::success();
  }

  Status allReduceHostSum(double *values, size_t count) override {
    if (Status s = drain(); !s.ok())
      return s;
    if (int rc = MPI_Allreduce(MPI_IN_PLACE, values, static_cast<int>(count),
                               MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
        rc != MPI_SUCCESS)
      return mpiError("MPI_Allreduce", rc);
    return Status::success();
  }

  Status broadcastHost(void *data, size_t bytes, int root) override {
    if (Status s = drain(); !s.ok())
      return s;
    if (bytes > static_cast<size_t>(std::numeric_limits<int>::max()))
      return Status::error("MPI_Bcast: " + std::to_string(bytes) +
                           " bytes is more than one broadcast carries");
    if (int rc = MPI_Bcast(data, static_cast<int>(bytes), MPI_BYTE, root,
                           MPI_COMM_WORLD);
        rc != MPI_SUCCESS)
      return mpiError("MPI_Bcast", rc);
    return Status::success();
  }

  [[noreturn]] void abort(int code) override {
    MPI_Abort(MPI_COMM_WORLD, code);
    std::_Exit(code); // MPI_Abort does not return; if it did, still end
  }

private:
  /// A started bucket and its own staging buffer.
  struct Job {
    std::vector<Tensor> tensors;
    std::vector<float> staging;
    uint64_t ticket = 0;
  };
  struct State {
    std::mutex mutex;
    std::condition_variable changed;
    std::deque<Job> queue;
    std::vector<std::vector<float>> spare;
    uint64_t issued = 0, finished = 0;
    Status failure;
    bool stop = false;
  };

  /// The bucket as one MPI_Allreduce: in place for one tensor, else packed
  /// into `staging`.
  static Status reduce(const std::vector<Tensor> &tensors,
                       std::vector<float> &staging) {
    if (tensors.size() == 1)
      return sum(tensors[0].data, tensors[0].count);
    uint64_t total = 0;
    for (const Tensor &t : tensors)
      total += t.count;
    staging.resize(total);
    uint64_t at = 0;
    for (const Tensor &t : tensors) {
      std::memcpy(staging.data() + at, t.data, t.count * sizeof(float));
      at += t.count;
    }
    if (Status s = sum(staging.data(), total); !s.ok())
      return s;
    at = 0;
    for (const Tensor &t : tensors) {
      std::memcpy(t.data, staging.data() + at, t.count * sizeof(float));
      at += t.count;
    }
    return Status::success();
  }

  static Status sum(float *data, uint64_t count) {
    for (uint64_t at = 0; at < count; at += kMaxCount) {
      int n = static_cast<int>(std::min(kMaxCount, count - at));
      if (int rc = MPI_Allreduce(MPI_IN_PLACE, data + at, n, MPI_FLOAT, MPI_SUM,
                                 MPI_COMM_WORLD);
          rc != MPI_SUCCESS)
        return mpiError("MPI_Allreduce", rc);
    }
    return Status::success();
  }

  /// The communication thread: the started buckets, in order. After a
  /// failure the rest are not reduced (the run ends with that error).
  static void work(State &w) {
    std::unique_lock<std::mutex> lock(w.mutex);
    for (;;) {
      w.changed.wait(lock, [&] { return w.stop || !w.queue.empty(); });
      if (w.queue.empty())
        return;
      Job job = std::move(w.queue.front());
      w.queue.pop_front();
      const bool failed = !w.failure.ok();
      lock.unlock();
      Status s = failed ? Status::success() : reduce(job.tensors, job.staging);
      lock.lock();
      if (!s.ok() && w.failure.ok())
        w.failure = std::move(s);
      w.finished = job.ticket;
      w.spare.push_back(std::move(job.staging));
      w.changed.notify_all();
    }
  }

  /// Waits for the reductions in flight: afterwards this thread alone calls
  /// MPI, until the next start.
  Status drain() {
    std::unique_lock<std::mutex> lock(state_->mutex);
    state_->changed.wait(lock,
                         [&] { return state_->finished == state_->issued; });
    return state_->failure;
  }

  int rank_, size_;
  std::vector<float> staging_;
  /// What the communication thread shares with the communicator (and keeps
  /// alive, should it outlive it on a failing rank).
  std::shared_ptr<State> state_ = std::make_shared<State>();
  std::thread worker_;
};

} // namespace

Status initWorld(WorldInfo &out) {
  if (!started && launchedByMpi()) {
    // A rank waiting in a collective yields its core (sched_yield in
    // OpenMPI's progress loop) instead of spinning on it: the ranks'
    // kernels, and the other ranks on a machine with fewer cores than
    // threads, get it (OpenMPI does this itself only when it sees more
    // ranks than slots). A value the user set is kept.
    setenv("OMPI_MCA_mpi_yield_when_idle", "1", /*overwrite=*/0);
    int provided = 0;
    // One thread calls MPI at a time: the main thread, or the MPI
    // communicator's while it reduces started buckets (kernels thread with
    // OpenMP and never call MPI).
    if (int rc =
            MPI_Init_thread(nullptr, nullptr, MPI_THREAD_SERIALIZED, &provided);
        rc != MPI_SUCCESS)
      return mpiError("MPI_Init_thread", rc);
    threadLevel = provided;
    // Errors come back as codes (one line each), not as MPI's abort.
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_rank(MPI_COMM_WORLD, &world.rank);
    MPI_Comm_size(MPI_COMM_WORLD, &world.size);
    world.mpi = true;
  }
  started = true;
  out = world;
  return Status::success();
}

void finalizeWorld() {
  if (world.mpi) {
    MPI_Finalize();
    world.mpi = false;
  }
}

void abortWorld(int code) {
  if (world.mpi)
    MPI_Abort(MPI_COMM_WORLD, code);
  std::_Exit(code);
}

Status createCommunicator(Device &device, std::unique_ptr<Communicator> &out) {
  if (!world.mpi || world.size < 2)
    return Status::error("a run of one rank has no communicator (start "
                         "several with mpirun -np R)");
  const std::string name = device.name();
  if (name == "cuda" || name.rfind("cuda:", 0) == 0) {
#ifdef CHERRY_HAVE_NCCL
    return createNcclCommunicator(device, world.rank, world.size, out);
#else
    return Status::error("device '" + name +
                         "': this runtime was built without NCCL, which "
                         "collectives on a GPU's memory need");
#endif
  }
  // A device whose memory is the host's (hostPointer works on it).
  DeviceMemory probe;
  if (Status s = device.allocate(64, probe); !s.ok())
    return s;
  const bool host = device.hostPointer(probe, 0) != nullptr;
  device.release(probe);
  if (!host)
    return Status::error("device '" + name +
                         "': no communicator for its memory (MPI reduces "
                         "host memory, NCCL a CUDA device's)");
  out = std::make_unique<MpiCommunicator>(world.rank, world.size);
  return Status::success();
}

#else // !CHERRY_HAVE_MPI

Status initWorld(WorldInfo &out) {
  if (launchedByMpi())
    return Status::error("started by an MPI launcher, but this runtime was "
                         "built without MPI (install libopenmpi-dev and "
                         "rebuild)");
  started = true;
  out = world;
  return Status::success();
}

void finalizeWorld() {}

void abortWorld(int code) { std::_Exit(code); }

Status createCommunicator(Device &, std::unique_ptr<Communicator> &) {
  return Status::error("a run of one rank has no communicator (this runtime "
                       "was built without MPI)");
}

#endif

} // namespace cherry::runtime
