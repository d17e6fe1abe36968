//===- Communicator.h - Collectives across the ranks of a run ---*- C++ -*-===//
//
// A run of R ranks is R processes started by `mpirun -np R`; MPI tells each
// its rank and the world size. The collective kernels of an executable
// (`rank_share`, `all_reduce`, `moe_exchange_*`, runtime/abi/Kernels.abi)
// reduce through a Communicator over the memory of the device they run on: MPI
// over host memory (the CPU device), NCCL over a GPU's memory (built where CUDA
// and NCCL are found; its unique id is broadcast over MPI). The device picks it
// (createCommunicator). The trainer also reduces a few host values (the
// validation loss) and ends every rank when one fails (abort).
//
// The MPI communicator reduces the buckets an `all_reduce_start` issues on a
// thread of its own, which makes the blocking MPI_Allreduce the
// synchronous path makes while the step's kernels run on the launching
// thread (MPI_THREAD_SERIALIZED: one thread calls MPI at a time; the others
// wait for the reductions in flight first).
//
// A process not started by an MPI launcher is a run of one rank: it never
// initializes MPI and needs no communicator (its executables have no
// collectives).
//
// Links no MLIR or LLVM.
//
//===----------------------------------------------------------------------===//

#ifndef CHERRY_RUNTIME_COMMUNICATOR_H
#define CHERRY_RUNTIME_COMMUNICATOR_H

#include "cherry/Runtime/Status.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace cherry::runtime {

class Device;

/// Collectives among the ranks of one run. Every rank calls the same
/// collectives in the same order.
class Communicator {
public:
  virtual ~Communicator() = default;
  /// "mpi", "nccl".
  virtual const char *name() const = 0;
  virtual int rank() const = 0;
  virtual int size() const = 0;

  /// One tensor of a collective: `count` floats at `data`, an address of
  /// the communicator's device.
  struct Tensor {
    float *data;
    uint64_t count;
  };
  /// Replaces each tensor by its sum over the ranks, in place, as one
  /// collective (a bucket). Every rank ends with the same bits.
  virtual Status allReduceSum(const std::vector<Tensor> &tensors) = 0;
  /// allReduceSum begun (the `all_reduce_start` kernel): the reduction is
  /// issued and may still run when this returns, so nothing may touch the
  /// tensors until allReduceSumWait(ticket). Reductions finish in the order
  /// they start, with allReduceSum's collective (the same bits); any other
  /// collective first waits for those in flight. This default reduces before
  /// it returns (nothing is left in flight).
  virtual Status allReduceSumStart(const std::vector<Tensor> &tensors,
                                   uint64_t &ticket) {
    ticket = 0;
    return allReduceSum(tensors);
  }
  /// Returns once reduction `ticket` (and every one started before it) has
  /// finished: the error of one that failed, if any.
  virtual Status allReduceSumWait(uint64_t ticket) {
    (void)ticket;
    return Status::success();
  }
  /// allReduceSum's collective (the same bits) enqueued on `queue`, a queue
  /// of the communicator's device other than its own (the CUDA device's
  /// communication stream, which overlaps `all_reduce_start` with the
  /// kernels): the caller orders it with the device's work. Only a
  /// communicator of a device with queues (NCCL) has it.
  virtual Status allReduceSumOn(const std::vector<Tensor> &tensors,
                                void *queue) {
    (void)tensors;
    (void)queue;
    return Status::error(std::string(name()) +
                         " reduces on its device's own queue only");
  }
  /// Makes each tensor whole from its shards (ZeRO-1), in place: rank r
  /// holds the up-to-date elements [r * s, min(count, (r + 1) * s)),
  /// s = ceil(count / size()), and sends them to every rank.
  virtual Status allGatherShards(const std::vector<Tensor> &tensors) = 0;
  /// Block `q` of `perRank` ints at `send` to rank `q`; block `p` of
  /// `receive` from rank `p` (an all-to-all; expert parallelism's counts).
  /// Addresses of the communicator's device.
  virtual Status allToAll(const int32_t *send, int32_t *receive,
                          size_t perRank) = 0;
  /// A variable-size all-to-all of floats on the communicator's device:
  /// `sendCounts[q]` floats at `send + sendOffsets[q]` to rank `q`,
  /// `receiveCounts[p]` floats from rank `p` to `receive +
  /// receiveOffsets[p]` (every rank's sends match the receives they meet).
  virtual Status allToAllv(const float *send,
                           const std::vector<uint64_t> &sendCounts,
                           const std::vector<uint64_t> &sendOffsets,
                           float *receive,
                           const std::vector<uint64_t> &receiveCounts,
                           const std::vector<uint64_t> &receiveOffsets) = 0;
  /// The same for doubles in host memory (metrics, whatever the device).
  virtual Status allReduceHostSum(double *values, size_t count) = 0;
  /// Every rank's `bytes` host bytes at `send`, concatenated in rank order
  /// into `receive` (size() * bytes) on rank `root`.
  virtual Status gatherHost(const void *send, size_t bytes, void *receive,
                            int root) = 0;
  /// Rank `root`'s `bytes` host bytes at `data` on every rank.
  virtual Status broadcastHost(void *data, size_t bytes, int root) = 0;
  /// Ends every rank of the run with exit status `code` (MPI_Abort): a rank
  /// that failed does not leave the others waiting in a collective.
  [[noreturn]] virtual void abort(int code) = 0;
};

/// Whether this process was started by an MPI launcher (mpirun, srun):
/// OpenMPI's, PMIx's or PMI's environment variables say so. Reads the
/// environment only.
bool launchedByMpi();

/// Whether this runtime was built with MPI (and NCCL).
bool builtWithMpi();
bool builtWithNccl();

/// The communicator of a collective kernel compiled for `ranks` ranks: `c`,
/// or, for a run without one or of another size, the one-line error every
/// device gives (naming the kernel and how to start the run).
inline Status collectiveCommunicator(Communicator *c, const char *kernel,
                                     int64_t ranks, Communicator *&out) {
  if (!c)
    return Status::error(std::string(kernel) + ": the executable reduces " +
                         "across " + std::to_string(ranks) +
                         " ranks, but this run has one (start it with "
                         "mpirun -np " +
                         std::to_string(ranks) + ")");
  if (c->size() != ranks)
    return Status::error(std::string(kernel) +
                         ": the executable is compiled for " +
                         std::to_string(ranks) + " ranks, the run has " +
                         std::to_string(c->size()));
  out = c;
  return Status::success();
}

/// This process's place in the run: MPI is initialized (once) when the
/// process was launched by MPI; otherwise rank 0 of 1 without MPI.
struct WorldInfo {
  int rank = 0;
  int size = 1;
  bool mpi = false;
};
Status initWorld(WorldInfo &out);
/// Finalizes MPI when initWorld started it (at a normal exit).
void finalizeWorld();
/// Ends every rank of a run of several with exit status `code`
/// (MPI_Abort); in a run of one, exits.
[[noreturn]] void abortWorld(int code);

/// The communicator for `device`'s memory in a run initialized by
/// initWorld: MPI for a device whose memory is the host's, NCCL for a CUDA
/// device. A one-line error when the run has one rank (nothing to reduce
/// with), or the runtime lacks the library the device needs.
Status createCommunicator(Device &device, std::unique_ptr<Communicator> &out);

/// A communicator of one rank over a CUDA device's memory, without MPI:
/// NCCL with a unique id made in this process (ncclCommInitRank of one
/// rank). Its collectives run NCCL's code on the device's stream; the
/// world-size-1 check of the NCCL path (cherry-cuda-tests). A one-line
/// error where the runtime lacks NCCL or the device is not a CUDA device.
Status createSelfCommunicator(Device &device,
                              std::unique_ptr<Communicator> &out);

} // namespace cherry::runtime

#endif // CHERRY_RUNTIME_COMMUNICATOR_H
