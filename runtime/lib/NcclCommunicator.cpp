//===- NcclCommunicator.cpp - NCCL over a CUDA device's memory ------------===//
//
// Built only where CMake finds CUDA and NCCL (runtime/CMakeLists.txt). Rank
// 0 makes the NCCL unique id and MPI broadcasts it, the way every NCCL
// program started by mpirun bootstraps (llm.c, nccl-tests); each rank
// drives the GPU of its device (cuda:N). Collectives are enqueued on the
// device's stream (Device::nativeQueue), ordered with its kernels and not
// waited for: a host read of their result waits for the stream, and a CUDA
// graph recorded on the stream holds them; the overlapped reductions
// (allReduceSumOn) run on the stream the CUDA device gives them, the same
// NCCL call on the same buffers. Host reductions go through MPI.
// A communicator of one rank (createSelfCommunicator) needs no MPI: its
// unique id is made in the process, its host reductions are copies.
//
//===----------------------------------------------------------------------===//

#include "cherry/Runtime/Communicator.h"
#include "cherry/Runtime/Device.h"

#include <cuda_runtime.h>
#include <mpi.h>
#include <nccl.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace cherry::runtime {

namespace {

Status cudaError(const char *call, cudaError_t rc) {
  return Status::error(std::string(call) +
                       " failed: " + cudaGetErrorString(rc));
}

Status ncclError(const char *call, ncclResult_t rc) {
  return Status::error(std::string(call) +
                       " failed: " + ncclGetErrorString(rc));
}

class NcclCommunicator final : public Communicator {
public:
  NcclCommunicator(int rank, int size, ncclComm_t comm, cudaStream_t stream,
                   bool mpi)
      : rank_(rank), size_(size), comm_(comm), stream_(stream), mpi_(mpi) {}
  ~NcclCommunicator() override { ncclCommDestroy(comm_); }
  const char *name() const override { return "nccl"; }
  int rank() const override { return rank_; }
  int size() const override { return size_; }

  Status allReduceSum(const std::vector<Tensor> &tensors) override {
    return reduceOn(tensors, stream_);
  }

  Status allReduceSumOn(const std::vector<Tensor> &tensors,
                        void *queue) override {
    return reduceOn(tensors, static_cast<cudaStream_t>(queue));
  }

  Status allGatherShards(const std::vector<Tensor> &tensors) override {
    // Shards of a tensor may differ in size: one broadcast per shard.
    if (ncclResult_t rc = ncclGroupStart(); rc != ncclSuccess)
      return ncclError("ncclGroupStart", rc);
    for (const Tensor &t : tensors) {
      const uint64_t shard = (t.count + size_ - 1) / size_;
      for (int r = 0; r < size_; ++r) {
        const uint64_t begin = std::min<uint64_t>(t.count, r * shard);
        const uint64_t n = std::min<uint64_t>(t.count, begin + shard) - begin;
        if (n == 0)
          continue;
        if (ncclResult_t rc = ncclBroadcast(t.data + begin, t.data + begin, n,
                                            ncclFloat, r, comm_, stream_);
            rc != ncclSuccess) {
          ncclGroupEnd();
          return ncclError("ncclBroadcast", rc);
        }
      }
    }
    if (ncclResult_t rc = ncclGroupEnd(); rc != ncclSuccess)
      return ncclError("ncclGroupEnd", rc);
    return Status::success();
  }

  Status allToAll(const int32_t *send, int32_t *receive,
                  size_t perRank) override {
    std::vector<uint64_t> counts(size_, perRank), offsets(size_);
    for (int r = 0; r < size_; ++r)
      offsets[r] = r * perRank;
    return exchange(send, counts, offsets, receive, counts, offsets, ncclInt32,
                    sizeof(int32_t));
  }

  Status allToAllv(const float *send, const std::vector<uint64_t> &sendCounts,
                   const std::vector<uint64_t> &sendOffsets, float *receive,
                   const std::vector<uint64_t> &receiveCounts,
                   const std::vector<uint64_t> &receiveOffsets) override {
    return exchange(send, sendCounts, sendOffsets, receive, receiveCounts,
                    receiveOffsets, ncclFloat, sizeof(float));
  }

  Status gatherHost(const void *send, size_t bytes, void *receive,
                    int root) override {
    if (!mpi_) { // one rank
      std::memcpy(receive, send, bytes);
      return Status::success();
    }
    if (MPI_Gather(send, static_cast<int>(bytes), MPI_BYTE, receive,
                   static_cast<int>(bytes), MPI_BYTE, root,
                   MPI_COMM_WORLD) != MPI_SUCCESS)
      return Status::error("MPI_Gather failed");
    return Status::success();
  }

  Status allReduceHostSum(double *values, size_t count) override {
    if (!mpi_)
      return Status::success();
    if (MPI_Allreduce(MPI_IN_PLACE, values, static_cast<int>(count), MPI_DOUBLE,
                      MPI_SUM, MPI_COMM_WORLD) != MPI_SUCCESS)
      return Status::error("MPI_Allreduce failed");
    return Status::success();
  }

  Status broadcastHost(void *data, size_t bytes, int root) override {
    if (!mpi_)
      return Status::success();
    if (MPI_Bcast(data, static_cast<int>(bytes), MPI_BYTE, root,
                  MPI_COMM_WORLD) != MPI_SUCCESS)
      return Status::error("MPI_Bcast failed");
    return Status::success();
  }

  [[noreturn]] void abort(int code) override {
    ncclCommAbort(comm_);
    if (mpi_)
      MPI_Abort(MPI_COMM_WORLD, code);
    std::_Exit(code);
  }

private:
  /// allReduceSum of the tensors as one NCCL group on `stream`.
  Status reduceOn(const std::vector<Tensor> &tensors, cudaStream_t stream) {
    if (ncclResult_t rc = ncclGroupStart(); rc != ncclSuccess)
      return ncclError("ncclGroupStart", rc);
    for (const Tensor &t : tensors)
      if (ncclResult_t rc = ncclAllReduce(t.data, t.data, t.count, ncclFloat,
                                          ncclSum, comm_, stream);
          rc != ncclSuccess) {
        ncclGroupEnd();
        return ncclError("ncclAllReduce", rc);
      }
    if (ncclResult_t rc = ncclGroupEnd(); rc != ncclSuccess)
      return ncclError("ncclGroupEnd", rc);
    return Status::success();
  }

  /// An all-to-all as one NCCL group of a send and a receive per peer.
  Status exchange(const void *send, const std::vector<uint64_t> &sendCounts,
                  const std::vector<uint64_t> &sendOffsets, void *receive,
                  const std::vector<uint64_t> &receiveCounts,
                  const std::vector<uint64_t> &receiveOffsets,
                  ncclDataType_t type, size_t elementBytes) {
    const char *from = static_cast<const char *>(send);
    char *to = static_cast<char *>(receive);
    if (ncclResult_t rc = ncclGroupStart(); rc != ncclSuccess)
      return ncclError("ncclGroupStart", rc);
    for (int r = 0; r < size_; ++r) {
      if (sendCounts[r])
        if (ncclResult_t rc = ncclSend(from + sendOffsets[r] * elementBytes,
                                       sendCounts[r], type, r, comm_, stream_);
            rc != ncclSuccess) {
          ncclGroupEnd();
          return ncclError("ncclSend", rc);
        }
      if (receiveCounts[r])
        if (ncclResult_t rc =
                ncclRecv(to + receiveOffsets[r] * elementBytes,
                         receiveCounts[r], type, r, comm_, stream_);
            rc != ncclSuccess) {
          ncclGroupEnd();
          return ncclError("ncclRecv", rc);
        }
    }
    // On the device's stream, after its kernels, and not waited for: a
    // kernel that sizes work by the counts reads them back (CudaExchange.cu).
    if (ncclResult_t rc = ncclGroupEnd(); rc != ncclSuccess)
      return ncclError("ncclGroupEnd", rc);
    return Status::success();
  }

  int rank_, size_;
  ncclComm_t comm_;
  cudaStream_t stream_;
  bool mpi_;
};

/// The GPU of `device` ("cuda:N"), made current.
Status useDeviceOf(Device &device, int rank) {
  const std::string name = device.name();
  if (name.rfind("cuda:", 0) != 0 || !device.nativeQueue())
    return Status::error("NCCL: device '" + name + "' of rank " +
                         std::to_string(rank) + " is not a CUDA device");
  if (cudaError_t rc = cudaSetDevice(std::atoi(name.c_str() + 5));
      rc != cudaSuccess)
    return cudaError("cudaSetDevice", rc);
  return Status::success();
}

} // namespace

Status createNcclCommunicator(Device &device, int rank, int size,
                              std::unique_ptr<Communicator> &out) {
  if (Status s = useDeviceOf(device, rank); !s.ok())
    return s;
  ncclUniqueId id;
  if (rank == 0)
    if (ncclResult_t rc = ncclGetUniqueId(&id); rc != ncclSuccess)
      return ncclError("ncclGetUniqueId", rc);
  if (size > 1 &&
      MPI_Bcast(&id, sizeof(id), MPI_BYTE, 0, MPI_COMM_WORLD) != MPI_SUCCESS)
    return Status::error("MPI_Bcast of the NCCL unique id failed");
  ncclComm_t comm;
  if (ncclResult_t rc = ncclCommInitRank(&comm, size, id, rank);
      rc != ncclSuccess)
    return ncclError("ncclCommInitRank", rc);
  out = std::make_unique<NcclCommunicator>(
      rank, size, comm, static_cast<cudaStream_t>(device.nativeQueue()),
      /*mpi=*/true);
  return Status::success();
}

Status createNcclSelfCommunicator(Device &device,
                                  std::unique_ptr<Communicator> &out) {
  if (Status s = useDeviceOf(device, 0); !s.ok())
    return s;
  ncclUniqueId id;
  if (ncclResult_t rc = ncclGetUniqueId(&id); rc != ncclSuccess)
    return ncclError("ncclGetUniqueId", rc);
  ncclComm_t comm;
  if (ncclResult_t rc = ncclCommInitRank(&comm, 1, id, 0); rc != ncclSuccess)
    return ncclError("ncclCommInitRank", rc);
  out = std::make_unique<NcclCommunicator>(
      0, 1, comm, static_cast<cudaStream_t>(device.nativeQueue()),
      /*mpi=*/false);
  return Status::success();
}

} // namespace cherry::runtime
