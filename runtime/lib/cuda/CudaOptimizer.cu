//===- CudaOptimizer.cu - Gradient norm, clipping, AdamW and SGD ----------===//
//
// The updates compute what the CPU's do, operation for operation (this file
// is compiled with -fmad=false, fused multiply-adds only where the CPU has
// them), so parameters and moments match the CPU's bits. The step's scalars
// (bias corrections in double, the clipping factor from the squared norm)
// are computed once on the device from `hyper`, which the trainer writes
// each step. adamw_multi and sgd_multi update every tensor in one launch over
// a table of chunks. The squared norm is summed in double in a fixed order.
//
//===----------------------------------------------------------------------===//

#include "CudaCommon.cuh"

#include <vector>

namespace cherry::runtime::cuda {
namespace {

constexpr int kThreads = 256;
constexpr int kNormBlocks = 1024;
constexpr int64_t kChunk = 4096; // elements per block of a multi update

__global__ void squaredNormPartialKernel(const float *g, int64_t n,
                                         double *partial) {
  __shared__ double scratch[32];
  double sum = 0.0;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    const double v = g[i];
    sum += v * v;
  }
  sum = blockSum(sum, scratch);
  if (threadIdx.x == 0)
    partial[blockIdx.x] = sum;
}

__global__ void squaredNormFinalKernel(const double *partial, int blocks,
                                       float *acc, bool accumulate) {
  __shared__ double scratch[32];
  double sum = threadIdx.x < blocks ? partial[threadIdx.x] : 0.0;
  sum = blockSum(sum, scratch);
  if (threadIdx.x == 0)
    *acc = static_cast<float>((accumulate ? static_cast<double>(*acc) : 0.0) +
                              sum);
}

struct AdamWScalars {
  float decay, lerpCoeff;
  int lerpFromM;
  float beta2, oneMinusBeta2, bc2Sqrt, eps, negStepSize;
};

/// The step's scalars, made once per launch by one thread.
struct StepScalars {
  int valid;
  float clip;
  float lr, weightDecay;
  AdamWScalars decayed, plain;
};

__device__ AdamWScalars adamwScalars(float lr, float beta1, float beta2,
                                     float eps, float weightDecay,
                                     int64_t step) {
  const double lrD = lr, beta1D = beta1, beta2D = beta2;
  const double t = static_cast<double>(step);
  const double bc1 = 1.0 - pow(beta1D, t);
  const double bc2 = 1.0 - pow(beta2D, t);
  const float lerpWeight = static_cast<float>(1.0 - beta1D);
  const bool fromM = fabsf(lerpWeight) < 0.5f;
  return AdamWScalars{
      static_cast<float>(1.0 - lrD * static_cast<double>(weightDecay)),
      fromM ? lerpWeight : lerpWeight - 1.0f,
      fromM ? 1 : 0,
      beta2,
      static_cast<float>(1.0 - beta2D),
      static_cast<float>(sqrt(bc2)),
      eps,
      static_cast<float>(-(lrD / bc1))};
}

/// hyper = [lr, beta1, beta2, eps, weight_decay, step, max_grad_norm, 0];
/// `decay` 0 drops the weight decay (the single-tensor kernels).
__global__ void stepScalarsKernel(const float *hyper, const float *gradSqNorm,
                                  int decay, KernelId kernel, StepScalars *out,
                                  ErrorRecord *err) {
  const float wd = decay ? hyper[4] : 0.0f;
  const int64_t step = static_cast<int64_t>(hyper[5]);
  StepScalars s{};
  s.valid = step >= 1 && static_cast<float>(step) == hyper[5];
  if (!s.valid)
    raise(err, kBadStep, kernel, __float_as_uint(hyper[5]));
  s.clip = 1.0f;
  if (hyper[6] > 0) {
    const double norm = sqrt(static_cast<double>(*gradSqNorm));
    s.clip = static_cast<float>(
        fmin(1.0, static_cast<double>(hyper[6]) / (norm + 1e-6)));
  }
  s.lr = hyper[0];
  s.weightDecay = wd;
  if (s.valid) {
    s.decayed = adamwScalars(hyper[0], hyper[1], hyper[2], hyper[3], wd, step);
    s.plain = adamwScalars(hyper[0], hyper[1], hyper[2], hyper[3], 0.0f, step);
  }
  *out = s;
}

__device__ inline void adamwOne(float *param, float *grad, float *m, float *v,
                                int64_t i, float clip, const AdamWScalars &s) {
  float g = grad[i];
  if (clip != 1.0f) { // the gradient is scaled in place first
    g = g * clip;
    grad[i] = g;
  }
  const float p = param[i] * s.decay;
  const float mi = m[i];
  const float mNew = __fmaf_rn(s.lerpCoeff, g - mi, s.lerpFromM ? mi : g);
  const float vNew = v[i] * s.beta2 + s.oneMinusBeta2 * g * g;
  const float denom = sqrtf(vNew) / s.bc2Sqrt + s.eps;
  m[i] = mNew;
  v[i] = vNew;
  param[i] = p + s.negStepSize * mNew / denom;
}

__device__ inline void sgdOne(float *param, float *grad, int64_t i, float clip,
                              float negLr, float weightDecay) {
  float g = grad[i];
  if (clip != 1.0f) {
    g = g * clip;
    grad[i] = g;
  }
  if (weightDecay != 0.0f)
    param[i] = __fmaf_rn(__fmaf_rn(param[i], weightDecay, g), negLr, param[i]);
  else
    param[i] = __fmaf_rn(g, negLr, param[i]);
}

__global__ void adamwKernel(float *param, float *grad, float *m, float *v,
                            int64_t n, const StepScalars *scalars) {
  const StepScalars &s = *scalars;
  if (!s.valid)
    return;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x)
    adamwOne(param, grad, m, v, i, s.clip, s.decayed);
}

/// adamw_shard: this rank's slice of a parameter (its moments from 0).
__global__ void adamwShardKernel(float *param, float *grad, float *m, float *v,
                                 int64_t n, bool decay,
                                 const StepScalars *scalars) {
  const StepScalars &s = *scalars;
  if (!s.valid)
    return;
  const AdamWScalars &a = decay ? s.decayed : s.plain;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x)
    adamwOne(param, grad, m, v, i, s.clip, a);
}

__global__ void sgdKernel(float *param, float *grad, int64_t n,
                          const StepScalars *scalars) {
  const StepScalars &s = *scalars;
  if (!s.valid)
    return;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x)
    sgdOne(param, grad, i, s.clip, -s.lr, s.weightDecay);
}

struct Chunk {
  float *param, *grad, *m, *v;
  int64_t i0, n;
  int decay;
};

__global__ void adamwMultiKernel(const Chunk *chunks,
                                 const StepScalars *scalars) {
  const StepScalars &s = *scalars;
  if (!s.valid)
    return;
  const Chunk c = chunks[blockIdx.x];
  const AdamWScalars &a = c.decay ? s.decayed : s.plain;
  for (int64_t i = c.i0 + threadIdx.x; i < c.i0 + c.n; i += blockDim.x)
    adamwOne(c.param, c.grad, c.m, c.v, i, s.clip, a);
}

__global__ void sgdMultiKernel(const Chunk *chunks,
                               const StepScalars *scalars) {
  const StepScalars &s = *scalars;
  if (!s.valid)
    return;
  const Chunk c = chunks[blockIdx.x];
  for (int64_t i = c.i0 + threadIdx.x; i < c.i0 + c.n; i += blockDim.x)
    sgdOne(c.param, c.grad, i, s.clip, -s.lr, c.decay ? s.weightDecay : 0.0f);
}

Status scalarsFor(Context &ctx, const float *hyper, const float *gradSqNorm,
                  int decay, KernelId kernel, StepScalars *&out) {
  void *ws = nullptr;
  if (Status s = ctx.workspace2(sizeof(StepScalars), ws); !s.ok())
    return s;
  out = static_cast<StepScalars *>(ws);
  stepScalarsKernel<<<1, 1, 0, ctx.stream>>>(hyper, gradSqNorm, decay, kernel,
                                             out, ctx.error);
  return Status::success();
}

/// The chunk table of a multi update, on the device (cached per operands).
template <class Args>
Status chunkTable(Context &ctx, const Args &a, bool adam, const Chunk *&out,
                  unsigned &blocks) {
  std::vector<const void *> key;
  for (int64_t t = 0; t < a.count; ++t) {
    key.push_back(a.grad[t].data);
    key.push_back(a.param[t].data);
  }
  std::vector<Chunk> chunks;
  for (int64_t t = 0; t < a.count; ++t)
    for (int64_t i0 = 0; i0 < a.grad[t].size; i0 += kChunk) {
      Chunk c{a.param[t].data,
              a.grad[t].data,
              nullptr,
              nullptr,
              i0,
              std::min(kChunk, a.grad[t].size - i0),
              t < a.decayed ? 1 : 0};
      if constexpr (std::is_same_v<Args, AdamwMultiArgs>) {
        c.m = a.m[t].data;
        c.v = a.v[t].data;
      }
      chunks.push_back(c);
    }
  key.push_back(reinterpret_cast<const void *>(
      static_cast<uintptr_t>(a.decayed * 2 + (adam ? 1 : 0))));
  blocks = static_cast<unsigned>(chunks.size());
  auto it = ctx.tables.find(key);
  if (it == ctx.tables.end()) {
    if (Status s = ctx.notCapturable("an optimizer chunk table is made", false);
        !s.ok())
      return s;
    void *table = nullptr;
    const size_t bytes = std::max<size_t>(1, chunks.size()) * sizeof(Chunk);
    if (cudaError_t e = cudaMalloc(&table, bytes); e != cudaSuccess)
      return cudaFailure("optimizer chunk table", e);
    // On the stream (ordered before the update); from pageable memory, so
    // the call returns once the bytes are staged.
    if (cudaError_t e =
            cudaMemcpyAsync(table, chunks.data(), chunks.size() * sizeof(Chunk),
                            cudaMemcpyHostToDevice, ctx.stream);
        e != cudaSuccess)
      return cudaFailure("optimizer chunk table", e);
    it = ctx.tables.emplace(key, table).first;
  }
  out = static_cast<const Chunk *>(it->second);
  return Status::success();
}

} // namespace

Status run(Context &ctx, const GradSqNormArgs &a) {
  void *ws = nullptr;
  if (Status s = ctx.workspace(kNormBlocks * sizeof(double), ws); !s.ok())
    return s;
  auto *partial = static_cast<double *>(ws);
  const unsigned blocks = blocksFor(a.n, kThreads, kNormBlocks);
  squaredNormPartialKernel<<<blocks, kThreads, 0, ctx.stream>>>(a.g, a.n,
                                                                partial);
  squaredNormFinalKernel<<<1, kNormBlocks, 0, ctx.stream>>>(
      partial, static_cast<int>(blocks), a.acc, a.accumulate != 0);
  return Status::success();
}

Status run(Context &ctx, const AdamwArgs &a) {
  StepScalars *s = nullptr;
  if (Status st = scalarsFor(ctx, a.hyper, a.grad_sq_norm,
                             static_cast<int>(a.decay), KernelId::adamw, s);
      !st.ok())
    return st;
  if (a.n > 0)
    adamwKernel<<<blocksFor(a.n, kThreads), kThreads, 0, ctx.stream>>>(
        a.param, a.grad, a.m, a.v, a.n, s);
  return Status::success();
}

Status run(Context &ctx, const SgdArgs &a) {
  StepScalars *s = nullptr;
  if (Status st = scalarsFor(ctx, a.hyper, a.grad_sq_norm,
                             static_cast<int>(a.decay), KernelId::sgd, s);
      !st.ok())
    return st;
  if (a.n > 0)
    sgdKernel<<<blocksFor(a.n, kThreads), kThreads, 0, ctx.stream>>>(
        a.param, a.grad, a.n, s);
  return Status::success();
}

Status run(Context &ctx, const AdamwMultiArgs &a) {
  StepScalars *s = nullptr;
  if (Status st =
          scalarsFor(ctx, a.hyper, a.grad_sq_norm, 1, KernelId::adamw_multi, s);
      !st.ok())
    return st;
  const Chunk *table = nullptr;
  unsigned blocks = 0;
  if (Status st = chunkTable(ctx, a, true, table, blocks); !st.ok())
    return st;
  if (blocks)
    adamwMultiKernel<<<blocks, kThreads, 0, ctx.stream>>>(table, s);
  return Status::success();
}

Status runAdamwShardOn(Context &ctx, const AdamwShardArgs &a, int rank) {
  StepScalars *s = nullptr;
  // As adamw_multi: weight decay per tensor (`decay`).
  if (Status st =
          scalarsFor(ctx, a.hyper, a.grad_sq_norm, 1, KernelId::adamw_shard, s);
      !st.ok())
    return st;
  const int64_t begin = std::min<int64_t>(a.n, rank * a.shard);
  const int64_t end = std::min<int64_t>(a.n, begin + a.shard);
  if (end > begin)
    adamwShardKernel<<<blocksFor(end - begin, kThreads), kThreads, 0,
                       ctx.stream>>>(a.param + begin, a.grad + begin, a.m, a.v,
                                     end - begin, a.decay != 0, s);
  return Status::success();
}

Status run(Context &ctx, const SgdMultiArgs &a) {
  StepScalars *s = nullptr;
  if (Status st =
          scalarsFor(ctx, a.hyper, a.grad_sq_norm, 1, KernelId::sgd_multi, s);
      !st.ok())
    return st;
  const Chunk *table = nullptr;
  unsigned blocks = 0;
  if (Status st = chunkTable(ctx, a, false, table, blocks); !st.ok())
    return st;
  if (blocks)
    sgdMultiKernel<<<blocks, kThreads, 0, ctx.stream>>>(table, s);
  return Status::success();
}

} // namespace cherry::runtime::cuda
