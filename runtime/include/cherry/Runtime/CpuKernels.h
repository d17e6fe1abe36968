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
#include <string>
#include <vector>

namespace cherry::runtime::cpu {

/// Threads the kernels (and BLAS) use; 0 restores the default (all cores,
/// or OMP_NUM_THREADS). GEMMs run on these OpenMP threads, each calling
/// OpenBLAS on its slice; OpenBLAS's own thread pool is set to one thread
/// (two pools side by side oversubscribe the cores).
void setNumThreads(int threads);
int numThreads();

/// Deterministic mode, on by default: every kernel, GEMMs included,
/// partitions its work by the shapes alone, so results are bit-identical
/// for any thread count on the same machine and code path
/// (docs/Determinism.md). Off, a GEMM takes one slice per thread instead:
/// the bits then depend on the thread count, but a GEMM can use more than
/// the 8 threads the fixed partition feeds. Applies to calls made after it.
void setDeterministic(bool on);
bool deterministic();

/// The instruction sets our own loops are compiled for, one copy each; one
/// is picked per process. BLAS picks its own kernels (OPENBLAS_CORETYPE).
enum class CpuVariant {
  Baseline, ///< x86-64 (SSE2), or the only build on other targets
  V3,       ///< x86-64-v3: AVX2, FMA, BMI1/2
  V4,       ///< x86-64-v4: AVX-512 F/BW/CD/DQ/VL
};

/// "baseline", "x86-64-v3", "x86-64-v4".
const char *cpuVariantName(CpuVariant variant);
/// Whether this CPU (and this build) can run `variant`.
bool cpuSupports(CpuVariant variant);
/// The best variant this CPU supports.
CpuVariant detectedCpuVariant();
/// The variant a CHERRY_CPU_VARIANT value names (baseline, x86-64-v3 or v3,
/// x86-64-v4 or v4; "auto" or empty: the detected one). Fails naming the
/// value when it is none of those; says nothing about this CPU.
Status parseCpuVariant(const std::string &value, CpuVariant &variant);
/// The variant CHERRY_CPU_VARIANT asks for (baseline, x86-64-v3 or v3,
/// x86-64-v4 or v4, auto), the detected one when it is unset or "auto".
/// Fails naming the value when it is not one of those, or names a variant
/// this CPU cannot run.
Status requestedCpuVariant(CpuVariant &variant);
/// The variant the kernels run: requestedCpuVariant(), resolved on the first
/// kernel call. A bad CHERRY_CPU_VARIANT ends the process there with its
/// message (exit code 2); tools call requestedCpuVariant() first to fail
/// cleanly.
CpuVariant cpuVariant();
/// Whether deterministic mode's GEMMs may take CHERRY's packed GEMM where
/// it runs (x86-64-v4, untransposed left operand), as CHERRY_GEMM asks:
/// "packed" or unset (the default), or "openblas" (the OpenBLAS grid for
/// every GEMM). Fails naming the value when it is neither.
Status requestedPackedGemm(bool &packed);
/// requestedPackedGemm(), resolved on the first GEMM; a bad CHERRY_GEMM ends
/// the process there with its message (exit code 2), as cpuVariant() does.
bool packedGemmAllowed();
/// One line for logs and bug reports: the variant and how it was chosen,
/// the GEMM, and the BLAS library and the kernels it picked, e.g. "CPU
/// kernels x86-64-v4 (detected); GEMMs packed (OpenBLAS for transposed a);
/// OpenBLAS 0.3.21 core SkylakeX".
std::string cpuDescription();

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

/// addRmsNorm into another tensor: sum = residual + delta, y =
/// rmsNorm(sum), in one pass (no copy of residual first). Each of sum and y
/// is another tensor or exactly one of the inputs.
void addRmsNormInto(const float *residual, const float *delta, const float *w,
                    float *sum, float *y, int64_t rows, int64_t dim, float eps);

/// Rotary position embedding, rotate-half convention (Hugging Face Llama),
/// in place on x = [batch, seq, heads * headDim]; headDim is even. Position
/// of row t is positionOffset + t; inv_freq[i] = theta^(-2i / headDim),
/// angles computed in float32 like Hugging Face.
void rope(float *x, int64_t batch, int64_t seq, int64_t heads, int64_t headDim,
          double theta, int64_t positionOffset = 0);

/// rope into another tensor: y = rope(x), in one pass (no copy of x first);
/// y is another tensor or exactly x.
void ropeInto(const float *x, float *y, int64_t batch, int64_t seq,
              int64_t heads, int64_t headDim, double theta,
              int64_t positionOffset = 0);

/// rope of gathered rows: x = [rows, heads * headDim], row r at position
/// positions[r] (>= 0; the caller checks), as rope computes that position;
/// y is another tensor or exactly x.
void ropeGathered(const float *x, const int32_t *positions, float *y,
                  int64_t rows, int64_t heads, int64_t headDim, double theta);

/// Grouped-query attention with an online softmax, scale 1/sqrt(headDim).
///   q:   [batch, qLen, heads * headDim]
///   k,v: [batch, kvBatchStride rows, kvHeads * headDim]; the first kvLen
///        rows of each batch are used (kvBatchStride >= kvLen; a KV cache
///        passes its capacity, a training step passes kvLen)
///   out: [batch, qLen, heads * headDim]
/// Query head h reads kv head h / (heads / kvHeads); heads is a multiple of
/// kvHeads. When causal, query row t (at absolute position
/// qPositionOffset + t) sees keys 0 .. qPositionOffset + t. With `lse`
/// ([batch, heads, qLen]), also writes each row's log-sum-exp of its scaled
/// scores from the same online softmax (for attentionGrad's `lse`); out is
/// the same bits. In a query block of at least 8 rows (the register-tiled
/// path) lse is the bits attentionGrad would compute for it.
void attention(const float *q, const float *k, const float *v, float *out,
               int64_t batch, int64_t qLen, int64_t kvLen,
               int64_t kvBatchStride, int64_t heads, int64_t kvHeads,
               int64_t headDim, int64_t qPositionOffset, bool causal = true,
               float *lse = nullptr);

/// attention of gathered query rows: q and out [batch, rows, heads *
/// headDim], k and v [batch, seq, kvHeads * headDim]; row t of batch b is at
/// position positions[b * rows + t] (in [0, seq); the caller checks), in
/// any order, and when causal sees keys 0 .. that position. lse ([batch,
/// heads, rows]) receives each row's log-sum-exp, for attentionGradGathered.
/// A row gets the bits it gets in the attention of all seq rows when its
/// query blocks there and here (of the rows in position order) both have at
/// least 8 rows (the tiled path).
void attentionGathered(const float *q, const float *k, const float *v,
                       const int32_t *positions, float *out, float *lse,
                       int64_t batch, int64_t rows, int64_t seq, int64_t heads,
                       int64_t kvHeads, int64_t headDim, bool causal);

/// out = silu(gate) * up, elementwise over n elements.
void swiglu(const float *gate, const float *up, float *out, int64_t n);

/// out = a + b over n elements (out may alias a or b).
void add(const float *a, const float *b, float *out, int64_t n);

/// out = factor * x over n elements (out may alias x).
void scale(const float *x, float factor, float *out, int64_t n);

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

//===----------------------------------------------------------------------===//
// Backward kernels (vector-Jacobian products). `accumulate` adds into the
// gradient output instead of overwriting it (a value or weight used more
// than once: the residual stream, tied embeddings, shared recurrent layers).
//===----------------------------------------------------------------------===//

/// Gradient of linear with respect to its input: dx[m, k] (+)= dy[m, n] * w[n,
/// k]. When at most half the rows of dy (of 64 or more) are nonzero, only
/// those are multiplied (the others' rows of dx are 0, or left as they were).
void linearGradInput(const float *dy, const float *w, float *dx, int64_t m,
                     int64_t n, int64_t k, bool accumulate);

/// Gradient of linear with respect to its weight: dw[n, k] (+)= dy[m, n]^T *
/// x[m, k]. Each element sums over all m rows in one BLAS call (threads
/// split the elements, never the rows); over the nonzero rows of dy only
/// when they are at most half of 64 or more.
void linearGradWeight(const float *dy, const float *x, float *dw, int64_t m,
                      int64_t n, int64_t k, bool accumulate);

/// Gradient of embedding: dtable[vocab, dim] (+)= scatter-add of dy[n, dim]
/// rows at ids; without `accumulate`, rows no id names are zeroed.
/// Deterministic: each table row is summed by one thread, its tokens in
/// position order. Fails like embedding on an id outside [0, vocab), before
/// writing anything.
Status embeddingGrad(const int32_t *ids, const float *dy, float *dtable,
                     int64_t n, int64_t vocab, int64_t dim, bool accumulate);

/// Gradient of y = rmsNorm(x, w), with r = sqrt(mean(x^2) + eps) per row:
///   dx (+)= w dy / r - x sum(w dy x) / (dim r^3)
///   dw (+)= sum over rows of dy x / r
/// dw is summed over fixed chunks of rows, the chunks' sums added in order,
/// so the result does not depend on the thread count. dx may alias dy.
void rmsNormGrad(const float *x, const float *w, const float *dy, float *dx,
                 float *dw, int64_t rows, int64_t dim, float eps,
                 bool accumulateDx, bool accumulateDw);

/// Gradient of rope (the inverse rotation of dy: each pair turned by minus
/// the angle rope used, from the same float32 table), in place on dy =
/// [batch, seq, heads * headDim].
void ropeGrad(float *dy, int64_t batch, int64_t seq, int64_t heads,
              int64_t headDim, double theta, int64_t positionOffset = 0);

/// ropeGrad into another tensor: dx = ropeGrad(dy), in one pass (no copy of
/// dy first); dx is another tensor or exactly dy.
void ropeGradInto(const float *dy, float *dx, int64_t batch, int64_t seq,
                  int64_t heads, int64_t headDim, double theta,
                  int64_t positionOffset = 0);

/// ropeGrad of gathered rows (ropeGathered's layout and positions).
void ropeGradGathered(const float *dy, const int32_t *positions, float *dx,
                      int64_t rows, int64_t heads, int64_t headDim,
                      double theta);

/// Gradient of attentionGathered, from its output o and lse: dq [batch,
/// rows, heads * headDim] and dk, dv [batch, seq, kvHeads * headDim], all
/// overwritten (a key no row sees gets zeros); deterministic, as
/// attentionGrad.
void attentionGradGathered(const float *q, const float *k, const float *v,
                           const int32_t *positions, const float *o,
                           const float *lse, const float *dout, float *dq,
                           float *dk, float *dv, int64_t batch, int64_t rows,
                           int64_t seq, int64_t heads, int64_t kvHeads,
                           int64_t headDim, bool causal);

/// Gradient of causal (or not) grouped-query self-attention, recomputing the
/// softmax from q and k (no stored probabilities; flash-attention-2 style:
/// the row logsumexp, D = rowsum(dout * o), then per block P = exp(scale q
/// k^T - lse) and dS = P (dout v^T - D)). o is the forward's output. q, o,
/// dout, dq: [batch, seq, heads * headDim]; k, v, dk, dv: [batch, seq,
/// kvHeads * headDim]. dq, dk, dv are overwritten (dk and dv summed over
/// the query heads sharing a kv head). Deterministic: the same bits for any
/// thread count. With `lse` ([batch, heads, seq], from attention's `lse`)
/// the row log-sum-exp is read instead of recomputed: the same bits where
/// attention's query blocks have at least 8 rows.
void attentionGrad(const float *q, const float *k, const float *v,
                   const float *o, const float *dout, float *dq, float *dk,
                   float *dv, int64_t batch, int64_t seq, int64_t heads,
                   int64_t kvHeads, int64_t headDim, bool causal = true,
                   const float *lse = nullptr);

/// Gradient of out = silu(gate) * up, as PyTorch computes it: dgate = dout up
/// s (1 + gate (1 - s)) with s = sigmoid(gate), dup = dout silu(gate)
/// (overwritten).
void swigluGrad(const float *gate, const float *up, const float *dout,
                float *dgate, float *dup, int64_t n);

/// Gradient of the fused head + cross-entropy loss L = dloss * (mean over
/// the non-ignored rows of loss_r): with G = (softmax(logits) -
/// onehot(target)) * dloss / count (zero on ignored rows), dh[rows, dim] = G
/// w (overwritten) and dw[vocab, dim] (+)= G^T h. Logits are recomputed a
/// band of 32 to 512 rows at a time (as many as fit in 16 MiB), never all
/// [rows, vocab]; dw adds the bands in order, so the result does not depend
/// on the thread count. With every row ignored, dh = 0 and dw is zeroed or
/// left as it was. Fails like headCrossEntropy on a bad target, before
/// writing anything.
Status headCrossEntropyGrad(const float *h, const float *w,
                            const int32_t *targets, float dloss, float *dh,
                            float *dw, int64_t rows, int64_t vocab, int64_t dim,
                            int64_t ignoreIndex, bool accumulateDw);

/// headCrossEntropy and headCrossEntropyGrad in one pass, for training:
/// each band of logits is computed once and gives its rows' losses, then
/// (in place) their gradient, then dh and dw, so the head costs three GEMMs
/// of [rows, vocab, dim] where the two kernels take four. `loss` is the mean
/// over the non-ignored rows (0 if none), dh and dw are overwritten.
Status headCrossEntropyTrain(const float *h, const float *w,
                             const int32_t *targets, float dloss, float *loss,
                             float *dh, float *dw, int64_t rows, int64_t vocab,
                             int64_t dim, int64_t ignoreIndex);

/// Gradient of L = dloss * sum_r weights[r] * loss_r (the weighted head
/// loss of a selection): dh overwritten, dw overwritten. Rows of weight 0
/// contribute nothing and their targets are not read. Fails naming the row
/// on a target outside [0, vocab) of a weighted row or a non-finite weight.
Status headCrossEntropyWeightedGrad(const float *h, const float *w,
                                    const int32_t *targets,
                                    const float *weights, float dloss,
                                    float *dh, float *dw, int64_t rows,
                                    int64_t vocab, int64_t dim);

/// The weighted head loss sum_r weights[r] * loss_r and its gradient times
/// dloss in one pass, as headCrossEntropyTrain: three GEMMs where the two
/// kernels take four. dh and dw are headCrossEntropyWeightedGrad's bit for
/// bit; `loss` is the double sum in row order of each weighted row's loss
/// from the gradient's bands (logsumexp over the whole row rather than
/// merged vocabulary tiles, so it can differ from the forward kernel's in
/// the last bits). Fails as headCrossEntropyWeightedGrad.
Status headCrossEntropyWeightedTrain(const float *h, const float *w,
                                     const int32_t *targets,
                                     const float *weights, float dloss,
                                     float *loss, float *dh, float *dw,
                                     int64_t rows, int64_t vocab, int64_t dim);

//===----------------------------------------------------------------------===//
// Optimizers (PyTorch semantics), over a flat span of parameters
//===----------------------------------------------------------------------===//

/// Sum of squares of x[n], in double, added to *sumSquares (for global-norm
/// gradient clipping). Partial sums over fixed chunks, added in order: the
/// same result for any thread count.
void addSquaredNorm(const float *x, int64_t n, double *sumSquares);

/// x[n] *= factor.
void scale(float *x, float factor, int64_t n);

/// One torch.optim.AdamW step on n parameters: with t the 1-based step,
///   m = beta1 m + (1 - beta1) g;  v = beta2 v + (1 - beta2) g^2
///   p -= lr * weightDecay * p   (decoupled, before the Adam update)
///   p -= lr * (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps)
/// computed in the order PyTorch's single-tensor implementation does, op by
/// op in float32, its scalars (1 - lr wd, 1 - beta1, lr / (1 - beta1^t),
/// sqrt(1 - beta2^t), ...) computed in double from these float arguments
/// and rounded to float (PyTorch's come from Python floats: 0.999f is not
/// 0.999, so 1 - beta2 differs from PyTorch's by ~1e-5 relative unless the
/// hyper-parameters are exact in float).
void adamw(float *param, const float *grad, float *m, float *v, int64_t n,
           float lr, float beta1, float beta2, float eps, float weightDecay,
           int64_t step);

/// One torch.optim.SGD step (no momentum): p -= lr * (g + weightDecay * p),
/// each step an fma as in ATen's add(alpha=).
void sgd(float *param, const float *grad, int64_t n, float lr,
         float weightDecay);

/// One tensor of a fused multi-tensor update.
struct ParamUpdate {
  float *param;
  float *grad;
  float *m, *v; // AdamW's moments (unused by SGD)
  int64_t n;
  bool decay; // weight decay applies
};

/// adamw over all `updates` in one parallel pass, each gradient first scaled
/// by `gradScale` (clipping) in place: element for element the same as
/// scale() then adamw() per tensor, with weightDecay only where `decay`.
void adamwMany(const std::vector<ParamUpdate> &updates, float gradScale,
               float lr, float beta1, float beta2, float eps, float weightDecay,
               int64_t step);

/// sgd over all `updates` in one parallel pass, like adamwMany.
void sgdMany(const std::vector<ParamUpdate> &updates, float gradScale, float lr,
             float weightDecay);

//===----------------------------------------------------------------------===//
// Mixture of experts: token-level top-k routing, dropless (docs/MoEE.md).
// tokens rows of the router, `experts` experts, topK choices per token; slot
// s = t * topK + j is token t's j-th choice. Every sum runs in an order the
// shapes fix (no atomics): the same bits on any thread count.
//===----------------------------------------------------------------------===//

/// The router: probs[t] = softmax(logits[t]) (float32, max subtracted);
/// expert[t, j] the index of the j-th largest logit (ties to the lower
/// index; the logits' order is the probabilities'); gate[t, j] =
/// probs[t, expert[t, j]], or when `renormalize` the softmax of the chosen
/// logits alone (= those probabilities over their sum). topK <= experts.
void moeTopk(const float *logits, int64_t tokens, int64_t experts, int64_t topK,
             bool renormalize, float *probs, int32_t *expert, float *gate);

/// Gradient of moeTopk's gates with respect to the logits (overwritten):
/// renormalized, dlogits[t, e_j] = gate_j (dgate_j - sum_i gate_i dgate_i)
/// at the chosen e_j, 0 elsewhere; otherwise dlogits[t] = probs[t] (d -
/// probs[t] . d), d the dgates scattered to their experts. Fails naming the
/// slot on an expert index outside [0, experts), before writing anything.
Status moeTopkGrad(const float *probs, const int32_t *expert, const float *gate,
                   const float *dgate, int64_t tokens, int64_t experts,
                   int64_t topK, bool renormalize, float *dlogits);

/// Groups the tokens * topK slots by expert, stably (a counting sort):
/// slotRow[s] is slot s's row in the permuted order, counts[e] how many
/// slots expert e got. Fails naming the slot on an expert index outside
/// [0, experts), before writing anything.
Status moePermute(const int32_t *expert, int64_t tokens, int64_t experts,
                  int64_t topK, int32_t *slotRow, int32_t *counts);

/// Dispatch: xp[slotRow[t * topK + j]] = x[t] (x [tokens, dim], xp
/// [tokens * topK, dim]). Fails when slotRow is not a permutation of
/// 0 .. tokens * topK - 1.
Status moeGatherRows(const float *x, const int32_t *slotRow, int64_t tokens,
                     int64_t topK, int64_t dim, float *xp);

/// Gradient of moeGatherRows: dx[t] = sum over j ascending of
/// dxp[slotRow[t * topK + j]] (overwritten). Fails on a row outside
/// [0, tokens * topK).
Status moeGatherRowsGrad(const float *dxp, const int32_t *slotRow,
                         int64_t tokens, int64_t topK, int64_t dim, float *dx);

/// Grouped linear over permuted rows: for each expert e, its counts[e] rows
/// of xp [m, k] (after those of experts 0 .. e-1) times w[e]^T (w [experts,
/// n, k]) into the same rows of yp [m, n], (+)= when `accumulate`; one GEMM
/// per non-empty expert, deterministic like linear. Fails when a count is
/// negative or the counts do not sum to m, before writing anything.
Status moeGroupedLinear(const float *xp, const float *w, const int32_t *counts,
                        int64_t m, int64_t n, int64_t k, int64_t experts,
                        float *yp, bool accumulate = false);

/// Gradient of moeGroupedLinear with respect to its input: dxp[rows of e]
/// (+)= dyp[rows of e] w[e]. Fails on bad counts like moeGroupedLinear.
Status moeGroupedLinearGradInput(const float *dyp, const float *w,
                                 const int32_t *counts, int64_t m, int64_t n,
                                 int64_t k, int64_t experts, float *dxp,
                                 bool accumulate = false);

/// Gradient of moeGroupedLinear with respect to the weights: dw[e] (+)=
/// dyp[rows of e]^T xp[rows of e], each element summed over the expert's
/// rows in one BLAS call (or its fixed k pieces, in order); an expert with
/// no rows gets zero (or keeps its value when accumulating). Fails on bad
/// counts like moeGroupedLinear.
Status moeGroupedLinearGradWeight(const float *dyp, const float *xp,
                                  const int32_t *counts, int64_t m, int64_t n,
                                  int64_t k, int64_t experts, float *dw,
                                  bool accumulate = false);

/// Combine: y[t] = sum over j ascending of gate[t, j] * yp[slotRow[t * topK +
/// j]] (overwritten). Fails on a row outside [0, tokens * topK).
Status moeUnpermute(const float *yp, const int32_t *slotRow, const float *gate,
                    int64_t tokens, int64_t topK, int64_t dim, float *y);

/// Gradient of moeUnpermute: dyp[slotRow[s]] = gate[s] * dy[t] and dgate[s] =
/// dy[t] . yp[slotRow[s]] for s = t * topK + j (both overwritten). Fails
/// when slotRow is not a permutation.
Status moeUnpermuteGrad(const float *dy, const float *yp,
                        const int32_t *slotRow, const float *gate,
                        int64_t tokens, int64_t topK, int64_t dim, float *dyp,
                        float *dgate);

/// The Switch load-balancing loss coeff * experts * sum_e f_e P_e, f_e =
/// counts[e] / (tokens * topK), P_e the mean over tokens of probs[:, e];
/// summed in double, in token order. Fails when a count is negative or the
/// counts do not sum to tokens * topK.
Status moeBalanceLoss(const float *probs, const int32_t *counts, int64_t tokens,
                      int64_t experts, int64_t topK, double coeff,
                      double &loss);

/// Gradient of moeBalanceLoss (coefficient `coeff`) with respect to the
/// router logits, through probs = softmax(logits), f held constant:
/// dlogits[t, e] = probs[t, e] (a_e - sum_i probs[t, i] a_i), a_e = coeff *
/// experts * f_e / tokens (overwritten). Fails on bad counts like
/// moeBalanceLoss.
Status moeBalanceLossGrad(const float *probs, const int32_t *counts,
                          int64_t tokens, int64_t experts, int64_t topK,
                          double coeff, float *dlogits);

/// A router's per-expert statistics for a balance loss over several ranks'
/// tokens: stats[e] = counts[e] and stats[experts + e] = sum over t of
/// probs[t, e] (in double, in token order). Fails on bad counts like
/// moeBalanceLoss.
Status moeBalanceStats(const float *probs, const int32_t *counts,
                       int64_t tokens, int64_t experts, int64_t topK,
                       float *stats);

/// moeBalanceLoss from statistics summed over ranks (moeBalanceStats):
/// f_e = stats[e] / s, P_e = stats[experts + e] topK / s, s = sum_e
/// stats[e]; 0 when s is 0. In double.
double moeBalanceLossStats(const float *stats, int64_t experts, int64_t topK,
                           double coeff);

/// moeBalanceLossGrad of this rank's tokens with f_e = stats[e] / sum_e'
/// stats[e'] (statistics summed over ranks): a_e = coeff * experts * f_e /
/// tokens (0 when the sum is 0).
void moeBalanceLossStatsGrad(const float *probs, const float *stats,
                             int64_t tokens, int64_t experts, double coeff,
                             float *dlogits);

/// The router z-loss coeff * mean over t of logsumexp(logits[t])^2, each
/// logsumexp and the sum in double, in token order.
double moeZLoss(const float *logits, int64_t tokens, int64_t experts,
                double coeff);

/// Gradient of moeZLoss: dlogits[t] = coeff * 2 lse_t softmax(logits[t]) /
/// tokens (overwritten; lse_t and the softmax in double).
void moeZLossGrad(const float *logits, int64_t tokens, int64_t experts,
                  double coeff, float *dlogits);

} // namespace cherry::runtime::cpu

#endif // CHERRY_RUNTIME_CPUKERNELS_H
