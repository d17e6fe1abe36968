//===- CpuGemm.cpp - The CPU kernels' matrix products ---------------------===//
//
// c (= or +=) a op(b), row-major, on our OpenMP threads: in deterministic
// mode (the default) on x86-64-v4 and x86-64-v3, the GEMMs of linear, its
// input gradient, the head's logits and dh (the training head's on
// x86-64-v4 only: CpuGradKernels.cpp, headGemm), and the experts' forward
// products. Transposed a (weight gradients), the baseline variant and
// `--no-deterministic` call OpenBLAS (CpuCommon.h, packedGemmRuns says why).
// Each variant has its own register tile, k block and pass size (GemmTileV4,
// GemmTileV3); the bits depend on the k block, so v4 and v3 may differ in
// the last bits, as they do from the OpenBLAS grid.
//
// OpenBLAS packs both operands in every call, and its bits stay put only
// when the cut of a GEMM into calls is fixed, so the deterministic grid
// (gridGemm) packs b once per part; with beta 0 it also zeroes c before
// adding to it. Here op(b) is packed once, in panels of NR columns, a is
// read in place (MR rows at a time, each element broadcast), and the first
// block of k stores to c. Three schedules: products with many rows share one
// packed op(b) between all threads (sharedPackGemm); long reductions onto
// few rows compute k blocks in parallel, each with its own pack, and add
// them in order (blockwiseGemm); other products of few rows give each
// thread whole column panels to pack and compute alone (panelwiseGemm).
//
// Bits: every element of c is the sum of k in blocks of kGemmKBlock, each
// block one chain of fused multiply-adds in k order started from zero, the
// blocks added to c in order. Nothing else enters, so the bits depend on
// the operands alone: not on the thread count, the schedule, the tile an
// element falls in, or how the work is cut.
//
//===----------------------------------------------------------------------===//

#include "CpuCommon.h"

namespace cherry::runtime::cpu::detail {

namespace {

/// k is summed in blocks of this many terms (the bits depend on it; see the
/// file comment): a block's panel of b, kGemmKBlock x NR floats, stays in L2
/// while the rows of a stream past it.
constexpr int64_t kGemmKBlock = 512;
/// Rows of c one piece of work covers at most (a multiple of MR): the rows
/// of a it reads, kGemmRowBlock x kGemmKBlock floats, stay in L2 across the
/// piece's panels.
constexpr int64_t kGemmRowBlock = 96;
/// Pieces per thread a product is cut into when it is big enough: threads
/// take them as they come free, so one that is descheduled, or finishes
/// late, leaves less behind.
constexpr int64_t kGemmPiecesPerThread = 4;
/// k blocks a thread's pieces cover in one wave of blockwiseGemm, whose
/// buffers hold a wave's block products: at most kGemmWaveFloats (16 MiB),
/// or the product takes the shared passes.
constexpr int64_t kGemmWaveBlocksPerThread = 2;
constexpr int64_t kGemmWaveFloats = int64_t(1) << 22;
/// Floats of packed b one pass holds (4 MiB): the columns and k blocks a
/// pass covers are packed by all threads, then read by every piece of the
/// pass from cache, and the next pass packs over them.
constexpr int64_t kGemmPassFloats = int64_t(1) << 20;
/// Products of at most this many rows take panelwiseGemm when they have two
/// panels a thread (and a panel's pack fits kGemmPassFloats): 1.2-1.3x the
/// shared passes at 304 rows, level at 1024, 0.9-1.0x at 2048.
constexpr int64_t kGemmFewRows = 512;
/// x86-64-v3's k block and pass: Zen 3's L1 (32 KiB) holds a panel of 256
/// k x 16 columns, not 512, and its L2 (512 KiB) a quarter of a 4 MiB pass.
constexpr int64_t kGemmKBlockV3 = 256;
constexpr int64_t kGemmPassFloatsV3 = int64_t(1) << 18;

/// The micro-kernel's register tile: MR rows of c by NV vectors of VW
/// floats, 24 of the 32 zmm registers. Columns come in panels of NR = VW *
/// NV; the last panel of a row may take fewer vectors.
struct GemmTileV4 {
  static constexpr int VW = 16, MR = 8, NV = 3;
  static constexpr int NR = VW * NV;
  static constexpr int64_t KB = kGemmKBlock, PassFloats = kGemmPassFloats;
  /// k blocks a product needs before blockwiseGemm takes it.
  static constexpr int64_t BlockwiseMinBlocks = 2;
};
/// The AVX2 tile: 6 rows by 2 vectors of 8 floats, 12 of the 16 ymm
/// registers (two more hold the panel's row, one the broadcast element).
struct GemmTileV3 {
  static constexpr int VW = 8, MR = 6, NV = 2;
  static constexpr int NR = VW * NV;
  static constexpr int64_t KB = kGemmKBlockV3, PassFloats = kGemmPassFloatsV3;
  /// With k blocks of 256, an SGT step's 304 x 256 x 688 products (the
  /// selected rows' down projection and the input gradient of their gate
  /// and up) have 3 blocks, which two threads share 2 to 1: 4 blocks or
  /// more, or panelwiseGemm, which ran them 1.23-1.28x faster
  /// (cherry-kernel-bench BM_Linear/m:304/n:256/k:688 and
  /// BM_LinearGradInput/m:304/n:688/k:256, 5 alternated rounds, Zen 3).
  static constexpr int64_t BlockwiseMinBlocks = 4;
};

inline int64_t roundUp(int64_t n, int64_t to) { return ceilDiv(n, to) * to; }

/// c[M][cols] (ldc apart; = or += when `add`) = sum over p in [0, kc) of
/// a[i * lda + p] * panel[p][0 .. NVv * VW). Columns past `cols` are
/// computed from the panel's zero padding and not stored.
template <class T, int M, int NVv>
CHERRY_ALWAYS_INLINE void gemmTile(int64_t kc, const float *a, int64_t lda,
                                   const float *panel, float *c, int64_t ldc,
                                   int64_t cols, bool add) {
  typedef float V __attribute__((vector_size(T::VW * sizeof(float))));
  V acc[M][NVv];
  for (int i = 0; i < M; ++i)
    for (int n = 0; n < NVv; ++n)
      acc[i][n] = V{};
  for (int64_t p = 0; p < kc; ++p) {
    V bv[NVv];
    for (int n = 0; n < NVv; ++n)
      std::memcpy(&bv[n], panel + p * T::NR + n * T::VW, sizeof(V));
    for (int i = 0; i < M; ++i) {
      const float x = a[i * lda + p];
      for (int n = 0; n < NVv; ++n)
        acc[i][n] += x * bv[n];
    }
  }
  storeTile<T::VW>(acc, c, ldc, cols, add);
}

/// gemmTile with the vector count of a panel's `cols` columns.
template <class T, int M, int NVv = T::NV>
CHERRY_ALWAYS_INLINE void gemmTileCols(int64_t kc, const float *a, int64_t lda,
                                       const float *panel, float *c,
                                       int64_t ldc, int64_t cols, bool add) {
  if constexpr (NVv > 1) {
    if (cols <= (NVv - 1) * T::VW)
      return gemmTileCols<T, M, NVv - 1>(kc, a, lda, panel, c, ldc, cols, add);
  }
  gemmTile<T, M, NVv>(kc, a, lda, panel, c, ldc, cols, add);
}

/// gemmTileCols with M = rows <= T::MR.
template <class T, int M = T::MR>
CHERRY_ALWAYS_INLINE void gemmTileRows(int64_t rows, int64_t kc, const float *a,
                                       int64_t lda, const float *panel,
                                       float *c, int64_t ldc, int64_t cols,
                                       bool add) {
  if constexpr (M > 1) {
    if (rows < M)
      return gemmTileRows<T, M - 1>(rows, kc, a, lda, panel, c, ldc, cols, add);
  }
  gemmTileCols<T, M>(kc, a, lda, panel, c, ldc, cols, add);
}

/// One pass's packed op(b): columns [c0, c0 + cols) of the k blocks [kb0,
/// kb1). Panel q of block kb (rows [kb * kGemmKBlock, ...) of op(b)) is at
/// data + (kb - kb0) * kGemmKBlock * width + q * kc * NR, its rows NR floats
/// apart, zero past the last column.
struct PackedB {
  float *data;
  int64_t c0, cols, width; // width: cols rounded up to NR
  int64_t kb0, kb1;
};

inline int64_t blocksOf(const PackedB &pb) { return pb.kb1 - pb.kb0; }

template <class T>
CHERRY_ALWAYS_INLINE float *panelOf(const PackedB &pb, int64_t kb, int64_t q,
                                    int64_t kc) {
  return pb.data + (kb - pb.kb0) * T::KB * pb.width + q * kc * T::NR;
}

/// Packs panel q of k block kb of op(b) (columns c0 + q * NR ..).
template <class T>
CHERRY_CPU_BODY void gemmPackPanelBody(bool transB, const float *b, int64_t ldb,
                                       int64_t k, const PackedB &pb, int64_t kb,
                                       int64_t q) {
  constexpr int64_t NR = T::NR;
  const int64_t p0 = kb * T::KB, kc = std::min(T::KB, k - p0);
  const int64_t j0 = pb.c0 + q * NR, cols = std::min(NR, pb.c0 + pb.cols - j0);
  float *dst = panelOf<T>(pb, kb, q, kc);
  if (transB) {
    // op(b)(p, j) = b[j * ldb + p]: a transpose of cols rows of b.
    packTransposed(b + j0 * ldb + p0, ldb, cols, kc, NR, dst);
    return;
  }
  const float *src = b + p0 * ldb + j0;
  if (cols == NR) // a fixed size: moves, not a call
    for (int64_t p = 0; p < kc; ++p)
      std::memcpy(dst + p * NR, src + p * ldb, NR * sizeof(float));
  else
    for (int64_t p = 0; p < kc; ++p) {
      std::copy_n(src + p * ldb, cols, dst + p * NR);
      std::fill(dst + p * NR + cols, dst + (p + 1) * NR, 0.0f);
    }
}

/// Rows [r0, r1) and panels [q0, q1) of c from one pass's packed op(b): for
/// each of its k blocks in order, each panel, each MR rows of a, read in
/// place (each row walked along k).
template <class T>
CHERRY_CPU_BODY void gemmPieceBody(const float *a, int64_t lda, int64_t k,
                                   const PackedB &pb, float *c, int64_t ldc,
                                   bool accumulate, int64_t r0, int64_t r1,
                                   int64_t q0, int64_t q1) {
  for (int64_t kb = pb.kb0; kb < pb.kb1; ++kb) {
    const int64_t p0 = kb * T::KB, kc = std::min(T::KB, k - p0);
    // The first block stores unless the piece adds to c (the caller's
    // `accumulate`, or blocks before this pass); later ones add.
    const bool add = accumulate || kb > pb.kb0;
    for (int64_t q = q0; q < q1; ++q) {
      const float *panel = panelOf<T>(pb, kb, q, kc);
      const int64_t j = pb.c0 + q * T::NR;
      const int64_t cols = std::min<int64_t>(T::NR, pb.c0 + pb.cols - j);
      for (int64_t i = r0; i < r1; i += T::MR) {
        const int64_t rows = std::min<int64_t>(T::MR, r1 - i);
        const float *ai = a + i * lda + p0;
        float *ci = c + i * ldc + j;
        if (rows == T::MR)
          gemmTileCols<T, T::MR>(kc, ai, lda, panel, ci, ldc, cols, add);
        else
          gemmTileRows<T>(rows, kc, ai, lda, panel, ci, ldc, cols, add);
      }
    }
  }
}

/// The bodies built for each tile's instruction set: T is GemmTileV4 on
/// x86-64-v4, GemmTileV3 on x86-64-v3. Within a variant each element is one
/// chain of fused multiply-adds per k block whatever the schedule; the two
/// variants' k blocks differ, so their bits may too.
template <typename... Args>
CHERRY_TARGET_V4 void gemmPackPanelV4(Args &&...args) {
  gemmPackPanelBody<GemmTileV4>(std::forward<Args>(args)...);
}
template <typename... Args>
CHERRY_TARGET_V3 void gemmPackPanelV3(Args &&...args) {
  gemmPackPanelBody<GemmTileV3>(std::forward<Args>(args)...);
}
template <class T, typename... Args> void gemmPackPanel(Args &&...args) {
  if constexpr (std::is_same_v<T, GemmTileV4>)
    gemmPackPanelV4(std::forward<Args>(args)...);
  else
    gemmPackPanelV3(std::forward<Args>(args)...);
}
template <typename... Args> CHERRY_TARGET_V4 void gemmPieceV4(Args &&...args) {
  gemmPieceBody<GemmTileV4>(std::forward<Args>(args)...);
}
template <typename... Args> CHERRY_TARGET_V3 void gemmPieceV3(Args &&...args) {
  gemmPieceBody<GemmTileV3>(std::forward<Args>(args)...);
}
template <class T, typename... Args> void gemmPiece(Args &&...args) {
  if constexpr (std::is_same_v<T, GemmTileV4>)
    gemmPieceV4(std::forward<Args>(args)...);
  else
    gemmPieceV3(std::forward<Args>(args)...);
}

/// c[i] += x[i]: a block's product added to c, as a tile adds it.
void gemmAddRow(float *c, const float *x, int64_t n) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i)
    c[i] = c[i] + x[i];
}

/// Products with many rows (linear, its input gradient, the head's logits):
/// passes of packed op(b) shared by every thread, the rows of c cut into
/// pieces.
template <class T>
void sharedPackGemm(bool transB, int64_t m, int64_t n, int64_t k,
                    const float *a, int64_t lda, const float *b, int64_t ldb,
                    float *c, int64_t ldc, bool accumulate, int nt) {
  constexpr int64_t mr = T::MR, nr = T::NR;
  const int64_t kBlocks = ceilDiv(k, T::KB);
  // A pass: as many whole k blocks of all the columns as fit in
  // kGemmPassFloats, or else one k block of as many panels as fit (at least
  // one).
  const int64_t width = roundUp(n, nr);
  const int64_t firstKc = std::min(k, T::KB);
  const int64_t passCols =
      std::clamp(T::PassFloats / firstKc / nr * nr, nr, width);
  const int64_t passBlocks =
      passCols < width ? 1
                       : std::max<int64_t>(1, T::PassFloats / (T::KB * width));
  // Owned by the calling thread, shared with its team for the call; kept
  // across calls (a fresh buffer would be page-faulted in every time).
  thread_local std::vector<float> packBuffer;
  const size_t packFloats =
      static_cast<size_t>(std::min(passBlocks * T::KB, k) * passCols);
  if (packBuffer.size() < packFloats)
    packBuffer.resize(packFloats);
  float *packed = packBuffer.data();

  const int64_t wanted = nt > 1 ? kGemmPiecesPerThread * nt : 1;
  const int64_t maxRowBlock = kGemmRowBlock / mr * mr;

#pragma omp parallel num_threads(nt) if (nt > 1)
  {
    for (int64_t c0 = 0; c0 < n; c0 += passCols)
      for (int64_t kb0 = 0; kb0 < kBlocks; kb0 += passBlocks) {
        const int64_t cols = std::min(passCols, n - c0);
        const PackedB pb{packed, c0,
                         cols,   roundUp(cols, nr),
                         kb0,    std::min(kBlocks, kb0 + passBlocks)};
        const int64_t panels = pb.width / nr;
        // Pieces of rows x panels, kGemmPiecesPerThread a thread. A piece
        // reads its rows of a and its panels of packed b, so cutting the
        // rows finer reads the pass's b once more per row block, cutting
        // the panels reads a once more per cut: the cheaper doubles, from
        // row blocks of at most kGemmRowBlock rows. How the work is cut
        // changes no bit.
        int64_t rowBlock = std::min(roundUp(m, mr), maxRowBlock);
        int64_t panelCuts = 1;
        const int64_t passK = std::min(k - kb0 * T::KB, blocksOf(pb) * T::KB);
        const int64_t aFloats = m * passK, bFloats = passK * pb.width;
        while (ceilDiv(m, rowBlock) * panelCuts < wanted) {
          const bool rowsOk = rowBlock >= 2 * mr;
          const bool panelsOk = panels >= panelCuts * 2;
          if (rowsOk && (!panelsOk ||
                         ceilDiv(m, rowBlock) * bFloats <= panelCuts * aFloats))
            rowBlock = roundUp(ceilDiv(rowBlock, 2), mr);
          else if (panelsOk)
            panelCuts *= 2;
          else
            break;
        }
        const int64_t rowBlocks = ceilDiv(m, rowBlock);
        const int64_t panelsPerCut = ceilDiv(panels, panelCuts);
#pragma omp for schedule(dynamic, 1)
        for (int64_t t = 0; t < blocksOf(pb) * panels; ++t)
          gemmPackPanel<T>(transB, b, ldb, k, pb, pb.kb0 + t / panels,
                           t % panels);
      // The implied barrier: every panel is packed before any is read.
#pragma omp for schedule(dynamic, 1)
        for (int64_t t = 0; t < rowBlocks * panelCuts; ++t) {
          const int64_t rb = t / panelCuts, pc = t % panelCuts;
          const int64_t r0 = rb * rowBlock, r1 = std::min(m, r0 + rowBlock);
          const int64_t q0 = pc * panelsPerCut,
                        q1 = std::min(panels, q0 + panelsPerCut);
          if (q0 < q1)
            gemmPiece<T>(a, lda, k, pb, c, ldc, accumulate || kb0 > 0, r0, r1,
                         q0, q1);
        }
        // And another: the pass is done before the next packs over it.
      }
  }
}

/// Long reductions onto few rows (the head's dh = G w: 512 rows, k the
/// vocabulary): each piece is one k block's product for some rows, with its
/// own packed block of op(b), written to that block's buffer; the blocks are
/// then added to c in k order, kGemmWaveBlocksPerThread a thread at a time. The
/// same arithmetic, in the same order, as a pass does, so the same bits; but no
/// thread reads what another packed (on a VM's vCPUs, possibly another cache).
template <class T>
void blockwiseGemm(bool transB, int64_t m, int64_t n, int64_t k, const float *a,
                   int64_t lda, const float *b, int64_t ldb, float *c,
                   int64_t ldc, bool accumulate, int nt) {
  constexpr int64_t mr = T::MR, nr = T::NR;
  const int64_t kBlocks = ceilDiv(k, T::KB), width = roundUp(n, nr);
  const int64_t wave =
      std::min<int64_t>(kBlocks, kGemmWaveBlocksPerThread * nt);
  // Rows are cut only when a wave's blocks do not go round the threads:
  // each cut packs the block of op(b) once more.
  const int64_t rowParts =
      std::clamp<int64_t>(ceilDiv(nt, wave), 1, ceilDiv(m, mr));
  const int64_t rowBlock = roundUp(ceilDiv(m, rowParts), mr);
  thread_local std::vector<float> blockBuffer;
  if (blockBuffer.size() < static_cast<size_t>(wave * m * n))
    blockBuffer.resize(wave * m * n);
  float *blocks = blockBuffer.data();
#pragma omp parallel num_threads(nt) if (nt > 1)
  {
    thread_local std::vector<float> packBuffer;
    if (packBuffer.size() < static_cast<size_t>(T::KB * width))
      packBuffer.resize(T::KB * width);
    for (int64_t w0 = 0; w0 < kBlocks; w0 += wave) {
      const int64_t nb = std::min(wave, kBlocks - w0);
#pragma omp for schedule(dynamic, 1)
      for (int64_t t = 0; t < nb * rowParts; ++t) {
        const int64_t kb = w0 + t / rowParts, rp = t % rowParts;
        const PackedB pb{packBuffer.data(), 0, n, width, kb, kb + 1};
        for (int64_t q = 0; q < width / nr; ++q)
          gemmPackPanel<T>(transB, b, ldb, k, pb, kb, q);
        float *out = blocks + (kb - w0) * m * n;
        const int64_t r1 = std::min(m, (rp + 1) * rowBlock);
        for (int64_t r0 = rp * rowBlock; r0 < r1; r0 += kGemmRowBlock)
          gemmPiece<T>(a, lda, k, pb, out, n, /*accumulate=*/false, r0,
                       std::min(r1, r0 + kGemmRowBlock), 0, width / nr);
      }
      // c = c + block, block after block, row by row.
#pragma omp for schedule(dynamic, 1)
      for (int64_t r = 0; r < m; ++r)
        for (int64_t j = 0; j < nb; ++j) {
          const float *row = blocks + j * m * n + r * n;
          if (w0 + j == 0 && !accumulate)
            std::copy(row, row + n, c + r * ldc);
          else
            gemmAddRow(c + r * ldc, row, n);
        }
    }
  }
}

/// Products with few rows (an SGT step's last layer, 304 rows x a layer's
/// width): here packing op(b) is a large share of the work (a sixth at 304
/// rows), and a pass's panels packed by one thread and read by another cross
/// between the vCPUs' caches on every call. So each piece is one panel of c's
/// columns, all rows: the thread that takes it packs that panel (every k
/// block) into its own buffer and reads it alone, and a, which every piece
/// reads, stays in each thread's cache.
template <class T>
void panelwiseGemm(bool transB, int64_t m, int64_t n, int64_t k, const float *a,
                   int64_t lda, const float *b, int64_t ldb, float *c,
                   int64_t ldc, bool accumulate, int nt) {
  constexpr int64_t nr = T::NR;
  const int64_t kBlocks = ceilDiv(k, T::KB), panels = ceilDiv(n, nr);
#pragma omp parallel num_threads(nt) if (nt > 1)
  {
    thread_local std::vector<float> packBuffer;
    if (packBuffer.size() < static_cast<size_t>(kBlocks * T::KB * nr))
      packBuffer.resize(kBlocks * T::KB * nr);
#pragma omp for schedule(dynamic, 1)
    for (int64_t q = 0; q < panels; ++q) {
      const int64_t c0 = q * nr, cols = std::min(nr, n - c0);
      const PackedB pb{packBuffer.data(), c0, cols, nr, 0, kBlocks};
      for (int64_t kb = 0; kb < kBlocks; ++kb)
        gemmPackPanel<T>(transB, b, ldb, k, pb, kb, int64_t(0));
      for (int64_t r0 = 0; r0 < m; r0 += kGemmRowBlock)
        gemmPiece<T>(a, lda, k, pb, c, ldc, accumulate, r0,
                     std::min(m, r0 + kGemmRowBlock), int64_t(0), int64_t(1));
    }
  }
}

/// The schedule for the product (all give the same bits: the choice is
/// speed only, and memory: a wave's block products must fit
/// kGemmWaveFloats), with tile T.
template <class T>
void packedGemmWith(bool transB, int64_t m, int64_t n, int64_t k,
                    const float *a, int64_t lda, const float *b, int64_t ldb,
                    float *c, int64_t ldc, bool accumulate, int nt) {
  constexpr int64_t nr = T::NR;
  if (nt > 1 && k >= T::BlockwiseMinBlocks * T::KB && 2 * m <= k &&
      roundUp(n, nr) * T::KB <= T::PassFloats &&
      kGemmWaveBlocksPerThread * nt * m * n <= kGemmWaveFloats)
    blockwiseGemm<T>(transB, m, n, k, a, lda, b, ldb, c, ldc, accumulate, nt);
  else if (nt > 1 && m <= kGemmFewRows && ceilDiv(n, nr) >= 2 * nt &&
           roundUp(k, T::KB) * nr <= T::PassFloats)
    panelwiseGemm<T>(transB, m, n, k, a, lda, b, ldb, c, ldc, accumulate, nt);
  else
    sharedPackGemm<T>(transB, m, n, k, a, lda, b, ldb, c, ldc, accumulate, nt);
}

} // namespace

void packedGemm(bool transB, int64_t m, int64_t n, int64_t k, const float *a,
                int64_t lda, const float *b, int64_t ldb, float *c, int64_t ldc,
                bool accumulate, bool onThisThread) {
  const int nt =
      onThisThread ? 1 : threadsFor(m * n * k, kGemmMinMacsPerThread);
  if (cpuVariant() == CpuVariant::V4)
    packedGemmWith<GemmTileV4>(transB, m, n, k, a, lda, b, ldb, c, ldc,
                               accumulate, nt);
  else
    packedGemmWith<GemmTileV3>(transB, m, n, k, a, lda, b, ldb, c, ldc,
                               accumulate, nt);
}

} // namespace cherry::runtime::cpu::detail
