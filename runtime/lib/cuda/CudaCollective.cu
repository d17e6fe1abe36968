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
// all_reduce_start overlaps: its copies and scaling run on the stream, its
// NCCL all-reduce (the blocking all_reduce's call on the same buffers, so
// the same bits) on the communication stream once the stream reaches it,
// in the order the buckets start (the same on every rank), while the stream
// runs the kernels after it; its all_reduce_wait makes the stream wait for
// the reduction's completion event. Any other collective first waits for
// the reductions in flight, so the communicator's calls run in the order
// they are issued. In a CUDA graph's capture the same event waits fork the
// communication stream from the captured stream and join it back.
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
  if (Status s = ctx.waitInFlight("rank_share"); !s.ok())
    return s;
  if (Status s = c->allReduceSum({{a.share, 1}}); !s.ok())
    return Status::error("rank_share: " + s.message);
  shareDivideKernel<<<1, 1, 0, ctx.stream>>>(a.hyper, a.share);
  return Status::success();
}

/// all_reduce and all_reduce_start (`Args` either): each y_i starts as x_i
/// and is scaled by the rank's share for a mean, on the stream; `tensors`
/// are then reduced by the caller.
template <class Args>
Status prepareOnStream(Context &ctx, const char *kernel, const Args &a,
                       Communicator *&c,
                       std::vector<Communicator::Tensor> &tensors) {
  if (Status s = collectiveCommunicator(ctx, kernel, a.ranks, c); !s.ok())
    return s;
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
  return Status::success();
}

Status run(Context &ctx, const AllReduceArgs &a) {
  Communicator *c = nullptr;
  std::vector<Communicator::Tensor> tensors;
  if (Status s = prepareOnStream(ctx, "all_reduce", a, c, tensors); !s.ok())
    return s;
  if (Status s = ctx.waitInFlight("all_reduce"); !s.ok())
    return s;
  if (Status s = c->allReduceSum(tensors); !s.ok())
    return Status::error("all_reduce: " + s.message);
  return Status::success();
}

Status run(Context &ctx, const AllReduceStartArgs &a) {
  Communicator *c = nullptr;
  std::vector<Communicator::Tensor> tensors;
  if (Status s = prepareOnStream(ctx, "all_reduce_start", a, c, tensors);
      !s.ok())
    return s;
  cudaEvent_t done = nullptr;
  if (!ctx.freeEvents.empty()) {
    done = ctx.freeEvents.back();
    ctx.freeEvents.pop_back();
  } else {
    // A first-time setup: a graph is recorded at a later call.
    if (Status s =
            ctx.notCapturable("an event of all_reduce_start is made", false);
        !s.ok())
      return s;
    if (cudaError_t e = cudaEventCreateWithFlags(&done, cudaEventDisableTiming);
        e != cudaSuccess)
      return cudaFailure("all_reduce_start: cudaEventCreate", e);
  }
  // The communication stream continues from here on the stream (the copies
  // and the scaling above, the gradients before).
  cudaError_t e = cudaEventRecord(ctx.forkEvent, ctx.stream);
  if (e == cudaSuccess)
    e = cudaStreamWaitEvent(ctx.commStream, ctx.forkEvent, 0);
  if (e != cudaSuccess) {
    ctx.freeEvents.push_back(done);
    return cudaFailure("all_reduce_start", e);
  }
  if (ctx.capturing)
    ctx.commForked = true;
  if (Status s = c->allReduceSumOn(tensors, ctx.commStream); !s.ok()) {
    ctx.freeEvents.push_back(done);
    return Status::error("all_reduce_start: " + s.message);
  }
  if (cudaError_t e = cudaEventRecord(done, ctx.commStream); e != cudaSuccess) {
    ctx.freeEvents.push_back(done);
    return cudaFailure("all_reduce_start", e);
  }
  ctx.inFlight.push_back({std::move(tensors), done});
  return Status::success();
}

Status run(Context &ctx, const AllReduceWaitArgs &a) {
  for (size_t t = 0; t < a.y.size(); ++t)
    if (a.y[t].data != a.x[t].data)
      return Status::error("all_reduce_wait: output " + std::to_string(t) +
                           " is not input " + std::to_string(t) +
                           " (a wait finishes its tensors in place)");
  for (auto it = ctx.inFlight.begin(); it != ctx.inFlight.end(); ++it) {
    bool same = it->tensors.size() == a.x.size();
    for (size_t t = 0; same && t < a.x.size(); ++t)
      same = it->tensors[t].data == a.x[t].data &&
             it->tensors[t].count == static_cast<uint64_t>(a.x[t].size);
    if (!same)
      continue;
    const cudaEvent_t done = it->done;
    ctx.inFlight.erase(it);
    // The event may be recorded again once this wait is enqueued.
    ctx.freeEvents.push_back(done);
    if (cudaError_t e = cudaStreamWaitEvent(ctx.stream, done, 0);
        e != cudaSuccess)
      return cudaFailure("all_reduce_wait", e);
    return Status::success();
  }
  return Status::error("all_reduce_wait: no all_reduce_start of these " +
                       std::to_string(a.x.size()) + " tensors is in flight");
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
  if (Status s = ctx.waitInFlight("all_gather"); !s.ok())
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

Status Context::waitInFlight(const char *kernel) {
  if (inFlight.empty())
    return Status::success();
  if (cudaError_t e = cudaStreamWaitEvent(stream, inFlight.back().done, 0);
      e != cudaSuccess)
    return cudaFailure(kernel, e);
  return Status::success();
}

Status Context::joinComm(const char *what) {
  cudaError_t e = cudaEventRecord(joinEvent, commStream);
  if (e == cudaSuccess)
    e = cudaStreamWaitEvent(stream, joinEvent, 0);
  if (e != cudaSuccess)
    return cudaFailure(what, e);
  return Status::success();
}

void Context::forgetInFlight(const void *begin, const void *end) {
  const char *b = static_cast<const char *>(begin),
             *e = static_cast<const char *>(end);
  auto meets = [&](const Reduction &r) {
    if (!b)
      return true;
    for (const Communicator::Tensor &t : r.tensors) {
      const char *tBegin = reinterpret_cast<const char *>(t.data);
      if (tBegin < e && b < tBegin + t.count * sizeof(float))
        return true;
    }
    return false;
  };
  for (size_t i = 0; i < inFlight.size();)
    if (meets(inFlight[i])) {
      freeEvents.push_back(inFlight[i].done);
      inFlight.erase(inFlight.begin() + i);
    } else {
      ++i;
    }
}

Status Context::checkInFlight(const KernelCall &call) const {
  std::vector<const std::vector<Communicator::Tensor> *> tensors;
  for (const Reduction &r : inFlight)
    tensors.push_back(&r.tensors);
  return refuseInFlight(call, tensors);
}

} // namespace cherry::runtime::cuda
