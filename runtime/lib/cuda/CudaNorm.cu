//===- CudaNorm.cu - RMSNorm, the fused residual add, and the gradient ----===//
//
// One block per row. rms_norm_grad's weight gradient sums the rows in fixed
// chunks and then the chunks in order (no atomics: the same bits every run).
//
//===----------------------------------------------------------------------===//

#include "CudaCommon.cuh"

namespace cherry::runtime::cuda {
namespace {

constexpr int kThreads = 256;
constexpr int64_t kDwRows = 64; // rows per partial sum of the weight gradient

/// y = w * (x * inv), inv = 1 / sqrt(mean(x^2) + eps); with `delta`, x is
/// first updated to x + delta (the residual add).
__global__ void rmsNormKernel(float *x, const float *delta, const float *w,
                              float *y, int64_t rows, int64_t dim, float eps) {
  __shared__ float scratch[32];
  for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    float *xr = x + r * dim;
    float sumSq = 0.0f;
    for (int64_t i = threadIdx.x; i < dim; i += blockDim.x) {
      float v = xr[i];
      if (delta) {
        v = v + delta[r * dim + i];
        xr[i] = v;
      }
      sumSq += v * v;
    }
    sumSq = blockSum(sumSq, scratch);
    const float inv = 1.0f / sqrtf(sumSq / static_cast<float>(dim) + eps);
    for (int64_t i = threadIdx.x; i < dim; i += blockDim.x)
      y[r * dim + i] = w[i] * (xr[i] * inv);
  }
}

__global__ void rmsNormGradRowsKernel(const float *x, const float *w,
                                      const float *dy, float *dx, float *inv,
                                      int64_t rows, int64_t dim, float eps,
                                      bool accumulate) {
  __shared__ float scratch[32];
  const float invDim = 1.0f / static_cast<float>(dim);
  for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    const float *xr = x + r * dim, *dyr = dy + r * dim;
    float sumSq = 0.0f, dot = 0.0f;
    for (int64_t i = threadIdx.x; i < dim; i += blockDim.x) {
      sumSq += xr[i] * xr[i];
      dot += w[i] * dyr[i] * xr[i];
    }
    sumSq = blockSum(sumSq, scratch);
    dot = blockSum(dot, scratch);
    const float rinv = 1.0f / sqrtf(sumSq / static_cast<float>(dim) + eps);
    const float coeff = dot * (rinv * rinv * rinv) * invDim;
    for (int64_t i = threadIdx.x; i < dim; i += blockDim.x) {
      const float g = rinv * (w[i] * dyr[i]) - xr[i] * coeff;
      dx[r * dim + i] = accumulate ? dx[r * dim + i] + g : g;
    }
    if (threadIdx.x == 0)
      inv[r] = rinv;
  }
}

__global__ void rmsNormDwPartialKernel(const float *x, const float *dy,
                                       const float *inv, float *partial,
                                       int64_t rows, int64_t dim) {
  const int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  const int64_t chunk = blockIdx.y;
  if (i >= dim)
    return;
  const int64_t r0 = chunk * kDwRows, r1 = min(rows, r0 + kDwRows);
  float acc = 0.0f;
  for (int64_t r = r0; r < r1; ++r)
    acc += dy[r * dim + i] * (x[r * dim + i] * inv[r]);
  partial[chunk * dim + i] = acc;
}

__global__ void sumChunksKernel(const float *partial, float *dw, int64_t chunks,
                                int64_t dim) {
  const int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (i >= dim)
    return;
  float acc = partial[i];
  for (int64_t c = 1; c < chunks; ++c)
    acc += partial[c * dim + i];
  dw[i] = acc;
}

} // namespace

Status run(Context &ctx, const RmsNormArgs &a) {
  if (a.rows <= 0 || a.dim <= 0)
    return Status::success();
  rmsNormKernel<<<blocksFor(a.rows, 1), kThreads, 0, ctx.stream>>>(
      const_cast<float *>(a.x), nullptr, a.w, a.y, a.rows, a.dim,
      static_cast<float>(a.eps));
  return Status::success();
}

Status run(Context &ctx, const AddRmsNormArgs &a) {
  if (a.rows <= 0 || a.dim <= 0)
    return Status::success();
  // sum starts as the residual (the device copied it when not in place).
  rmsNormKernel<<<blocksFor(a.rows, 1), kThreads, 0, ctx.stream>>>(
      a.sum, a.delta, a.w, a.y, a.rows, a.dim, static_cast<float>(a.eps));
  return Status::success();
}

namespace {

/// rms_norm_grad, dx overwritten or (rms_norm_grad_add, dx starting as acc)
/// added to.
template <class Args>
Status runRmsNormGrad(Context &ctx, const Args &a, const char *kernel,
                      bool accumulate) {
  if (a.dim <= 0)
    return Status::success();
  if (a.rows <= 0) {
    if (cudaError_t e =
            cudaMemsetAsync(a.dw, 0, a.dim * sizeof(float), ctx.stream);
        e != cudaSuccess)
      return cudaFailure(kernel, e);
    return Status::success();
  }
  const int64_t chunks = (a.rows + kDwRows - 1) / kDwRows;
  void *ws = nullptr;
  if (Status s =
          ctx.workspace((a.rows + chunks * a.dim) * sizeof(float) + 256, ws);
      !s.ok())
    return s;
  float *inv = static_cast<float *>(ws);
  float *partial = inv + (a.rows + 63) / 64 * 64;
  rmsNormGradRowsKernel<<<blocksFor(a.rows, 1), kThreads, 0, ctx.stream>>>(
      a.x, a.w, a.dy, a.dx, inv, a.rows, a.dim, static_cast<float>(a.eps),
      accumulate);
  if (chunks > 65535)
    return Status::error(std::string(kernel) + ": " + std::to_string(a.rows) +
                         " rows exceed the CUDA kernel's limit");
  dim3 grid(blocksFor(a.dim, kThreads), static_cast<unsigned>(chunks));
  rmsNormDwPartialKernel<<<grid, kThreads, 0, ctx.stream>>>(
      a.x, a.dy, inv, partial, a.rows, a.dim);
  sumChunksKernel<<<blocksFor(a.dim, kThreads), kThreads, 0, ctx.stream>>>(
      partial, a.dw, chunks, a.dim);
  return Status::success();
}

} // namespace

Status run(Context &ctx, const RmsNormGradArgs &a) {
  return runRmsNormGrad(ctx, a, "rms_norm_grad", false);
}

Status run(Context &ctx, const RmsNormGradAddArgs &a) {
  return runRmsNormGrad(ctx, a, "rms_norm_grad_add", true); // dx starts as acc
}

} // namespace cherry::runtime::cuda
