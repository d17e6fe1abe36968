//===- CudaCollective.cu - The collectives across ranks -------------------===//
//
// rank_share, all_reduce (and all_reduce_start / all_reduce_wait),
// all_gather and adamw_shard on the CUDA device,
// through the device's communicator (NCCL, NcclCommunicator.cpp), which
// enqueues its collectives on the device's stream: they are ordered with the
// kernels around them, recorded in a CUDA graph with them, and a host read
// after them waits for them. The arithmetic around the collectives is the
// CPU device's (runtime/lib/cpu/CpuDevice.cpp): the mean's share is one
// float division, the scaled tensor one multiply per element.
//
//===----------------------------------------------------------------------===//

#include "CudaCommon.cuh"

#include <string>
#include <vector>

namespace cherry::runtime::cuda {

// CudaOptimizer.cu
Status runAdamwShardOn(Context &ctx, const AdamwShardArgs &a, int rank);

namespace {

constexpr int kThreads = 256;

/// The communicator of a collective compiled for `ranks` ranks, with the
/// CPU device's errors (collectiveCommunicator in Communicator.h).
Status collectiveCommunicator(Context &ctx, const char *kernel, int64_t ranks,
                              Communicator *&out) {
  return ::cherry::runtime::collectiveCommunicator(ctx.communicator, kernel,
                                                   ranks, out);
}

/// share = hyper[7], checked (the sum over ranks follows).
__global__ void shareWeightKernel(const float *hyper, float *share,
                                  ErrorRecord *err) {
  const float w = hyper[7];
  if (!isfinite(w) || w < 0)
    raise(err, kShareWeight, KernelId::rank_share, __float_as_uint(w));
  *share = w;
}

/// share = hyper[7] / (the sum over ranks), 0 when the sum is 0.
__global__ void shareDivideKernel(const float *hyper, float *share) {
  const float total = *share;
  *share = total > 0 ? hyper[7] / total : 0.0f;
}

__global__ void scaleByKernel(float *y, int64_t n, const float *share) {
  const float s = *share;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x)
    y[i] *= s;
}

/// A collective's tensors, each output starting as its input (in place, or
/// copied into y from x on the stream); y_t aliasing another tensor's x is
/// refused, as on the CPU.
Status collectiveTensors(Context &ctx, const char *kernel, const char *verb,
                         const std::vector<TensorRef<const float>> &x,
                         const std::vector<TensorRef<float>> &y,
                         std::vector<Communicator::Tensor> &tensors) {
  for (size_t t = 0; t < y.size(); ++t) {
    for (size_t u = 0; u < x.size(); ++u)
      if (u != t && y[t].data == x[u].data)
        return Status::error(
            std::string(kernel) + ": output " + std::to_string(t) +
            " is input " + std::to_string(u) + " (only its own input may be " +
            verb + " in place)");
    if (y[t].data != x[t].data && x[t].size > 0)
      if (cudaError_t e =
              cudaMemcpyAsync(y[t].data, x[t].data, x[t].size * sizeof(float),
                              cudaMemcpyDeviceToDevice, ctx.stream);
          e != cudaSuccess)
        return cudaFailure(kernel, e);
    tensors.push_back({y[t].data, static_cast<uint64_t>(y[t].size)});
  }
  return Status::success();
}

} // namespace

Status run(Context &ctx, const RankShareArgs &a) {
  Communicator *c = nullptr;
  if (Status s = collectiveCommunicator(ctx, "rank_share", a.ranks, c); !s.ok())
    return s;
  shareWeightKernel<<<1, 1, 0, ctx.stream>>>(a.hyper, a.share, ctx.error);
  if (Status s = checkLaunch("rank_share"); !s.ok())
    return s;
  if (Status s = c->allReduceSum({{a.share, 1}}); !s.ok())
    return Status::error("rank_share: " + s.message);
  shareDivideKernel<<<1, 1, 0, ctx.stream>>>(a.hyper, a.share);
  return Status::success();
}

/// all_reduce and all_reduce_start (`Args` either): each y_i starts as x_i,
/// is scaled by the rank's share for a mean, and is reduced on the stream.
template <class Args>
Status reduceOnStream(Context &ctx, const char *kernel, const Args &a) {
  Communicator *c = nullptr;
  if (Status s = collectiveCommunicator(ctx, kernel, a.ranks, c); !s.ok())
    return s;
  std::vector<Communicator::Tensor> tensors;
  if (Status s = collectiveTensors(ctx, kernel, "reduced", a.x, a.y, tensors);
      !s.ok())
    return s;
  if (a.mean)
    for (const TensorRef<float> &y : a.y)
      if (y.size > 0) {
        scaleByKernel<<<blocksFor(y.size, kThreads), kThreads, 0, ctx.stream>>>(
            y.data, y.size, a.share);
        if (Status s = checkLaunch(kernel); !s.ok())
          return s;
      }
  if (Status s = c->allReduceSum(tensors); !s.ok())
    return Status::error(std::string(kernel) + ": " + s.message);
  return Status::success();
}

Status run(Context &ctx, const AllReduceArgs &a) {
  return reduceOnStream(ctx, "all_reduce", a);
}

// all_reduce_start / all_reduce_wait (cherry-overlap-reductions): the start
// enqueues the reduction on the stream as all_reduce does, and the stream's
// order finishes it before any later kernel, so the wait only checks that
// it finishes its tensors in place. (The reduction then runs between the
// kernels around it; overlapping it with them needs a stream of its own.)
Status run(Context &ctx, const AllReduceStartArgs &a) {
  return reduceOnStream(ctx, "all_reduce_start", a);
}

Status run(Context &, const AllReduceWaitArgs &a) {
  for (size_t t = 0; t < a.y.size(); ++t)
    if (a.y[t].data != a.x[t].data)
      return Status::error("all_reduce_wait: output " + std::to_string(t) +
                           " is not input " + std::to_string(t) +
                           " (a wait finishes its tensors in place)");
  return Status::success();
}

Status run(Context &ctx, const AdamwShardArgs &a) {
  Communicator *c = nullptr;
  if (Status s = collectiveCommunicator(ctx, "adamw_shard", a.ranks, c);
      !s.ok())
    return s;
  return runAdamwShardOn(ctx, a, c->rank());
}

Status run(Context &ctx, const AllGatherArgs &a) {
  Communicator *c = nullptr;
  if (Status s = collectiveCommunicator(ctx, "all_gather", a.ranks, c); !s.ok())
    return s;
  std::vector<Communicator::Tensor> tensors;
  if (Status s =
          collectiveTensors(ctx, "all_gather", "gathered", a.x, a.y, tensors);
      !s.ok())
    return s;
  if (Status s = c->allGatherShards(tensors); !s.ok())
    return Status::error("all_gather: " + s.message);
  return Status::success();
}

} // namespace cherry::runtime::cuda
