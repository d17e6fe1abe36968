//===- CpuKernels.h - CPU kernels of the runtime ----------------*- C++ -*-===//
//
// The kernels the CPU backend runs, float32, row-major. GEMMs go through
// BLAS (OpenBLAS); the rest are our own loops, vectorized (compiled for
// several instruction sets, picked at run time) and multi-threaded with
// OpenMP. Fused where it pays: residual add + RMSNorm, SwiGLU, attention
// with an online softmax (no [seq, seq] score matrix), and the LM head +
// softmax + cross-entropy that never holds more than a block of logits.
//
// Shapes are given as element counts; activations are [rows, features] with
// rows = batch * seq. Links no MLIR or LLVM.
//
//===----------------------------------------------------------------------===//

#ifndef CHERRY_RUNTIME_CPUKERNELS_H
#define CHERRY_RUNTIME_CPUKERNELS_H

#include "cherry/Runtime/Status.h"

#include <cstdint>

namespace cherry::runtime::cpu {

/// Threads the kernels (and BLAS) use; 0 restores the default (all cores,
/// or OMP_NUM_THREADS). GEMMs run on these OpenMP threads, each calling
/// OpenBLAS on its slice; OpenBLAS's own thread pool is set to one thread
/// (two pools side by side oversubscribe the cores).
void setNumThreads(int threads);
int numThreads();

/// y[m, n] = x[m, k] * w[n, k]^T (+ y when `accumulate`). The Hugging Face
/// `nn.Linear` layout: w is [out_features, in_features].
void linear(const float *x, const float *w, float *y, int64_t m, int64_t n,
            int64_t k, bool accumulate = false);

/// out[i, :] = table[ids[i], :]. Fails naming the position and id when an id
/// is outside [0, vocab).
Status embedding(const int32_t *ids, int64_t n, const float *table,
                 int64_t vocab, int64_t dim, float *out);

/// y = x / sqrt(mean(x^2) + eps) * w over each row of `dim` elements,
/// accumulated in float32 (Hugging Face LlamaRMSNorm).
void rmsNorm(const float *x, const float *w, float *y, int64_t rows,
             int64_t dim, float eps);

/// Fused residual add + RMSNorm: residual += delta, then
/// y = rmsNorm(residual). `residual` is updated in place.
void addRmsNorm(float *residual, const float *delta, const float *w, float *y,
                int64_t rows, int64_t dim, float eps);

/// Rotary position embedding, rotate-half convention (Hugging Face Llama),
/// in place on x = [batch, seq, heads * headDim]; headDim is even. Position
/// of row t is positionOffset + t; inv_freq[i] = theta^(-2i / headDim),
/// angles computed in float32 like Hugging Face.
void rope(float *x, int64_t batch, int64_t seq, int64_t heads, int64_t headDim,
          double theta, int64_t positionOffset = 0);

/// Grouped-query attention with an online softmax, scale 1/sqrt(headDim).
///   q:   [batch, qLen, heads * headDim]
///   k,v: [batch, kvBatchStride rows, kvHeads * headDim]; the first kvLen
///        rows of each batch are used (kvBatchStride >= kvLen; a KV cache
///        passes its capacity, a training step passes kvLen)
///   out: [batch, qLen, heads * headDim]
/// Query head h reads kv head h / (heads / kvHeads); heads is a multiple of
/// kvHeads. When causal, query row t (at absolute position
/// qPositionOffset + t) sees keys 0 .. qPositionOffset + t.
void attention(const float *q, const float *k, const float *v, float *out,
               int64_t batch, int64_t qLen, int64_t kvLen,
               int64_t kvBatchStride, int64_t heads, int64_t kvHeads,
               int64_t headDim, int64_t qPositionOffset, bool causal = true);

/// out = silu(gate) * up, elementwise over n elements.
void swiglu(const float *gate, const float *up, float *out, int64_t n);

/// out = a + b over n elements (out may alias a or b).
void add(const float *a, const float *b, float *out, int64_t n);

/// Sum and count of the per-token losses of a cross-entropy.
struct LossSum {
  double sum = 0;
  int64_t count = 0;
  double mean() const { return count ? sum / count : 0.0; }
};

/// Fused LM head + log-softmax + cross-entropy: for each row r of h
/// [rows, dim], logits = h[r] * w^T (w is [vocab, dim]) and
/// loss_r = logsumexp(logits) - logits[targets[r]]. Rows whose target is
/// `ignoreIndex` add nothing. Logits are computed a block of rows at a time
/// (never all [rows, vocab] at once). `rowLoss` (optional, [rows]) receives
/// each row's loss (0 for ignored rows); `out` is overwritten with the sum
/// and count of the other rows. Fails naming the row and target when a
/// target is outside [0, vocab) and not ignoreIndex (checked before any
/// work).
Status headCrossEntropy(const float *h, const float *w, const int32_t *targets,
                        int64_t rows, int64_t vocab, int64_t dim,
                        int64_t ignoreIndex, float *rowLoss, LossSum &out);

} // namespace cherry::runtime::cpu

#endif // CHERRY_RUNTIME_CPUKERNELS_H
