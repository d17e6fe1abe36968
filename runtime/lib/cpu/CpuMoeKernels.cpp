//===- CpuMoeKernels.cpp - Mixture-of-experts kernels ---------------------===//
//
// Token-level top-k routing, dropless (docs/MoEE.md): the router's softmax
// and top-k, the permutation of token-slots by expert, the dispatch gather,
// the grouped expert GEMMs over the permuted rows, the gate-weighted combine,
// the auxiliary losses, and the gradients of all of them.
//
// Deterministic without atomics: every output element is written by one
// thread and every sum runs in an order the shapes fix. Rows are split
// over threads (forEachRowChunk); a token's k rows are combined in j order;
// each expert's GEMM goes through parallelGemm, whose deterministic grid
// depends on the expert's row count alone; the permutation is one serial
// counting sort (a few integers per token); the losses are summed in double
// in token order.
//
//===----------------------------------------------------------------------===//

#include "cherry/Runtime/CpuKernels.h"

#include "CpuCommon.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

namespace cherry::runtime::cpu {
using namespace detail;
namespace {

//===----------------------------------------------------------------------===//
// Checks
//===----------------------------------------------------------------------===//

Status checkExperts(const char *kernel, const int32_t *expert, int64_t slots,
                    int64_t experts) {
  for (int64_t s = 0; s < slots; ++s)
    if (expert[s] < 0 || expert[s] >= experts)
      return Status::error(std::string(kernel) + ": expert " +
                           std::to_string(expert[s]) + " at slot " +
                           std::to_string(s) + " is outside [0, " +
                           std::to_string(experts) + ")");
  return Status::success();
}

/// counts[e] >= 0 and sum counts == rows.
Status checkCounts(const char *kernel, const int32_t *counts, int64_t experts,
                   int64_t rows) {
  int64_t total = 0;
  for (int64_t e = 0; e < experts; ++e) {
    if (counts[e] < 0)
      return Status::error(std::string(kernel) + ": expert " +
                           std::to_string(e) + " has a negative count " +
                           std::to_string(counts[e]));
    total += counts[e];
  }
  if (total != rows)
    return Status::error(std::string(kernel) + ": the expert counts sum to " +
                         std::to_string(total) + ", expected " +
                         std::to_string(rows) + " rows");
  return Status::success();
}

/// Every slotRow in [0, slots); with `permutation`, each row exactly once
/// (kernels that write through slotRow need it: two slots on one row would
/// race).
Status checkSlotRows(const char *kernel, const int32_t *slotRow, int64_t slots,
                     bool permutation) {
  std::vector<uint8_t> seen(permutation ? slots : 0, 0);
  for (int64_t s = 0; s < slots; ++s) {
    const int64_t r = slotRow[s];
    if (r < 0 || r >= slots)
      return Status::error(std::string(kernel) + ": slot " + std::to_string(s) +
                           " has row " + std::to_string(r) + ", outside [0, " +
                           std::to_string(slots) + ")");
    if (permutation) {
      if (seen[r])
        return Status::error(
            std::string(kernel) + ": row " + std::to_string(r) +
            " is taken by two slots (slot_row is not a " + "permutation)");
      seen[r] = 1;
    }
  }
  return Status::success();
}

//===----------------------------------------------------------------------===//
// Row loops (cloned)
//===----------------------------------------------------------------------===//

/// y[t] = sum over j ascending of gate[t, j] * yp[slotRow[t * topK + j]], for
/// tokens [t0, t1).
CHERRY_CPU_BODY void combineRowsBody(const float *yp, const int32_t *slotRow,
                                     const float *gate, int64_t t0, int64_t t1,
                                     int64_t topK, int64_t dim, float *y) {
  for (int64_t t = t0; t < t1; ++t) {
    float *out = y + t * dim;
    const float g0 = gate[t * topK];
    const float *r0 = yp + static_cast<int64_t>(slotRow[t * topK]) * dim;
#pragma omp simd
    for (int64_t i = 0; i < dim; ++i)
      out[i] = g0 * r0[i];
    for (int64_t j = 1; j < topK; ++j) {
      const float g = gate[t * topK + j];
      const float *r = yp + static_cast<int64_t>(slotRow[t * topK + j]) * dim;
#pragma omp simd
      for (int64_t i = 0; i < dim; ++i)
        out[i] += g * r[i];
    }
  }
}
CHERRY_CPU_DISPATCH(combineRows)

/// dyp[slotRow[s]] = gate[s] dy[t], dgate[s] = dy[t] . yp[slotRow[s]], for
/// the slots of tokens [t0, t1).
CHERRY_CPU_BODY void combineGradRowsBody(const float *dy, const float *yp,
                                         const int32_t *slotRow,
                                         const float *gate, int64_t t0,
                                         int64_t t1, int64_t topK, int64_t dim,
                                         float *dyp, float *dgate) {
  for (int64_t t = t0; t < t1; ++t) {
    const float *d = dy + t * dim;
    for (int64_t j = 0; j < topK; ++j) {
      const int64_t s = t * topK + j;
      const int64_t row = slotRow[s];
      const float g = gate[s];
      const float *r = yp + row * dim;
      float *dr = dyp + row * dim;
      float dot = 0.0f;
#pragma omp simd reduction(+ : dot)
      for (int64_t i = 0; i < dim; ++i) {
        dr[i] = g * d[i];
        dot += d[i] * r[i];
      }
      dgate[s] = dot;
    }
  }
}
CHERRY_CPU_DISPATCH(combineGradRows)

/// dx[t] = sum over j ascending of dxp[slotRow[t * topK + j]], for tokens
/// [t0, t1).
CHERRY_CPU_BODY void gatherGradRowsBody(const float *dxp,
                                        const int32_t *slotRow, int64_t t0,
                                        int64_t t1, int64_t topK, int64_t dim,
                                        float *dx) {
  for (int64_t t = t0; t < t1; ++t) {
    float *out = dx + t * dim;
    const float *r0 = dxp + static_cast<int64_t>(slotRow[t * topK]) * dim;
#pragma omp simd
    for (int64_t i = 0; i < dim; ++i)
      out[i] = r0[i];
    for (int64_t j = 1; j < topK; ++j) {
      const float *r = dxp + static_cast<int64_t>(slotRow[t * topK + j]) * dim;
#pragma omp simd
      for (int64_t i = 0; i < dim; ++i)
        out[i] += r[i];
    }
  }
}
CHERRY_CPU_DISPATCH(gatherGradRows)

//===----------------------------------------------------------------------===//
// Router
//===----------------------------------------------------------------------===//

/// Indices of the topK largest of x[0 .. n), largest first, ties to the lower
/// index: a partial selection sort (topK <= n, both small).
void topIndices(const float *x, int64_t n, int64_t topK, int32_t *out) {
  for (int64_t j = 0; j < topK; ++j) {
    int64_t best = -1;
    for (int64_t e = 0; e < n; ++e) {
      bool taken = false;
      for (int64_t i = 0; i < j; ++i)
        taken |= out[i] == e;
      if (taken)
        continue;
      // A NaN logit is never larger: it is chosen only when nothing else is
      // left.
      if (best < 0 || x[e] > x[best])
        best = e;
    }
    out[j] = static_cast<int32_t>(best);
  }
}

/// Rows of the router per thread's piece: a row is a few experts.
constexpr int64_t kRouterRowsPerThread = 1024;

/// Runs body(t) for every token on as many threads as pay.
template <typename Body> void forEachToken(int64_t tokens, Body body) {
  const int nt = threadsFor(tokens, kRouterRowsPerThread);
#pragma omp parallel for num_threads(nt) if (nt > 1) schedule(static)
  for (int64_t t = 0; t < tokens; ++t)
    body(t);
}

/// logsumexp of a row of logits, in double.
double logSumExp(const float *logits, int64_t experts) {
  double m = -std::numeric_limits<double>::infinity();
  for (int64_t e = 0; e < experts; ++e)
    m = std::max(m, static_cast<double>(logits[e]));
  double sum = 0.0;
  for (int64_t e = 0; e < experts; ++e)
    sum += std::exp(static_cast<double>(logits[e]) - m);
  return m + std::log(sum);
}

} // namespace

void moeTopk(const float *logits, int64_t tokens, int64_t experts, int64_t topK,
             bool renormalize, float *probs, int32_t *expert, float *gate) {
  if (tokens <= 0 || experts <= 0)
    return;
  topK = std::clamp<int64_t>(topK, 0, experts);
  forEachToken(tokens, [&](int64_t t) {
    const float *l = logits + t * experts;
    float *p = probs + t * experts;
    int32_t *chosen = expert + t * topK;
    float *g = gate + t * topK;
    float m = -std::numeric_limits<float>::infinity();
    for (int64_t e = 0; e < experts; ++e)
      m = l[e] > m ? l[e] : m;
    float sum = 0.0f;
    for (int64_t e = 0; e < experts; ++e) {
      p[e] = expF32(l[e] - m);
      sum += p[e];
    }
    const float inv = 1.0f / sum;
    for (int64_t e = 0; e < experts; ++e)
      p[e] *= inv;
    topIndices(l, experts, topK, chosen);
    if (!renormalize) {
      for (int64_t j = 0; j < topK; ++j)
        g[j] = p[chosen[j]];
      return;
    }
    // The softmax of the chosen logits: the chosen probabilities over their
    // sum, without the rounding of the full denominator (and exactly 1 for
    // top-1). chosen[0] holds the largest logit.
    const float top = l[chosen[0]];
    float chosenSum = 0.0f;
    for (int64_t j = 0; j < topK; ++j) {
      g[j] = expF32(l[chosen[j]] - top);
      chosenSum += g[j];
    }
    const float chosenInv = 1.0f / chosenSum;
    for (int64_t j = 0; j < topK; ++j)
      g[j] *= chosenInv;
  });
}

Status moeTopkGrad(const float *probs, const int32_t *expert, const float *gate,
                   const float *dgate, int64_t tokens, int64_t experts,
                   int64_t topK, bool renormalize, float *dlogits) {
  if (Status st = checkExperts("moe_topk_grad", expert, tokens * topK, experts);
      !st.ok())
    return st;
  forEachToken(tokens, [&](int64_t t) {
    const int32_t *chosen = expert + t * topK;
    const float *g = gate + t * topK, *dg = dgate + t * topK;
    const float *p = probs + t * experts;
    float *dl = dlogits + t * experts;
    std::fill(dl, dl + experts, 0.0f);
    if (renormalize) {
      float inner = 0.0f;
      for (int64_t j = 0; j < topK; ++j)
        inner += g[j] * dg[j];
      for (int64_t j = 0; j < topK; ++j)
        dl[chosen[j]] = g[j] * (dg[j] - inner);
      return;
    }
    // d = dgate scattered to the experts; dl = p (d - p . d).
    float inner = 0.0f;
    for (int64_t j = 0; j < topK; ++j)
      inner += p[chosen[j]] * dg[j];
    for (int64_t e = 0; e < experts; ++e)
      dl[e] = -p[e] * inner;
    for (int64_t j = 0; j < topK; ++j)
      dl[chosen[j]] = p[chosen[j]] * (dg[j] - inner);
  });
  return Status::success();
}

Status moePermute(const int32_t *expert, int64_t tokens, int64_t experts,
                  int64_t topK, int32_t *slotRow, int32_t *counts) {
  const int64_t slots = tokens * topK;
  if (Status st = checkExperts("moe_permute", expert, slots, experts); !st.ok())
    return st;
  std::vector<int64_t> next(experts, 0);
  for (int64_t s = 0; s < slots; ++s)
    ++next[expert[s]];
  int64_t start = 0;
  for (int64_t e = 0; e < experts; ++e) {
    counts[e] = static_cast<int32_t>(next[e]);
    next[e] = start;
    start += counts[e];
  }
  for (int64_t s = 0; s < slots; ++s)
    slotRow[s] = static_cast<int32_t>(next[expert[s]]++);
  return Status::success();
}

Status moeGatherRows(const float *x, const int32_t *slotRow, int64_t tokens,
                     int64_t topK, int64_t dim, float *xp) {
  if (Status st = checkSlotRows("moe_gather_rows", slotRow, tokens * topK,
                                /*permutation=*/true);
      !st.ok())
    return st;
  forEachRowChunk(tokens, topK * dim, [&](int64_t t0, int64_t t1) {
    for (int64_t s = t0 * topK; s < t1 * topK; ++s)
      std::memcpy(xp + static_cast<int64_t>(slotRow[s]) * dim,
                  x + (s / topK) * dim,
                  static_cast<size_t>(dim) * sizeof(float));
  });
  return Status::success();
}

Status moeGatherRowsGrad(const float *dxp, const int32_t *slotRow,
                         int64_t tokens, int64_t topK, int64_t dim, float *dx) {
  if (Status st = checkSlotRows("moe_gather_rows_grad", slotRow, tokens * topK,
                                /*permutation=*/false);
      !st.ok())
    return st;
  if (topK <= 0) {
    std::fill(dx, dx + tokens * dim, 0.0f);
    return Status::success();
  }
  forEachRowChunk(tokens, topK * dim, [&](int64_t t0, int64_t t1) {
    gatherGradRows(dxp, slotRow, t0, t1, topK, dim, dx);
  });
  return Status::success();
}

namespace {

/// Runs gemm(e, firstRow, rows) for each expert, in expert order; an expert
/// with no rows too (the weight gradient zeroes it). The counts sum to at
/// most m; `*used` is their sum (the rows past it are no expert's).
template <typename Gemm>
Status forEachExpert(const char *kernel, const int32_t *counts, int64_t m,
                     int64_t experts, Gemm gemm, int64_t *used = nullptr) {
  int64_t total = 0;
  for (int64_t e = 0; e < experts; ++e) {
    if (counts[e] < 0)
      return Status::error(std::string(kernel) + ": expert " +
                           std::to_string(e) + " has a negative count " +
                           std::to_string(counts[e]));
    total += counts[e];
  }
  if (total > m)
    return Status::error(std::string(kernel) + ": the expert counts sum to " +
                         std::to_string(total) + ", more than the " +
                         std::to_string(m) + " rows");
  int64_t first = 0;
  for (int64_t e = 0; e < experts; ++e) {
    gemm(e, first, static_cast<int64_t>(counts[e]));
    first += counts[e];
  }
  if (used)
    *used = total;
  return Status::success();
}

} // namespace

Status moeGroupedLinear(const float *xp, const float *w, const int32_t *counts,
                        int64_t m, int64_t n, int64_t k, int64_t experts,
                        float *yp, bool accumulate) {
  int64_t used = 0;
  Status st = forEachExpert(
      "moe_grouped_linear", counts, m, experts,
      [&](int64_t e, int64_t r0, int64_t rows) {
        // yp[r0 .., n] = xp[r0 .., k] w[e]^T; parallelGemm skips rows == 0.
        parallelGemm(/*transA=*/false, /*transB=*/true, rows, n, k, xp + r0 * k,
                     k, w + e * n * k, k, yp + r0 * n, n, accumulate);
      },
      &used);
  if (st.ok() && !accumulate)
    std::fill(yp + used * n, yp + m * n, 0.0f);
  return st;
}

Status moeGroupedLinearGradInput(const float *dyp, const float *w,
                                 const int32_t *counts, int64_t m, int64_t n,
                                 int64_t k, int64_t experts, float *dxp,
                                 bool accumulate) {
  int64_t used = 0;
  Status st = forEachExpert(
      "moe_grouped_linear_grad_input", counts, m, experts,
      [&](int64_t e, int64_t r0, int64_t rows) {
        // dxp[r0 .., k] = dyp[r0 .., n] w[e][n, k].
        parallelGemm(/*transA=*/false, /*transB=*/false, rows, k, n,
                     dyp + r0 * n, n, w + e * n * k, k, dxp + r0 * k, k,
                     accumulate);
      },
      &used);
  if (st.ok() && !accumulate)
    std::fill(dxp + used * k, dxp + m * k, 0.0f);
  return st;
}

Status moeGroupedLinearGradWeight(const float *dyp, const float *xp,
                                  const int32_t *counts, int64_t m, int64_t n,
                                  int64_t k, int64_t experts, float *dw,
                                  bool accumulate) {
  return forEachExpert("moe_grouped_linear_grad_weight", counts, m, experts,
                       [&](int64_t e, int64_t r0, int64_t rows) {
                         // dw[e][n, k] = dyp[r0 .., n]^T xp[r0 .., k]; with no
                         // rows the sum is empty and parallelGemm zeroes dw[e]
                         // (or leaves it).
                         parallelGemm(/*transA=*/true, /*transB=*/false, n, k,
                                      rows, dyp + r0 * n, n, xp + r0 * k, k,
                                      dw + e * n * k, k, accumulate);
                       });
}

Status moeUnpermute(const float *yp, const int32_t *slotRow, const float *gate,
                    int64_t tokens, int64_t topK, int64_t dim, float *y) {
  if (Status st = checkSlotRows("moe_unpermute", slotRow, tokens * topK,
                                /*permutation=*/false);
      !st.ok())
    return st;
  if (topK <= 0) {
    std::fill(y, y + tokens * dim, 0.0f);
    return Status::success();
  }
  forEachRowChunk(tokens, topK * dim, [&](int64_t t0, int64_t t1) {
    combineRows(yp, slotRow, gate, t0, t1, topK, dim, y);
  });
  return Status::success();
}

Status moeUnpermuteGrad(const float *dy, const float *yp,
                        const int32_t *slotRow, const float *gate,
                        int64_t tokens, int64_t topK, int64_t dim, float *dyp,
                        float *dgate) {
  if (Status st = checkSlotRows("moe_unpermute_grad", slotRow, tokens * topK,
                                /*permutation=*/true);
      !st.ok())
    return st;
  forEachRowChunk(tokens, topK * dim, [&](int64_t t0, int64_t t1) {
    combineGradRows(dy, yp, slotRow, gate, t0, t1, topK, dim, dyp, dgate);
  });
  return Status::success();
}

Status moeBalanceLoss(const float *probs, const int32_t *counts, int64_t tokens,
                      int64_t experts, int64_t topK, double coeff,
                      double &loss) {
  loss = 0.0;
  if (Status st =
          checkCounts("moe_balance_loss", counts, experts, tokens * topK);
      !st.ok())
    return st;
  if (tokens <= 0 || topK <= 0)
    return Status::success();
  // sum_e f_e P_e = sum_t sum_e counts_e probs[t, e] / (tokens^2 topK).
  double sum = 0.0;
  for (int64_t t = 0; t < tokens; ++t)
    for (int64_t e = 0; e < experts; ++e)
      sum += static_cast<double>(counts[e]) * probs[t * experts + e];
  loss = coeff * static_cast<double>(experts) * sum /
         (static_cast<double>(tokens) * static_cast<double>(tokens) *
          static_cast<double>(topK));
  return Status::success();
}

namespace {
/// dlogits[t, e] = probs[t, e] (a_e - sum_i probs[t, i] a_i): a balance
/// loss's gradient through the softmax, for per-expert weights `a`.
void balanceGrad(const float *probs, int64_t tokens, int64_t experts,
                 const std::vector<double> &a, float *dlogits) {
  forEachToken(tokens, [&](int64_t t) {
    const float *p = probs + t * experts;
    double inner = 0.0;
    for (int64_t e = 0; e < experts; ++e)
      inner += static_cast<double>(p[e]) * a[e];
    for (int64_t e = 0; e < experts; ++e)
      dlogits[t * experts + e] =
          static_cast<float>(static_cast<double>(p[e]) * (a[e] - inner));
  });
}
} // namespace

Status moeBalanceLossGrad(const float *probs, const int32_t *counts,
                          int64_t tokens, int64_t experts, int64_t topK,
                          double coeff, float *dlogits) {
  if (Status st =
          checkCounts("moe_balance_loss_grad", counts, experts, tokens * topK);
      !st.ok())
    return st;
  if (tokens <= 0)
    return Status::success();
  // a_e = coeff experts f_e / tokens, f_e = counts_e / (tokens topK).
  std::vector<double> a(experts, 0.0);
  if (topK > 0)
    for (int64_t e = 0; e < experts; ++e)
      a[e] = coeff * static_cast<double>(experts) *
             static_cast<double>(counts[e]) /
             (static_cast<double>(tokens) * static_cast<double>(tokens) *
              static_cast<double>(topK));
  balanceGrad(probs, tokens, experts, a, dlogits);
  return Status::success();
}

Status moeBalanceStats(const float *probs, const int32_t *counts,
                       int64_t tokens, int64_t experts, int64_t topK,
                       float *stats) {
  if (Status st =
          checkCounts("moe_balance_stats", counts, experts, tokens * topK);
      !st.ok())
    return st;
  std::vector<double> sum(experts, 0.0);
  for (int64_t t = 0; t < tokens; ++t)
    for (int64_t e = 0; e < experts; ++e)
      sum[e] += probs[t * experts + e];
  for (int64_t e = 0; e < experts; ++e) {
    stats[e] = static_cast<float>(counts[e]);
    stats[experts + e] = static_cast<float>(sum[e]);
  }
  return Status::success();
}

double moeBalanceLossStats(const float *stats, int64_t experts, int64_t topK,
                           double coeff) {
  double slots = 0.0;
  for (int64_t e = 0; e < experts; ++e)
    slots += stats[e];
  if (!(slots > 0))
    return 0.0;
  // sum_e f_e P_e = sum_e stats[0, e] stats[1, e] topK / slots^2.
  double sum = 0.0;
  for (int64_t e = 0; e < experts; ++e)
    sum += static_cast<double>(stats[e]) * stats[experts + e];
  return coeff * static_cast<double>(experts) * sum *
         static_cast<double>(topK) / (slots * slots);
}

void moeBalanceLossStatsGrad(const float *probs, const float *stats,
                             int64_t tokens, int64_t experts, double coeff,
                             float *dlogits) {
  if (tokens <= 0)
    return;
  double slots = 0.0;
  for (int64_t e = 0; e < experts; ++e)
    slots += stats[e];
  // a_e = coeff experts f_e / tokens, f_e the fraction of every rank's
  // token-slots.
  std::vector<double> a(experts, 0.0);
  if (slots > 0)
    for (int64_t e = 0; e < experts; ++e)
      a[e] = coeff * static_cast<double>(experts) *
             (static_cast<double>(stats[e]) / slots) /
             static_cast<double>(tokens);
  balanceGrad(probs, tokens, experts, a, dlogits);
}

double moeZLoss(const float *logits, int64_t tokens, int64_t experts,
                double coeff) {
  if (tokens <= 0 || experts <= 0)
    return 0.0;
  std::vector<double> lse(tokens);
  forEachToken(tokens, [&](int64_t t) {
    lse[t] = logSumExp(logits + t * experts, experts);
  });
  double sum = 0.0;
  for (int64_t t = 0; t < tokens; ++t)
    sum += lse[t] * lse[t];
  return coeff * sum / static_cast<double>(tokens);
}

void moeZLossGrad(const float *logits, int64_t tokens, int64_t experts,
                  double coeff, float *dlogits) {
  if (tokens <= 0 || experts <= 0)
    return;
  const double scale = 2.0 * coeff / static_cast<double>(tokens);
  forEachToken(tokens, [&](int64_t t) {
    const float *l = logits + t * experts;
    const double lse = logSumExp(l, experts);
    for (int64_t e = 0; e < experts; ++e)
      dlogits[t * experts + e] = static_cast<float>(
          scale * lse * std::exp(static_cast<double>(l[e]) - lse));
  });
}

} // namespace cherry::runtime::cpu
