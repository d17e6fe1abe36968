//===- CudaLoss.cu - The fused head and cross-entropy, loss and gradient --===//
//
// The logits never exist whole: bands of rows, [band, vocab] at a time
// (cuBLASLt), give each row's loss and, for the gradients, are turned in
// place into the row's softmax gradient, which two more GEMMs take to dh and
// dw (dw summed over the bands by the GEMM's beta). The loss is a sum over
// rows in a fixed order in double, as the CPU's. Targets (and weights) are
// checked on the device; a bad one fails the call at the next synchronize.
//
//===----------------------------------------------------------------------===//

#include "CudaCommon.cuh"

namespace cherry::runtime::cuda {
namespace {

constexpr int kThreads = 256;
constexpr int kReduceThreads = 1024;
/// Floats of logits per band: 128 MB.
constexpr int64_t kBandFloats = int64_t(1) << 25;

/// Per row: the scale its gradient is multiplied by (0 for rows that do not
/// count: the ignore index, weight 0) and its target checked. `weights`
/// null: the mean over counted rows (dloss / count, count found here);
/// else weights[r] * dloss.
__global__ void rowScaleKernel(const int32_t *targets, const float *weights,
                               int64_t rows, int64_t vocab,
                               long long ignoreIndex, float dloss,
                               float *rowScale, KernelId kernel,
                               ErrorRecord *err) {
  __shared__ double scratch[32];
  double count = 0;
  for (int64_t r = threadIdx.x; r < rows; r += blockDim.x) {
    const int32_t t = targets[r];
    bool counted;
    if (weights) {
      const float wr = weights[r];
      if (!isfinite(wr)) {
        raise(err, kNonFiniteWeight, kernel, r);
        counted = false;
      } else {
        counted = wr != 0.0f;
        if (counted && (t < 0 || t >= vocab)) {
          raise(err, kWeightedTarget, kernel, r, t, vocab);
          counted = false;
        }
      }
    } else {
      counted = t != ignoreIndex;
      if (counted && (t < 0 || t >= vocab)) {
        raise(err, kTargetOutsideVocab, kernel, r, t, vocab, ignoreIndex);
        counted = false;
      }
    }
    rowScale[r] = counted ? 1.0f : 0.0f; // a mark, scaled below
    count += counted ? 1.0 : 0.0;
  }
  count = blockSum(count, scratch);
  const float scale =
      weights ? dloss : (count > 0 ? dloss / static_cast<float>(count) : 0.0f);
  for (int64_t r = threadIdx.x; r < rows; r += blockDim.x)
    if (rowScale[r] != 0.0f)
      rowScale[r] = weights ? weights[r] * dloss : scale;
}

/// One block per row of the band: the row's loss (0 where its scale is 0);
/// with `gradient`, the row becomes scale * (softmax - onehot(target)).
__global__ void rowLossKernel(float *logits, const int32_t *targets,
                              const float *rowScale, int64_t rows,
                              int64_t vocab, float *rowLoss, bool gradient) {
  __shared__ float scratch[32];
  for (int64_t i = blockIdx.x; i < rows; i += gridDim.x) {
    float *x = logits + i * vocab;
    const float scale = rowScale[i];
    if (scale == 0.0f) {
      if (gradient)
        for (int64_t j = threadIdx.x; j < vocab; j += blockDim.x)
          x[j] = 0.0f;
      if (threadIdx.x == 0 && rowLoss)
        rowLoss[i] = 0.0f;
      continue;
    }
    float m = -INFINITY;
    for (int64_t j = threadIdx.x; j < vocab; j += blockDim.x)
      m = fmaxf(m, x[j]);
    m = blockMax(m, scratch);
    float sum = 0.0f;
    for (int64_t j = threadIdx.x; j < vocab; j += blockDim.x)
      sum += expf(x[j] - m);
    sum = blockSum(sum, scratch);
    const int32_t target = targets[i];
    if (threadIdx.x == 0 && rowLoss)
      rowLoss[i] = m + logf(sum) - x[target];
    if (gradient) {
      __syncthreads(); // x[target] is read above
      const float c = scale / sum;
      for (int64_t j = threadIdx.x; j < vocab; j += blockDim.x) {
        const float g = expf(x[j] - m) * c;
        x[j] = j == target ? g - scale : g;
      }
    }
  }
}

/// loss = sum_r rowLoss[r] over counted rows (rowScale != 0), divided by
/// their number (`mean`), or sum_r weights[r] * rowLoss[r]; in double, in a
/// fixed order.
__global__ void lossSumKernel(const float *rowLoss, const float *rowScale,
                              const float *weights, int64_t rows, bool mean,
                              float *loss) {
  __shared__ double scratch[32];
  double sum = 0, count = 0;
  for (int64_t r = threadIdx.x; r < rows; r += blockDim.x) {
    if (rowScale[r] == 0.0f)
      continue;
    sum += weights ? static_cast<double>(weights[r]) * rowLoss[r]
                   : static_cast<double>(rowLoss[r]);
    count += 1;
  }
  sum = blockSum(sum, scratch);
  count = blockSum(count, scratch);
  if (threadIdx.x == 0)
    *loss = static_cast<float>(mean ? (count > 0 ? sum / count : 0.0) : sum);
}

struct HeadProblem {
  const float *h, *w;
  const int32_t *targets;
  const float *weights; // the weighted kernels
  int64_t rows, vocab, dim, ignoreIndex;
  float dloss;
  KernelId kernel;
  float *loss = nullptr, *rowLosses = nullptr; // outputs wanted
  float *dh = nullptr, *dw = nullptr;          // the gradient, if wanted
};

Status runHead(Context &ctx, const HeadProblem &p) {
  const bool gradient = p.dh != nullptr;
  if (p.rows <= 0 || p.vocab <= 0) {
    if (p.loss)
      cudaMemsetAsync(p.loss, 0, sizeof(float), ctx.stream);
    return Status::success();
  }
  const int64_t band = std::min<int64_t>(
      p.rows,
      std::max<int64_t>(1, kBandFloats / std::max<int64_t>(p.vocab, 1)));
  void *ws = nullptr, *ws2 = nullptr;
  if (Status s = ctx.workspace(band * p.vocab * sizeof(float), ws); !s.ok())
    return s;
  if (Status s = ctx.workspace2(2 * (p.rows + 64) * sizeof(float), ws2);
      !s.ok())
    return s;
  float *logits = static_cast<float *>(ws);
  float *rowScale = static_cast<float *>(ws2);
  float *rowLoss = p.rowLosses ? p.rowLosses : rowScale + p.rows + 64;
  rowScaleKernel<<<1, kReduceThreads, 0, ctx.stream>>>(
      p.targets, p.weights, p.rows, p.vocab, p.ignoreIndex, p.dloss, rowScale,
      p.kernel, ctx.error);
  const int threads = p.vocab >= 8192 ? 1024 : kThreads;
  for (int64_t r0 = 0; r0 < p.rows; r0 += band) {
    const int64_t nr = std::min(band, p.rows - r0);
    const float *hb = p.h + r0 * p.dim;
    if (Status s = gemm(ctx, false, true, nr, p.vocab, p.dim, hb, p.dim, p.w,
                        p.dim, logits, p.vocab, 0.0f);
        !s.ok())
      return s;
    rowLossKernel<<<blocksFor(nr, 1), threads, 0, ctx.stream>>>(
        logits, p.targets + r0, rowScale + r0, nr, p.vocab, rowLoss + r0,
        gradient);
    if (!gradient)
      continue;
    if (Status s = gemm(ctx, false, false, nr, p.dim, p.vocab, logits, p.vocab,
                        p.w, p.dim, p.dh + r0 * p.dim, p.dim, 0.0f);
        !s.ok())
      return s;
    if (Status s = gemm(ctx, true, false, p.vocab, p.dim, nr, logits, p.vocab,
                        hb, p.dim, p.dw, p.dim, r0 > 0 ? 1.0f : 0.0f);
        !s.ok())
      return s;
  }
  if (p.loss)
    lossSumKernel<<<1, kReduceThreads, 0, ctx.stream>>>(
        rowLoss, rowScale, p.weights, p.rows, p.weights == nullptr, p.loss);
  return Status::success();
}

} // namespace

Status run(Context &ctx, const HeadCrossEntropyArgs &a) {
  HeadProblem p{
      a.h,     a.w,   a.targets,      nullptr, a.rows,
      a.vocab, a.dim, a.ignore_index, 1.0f,    KernelId::head_cross_entropy};
  p.loss = a.loss;
  return runHead(ctx, p);
}

Status run(Context &ctx, const HeadCrossEntropyRowsArgs &a) {
  HeadProblem p{a.h,       a.w,
                a.targets, nullptr,
                a.rows,    a.vocab,
                a.dim,     a.ignore_index,
                1.0f,      KernelId::head_cross_entropy_rows};
  p.loss = a.loss;
  p.rowLosses = a.row_losses;
  return runHead(ctx, p);
}

Status run(Context &ctx, const HeadCrossEntropyWeightedArgs &a) {
  HeadProblem p{a.h,       a.w,
                a.targets, a.weights,
                a.rows,    a.vocab,
                a.dim,     0,
                1.0f,      KernelId::head_cross_entropy_weighted};
  p.loss = a.loss;
  return runHead(ctx, p);
}

Status run(Context &ctx, const HeadCrossEntropyGradArgs &a) {
  HeadProblem p{a.h,
                a.w,
                a.targets,
                nullptr,
                a.rows,
                a.vocab,
                a.dim,
                a.ignore_index,
                static_cast<float>(a.scale),
                KernelId::head_cross_entropy_grad};
  p.dh = a.dh;
  p.dw = a.dw;
  return runHead(ctx, p);
}

Status run(Context &ctx, const HeadCrossEntropyTrainArgs &a) {
  HeadProblem p{a.h,
                a.w,
                a.targets,
                nullptr,
                a.rows,
                a.vocab,
                a.dim,
                a.ignore_index,
                static_cast<float>(a.scale),
                KernelId::head_cross_entropy_train};
  p.loss = a.loss;
  p.dh = a.dh;
  p.dw = a.dw;
  return runHead(ctx, p);
}

Status run(Context &ctx, const HeadCrossEntropyWeightedGradArgs &a) {
  HeadProblem p{a.h,
                a.w,
                a.targets,
                a.weights,
                a.rows,
                a.vocab,
                a.dim,
                0,
                static_cast<float>(a.scale),
                KernelId::head_cross_entropy_weighted_grad};
  p.dh = a.dh;
  p.dw = a.dw;
  return runHead(ctx, p);
}

Status run(Context &ctx, const HeadCrossEntropyWeightedTrainArgs &a) {
  HeadProblem p{a.h,
                a.w,
                a.targets,
                a.weights,
                a.rows,
                a.vocab,
                a.dim,
                0,
                static_cast<float>(a.scale),
                KernelId::head_cross_entropy_weighted_train};
  p.loss = a.loss;
  p.dh = a.dh;
  p.dw = a.dw;
  return runHead(ctx, p);
}

} // namespace cherry::runtime::cuda
