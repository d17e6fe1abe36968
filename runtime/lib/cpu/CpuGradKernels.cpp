//===- CpuGradKernels.cpp - Backward and optimizer CPU kernels ------------===//
//
// The vector-Jacobian products of the forward kernels (CpuKernels.cpp) and
// the optimizer steps, built the same way: GEMMs on OpenBLAS, one thread per
// slice (parallelGemm), the rest cloned loops written to vectorize.
//
// Deterministic: each output element is computed by one thread, and every
// sum runs in an order the shapes fix, never the thread count. Reductions
// over rows (the RMSNorm weight, the squared norm) keep partial sums over
// fixed chunks of rows and add them in chunk order; the embedding gradient
// sums each table row's tokens in position order; attention computes dk and
// dv per (batch, kv head, chunk of key blocks), each chunk adding its share
// of dq into a buffer of its own, the buffers then added in chunk order; the
// LM head gradient runs its GEMMs over a band of rows at a time, each GEMM
// split over output elements.
//
//===----------------------------------------------------------------------===//

#include "cherry/Runtime/CpuKernels.h"

#include "CpuCommon.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#if defined(__GNUC__) && !defined(__clang__)
// The optimizer steps round where PyTorch's CPU kernels round: no a * b + c
// fused unless PyTorch fuses it too (then written as an explicit fma).
#define CHERRY_NO_FP_CONTRACT __attribute__((optimize("fp-contract=off")))
#else
#define CHERRY_NO_FP_CONTRACT
#endif

namespace cherry::runtime::cpu {
using namespace detail;
namespace {

/// Runs body(begin, end) over [0, n) in pieces of kElementChunk elements, on
/// as many threads as pay (each at least `elementsPerThread` elements).
template <typename Body>
void forEachChunk(int64_t n, Body body,
                  int64_t elementsPerThread = kLightElementsPerThread) {
  forEachRowChunk(n, 1, body, elementsPerThread);
}

//===----------------------------------------------------------------------===//
// Elementwise gradients (cloned)
//===----------------------------------------------------------------------===//

/// PyTorch: d(silu(g) * u) = (dout * u) * silu'(g), silu'(g) = s (1 + g (1 -
/// s)) with s = sigmoid(g); du = dout * silu(g), silu computed as in swiglu.
CHERRY_CPU_BODY void swigluGradSpanBody(const float *gate, const float *up,
                                        const float *dout, float *dgate,
                                        float *dup, int64_t n) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) {
    const float g = gate[i], e = expF32(-g);
    const float sig = 1.0f / (1.0f + e);
    const float silu = g / (1.0f + e);
    dgate[i] = (dout[i] * up[i]) * (sig * (1.0f + g * (1.0f - sig)));
    dup[i] = dout[i] * silu;
  }
}
CHERRY_CPU_DISPATCH(swigluGradSpan)

CHERRY_CPU_BODY void scaleSpanBody(float *x, float factor, int64_t n) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i)
    x[i] *= factor;
}
CHERRY_CPU_DISPATCH(scaleSpan)

CHERRY_CPU_BODY double squaredNormSpanBody(const float *x, int64_t n) {
  double sum = 0.0;
#pragma omp simd reduction(+ : sum)
  for (int64_t i = 0; i < n; ++i) {
    const double v = x[i]; // v * v is exact in double
    sum += v * v;
  }
  return sum;
}
CHERRY_CPU_DISPATCH(squaredNormSpan)

//===----------------------------------------------------------------------===//
// Optimizers (cloned)
//===----------------------------------------------------------------------===//

/// c ? a : b as bit operations: GCC leaves such a select in place, where it
/// would move the arithmetic feeding a `?:` into its branches.
__attribute__((always_inline)) inline float blend(bool c, float a, float b) {
  const uint32_t mask = 0u - static_cast<uint32_t>(c);
  return __builtin_bit_cast(float,
                            (__builtin_bit_cast(uint32_t, a) & mask) |
                                (__builtin_bit_cast(uint32_t, b) & ~mask));
}

/// sqrt(x) correctly rounded, as sqrtf, but with no call and no branch, so
/// that loops over it vectorize (sqrtf may set errno, and GCC vectorizes it
/// only under -fno-math-errno): 1 / sqrt(x) from a bit-trick guess and two
/// Newton steps, s = x / sqrt(x) refined once with the residual x - s^2
/// (Markstein), then rounded correctly from the exact residual x - s^2 (an
/// fma): x > (s + ulp/2)^2 exactly when x - s^2 > s ulp (the ulp^2/4 term
/// is below the residual's last bit), and likewise below s. The baseline
/// clone has no FMA instruction and calls fmaf: correct, but slow.
/// Subnormal x is scaled by 2^64 first. Equal to sqrtf on all 2^32 floats
/// (checked exhaustively for the x86-64-v4, -v3 and baseline builds, FMA
/// contraction on and off), -0, inf and NaN included. No floating-point
/// operation runs on one path only (& rather than &&, blends rather than
/// `?:`): GCC does not if-convert those under -ftrapping-math.
__attribute__((always_inline)) inline float sqrtF32(float x) {
  const bool regular = (x > 0.0f) & (x <= 3.40282347e38f);
  const bool tiny = x < 0x1p-100f;
  const float xs = blend(regular, x, 1.0f) * blend(tiny, 0x1p64f, 1.0f);
  float y = __builtin_bit_cast(
      float, 0x5F375A86u - (__builtin_bit_cast(uint32_t, xs) >> 1));
  const float halfX = 0.5f * xs;
  y = y * (1.5f - halfX * y * y);
  y = y * (1.5f - halfX * y * y);
  float s = xs * y;
  s = __builtin_fmaf(__builtin_fmaf(-s, s, xs), 0.5f * y, s);
  // Within an ulp of sqrt(x) now.
  const uint32_t bits = __builtin_bit_cast(uint32_t, s);
  const float ulp =
      __builtin_bit_cast(float, (bits & 0x7F800000u) - (23u << 23));
  // Below a power of two the next float down is half an ulp away.
  const float ulpDown = blend((bits & 0x007FFFFFu) == 0, 0.5f * ulp, ulp);
  const float residual = __builtin_fmaf(-s, s, xs);
  const float up = __builtin_bit_cast(float, bits + 1);
  const float down = __builtin_bit_cast(float, bits - 1);
  const bool roundUp = residual > s * ulp;
  const bool roundDown = residual <= -(s * ulpDown);
  s = blend(roundUp, up, blend(roundDown, down, s));
  s = s * blend(tiny, 0x1p-32f, 1.0f);
  // -0, inf and NaN are their own square roots; negatives have none.
  const float special =
      blend(x < 0.0f, std::numeric_limits<float>::quiet_NaN(), x);
  return blend(regular, s, special);
}

/// Scalars of one AdamW step, each rounded to float as PyTorch passes a
/// Python float to a float32 tensor op.
struct AdamWScalars {
  float decay;         // 1 - lr * weight_decay
  float lerpCoeff;     // lerp(m, g, 1 - beta1): see adamwSpan
  bool lerpFromM;      // |1 - beta1| < 0.5
  float beta2;         // v.mul_(beta2)
  float oneMinusBeta2; // v.addcmul_(g, g, value=1 - beta2)
  float bc2Sqrt;       // sqrt(1 - beta2^t)
  float eps;
  float negStepSize; // -lr / (1 - beta1^t)
};

/// _single_tensor_adam(decoupled_weight_decay=True), op by op:
///   param.mul_(1 - lr * wd)
///   exp_avg.lerp_(grad, 1 - beta1)       fma(w, g - m, m), or for w >= 0.5
///                                         fma(w - 1, g - m, g) (ATen lerp_vec)
///   exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
///   denom = (exp_avg_sq.sqrt() / bias_correction2_sqrt).add_(eps)
///   param.addcdiv_(exp_avg, denom, value=-step_size)  p + (-s * m) / denom
CHERRY_CPU_BODY CHERRY_NO_FP_CONTRACT void
adamwSpanBody(float *param, const float *grad, float *m, float *v, int64_t n,
              const AdamWScalars &s) {
  const float decay = s.decay, coeff = s.lerpCoeff, beta2 = s.beta2,
              oneMinusBeta2 = s.oneMinusBeta2, bc2Sqrt = s.bc2Sqrt, eps = s.eps,
              negStepSize = s.negStepSize;
  const bool fromM = s.lerpFromM;
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) {
    const float g = grad[i];
    const float p = param[i] * decay;
    const float mi = m[i];
    const float mNew = __builtin_fmaf(coeff, g - mi, blend(fromM, mi, g));
    const float vNew = v[i] * beta2 + oneMinusBeta2 * g * g;
    const float denom = sqrtF32(vNew) / bc2Sqrt + eps;
    m[i] = mNew;
    v[i] = vNew;
    param[i] = p + negStepSize * mNew / denom;
  }
}
CHERRY_CPU_DISPATCH(adamwSpan, CHERRY_NO_FP_CONTRACT)

/// _single_tensor_sgd without momentum: grad.add(param, alpha=wd) then
/// param.add_(grad, alpha=-lr); ATen's vectorized add with alpha is an fma.
CHERRY_CPU_BODY CHERRY_NO_FP_CONTRACT void sgdSpanBody(float *param,
                                                       const float *grad,
                                                       int64_t n, float negLr,
                                                       float weightDecay) {
  if (weightDecay != 0.0f) {
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) {
      const float g = __builtin_fmaf(param[i], weightDecay, grad[i]);
      param[i] = __builtin_fmaf(g, negLr, param[i]);
    }
  } else {
#pragma omp simd
    for (int64_t i = 0; i < n; ++i)
      param[i] = __builtin_fmaf(grad[i], negLr, param[i]);
  }
}
CHERRY_CPU_DISPATCH(sgdSpan, CHERRY_NO_FP_CONTRACT)

//===----------------------------------------------------------------------===//
// Embedding, RMSNorm, RoPE (cloned)
//===----------------------------------------------------------------------===//

/// Table rows [v0, v1): row v (+)= the dy rows of the tokens with id v, in
/// position order (order[start[v] .. start[v + 1])).
CHERRY_CPU_BODY void embeddingGradRowsBody(const float *dy,
                                           const int64_t *order,
                                           const int64_t *start, float *dtable,
                                           int64_t v0, int64_t v1, int64_t dim,
                                           bool accumulate) {
  // Accumulating, a row's tokens are summed apart (from zero, as without)
  // and then added once: the bits of embedding_grad and an add.
  thread_local std::vector<float> sumBuffer;
  if (accumulate && static_cast<int64_t>(sumBuffer.size()) < dim)
    sumBuffer.resize(dim);
  for (int64_t id = v0; id < v1; ++id) {
    float *row = dtable + id * dim;
    const int64_t p0 = start[id], p1 = start[id + 1];
    if (accumulate && p0 == p1)
      continue;
    float *sum = accumulate ? sumBuffer.data() : row;
    std::fill(sum, sum + dim, 0.0f);
    for (int64_t p = p0; p < p1; ++p) {
      const float *g = dy + order[p] * dim;
#pragma omp simd
      for (int64_t e = 0; e < dim; ++e)
        sum[e] += g[e];
    }
    if (accumulate) {
#pragma omp simd
      for (int64_t e = 0; e < dim; ++e)
        row[e] = row[e] + sum[e];
    }
  }
}
CHERRY_CPU_DISPATCH(embeddingGradRows)

/// Rows of one chunk: dx (+)= w dy / r - x sum(w dy x) / (dim r^3) with
/// 1 / r computed as rmsNorm does; dwPartial = sum over the chunk's rows of
/// dy * (x / r), in row order.
CHERRY_CPU_BODY void rmsNormGradRowsBody(const float *x, const float *w,
                                         const float *dy, float *dx,
                                         float *dwPartial, int64_t rows,
                                         int64_t dim, float eps,
                                         bool accumulateDx) {
  std::fill(dwPartial, dwPartial + dim, 0.0f);
  const float invDim = 1.0f / static_cast<float>(dim);
  for (int64_t r = 0; r < rows; ++r) {
    const float *xr = x + r * dim, *dyr = dy + r * dim;
    float *dxr = dx + r * dim;
    float sumSq = 0.0f, dot = 0.0f;
#pragma omp simd reduction(+ : sumSq)
    for (int64_t i = 0; i < dim; ++i)
      sumSq += xr[i] * xr[i];
#pragma omp simd reduction(+ : dot)
    for (int64_t i = 0; i < dim; ++i)
      dot += w[i] * dyr[i] * xr[i];
    const float inv = 1.0f / std::sqrt(sumSq / static_cast<float>(dim) + eps);
    const float coeff = dot * (inv * inv * inv) * invDim;
#pragma omp simd
    for (int64_t i = 0; i < dim; ++i)
      dwPartial[i] += dyr[i] * (xr[i] * inv);
    if (accumulateDx) {
#pragma omp simd
      for (int64_t i = 0; i < dim; ++i)
        dxr[i] += inv * (w[i] * dyr[i]) - xr[i] * coeff;
    } else {
#pragma omp simd
      for (int64_t i = 0; i < dim; ++i)
        dxr[i] = inv * (w[i] * dyr[i]) - xr[i] * coeff;
    }
  }
}
CHERRY_CPU_DISPATCH(rmsNormGradRows)

/// dst (+)= sum of the `count` rows of partial, added in row order.
CHERRY_CPU_BODY void sumRowsInOrderBody(const float *partial, int64_t count,
                                        int64_t dim, float *dst,
                                        bool accumulate) {
  std::vector<float> total(partial, partial + dim);
  for (int64_t c = 1; c < count; ++c) {
    const float *p = partial + c * dim;
#pragma omp simd
    for (int64_t i = 0; i < dim; ++i)
      total[i] += p[i];
  }
#pragma omp simd
  for (int64_t i = 0; i < dim; ++i)
    dst[i] = accumulate ? dst[i] + total[i] : total[i];
}
CHERRY_CPU_DISPATCH(sumRowsInOrder)

/// The transpose of ropeRows' rotation: rotate each pair by -angle.
CHERRY_CPU_BODY void ropeGradRowsBody(const float *dy, float *dx, int64_t r0,
                                      int64_t r1, int64_t seq, int64_t heads,
                                      int64_t headDim, const float *cosT,
                                      const float *sinT,
                                      const int32_t *tableRow) {
  const int64_t half = headDim / 2;
  for (int64_t r = r0; r < r1; ++r) {
    const int64_t t = tableRow ? tableRow[r] : r % seq;
    const float *c = cosT + t * half;
    const float *s = sinT + t * half;
    for (int64_t h = 0; h < heads; ++h) {
      const int64_t at = r * heads * headDim + h * headDim;
      const float *d1 = dy + at, *d2 = d1 + half;
      float *g1 = dx + at, *g2 = g1 + half;
#pragma omp simd
      for (int64_t i = 0; i < half; ++i) {
        // Forward: y1 = x1 c - x2 s, y2 = x2 c + x1 s.
        const float a = d1[i], b = d2[i];
        g1[i] = a * c[i] + b * s[i];
        g2[i] = b * c[i] - a * s[i];
      }
    }
  }
}
CHERRY_CPU_DISPATCH(ropeGradRows)

//===----------------------------------------------------------------------===//
// Attention backward (cloned block kernels)
//===----------------------------------------------------------------------===//

/// Queries of a block (a column of Q^T packed) and keys of a block: the
/// forward's block sizes.
constexpr int64_t kGradBlock = kAttnQueryBlock;
static_assert(kAttnKeyBlock == kAttnQueryBlock,
              "causal pass A assumes query and key blocks start together");
/// Most chunks of key blocks pass A splits a (batch, kv head) into; each
/// past the first costs a dq-sized buffer to clear and add. Only as many as
/// give pass A kMinKeyItems items (batch x kv heads x chunks): the chunks
/// are for threads that batch x kv heads alone would leave idle.
constexpr int64_t kMaxKeyChunks = 4;
constexpr int64_t kMinKeyItems = 16;

/// `seq` keys per batch; `querySeq` query rows per batch, query row i at
/// position i, or with positions (the rows of a selection, ascending) at
/// positions[i] of the batch.
struct AttentionGradShape {
  int64_t seq, heads, kvHeads, headDim, group;
  int64_t qRowStride, kvRowStride; // heads * headDim, kvHeads * headDim
  bool causal;
  float scale;
  int64_t querySeq;

  int64_t kvHeadOf(int64_t h) const { return std::min(h / group, kvHeads - 1); }
  /// Query t sees keys [0, visibleKeys(t)).
  int64_t visibleKeys(int64_t t) const {
    return causal ? std::min(t + 1, seq) : seq;
  }
  /// Blocks of query rows.
  int64_t blocks() const { return (querySeq + kGradBlock - 1) / kGradBlock; }
  int64_t keyBlocks() const { return (seq + kGradBlock - 1) / kGradBlock; }
  /// Whether the B operands of the block GEMMs (rows of q, dout and k) need
  /// copies padded to whole register tiles.
  bool padRows() const { return headDim % kAttnPad != 0; }
};

/// Pass 0, query block [t0, t0 + rows) of one (batch, head): the logsumexp
/// of each row's scaled scores (recomputed as the forward does, online over
/// key blocks, S^T = K Q^T; skipped when lse is null, the forward's being
/// given) and D = rowsum(dout * o); and the block's
/// operands for pass A: Q^T and dout^T packed ([headDim][kGradBlock], zero
/// past `rows`), and when padRows() q and dout padded to whole tiles
/// ([rows][padToTile(headDim)]). q, o, dout point at row t0 of the head, k
/// at row 0 of its kv head; lse and dsum at entry t0; `positions` (null:
/// row i is at position i) at row 0 of the batch. scratch: kGradBlock *
/// (kGradBlock + headDim) floats.
template <class Tile>
CHERRY_CPU_BODY void
attentionRowStatsBody(const AttentionGradShape &s, const float *q,
                      const float *k, const float *o, const float *dout,
                      int64_t t0, int64_t rows, const int32_t *positions,
                      float *lse, float *dsum, float *qt, float *dot,
                      float *qPad, float *doPad, float *scratch) {
  auto at = [&](int64_t i) { return positions ? positions[i] : i; };
  constexpr float kNegInf = -std::numeric_limits<float>::infinity();
  constexpr int64_t B = kGradBlock;
  const int64_t d = s.headDim;
  packTransposed(q, s.qRowStride, rows, d, B, qt);
  packTransposed(dout, s.qRowStride, rows, d, B, dot);
  if (s.padRows()) {
    packPadded(q, s.qRowStride, rows, d, padToTile(d), qPad);
    packPadded(dout, s.qRowStride, rows, d, padToTile(d), doPad);
  }
  float *st = scratch; // [B][B]: scores of a key block, keys as rows
  float rowMax[B], rowSum[B];
  int64_t visible[B];
  for (int64_t i = 0; i < B; ++i) {
    rowMax[i] = kNegInf;
    rowSum[i] = 0.0f;
    visible[i] = i < rows ? s.visibleKeys(at(t0 + i)) : 0;
  }

  // Without lse the forward's is given: no key loop.
  const int64_t kvEnd = lse ? s.visibleKeys(at(t0 + rows - 1)) : 0;
  for (int64_t j0 = 0; j0 < kvEnd; j0 += B) {
    const int64_t nk = std::min(B, kvEnd - j0);
    // Tiles of keys none of their queries sees are skipped (the mask below
    // overwrites them), as in the forward.
    attnGemm<Tile, false>(
        nk, B, d, k + j0 * s.kvRowStride, s.kvRowStride, qt, B, st, B, false,
        [&](int64_t i, int64_t, int64_t j, int64_t cols) {
          const int64_t last = std::min(j + cols, rows) - 1;
          const bool seen = last >= j && visible[last] > j0 + i;
          return std::pair<int64_t, int64_t>(0, seen ? d : 0);
        });
    float newMax[B], safeMax[B], blockSum[B];
    std::copy(rowMax, rowMax + B, newMax);
    // Key j0 + j is seen by the columns [lo, rows) (visible grows with i).
    int64_t lo = 0;
    for (int64_t j = 0; j < nk; ++j) {
      float *row = st + j * B;
      while (lo < rows && visible[lo] <= j0 + j)
        ++lo;
      const int first = static_cast<int>(lo), end = static_cast<int>(rows);
#pragma omp simd
      for (int i = 0; i < static_cast<int>(B); ++i) {
        // No && (branches): the load and the compares are unconditional.
        const float y = row[i] * s.scale;
        const float x = ((i >= first) & (i < end)) ? y : kNegInf;
        row[i] = x;
        newMax[i] = x > newMax[i] ? x : newMax[i];
      }
    }
#pragma omp simd
    for (int64_t i = 0; i < B; ++i) {
      safeMax[i] = newMax[i] == kNegInf ? 0.0f : newMax[i];
      blockSum[i] = 0.0f;
    }
    for (int64_t j = 0; j < nk; ++j) {
      const float *row = st + j * B;
#pragma omp simd
      for (int64_t i = 0; i < B; ++i)
        blockSum[i] += expFlushF32(row[i] - safeMax[i]);
    }
    for (int64_t i = 0; i < rows; ++i) {
      if (newMax[i] == kNegInf)
        continue;
      rowSum[i] = rowSum[i] * expFlushF32(rowMax[i] - newMax[i]) + blockSum[i];
      rowMax[i] = newMax[i];
    }
  }

  // D from O^T and dout^T, vectorized over the queries: row by row, each
  // row's short reduction waited on its loads.
  float *ot = st + B * B; // [d][B]
  packTransposed(o, s.qRowStride, rows, d, B, ot);
  float dsumB[B];
  std::fill(dsumB, dsumB + B, 0.0f);
  for (int64_t e = 0; e < d; ++e) {
    const float *de = dot + e * B, *oe = ot + e * B;
#pragma omp simd
    for (int64_t i = 0; i < B; ++i)
      dsumB[i] += de[i] * oe[i];
  }
  for (int64_t i = 0; i < rows; ++i) {
    if (lse)
      lse[i] = rowMax[i] + std::log(rowSum[i]);
    dsum[i] = dsumB[i];
  }
}
CHERRY_CPU_DISPATCH_TILED(attentionRowStats)

/// Where pass 0 leaves the packed operands of the query blocks of one batch:
/// qt and dot at [heads][blocks][headDim][kGradBlock], qPad and doPad (when
/// padRows()) at [heads][blocks * kGradBlock][padToTile(headDim)].
struct AttentionGradPacks {
  const float *qt, *dot, *qPad, *doPad;
};

/// Pass A, the keys [j0Begin, j0End) of kv head g of one batch:
///   dv_j = sum of P_ij dout_i,  dk_j = sum of dS_ij q_i,
/// over every query head sharing the kv head (in head order) and every query
/// i that sees key j (in query-block order), and each query's share of
///   dq_i = sum of dS_ij k_j
/// over these keys (in key-block order) into dqPart, with P_ij = exp(scale
/// q_i . k_j - lse_i) and dS_ij = scale P_ij (dout_i . v_j - D_i). Per
/// (head, query block, key block): S^T = K Q^T and dP^T = V dout^T (keys as
/// rows, from the packs of pass 0), then dv += P^T dout, dk += dS^T q,
/// dq += (dS^T)^T k, all register-blocked GEMMs on the block. q, dout point
/// at row 0, column 0 of the batch; k, v, dk, dv and dqPart (laid out as dq;
/// only the heads of kv head g are written) likewise; lse, dsum at
/// [heads][querySeq]; `positions` as in pass 0. scratch: 2 kGradBlock^2
/// floats, and when padRows() the chunk's keys padded ((j0End - j0Begin) x
/// padToTile(headDim)).
template <class Tile>
CHERRY_CPU_BODY void attentionGradKeyChunkBody(
    const AttentionGradShape &s, const float *q, const float *k, const float *v,
    const float *dout, const float *lse, const float *dsum,
    const int32_t *positions, const AttentionGradPacks &packs, float *dk,
    float *dv, float *dqPart, int64_t g, int64_t j0Begin, int64_t j0End,
    float *scratch) {
  auto at = [&](int64_t i) { return positions ? positions[i] : i; };
  constexpr int64_t B = kGradBlock;
  const int64_t d = s.headDim, dPad = padToTile(d), blocks = s.blocks();
  const int64_t keyEnd = std::min(j0End, s.seq);
  float *st = scratch;     // [keys][queries]: S^T, then P^T
  float *dpt = st + B * B; // [keys][queries]: dP^T, then dS^T
  float *kPad = dpt + B * B;
  // Without positions, every tile of a key block's dk and dv is written by
  // the block's first visit: the group's first head, and the query block at
  // the key block (causal: it sees each of the block's keys, key j0 + i by
  // query i; the earlier ones see none) or the first one (not causal). So
  // that visit writes them instead of adding to cleared rows. With positions
  // (gathered rows) some keys may be seen late or by no query: cleared.
  const bool firstWrites = positions == nullptr;
  int64_t firstHead = 0;
  while (firstHead + 1 < s.heads && s.kvHeadOf(firstHead) != g)
    ++firstHead;
  if (!firstWrites)
    for (int64_t j = j0Begin; j < keyEnd; ++j) {
      std::fill_n(dk + j * s.kvRowStride + g * d, d, 0.0f);
      std::fill_n(dv + j * s.kvRowStride + g * d, d, 0.0f);
    }
  // dqPart is not cleared: the chunk's first key block writes each row
  // tile of dq (every query sees key 0, so in chunk 0 all of them; in later
  // chunks, under a causal mask, the tiles of queries before the chunk's
  // first key are skipped, and attentionGradRows reads no row of them).
  // k as the B operand of dq: straight from k, or padded.
  const bool pad = s.padRows();
  if (pad)
    packPadded(k + j0Begin * s.kvRowStride + g * d, s.kvRowStride,
               keyEnd - j0Begin, d, dPad, kPad);

  for (int64_t h = 0; h < s.heads; ++h) {
    if (s.kvHeadOf(h) != g)
      continue;
    const float *lseh = lse + h * s.querySeq, *dsumh = dsum + h * s.querySeq;
    for (int64_t qb = 0; qb < blocks; ++qb) {
      const int64_t t0 = qb * B, nq = std::min(B, s.querySeq - t0);
      // Causal: the block's last query sees keys up to its position only.
      const int64_t jEnd =
          s.causal ? std::min(keyEnd, at(t0 + nq - 1) + 1) : keyEnd;
      if (jEnd <= j0Begin)
        continue;
      float lseB[B], dsumB[B];
      for (int64_t i = 0; i < B; ++i) {
        lseB[i] = i < nq ? lseh[t0 + i] : 0.0f;
        dsumB[i] = i < nq ? dsumh[t0 + i] : 0.0f;
      }
      const int64_t packAt = (h * blocks + qb) * d * B;
      const float *qt = packs.qt + packAt, *dot = packs.dot + packAt;
      const float *qRows = q + t0 * s.qRowStride + h * d;
      const float *doRows = dout + t0 * s.qRowStride + h * d;
      int64_t ldq = s.qRowStride;
      if (pad) {
        const int64_t padAt = (h * blocks * B + t0) * dPad;
        qRows = packs.qPad + padAt;
        doRows = packs.doPad + padAt;
        ldq = dPad;
      }
      float *dqRows = dqPart + t0 * s.qRowStride + h * d;

      // Under a causal mask key `key` is seen by the block's queries i >=
      // lo, the first at a position >= key (keys only grow below).
      int64_t lo = 0;
      for (int64_t j0 = j0Begin; j0 < jEnd; j0 += B) {
        const int64_t nk = std::min(B, jEnd - j0);
        const float *kb = k + j0 * s.kvRowStride + g * d;
        const float *vb = v + j0 * s.kvRowStride + g * d;
        // Causal: tiles of keys none of their queries sees are skipped (the
        // mask below overwrites them).
        auto seenTile = [&](int64_t i, int64_t, int64_t j, int64_t cols) {
          const int64_t last = std::min(j + cols, nq) - 1;
          const bool seen = last >= j && (!s.causal || at(t0 + last) >= j0 + i);
          return std::pair<int64_t, int64_t>(0, seen ? d : 0);
        };
        attnGemm<Tile, false>(nk, B, d, kb, s.kvRowStride, qt, B, st, B, false,
                              seenTile);
        attnGemm<Tile, false>(nk, B, d, vb, s.kvRowStride, dot, B, dpt, B,
                              false, seenTile);
        // P and dS are zero where a query does not see the key; key j0 + j
        // is seen by the queries [keyLo[j], nq).
        int64_t keyLo[B];
        for (int64_t j = 0; j < nk; ++j) {
          while (s.causal && lo < nq && at(t0 + lo) < j0 + j)
            ++lo;
          keyLo[j] = lo;
          float *pRow = st + j * B, *dsRow = dpt + j * B;
          const int first = static_cast<int>(lo), end = static_cast<int>(nq);
#pragma omp simd
          for (int i = 0; i < static_cast<int>(B); ++i) {
            // Unconditional loads and math, then selects (no branches).
            const bool seen = (i >= first) & (i < end);
            const float e = expFlushF32(pRow[i] * s.scale - lseB[i]);
            const float ds = e * (dsRow[i] - dsumB[i]) * s.scale;
            pRow[i] = seen ? e : 0.0f;
            dsRow[i] = seen ? ds : 0.0f;
          }
        }
        // Keys [i, i + r) have zero P and dS before the queries key i sees;
        // queries [i, i + r) after the keys their last one sees.
        auto queriesOfKeys = [&](int64_t i, int64_t, int64_t, int64_t) {
          return std::pair<int64_t, int64_t>(keyLo[i], nq);
        };
        auto keysOfQueries = [&](int64_t i, int64_t r, int64_t, int64_t) {
          return std::pair<int64_t, int64_t>(
              0, s.causal
                     ? std::clamp<int64_t>(at(t0 + i + r - 1) + 1 - j0, 0, nk)
                     : nk);
        };
        const bool firstVisit =
            firstWrites && h == firstHead && qb == (s.causal ? j0 / B : 0);
        attnGemm<Tile, false>(nk, d, nq, st, B, doRows, ldq,
                              dv + j0 * s.kvRowStride + g * d, s.kvRowStride,
                              !firstVisit, queriesOfKeys);
        attnGemm<Tile, false>(nk, d, nq, dpt, B, qRows, ldq,
                              dk + j0 * s.kvRowStride + g * d, s.kvRowStride,
                              !firstVisit, queriesOfKeys);
        const float *kRows = pad ? kPad + (j0 - j0Begin) * dPad : kb;
        attnGemm<Tile, true>(nq, d, nk, dpt, B, kRows,
                             pad ? dPad : s.kvRowStride, dqRows, s.qRowStride,
                             j0 != j0Begin, keysOfQueries);
      }
    }
  }
}
CHERRY_CPU_DISPATCH_TILED(attentionGradKeyChunk)

/// dq[i] += parts[c][i] for c = 0 .. chunks - 1 in order, over n floats;
/// the parts are partStride floats apart.
CHERRY_CPU_BODY void addDqPartsBody(float *dq, const float *parts,
                                    int64_t partStride, int64_t chunks,
                                    int64_t n) {
  for (int64_t c = 0; c < chunks; ++c) {
    const float *pc = parts + c * partStride;
#pragma omp simd
    for (int64_t i = 0; i < n; ++i)
      dq[i] += pc[i];
  }
}
CHERRY_CPU_DISPATCH(addDqParts)

//===----------------------------------------------------------------------===//
// Cross-entropy backward (cloned row kernel)
//===----------------------------------------------------------------------===//

/// The LM head gradient holds the logits of a band of rows, all of the
/// vocabulary: enough rows for its GEMMs to run well, as many as fit in
/// 16 MiB (but at least kCeBandMinRows).
constexpr int64_t kCeBandFloats = int64_t(1) << 22;
constexpr int64_t kCeBandMinRows = 32;
constexpr int64_t kCeBandMaxRows = 512;

/// A row of logits [vocab] becomes (softmax - onehot(target)) * scale, or
/// zeros when the row is not `scored` (an ignored row: its target is not
/// read). With `loss`, also writes the row's cross-entropy logsumexp -
/// logit[target] (0 for a row not scored).
CHERRY_CPU_BODY void softmaxGradRowBody(float *x, int32_t target, int64_t vocab,
                                        float scale, bool scored, float *loss) {
  if (!scored) {
    std::fill(x, x + vocab, 0.0f);
    if (loss)
      *loss = 0.0f;
    return;
  }
  float m = -std::numeric_limits<float>::infinity();
#pragma omp simd reduction(max : m)
  for (int64_t j = 0; j < vocab; ++j)
    m = x[j] > m ? x[j] : m;
  // The logit of the target is read before the pass below overwrites it.
  const float targetLogit = x[target];
  // e^(x - max) is computed once, kept in place, and scaled below.
  float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
  for (int64_t j = 0; j < vocab; ++j) {
    const float e = expFlushF32(x[j] - m);
    x[j] = e;
    sum += e;
  }
  if (loss)
    *loss = m + std::log(sum) - targetLogit;
  const float c = scale / sum;
#pragma omp simd
  for (int64_t j = 0; j < vocab; ++j)
    x[j] *= c;
  x[target] -= scale;
}
CHERRY_CPU_DISPATCH(softmaxGradRow)

/// The logits' and dh's GEMMs of headGradByRow: parallelGemm, except on
/// x86-64-v3 in deterministic mode, where they take the OpenBLAS grid. The
/// v3 tile's packed GEMM runs the layers' products 1.05-1.2x the grid, but
/// here it ran 0.78-0.90x (cherry-kernel-bench BM_HeadCrossEntropyGrad and
/// BM_HeadCrossEntropyWeightedTrain at 304 and 2048 rows, 6 alternated
/// rounds on a Zen 3; in a training step the grid ran the head kernel 1.14x
/// as fast, median of 4 alternated CHERRY_PROFILE=1 runs). Both GEMMs lose
/// there: dh (512 x 256, k = 8192) by the most at 2048 rows, the logits and dh
/// alike at 304. Not profiled further. On AVX-512 the two measured level
/// (0.90-1.02x, docs/Performance.md) and the packed GEMM stays; that host
/// should check again.
void headGemm(bool transA, bool transB, int64_t m, int64_t n, int64_t k,
              const float *a, int64_t lda, const float *b, int64_t ldb,
              float *c, int64_t ldc, bool accumulate) {
  if (deterministic() && !trainingHeadPacked() && m > 0 && n > 0 && k > 0)
    detail::gridGemm(transA, transB, m, n, k, a, lda, b, ldb, c, ldc,
                     accumulate);
  else
    parallelGemm(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, accumulate);
}

/// dh = G w and dw (+)= G^T h with G's row r = (softmax - onehot) *
/// rowScale[r] (zero where rowScale[r] is 0). A row is scored (its target
/// read, its loss in `rowLoss` computed) where rowWeight[r] != 0, or without
/// `rowWeight` where rowScale[r] != 0; a scored row of scale 0 (a weight
/// times dloss that underflows) has a zero gradient, as an unscored one.
///
/// A band of rows at a time: its logits, turned in place into G, then
/// dh[band] = G w and dw (+)= G^T h[band]. Each GEMM is split over its
/// output elements, and dw adds the bands in order, so the result does not
/// depend on the thread count.
void headGradByRow(const float *h, const float *w, const int32_t *targets,
                   const float *rowScale, float *dh, float *dw, int64_t rows,
                   int64_t vocab, int64_t dim, bool accumulateDw,
                   float *rowLoss = nullptr, const float *rowWeight = nullptr) {
  const int64_t bandRows = std::min(
      rows, std::clamp(kCeBandFloats / vocab, kCeBandMinRows, kCeBandMaxRows));
  // Kept across calls, like the forward's tiles: a fresh buffer would be
  // page-faulted in every time.
  thread_local std::vector<float> bandBuffer;
  if (static_cast<int64_t>(bandBuffer.size()) < bandRows * vocab)
    bandBuffer.resize(bandRows * vocab);
  float *grad = bandBuffer.data();
  for (int64_t r0 = 0; r0 < rows; r0 += bandRows) {
    const int64_t nr = std::min(bandRows, rows - r0);
    const float *hb = h + r0 * dim;
    headGemm(/*transA=*/false, /*transB=*/true, nr, vocab, dim, hb, dim, w, dim,
             grad, vocab, /*accumulate=*/false);
    const int nt = std::min<int64_t>(threadsFor(nr * vocab, kElementChunk), nr);
#pragma omp parallel for num_threads(nt) if (nt > 1) schedule(dynamic, 1)
    for (int64_t r = 0; r < nr; ++r)
      softmaxGradRow(grad + r * vocab, targets[r0 + r], vocab, rowScale[r0 + r],
                     rowWeight ? rowWeight[r0 + r] != 0.0f
                               : rowScale[r0 + r] != 0.0f,
                     rowLoss ? rowLoss + r0 + r : nullptr);
    headGemm(/*transA=*/false, /*transB=*/false, nr, dim, vocab, grad, vocab, w,
             dim, dh + r0 * dim, dim, /*accumulate=*/false);
    parallelGemm(/*transA=*/true, /*transB=*/false, vocab, dim, nr, grad, vocab,
                 hb, dim, dw, dim, /*accumulate=*/accumulateDw || r0 > 0);
  }
}

Status badTarget(const char *kernel, int64_t row, int64_t target, int64_t vocab,
                 int64_t ignoreIndex) {
  return Status::error(std::string(kernel) + ": row " + std::to_string(row) +
                       " has target " + std::to_string(target) +
                       ", outside the vocabulary [0, " + std::to_string(vocab) +
                       ") and not the ignore index " +
                       std::to_string(ignoreIndex));
}

} // namespace

//===----------------------------------------------------------------------===//
// Public entry points: backward
//===----------------------------------------------------------------------===//

namespace {

/// Rows below which the linear gradients do not look for zero rows.
constexpr int64_t kSparseMinRows = 64;

/// The rows of dy[m, n] that are not all zero, in order, when they are at
/// most half of its rows (a selective step's query gradient in the last
/// layer: nonzero at the selected rows only); else false.
bool sparseRowsOf(const float *dy, int64_t m, int64_t n,
                  std::vector<int64_t> &rows) {
  if (m < kSparseMinRows || n <= 0)
    return false;
  rows.clear();
  for (int64_t r = 0; r < m; ++r) {
    const float *row = dy + r * n;
    if (std::any_of(row, row + n, [](float x) { return x != 0.0f; })) {
      rows.push_back(r);
      if (2 * static_cast<int64_t>(rows.size()) > m)
        return false;
    }
  }
  return true;
}

/// The listed rows of a[*, n], packed.
std::vector<float> gatherRows(const float *a, int64_t n,
                              const std::vector<int64_t> &rows) {
  std::vector<float> out(rows.size() * n);
  for (size_t i = 0; i < rows.size(); ++i)
    std::copy_n(a + rows[i] * n, n, out.data() + i * n);
  return out;
}

} // namespace

void linearGradInput(const float *dy, const float *w, float *dx, int64_t m,
                     int64_t n, int64_t k, bool accumulate) {
  // dx[m, k] = dy[m, n] w[n, k]. A zero row of dy gives a zero row of dx:
  // when most rows are zero only the others are multiplied.
  std::vector<int64_t> rows;
  if (!sparseRowsOf(dy, m, n, rows)) {
    parallelGemm(/*transA=*/false, /*transB=*/false, m, k, n, dy, n, w, k, dx,
                 k, accumulate);
    return;
  }
  const int64_t kept = static_cast<int64_t>(rows.size());
  std::vector<float> dys = gatherRows(dy, n, rows), dxs(kept * k);
  if (kept > 0)
    parallelGemm(/*transA=*/false, /*transB=*/false, kept, k, n, dys.data(), n,
                 w, k, dxs.data(), k, /*accumulate=*/false);
  if (!accumulate)
    std::fill(dx, dx + m * k, 0.0f);
  for (int64_t i = 0; i < kept; ++i) {
    float *out = dx + rows[i] * k;
    const float *in = dxs.data() + i * k;
    for (int64_t e = 0; e < k; ++e)
      out[e] = accumulate ? out[e] + in[e] : in[e];
  }
}

void linearGradWeight(const float *dy, const float *x, float *dw, int64_t m,
                      int64_t n, int64_t k, bool accumulate) {
  // dw[n, k] = dy[m, n]^T x[m, k]: each element sums over all m rows in one
  // BLAS call; when most rows of dy are zero, over the others only.
  std::vector<int64_t> rows;
  if (!sparseRowsOf(dy, m, n, rows)) {
    parallelGemm(/*transA=*/true, /*transB=*/false, n, k, m, dy, n, x, k, dw, k,
                 accumulate);
    return;
  }
  const int64_t kept = static_cast<int64_t>(rows.size());
  if (kept == 0) {
    if (!accumulate)
      std::fill(dw, dw + n * k, 0.0f);
    return;
  }
  std::vector<float> dys = gatherRows(dy, n, rows), xs = gatherRows(x, k, rows);
  parallelGemm(/*transA=*/true, /*transB=*/false, n, k, kept, dys.data(), n,
               xs.data(), k, dw, k, accumulate);
}

Status embeddingGrad(const int32_t *ids, const float *dy, float *dtable,
                     int64_t n, int64_t vocab, int64_t dim, bool accumulate) {
  for (int64_t i = 0; i < n; ++i)
    if (ids[i] < 0 || ids[i] >= vocab)
      return Status::error("embeddingGrad: id " + std::to_string(ids[i]) +
                           " at position " + std::to_string(i) +
                           " is outside the vocabulary [0, " +
                           std::to_string(vocab) + ")");
  if (vocab <= 0 || dim <= 0)
    return Status::success();
  // Positions grouped by id, in position order (a counting sort), so that
  // each table row is owned by one thread and sums its tokens in order.
  std::vector<int64_t> start(vocab + 1, 0), order(n);
  for (int64_t i = 0; i < n; ++i)
    ++start[ids[i] + 1];
  for (int64_t id = 0; id < vocab; ++id)
    start[id + 1] += start[id];
  {
    std::vector<int64_t> next(start.begin(), start.end() - 1);
    for (int64_t i = 0; i < n; ++i)
      order[next[ids[i]]++] = i;
  }
  const int64_t rowsPerChunk =
      std::max<int64_t>(1, kElementChunk / std::max<int64_t>(dim, 1));
  const int64_t chunks = (vocab + rowsPerChunk - 1) / rowsPerChunk;
  const int nt =
      std::min<int64_t>(threadsFor((vocab + n) * dim, kElementChunk), chunks);
  // Dynamic: frequent ids make some chunks heavier than others.
#pragma omp parallel for num_threads(nt) if (nt > 1) schedule(dynamic, 1)
  for (int64_t c = 0; c < chunks; ++c) {
    const int64_t v0 = c * rowsPerChunk;
    embeddingGradRows(dy, order.data(), start.data(), dtable, v0,
                      std::min(vocab, v0 + rowsPerChunk), dim, accumulate);
  }
  return Status::success();
}

void rmsNormGrad(const float *x, const float *w, const float *dy, float *dx,
                 float *dw, int64_t rows, int64_t dim, float eps,
                 bool accumulateDx, bool accumulateDw) {
  if (dim <= 0)
    return;
  if (rows <= 0) {
    if (!accumulateDw)
      std::fill(dw, dw + dim, 0.0f);
    return;
  }
  // Fixed chunks of rows (not one per thread): dw's partial sums, and the
  // order they are added in, do not depend on the thread count.
  const int64_t rowsPerChunk = std::max<int64_t>(1, kElementChunk / dim);
  const int64_t chunks = (rows + rowsPerChunk - 1) / rowsPerChunk;
  std::vector<float> partial(chunks * dim);
  const int nt =
      elementThreads(chunks, rowsPerChunk * dim, kLightElementsPerThread);
#pragma omp parallel for num_threads(nt) if (nt > 1) schedule(dynamic, 1)
  for (int64_t c = 0; c < chunks; ++c) {
    const int64_t r0 = c * rowsPerChunk;
    rmsNormGradRows(x + r0 * dim, w, dy + r0 * dim, dx + r0 * dim,
                    partial.data() + c * dim, std::min(rowsPerChunk, rows - r0),
                    dim, eps, accumulateDx);
  }
  sumRowsInOrder(partial.data(), chunks, dim, dw, accumulateDw);
}

void ropeGradInto(const float *dy, float *dx, int64_t batch, int64_t seq,
                  int64_t heads, int64_t headDim, double theta,
                  int64_t positionOffset) {
  const int64_t half = headDim / 2;
  if (batch <= 0 || seq <= 0 || heads <= 0 || half <= 0) {
    if (dx != dy && batch > 0 && seq > 0 && heads > 0)
      std::memmove(dx, dy,
                   static_cast<size_t>(batch * seq * heads * headDim) *
                       sizeof(float));
    return;
  }
  RopeTables tables;
  ropeTables(seq, headDim, theta, positionOffset, tables);
  forEachRowChunk(batch * seq, heads * headDim, [&](int64_t r0, int64_t r1) {
    ropeGradRows(dy, dx, r0, r1, seq, heads, headDim, tables.cosT, tables.sinT,
                 nullptr);
  });
}

void ropeGradGathered(const float *dy, const int32_t *positions, float *dx,
                      int64_t rows, int64_t heads, int64_t headDim,
                      double theta) {
  rotateGathered(dy, positions, dx, rows, heads, headDim, theta,
                 [&](int64_t r0, int64_t r1, const float *cosT,
                     const float *sinT, const int32_t *row) {
                   ropeGradRows(dy, dx, r0, r1, 1, heads, headDim, cosT, sinT,
                                row);
                 });
}

void ropeGrad(float *dy, int64_t batch, int64_t seq, int64_t heads,
              int64_t headDim, double theta, int64_t positionOffset) {
  ropeGradInto(dy, dy, batch, seq, heads, headDim, theta, positionOffset);
}

namespace {

/// attentionGrad over `querySeq` query rows per batch (q, o, dout, dq of
/// [batch, querySeq, heads * headDim]) against `seq` keys, query row i of
/// batch b at position positions[b * querySeq + i] (ascending in each
/// batch), or at position i without positions (querySeq == seq).
void attentionGradRows(const float *q, const float *k, const float *v,
                       const float *o, const float *dout, float *dq, float *dk,
                       float *dv, int64_t batch, int64_t seq, int64_t querySeq,
                       const int32_t *positions, int64_t heads, int64_t kvHeads,
                       int64_t headDim, bool causal, const float *lseIn) {
  const AttentionGradShape s{
      seq, heads, kvHeads, headDim,
      // heads is a multiple of kvHeads; clamped as in attention.
      std::max<int64_t>(1, heads / kvHeads), heads * headDim, kvHeads * headDim,
      causal,
      // head_dim ** -0.5 in double, applied in float32, as the forward.
      static_cast<float>(std::pow(static_cast<double>(headDim), -0.5)),
      querySeq};
  const int64_t qStride = querySeq * s.qRowStride,
                kvStride = seq * s.kvRowStride;
  const int64_t blocks = s.blocks(), keyBlocks = s.keyBlocks();
  // The row log-sum-exp: the forward's (lseIn, [batch][heads][querySeq]),
  // or computed by pass 0 into lse, laid out the same.
  std::vector<float> lse(lseIn ? 0 : batch * heads * querySeq),
      dsum(batch * heads * querySeq);
  const float *lseRows = lseIn ? lseIn : lse.data();
  auto positionsOf = [=](int64_t b) {
    return positions ? positions + b * querySeq : nullptr;
  };

  // Pass A runs per (batch, kv head, chunk of key blocks). Each chunk adds
  // its keys' share of dq into its own dq-shaped part (chunk 0's is dq
  // itself), summed in chunk order afterwards: chunks give the threads more
  // items without any element of dq being summed by two of them. Chunks
  // are contiguous runs of key blocks of about equal work (under a causal
  // mask early keys are seen by more queries), fixed by the shape alone.
  std::vector<int64_t> chunkStart{0};
  {
    const int64_t maxChunks = std::min(
        {keyBlocks, kMaxKeyChunks,
         ceilDiv(kMinKeyItems, std::max<int64_t>(batch * kvHeads, 1))});
    auto work = [&](int64_t kb) { // query rows that see key block kb
      return causal ? seq - kb * kGradBlock : seq;
    };
    int64_t total = 0, done = 0;
    for (int64_t kb = 0; kb < keyBlocks; ++kb)
      total += work(kb);
    for (int64_t kb = 0; kb + 1 < keyBlocks; ++kb) {
      done += work(kb);
      const int64_t next = static_cast<int64_t>(chunkStart.size());
      if (next < maxChunks && done * maxChunks >= total * next)
        chunkStart.push_back(kb + 1);
    }
    chunkStart.push_back(keyBlocks);
  }
  const int64_t chunks = static_cast<int64_t>(chunkStart.size()) - 1;
  int64_t chunkKeys = 0;
  for (int64_t c = 0; c < chunks; ++c)
    chunkKeys =
        std::max(chunkKeys, (chunkStart[c + 1] - chunkStart[c]) * kGradBlock);
  const int64_t partStride = batch * qStride;
  // The packed query-block operands (AttentionGradPacks) of every batch, then
  // the dq parts of chunks 1.. . Kept across calls: a fresh buffer would be
  // page-faulted in every time.
  const int64_t dPad = padToTile(headDim);
  const int64_t packFloats = heads * blocks * kGradBlock * headDim;
  const int64_t padFloats =
      s.padRows() ? heads * blocks * kGradBlock * dPad : 0;
  const int64_t perBatch = 2 * packFloats + 2 * padFloats;
  thread_local std::vector<float> buffer;
  const int64_t need = batch * perBatch + (chunks - 1) * partStride;
  if (static_cast<int64_t>(buffer.size()) < need)
    buffer.resize(need);
  // (A pointer, not the thread_local: the threads of the region below would
  // each see their own.)
  float *const bufferData = buffer.data();
  auto packsOf = [=](int64_t b) {
    float *base = bufferData + b * perBatch;
    return AttentionGradPacks{base, base + packFloats, base + 2 * packFloats,
                              base + 2 * packFloats + padFloats};
  };
  float *parts = bufferData + batch * perBatch;

  const int64_t queryItems = batch * heads * blocks;
  const int64_t keyItems = batch * kvHeads * chunks;
  const int64_t rows = batch * querySeq;
  const int nt = threadsFor(std::max(queryItems, keyItems), 1);
#pragma omp parallel num_threads(nt) if (nt > 1)
  {
    std::vector<float> scratch(std::max(
        2 * kGradBlock * kGradBlock + (s.padRows() ? chunkKeys * dPad : 0),
        kGradBlock * kGradBlock + headDim * kGradBlock));
    // Pass 0: logsumexp and D per query row, and the packed operands. Last
    // query blocks first: under a causal mask they see the most keys.
#pragma omp for schedule(dynamic, 1)
    for (int64_t item = 0; item < queryItems; ++item) {
      const int64_t qb = blocks - 1 - item / (batch * heads);
      const int64_t b = (item / heads) % batch, h = item % heads;
      const int64_t t0 = qb * kGradBlock;
      const int64_t off = b * qStride + t0 * s.qRowStride + h * headDim;
      const int64_t stat = (b * heads + h) * querySeq + t0;
      const AttentionGradPacks p = packsOf(b);
      const int64_t packAt = (h * blocks + qb) * headDim * kGradBlock;
      const int64_t padAt = (h * blocks * kGradBlock + t0) * dPad;
      attentionRowStats(
          s, q + off, k + b * kvStride + s.kvHeadOf(h) * headDim, o + off,
          dout + off, t0, std::min(kGradBlock, querySeq - t0), positionsOf(b),
          lseIn ? nullptr : lse.data() + stat, dsum.data() + stat,
          const_cast<float *>(p.qt) + packAt,
          const_cast<float *>(p.dot) + packAt,
          s.padRows() ? const_cast<float *>(p.qPad) + padAt : nullptr,
          s.padRows() ? const_cast<float *>(p.doPad) + padAt : nullptr,
          scratch.data());
    }
    // Pass A: dk, dv and the parts of dq.
#pragma omp for schedule(dynamic, 1)
    for (int64_t item = 0; item < keyItems; ++item) {
      const int64_t c = item / (batch * kvHeads);
      const int64_t b = (item / kvHeads) % batch, g = item % kvHeads;
      const int64_t stat = b * heads * querySeq;
      float *part = (c == 0 ? dq : parts + (c - 1) * partStride) + b * qStride;
      attentionGradKeyChunk(s, q + b * qStride, k + b * kvStride,
                            v + b * kvStride, dout + b * qStride,
                            lseRows + stat, dsum.data() + stat, positionsOf(b),
                            packsOf(b), dk + b * kvStride, dv + b * kvStride,
                            part, g, chunkStart[c] * kGradBlock,
                            chunkStart[c + 1] * kGradBlock, scratch.data());
    }
    // dq = part 0 + part 1 + ..., row by row; under a causal mask a row
    // takes the parts of the chunks that start at or before its position
    // only (the others give it nothing and do not write it).
    if (chunks > 1) {
#pragma omp for schedule(static)
      for (int64_t r = 0; r < rows; ++r) {
        const int64_t t = r % querySeq;
        const int64_t pos = positions ? positions[r] : t;
        int64_t n = chunks - 1;
        if (causal)
          for (n = 0; n + 1 < chunks && chunkStart[n + 1] * kGradBlock <= pos;)
            ++n;
        addDqParts(dq + r * s.qRowStride, parts + r * s.qRowStride, partStride,
                   n, s.qRowStride);
      }
    }
  }
}

} // namespace

void attentionGrad(const float *q, const float *k, const float *v,
                   const float *o, const float *dout, float *dq, float *dk,
                   float *dv, int64_t batch, int64_t seq, int64_t heads,
                   int64_t kvHeads, int64_t headDim, bool causal,
                   const float *lse) {
  if (batch <= 0 || seq <= 0 || heads <= 0 || kvHeads <= 0 || headDim <= 0)
    return;
  // A query row whose dout is all zero adds exactly nothing to dk and dv
  // (P dout = 0, and dS = P (dout . v - D) = 0 with D = dout . o = 0) and
  // gets dq = 0. A selective step's last layer sees only its selected rows'
  // gradient: there the nonzero rows, gathered with their positions, are
  // all the work.
  const int64_t width = heads * headDim, kvWidth = kvHeads * headDim;
  auto nonzero = [&](const float *row) {
    return std::any_of(row, row + width, [](float x) { return x != 0; });
  };
  // Each batch's kept rows, its positions in order (a batch per thread:
  // the scan reads all of dout, which a thread alone would take long
  // beside the gathered rows' work).
  std::vector<int64_t> kept(batch, 0), keptAt(batch * seq);
  const int scanThreads =
      threadsFor(batch * seq * width, kLightElementsPerThread);
#pragma omp parallel for schedule(static)                                      \
    num_threads(scanThreads) if (scanThreads > 1)
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t t = 0; t < seq; ++t)
      if (nonzero(dout + (b * seq + t) * width))
        keptAt[b * seq + kept[b]++] = t;
  const int64_t most = *std::max_element(kept.begin(), kept.end());
  if (2 * most > seq) {
    attentionGradRows(q, k, v, o, dout, dq, dk, dv, batch, seq, seq, nullptr,
                      heads, kvHeads, headDim, causal, lse);
    return;
  }
  if (most == 0) {
    std::fill(dq, dq + batch * seq * width, 0.0f);
    std::fill(dk, dk + batch * seq * kvWidth, 0.0f);
    std::fill(dv, dv + batch * seq * kvWidth, 0.0f);
    return;
  }
  // `most` rows per batch: the kept ones, then copies of zero rows at the
  // last kept position (they add nothing either). The forward's lse of the
  // kept rows is gathered like them; 0 for the padding rows (q = 0: every
  // probability is then e^0, finite, times a zero dout). dq is zero but on
  // the kept rows, written after.
  const size_t packed = static_cast<size_t>(batch * most * width);
  std::vector<float> qs(packed), os(packed), ds(packed), dqs(packed);
  std::vector<int32_t> positions(batch * most);
  std::vector<float> lses(lse ? batch * heads * most : 0);
#pragma omp parallel for schedule(static)                                      \
    num_threads(scanThreads) if (scanThreads > 1)
  for (int64_t b = 0; b < batch; ++b) {
    std::fill(dq + b * seq * width, dq + (b + 1) * seq * width, 0.0f);
    for (int64_t n = 0; n < most; ++n) {
      const int64_t to = (b * most + n) * width;
      if (n < kept[b]) {
        const int64_t from = (b * seq + keptAt[b * seq + n]) * width;
        positions[b * most + n] = static_cast<int32_t>(keptAt[b * seq + n]);
        std::copy_n(q + from, width, qs.data() + to);
        std::copy_n(o + from, width, os.data() + to);
        std::copy_n(dout + from, width, ds.data() + to);
      } else {
        positions[b * most + n] = n > 0 ? positions[b * most + n - 1] : 0;
        std::fill_n(qs.data() + to, width, 0.0f);
        std::fill_n(os.data() + to, width, 0.0f);
        std::fill_n(ds.data() + to, width, 0.0f);
      }
    }
    if (lse)
      for (int64_t h = 0; h < heads; ++h)
        for (int64_t n = 0; n < most; ++n)
          lses[(b * heads + h) * most + n] =
              n < kept[b] ? lse[(b * heads + h) * seq + positions[b * most + n]]
                          : 0.0f;
  }
  attentionGradRows(qs.data(), k, v, os.data(), ds.data(), dqs.data(), dk, dv,
                    batch, seq, most, positions.data(), heads, kvHeads, headDim,
                    causal, lse ? lses.data() : nullptr);
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t n = 0; n < kept[b]; ++n)
      std::copy_n(dqs.data() + (b * most + n) * width, width,
                  dq + (b * seq + positions[b * most + n]) * width);
}

void attentionGradGathered(const float *q, const float *k, const float *v,
                           const int32_t *positions, const float *o,
                           const float *lse, const float *dout, float *dq,
                           float *dk, float *dv, int64_t batch, int64_t rows,
                           int64_t seq, int64_t heads, int64_t kvHeads,
                           int64_t headDim, bool causal) {
  if (batch <= 0 || rows <= 0 || seq <= 0 || heads <= 0 || kvHeads <= 0 ||
      headDim <= 0)
    return;
  const int64_t width = heads * headDim;
  GatheredOrder order(positions, batch, rows);
  if (order.sorted()) {
    attentionGradRows(q, k, v, o, dout, dq, dk, dv, batch, seq, rows,
                      order.positions(), heads, kvHeads, headDim, causal, lse);
    return;
  }
  // Rows in position order (the blocks' masks assume it), then dq back.
  const size_t n = static_cast<size_t>(batch * rows * width);
  std::vector<float> qs(n), os(n), ds(n), dqs(n), lses(batch * heads * rows);
  order.gather(q, width, qs.data());
  order.gather(o, width, os.data());
  order.gather(dout, width, ds.data());
  order.gatherStats(lse, heads, lses.data());
  attentionGradRows(qs.data(), k, v, os.data(), ds.data(), dqs.data(), dk, dv,
                    batch, seq, rows, order.positions(), heads, kvHeads,
                    headDim, causal, lses.data());
  order.scatter(dqs.data(), width, dq);
}

void swigluGrad(const float *gate, const float *up, const float *dout,
                float *dgate, float *dup, int64_t n) {
  forEachChunk(
      n,
      [&](int64_t i0, int64_t i1) {
        swigluGradSpan(gate + i0, up + i0, dout + i0, dgate + i0, dup + i0,
                       i1 - i0);
      },
      kHeavyElementsPerThread);
}

namespace {

/// The gradient of the mean head loss over the rows whose target is not
/// `ignoreIndex`, times dloss (dh overwritten, dw overwritten or added to);
/// with `rowLoss`, also each row's loss (0 for an ignored row). `count` is
/// the number of scored rows. Fails on a bad target before writing anything.
Status headMeanLossGrad(const char *kernel, const float *h, const float *w,
                        const int32_t *targets, float dloss, float *dh,
                        float *dw, int64_t rows, int64_t vocab, int64_t dim,
                        int64_t ignoreIndex, bool accumulateDw, float *rowLoss,
                        int64_t &count) {
  count = 0;
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t t = targets[r];
    if (t == ignoreIndex)
      continue;
    if (t < 0 || t >= vocab)
      return badTarget(kernel, r, t, vocab, ignoreIndex);
    ++count;
  }
  if (rows <= 0 || dim <= 0)
    return Status::success();
  if (count == 0) { // the loss is a constant 0
    std::fill(dh, dh + rows * dim, 0.0f);
    if (!accumulateDw)
      std::fill(dw, dw + std::max<int64_t>(vocab, 0) * dim, 0.0f);
    if (rowLoss)
      std::fill(rowLoss, rowLoss + rows, 0.0f);
    return Status::success();
  }
  // d(mean loss)/d(logit) = (softmax - onehot) / count, times dloss.
  const float scale = dloss / static_cast<float>(count);
  std::vector<float> rowScale(rows);
  for (int64_t r = 0; r < rows; ++r)
    rowScale[r] = targets[r] == ignoreIndex ? 0.0f : scale;
  headGradByRow(h, w, targets, rowScale.data(), dh, dw, rows, vocab, dim,
                accumulateDw, rowLoss);
  return Status::success();
}

} // namespace

Status headCrossEntropyGrad(const float *h, const float *w,
                            const int32_t *targets, float dloss, float *dh,
                            float *dw, int64_t rows, int64_t vocab, int64_t dim,
                            int64_t ignoreIndex, bool accumulateDw) {
  int64_t count;
  return headMeanLossGrad("headCrossEntropyGrad", h, w, targets, dloss, dh, dw,
                          rows, vocab, dim, ignoreIndex, accumulateDw,
                          /*rowLoss=*/nullptr, count);
}

Status headCrossEntropyTrain(const float *h, const float *w,
                             const int32_t *targets, float dloss, float *loss,
                             float *dh, float *dw, int64_t rows, int64_t vocab,
                             int64_t dim, int64_t ignoreIndex) {
  std::vector<float> rowLoss(std::max<int64_t>(rows, 0));
  int64_t count;
  if (Status s =
          headMeanLossGrad("headCrossEntropyTrain", h, w, targets, dloss, dh,
                           dw, rows, vocab, dim, ignoreIndex,
                           /*accumulateDw=*/false, rowLoss.data(), count);
      !s.ok())
    return s;
  // The mean in row order, in double, as headCrossEntropy sums it.
  LossSum sum;
  for (int64_t r = 0; r < rows; ++r)
    if (targets[r] != ignoreIndex)
      sum.sum += rowLoss[r];
  sum.count = count;
  *loss = static_cast<float>(sum.mean());
  return Status::success();
}

namespace {

/// The gradient of dloss * sum_r weights[r] * loss_r (dh and dw
/// overwritten); with `rowLoss`, also each weighted row's loss (0 for a row
/// of weight 0). Fails on a non-finite weight or a weighted row's bad target
/// before writing anything.
Status headWeightedLossGrad(const char *kernel, const float *h, const float *w,
                            const int32_t *targets, const float *weights,
                            float dloss, float *dh, float *dw, int64_t rows,
                            int64_t vocab, int64_t dim, float *rowLoss) {
  for (int64_t r = 0; r < rows; ++r) {
    if (!std::isfinite(weights[r]))
      return Status::error(std::string(kernel) + ": row " + std::to_string(r) +
                           " has a non-finite weight");
    if (weights[r] != 0.0f && (targets[r] < 0 || targets[r] >= vocab))
      return Status::error(std::string(kernel) + ": row " + std::to_string(r) +
                           " has target " + std::to_string(targets[r]) +
                           ", outside the vocabulary [0, " +
                           std::to_string(vocab) + ")");
  }
  if (rows <= 0 || dim <= 0) {
    if (rowLoss)
      std::fill(rowLoss, rowLoss + std::max<int64_t>(rows, 0), 0.0f);
    return Status::success();
  }
  std::vector<float> rowScale(rows);
  for (int64_t r = 0; r < rows; ++r)
    rowScale[r] = weights[r] * dloss;
  headGradByRow(h, w, targets, rowScale.data(), dh, dw, rows, vocab, dim,
                /*accumulateDw=*/false, rowLoss, rowLoss ? weights : nullptr);
  return Status::success();
}

} // namespace

Status headCrossEntropyWeightedGrad(const float *h, const float *w,
                                    const int32_t *targets,
                                    const float *weights, float dloss,
                                    float *dh, float *dw, int64_t rows,
                                    int64_t vocab, int64_t dim) {
  return headWeightedLossGrad("headCrossEntropyWeightedGrad", h, w, targets,
                              weights, dloss, dh, dw, rows, vocab, dim,
                              /*rowLoss=*/nullptr);
}

Status headCrossEntropyWeightedTrain(const float *h, const float *w,
                                     const int32_t *targets,
                                     const float *weights, float dloss,
                                     float *loss, float *dh, float *dw,
                                     int64_t rows, int64_t vocab, int64_t dim) {
  std::vector<float> rowLoss(std::max<int64_t>(rows, 0));
  if (Status s = headWeightedLossGrad("headCrossEntropyWeightedTrain", h, w,
                                      targets, weights, dloss, dh, dw, rows,
                                      vocab, dim, rowLoss.data());
      !s.ok())
    return s;
  // In row order, in double, as head_cross_entropy_weighted sums it.
  double sum = 0;
  for (int64_t r = 0; r < rows; ++r)
    sum += static_cast<double>(weights[r]) * rowLoss[r];
  *loss = static_cast<float>(sum);
  return Status::success();
}

//===----------------------------------------------------------------------===//
// Public entry points: optimizers
//===----------------------------------------------------------------------===//

void addSquaredNorm(const float *x, int64_t n, double *sumSquares) {
  if (n <= 0)
    return;
  // Partial sums over fixed chunks, added in chunk order.
  const int64_t chunks = (n + kElementChunk - 1) / kElementChunk;
  if (chunks == 1) {
    *sumSquares += squaredNormSpan(x, n);
    return;
  }
  std::vector<double> partial(chunks);
  forEachChunk(n, [&](int64_t i0, int64_t i1) {
    partial[i0 / kElementChunk] = squaredNormSpan(x + i0, i1 - i0);
  });
  double total = 0.0;
  for (double p : partial)
    total += p;
  *sumSquares += total;
}

void scale(float *x, float factor, int64_t n) {
  forEachChunk(
      n, [&](int64_t i0, int64_t i1) { scaleSpan(x + i0, factor, i1 - i0); });
}

namespace {

/// AdamW's scalars for a step: PyTorch computes these in double (Python
/// floats) and rounds each to float where it meets a float32 tensor.
AdamWScalars adamwScalars(float lr, float beta1, float beta2, float eps,
                          float weightDecay, int64_t step) {
  const double lrD = lr, beta1D = beta1, beta2D = beta2;
  const double t = static_cast<double>(step);
  const double bc1 = 1.0 - std::pow(beta1D, t);
  const double bc2 = 1.0 - std::pow(beta2D, t);
  const float lerpWeight = static_cast<float>(1.0 - beta1D);
  const bool fromM = std::abs(lerpWeight) < 0.5f;
  return AdamWScalars{
      static_cast<float>(1.0 - lrD * static_cast<double>(weightDecay)),
      fromM ? lerpWeight : lerpWeight - 1.0f,
      fromM,
      beta2,
      static_cast<float>(1.0 - beta2D),
      static_cast<float>(std::sqrt(bc2)),
      eps,
      static_cast<float>(-(lrD / bc1))};
}

/// The (tensor, begin, end) chunks of a list of tensors: one parallel loop
/// covers all of them.
struct Chunk {
  size_t tensor;
  int64_t i0, i1;
};
std::vector<Chunk> chunksOf(const std::vector<ParamUpdate> &updates) {
  std::vector<Chunk> chunks;
  for (size_t t = 0; t < updates.size(); ++t)
    for (int64_t i0 = 0; i0 < updates[t].n; i0 += kElementChunk)
      chunks.push_back({t, i0, std::min(updates[t].n, i0 + kElementChunk)});
  return chunks;
}

} // namespace

void adamw(float *param, const float *grad, float *m, float *v, int64_t n,
           float lr, float beta1, float beta2, float eps, float weightDecay,
           int64_t step) {
  const AdamWScalars s = adamwScalars(lr, beta1, beta2, eps, weightDecay, step);
  forEachChunk(n, [&](int64_t i0, int64_t i1) {
    adamwSpan(param + i0, grad + i0, m + i0, v + i0, i1 - i0, s);
  });
}

void sgd(float *param, const float *grad, int64_t n, float lr,
         float weightDecay) {
  forEachChunk(n, [&](int64_t i0, int64_t i1) {
    sgdSpan(param + i0, grad + i0, i1 - i0, -lr, weightDecay);
  });
}

namespace {

/// Runs body(update, i0, n) on every chunk of every tensor of `updates`, in
/// one parallel loop, each gradient chunk first scaled by `gradScale`.
template <typename Body>
void forEachUpdateChunk(const std::vector<ParamUpdate> &updates,
                        float gradScale, Body body) {
  const std::vector<Chunk> chunks = chunksOf(updates);
  const int nt = threadsFor(static_cast<int64_t>(chunks.size()), 1);
#pragma omp parallel for num_threads(nt) if (nt > 1) schedule(dynamic, 1)
  for (size_t c = 0; c < chunks.size(); ++c) {
    const ParamUpdate &u = updates[chunks[c].tensor];
    const int64_t i0 = chunks[c].i0, n = chunks[c].i1 - i0;
    if (gradScale != 1.0f)
      scaleSpan(u.grad + i0, gradScale, n);
    body(u, i0, n);
  }
}

} // namespace

void adamwMany(const std::vector<ParamUpdate> &updates, float gradScale,
               float lr, float beta1, float beta2, float eps, float weightDecay,
               int64_t step) {
  const AdamWScalars decayed =
      adamwScalars(lr, beta1, beta2, eps, weightDecay, step);
  const AdamWScalars plain = adamwScalars(lr, beta1, beta2, eps, 0.0f, step);
  forEachUpdateChunk(updates, gradScale,
                     [&](const ParamUpdate &u, int64_t i0, int64_t n) {
                       adamwSpan(u.param + i0, u.grad + i0, u.m + i0, u.v + i0,
                                 n, u.decay ? decayed : plain);
                     });
}

void sgdMany(const std::vector<ParamUpdate> &updates, float gradScale, float lr,
             float weightDecay) {
  forEachUpdateChunk(updates, gradScale,
                     [&](const ParamUpdate &u, int64_t i0, int64_t n) {
                       sgdSpan(u.param + i0, u.grad + i0, n, -lr,
                               u.decay ? weightDecay : 0.0f);
                     });
}

} // namespace cherry::runtime::cpu
