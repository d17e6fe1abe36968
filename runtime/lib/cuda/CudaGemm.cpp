//===- CudaGemm.cpp - GEMMs through cuBLASLt ------------------------------===//
//
// Every matrix product of the CUDA device: linear and its two gradients here,
// and the head's logits and gradients (CudaLoss.cu) through gemm(). Row-major
// C = op(A) op(B) is column-major C^T = op(B)^T op(A)^T, so the operands swap
// and the transposes stay. Tensors are f32 in memory in every mode; the mode
// (CHERRY_CUDA_MATMUL) picks cuBLASLt's compute type: fp32 arithmetic,
// tf32 or bf16 tensor cores with fp32 accumulation. Descriptors and the
// heuristic's algorithm are cached per shape, so a step's GEMMs cost one
// cublasLtMatmul each after the first step.
//
//===----------------------------------------------------------------------===//

#include "CudaContext.h"

#include <cublasLt.h>

#include <cstdio>
#include <map>
#include <string>
#include <tuple>
#include <utility>

namespace cherry::runtime::cuda {

namespace {

Status ltFailure(const char *what, cublasStatus_t status) {
  return Status::error(std::string("cuBLASLt ") + what + ": " +
                       cublasLtGetStatusName(status) + ": " +
                       cublasLtGetStatusString(status));
}

struct Plan {
  cublasLtMatmulDesc_t desc = nullptr;
  cublasLtMatrixLayout_t a = nullptr, b = nullptr, c = nullptr;
  cublasLtMatmulAlgo_t algo{};
};

using Key = std::tuple<bool, bool, int64_t, int64_t, int64_t, int64_t, int64_t,
                       int64_t, uint32_t>;

/// The largest power of two (at most 256) that divides `p`'s address: the
/// heuristic assumes 256-byte aligned operands unless told otherwise, and
/// a band of rows starts anywhere.
uint32_t alignmentOf(const void *p) {
  const uintptr_t a = reinterpret_cast<uintptr_t>(p);
  uint32_t align = 256;
  while (align > 4 && a % align != 0)
    align /= 2;
  return align;
}

} // namespace

class Gemm {
public:
  MatmulMode mode = MatmulMode::Fp32;
  cudaStream_t stream = nullptr;
  cublasLtHandle_t handle = nullptr;
  void *workspace = nullptr;
  static constexpr size_t kWorkspaceBytes = size_t(32) << 20;
  std::map<Key, Plan> plans;
  /// Plans that fell back to fp32 (no tensor-core algorithm).
  int fallbacks = 0;

  ~Gemm() {
    if (fallbacks > 0)
      std::fprintf(stderr,
                   "cherry-run: CUDA: %d GEMM shape%s had no %s algorithm "
                   "and ran in fp32\n",
                   fallbacks, fallbacks == 1 ? "" : "s", matmulModeName(mode));
    for (auto &[key, p] : plans) {
      cublasLtMatrixLayoutDestroy(p.a);
      cublasLtMatrixLayoutDestroy(p.b);
      cublasLtMatrixLayoutDestroy(p.c);
      cublasLtMatmulDescDestroy(p.desc);
    }
    if (workspace)
      cudaFree(workspace);
    if (handle)
      cublasLtDestroy(handle);
  }

  cublasComputeType_t computeType() const {
    switch (mode) {
    case MatmulMode::Tf32:
      return CUBLAS_COMPUTE_32F_FAST_TF32;
    case MatmulMode::Bf16:
      return CUBLAS_COMPUTE_32F_FAST_16BF;
    case MatmulMode::Fp32:
      break;
    }
    return CUBLAS_COMPUTE_32F;
  }

  /// The plan of a column-major product C[M, N] = op(X)[M, K] op(Y)[K, N].
  Status plan(bool transX, bool transY, int64_t M, int64_t N, int64_t K,
              int64_t ldx, int64_t ldy, int64_t ldc, uint32_t alignX,
              uint32_t alignY, uint32_t alignC, Context &ctx, Plan *&out) {
    const Key key{transX, transY, M,
                  N,      K,      ldx,
                  ldy,    ldc,    alignX | alignY << 9 | alignC << 18};
    auto it = plans.find(key);
    if (it != plans.end()) {
      out = &it->second;
      return Status::success();
    }
    if (Status s = ctx.notCapturable(
            "cuBLASLt picks an algorithm for a new GEMM shape", false);
        !s.ok())
      return s;
    Plan p;
    cublasStatus_t s =
        cublasLtMatmulDescCreate(&p.desc, computeType(), CUDA_R_32F);
    if (s != CUBLAS_STATUS_SUCCESS)
      return ltFailure("matmul descriptor", s);
    const cublasOperation_t opX = transX ? CUBLAS_OP_T : CUBLAS_OP_N;
    const cublasOperation_t opY = transY ? CUBLAS_OP_T : CUBLAS_OP_N;
    cublasLtMatmulDescSetAttribute(p.desc, CUBLASLT_MATMUL_DESC_TRANSA, &opX,
                                   sizeof opX);
    cublasLtMatmulDescSetAttribute(p.desc, CUBLASLT_MATMUL_DESC_TRANSB, &opY,
                                   sizeof opY);
    // Stored shapes: X is M x K (or K x M transposed), Y is K x N (N x K).
    if ((s = cublasLtMatrixLayoutCreate(&p.a, CUDA_R_32F, transX ? K : M,
                                        transX ? M : K, ldx)) !=
            CUBLAS_STATUS_SUCCESS ||
        (s = cublasLtMatrixLayoutCreate(&p.b, CUDA_R_32F, transY ? N : K,
                                        transY ? K : N, ldy)) !=
            CUBLAS_STATUS_SUCCESS ||
        (s = cublasLtMatrixLayoutCreate(&p.c, CUDA_R_32F, M, N, ldc)) !=
            CUBLAS_STATUS_SUCCESS)
      return ltFailure("matrix layout", s);
    cublasLtMatmulPreference_t pref = nullptr;
    cublasLtMatmulPreferenceCreate(&pref);
    const size_t ws = kWorkspaceBytes;
    cublasLtMatmulPreferenceSetAttribute(
        pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &ws, sizeof ws);
    for (auto [attr, value] :
         {std::pair{CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES, alignX},
          std::pair{CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES, alignY},
          std::pair{CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES, alignC},
          std::pair{CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES, alignC}})
      cublasLtMatmulPreferenceSetAttribute(pref, attr, &value, sizeof value);
    cublasLtMatmulHeuristicResult_t result{};
    int found = 0;
    s = cublasLtMatmulAlgoGetHeuristic(handle, p.desc, p.a, p.b, p.c, p.c, pref,
                                       1, &result, &found);
    if ((s != CUBLAS_STATUS_SUCCESS || found == 0) &&
        computeType() != CUBLAS_COMPUTE_32F) {
      // No tensor-core algorithm for this shape or alignment: fp32.
      cublasLtMatmulDescDestroy(p.desc);
      if ((s = cublasLtMatmulDescCreate(&p.desc, CUBLAS_COMPUTE_32F,
                                        CUDA_R_32F)) != CUBLAS_STATUS_SUCCESS)
        return ltFailure("matmul descriptor", s);
      cublasLtMatmulDescSetAttribute(p.desc, CUBLASLT_MATMUL_DESC_TRANSA, &opX,
                                     sizeof opX);
      cublasLtMatmulDescSetAttribute(p.desc, CUBLASLT_MATMUL_DESC_TRANSB, &opY,
                                     sizeof opY);
      found = 0;
      s = cublasLtMatmulAlgoGetHeuristic(handle, p.desc, p.a, p.b, p.c, p.c,
                                         pref, 1, &result, &found);
      ++fallbacks;
    }
    cublasLtMatmulPreferenceDestroy(pref);
    if (s != CUBLAS_STATUS_SUCCESS || found == 0)
      return s != CUBLAS_STATUS_SUCCESS
                 ? ltFailure("heuristic", s)
                 : Status::error("cuBLASLt has no algorithm for a " +
                                 std::to_string(M) + "x" + std::to_string(N) +
                                 "x" + std::to_string(K) + " GEMM (" +
                                 matmulModeName(mode) + ")");
    p.algo = result.algo;
    out = &plans.emplace(key, p).first->second;
    return Status::success();
  }
};

Status createGemm(MatmulMode mode, cudaStream_t stream, Gemm *&out) {
  auto *g = new Gemm;
  g->mode = mode;
  g->stream = stream;
  if (cublasStatus_t s = cublasLtCreate(&g->handle);
      s != CUBLAS_STATUS_SUCCESS) {
    delete g;
    return ltFailure("create", s);
  }
  if (cudaError_t e = cudaMalloc(&g->workspace, Gemm::kWorkspaceBytes);
      e != cudaSuccess) {
    delete g;
    return cudaFailure("cuBLASLt workspace", e);
  }
  out = g;
  return Status::success();
}

void destroyGemm(Gemm *gemm) { delete gemm; }

Status gemm(Context &ctx, bool transA, bool transB, int64_t m, int64_t n,
            int64_t k, const float *a, int64_t lda, const float *b, int64_t ldb,
            float *c, int64_t ldc, float beta) {
  if (m <= 0 || n <= 0)
    return Status::success();
  if (k <= 0) { // an empty sum: C = beta C
    if (beta == 0.0f)
      for (int64_t i = 0; i < m; ++i)
        if (cudaError_t e =
                cudaMemsetAsync(c + i * ldc, 0, n * sizeof(float), ctx.stream);
            e != cudaSuccess)
          return cudaFailure("gemm", e);
    return Status::success();
  }
  Gemm &g = *ctx.gemm;
  Plan *p = nullptr;
  // Column-major C^T[n, m] = op(B)^T[n, k] op(A)^T[k, m].
  if (Status s = g.plan(transB, transA, n, m, k, ldb, lda, ldc, alignmentOf(b),
                        alignmentOf(a), alignmentOf(c), ctx, p);
      !s.ok())
    return s;
  const float alpha = 1.0f;
  cublasStatus_t s = cublasLtMatmul(
      g.handle, p->desc, &alpha, b, p->a, a, p->b, &beta, c, p->c, c, p->c,
      &p->algo, g.workspace, Gemm::kWorkspaceBytes, ctx.stream);
  if (s != CUBLAS_STATUS_SUCCESS)
    return ltFailure("matmul", s);
  return Status::success();
}

Status run(Context &ctx, const LinearArgs &a) { // y = x w^T
  return gemm(ctx, false, true, a.m, a.n, a.k, a.x, a.k, a.w, a.k, a.y, a.n,
              0.0f);
}

Status run(Context &ctx, const LinearGradInputArgs &a) { // dx = dy w
  return gemm(ctx, false, false, a.m, a.k, a.n, a.dy, a.n, a.w, a.k, a.dx, a.k,
              0.0f);
}

Status run(Context &ctx, const LinearGradInputAddArgs &a) { // dx = acc + dy w
  return gemm(ctx, false, false, a.m, a.k, a.n, a.dy, a.n, a.w, a.k, a.dx, a.k,
              1.0f); // dx starts as a copy of acc
}

Status run(Context &ctx, const LinearGradWeightArgs &a) { // dw = dy^T x
  return gemm(ctx, true, false, a.n, a.k, a.m, a.dy, a.n, a.x, a.k, a.dw, a.k,
              0.0f);
}

} // namespace cherry::runtime::cuda
