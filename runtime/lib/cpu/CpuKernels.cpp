//===- CpuKernels.cpp - CPU kernels of the runtime ------------------------===//
//
// GEMMs go to our packed GEMM on AVX-512 (CpuGemm.cpp) and to OpenBLAS
// elsewhere, except the small ones inside attention blocks (our
// register-blocked attnGemm, CpuCommon.h) and linear of a few rows when
// decoding (matrix-vector products); everything else is our own loops. Each
// hot loop is compiled for AVX-512, AVX2+FMA and baseline x86-64, one copy
// picked per process (CHERRY_CPU_DISPATCH, CpuVariant.cpp), and is written so
// that the compiler vectorizes it: `omp simd` on reductions (a float sum may
// only be reassociated with leave) and an exp with no calls or branches. OpenMP
// parallel regions stay in plain driver functions that call the dispatched
// ones, because a region's outlined body does not inherit a target.
//
// One thread pool: OpenMP's. OpenBLAS is kept on one thread and called from
// inside our parallel regions, each thread computing its own slice of a
// GEMM. Letting OpenBLAS run its own pthread pool beside OpenMP's makes each
// pool's idle threads spin while the other pool works (libgomp spins for
// milliseconds by default): the fused cross-entropy, which alternates GEMMs
// and softmax, ran about 5x slower that way on two cores.
//
// Work is split by rows (or (batch, head, query block) for attention) in
// pieces the shapes fix, and a row's result does not depend on which thread
// computed it. GEMMs are the exception outside deterministic mode: one
// OpenBLAS slice per thread (see parallelGemm).
//
//===----------------------------------------------------------------------===//

#include "cherry/Runtime/CpuKernels.h"

#include "CpuCommon.h"

#include <cblas.h>
#include <omp.h>
#include <type_traits>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

// OpenBLAS's own cblas.h declares it; a netlib cblas.h does not.
extern "C" void openblas_set_num_threads(int numThreads);

namespace cherry::runtime::cpu {
using namespace detail;
namespace {

//===----------------------------------------------------------------------===//
// Threads
//===----------------------------------------------------------------------===//

/// OpenMP's thread count before the first call here (all cores, or
/// OMP_NUM_THREADS). Also where OpenBLAS is put on one thread, once, before
/// any kernel runs (every entry point that parallelizes asks for this).
int defaultThreads() {
  static const int threads = [] {
    openblas_set_num_threads(1);
    return omp_get_max_threads();
  }();
  return threads;
}

/// Set by setNumThreads; 0 means the default. Kept here rather than only in
/// OpenMP's per-thread ICV so that kernels called from any thread obey it.
std::atomic<int> requestedThreads{0};

/// Set by setDeterministic.
std::atomic<bool> deterministicMode{true};

//===----------------------------------------------------------------------===//
// Vectorizable math
//===----------------------------------------------------------------------===//

/// silu(g) * u, as PyTorch computes silu: g / (1 + e^-g).
inline float swigluOne(float g, float u) { return g / (1.0f + expF32(-g)) * u; }

//===----------------------------------------------------------------------===//
// Elementwise kernels (cloned)
//===----------------------------------------------------------------------===//

CHERRY_CPU_BODY void addSpanBody(const float *a, const float *b, float *out,
                                 int64_t n) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i)
    out[i] = a[i] + b[i];
}
CHERRY_CPU_DISPATCH(addSpan)

CHERRY_CPU_BODY void scaleSpanBody(const float *x, float factor, float *out,
                                   int64_t n) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i)
    out[i] = factor * x[i];
}
CHERRY_CPU_DISPATCH(scaleSpan)

CHERRY_CPU_BODY void swigluSpanBody(const float *gate, const float *up,
                                    float *out, int64_t n) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i)
    out[i] = swigluOne(gate[i], up[i]);
}
CHERRY_CPU_DISPATCH(swigluSpan)

//===----------------------------------------------------------------------===//
// RMSNorm (cloned)
//===----------------------------------------------------------------------===//

/// Hugging Face LlamaRMSNorm in float32: variance = mean(x^2), then
/// w * (x * rsqrt(variance + eps)). y may alias x.
inline void rmsNormRow(const float *x, const float *w, float *y, int64_t dim,
                       float eps) {
  float sumSq = 0.0f;
#pragma omp simd reduction(+ : sumSq)
  for (int64_t i = 0; i < dim; ++i)
    sumSq += x[i] * x[i];
  float inv = 1.0f / std::sqrt(sumSq / static_cast<float>(dim) + eps);
#pragma omp simd
  for (int64_t i = 0; i < dim; ++i)
    y[i] = w[i] * (x[i] * inv);
}

CHERRY_CPU_BODY void rmsNormRowsBody(const float *x, const float *w, float *y,
                                     int64_t rows, int64_t dim, float eps) {
  for (int64_t r = 0; r < rows; ++r)
    rmsNormRow(x + r * dim, w, y + r * dim, dim, eps);
}
CHERRY_CPU_DISPATCH(rmsNormRows)

/// The residual row is added in one pass (into sum, which may be residual or
/// delta) and normalized by the same code as rmsNorm in a second (it is in L1
/// by then): the same arithmetic, in the same order, as add followed by
/// rmsNorm.
CHERRY_CPU_BODY void addRmsNormRowsBody(const float *residual,
                                        const float *delta, const float *w,
                                        float *sum, float *y, int64_t rows,
                                        int64_t dim, float eps) {
  for (int64_t r = 0; r < rows; ++r) {
    const float *res = residual + r * dim;
    const float *del = delta + r * dim;
    float *s = sum + r * dim;
#pragma omp simd
    for (int64_t i = 0; i < dim; ++i)
      s[i] = res[i] + del[i];
    rmsNormRow(s, w, y + r * dim, dim, eps);
  }
}
CHERRY_CPU_DISPATCH(addRmsNormRows)

//===----------------------------------------------------------------------===//
// RoPE (cloned)
//===----------------------------------------------------------------------===//

/// Rows [r0, r1) of y = rope(x), both [batch * seq, heads * headDim] (y may
/// be x); cosT/sinT are [positions, headDim / 2], row r's the table row
/// tableRow[r] (gathered rows), or without tableRow r % seq.
CHERRY_CPU_BODY void ropeRowsBody(const float *x, float *y, int64_t r0,
                                  int64_t r1, int64_t seq, int64_t heads,
                                  int64_t headDim, const float *cosT,
                                  const float *sinT, const int32_t *tableRow) {
  const int64_t half = headDim / 2;
  for (int64_t r = r0; r < r1; ++r) {
    const int64_t t = tableRow ? tableRow[r] : r % seq;
    const float *c = cosT + t * half;
    const float *s = sinT + t * half;
    for (int64_t h = 0; h < heads; ++h) {
      const int64_t at = r * heads * headDim + h * headDim;
      const float *x1 = x + at, *x2 = x1 + half;
      float *y1 = y + at, *y2 = y1 + half;
#pragma omp simd
      for (int64_t i = 0; i < half; ++i) {
        // x * cos + rotate_half(x) * sin, rotate_half(x) = [-x2, x1].
        float a = x1[i], b = x2[i];
        y1[i] = a * c[i] - b * s[i];
        y2[i] = b * c[i] + a * s[i];
      }
    }
  }
}
CHERRY_CPU_DISPATCH(ropeRows)

//===----------------------------------------------------------------------===//
// Attention (cloned block kernel)
//===----------------------------------------------------------------------===//

struct AttentionShape {
  int64_t qLen, kvLen;
  int64_t qRowStride, kvRowStride; // heads * headDim, kvHeads * headDim
  int64_t headDim;
  int64_t qPositionOffset;
  bool causal;
  float scale;
  /// Gathered query rows: row t of the batch at position positions[t]
  /// (non-decreasing), instead of qPositionOffset + t.
  const int32_t *positions = nullptr;
};

/// Floats of scratch one thread needs: K^T of a key block, the scores of a
/// query block against it, and the query block's accumulators.
int64_t attentionScratchFloats(int64_t headDim) {
  return kAttnQueryBlock * kAttnKeyBlock + kAttnQueryBlock * headDim;
}

/// sc[j] = q . k_j for the n keys k_j = k + j * stride, four keys per pass
/// over q (each q load shared); sc is zero from n to the next multiple of
/// kAttnLanes.
CHERRY_CPU_BODY void dotKeysBody(const float *q, const float *k, int64_t stride,
                                 int64_t d, int64_t n, float *sc) {
  int64_t j = 0;
  for (; j + 4 <= n; j += 4) {
    const float *k0 = k + j * stride, *k1 = k0 + stride, *k2 = k1 + stride,
                *k3 = k2 + stride;
    float a0 = 0.0f, a1 = 0.0f, a2 = 0.0f, a3 = 0.0f;
#pragma omp simd reduction(+ : a0, a1, a2, a3)
    for (int64_t c = 0; c < d; ++c) {
      a0 += q[c] * k0[c];
      a1 += q[c] * k1[c];
      a2 += q[c] * k2[c];
      a3 += q[c] * k3[c];
    }
    sc[j] = a0;
    sc[j + 1] = a1;
    sc[j + 2] = a2;
    sc[j + 3] = a3;
  }
  for (; j < n; ++j) {
    const float *kj = k + j * stride;
    float a = 0.0f;
#pragma omp simd reduction(+ : a)
    for (int64_t c = 0; c < d; ++c)
      a += q[c] * kj[c];
    sc[j] = a;
  }
  std::fill(sc + n, sc + roundUpToLanes(n), 0.0f);
}
CHERRY_CPU_DISPATCH(dotKeys)

/// Query blocks of fewer rows take attentionBlock, the others
/// attentionTileBlock.
constexpr int64_t kAttnTileMinRows = 8;
/// Multiply-adds a thread should get before attention is split further.
constexpr int64_t kAttnMinMacsPerThread = int64_t(1) << 18;

/// Query row t sees keys [0, visibleKeys(t)).
inline int64_t visibleKeys(const AttentionShape &s, int64_t t) {
  if (!s.causal)
    return s.kvLen;
  const int64_t p = s.positions ? s.positions[t] : s.qPositionOffset + t;
  return std::clamp<int64_t>(p + 1, 0, s.kvLen);
}

/// Rows [t0, t0 + rows) of one (batch, head): q and out point at row t0 of
/// that head, k and v at row 0 of its kv head; for blocks of few queries
/// (decoding), where each key is used by so few rows that packing it costs
/// more than it saves. Flash-attention style: for each block of keys, the
/// scores of the keys each row sees (dot products straight from the cache
/// rows), a running max m and sum l per row, the accumulator rescaled by
/// e^(m_old - m_new) whenever the max grows.
CHERRY_CPU_BODY void attentionBlockBody(const AttentionShape &s, const float *q,
                                        const float *k, const float *v,
                                        float *out, int64_t t0, int64_t rows,
                                        float *scratch, float *lse) {
  constexpr float kNegInf = -std::numeric_limits<float>::infinity();
  const int64_t d = s.headDim;
  float *scores = scratch; // [rows][kAttnKeyBlock]
  float *acc = scores + kAttnQueryBlock * kAttnKeyBlock; // [rows][headDim]
  float rowMax[kAttnQueryBlock], rowSum[kAttnQueryBlock];
  for (int64_t i = 0; i < rows; ++i) {
    rowMax[i] = kNegInf;
    rowSum[i] = 0.0f;
    std::fill(acc + i * d, acc + (i + 1) * d, 0.0f);
  }

  const int64_t kvEnd = visibleKeys(s, t0 + rows - 1);
  for (int64_t j0 = 0; j0 < kvEnd; j0 += kAttnKeyBlock) {
    const int64_t nb = std::min(kAttnKeyBlock, kvEnd - j0);
    // Row i sees keys [j0, j0 + visible[i]) of this block; rows before
    // `first` see none of them (causal, with a query offset).
    int64_t visible[kAttnQueryBlock];
    int64_t first = rows;
    for (int64_t i = rows - 1; i >= 0; --i) {
      visible[i] = std::clamp<int64_t>(visibleKeys(s, t0 + i) - j0, 0, nb);
      if (visible[i] > 0)
        first = i;
    }

    // Scores of the keys each row sees: dot products along the head dim,
    // four keys per pass over the query row.
    for (int64_t i = first; i < rows; ++i)
      dotKeys(q + i * s.qRowStride, k + j0 * s.kvRowStride, s.kvRowStride, d,
              visible[i], scores + i * kAttnKeyBlock);

    for (int64_t i = first; i < rows; ++i) {
      const int64_t n = visible[i];
      const int64_t nPadded = roundUpToLanes(n);
      float *sc = scores + i * kAttnKeyBlock;

      // Online softmax update; keys past the visible ones count as -inf.
      float blockMax = rowMax[i];
#pragma omp simd reduction(max : blockMax)
      for (int64_t j = 0; j < nPadded; ++j) {
        const float x = j < n ? sc[j] * s.scale : kNegInf;
        sc[j] = x;
        // This form (not std::max) is the one GCC turns into vmaxps.
        blockMax = x > blockMax ? x : blockMax;
      }
      const float alpha =
          expFlushF32(rowMax[i] - blockMax); // 0 on the first block
      float blockSum = 0.0f;
#pragma omp simd reduction(+ : blockSum)
      for (int64_t j = 0; j < nPadded; ++j) {
        const float p = expFlushF32(sc[j] - blockMax);
        sc[j] = p;
        blockSum += p;
      }
      rowSum[i] = rowSum[i] * alpha + blockSum;
      rowMax[i] = blockMax;
      if (alpha != 1.0f) {
        float *a = acc + i * d;
#pragma omp simd
        for (int64_t e = 0; e < d; ++e)
          a[e] *= alpha;
      }
    }

    // acc += P V, row by row: a row's bits are those it has alone (a
    // speculative verify step's rows are decode steps' rows).
    const float *vb = v + j0 * s.kvRowStride;
    for (int64_t i = first; i < rows; ++i)
      accumulatePV<false>(scores + i * kAttnKeyBlock, nullptr, vb,
                          s.kvRowStride, d, 0, visible[i], acc + i * d,
                          nullptr);
  }

  for (int64_t i = 0; i < rows; ++i) {
    // A row that sees no key (kvLen == 0) gets zeros.
    const float inv = rowSum[i] > 0.0f ? 1.0f / rowSum[i] : 0.0f;
    const float *a = acc + i * d;
    float *o = out + i * s.qRowStride;
#pragma omp simd
    for (int64_t e = 0; e < d; ++e)
      o[e] = a[e] * inv;
  }
  if (lse)
    for (int64_t i = 0; i < rows; ++i)
      lse[i] = rowMax[i] + std::log(rowSum[i]);
}
CHERRY_CPU_DISPATCH(attentionBlock)

/// Floats of scratch one thread needs for attentionTileBlock: Q^T, the
/// transposed scores of a key block, the accumulators and a padded V block.
int64_t attentionTileScratchFloats(int64_t headDim) {
  const int64_t dPad = padToTile(headDim);
  return headDim * kAttnQueryBlock + kAttnKeyBlock * kAttnQueryBlock +
         kAttnQueryBlock * dPad + kAttnKeyBlock * dPad;
}

/// attentionBlock on register-blocked GEMMs, for blocks of many queries.
/// Computed transposed: with Q^T of the block packed once, the scores of a
/// key block are S^T = K Q^T (keys as rows, straight from k), the online
/// softmax runs down the columns (vectorized over the queries), and the
/// accumulators take (P^T)^T V. Key blocks past the last query's causal
/// limit are never touched; only the blocks the diagonal crosses are masked.
template <class Tile>
CHERRY_CPU_BODY void
attentionTileBlockBody(const AttentionShape &s, const float *q, const float *k,
                       const float *v, float *out, int64_t t0, int64_t rows,
                       float *scratch, float *lse) {
  constexpr float kNegInf = -std::numeric_limits<float>::infinity();
  constexpr int64_t B = kAttnQueryBlock, BK = kAttnKeyBlock;
  const int64_t d = s.headDim, dPad = padToTile(d);
  float *qt = scratch;        // [d][B]: Q^T, zero past `rows`
  float *st = qt + d * B;     // [BK][B]: scores, then probabilities, of a block
  float *acc = st + BK * B;   // [B][dPad]
  float *vp = acc + B * dPad; // [BK][dPad]: the V block padded, if d needs it
  const bool padV = d % kAttnPad != 0;
  packTransposed(q, s.qRowStride, rows, d, B, qt);
  std::fill(acc, acc + rows * dPad, 0.0f);
  float rowMax[B], rowSum[B], safeMax[B], alpha[B];
  int64_t visible[B];
  for (int64_t i = 0; i < B; ++i) {
    rowMax[i] = kNegInf;
    rowSum[i] = 0.0f;
    visible[i] = i < rows ? visibleKeys(s, t0 + i) : 0;
  }

  const int64_t kvEnd = visibleKeys(s, t0 + rows - 1);
  for (int64_t j0 = 0; j0 < kvEnd; j0 += BK) {
    const int64_t nk = std::min(BK, kvEnd - j0);
    const float *kb = k + j0 * s.kvRowStride, *vb = v + j0 * s.kvRowStride;
    // Tiles of keys that none of their queries sees are skipped (causal:
    // the part of a diagonal block above it); the mask below overwrites them.
    attnGemm<Tile, false>(nk, B, d, kb, s.kvRowStride, qt, B, st, B, false,
                          [&](int64_t i, int64_t, int64_t j, int64_t cols) {
                            const int64_t last = std::min(j + cols, rows) - 1;
                            const bool seen =
                                last >= j && visible[last] > j0 + i;
                            return std::pair<int64_t, int64_t>(0, seen ? d : 0);
                          });

    // Online softmax, column i being query t0 + i; keys it does not see
    // count as -inf. A column that has seen no key yet keeps max -inf and
    // gets zero probabilities (exp against 0, not against -inf - -inf).
    // Key j0 + j is seen by the columns [lo, rows) (visible grows with i).
    float newMax[B];
    std::copy(rowMax, rowMax + B, newMax);
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
    float blockSum[B];
#pragma omp simd
    for (int64_t i = 0; i < B; ++i) {
      safeMax[i] = newMax[i] == kNegInf ? 0.0f : newMax[i];
      alpha[i] =
          newMax[i] == kNegInf ? 1.0f : expFlushF32(rowMax[i] - newMax[i]);
      blockSum[i] = 0.0f;
    }
    for (int64_t j = 0; j < nk; ++j) {
      float *row = st + j * B;
#pragma omp simd
      for (int64_t i = 0; i < B; ++i) {
        const float p = expFlushF32(row[i] - safeMax[i]);
        row[i] = p;
        blockSum[i] += p;
      }
    }
    for (int64_t i = 0; i < rows; ++i) {
      rowSum[i] = rowSum[i] * alpha[i] + blockSum[i];
      rowMax[i] = newMax[i];
      if (alpha[i] != 1.0f) {
        float *a = acc + i * dPad;
#pragma omp simd
        for (int64_t e = 0; e < dPad; ++e)
          a[e] *= alpha[i];
      }
    }

    const float *vsrc = vb;
    int64_t ldv = s.kvRowStride;
    if (padV) {
      packPadded(vb, s.kvRowStride, nk, d, dPad, vp);
      vsrc = vp;
      ldv = dPad;
    }
    // Query rows [i, i + r) have zero probabilities past the keys their last
    // row sees.
    attnGemm<Tile, true>(
        rows, dPad, nk, st, B, vsrc, ldv, acc, dPad, true,
        [&](int64_t i, int64_t r, int64_t, int64_t) {
          return std::pair<int64_t, int64_t>(
              0, std::clamp<int64_t>(visible[i + r - 1] - j0, 0, nk));
        });
  }

  for (int64_t i = 0; i < rows; ++i) {
    // A row that sees no key (kvLen == 0) gets zeros.
    const float inv = rowSum[i] > 0.0f ? 1.0f / rowSum[i] : 0.0f;
    const float *a = acc + i * dPad;
    float *o = out + i * s.qRowStride;
#pragma omp simd
    for (int64_t e = 0; e < d; ++e)
      o[e] = a[e] * inv;
  }
  // The expression attentionRowStats evaluates on the same rowMax and rowSum
  // (its key loop is this one's), so the backward reads the bits it would
  // have computed.
  if (lse)
    for (int64_t i = 0; i < rows; ++i)
      lse[i] = rowMax[i] + std::log(rowSum[i]);
}
CHERRY_CPU_DISPATCH_TILED(attentionTileBlock)

//===----------------------------------------------------------------------===//
// Cross-entropy (cloned row kernel)
//===----------------------------------------------------------------------===//

/// Max of n logits and the sum of e^(x - max), in float32 as PyTorch's
/// log_softmax computes them for float32 logits.
CHERRY_CPU_BODY void maxAndSumExpBody(const float *x, int64_t n, float &maxOut,
                                      float &sumOut) {
  float m = -std::numeric_limits<float>::infinity();
#pragma omp simd reduction(max : m)
  for (int64_t i = 0; i < n; ++i)
    m = x[i] > m ? x[i] : m;
  float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
  for (int64_t i = 0; i < n; ++i)
    sum += expFlushF32(x[i] - m);
  maxOut = m;
  sumOut = sum;
}
CHERRY_CPU_DISPATCH(maxAndSumExp)

/// headCrossEntropy computes logits a [rows, vocab] tile at a time, one GEMM
/// call per tile on its thread (packedGemm on x86-64-v4 and -v3, OpenBLAS
/// elsewhere).
/// Each call packs its weight slice, once per kLossRows rows, so the
/// row count sets the packing overhead (one weight element copied per
/// 2 * kLossRows FLOPs); splitting the vocabulary bounds the tile (1 MiB
/// here) whatever the vocabulary, and gives the threads more tiles to share.
constexpr int64_t kLossRows = 256;
constexpr int64_t kLossVocab = 1024;
/// Where the packed GEMM runs on x86-64-v3 (Zen 3), its tile is a third of
/// AVX-512's and packing weighs more: 512-row tiles halve it (1.06x at 2048
/// rows and 1.17x at 304 rows of the 256 x 1024 tiles, cherry-kernel-bench
/// BM_HeadCrossEntropy, 4 alternated rounds).
constexpr int64_t kLossRowsV3 = 512;
constexpr int64_t kLossVocabV3 = 512;

//===----------------------------------------------------------------------===//
// Linear layers of a few rows
//===----------------------------------------------------------------------===//

/// Rows up to which `linear` computes dot products itself instead of
/// calling BLAS: decoding (one row, or the 1 + D rows of a verification
/// step).
constexpr int64_t kFewRows = 4;

/// Lanes of each dot product's partial sums: enough independent sums that
/// even one row is not bound by the latency of its additions.
constexpr int64_t kDotLanes = 16;

/// y[i, j] (+)= x[i, :] . w[j, :] for M rows and output columns [j0, j1):
/// each weight row is read once for all M rows (BLAS repacks the whole
/// weight for every call of so few rows, which costs more than the
/// product). Every output is summed in the order the source spells out
/// (kDotLanes strided partial sums, then the tail, then the lanes in a
/// fixed tree), the same for every M, so a row's result does not depend on
/// the rows beside it: a verification step's logits are decode_step's, bit
/// for bit.
template <typename Rows>
CHERRY_CPU_BODY void
linearFewRowsBody(Rows, const float *x, const float *w, float *y, int64_t n,
                  int64_t k, int64_t j0, int64_t j1, bool accumulate) {
  constexpr int64_t M = Rows::value;
  const int64_t body = k / kDotLanes * kDotLanes;
  for (int64_t j = j0; j < j1; ++j) {
    const float *wj = w + j * k;
    float lanes[M][kDotLanes] = {};
    for (int64_t e = 0; e < body; e += kDotLanes)
      for (int64_t i = 0; i < M; ++i)
        for (int64_t l = 0; l < kDotLanes; ++l)
          lanes[i][l] += x[i * k + e + l] * wj[e + l];
    for (int64_t i = 0; i < M; ++i) {
      for (int64_t e = body; e < k; ++e)
        lanes[i][e - body] += x[i * k + e] * wj[e];
      for (int64_t width = kDotLanes / 2; width > 0; width /= 2)
        for (int64_t l = 0; l < width; ++l)
          lanes[i][l] += lanes[i][l + width];
      float &out = y[i * n + j];
      out = accumulate ? out + lanes[i][0] : lanes[i][0];
    }
  }
}
CHERRY_CPU_DISPATCH(linearFewRows)

/// linearFewRows over all columns, a contiguous column range per thread (the
/// same bits on any number of threads).
void linearFewRowsParallel(const float *x, const float *w, float *y, int64_t m,
                           int64_t n, int64_t k, bool accumulate) {
  const int nt = threadsFor(m * n * k, kGemmMinMacsPerThread);
#pragma omp parallel num_threads(nt) if (nt > 1)
  {
    const int64_t parts = omp_get_num_threads(), t = omp_get_thread_num();
    const int64_t j0 = n * t / parts, j1 = n * (t + 1) / parts;
    auto rows = [&](auto count) {
      linearFewRows(count, x, w, y, n, k, j0, j1, accumulate);
    };
    switch (m) {
    case 1:
      rows(std::integral_constant<int64_t, 1>());
      break;
    case 2:
      rows(std::integral_constant<int64_t, 2>());
      break;
    case 3:
      rows(std::integral_constant<int64_t, 3>());
      break;
    default:
      rows(std::integral_constant<int64_t, 4>());
      break;
    }
  }
}

} // namespace

//===----------------------------------------------------------------------===//
// Public entry points
//===----------------------------------------------------------------------===//

void setNumThreads(int threads) {
  const int defaults = defaultThreads(); // read before it is changed
  requestedThreads.store(threads > 0 ? threads : 0);
  omp_set_num_threads(threads > 0 ? threads : defaults);
  // OpenBLAS stays on one thread: our OpenMP threads each run a slice of
  // every GEMM (see the top of this file).
  openblas_set_num_threads(1);
}

int numThreads() {
  int requested = requestedThreads.load();
  return requested > 0 ? requested : defaultThreads();
}

void setDeterministic(bool on) { deterministicMode.store(on); }

bool deterministic() { return deterministicMode.load(); }

namespace detail {

void gridGemm(bool transA, bool transB, int64_t m, int64_t n, int64_t k,
              const float *a, int64_t lda, const float *b, int64_t ldb,
              float *c, int64_t ldc, bool accumulate) {
  const GemmGrid g = gemmGrid(m, n, k);
  const int64_t blocks = g.rowParts * g.colParts, tasks = g.parts();
  // Kept across calls, like the head's tiles: the weight gradients split
  // over k run every step, and a fresh buffer would be page-faulted in each
  // time.
  thread_local std::vector<float> partialBuffer;
  const size_t partialFloats = static_cast<size_t>((g.kParts - 1) * m * n);
  if (partialBuffer.size() < partialFloats)
    partialBuffer.resize(partialFloats);
  float *partials = partialBuffer.data();
  const int nt = threadsFor(tasks, 1);
#pragma omp parallel num_threads(nt) if (nt > 1)
  {
    // Taken in order as threads come free: a worker that wakes late, or is
    // descheduled, leaves its parts to the others. Which thread runs a part
    // does not change its bits.
#pragma omp for schedule(dynamic, 1)
    for (int64_t t = 0; t < tasks; ++t) {
      const int64_t kp = t / blocks, rp = (t % blocks) / g.colParts,
                    cp = t % g.colParts;
      const int64_t r0 = rp * g.rowBlock, c0 = cp * g.colBlock,
                    k0 = kp * g.kBlock;
      const int64_t mr = std::min(m, r0 + g.rowBlock) - r0,
                    nc = std::min(n, c0 + g.colBlock) - c0,
                    kc = std::min(k, k0 + g.kBlock) - k0;
      if (mr <= 0 || nc <= 0 || kc <= 0)
        continue;
      const float *ap = transA ? a + k0 * lda + r0 : a + r0 * lda + k0;
      const float *bp = transB ? b + c0 * ldb + k0 : b + k0 * ldb + c0;
      if (kp == 0)
        gemmSerial(transA, transB, mr, nc, kc, ap, lda, bp, ldb,
                   c + r0 * ldc + c0, ldc, accumulate);
      else
        gemmSerial(transA, transB, mr, nc, kc, ap, lda, bp, ldb,
                   partials + (kp - 1) * m * n + r0 * n + c0, n,
                   /*accumulate=*/false);
    }
    if (g.kParts > 1) {
      // c += partial 1 + partial 2 + ..., in k order, row by row.
#pragma omp for schedule(static)
      for (int64_t i = 0; i < m; ++i)
        for (int64_t p = 0; p + 1 < g.kParts; ++p)
          addSpan(c + i * ldc, partials + p * m * n + i * n, c + i * ldc, n);
    }
  }
}

} // namespace detail

void linear(const float *x, const float *w, float *y, int64_t m, int64_t n,
            int64_t k, bool accumulate) {
  if (m >= 1 && m <= kFewRows) {
    linearFewRowsParallel(x, w, y, m, n, k, accumulate);
    return;
  }
  parallelGemm(/*transA=*/false, /*transB=*/true, m, n, k, x, k, w, k, y, n,
               accumulate);
}

Status embedding(const int32_t *ids, int64_t n, const float *table,
                 int64_t vocab, int64_t dim, float *out) {
  for (int64_t i = 0; i < n; ++i)
    if (ids[i] < 0 || ids[i] >= vocab)
      return Status::error("embedding: id " + std::to_string(ids[i]) +
                           " at position " + std::to_string(i) +
                           " is outside the vocabulary [0, " +
                           std::to_string(vocab) + ")");
  const int nt = threadsFor(n * dim, kElementChunk);
#pragma omp parallel for num_threads(nt) if (nt > 1) schedule(static)
  for (int64_t i = 0; i < n; ++i)
    std::memcpy(out + i * dim, table + static_cast<int64_t>(ids[i]) * dim,
                static_cast<size_t>(dim) * sizeof(float));
  return Status::success();
}

void rmsNorm(const float *x, const float *w, float *y, int64_t rows,
             int64_t dim, float eps) {
  forEachRowChunk(rows, dim, [&](int64_t r0, int64_t r1) {
    rmsNormRows(x + r0 * dim, w, y + r0 * dim, r1 - r0, dim, eps);
  });
}

void addRmsNormInto(const float *residual, const float *delta, const float *w,
                    float *sum, float *y, int64_t rows, int64_t dim,
                    float eps) {
  forEachRowChunk(rows, dim, [&](int64_t r0, int64_t r1) {
    addRmsNormRows(residual + r0 * dim, delta + r0 * dim, w, sum + r0 * dim,
                   y + r0 * dim, r1 - r0, dim, eps);
  });
}

void addRmsNorm(float *residual, const float *delta, const float *w, float *y,
                int64_t rows, int64_t dim, float eps) {
  addRmsNormInto(residual, delta, w, residual, y, rows, dim, eps);
}

void ropeInto(const float *x, float *y, int64_t batch, int64_t seq,
              int64_t heads, int64_t headDim, double theta,
              int64_t positionOffset) {
  const int64_t half = headDim / 2;
  if (batch <= 0 || seq <= 0 || heads <= 0 || half <= 0) {
    if (y != x && batch > 0 && seq > 0 && heads > 0)
      std::memmove(y, x,
                   static_cast<size_t>(batch * seq * heads * headDim) *
                       sizeof(float));
    return;
  }
  RopeTables tables;
  ropeTables(seq, headDim, theta, positionOffset, tables);

  forEachRowChunk(batch * seq, heads * headDim, [&](int64_t r0, int64_t r1) {
    ropeRows(x, y, r0, r1, seq, heads, headDim, tables.cosT, tables.sinT,
             nullptr);
  });
}

void ropeGathered(const float *x, const int32_t *positions, float *y,
                  int64_t rows, int64_t heads, int64_t headDim, double theta) {
  rotateGathered(x, positions, y, rows, heads, headDim, theta,
                 [&](int64_t r0, int64_t r1, const float *cosT,
                     const float *sinT, const int32_t *row) {
                   ropeRows(x, y, r0, r1, 1, heads, headDim, cosT, sinT, row);
                 });
}

void rope(float *x, int64_t batch, int64_t seq, int64_t heads, int64_t headDim,
          double theta, int64_t positionOffset) {
  ropeInto(x, x, batch, seq, heads, headDim, theta, positionOffset);
}

namespace {

/// attention, or with `positions` ([batch, qLen], non-decreasing in each
/// batch) attentionGathered's.
void attentionQueries(const float *q, const float *k, const float *v,
                      float *out, int64_t batch, int64_t qLen, int64_t kvLen,
                      int64_t kvBatchStride, int64_t heads, int64_t kvHeads,
                      int64_t headDim, int64_t qPositionOffset, bool causal,
                      float *lse, const int32_t *positions) {
  if (batch <= 0 || qLen <= 0 || heads <= 0 || kvHeads <= 0 || headDim <= 0)
    return;
  const AttentionShape shape{
      qLen, kvLen, heads * headDim, kvHeads * headDim, headDim, qPositionOffset,
      causal,
      // head_dim ** -0.5 in double, applied in float32.
      static_cast<float>(std::pow(static_cast<double>(headDim), -0.5))};
  // heads is a multiple of kvHeads; clamped so that bad shapes cannot divide
  // by zero or read past the kv heads.
  const int64_t group = std::max<int64_t>(1, heads / kvHeads);
  const int64_t qBlocks = (qLen + kAttnQueryBlock - 1) / kAttnQueryBlock;
  const int64_t perBlock = batch * heads;
  const int64_t items = qBlocks * perBlock;
  // A decoding step's attention (one query per head against the cache) is
  // too little work to wake another thread for: at most one thread per
  // kAttnMinMacsPerThread multiply-adds (QK^T and PV over every key, an
  // upper bound under a causal mask). The items do not depend on it.
  const int64_t macs =
      batch * heads * qLen * std::max<int64_t>(kvLen, 1) * headDim * 2;
  const int nt =
      std::min(threadsFor(items, 1), threadsFor(macs, kAttnMinMacsPerThread));
#pragma omp parallel num_threads(nt) if (nt > 1)
  {
    std::vector<float> scratch(std::max(attentionScratchFloats(headDim),
                                        attentionTileScratchFloats(headDim)));
    // Last query blocks first: under a causal mask they see the most keys.
#pragma omp for schedule(dynamic, 1)
    for (int64_t item = 0; item < items; ++item) {
      const int64_t qb = qBlocks - 1 - item / perBlock;
      const int64_t b = (item % perBlock) / heads;
      const int64_t h = item % heads;
      const int64_t t0 = qb * kAttnQueryBlock;
      const int64_t rows = std::min(kAttnQueryBlock, qLen - t0);
      const int64_t qOffset = (b * qLen + t0) * shape.qRowStride + h * headDim;
      const int64_t kvOffset = b * kvBatchStride * shape.kvRowStride +
                               std::min(h / group, kvHeads - 1) * headDim;
      // Few queries (decoding): rows of dot products beat padded tiles.
      float *blockLse = lse ? lse + (b * heads + h) * qLen + t0 : nullptr;
      AttentionShape s = shape;
      if (positions)
        s.positions = positions + b * qLen;
      if (rows < kAttnTileMinRows)
        attentionBlock(s, q + qOffset, k + kvOffset, v + kvOffset,
                       out + qOffset, t0, rows, scratch.data(), blockLse);
      else
        attentionTileBlock(s, q + qOffset, k + kvOffset, v + kvOffset,
                           out + qOffset, t0, rows, scratch.data(), blockLse);
    }
  }
}

} // namespace

void attention(const float *q, const float *k, const float *v, float *out,
               int64_t batch, int64_t qLen, int64_t kvLen,
               int64_t kvBatchStride, int64_t heads, int64_t kvHeads,
               int64_t headDim, int64_t qPositionOffset, bool causal,
               float *lse) {
  attentionQueries(q, k, v, out, batch, qLen, kvLen, kvBatchStride, heads,
                   kvHeads, headDim, qPositionOffset, causal, lse, nullptr);
}

void attentionGathered(const float *q, const float *k, const float *v,
                       const int32_t *positions, float *out, float *lse,
                       int64_t batch, int64_t rows, int64_t seq, int64_t heads,
                       int64_t kvHeads, int64_t headDim, bool causal) {
  const int64_t width = heads * headDim;
  GatheredOrder order(positions, batch, rows);
  if (order.sorted()) {
    attentionQueries(q, k, v, out, batch, rows, seq, seq, heads, kvHeads,
                     headDim, 0, causal, lse, positions);
    return;
  }
  // Rows in position order (the tiles' masks assume it), then back.
  std::vector<float> qs(batch * rows * width), os(qs.size()),
      lses(batch * heads * rows);
  order.gather(q, width, qs.data());
  attentionQueries(qs.data(), k, v, os.data(), batch, rows, seq, seq, heads,
                   kvHeads, headDim, 0, causal, lses.data(), order.positions());
  order.scatter(os.data(), width, out);
  order.scatterStats(lses.data(), heads, lse);
}

void swiglu(const float *gate, const float *up, float *out, int64_t n) {
  const int64_t chunks = (n + kElementChunk - 1) / kElementChunk;
  const int nt = elementThreads(chunks, kElementChunk, kHeavyElementsPerThread);
#pragma omp parallel for num_threads(nt) if (nt > 1) schedule(dynamic, 1)
  for (int64_t c = 0; c < chunks; ++c) {
    const int64_t i0 = c * kElementChunk;
    swigluSpan(gate + i0, up + i0, out + i0, std::min(kElementChunk, n - i0));
  }
}

void add(const float *a, const float *b, float *out, int64_t n) {
  const int64_t chunks = (n + kElementChunk - 1) / kElementChunk;
  const int nt = elementThreads(chunks, kElementChunk, kLightElementsPerThread);
#pragma omp parallel for num_threads(nt) if (nt > 1) schedule(dynamic, 1)
  for (int64_t c = 0; c < chunks; ++c) {
    const int64_t i0 = c * kElementChunk;
    addSpan(a + i0, b + i0, out + i0, std::min(kElementChunk, n - i0));
  }
}

void scale(const float *x, float factor, float *out, int64_t n) {
  const int64_t chunks = (n + kElementChunk - 1) / kElementChunk;
  const int nt = elementThreads(chunks, kElementChunk, kLightElementsPerThread);
#pragma omp parallel for num_threads(nt) if (nt > 1) schedule(dynamic, 1)
  for (int64_t c = 0; c < chunks; ++c) {
    const int64_t i0 = c * kElementChunk;
    scaleSpan(x + i0, factor, out + i0, std::min(kElementChunk, n - i0));
  }
}

Status headCrossEntropy(const float *h, const float *w, const int32_t *targets,
                        int64_t rows, int64_t vocab, int64_t dim,
                        int64_t ignoreIndex, float *rowLoss, LossSum &out) {
  out = LossSum{};
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t t = targets[r];
    if (t != ignoreIndex && (t < 0 || t >= vocab))
      return Status::error("headCrossEntropy: row " + std::to_string(r) +
                           " has target " + std::to_string(t) +
                           ", outside the vocabulary [0, " +
                           std::to_string(vocab) + ") and not the ignore " +
                           "index " + std::to_string(ignoreIndex));
  }
  if (rows <= 0 || vocab <= 0)
    return Status::success();

  // Per (row, vocabulary tile): the tile's max logit and sum of e^(logit -
  // max); per row: the target's logit. Merged per row afterwards, in tile
  // order, so the result does not depend on which thread did which tile.
  const bool v3 =
      packedGemmRuns(/*transA=*/false) && cpuVariant() == CpuVariant::V3;
  const int64_t rowTile = std::min(rows, v3 ? kLossRowsV3 : kLossRows);
  const int64_t vocabTile = std::min(vocab, v3 ? kLossVocabV3 : kLossVocab);
  const int64_t rowTiles = (rows + rowTile - 1) / rowTile;
  const int64_t vocabTiles = (vocab + vocabTile - 1) / vocabTile;
  std::vector<float> tileMax(rows * vocabTiles), tileSum(rows * vocabTiles);
  std::vector<float> targetLogit(rows);

  const int64_t tiles = rowTiles * vocabTiles;
  const int nt = std::min<int64_t>(
      threadsFor(rows * vocab * dim, kGemmMinMacsPerThread), tiles);
#pragma omp parallel num_threads(nt) if (nt > 1)
  {
    // Kept per thread across calls: a fresh buffer would be page-faulted in
    // every time.
    thread_local std::vector<float> logitBuffer;
    if (static_cast<int64_t>(logitBuffer.size()) < rowTile * vocabTile)
      logitBuffer.resize(rowTile * vocabTile);
    float *logits = logitBuffer.data();
#pragma omp for schedule(dynamic, 1)
    for (int64_t tile = 0; tile < tiles; ++tile) {
      const int64_t r0 = (tile / vocabTiles) * rowTile;
      const int64_t v0 = (tile % vocabTiles) * vocabTile;
      const int64_t nr = std::min(rowTile, rows - r0);
      const int64_t nv = std::min(vocabTile, vocab - v0);
      if (packedGemmRuns(/*transA=*/false))
        packedGemm(/*transB=*/true, nr, nv, dim, h + r0 * dim, dim,
                   w + v0 * dim, dim, logits, nv, /*accumulate=*/false,
                   /*onThisThread=*/true);
      else
        gemmSerial(/*transA=*/false, /*transB=*/true, nr, nv, dim, h + r0 * dim,
                   dim, w + v0 * dim, dim, logits, nv,
                   /*accumulate=*/false);
      for (int64_t i = 0; i < nr; ++i) {
        const int64_t r = r0 + i, t = targets[r];
        if (t == ignoreIndex)
          continue;
        const float *row = logits + i * nv;
        const int64_t slot = r * vocabTiles + tile % vocabTiles;
        maxAndSumExp(row, nv, tileMax[slot], tileSum[slot]);
        if (t >= v0 && t < v0 + nv)
          targetLogit[r] = row[t - v0];
      }
    }
  }

  double sum = 0.0;
  int64_t count = 0;
  for (int64_t r = 0; r < rows; ++r) {
    float loss = 0.0f;
    if (targets[r] != ignoreIndex) {
      const float *m = tileMax.data() + r * vocabTiles;
      const float *z = tileSum.data() + r * vocabTiles;
      const float rowMax = *std::max_element(m, m + vocabTiles);
      float total = 0.0f;
      for (int64_t c = 0; c < vocabTiles; ++c)
        total += z[c] * std::exp(m[c] - rowMax);
      loss = rowMax + std::log(total) - targetLogit[r];
      sum += loss;
      ++count;
    }
    if (rowLoss)
      rowLoss[r] = loss;
  }
  out.sum = sum;
  out.count = count;
  return Status::success();
}

} // namespace cherry::runtime::cpu
