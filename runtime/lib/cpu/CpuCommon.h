//===- CpuCommon.h - Helpers shared by the CPU kernels ----------*- C++ -*-===//
//
// Internal to the CPU kernels (CpuKernels.cpp, CpuGradKernels.cpp): the
// instruction-set variants, thread counts, the vectorizable exp, GEMMs split
// over our OpenMP threads, the attention block helpers and the RoPE tables,
// so that forward and backward kernels share one definition of each (the
// gradient of rope must use the very angles rope used).
//
//===----------------------------------------------------------------------===//

#ifndef CHERRY_RUNTIME_LIB_CPU_CPUCOMMON_H
#define CHERRY_RUNTIME_LIB_CPU_CPUCOMMON_H

#include "cherry/Runtime/CpuKernels.h"

#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <numeric>
#include <type_traits>
#include <utility>
#include <vector>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) &&         \
    __GNUC__ >= 12
#define CHERRY_CPU_MULTIVERSION 1
#define CHERRY_TARGET_V4 __attribute__((target("arch=x86-64-v4")))
#define CHERRY_TARGET_V3 __attribute__((target("arch=x86-64-v3")))
#else
// Other compilers and targets: one build, for the baseline instruction set.
#define CHERRY_CPU_MULTIVERSION 0
#define CHERRY_TARGET_V4
#define CHERRY_TARGET_V3
#endif

/// A hot loop is written once, as `nameBody` marked CHERRY_CPU_BODY, and
/// CHERRY_CPU_DISPATCH(name) after it defines `name`: three copies of the
/// body, each inlined into a function compiled for one variant (x86-64-v4,
/// x86-64-v3, baseline; an inlined body takes its caller's instruction set),
/// and a switch on cpuVariant() between them. Unlike target_clones, whose
/// choice the loader makes, the variant can be forced (CHERRY_CPU_VARIANT),
/// so one machine tests every code path it can run. Extra attributes (such
/// as CHERRY_NO_FP_CONTRACT) go on every copy. The arguments are forwarded,
/// so references stay references.
#define CHERRY_CPU_BODY inline __attribute__((always_inline))
#define CHERRY_CPU_DISPATCH(name, ...)                                         \
  template <typename... Args>                                                  \
  CHERRY_TARGET_V4 __VA_ARGS__ auto name##V4(Args &&...args) {                 \
    return name##Body(std::forward<Args>(args)...);                            \
  }                                                                            \
  template <typename... Args>                                                  \
  CHERRY_TARGET_V3 __VA_ARGS__ auto name##V3(Args &&...args) {                 \
    return name##Body(std::forward<Args>(args)...);                            \
  }                                                                            \
  template <typename... Args>                                                  \
  __VA_ARGS__ auto name##Baseline(Args &&...args) {                            \
    return name##Body(std::forward<Args>(args)...);                            \
  }                                                                            \
  template <typename... Args> auto name(Args &&...args) {                      \
    switch (::cherry::runtime::cpu::cpuVariant()) {                            \
    case ::cherry::runtime::cpu::CpuVariant::V4:                               \
      return name##V4(std::forward<Args>(args)...);                            \
    case ::cherry::runtime::cpu::CpuVariant::V3:                               \
      return name##V3(std::forward<Args>(args)...);                            \
    case ::cherry::runtime::cpu::CpuVariant::Baseline:                         \
      break;                                                                   \
    }                                                                          \
    return name##Baseline(std::forward<Args>(args)...);                        \
  }

/// CHERRY_CPU_DISPATCH for a body that is a template on its register tile
/// (`template <class Tile> ... nameBody(...)`): each variant's copy gets the
/// tile of its vector registers (AttnTileV4 / V3 / Baseline, below).
#define CHERRY_CPU_DISPATCH_TILED(name)                                        \
  template <typename... Args> CHERRY_TARGET_V4 auto name##V4(Args &&...args) { \
    return name##Body<::cherry::runtime::cpu::detail::AttnTileV4>(             \
        std::forward<Args>(args)...);                                          \
  }                                                                            \
  template <typename... Args> CHERRY_TARGET_V3 auto name##V3(Args &&...args) { \
    return name##Body<::cherry::runtime::cpu::detail::AttnTileV3>(             \
        std::forward<Args>(args)...);                                          \
  }                                                                            \
  template <typename... Args> auto name##Baseline(Args &&...args) {            \
    return name##Body<::cherry::runtime::cpu::detail::AttnTileBaseline>(       \
        std::forward<Args>(args)...);                                          \
  }                                                                            \
  template <typename... Args> auto name(Args &&...args) {                      \
    switch (::cherry::runtime::cpu::cpuVariant()) {                            \
    case ::cherry::runtime::cpu::CpuVariant::V4:                               \
      return name##V4(std::forward<Args>(args)...);                            \
    case ::cherry::runtime::cpu::CpuVariant::V3:                               \
      return name##V3(std::forward<Args>(args)...);                            \
    case ::cherry::runtime::cpu::CpuVariant::Baseline:                         \
      break;                                                                   \
    }                                                                          \
    return name##Baseline(std::forward<Args>(args)...);                        \
  }

namespace cherry::runtime::cpu::detail {

//===----------------------------------------------------------------------===//
// Threads
//===----------------------------------------------------------------------===//

/// Threads for `units` independent pieces of work when each thread should get
/// at least `minUnitsPerThread` of them (small problems stay on one thread:
/// waking the team costs more than the work).
inline int threadsFor(int64_t units, int64_t minUnitsPerThread) {
  int64_t useful = units / std::max<int64_t>(minUnitsPerThread, 1);
  return static_cast<int>(
      std::clamp<int64_t>(useful, 1, static_cast<int64_t>(numThreads())));
}

/// Elements per piece of an elementwise kernel: 64 KiB of each stream.
constexpr int64_t kElementChunk = 16384;

/// Elements a thread of a memory-bound elementwise kernel (add, RMSNorm,
/// RoPE) should get before another thread joins, and of one with more
/// arithmetic or streams per element (SwiGLU, AdamW). cherry-run's OpenMP
/// workers spin about 50 us before they sleep (GOMP_SPINCOUNT=3000), so
/// between a step's kernels a worker is usually still awake; on two threads
/// of a 2-vCPU VM, training ran 5-10% faster at 2^17 and 2^16 than at 2^19
/// and 2^18, and no faster at 2^15 and 2^14.
constexpr int64_t kLightElementsPerThread = int64_t(1) << 17;
constexpr int64_t kHeavyElementsPerThread = int64_t(1) << 16;

/// Threads for `chunks` pieces of `chunkElems` elements each when every
/// thread should get at least `elementsPerThread` elements.
inline int elementThreads(int64_t chunks, int64_t chunkElems,
                          int64_t elementsPerThread) {
  const int64_t elems = std::max<int64_t>(chunkElems, 1);
  return threadsFor(chunks, (elementsPerThread + elems - 1) / elems);
}

/// Runs body(r0, r1) over rows [0, rows) of `rowElems` elements each, in
/// pieces of about kElementChunk elements (at least one row), on as many
/// threads as pay (each at least `elementsPerThread` elements). The pieces
/// depend on the shape alone, never on the thread count; threads take them
/// in order as they come free (a worker that wakes late, or is descheduled,
/// leaves its share to the others).
template <typename Body>
void forEachRowChunk(int64_t rows, int64_t rowElems, Body body,
                     int64_t elementsPerThread = kLightElementsPerThread) {
  const int64_t rowsPerChunk =
      std::max<int64_t>(1, kElementChunk / std::max<int64_t>(rowElems, 1));
  const int64_t chunks = (rows + rowsPerChunk - 1) / rowsPerChunk;
  const int nt =
      elementThreads(chunks, rowsPerChunk * rowElems, elementsPerThread);
#pragma omp parallel for num_threads(nt) if (nt > 1) schedule(dynamic, 1)
  for (int64_t c = 0; c < chunks; ++c) {
    const int64_t r0 = c * rowsPerChunk;
    body(r0, std::min(rows, r0 + rowsPerChunk));
  }
}

//===----------------------------------------------------------------------===//
// Vectorizable math
//===----------------------------------------------------------------------===//

/// The argument reduction and polynomial both exps below share: for xc in
/// their clamped range, n = xc / ln2 rounded to an integer by adding and
/// taking off kExpRoundToInt (whose sum `t` keeps n in its low mantissa
/// bits), xc = n ln2 + r with |r| <= ln2/2 (Cody-Waite: few bits in
/// kExpLn2Hi, so n * kExpLn2Hi is exact), and e^r by Cephes' expf
/// polynomial.
constexpr float kExpLog2e = 1.44269504088896341f;
constexpr float kExpRoundToInt = 0x1.8p23f;
struct ExpParts {
  float t, n, er; // xc * log2e + kExpRoundToInt, n, e^r
};
inline ExpParts expParts(float xc) {
  constexpr float kExpLn2Hi = 0.693359375f;
  constexpr float kExpLn2Lo = -2.12194440e-4f;
  const float t = xc * kExpLog2e + kExpRoundToInt;
  const float n = t - kExpRoundToInt;
  float r = xc - n * kExpLn2Hi;
  r = r - n * kExpLn2Lo;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  return {t, n, p * (r * r) + r + 1.0f};
}

/// e^x in float32 with no calls and no branches, so loops over it vectorize
/// (glibc's expf only vectorizes under -ffast-math): expParts, then 2^n
/// built from exponent bits in two factors so that n may reach 128 and
/// -150. Within 1 ulp of e^x (CpuMathTest checks it against double exp on
/// [-103, 88.7], subnormal results included); 0 below ~-103.97, inf above
/// ~88.72, NaN stays NaN.
inline float expF32(float x) {
  float xc = x >= -104.0f ? x : -104.0f; // also maps NaN to -104
  xc = xc <= 88.8f ? xc : 88.8f;
  const ExpParts e = expParts(xc);
  int32_t ni = static_cast<int32_t>(e.n); // in [-150, 128]
  int32_t n1 = ni >> 1;
  int32_t n2 = ni - n1;
  float s1 = __builtin_bit_cast(float, static_cast<uint32_t>(n1 + 127) << 23);
  float s2 = __builtin_bit_cast(float, static_cast<uint32_t>(n2 + 127) << 23);
  float y = e.er * s1 * s2;
  return x == x ? y : x;
}

/// expF32 for softmax terms (a score less its row's max, so x <= 0 up to
/// rounding) in about half the instructions: the same bits for x in [-87,
/// 88], 0 below -87 (where e^x < 1.7e-38; -inf included), e^88 above 88,
/// NaN stays NaN. No range fix-ups but two clamps (vmaxps and vminps, in
/// the operand order that passes NaN through) and a final zeroing: 2^n is
/// one factor, n in [-126, 127] read from t's low bits (unsigned
/// arithmetic, so no float-to-int conversion of a NaN).
inline float expFlushF32(float x) {
  constexpr float kLo = -87.0f, kHi = 88.0f;
  float xc = kLo > x ? kLo : x; // NaN: the compare is false, x is kept
  xc = kHi < xc ? kHi : xc;
  const ExpParts e = expParts(xc);
  // t's bits are 0x4B400000 + n: (those + 127) << 23 keeps n + 127 (in [1,
  // 254]) as the exponent of 2^n, and clears the sign.
  const float s = __builtin_bit_cast(
      float, (__builtin_bit_cast(uint32_t, e.t) + 127u) << 23);
  const float y = e.er * s;
  return x < kLo ? 0.0f : y;
}

//===----------------------------------------------------------------------===//
// GEMMs
//===----------------------------------------------------------------------===//

/// Multiply-adds a thread should get before a GEMM is split further.
constexpr int64_t kGemmMinMacsPerThread = int64_t(1) << 18;

/// c[m, n] = op(a)[m, k] * op(b)[k, n] (+ c when `accumulate`), row-major,
/// op transposing its argument when asked, on the calling thread.
inline void gemmSerial(bool transA, bool transB, int64_t m, int64_t n,
                       int64_t k, const float *a, int64_t lda, const float *b,
                       int64_t ldb, float *c, int64_t ldc, bool accumulate) {
  // BLAS takes int dimensions; no layer comes near 2^31 rows or features.
  cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans,
              transB ? CblasTrans : CblasNoTrans, static_cast<int>(m),
              static_cast<int>(n), static_cast<int>(k), 1.0f, a,
              static_cast<int>(lda), b, static_cast<int>(ldb),
              accumulate ? 1.0f : 0.0f, c, static_cast<int>(ldc));
}

/// Parts of a GEMM in deterministic mode: c is cut into a grid of
/// rowParts x colParts blocks, and the sum over k into kParts pieces whose
/// partial products are added in k order. Fixed by the shape alone (never
/// the thread count), so every element of c goes through the same BLAS calls
/// on any number of threads. OpenBLAS does not give that by itself: its
/// per-element summation order depends on where a block starts (on an AVX2
/// core any row split changes bits; on AVX-512 cores any column split does).
struct GemmGrid {
  int64_t rowParts = 1, colParts = 1, kParts = 1;
  int64_t rowBlock, colBlock, kBlock; // extents of each part but the last
  int64_t parts() const { return rowParts * colParts * kParts; }
};

/// At most this many parts: enough for 8 threads. More parts pack the
/// operands more often (each part packs its rows of a and columns of b).
constexpr int64_t kGemmMaxParts = 8;
/// Rows and columns of a block are a multiple of this (whole micro-tiles),
/// pieces of k at least kGemmMinKBlock.
constexpr int64_t kGemmAlign = 16;
constexpr int64_t kGemmMinKBlock = 256;

inline int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }
inline int64_t blockOf(int64_t extent, int64_t parts, int64_t align) {
  return ceilDiv(ceilDiv(extent, parts), align) * align;
}

/// Splits greedily, one dimension at a time, doubling the part count of the
/// dimension that adds the least work. Block (i, j) packs its rows of a and
/// its columns of b, so all blocks pack rowParts * k * n + colParts * m * k
/// floats: doubling the row parts adds rowParts * k * n, doubling the column
/// parts colParts * m * k; doubling the k pieces packs nothing more but adds
/// kParts m x n partials to write and add (2 kParts m n). Stops at
/// kGemmMaxParts or when a part would fall under kGemmMinMacsPerThread
/// multiply-adds.
inline GemmGrid gemmGrid(int64_t m, int64_t n, int64_t k) {
  GemmGrid g;
  auto partsOf = [](int64_t extent, int64_t block) {
    return ceilDiv(extent, block);
  };
  for (;;) {
    g.rowBlock = blockOf(m, g.rowParts, kGemmAlign);
    g.colBlock = blockOf(n, g.colParts, kGemmAlign);
    g.kBlock = ceilDiv(k, g.kParts);
    if (g.parts() * 2 > kGemmMaxParts ||
        m * n * k / (g.parts() * 2) < kGemmMinMacsPerThread)
      return g;
    // Candidates that still cut their dimension in two real pieces.
    const bool rowOk =
        partsOf(m, blockOf(m, g.rowParts * 2, kGemmAlign)) == g.rowParts * 2;
    const bool colOk =
        partsOf(n, blockOf(n, g.colParts * 2, kGemmAlign)) == g.colParts * 2;
    const bool kOk = k / (g.kParts * 2) >= kGemmMinKBlock;
    const int64_t rowCost = g.rowParts * k * n, colCost = g.colParts * m * k,
                  kCost = 2 * g.kParts * m * n;
    int64_t best = -1, bestCost = 0;
    if (rowOk)
      best = 0, bestCost = rowCost;
    if (colOk && (best < 0 || colCost < bestCost))
      best = 1, bestCost = colCost;
    if (kOk && (best < 0 || kCost < bestCost))
      best = 2, bestCost = kCost;
    if (best < 0)
      return g;
    (best == 0 ? g.rowParts : best == 1 ? g.colParts : g.kParts) *= 2;
  }
}

/// gemmSerial over a GemmGrid on our OpenMP threads (deterministic mode).
/// k pieces after the first go to scratch partials, added to c in k order.
void gridGemm(bool transA, bool transB, int64_t m, int64_t n, int64_t k,
              const float *a, int64_t lda, const float *b, int64_t ldb,
              float *c, int64_t ldc, bool accumulate);

/// c[m, n] = a[m, k] * op(b)[k, n] (+ c when `accumulate`), row-major, k >
/// 0, with our micro-kernel (AVX-512 or AVX2) and op(b) packed once
/// (CpuGemm.cpp): on our OpenMP threads, or on the calling one alone when
/// `onThisThread`. Each element's bits depend on the operands (and the
/// variant) alone, never on the thread count.
/// Deterministic mode takes it on x86-64-v4 and -v3 for an untransposed a
/// (packedGemmRuns): a transposed one (the weight gradients, dw = dy^T x)
/// ran 5-10% slower on AVX-512 than in the OpenBLAS grid, because it has to
/// be copied first. On a Zen 3 (AVX2) the v3 tile runs the layers' products
/// 1.05-1.2x OpenBLAS's Haswell kernels (docs/Performance.md), but not the
/// training head's, which stays on the grid there (CpuGradKernels.cpp,
/// headGemm).
/// CHERRY_GEMM=openblas turns it off.
void packedGemm(bool transB, int64_t m, int64_t n, int64_t k, const float *a,
                int64_t lda, const float *b, int64_t ldb, float *c, int64_t ldc,
                bool accumulate, bool onThisThread);
inline bool packedGemmRuns(bool transA) {
  return !transA && cpuVariant() != CpuVariant::Baseline && packedGemmAllowed();
}
/// Whether the training head's logits and dh take packedGemm: where it runs,
/// except on x86-64-v3 (CpuGradKernels.cpp, headGemm, says why).
inline bool trainingHeadPacked() {
  return packedGemmRuns(/*transA=*/false) && cpuVariant() != CpuVariant::V3;
}

/// A GEMM on our OpenMP threads. In deterministic mode (the default),
/// packedGemm where it runs (packedGemmRuns) and gridGemm elsewhere. Otherwise
/// each thread takes a contiguous slice of the rows of c, or of its columns
/// when there are too few rows to go round (decoding), and runs single-threaded
/// OpenBLAS on it: fewer, larger calls, but the bits of c depend on the thread
/// count.
inline void parallelGemm(bool transA, bool transB, int64_t m, int64_t n,
                         int64_t k, const float *a, int64_t lda, const float *b,
                         int64_t ldb, float *c, int64_t ldc, bool accumulate) {
  if (m <= 0 || n <= 0)
    return;
  if (k <= 0) { // BLAS would leave c alone; the product is zero.
    if (!accumulate)
      for (int64_t i = 0; i < m; ++i)
        std::fill(c + i * ldc, c + i * ldc + n, 0.0f);
    return;
  }
  if (deterministic()) {
    if (packedGemmRuns(transA))
      packedGemm(transB, m, n, k, a, lda, b, ldb, c, ldc, accumulate,
                 /*onThisThread=*/false);
    else
      gridGemm(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, accumulate);
    return;
  }
  const int nt = threadsFor(m * n * k, kGemmMinMacsPerThread);
  if (nt == 1) {
    gemmSerial(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, accumulate);
    return;
  }
  const bool splitRows = m >= nt * kGemmAlign;
#pragma omp parallel num_threads(nt)
  {
    const int64_t team = omp_get_num_threads(), tid = omp_get_thread_num();
    const int64_t extent = splitRows ? m : n;
    const int64_t slice = blockOf(extent, team, kGemmAlign);
    const int64_t begin = std::min(extent, tid * slice);
    const int64_t count = std::min(extent, begin + slice) - begin;
    if (count > 0) {
      if (splitRows)
        gemmSerial(transA, transB, count, n, k,
                   a + (transA ? begin : begin * lda), lda, b, ldb,
                   c + begin * ldc, ldc, accumulate);
      else
        gemmSerial(transA, transB, m, count, k, a, lda,
                   b + (transB ? begin * ldb : begin), ldb, c + begin, ldc,
                   accumulate);
    }
  }
}

//===----------------------------------------------------------------------===//
// Attention blocks
//===----------------------------------------------------------------------===//

/// Register tiles of the attention GEMMs (attnGemm): C is computed MR rows
/// by NV vectors of VW floats at a time, all of it in registers: on AVX-512
/// 16 of the 32 zmm registers, on AVX2 and SSE2 12 of the 16. kAttnPad is a
/// multiple of every tile's width: operands padded to it are whole tiles on
/// every variant.
template <int VectorWidth, int Rows, int Vectors> struct AttnTile {
  static constexpr int VW = VectorWidth, MR = Rows, NV = Vectors;
  static constexpr int NR = VW * NV;
};
using AttnTileV4 = AttnTile<16, 8, 2>;
using AttnTileV3 = AttnTile<8, 6, 2>;
using AttnTileBaseline = AttnTile<4, 6, 2>;
constexpr int64_t kAttnPad = 32;
static_assert(kAttnPad % AttnTileV4::NR == 0 &&
                  kAttnPad % AttnTileV3::NR == 0 &&
                  kAttnPad % AttnTileBaseline::NR == 0,
              "kAttnPad must be whole tiles on every variant");

inline int64_t padToTile(int64_t n) {
  return (n + kAttnPad - 1) / kAttnPad * kAttnPad;
}

#define CHERRY_ALWAYS_INLINE inline __attribute__((always_inline))

/// Rows of a register tile, acc[M][NV] vectors of VW floats, to c (ldc
/// apart): stored, or added to what c holds when `add` (one add per element,
/// c + acc); a row's first `cols` columns only when fewer than VW * NV.
template <int VW, int M, int NV, class V>
CHERRY_ALWAYS_INLINE void storeTile(const V (&acc)[M][NV], float *c,
                                    int64_t ldc, int64_t cols, bool add) {
  for (int i = 0; i < M; ++i) {
    float *ci = c + i * ldc;
    if (cols == VW * NV) {
      for (int n = 0; n < NV; ++n) {
        V out = acc[i][n];
        if (add) {
          V old;
          std::memcpy(&old, ci + n * VW, sizeof(V));
          out = old + out;
        }
        std::memcpy(ci + n * VW, &out, sizeof(V));
      }
    } else {
      float tmp[VW * NV];
      std::memcpy(tmp, acc[i], sizeof(tmp));
      for (int64_t e = 0; e < cols; ++e)
        ci[e] = add ? ci[e] + tmp[e] : tmp[e];
    }
  }
}

/// One register tile: c[M][cols] (ldc apart; = or += when `accumulate`) =
/// sum over p in [0, k) of a(i, p) * b[p][0 .. NR), where a(i, p) is
/// a[i * lda + p], or a[p * lda + i] when TransA. Every element of c is one
/// chain of multiply-adds over p in order (fused where the variant has FMA),
/// then at most one add into c: its bits depend on neither M nor the tile's
/// place in c. b's rows must hold NR readable floats; columns of the tile
/// past `cols` are computed but not stored.
template <class T, int M, bool TransA>
CHERRY_ALWAYS_INLINE void attnTile(int64_t k, const float *a, int64_t lda,
                                   const float *b, int64_t ldb, float *c,
                                   int64_t ldc, int64_t cols, bool accumulate) {
  typedef float V __attribute__((vector_size(T::VW * sizeof(float))));
  V acc[M][T::NV];
  for (int i = 0; i < M; ++i)
    for (int n = 0; n < T::NV; ++n)
      acc[i][n] = V{};
  for (int64_t p = 0; p < k; ++p) {
    V bv[T::NV];
    for (int n = 0; n < T::NV; ++n)
      std::memcpy(&bv[n], b + p * ldb + n * T::VW, sizeof(V));
    for (int i = 0; i < M; ++i) {
      const float x = TransA ? a[p * lda + i] : a[i * lda + p];
      for (int n = 0; n < T::NV; ++n)
        acc[i][n] += x * bv[n];
    }
  }
  storeTile<T::VW>(acc, c, ldc, cols, accumulate);
}

/// The last rows of a column of tiles: attnTile with M = rows < T::MR.
template <class T, bool TransA, int M = T::MR - 1>
CHERRY_ALWAYS_INLINE void attnTileRows(int64_t rows, int64_t k, const float *a,
                                       int64_t lda, const float *b, int64_t ldb,
                                       float *c, int64_t ldc, int64_t cols,
                                       bool accumulate) {
  if constexpr (M > 0) {
    if (rows == M)
      attnTile<T, M, TransA>(k, a, lda, b, ldb, c, ldc, cols, accumulate);
    else
      attnTileRows<T, TransA, M - 1>(rows, k, a, lda, b, ldb, c, ldc, cols,
                                     accumulate);
  }
}

/// The terms [0, k) of every tile: attnGemm's default bounds.
struct AttnAllTerms {
  int64_t k;
  std::pair<int64_t, int64_t> operator()(int64_t, int64_t, int64_t,
                                         int64_t) const {
    return {0, k};
  }
};

/// c[m][n] (= or +=) op(a)[m][k] b[k][n], row-major, on the calling thread,
/// with op(a)[i][p] = a[i * lda + p], or a[p * lda + i] when TransA. b's rows
/// must hold padToTile(n) readable floats (pad them, or n a multiple of
/// kAttnPad); c's rows are written in [0, n) only. The small GEMMs of
/// attention blocks (64 x 64 x head dim): unlike BLAS, no packing and no call
/// overhead, and each element's bits fixed by the operands alone.
///
/// Causal blocks pass `bounds`: bounds(i, rows, j, cols) = [p0, p1), the
/// terms that can be nonzero in the tile of rows [i, i + rows) and columns
/// [j, j + cols) of c (op(a) is exactly zero outside them, so that leaving
/// them out changes no bit but the sign of a zero); p0 >= p1 skips the tile,
/// whose elements then keep what they held (when not `accumulate`: whatever
/// it was, for the caller to mask).
template <class T, bool TransA, class Bounds = AttnAllTerms>
CHERRY_ALWAYS_INLINE void
attnGemm(int64_t m, int64_t n, int64_t k, const float *a, int64_t lda,
         const float *b, int64_t ldb, float *c, int64_t ldc, bool accumulate,
         Bounds bounds = AttnAllTerms{0}) {
  if constexpr (std::is_same_v<Bounds, AttnAllTerms>)
    bounds.k = k;
  for (int64_t j = 0; j < n; j += T::NR) {
    const int64_t cols = std::min<int64_t>(T::NR, n - j);
    for (int64_t i = 0; i < m; i += T::MR) {
      const int64_t rows = std::min<int64_t>(T::MR, m - i);
      const auto [p0, p1] = bounds(i, rows, j, cols);
      if (p0 >= p1)
        continue;
      const float *ai = TransA ? a + p0 * lda + i : a + i * lda + p0;
      const float *bp = b + p0 * ldb + j;
      if (rows == T::MR)
        attnTile<T, T::MR, TransA>(p1 - p0, ai, lda, bp, ldb, c + i * ldc + j,
                                   ldc, cols, accumulate);
      else
        attnTileRows<T, TransA>(rows, p1 - p0, ai, lda, bp, ldb,
                                c + i * ldc + j, ldc, cols, accumulate);
    }
  }
}

/// dst[c * ld + j] = src[j * stride + c] for j < n, c < d; columns [n, ld)
/// of each of the d rows are zero. In 8 x 8 blocks transposed in vector
/// registers (shuffles, as _MM_TRANSPOSE8_PS does); the rest one by one.
CHERRY_ALWAYS_INLINE void packTransposed(const float *src, int64_t stride,
                                         int64_t n, int64_t d, int64_t ld,
                                         float *dst) {
  typedef float V8 __attribute__((vector_size(8 * sizeof(float))));
  const int64_t n8 = n / 8 * 8, d8 = d / 8 * 8;
  for (int64_t j = 0; j < n8; j += 8) {
    for (int64_t c = 0; c < d8; c += 8) {
      V8 r[8];
      for (int x = 0; x < 8; ++x)
        std::memcpy(&r[x], src + (j + x) * stride + c, sizeof(V8));
      V8 t[8], u[8];
      for (int x = 0; x < 8; x += 2) {
        t[x] =
            __builtin_shufflevector(r[x], r[x + 1], 0, 8, 1, 9, 4, 12, 5, 13);
        t[x + 1] =
            __builtin_shufflevector(r[x], r[x + 1], 2, 10, 3, 11, 6, 14, 7, 15);
      }
      for (int x = 0; x < 8; x += 4) {
        u[x] =
            __builtin_shufflevector(t[x], t[x + 2], 0, 1, 8, 9, 4, 5, 12, 13);
        u[x + 1] =
            __builtin_shufflevector(t[x], t[x + 2], 2, 3, 10, 11, 6, 7, 14, 15);
        u[x + 2] = __builtin_shufflevector(t[x + 1], t[x + 3], 0, 1, 8, 9, 4, 5,
                                           12, 13);
        u[x + 3] = __builtin_shufflevector(t[x + 1], t[x + 3], 2, 3, 10, 11, 6,
                                           7, 14, 15);
      }
      // u[x] holds columns x and x + 4 of rows 0-3, u[x + 4] of rows 4-7.
      for (int x = 0; x < 4; ++x) {
        const V8 lo =
            __builtin_shufflevector(u[x], u[x + 4], 0, 1, 2, 3, 8, 9, 10, 11);
        const V8 hi =
            __builtin_shufflevector(u[x], u[x + 4], 4, 5, 6, 7, 12, 13, 14, 15);
        std::memcpy(dst + (c + x) * ld + j, &lo, sizeof(V8));
        std::memcpy(dst + (c + x + 4) * ld + j, &hi, sizeof(V8));
      }
    }
    for (int64_t c = d8; c < d; ++c)
      for (int64_t x = j; x < j + 8; ++x)
        dst[c * ld + x] = src[x * stride + c];
  }
  for (int64_t c = 0; c < d; ++c) {
    float *row = dst + c * ld;
    for (int64_t x = n8; x < n; ++x)
      row[x] = src[x * stride + c];
    std::fill(row + n, row + ld, 0.0f);
  }
}

/// dst[j * ld + c] = src[j * stride + c] for j < n, c < d; columns [d, ld)
/// are zero.
CHERRY_ALWAYS_INLINE void packPadded(const float *src, int64_t stride,
                                     int64_t n, int64_t d, int64_t ld,
                                     float *dst) {
  for (int64_t j = 0; j < n; ++j) {
    std::memcpy(dst + j * ld, src + j * stride,
                static_cast<size_t>(d) * sizeof(float));
    std::fill(dst + j * ld + d, dst + (j + 1) * ld, 0.0f);
  }
}

/// Query rows one work item handles (their packed Q^T is reused across every
/// key block), and keys scored per step.
constexpr int64_t kAttnQueryBlock = 64;
constexpr int64_t kAttnKeyBlock = 64;
/// Softmax loops run over a multiple of this many keys (masked past the last
/// visible one) so that they have no scalar remainder on any vector width.
constexpr int64_t kAttnLanes = 16;

inline int64_t roundUpToLanes(int64_t n) {
  return (n + kAttnLanes - 1) / kAttnLanes * kAttnLanes;
}

/// a0[e] (and a1[e] when two rows) += sum over j in [j0, j1) of p[j] *
/// v_j[e]: four keys per pass over the head dim, each V load shared by both
/// rows.
template <bool TwoRows>
inline void accumulatePV(const float *p0, const float *p1, const float *v,
                         int64_t stride, int64_t d, int64_t j0, int64_t j1,
                         float *a0, float *a1) {
  int64_t j = j0;
  for (; j + 4 <= j1; j += 4) {
    const float *v0 = v + j * stride, *v1 = v0 + stride, *v2 = v1 + stride,
                *v3 = v2 + stride;
    const float x0 = p0[j], x1 = p0[j + 1], x2 = p0[j + 2], x3 = p0[j + 3];
    const float y0 = TwoRows ? p1[j] : 0.0f, y1 = TwoRows ? p1[j + 1] : 0.0f,
                y2 = TwoRows ? p1[j + 2] : 0.0f,
                y3 = TwoRows ? p1[j + 3] : 0.0f;
#pragma omp simd
    for (int64_t e = 0; e < d; ++e) {
      a0[e] += x0 * v0[e] + x1 * v1[e] + x2 * v2[e] + x3 * v3[e];
      if (TwoRows)
        a1[e] += y0 * v0[e] + y1 * v1[e] + y2 * v2[e] + y3 * v3[e];
    }
  }
  for (; j < j1; ++j) {
    const float *vj = v + j * stride;
    const float x = p0[j], y = TwoRows ? p1[j] : 0.0f;
#pragma omp simd
    for (int64_t e = 0; e < d; ++e) {
      a0[e] += x * vj[e];
      if (TwoRows)
        a1[e] += y * vj[e];
    }
  }
}

//===----------------------------------------------------------------------===//
// RoPE
//===----------------------------------------------------------------------===//

/// Hugging Face: inv_freq = 1.0 / (base ** (arange(0, dim, 2).float() /
/// dim)), freqs = inv_freq * position, cos/sin of those, all float32. Rows
/// [0, count) of cosT/sinT ([count, headDim / 2]) get positions p0 .. p0 +
/// count - 1.
inline void computeRopeTables(int64_t p0, int64_t count, int64_t headDim,
                              double theta, float *cosT, float *sinT) {
  const int64_t half = headDim / 2;
  std::vector<float> invFreq(half);
  const float base = static_cast<float>(theta);
  for (int64_t i = 0; i < half; ++i)
    invFreq[i] = 1.0f / std::pow(base, static_cast<float>(2 * i) /
                                           static_cast<float>(headDim));
  const int nt = threadsFor(count * half, 4096);
#pragma omp parallel for num_threads(nt) if (nt > 1) schedule(static)
  for (int64_t t = 0; t < count; ++t) {
    const float pos = static_cast<float>(p0 + t);
    for (int64_t i = 0; i < half; ++i) {
      const float angle = pos * invFreq[i];
      cosT[t * half + i] = std::cos(angle);
      sinT[t * half + i] = std::sin(angle);
    }
  }
}

/// Tables of positions [0, kRopeCacheMaxFloats / (headDim / 2)) are kept
/// (per thread, for one head dim and theta) across calls; calls past that
/// compute their own.
constexpr int64_t kRopeCacheMaxFloats = int64_t(1) << 21;

/// cos and sin, [seq, headDim / 2] each, of the angles of positions
/// positionOffset .. positionOffset + seq - 1: rows of the kept tables (grown
/// to the next power of two of positions when a call needs more, so that
/// every step of a training run and of a decode after the first few reads
/// them without computing a sine), or computed into `own*`. A position's
/// angles are the same floats either way.
struct RopeTables {
  const float *cosT = nullptr, *sinT = nullptr;
  std::vector<float> ownCos, ownSin;
};

inline void ropeTables(int64_t seq, int64_t headDim, double theta,
                       int64_t positionOffset, RopeTables &out) {
  struct Kept {
    int64_t headDim = 0;
    double theta = 0;
    int64_t positions = 0;
    std::vector<float> cosT, sinT;
  };
  thread_local Kept kept;
  const int64_t half = headDim / 2, end = positionOffset + seq;
  if (positionOffset < 0 || end * half > kRopeCacheMaxFloats) {
    out.ownCos.resize(seq * half);
    out.ownSin.resize(seq * half);
    computeRopeTables(positionOffset, seq, headDim, theta, out.ownCos.data(),
                      out.ownSin.data());
    out.cosT = out.ownCos.data();
    out.sinT = out.ownSin.data();
    return;
  }
  if (kept.headDim != headDim || kept.theta != theta || kept.positions < end) {
    int64_t positions = 64;
    while (positions < end)
      positions *= 2;
    positions = std::max(end, std::min(positions, kRopeCacheMaxFloats / half));
    kept.headDim = headDim;
    kept.theta = theta;
    kept.positions = positions;
    kept.cosT.resize(positions * half);
    kept.sinT.resize(positions * half);
    computeRopeTables(0, positions, headDim, theta, kept.cosT.data(),
                      kept.sinT.data());
  }
  out.cosT = kept.cosT.data() + positionOffset * half;
  out.sinT = kept.sinT.data() + positionOffset * half;
}

/// The tables of n gathered rows at `positions` (each >= 0): row r's angles
/// are row `row[r]` of `tables`, those of ropeTables over [0, max + 1)
/// (row[r] = positions[r]) when they fit the kept ones, else tables of the
/// rows' own positions (row[r] = r). The same bits either way.
struct GatheredRopeTables {
  RopeTables tables;
  std::vector<int32_t> ownRow;
  const int32_t *row = nullptr;
};

inline void gatheredRopeTables(const int32_t *positions, int64_t n,
                               int64_t headDim, double theta,
                               GatheredRopeTables &out) {
  const int64_t half = headDim / 2;
  int64_t end = 0;
  for (int64_t r = 0; r < n; ++r)
    end = std::max<int64_t>(end, int64_t(positions[r]) + 1);
  if (end * half <= kRopeCacheMaxFloats) {
    ropeTables(end, headDim, theta, 0, out.tables);
    out.row = positions;
    return;
  }
  out.tables.ownCos.resize(n * half);
  out.tables.ownSin.resize(n * half);
  out.ownRow.resize(n);
  for (int64_t r = 0; r < n; ++r) {
    computeRopeTables(positions[r], 1, headDim, theta,
                      out.tables.ownCos.data() + r * half,
                      out.tables.ownSin.data() + r * half);
    out.ownRow[r] = static_cast<int32_t>(r);
  }
  out.tables.cosT = out.tables.ownCos.data();
  out.tables.sinT = out.tables.ownSin.data();
  out.row = out.ownRow.data();
}

/// y = rot(x) over `rows` gathered rows at `positions` (ropeGathered and
/// ropeGradGathered): `rotate(r0, r1, cosT, sinT, row)` turns rows [r0, r1)
/// with gatheredRopeTables' tables; with nothing to turn, y = x.
template <typename Rotate>
void rotateGathered(const float *x, const int32_t *positions, float *y,
                    int64_t rows, int64_t heads, int64_t headDim, double theta,
                    Rotate rotate) {
  if (rows <= 0 || heads <= 0 || headDim / 2 <= 0) {
    if (y != x && rows > 0 && heads > 0)
      std::memmove(y, x,
                   static_cast<size_t>(rows * heads * headDim) * sizeof(float));
    return;
  }
  GatheredRopeTables tables;
  gatheredRopeTables(positions, rows, headDim, theta, tables);
  forEachRowChunk(rows, heads * headDim, [&](int64_t r0, int64_t r1) {
    rotate(r0, r1, tables.tables.cosT, tables.tables.sinT, tables.row);
  });
}

/// Gathered query rows ([batch, rows] positions) in position order: a
/// stable sort within each batch, for the attention kernels' masks, which
/// assume it. sorted() when they are already (a selection's positions
/// ascend; a mask selection's unused slots, at position 0, come last): then
/// nothing is copied.
class GatheredOrder {
public:
  GatheredOrder(const int32_t *positions, int64_t batch, int64_t rows)
      : batch(batch), rows(rows), given(positions) {
    for (int64_t b = 0; b < batch && inOrder; ++b)
      inOrder =
          std::is_sorted(positions + b * rows, positions + (b + 1) * rows);
    if (inOrder)
      return;
    from.resize(batch * rows);
    sortedAt.resize(batch * rows);
    for (int64_t b = 0; b < batch; ++b) {
      int64_t *f = from.data() + b * rows;
      const int32_t *p = positions + b * rows;
      std::iota(f, f + rows, int64_t(0));
      std::stable_sort(f, f + rows,
                       [&](int64_t x, int64_t y) { return p[x] < p[y]; });
      for (int64_t i = 0; i < rows; ++i)
        sortedAt[b * rows + i] = p[f[i]];
    }
  }
  bool sorted() const { return inOrder; }
  /// The positions in sorted order, [batch, rows].
  const int32_t *positions() const { return inOrder ? given : sortedAt.data(); }
  /// Unsorted only: row i of batch b of dst is row from[b, i] of src (rows
  /// of `width`).
  void gather(const float *src, int64_t width, float *dst) const {
    for (int64_t r = 0; r < batch * rows; ++r)
      std::copy_n(src + (r - r % rows + from[r]) * width, width,
                  dst + r * width);
  }
  /// The inverse of gather.
  void scatter(const float *src, int64_t width, float *dst) const {
    for (int64_t r = 0; r < batch * rows; ++r)
      std::copy_n(src + r * width, width,
                  dst + (r - r % rows + from[r]) * width);
  }
  /// gather and scatter of per-row statistics laid out [batch, heads, rows].
  void gatherStats(const float *src, int64_t heads, float *dst) const {
    for (int64_t b = 0; b < batch; ++b)
      for (int64_t h = 0; h < heads; ++h)
        for (int64_t i = 0; i < rows; ++i)
          dst[(b * heads + h) * rows + i] =
              src[(b * heads + h) * rows + from[b * rows + i]];
  }
  void scatterStats(const float *src, int64_t heads, float *dst) const {
    for (int64_t b = 0; b < batch; ++b)
      for (int64_t h = 0; h < heads; ++h)
        for (int64_t i = 0; i < rows; ++i)
          dst[(b * heads + h) * rows + from[b * rows + i]] =
              src[(b * heads + h) * rows + i];
  }

private:
  int64_t batch, rows;
  const int32_t *given;
  bool inOrder = true;
  std::vector<int64_t> from;
  std::vector<int32_t> sortedAt;
};

} // namespace cherry::runtime::cpu::detail

#endif // CHERRY_RUNTIME_LIB_CPU_CPUCOMMON_H
