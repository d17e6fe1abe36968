//===- CudaMoe.cu - Mixture-of-experts routing, dispatch and combine ------===//
//
// The moe_* kernels (docs/MoEE.md), with the CPU kernels' semantics and
// their sums in the CPU's order: one thread per token for the router and its
// gradient (a row of `experts` logits), a stable counting sort for the
// permutation, one block per row for dispatch and combine. The grouped
// GEMMs read the expert counts back to the host (one small copy and a wait)
// and run one cuBLASLt GEMM per non-empty expert, as the CPU runs one BLAS
// call per expert. Bad indices and counts fail with the CPU's line.
//
//===----------------------------------------------------------------------===//

#include "CudaCommon.cuh"

#include <vector>

namespace cherry::runtime::cuda {
namespace {

constexpr int kThreads = 256;

__device__ inline bool goodExpert(int32_t e, int64_t slot, int64_t experts,
                                  KernelId kernel, ErrorRecord *err) {
  if (e >= 0 && e < experts)
    return true;
  raise(err, kExpertIndex, kernel, e, slot, experts);
  return false;
}

__global__ void topkKernel(const float *logits, int64_t tokens, int64_t experts,
                           int64_t topK, bool renormalize, float *probs,
                           int32_t *expert, float *gate) {
  for (int64_t t = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; t < tokens;
       t += int64_t(gridDim.x) * blockDim.x) {
    const float *l = logits + t * experts;
    float *p = probs + t * experts;
    int32_t *chosen = expert + t * topK;
    float *g = gate + t * topK;
    float m = -INFINITY;
    for (int64_t e = 0; e < experts; ++e)
      m = l[e] > m ? l[e] : m;
    float sum = 0.0f;
    for (int64_t e = 0; e < experts; ++e) {
      p[e] = expf(l[e] - m);
      sum += p[e];
    }
    const float inv = 1.0f / sum;
    for (int64_t e = 0; e < experts; ++e)
      p[e] *= inv;
    // The j-th largest logit, ties to the lower index.
    for (int64_t j = 0; j < topK; ++j) {
      int64_t best = -1;
      for (int64_t e = 0; e < experts; ++e) {
        bool taken = false;
        for (int64_t i = 0; i < j; ++i)
          taken |= chosen[i] == e;
        if (!taken && (best < 0 || l[e] > l[best]))
          best = e;
      }
      chosen[j] = static_cast<int32_t>(best);
    }
    if (!renormalize) {
      for (int64_t j = 0; j < topK; ++j)
        g[j] = p[chosen[j]];
      continue;
    }
    const float top = l[chosen[0]];
    float chosenSum = 0.0f;
    for (int64_t j = 0; j < topK; ++j) {
      g[j] = expf(l[chosen[j]] - top);
      chosenSum += g[j];
    }
    const float chosenInv = 1.0f / chosenSum;
    for (int64_t j = 0; j < topK; ++j)
      g[j] *= chosenInv;
  }
}

__global__ void topkGradKernel(const float *probs, const int32_t *expert,
                               const float *gate, const float *dgate,
                               int64_t tokens, int64_t experts, int64_t topK,
                               bool renormalize, float *dlogits,
                               ErrorRecord *err) {
  for (int64_t t = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; t < tokens;
       t += int64_t(gridDim.x) * blockDim.x) {
    const int32_t *chosen = expert + t * topK;
    const float *g = gate + t * topK, *dg = dgate + t * topK;
    const float *p = probs + t * experts;
    float *dl = dlogits + t * experts;
    bool ok = true;
    for (int64_t j = 0; j < topK; ++j)
      ok &= goodExpert(chosen[j], t * topK + j, experts,
                       KernelId::moe_topk_grad, err);
    for (int64_t e = 0; e < experts; ++e)
      dl[e] = 0.0f;
    if (!ok)
      continue;
    float inner = 0.0f;
    if (renormalize) {
      for (int64_t j = 0; j < topK; ++j)
        inner += g[j] * dg[j];
      for (int64_t j = 0; j < topK; ++j)
        dl[chosen[j]] = g[j] * (dg[j] - inner);
      continue;
    }
    for (int64_t j = 0; j < topK; ++j)
      inner += p[chosen[j]] * dg[j];
    for (int64_t e = 0; e < experts; ++e)
      dl[e] = -p[e] * inner;
    for (int64_t j = 0; j < topK; ++j)
      dl[chosen[j]] = p[chosen[j]] * (dg[j] - inner);
  }
}

/// A stable counting sort by expert, one block: thread e counts expert e's
/// slots, thread 0 turns the counts into starts, and thread e numbers its
/// slots in ascending order.
__global__ void permuteKernel(const int32_t *expert, int64_t slots,
                              int64_t experts, int32_t *slotRow,
                              int32_t *counts, int32_t *starts,
                              ErrorRecord *err) {
  __shared__ int bad;
  if (threadIdx.x == 0)
    bad = 0;
  __syncthreads();
  for (int64_t s = threadIdx.x; s < slots; s += blockDim.x)
    if (!goodExpert(expert[s], s, experts, KernelId::moe_permute, err))
      bad = 1;
  __syncthreads();
  if (bad)
    return;
  for (int64_t e = threadIdx.x; e < experts; e += blockDim.x) {
    int32_t n = 0;
    for (int64_t s = 0; s < slots; ++s)
      n += expert[s] == e;
    counts[e] = n;
  }
  __syncthreads();
  if (threadIdx.x == 0) {
    int32_t start = 0;
    for (int64_t e = 0; e < experts; ++e) {
      starts[e] = start;
      start += counts[e];
    }
  }
  __syncthreads();
  for (int64_t e = threadIdx.x; e < experts; e += blockDim.x) {
    int32_t next = starts[e];
    for (int64_t s = 0; s < slots; ++s)
      if (expert[s] == e)
        slotRow[s] = next++;
  }
}

/// Checks slot_row: every row in [0, slots), and (`permutation`) each taken
/// once; `seen` is zeroed scratch of `slots` ints.
__global__ void checkSlotRowsKernel(const int32_t *slotRow, int64_t slots,
                                    int32_t *seen, KernelId kernel,
                                    ErrorRecord *err) {
  for (int64_t s = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; s < slots;
       s += int64_t(gridDim.x) * blockDim.x) {
    const int32_t r = slotRow[s];
    if (r < 0 || r >= slots) {
      raise(err, kSlotRow, kernel, s, r, slots);
      continue;
    }
    if (seen && atomicAdd(&seen[r], 1) == 1)
      raise(err, kSlotTaken, kernel, r);
  }
}

__device__ inline bool inRange(int32_t r, int64_t slots) {
  return r >= 0 && r < slots;
}

__global__ void gatherKernel(const float *x, const int32_t *slotRow,
                             int64_t tokens, int64_t topK, int64_t dim,
                             float *xp) {
  const int64_t slots = tokens * topK;
  for (int64_t s = blockIdx.x; s < slots; s += gridDim.x) {
    const int32_t r = slotRow[s];
    if (!inRange(r, slots))
      continue;
    for (int64_t i = threadIdx.x; i < dim; i += blockDim.x)
      xp[int64_t(r) * dim + i] = x[(s / topK) * dim + i];
  }
}

__global__ void gatherGradKernel(const float *dxp, const int32_t *slotRow,
                                 int64_t tokens, int64_t topK, int64_t dim,
                                 float *dx) {
  const int64_t slots = tokens * topK;
  for (int64_t t = blockIdx.x; t < tokens; t += gridDim.x)
    for (int64_t i = threadIdx.x; i < dim; i += blockDim.x) {
      float acc = 0.0f;
      for (int64_t j = 0; j < topK; ++j) {
        const int32_t r = slotRow[t * topK + j];
        if (inRange(r, slots))
          acc = j == 0 ? dxp[int64_t(r) * dim + i]
                       : acc + dxp[int64_t(r) * dim + i];
      }
      dx[t * dim + i] = acc;
    }
}

__global__ void unpermuteKernel(const float *yp, const int32_t *slotRow,
                                const float *gate, int64_t tokens, int64_t topK,
                                int64_t dim, float *y) {
  const int64_t slots = tokens * topK;
  for (int64_t t = blockIdx.x; t < tokens; t += gridDim.x)
    for (int64_t i = threadIdx.x; i < dim; i += blockDim.x) {
      float acc = 0.0f;
      for (int64_t j = 0; j < topK; ++j) {
        const int32_t r = slotRow[t * topK + j];
        if (!inRange(r, slots))
          continue;
        const float v = gate[t * topK + j] * yp[int64_t(r) * dim + i];
        acc = j == 0 ? v : acc + v;
      }
      y[t * dim + i] = acc;
    }
}

/// One block per slot: dyp[row] = gate * dy[t], dgate = dy[t] . yp[row].
__global__ void unpermuteGradKernel(const float *dy, const float *yp,
                                    const int32_t *slotRow, const float *gate,
                                    int64_t tokens, int64_t topK, int64_t dim,
                                    float *dyp, float *dgate) {
  __shared__ float scratch[32];
  const int64_t slots = tokens * topK;
  for (int64_t s = blockIdx.x; s < slots; s += gridDim.x) {
    const int32_t r = slotRow[s];
    if (!inRange(r, slots))
      continue;
    const float *d = dy + (s / topK) * dim, *row = yp + int64_t(r) * dim;
    const float g = gate[s];
    float dot = 0.0f;
    for (int64_t i = threadIdx.x; i < dim; i += blockDim.x) {
      dyp[int64_t(r) * dim + i] = g * d[i];
      dot += d[i] * row[i];
    }
    dot = blockSum(dot, scratch);
    if (threadIdx.x == 0)
      dgate[s] = dot;
  }
}

/// The counts' check (non-negative, summing to `rows`) on the device, for
/// the balance loss; `ok` is set to 0 on failure.
__device__ bool countsGood(const int32_t *counts, int64_t experts, int64_t rows,
                           KernelId kernel, ErrorRecord *err) {
  long long total = 0;
  for (int64_t e = 0; e < experts; ++e) {
    if (counts[e] < 0) {
      raise(err, kNegativeCount, kernel, e, counts[e]);
      return false;
    }
    total += counts[e];
  }
  if (total != rows) {
    raise(err, kCountSum, kernel, total, rows);
    return false;
  }
  return true;
}

__global__ void balanceLossKernel(const float *probs, const int32_t *counts,
                                  int64_t tokens, int64_t experts, int64_t topK,
                                  double coeff, float *loss, ErrorRecord *err) {
  __shared__ double scratch[32];
  __shared__ int good;
  if (threadIdx.x == 0)
    good = countsGood(counts, experts, tokens * topK,
                      KernelId::moe_balance_loss, err);
  __syncthreads();
  if (!good)
    return;
  double sum = 0.0;
  for (int64_t i = threadIdx.x; i < tokens * experts; i += blockDim.x)
    sum += static_cast<double>(counts[i % experts]) * probs[i];
  sum = blockSum(sum, scratch);
  if (threadIdx.x == 0)
    *loss =
        tokens <= 0 || topK <= 0
            ? 0.0f
            : static_cast<float>(
                  coeff * static_cast<double>(experts) * sum /
                  (static_cast<double>(tokens) * static_cast<double>(tokens) *
                   static_cast<double>(topK)));
}

/// One token's softmax gradient in double: dlogits = p o (a - p . a), where
/// a(e) is the loss's derivative by the probability of expert e.
template <typename A>
__device__ void softmaxGradRow(const float *p, int64_t experts, const A &a,
                               float *dlogits) {
  double inner = 0.0;
  for (int64_t e = 0; e < experts; ++e)
    inner += static_cast<double>(p[e]) * a(e);
  for (int64_t e = 0; e < experts; ++e)
    dlogits[e] = static_cast<float>(static_cast<double>(p[e]) * (a(e) - inner));
}

__global__ void balanceLossGradKernel(const float *probs, const int32_t *counts,
                                      int64_t tokens, int64_t experts,
                                      int64_t topK, double coeff,
                                      float *dlogits, ErrorRecord *err) {
  if (blockIdx.x == 0 && threadIdx.x == 0)
    countsGood(counts, experts, tokens * topK, KernelId::moe_balance_loss_grad,
               err);
  const double denom = static_cast<double>(tokens) *
                       static_cast<double>(tokens) * static_cast<double>(topK);
  for (int64_t t = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; t < tokens;
       t += int64_t(gridDim.x) * blockDim.x) {
    const float *p = probs + t * experts;
    auto a = [&](int64_t e) {
      return topK > 0 ? coeff * static_cast<double>(experts) *
                            static_cast<double>(counts[e]) / denom
                      : 0.0;
    };
    softmaxGradRow(p, experts, a, dlogits + t * experts);
  }
}

__global__ void balanceStatsKernel(const float *probs, const int32_t *counts,
                                   int64_t tokens, int64_t experts,
                                   int64_t topK, float *stats,
                                   ErrorRecord *err) {
  __shared__ int good;
  if (threadIdx.x == 0)
    good = countsGood(counts, experts, tokens * topK,
                      KernelId::moe_balance_stats, err);
  __syncthreads();
  if (!good)
    return;
  // One thread per expert, in token order: the CPU's sums.
  for (int64_t e = threadIdx.x; e < experts; e += blockDim.x) {
    double sum = 0.0;
    for (int64_t t = 0; t < tokens; ++t)
      sum += probs[t * experts + e];
    stats[e] = static_cast<float>(counts[e]);
    stats[experts + e] = static_cast<float>(sum);
  }
}

__device__ double statsSlots(const float *stats, int64_t experts) {
  double slots = 0.0;
  for (int64_t e = 0; e < experts; ++e)
    slots += stats[e];
  return slots;
}

__global__ void balanceLossStatsKernel(const float *stats, int64_t experts,
                                       int64_t topK, double coeff,
                                       float *loss) {
  const double slots = statsSlots(stats, experts);
  double sum = 0.0;
  for (int64_t e = 0; e < experts; ++e)
    sum += static_cast<double>(stats[e]) * stats[experts + e];
  *loss = slots > 0
              ? static_cast<float>(coeff * static_cast<double>(experts) * sum *
                                   static_cast<double>(topK) / (slots * slots))
              : 0.0f;
}

__global__ void balanceLossStatsGradKernel(const float *probs,
                                           const float *stats, int64_t tokens,
                                           int64_t experts, double coeff,
                                           float *dlogits) {
  const double slots = statsSlots(stats, experts);
  for (int64_t t = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; t < tokens;
       t += int64_t(gridDim.x) * blockDim.x) {
    const float *p = probs + t * experts;
    auto a = [&](int64_t e) {
      return slots > 0 ? coeff * static_cast<double>(experts) *
                             (static_cast<double>(stats[e]) / slots) /
                             static_cast<double>(tokens)
                       : 0.0;
    };
    softmaxGradRow(p, experts, a, dlogits + t * experts);
  }
}

__device__ double logSumExp(const float *l, int64_t experts) {
  double m = -INFINITY;
  for (int64_t e = 0; e < experts; ++e)
    m = fmax(m, static_cast<double>(l[e]));
  double sum = 0.0;
  for (int64_t e = 0; e < experts; ++e)
    sum += exp(static_cast<double>(l[e]) - m);
  return m + log(sum);
}

__global__ void zLossRowsKernel(const float *logits, int64_t tokens,
                                int64_t experts, double *lse) {
  for (int64_t t = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; t < tokens;
       t += int64_t(gridDim.x) * blockDim.x)
    lse[t] = logSumExp(logits + t * experts, experts);
}

__global__ void zLossSumKernel(const double *lse, int64_t tokens, double coeff,
                               float *loss) {
  __shared__ double scratch[32];
  double sum = 0.0;
  for (int64_t t = threadIdx.x; t < tokens; t += blockDim.x)
    sum += lse[t] * lse[t];
  sum = blockSum(sum, scratch);
  if (threadIdx.x == 0)
    *loss = tokens <= 0
                ? 0.0f
                : static_cast<float>(coeff * sum / static_cast<double>(tokens));
}

__global__ void zLossGradKernel(const float *logits, int64_t tokens,
                                int64_t experts, double coeff, float *dlogits) {
  const double scale = 2.0 * coeff / static_cast<double>(tokens);
  for (int64_t t = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; t < tokens;
       t += int64_t(gridDim.x) * blockDim.x) {
    const float *l = logits + t * experts;
    const double lse = logSumExp(l, experts);
    for (int64_t e = 0; e < experts; ++e)
      dlogits[t * experts + e] = static_cast<float>(
          scale * lse * exp(static_cast<double>(l[e]) - lse));
  }
}

/// Checks slot_row on the device (scratch for the permutation check).
Status checkSlots(Context &ctx, const int32_t *slotRow, int64_t slots,
                  bool permutation, KernelId kernel) {
  if (slots <= 0)
    return Status::success();
  int32_t *seen = nullptr;
  if (permutation) {
    void *ws = nullptr;
    if (Status s = ctx.workspace(slots * sizeof(int32_t), ws); !s.ok())
      return s;
    seen = static_cast<int32_t *>(ws);
    if (cudaError_t e =
            cudaMemsetAsync(seen, 0, slots * sizeof(int32_t), ctx.stream);
        e != cudaSuccess)
      return cudaFailure(abi::kernelName(kernel), e);
  }
  checkSlotRowsKernel<<<blocksFor(slots, kThreads), kThreads, 0, ctx.stream>>>(
      slotRow, slots, seen, kernel, ctx.error);
  return Status::success();
}

/// The expert counts on the host, checked as the CPU checks them.
Status hostCounts(Context &ctx, const int32_t *counts, int64_t experts,
                  int64_t rows, const char *kernel, std::vector<int32_t> &out) {
  // The GEMMs per expert are sized on the host, every call.
  if (Status s = ctx.notCapturable(
          std::string(kernel) + " reads the expert counts on the host", true);
      !s.ok())
    return s;
  out.assign(experts, 0);
  if (experts > 0) {
    if (cudaError_t e =
            cudaMemcpyAsync(out.data(), counts, experts * sizeof(int32_t),
                            cudaMemcpyDeviceToHost, ctx.stream);
        e != cudaSuccess)
      return cudaFailure(kernel, e);
    // A kernel before this one may have failed (the counts are then not
    // written): its error comes first.
    if (Status s = ctx.takeError(); !s.ok())
      return s;
  }
  int64_t total = 0;
  for (int64_t e = 0; e < experts; ++e) {
    if (out[e] < 0)
      return Status::error(std::string(kernel) + ": expert " +
                           std::to_string(e) + " has a negative count " +
                           std::to_string(out[e]));
    total += out[e];
  }
  if (total > rows)
    return Status::error(std::string(kernel) + ": the expert counts sum to " +
                         std::to_string(total) + ", more than the " +
                         std::to_string(rows) + " rows");
  return Status::success();
}

/// Zeroes rows [used, rows) of a `[rows, width]` output: past the counts'
/// sum, the rows are no expert's.
Status zeroTail(Context &ctx, const std::vector<int32_t> &counts, int64_t rows,
                int64_t width, float *out, const char *kernel) {
  int64_t used = 0;
  for (int32_t c : counts)
    used += c;
  if (used >= rows)
    return Status::success();
  if (cudaError_t e =
          cudaMemsetAsync(out + used * width, 0,
                          (rows - used) * width * sizeof(float), ctx.stream);
      e != cudaSuccess)
    return cudaFailure(kernel, e);
  return Status::success();
}

} // namespace

Status run(Context &ctx, const MoeTopkArgs &a) {
  if (a.tokens <= 0 || a.experts <= 0)
    return Status::success();
  topkKernel<<<blocksFor(a.tokens, 128), 128, 0, ctx.stream>>>(
      a.logits, a.tokens, a.experts, a.top_k, a.renormalize != 0, a.probs,
      a.expert, a.gate);
  return Status::success();
}

Status run(Context &ctx, const MoeTopkGradArgs &a) {
  if (a.tokens <= 0)
    return Status::success();
  topkGradKernel<<<blocksFor(a.tokens, 128), 128, 0, ctx.stream>>>(
      a.probs, a.expert, a.gate, a.dgate, a.tokens, a.experts, a.top_k,
      a.renormalize != 0, a.dlogits, ctx.error);
  return Status::success();
}

Status run(Context &ctx, const MoePermuteArgs &a) {
  void *ws = nullptr;
  if (Status s = ctx.workspace((a.experts + 1) * sizeof(int32_t), ws); !s.ok())
    return s;
  permuteKernel<<<1, 1024, 0, ctx.stream>>>(
      a.expert, a.tokens * a.top_k, a.experts, a.slot_row, a.counts,
      static_cast<int32_t *>(ws), ctx.error);
  return Status::success();
}

Status run(Context &ctx, const MoeGatherRowsArgs &a) {
  const int64_t slots = a.tokens * a.top_k;
  if (Status s =
          checkSlots(ctx, a.slot_row, slots, true, KernelId::moe_gather_rows);
      !s.ok())
    return s;
  if (slots > 0)
    gatherKernel<<<blocksFor(slots, 1), 128, 0, ctx.stream>>>(
        a.x, a.slot_row, a.tokens, a.top_k, a.dim, a.xp);
  return Status::success();
}

Status run(Context &ctx, const MoeGatherRowsGradArgs &a) {
  if (Status s = checkSlots(ctx, a.slot_row, a.tokens * a.top_k, false,
                            KernelId::moe_gather_rows_grad);
      !s.ok())
    return s;
  if (a.tokens > 0)
    gatherGradKernel<<<blocksFor(a.tokens, 1), 128, 0, ctx.stream>>>(
        a.dxp, a.slot_row, a.tokens, a.top_k, a.dim, a.dx);
  return Status::success();
}

Status run(Context &ctx, const MoeGroupedLinearArgs &a) {
  std::vector<int32_t> counts;
  if (Status s = hostCounts(ctx, a.counts, a.experts, a.m, "moe_grouped_linear",
                            counts);
      !s.ok())
    return s;
  int64_t r0 = 0;
  for (int64_t e = 0; e < a.experts; r0 += counts[e], ++e)
    if (Status s =
            gemm(ctx, false, true, counts[e], a.n, a.k, a.xp + r0 * a.k, a.k,
                 a.w + e * a.n * a.k, a.k, a.yp + r0 * a.n, a.n, 0.0f);
        !s.ok())
      return s;
  return zeroTail(ctx, counts, a.m, a.n, a.yp, "moe_grouped_linear");
}

Status run(Context &ctx, const MoeGroupedLinearGradInputArgs &a) {
  std::vector<int32_t> counts;
  if (Status s = hostCounts(ctx, a.counts, a.experts, a.m,
                            "moe_grouped_linear_grad_input", counts);
      !s.ok())
    return s;
  int64_t r0 = 0;
  for (int64_t e = 0; e < a.experts; r0 += counts[e], ++e)
    if (Status s =
            gemm(ctx, false, false, counts[e], a.k, a.n, a.dyp + r0 * a.n, a.n,
                 a.w + e * a.n * a.k, a.k, a.dxp + r0 * a.k, a.k, 0.0f);
        !s.ok())
      return s;
  return zeroTail(ctx, counts, a.m, a.k, a.dxp,
                  "moe_grouped_linear_grad_input");
}

Status run(Context &ctx, const MoeGroupedLinearGradWeightArgs &a) {
  std::vector<int32_t> counts;
  if (Status s = hostCounts(ctx, a.counts, a.experts, a.m,
                            "moe_grouped_linear_grad_weight", counts);
      !s.ok())
    return s;
  int64_t r0 = 0;
  // An expert with no rows gets a zero gradient (an empty sum).
  for (int64_t e = 0; e < a.experts; r0 += counts[e], ++e)
    if (Status s =
            gemm(ctx, true, false, a.n, a.k, counts[e], a.dyp + r0 * a.n, a.n,
                 a.xp + r0 * a.k, a.k, a.dw + e * a.n * a.k, a.k, 0.0f);
        !s.ok())
      return s;
  return Status::success();
}

Status run(Context &ctx, const MoeUnpermuteArgs &a) {
  if (Status s = checkSlots(ctx, a.slot_row, a.tokens * a.top_k, false,
                            KernelId::moe_unpermute);
      !s.ok())
    return s;
  if (a.tokens > 0)
    unpermuteKernel<<<blocksFor(a.tokens, 1), 128, 0, ctx.stream>>>(
        a.yp, a.slot_row, a.gate, a.tokens, a.top_k, a.dim, a.y);
  return Status::success();
}

Status run(Context &ctx, const MoeUnpermuteGradArgs &a) {
  const int64_t slots = a.tokens * a.top_k;
  if (Status s = checkSlots(ctx, a.slot_row, slots, true,
                            KernelId::moe_unpermute_grad);
      !s.ok())
    return s;
  if (slots > 0)
    unpermuteGradKernel<<<blocksFor(slots, 1), 128, 0, ctx.stream>>>(
        a.dy, a.yp, a.slot_row, a.gate, a.tokens, a.top_k, a.dim, a.dyp,
        a.dgate);
  return Status::success();
}

Status run(Context &ctx, const MoeBalanceLossArgs &a) {
  balanceLossKernel<<<1, 1024, 0, ctx.stream>>>(a.probs, a.counts, a.tokens,
                                                a.experts, a.top_k, a.coeff,
                                                a.loss, ctx.error);
  return Status::success();
}

Status run(Context &ctx, const MoeBalanceLossGradArgs &a) {
  balanceLossGradKernel<<<blocksFor(a.tokens, 128), 128, 0, ctx.stream>>>(
      a.probs, a.counts, a.tokens, a.experts, a.top_k, a.coeff, a.dlogits,
      ctx.error);
  return Status::success();
}

Status run(Context &ctx, const MoeBalanceStatsArgs &a) {
  balanceStatsKernel<<<1, 256, 0, ctx.stream>>>(
      a.probs, a.counts, a.tokens, a.experts, a.top_k, a.stats, ctx.error);
  return Status::success();
}

Status run(Context &ctx, const MoeBalanceLossStatsArgs &a) {
  balanceLossStatsKernel<<<1, 1, 0, ctx.stream>>>(a.stats, a.experts, a.top_k,
                                                  a.coeff, a.loss);
  return Status::success();
}

Status run(Context &ctx, const MoeBalanceLossStatsGradArgs &a) {
  if (a.tokens <= 0)
    return Status::success();
  balanceLossStatsGradKernel<<<blocksFor(a.tokens, 128), 128, 0, ctx.stream>>>(
      a.probs, a.stats, a.tokens, a.experts, a.coeff, a.dlogits);
  return Status::success();
}

Status run(Context &ctx, const MoeZLossArgs &a) {
  if (a.tokens <= 0 || a.experts <= 0) {
    cudaMemsetAsync(a.loss, 0, sizeof(float), ctx.stream);
    return Status::success();
  }
  void *ws = nullptr;
  if (Status s = ctx.workspace(a.tokens * sizeof(double), ws); !s.ok())
    return s;
  auto *lse = static_cast<double *>(ws);
  zLossRowsKernel<<<blocksFor(a.tokens, 128), 128, 0, ctx.stream>>>(
      a.logits, a.tokens, a.experts, lse);
  zLossSumKernel<<<1, 1024, 0, ctx.stream>>>(lse, a.tokens, a.coeff, a.loss);
  return Status::success();
}

Status run(Context &ctx, const MoeZLossGradArgs &a) {
  if (a.tokens <= 0 || a.experts <= 0)
    return Status::success();
  zLossGradKernel<<<blocksFor(a.tokens, 128), 128, 0, ctx.stream>>>(
      a.logits, a.tokens, a.experts, a.coeff, a.dlogits);
  return Status::success();
}

} // namespace cherry::runtime::cuda
