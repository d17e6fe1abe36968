//===- CpuMoeKernelsTest.cpp - Mixture-of-experts kernels -----------------===//
//
// The routing kernels of docs/MoEE.md against references written here in
// double precision, straight from the formulas (no permutation: a token's
// output is the gate-weighted sum of its experts' outputs):
//   - forward kernels within the rounding bound of their arithmetic
//     (FloatBounds.h), or exactly where they only move data;
//   - backward kernels against five-point central differences of the
//     double forward (exact to ~1e-12, so the tolerance measures the float
//     kernel alone), on logits whose top-k choice no step of the stencil
//     changes;
//   - a whole routed SwiGLU MLP (router, dispatch, grouped GEMMs, combine)
//     and its backward, composed from the kernels, against the naive layer
//     and its finite differences;
//   - the same bits on 1, 2 and 3 threads in deterministic mode.
// Sizes are not multiples of any vector width.
//
//===----------------------------------------------------------------------===//

#include "cherry/Runtime/CpuKernels.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <numeric>
#include <string>
#include <vector>

#include "FloatBounds.h"

using namespace cherry::runtime;
using namespace cherry::test;
using namespace cherry::runtime::cpu;

namespace {

/// Deterministic values in [lo, hi) (xorshift).
std::vector<float> randomVector(int64_t n, uint64_t seed, float lo = -1.0f,
                                float hi = 1.0f) {
  uint64_t s = seed * 0x9E3779B97F4A7C15ull + 1;
  std::vector<float> v(n);
  for (auto &x : v) {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    double u = static_cast<double>(s >> 11) / 9007199254740992.0;
    x = static_cast<float>(lo + (hi - lo) * u);
  }
  return v;
}

std::vector<double> toDouble(const std::vector<float> &v) {
  return {v.begin(), v.end()};
}

double dot(const std::vector<float> &a, const std::vector<double> &b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i)
    s += a[i] * b[i];
  return s;
}

/// |got - want| <= tol * max(|want|, max |want|): judged against the
/// gradient's scale (as in CpuGradKernelsTest).
void expectGradClose(const std::vector<float> &got,
                     const std::vector<double> &want, double tol,
                     const std::string &what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  double scale = 0;
  for (double w : want)
    scale = std::max(scale, std::abs(w));
  ASSERT_GT(scale, 0.0) << what << ": the reference gradient is all zeros";
  int reported = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    double bound = tol * std::max(std::abs(want[i]), scale);
    if (!(std::abs(got[i] - want[i]) <= bound) && reported++ < 5)
      ADD_FAILURE() << what << " element " << i << ": got " << got[i]
                    << ", want " << want[i] << " (scale " << scale << ")";
  }
}

/// dL/dx by the five-point central difference, in double.
std::vector<double>
numericGrad(const std::function<double(const std::vector<double> &)> &f,
            std::vector<double> x, double eps = 1e-3) {
  std::vector<double> g(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    const double x0 = x[i];
    auto at = [&](double delta) {
      x[i] = x0 + delta;
      return f(x);
    };
    g[i] = (8.0 * (at(eps) - at(-eps)) - (at(2 * eps) - at(-2 * eps))) /
           (12.0 * eps);
    x[i] = x0;
  }
  return g;
}

struct ThreadGuard {
  ~ThreadGuard() {
    setNumThreads(0);
    setDeterministic(true);
  }
};

//===----------------------------------------------------------------------===//
// The reference: docs/MoEE.md's formulas in double
//===----------------------------------------------------------------------===//

struct RefRoute {
  std::vector<double> probs;   // [tokens, experts]
  std::vector<int32_t> expert; // [tokens, topK]
  std::vector<double> gate;    // [tokens, topK]
};

/// softmax, top-k by a stable sort of the logits (descending: ties keep the
/// lower index first), gates renormalized over the chosen or not.
RefRoute refRoute(const std::vector<double> &logits, int64_t tokens,
                  int64_t experts, int64_t topK, bool renormalize) {
  RefRoute r;
  r.probs.resize(tokens * experts);
  r.expert.resize(tokens * topK);
  r.gate.resize(tokens * topK);
  for (int64_t t = 0; t < tokens; ++t) {
    const double *l = logits.data() + t * experts;
    double m = l[0];
    for (int64_t e = 1; e < experts; ++e)
      m = std::max(m, l[e]);
    double z = 0;
    for (int64_t e = 0; e < experts; ++e)
      z += std::exp(l[e] - m);
    for (int64_t e = 0; e < experts; ++e)
      r.probs[t * experts + e] = std::exp(l[e] - m) / z;
    std::vector<int32_t> idx(experts);
    std::iota(idx.begin(), idx.end(), 0);
    std::stable_sort(idx.begin(), idx.end(),
                     [&](int32_t a, int32_t b) { return l[a] > l[b]; });
    double chosen = 0;
    for (int64_t j = 0; j < topK; ++j)
      chosen += r.probs[t * experts + idx[j]];
    for (int64_t j = 0; j < topK; ++j) {
      r.expert[t * topK + j] = idx[j];
      r.gate[t * topK + j] =
          r.probs[t * experts + idx[j]] / (renormalize ? chosen : 1.0);
    }
  }
  return r;
}

/// Switch: coeff * E * sum_e f_e P_e, f from the routing, P from probs.
double refBalanceLoss(const std::vector<double> &probs,
                      const std::vector<int32_t> &expert, int64_t tokens,
                      int64_t experts, int64_t topK, double coeff) {
  std::vector<double> f(experts, 0.0), P(experts, 0.0);
  for (int32_t e : expert)
    f[e] += 1.0 / double(tokens * topK);
  for (int64_t t = 0; t < tokens; ++t)
    for (int64_t e = 0; e < experts; ++e)
      P[e] += probs[t * experts + e] / double(tokens);
  double s = 0;
  for (int64_t e = 0; e < experts; ++e)
    s += f[e] * P[e];
  return coeff * double(experts) * s;
}

double refZLoss(const std::vector<double> &logits, int64_t tokens,
                int64_t experts, double coeff) {
  double s = 0;
  for (int64_t t = 0; t < tokens; ++t) {
    double m = logits[t * experts];
    for (int64_t e = 1; e < experts; ++e)
      m = std::max(m, logits[t * experts + e]);
    double z = 0;
    for (int64_t e = 0; e < experts; ++e)
      z += std::exp(logits[t * experts + e] - m);
    const double lse = m + std::log(z);
    s += lse * lse;
  }
  return coeff * s / double(tokens);
}

/// Logits whose sorted values are at least 0.02 apart in every row, so that
/// no finite-difference step (2e-3) changes the top-k choice; rows shuffled
/// deterministically.
std::vector<float> separatedLogits(int64_t tokens, int64_t experts,
                                   uint64_t seed) {
  auto jitter = randomVector(tokens * experts, seed, 0.0f, 0.2f);
  std::vector<float> l(tokens * experts);
  for (int64_t t = 0; t < tokens; ++t)
    for (int64_t e = 0; e < experts; ++e) {
      // A rank per (t, e) that visits every expert: (e * 3 + t) mod E is a
      // permutation when gcd(3, E) = 1.
      const int64_t rank = (e * 3 + t) % experts;
      l[t * experts + e] =
          0.25f * float(rank) + jitter[t * experts + e] - 0.1f * float(experts);
    }
  return l;
}

//===----------------------------------------------------------------------===//
// moe_topk
//===----------------------------------------------------------------------===//

/// Relative bound of one float32 probability of moeTopk: the argument
/// l - max rounds (u |l - max|, which e^x turns into a relative error of
/// that size), expF32 is within 1 ulp (2u), the sum of n such terms adds
/// gamma_n and the worst term's error, the reciprocal and the product one
/// rounding each. 1% on top covers the second-order terms.
double softmaxRelBound(double argument, double worstArgument, int64_t n) {
  const double term = kUnitRoundoff * std::abs(argument) + 2 * kUnitRoundoff;
  const double worst =
      kUnitRoundoff * std::abs(worstArgument) + 2 * kUnitRoundoff;
  return 1.01 * (term + worst + sumBound(double(n) + 2));
}

/// Below float32's smallest normal number a result has no relative accuracy
/// left (expF32 flushes to 0 under about e^-104): an absolute allowance.
constexpr double kUnderflow = 0x1p-126;

void checkTopk(const std::vector<float> &logits, int64_t tokens,
               int64_t experts, int64_t topK, bool renormalize,
               const std::string &what) {
  std::vector<float> probs(tokens * experts, std::nanf("")),
      gate(tokens * topK, std::nanf(""));
  std::vector<int32_t> expert(tokens * topK, -7);
  moeTopk(logits.data(), tokens, experts, topK, renormalize, probs.data(),
          expert.data(), gate.data());
  RefRoute ref = refRoute(toDouble(logits), tokens, experts, topK, renormalize);
  ASSERT_EQ(expert, ref.expert) << what;

  std::vector<double> probBound(tokens * experts), gateBound(tokens * topK);
  for (int64_t t = 0; t < tokens; ++t) {
    const float *l = logits.data() + t * experts;
    const double m = *std::max_element(l, l + experts);
    double worst = 0, worstChosen = 0;
    for (int64_t e = 0; e < experts; ++e)
      worst = std::max(worst, std::abs(l[e] - m));
    for (int64_t j = 0; j < topK; ++j)
      worstChosen =
          std::max(worstChosen, std::abs(l[ref.expert[t * topK + j]] - m));
    for (int64_t e = 0; e < experts; ++e)
      probBound[t * experts + e] =
          ref.probs[t * experts + e] *
              softmaxRelBound(l[e] - m, worst, experts) +
          kUnderflow;
    for (int64_t j = 0; j < topK; ++j) {
      const int32_t e = ref.expert[t * topK + j];
      gateBound[t * topK + j] =
          renormalize ? ref.gate[t * topK + j] *
                                softmaxRelBound(l[e] - m, worstChosen, topK) +
                            kUnderflow
                      : probBound[t * experts + e];
    }
  }
  expectWithinBound(probs, ref.probs, probBound, what + " probs");
  expectWithinBound(gate, ref.gate, gateBound, what + " gate");
  if (!renormalize) {
    for (int64_t s = 0; s < tokens * topK; ++s)
      EXPECT_EQ(gate[s], probs[(s / topK) * experts + expert[s]])
          << what << " slot " << s << ": the gate is the probability";
  }
}

TEST(CpuMoeKernels, TopkMatchesReference) {
  const int64_t tokens = 37;
  for (int64_t experts : {2, 5, 8})
    for (int64_t topK = 1; topK <= std::min<int64_t>(experts, 3); ++topK)
      for (bool renormalize : {true, false}) {
        auto logits = randomVector(tokens * experts, 10 + experts, -6.0f, 6.0f);
        // Exact ties, to the lower index: rows 0..2 all equal, row 3 has a
        // tie at the top, row 4 one at the k-th place.
        for (int64_t e = 0; e < experts; ++e)
          logits[e] = logits[experts + e] = 0.5f, logits[2 * experts + e] = -3;
        logits[3 * experts + experts - 1] = 9;
        logits[3 * experts] = 9;
        checkTopk(logits, tokens, experts, topK, renormalize,
                  "E " + std::to_string(experts) + " k " +
                      std::to_string(topK) + (renormalize ? " renorm" : ""));
      }
}

TEST(CpuMoeKernels, TopkEdgeCases) {
  // top-1 renormalized: every gate is exactly 1. top_k = E renormalized:
  // the gates are the probabilities in logit order.
  const int64_t tokens = 50, experts = 4;
  auto logits = randomVector(tokens * experts, 20, -30.0f, 30.0f);
  std::vector<float> probs(tokens * experts), gate(tokens * experts);
  std::vector<int32_t> expert(tokens * experts);
  moeTopk(logits.data(), tokens, experts, 1, true, probs.data(), expert.data(),
          gate.data());
  for (int64_t t = 0; t < tokens; ++t)
    EXPECT_EQ(gate[t], 1.0f) << "token " << t;
  checkTopk(logits, tokens, experts, experts, true, "k = E");
  // Large logits: the max is subtracted, nothing overflows.
  for (float &l : logits)
    l = l * 3.0f + 1000.0f;
  checkTopk(logits, tokens, experts, 2, false, "large logits");
}

TEST(CpuMoeKernels, TopkGradMatchesFiniteDifferences) {
  const int64_t tokens = 13;
  for (int64_t experts : {2, 5})
    for (int64_t topK : {int64_t(1), int64_t(2), experts})
      for (bool renormalize : {true, false}) {
        if (topK == 1 && renormalize)
          continue; // the gate is 1: no gradient (checked below)
        const std::string what = "E " + std::to_string(experts) + " k " +
                                 std::to_string(topK) +
                                 (renormalize ? " renorm" : "");
        auto logits = separatedLogits(tokens, experts, 30 + experts);
        auto dgate = randomVector(tokens * topK, 31 + topK);
        auto want = numericGrad(
            [&](const std::vector<double> &l) {
              return dot(dgate,
                         refRoute(l, tokens, experts, topK, renormalize).gate);
            },
            toDouble(logits));
        std::vector<float> probs(tokens * experts), gate(tokens * topK);
        std::vector<int32_t> expert(tokens * topK);
        moeTopk(logits.data(), tokens, experts, topK, renormalize, probs.data(),
                expert.data(), gate.data());
        std::vector<float> dlogits(tokens * experts, std::nanf(""));
        ASSERT_TRUE(moeTopkGrad(probs.data(), expert.data(), gate.data(),
                                dgate.data(), tokens, experts, topK,
                                renormalize, dlogits.data())
                        .ok());
        expectGradClose(dlogits, want, 1e-5, what);
      }

  // top-1 renormalized: the gate is constant, the gradient exactly zero.
  const int64_t tokens1 = 5, experts1 = 3;
  auto logits = separatedLogits(tokens1, experts1, 40);
  std::vector<float> probs(tokens1 * experts1), gate(tokens1);
  std::vector<int32_t> expert(tokens1);
  moeTopk(logits.data(), tokens1, experts1, 1, true, probs.data(),
          expert.data(), gate.data());
  auto dgate = randomVector(tokens1, 41);
  std::vector<float> dlogits(tokens1 * experts1, std::nanf(""));
  ASSERT_TRUE(moeTopkGrad(probs.data(), expert.data(), gate.data(),
                          dgate.data(), tokens1, experts1, 1, true,
                          dlogits.data())
                  .ok());
  for (float d : dlogits)
    EXPECT_EQ(d, 0.0f);

  expert[2] = 3;
  Status bad =
      moeTopkGrad(probs.data(), expert.data(), gate.data(), dgate.data(),
                  tokens1, experts1, 1, true, dlogits.data());
  EXPECT_EQ(bad.message, "moe_topk_grad: expert 3 at slot 2 is outside [0, 3)");
}

//===----------------------------------------------------------------------===//
// moe_permute, moe_gather_rows
//===----------------------------------------------------------------------===//

/// Routing with every expert index, some experts more than others and expert
/// `empty` never.
std::vector<int32_t> someRouting(int64_t tokens, int64_t experts, int64_t topK,
                                 int64_t empty) {
  std::vector<int32_t> expert(tokens * topK);
  for (int64_t t = 0; t < tokens; ++t)
    for (int64_t j = 0; j < topK; ++j) {
      int64_t e = (t * t * 7 + j * 3 + t / 3) % experts;
      for (int64_t i = 0; i < j; ++i) // distinct per token
        if (expert[t * topK + i] == e)
          e = (e + 1) % experts, i = -1;
      expert[t * topK + j] = int32_t(e);
    }
  if (empty >= 0)
    for (int32_t &e : expert)
      if (e == empty)
        e = int32_t((empty + 1) % experts); // may repeat within a token
  return expert;
}

TEST(CpuMoeKernels, PermuteIsAStableGroupingByExpert) {
  const int64_t tokens = 41, experts = 5, topK = 2, slots = tokens * topK;
  auto expert = someRouting(tokens, experts, topK, /*empty=*/3);
  std::vector<int32_t> slotRow(slots, -1), counts(experts, -1);
  ASSERT_TRUE(moePermute(expert.data(), tokens, experts, topK, slotRow.data(),
                         counts.data())
                  .ok());
  // The reference: slots sorted stably by expert.
  std::vector<int32_t> order(slots);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int32_t a, int32_t b) { return expert[a] < expert[b]; });
  for (int64_t p = 0; p < slots; ++p)
    EXPECT_EQ(slotRow[order[p]], p) << "row " << p;
  for (int64_t e = 0; e < experts; ++e)
    EXPECT_EQ(counts[e], std::count(expert.begin(), expert.end(), e))
        << "expert " << e;
  EXPECT_EQ(counts[3], 0);

  expert[17] = -1;
  EXPECT_EQ(moePermute(expert.data(), tokens, experts, topK, slotRow.data(),
                       counts.data())
                .message,
            "moe_permute: expert -1 at slot 17 is outside [0, 5)");
}

TEST(CpuMoeKernels, GatherRowsAndGradMatchReference) {
  const int64_t tokens = 23, experts = 4, topK = 3, dim = 19,
                slots = tokens * topK;
  auto expert = someRouting(tokens, experts, topK, -1);
  std::vector<int32_t> slotRow(slots), counts(experts);
  ASSERT_TRUE(moePermute(expert.data(), tokens, experts, topK, slotRow.data(),
                         counts.data())
                  .ok());
  auto x = randomVector(tokens * dim, 50);
  std::vector<float> xp(slots * dim, std::nanf(""));
  ASSERT_TRUE(
      moeGatherRows(x.data(), slotRow.data(), tokens, topK, dim, xp.data())
          .ok());
  auto forward = [&](const std::vector<double> &xv) {
    std::vector<double> out(slots * dim);
    for (int64_t s = 0; s < slots; ++s)
      for (int64_t i = 0; i < dim; ++i)
        out[slotRow[s] * dim + i] = xv[(s / topK) * dim + i];
    return out;
  };
  auto want = forward(toDouble(x));
  for (int64_t i = 0; i < slots * dim; ++i)
    ASSERT_EQ(double(xp[i]), want[i]) << "element " << i; // a copy

  auto dxp = randomVector(slots * dim, 51);
  std::vector<float> dx(tokens * dim, std::nanf(""));
  ASSERT_TRUE(moeGatherRowsGrad(dxp.data(), slotRow.data(), tokens, topK, dim,
                                dx.data())
                  .ok());
  auto wantDx = numericGrad(
      [&](const std::vector<double> &xv) { return dot(dxp, forward(xv)); },
      toDouble(x));
  expectGradClose(dx, wantDx, 1e-6, "dx");

  // Writes through slot_row need a permutation.
  std::vector<int32_t> twice = slotRow;
  twice[5] = twice[9];
  EXPECT_EQ(moeGatherRows(x.data(), twice.data(), tokens, topK, dim, xp.data())
                .message,
            "moe_gather_rows: row " + std::to_string(twice[9]) +
                " is taken by two slots (slot_row is not a permutation)");
  twice[5] = int32_t(slots);
  EXPECT_EQ(
      moeGatherRowsGrad(dxp.data(), twice.data(), tokens, topK, dim, dx.data())
          .message,
      "moe_gather_rows_grad: slot 5 has row 69, outside [0, 69)");
}

//===----------------------------------------------------------------------===//
// moe_grouped_linear
//===----------------------------------------------------------------------===//

/// yp[r] = xp[r] w[e]^T over each expert's rows, in double, with the bound
/// of each k-term sum.
void refGrouped(const std::vector<float> &xp, const std::vector<float> &w,
                const std::vector<int32_t> &counts, int64_t n, int64_t k,
                std::vector<double> &want, std::vector<double> &bound) {
  const int64_t m = int64_t(xp.size()) / k;
  want.assign(m * n, 0.0);
  bound.assign(m * n, 0.0);
  int64_t r = 0;
  for (size_t e = 0; e < counts.size(); ++e)
    for (int32_t c = 0; c < counts[e]; ++c, ++r)
      for (int64_t j = 0; j < n; ++j) {
        double s = 0, mag = 0;
        for (int64_t i = 0; i < k; ++i) {
          const double t = double(xp[r * k + i]) * w[(e * n + j) * k + i];
          s += t;
          mag += std::abs(t);
        }
        want[r * n + j] = s;
        bound[r * n + j] = sumBound(double(k)) * mag;
      }
}

std::vector<double> groupedForward(const std::vector<double> &xp,
                                   const std::vector<double> &w,
                                   const std::vector<int32_t> &counts,
                                   int64_t n, int64_t k) {
  const int64_t m = int64_t(xp.size()) / k;
  std::vector<double> y(m * n, 0.0);
  int64_t r = 0;
  for (size_t e = 0; e < counts.size(); ++e)
    for (int32_t c = 0; c < counts[e]; ++c, ++r)
      for (int64_t j = 0; j < n; ++j)
        for (int64_t i = 0; i < k; ++i)
          y[r * n + j] += xp[r * k + i] * w[(e * n + j) * k + i];
  return y;
}

TEST(CpuMoeKernels, GroupedLinearMatchesReferenceOnThreadedShapes) {
  // Experts of very different sizes, one empty, GEMMs cut into grid parts;
  // both modes, one and two threads.
  ThreadGuard guard;
  const int64_t n = 150, k = 270, experts = 4;
  const std::vector<int32_t> counts = {310, 0, 17, 290};
  const int64_t m = 617;
  auto xp = randomVector(m * k, 60), w = randomVector(experts * n * k, 61);
  std::vector<double> want, bound;
  refGrouped(xp, w, counts, n, k, want, bound);
  for (bool det : {true, false})
    for (int threads : {1, 2}) {
      setDeterministic(det);
      setNumThreads(threads);
      std::vector<float> yp(m * n, std::nanf(""));
      ASSERT_TRUE(moeGroupedLinear(xp.data(), w.data(), counts.data(), m, n, k,
                                   experts, yp.data())
                      .ok());
      expectWithinBound(yp, want, bound,
                        "yp threads " + std::to_string(threads) +
                            (det ? " deterministic" : ""));
    }
}

TEST(CpuMoeKernels, GroupedLinearGradsMatchFiniteDifferences) {
  const int64_t n = 7, k = 9, experts = 4;
  const std::vector<int32_t> counts = {3, 0, 5, 1};
  const int64_t m = 9;
  auto xp = randomVector(m * k, 70), w = randomVector(experts * n * k, 71);
  auto dyp = randomVector(m * n, 72);
  const auto xd = toDouble(xp), wd = toDouble(w);
  auto wantDx = numericGrad(
      [&](const std::vector<double> &x) {
        return dot(dyp, groupedForward(x, wd, counts, n, k));
      },
      xd);
  auto wantDw = numericGrad(
      [&](const std::vector<double> &wv) {
        return dot(dyp, groupedForward(xd, wv, counts, n, k));
      },
      wd);
  std::vector<float> dxp(m * k, std::nanf("")),
      dw(experts * n * k, std::nanf(""));
  ASSERT_TRUE(moeGroupedLinearGradInput(dyp.data(), w.data(), counts.data(), m,
                                        n, k, experts, dxp.data())
                  .ok());
  ASSERT_TRUE(moeGroupedLinearGradWeight(dyp.data(), xp.data(), counts.data(),
                                         m, n, k, experts, dw.data())
                  .ok());
  expectGradClose(dxp, wantDx, 1e-6, "dxp");
  expectGradClose(dw, wantDw, 1e-6, "dw");
  for (int64_t i = n * k; i < 2 * n * k; ++i)
    ASSERT_EQ(dw[i], 0.0f) << "the empty expert's gradient is zero";
}

TEST(CpuMoeKernels, GroupedLinearGradsWithinBoundOnThreadedShapes) {
  // dxp = dyp w[e] and dw[e] = dyp_e^T xp_e, the latter split along its
  // rows (k pieces) for the big expert.
  ThreadGuard guard;
  setNumThreads(2);
  const int64_t n = 40, k = 48, experts = 3;
  const std::vector<int32_t> counts = {2100, 0, 37};
  const int64_t m = 2137;
  auto xp = randomVector(m * k, 80), w = randomVector(experts * n * k, 81);
  auto dyp = randomVector(m * n, 82);
  for (bool det : {true, false}) {
    setDeterministic(det);
    std::vector<float> dxp(m * k), dw(experts * n * k, std::nanf(""));
    ASSERT_TRUE(moeGroupedLinearGradInput(dyp.data(), w.data(), counts.data(),
                                          m, n, k, experts, dxp.data())
                    .ok());
    ASSERT_TRUE(moeGroupedLinearGradWeight(dyp.data(), xp.data(), counts.data(),
                                           m, n, k, experts, dw.data())
                    .ok());
    std::vector<double> wantDx(m * k, 0), dxBound(m * k, 0),
        wantDw(experts * n * k, 0), dwBound(experts * n * k, 0);
    int64_t r0 = 0;
    for (int64_t e = 0; e < experts; ++e) {
      for (int64_t r = r0; r < r0 + counts[e]; ++r)
        for (int64_t i = 0; i < k; ++i) {
          double s = 0, mag = 0;
          for (int64_t j = 0; j < n; ++j) {
            const double t = double(dyp[r * n + j]) * w[(e * n + j) * k + i];
            s += t, mag += std::abs(t);
          }
          wantDx[r * k + i] = s;
          dxBound[r * k + i] = sumBound(double(n)) * mag;
        }
      for (int64_t j = 0; j < n; ++j)
        for (int64_t i = 0; i < k; ++i) {
          double s = 0, mag = 0;
          for (int64_t r = r0; r < r0 + counts[e]; ++r) {
            const double t = double(dyp[r * n + j]) * xp[r * k + i];
            s += t, mag += std::abs(t);
          }
          wantDw[(e * n + j) * k + i] = s;
          dwBound[(e * n + j) * k + i] = sumBound(double(counts[e])) * mag;
        }
      r0 += counts[e];
    }
    const std::string what = det ? " deterministic" : "";
    expectWithinBound(dxp, wantDx, dxBound, "dxp" + what);
    expectWithinBound(dw, wantDw, dwBound, "dw" + what);
  }
}

TEST(CpuMoeKernels, GroupedLinearRejectsBadCounts) {
  std::vector<float> xp(6 * 2), w(2 * 3 * 2), yp(6 * 3), dw(2 * 3 * 2);
  std::vector<int32_t> counts = {4, 3};
  EXPECT_EQ(moeGroupedLinear(xp.data(), w.data(), counts.data(), 6, 3, 2, 2,
                             yp.data())
                .message,
            "moe_grouped_linear: the expert counts sum to 7, more than the 6 "
            "rows");
  counts = {7, -1};
  EXPECT_EQ(moeGroupedLinearGradWeight(yp.data(), xp.data(), counts.data(), 6,
                                       3, 2, 2, dw.data())
                .message,
            "moe_grouped_linear_grad_weight: expert 1 has a negative count -1");
}

// Counts that sum to fewer rows than m (an expert-parallel receive buffer's
// unused tail): the rows past them come out zero, whatever the buffer held,
// and add nothing to the weight gradient.
TEST(CpuMoeKernels, GroupedLinearZeroesRowsPastTheCounts) {
  const int64_t m = 5, n = 3, k = 2;
  std::vector<float> xp(m * k), w(2 * n * k), yp(m * n, 7.0f), dxp(m * k, 7.0f),
      dw(2 * n * k), dwUsed(2 * n * k);
  for (size_t i = 0; i < xp.size(); ++i)
    xp[i] = 0.25f * float(i + 1);
  for (size_t i = 0; i < w.size(); ++i)
    w[i] = 0.5f - 0.125f * float(i);
  std::vector<int32_t> counts = {1, 2};
  ASSERT_TRUE(moeGroupedLinear(xp.data(), w.data(), counts.data(), m, n, k, 2,
                               yp.data())
                  .ok());
  for (int64_t i = 3 * n; i < m * n; ++i)
    EXPECT_EQ(yp[i], 0.0f) << i;
  // Row 0 is expert 0's: x0 . w[0][j].
  for (int64_t j = 0; j < n; ++j)
    EXPECT_FLOAT_EQ(yp[j], xp[0] * w[j * k] + xp[1] * w[j * k + 1]);
  std::vector<float> dyp(m * n, 1.0f);
  ASSERT_TRUE(moeGroupedLinearGradInput(dyp.data(), w.data(), counts.data(), m,
                                        n, k, 2, dxp.data())
                  .ok());
  for (int64_t i = 3 * k; i < m * k; ++i)
    EXPECT_EQ(dxp[i], 0.0f) << i;
  ASSERT_TRUE(moeGroupedLinearGradWeight(dyp.data(), xp.data(), counts.data(),
                                         m, n, k, 2, dw.data())
                  .ok());
  // The same gradient from exactly the 3 used rows.
  ASSERT_TRUE(moeGroupedLinearGradWeight(dyp.data(), xp.data(), counts.data(),
                                         3, n, k, 2, dwUsed.data())
                  .ok());
  EXPECT_EQ(dw, dwUsed);
}

//===----------------------------------------------------------------------===//
// moe_unpermute
//===----------------------------------------------------------------------===//

TEST(CpuMoeKernels, UnpermuteAndGradMatchReference) {
  const int64_t tokens = 17, experts = 5, topK = 3, dim = 21,
                slots = tokens * topK;
  auto expert = someRouting(tokens, experts, topK, -1);
  std::vector<int32_t> slotRow(slots), counts(experts);
  ASSERT_TRUE(moePermute(expert.data(), tokens, experts, topK, slotRow.data(),
                         counts.data())
                  .ok());
  auto yp = randomVector(slots * dim, 90), gate = randomVector(slots, 91, 0, 1);
  auto forward = [&](const std::vector<double> &ypv,
                     const std::vector<double> &g) {
    std::vector<double> y(tokens * dim, 0.0);
    for (int64_t t = 0; t < tokens; ++t)
      for (int64_t j = 0; j < topK; ++j)
        for (int64_t i = 0; i < dim; ++i)
          y[t * dim + i] +=
              g[t * topK + j] * ypv[slotRow[t * topK + j] * dim + i];
    return y;
  };
  std::vector<float> y(tokens * dim, std::nanf(""));
  ASSERT_TRUE(moeUnpermute(yp.data(), slotRow.data(), gate.data(), tokens, topK,
                           dim, y.data())
                  .ok());
  auto want = forward(toDouble(yp), toDouble(gate));
  std::vector<double> bound(tokens * dim, 0.0);
  for (int64_t t = 0; t < tokens; ++t)
    for (int64_t i = 0; i < dim; ++i) {
      double mag = 0;
      for (int64_t j = 0; j < topK; ++j)
        mag += std::abs(double(gate[t * topK + j]) *
                        yp[slotRow[t * topK + j] * dim + i]);
      bound[t * dim + i] = sumBound(double(topK)) * mag;
    }
  expectWithinBound(y, want, bound, "y");

  auto dy = randomVector(tokens * dim, 92);
  auto wantDyp = numericGrad(
      [&](const std::vector<double> &v) {
        return dot(dy, forward(v, toDouble(gate)));
      },
      toDouble(yp));
  auto wantDgate = numericGrad(
      [&](const std::vector<double> &g) {
        return dot(dy, forward(toDouble(yp), g));
      },
      toDouble(gate));
  std::vector<float> dyp(slots * dim, std::nanf("")),
      dgate(slots, std::nanf(""));
  ASSERT_TRUE(moeUnpermuteGrad(dy.data(), yp.data(), slotRow.data(),
                               gate.data(), tokens, topK, dim, dyp.data(),
                               dgate.data())
                  .ok());
  expectGradClose(dyp, wantDyp, 1e-6, "dyp");
  expectGradClose(dgate, wantDgate, 1e-6, "dgate");
  // dyp is one product: exactly gate * dy rounded.
  for (int64_t s = 0; s < slots; ++s)
    for (int64_t i = 0; i < dim; ++i)
      ASSERT_EQ(dyp[slotRow[s] * dim + i], gate[s] * dy[(s / topK) * dim + i]);
}

//===----------------------------------------------------------------------===//
// Auxiliary losses
//===----------------------------------------------------------------------===//

TEST(CpuMoeKernels, BalanceLossAndGradMatchReference) {
  const int64_t tokens = 19, experts = 5, topK = 2;
  const double coeff = 0.01;
  auto logits = separatedLogits(tokens, experts, 100);
  std::vector<float> probs(tokens * experts), gate(tokens * topK);
  std::vector<int32_t> expert(tokens * topK), slotRow(tokens * topK),
      counts(experts);
  moeTopk(logits.data(), tokens, experts, topK, true, probs.data(),
          expert.data(), gate.data());
  ASSERT_TRUE(moePermute(expert.data(), tokens, experts, topK, slotRow.data(),
                         counts.data())
                  .ok());

  // The forward from the kernel's float probabilities: summed in double,
  // within 1e-14 relative of the reference on the same probabilities.
  double loss = -1;
  ASSERT_TRUE(moeBalanceLoss(probs.data(), counts.data(), tokens, experts, topK,
                             coeff, loss)
                  .ok());
  const double want =
      refBalanceLoss(toDouble(probs), expert, tokens, experts, topK, coeff);
  EXPECT_NEAR(loss, want, 1e-14 * want);
  // A perfectly balanced router scores coeff: f_e = P_e = 1/E.
  {
    std::vector<float> uniform(4 * 4, 0.25f);
    std::vector<int32_t> even = {2, 2, 2, 2};
    double balanced = 0;
    ASSERT_TRUE(
        moeBalanceLoss(uniform.data(), even.data(), 4, 4, 2, coeff, balanced)
            .ok());
    EXPECT_DOUBLE_EQ(balanced, coeff);
  }

  // The gradient with respect to the logits (f fixed: the routing is
  // piecewise constant, and the separated logits keep it fixed).
  auto wantDl = numericGrad(
      [&](const std::vector<double> &l) {
        RefRoute r = refRoute(l, tokens, experts, topK, true);
        return refBalanceLoss(r.probs, expert, tokens, experts, topK, coeff);
      },
      toDouble(logits));
  std::vector<float> dl(tokens * experts, std::nanf(""));
  ASSERT_TRUE(moeBalanceLossGrad(probs.data(), counts.data(), tokens, experts,
                                 topK, coeff, dl.data())
                  .ok());
  expectGradClose(dl, wantDl, 1e-5, "dlogits");

  counts[0] += 1;
  EXPECT_EQ(moeBalanceLoss(probs.data(), counts.data(), tokens, experts, topK,
                           coeff, loss)
                .message,
            "moe_balance_loss: the expert counts sum to 39, expected 38 rows");
}

// Two ranks' statistics summed (as the all_reduce does, in float) give the
// balance loss of the batch of both, and each rank's gradient, halved by the
// data-parallel mean, is that batch's gradient over the rank's tokens.
TEST(CpuMoeKernels, BalanceStatsOverRanksEqualOneBatch) {
  const int64_t tokens = 13, experts = 5, topK = 2, ranks = 2;
  const int64_t all = ranks * tokens;
  const double coeff = 0.05;
  auto logits = separatedLogits(all, experts, 120);
  std::vector<float> probs(all * experts), gate(all * topK);
  std::vector<int32_t> expert(all * topK), slotRow(all * topK), counts(experts);
  moeTopk(logits.data(), all, experts, topK, true, probs.data(), expert.data(),
          gate.data());
  ASSERT_TRUE(moePermute(expert.data(), all, experts, topK, slotRow.data(),
                         counts.data())
                  .ok());
  // Each rank's half: its counts and statistics; summed over the ranks.
  std::vector<float> summed(2 * experts, 0.0f);
  for (int64_t r = 0; r < ranks; ++r) {
    std::vector<int32_t> rows(tokens * topK), mine(experts);
    ASSERT_TRUE(moePermute(expert.data() + r * tokens * topK, tokens, experts,
                           topK, rows.data(), mine.data())
                    .ok());
    std::vector<float> stats(2 * experts, std::nanf(""));
    ASSERT_TRUE(moeBalanceStats(probs.data() + r * tokens * experts,
                                mine.data(), tokens, experts, topK,
                                stats.data())
                    .ok());
    for (int64_t e = 0; e < experts; ++e) {
      // Row 0 the counts, exactly; row 1 a double sum rounded once.
      EXPECT_EQ(stats[e], static_cast<float>(mine[e]));
      double sum = 0;
      for (int64_t t = 0; t < tokens; ++t)
        sum += probs[(r * tokens + t) * experts + e];
      EXPECT_EQ(stats[experts + e], static_cast<float>(sum));
    }
    for (int64_t i = 0; i < 2 * experts; ++i)
      summed[i] += stats[i];
  }
  for (int64_t e = 0; e < experts; ++e)
    EXPECT_EQ(summed[e], static_cast<float>(counts[e]));

  // The loss: each P_e sum is rounded to float on its rank and once more in
  // the sum across ranks (2 roundings, 2 u = 1.2e-7 relative with u =
  // 2^-24), the counts are exact and the loss a sum of positive products in
  // double: within 1.2e-7 relative of the reference over the whole batch;
  // 2e-7.
  const double want =
      refBalanceLoss(toDouble(probs), expert, all, experts, topK, coeff);
  const double loss = moeBalanceLossStats(summed.data(), experts, topK, coeff);
  EXPECT_NEAR(loss, want, 2e-7 * want);
  double whole = -1;
  ASSERT_TRUE(moeBalanceLoss(probs.data(), counts.data(), all, experts, topK,
                             coeff, whole)
                  .ok());
  EXPECT_NEAR(loss, whole, 2e-7 * want);

  // The gradient: a_e = coeff E f_e / tokens on each rank is twice the
  // whole batch's coeff E f_e / (2 tokens), both in double (equal to 1e-15
  // relative) before the one rounding to float; halved (exactly) they are
  // the whole batch's kernel's to one rounding: within 1 ulp.
  std::vector<float> wholeDl(all * experts, std::nanf(""));
  ASSERT_TRUE(moeBalanceLossGrad(probs.data(), counts.data(), all, experts,
                                 topK, coeff, wholeDl.data())
                  .ok());
  for (int64_t r = 0; r < ranks; ++r) {
    std::vector<float> dl(tokens * experts, std::nanf(""));
    moeBalanceLossStatsGrad(probs.data() + r * tokens * experts, summed.data(),
                            tokens, experts, coeff, dl.data());
    for (int64_t i = 0; i < tokens * experts; ++i) {
      const float w = wholeDl[r * tokens * experts + i];
      EXPECT_NEAR(0.5f * dl[i], w, std::abs(w) * 1.2e-7f + 1e-30f) << i;
    }
  }
  // Against the formula directly, on one rank's statistics.
  std::vector<float> one(2 * experts);
  ASSERT_TRUE(moeBalanceStats(probs.data(), counts.data(), all, experts, topK,
                              one.data())
                  .ok());
  std::vector<float> dl(all * experts, std::nanf(""));
  moeBalanceLossStatsGrad(probs.data(), one.data(), all, experts, coeff,
                          dl.data());
  for (int64_t t = 0; t < all; ++t) {
    double a[8], inner = 0;
    for (int64_t e = 0; e < experts; ++e) {
      a[e] = coeff * experts * (double(counts[e]) / double(all * topK)) / all;
      inner += double(probs[t * experts + e]) * a[e];
    }
    for (int64_t e = 0; e < experts; ++e)
      EXPECT_EQ(dl[t * experts + e],
                static_cast<float>(probs[t * experts + e] * (a[e] - inner)));
  }

  // No token-slots at all: no loss, no gradient.
  std::vector<float> zero(2 * experts, 0.0f);
  EXPECT_EQ(moeBalanceLossStats(zero.data(), experts, topK, coeff), 0.0);
  moeBalanceLossStatsGrad(probs.data(), zero.data(), tokens, experts, coeff,
                          dl.data());
  for (int64_t i = 0; i < tokens * experts; ++i)
    ASSERT_EQ(dl[i], 0.0f);
  counts[1] -= 1;
  EXPECT_EQ(moeBalanceStats(probs.data(), counts.data(), all, experts, topK,
                            one.data())
                .message,
            "moe_balance_stats: the expert counts sum to 51, expected 52 rows");
}

TEST(CpuMoeKernels, ZLossAndGradMatchReference) {
  const int64_t tokens = 23, experts = 6;
  const double coeff = 1e-3;
  auto logits = randomVector(tokens * experts, 110, -5.0f, 5.0f);
  const double loss = moeZLoss(logits.data(), tokens, experts, coeff);
  const double want = refZLoss(toDouble(logits), tokens, experts, coeff);
  EXPECT_NEAR(loss, want, 1e-14 * want);
  auto wantDl = numericGrad(
      [&](const std::vector<double> &l) {
        return refZLoss(l, tokens, experts, coeff);
      },
      toDouble(logits));
  std::vector<float> dl(tokens * experts, std::nanf(""));
  moeZLossGrad(logits.data(), tokens, experts, coeff, dl.data());
  expectGradClose(dl, wantDl, 1e-6, "dlogits");
}

//===----------------------------------------------------------------------===//
// A routed SwiGLU MLP from the kernels
//===----------------------------------------------------------------------===//

/// The layer: logits = x wr^T, route, y[t] = sum_j gate_j * expert_{e_j}(x[t])
/// with expert_e(v) = w2[e] (silu(w1[e] v) * (w3[e] v)).
struct MoeShape {
  int64_t tokens, dim, hidden, experts, topK;
  bool renormalize;
};

std::vector<double> refMoeLayer(const MoeShape &s, const std::vector<double> &x,
                                const std::vector<double> &wr,
                                const std::vector<double> &w1,
                                const std::vector<double> &w3,
                                const std::vector<double> &w2) {
  std::vector<double> logits(s.tokens * s.experts, 0.0);
  for (int64_t t = 0; t < s.tokens; ++t)
    for (int64_t e = 0; e < s.experts; ++e)
      for (int64_t i = 0; i < s.dim; ++i)
        logits[t * s.experts + e] += x[t * s.dim + i] * wr[e * s.dim + i];
  RefRoute r = refRoute(logits, s.tokens, s.experts, s.topK, s.renormalize);
  std::vector<double> y(s.tokens * s.dim, 0.0), h(s.hidden);
  for (int64_t t = 0; t < s.tokens; ++t)
    for (int64_t j = 0; j < s.topK; ++j) {
      const int64_t e = r.expert[t * s.topK + j];
      const double g = r.gate[t * s.topK + j];
      for (int64_t a = 0; a < s.hidden; ++a) {
        double u = 0, v = 0;
        for (int64_t i = 0; i < s.dim; ++i) {
          u += w1[(e * s.hidden + a) * s.dim + i] * x[t * s.dim + i];
          v += w3[(e * s.hidden + a) * s.dim + i] * x[t * s.dim + i];
        }
        h[a] = u / (1.0 + std::exp(-u)) * v;
      }
      for (int64_t i = 0; i < s.dim; ++i) {
        double o = 0;
        for (int64_t a = 0; a < s.hidden; ++a)
          o += w2[(e * s.dim + i) * s.hidden + a] * h[a];
        y[t * s.dim + i] += g * o;
      }
    }
  return y;
}

/// The layer's activations and gradients, computed the way a compiled step
/// launches the kernels.
struct MoeLayerRun {
  std::vector<float> y, dx, dwr, dw1, dw3, dw2;
};

MoeLayerRun runMoeLayer(const MoeShape &s, const std::vector<float> &x,
                        const std::vector<float> &wr,
                        const std::vector<float> &w1,
                        const std::vector<float> &w3,
                        const std::vector<float> &w2,
                        const std::vector<float> &dy) {
  const int64_t n = s.tokens, E = s.experts, k = s.topK, m = n * k;
  MoeLayerRun out;
  std::vector<float> logits(n * E), probs(n * E), gate(n * k);
  std::vector<int32_t> expert(n * k), slotRow(m), counts(E);
  linear(x.data(), wr.data(), logits.data(), n, E, s.dim);
  moeTopk(logits.data(), n, E, k, s.renormalize, probs.data(), expert.data(),
          gate.data());
  EXPECT_TRUE(
      moePermute(expert.data(), n, E, k, slotRow.data(), counts.data()).ok());
  std::vector<float> xp(m * s.dim), u(m * s.hidden), v(m * s.hidden),
      h(m * s.hidden), yp(m * s.dim);
  EXPECT_TRUE(
      moeGatherRows(x.data(), slotRow.data(), n, k, s.dim, xp.data()).ok());
  EXPECT_TRUE(moeGroupedLinear(xp.data(), w1.data(), counts.data(), m, s.hidden,
                               s.dim, E, u.data())
                  .ok());
  EXPECT_TRUE(moeGroupedLinear(xp.data(), w3.data(), counts.data(), m, s.hidden,
                               s.dim, E, v.data())
                  .ok());
  swiglu(u.data(), v.data(), h.data(), m * s.hidden);
  EXPECT_TRUE(moeGroupedLinear(h.data(), w2.data(), counts.data(), m, s.dim,
                               s.hidden, E, yp.data())
                  .ok());
  out.y.resize(n * s.dim);
  EXPECT_TRUE(moeUnpermute(yp.data(), slotRow.data(), gate.data(), n, k, s.dim,
                           out.y.data())
                  .ok());
  if (dy.empty())
    return out;

  std::vector<float> dyp(m * s.dim), dgate(n * k), dh(m * s.hidden),
      du(m * s.hidden), dv(m * s.hidden), dxp(m * s.dim), dlogits(n * E);
  out.dw1.resize(w1.size());
  out.dw3.resize(w3.size());
  out.dw2.resize(w2.size());
  out.dwr.resize(wr.size());
  out.dx.resize(x.size());
  EXPECT_TRUE(moeUnpermuteGrad(dy.data(), yp.data(), slotRow.data(),
                               gate.data(), n, k, s.dim, dyp.data(),
                               dgate.data())
                  .ok());
  EXPECT_TRUE(moeGroupedLinearGradWeight(dyp.data(), h.data(), counts.data(), m,
                                         s.dim, s.hidden, E, out.dw2.data())
                  .ok());
  EXPECT_TRUE(moeGroupedLinearGradInput(dyp.data(), w2.data(), counts.data(), m,
                                        s.dim, s.hidden, E, dh.data())
                  .ok());
  swigluGrad(u.data(), v.data(), dh.data(), du.data(), dv.data(), m * s.hidden);
  EXPECT_TRUE(moeGroupedLinearGradWeight(du.data(), xp.data(), counts.data(), m,
                                         s.hidden, s.dim, E, out.dw1.data())
                  .ok());
  EXPECT_TRUE(moeGroupedLinearGradWeight(dv.data(), xp.data(), counts.data(), m,
                                         s.hidden, s.dim, E, out.dw3.data())
                  .ok());
  EXPECT_TRUE(moeGroupedLinearGradInput(du.data(), w1.data(), counts.data(), m,
                                        s.hidden, s.dim, E, dxp.data())
                  .ok());
  EXPECT_TRUE(moeGroupedLinearGradInput(dv.data(), w3.data(), counts.data(), m,
                                        s.hidden, s.dim, E, dxp.data(),
                                        /*accumulate=*/true)
                  .ok());
  EXPECT_TRUE(
      moeGatherRowsGrad(dxp.data(), slotRow.data(), n, k, s.dim, out.dx.data())
          .ok());
  EXPECT_TRUE(moeTopkGrad(probs.data(), expert.data(), gate.data(),
                          dgate.data(), n, E, k, s.renormalize, dlogits.data())
                  .ok());
  linearGradWeight(dlogits.data(), x.data(), out.dwr.data(), n, E, s.dim,
                   false);
  linearGradInput(dlogits.data(), wr.data(), out.dx.data(), n, E, s.dim,
                  /*accumulate=*/true);
  return out;
}

/// A router whose logits are well separated for every token (so that the
/// stencil's steps keep the routing): wr rows far apart along x's
/// directions, x with a large component along one of them.
void separatedLayerInputs(const MoeShape &s, std::vector<float> &x,
                          std::vector<float> &wr) {
  x = randomVector(s.tokens * s.dim, 120, -0.3f, 0.3f);
  wr = randomVector(s.experts * s.dim, 121, -0.05f, 0.05f);
  for (int64_t e = 0; e < s.experts; ++e)
    wr[e * s.dim + e] += 1.0f; // logit e reads x's coordinate e
  for (int64_t t = 0; t < s.tokens; ++t)
    for (int64_t e = 0; e < s.experts; ++e)
      x[t * s.dim + e] = 0.6f * float((e * 3 + t) % s.experts) - 1.0f;
}

TEST(CpuMoeKernels, RoutedMlpMatchesNaiveLayerAndFiniteDifferences) {
  for (MoeShape s :
       {MoeShape{11, 7, 5, 4, 2, true}, MoeShape{11, 7, 5, 4, 1, false},
        MoeShape{8, 6, 5, 2, 2, true}}) {
    const std::string what = "E " + std::to_string(s.experts) + " k " +
                             std::to_string(s.topK) +
                             (s.renormalize ? " renorm" : "");
    std::vector<float> x, wr;
    separatedLayerInputs(s, x, wr);
    auto w1 = randomVector(s.experts * s.hidden * s.dim, 122);
    auto w3 = randomVector(s.experts * s.hidden * s.dim, 123);
    auto w2 = randomVector(s.experts * s.dim * s.hidden, 124);
    auto dy = randomVector(s.tokens * s.dim, 125);
    const auto xd = toDouble(x), wrd = toDouble(wr), w1d = toDouble(w1),
               w3d = toDouble(w3), w2d = toDouble(w2);

    MoeLayerRun run = runMoeLayer(s, x, wr, w1, w3, w2, dy);
    // Forward: a few float roundings per output; 1e-5 of the output scale.
    expectGradClose(run.y, refMoeLayer(s, xd, wrd, w1d, w3d, w2d), 1e-5,
                    what + " y");
    auto grad = [&](int which) {
      return numericGrad(
          [&](const std::vector<double> &p) {
            return dot(dy,
                       refMoeLayer(s, which == 0 ? p : xd, which == 1 ? p : wrd,
                                   which == 2 ? p : w1d, which == 3 ? p : w3d,
                                   which == 4 ? p : w2d));
          },
          std::vector<std::vector<double>>{xd, wrd, w1d, w3d, w2d}[which]);
    };
    expectGradClose(run.dx, grad(0), 1e-5, what + " dx");
    if (!(s.topK == 1 && s.renormalize))
      expectGradClose(run.dwr, grad(1), 1e-5, what + " dwr");
    expectGradClose(run.dw1, grad(2), 1e-5, what + " dw1");
    expectGradClose(run.dw3, grad(3), 1e-5, what + " dw3");
    expectGradClose(run.dw2, grad(4), 1e-5, what + " dw2");
  }
}

TEST(CpuMoeKernels, RoutedMlpWithEqualExpertsIsTheDenseMlp) {
  // Every expert the same and top_k = E renormalized: the gates sum to 1, so
  // the layer is the dense SwiGLU MLP of that expert.
  const MoeShape s{9, 6, 5, 3, 3, true};
  std::vector<float> x, wr;
  separatedLayerInputs(s, x, wr);
  auto one1 = randomVector(s.hidden * s.dim, 130),
       one3 = randomVector(s.hidden * s.dim, 131),
       one2 = randomVector(s.dim * s.hidden, 132);
  std::vector<float> w1, w3, w2;
  for (int64_t e = 0; e < s.experts; ++e) {
    w1.insert(w1.end(), one1.begin(), one1.end());
    w3.insert(w3.end(), one3.begin(), one3.end());
    w2.insert(w2.end(), one2.begin(), one2.end());
  }
  MoeLayerRun run = runMoeLayer(s, x, wr, w1, w3, w2, {});
  MoeShape dense = s;
  dense.experts = dense.topK = 1;
  expectGradClose(run.y,
                  refMoeLayer(dense, toDouble(x), std::vector<double>(s.dim),
                              toDouble(one1), toDouble(one3), toDouble(one2)),
                  1e-5, "y");
}

//===----------------------------------------------------------------------===//
// Threads
//===----------------------------------------------------------------------===//

/// Outputs of every MoE kernel on shapes that run on several threads (and
/// GEMMs cut into grid parts).
std::vector<std::vector<float>> runAllMoeKernels() {
  std::vector<std::vector<float>> outs;
  const int64_t n = 3001, E = 8, k = 2, dim = 256, hidden = 300, m = n * k;
  auto logits = randomVector(n * E, 200, -4.0f, 4.0f);
  std::vector<float> probs(n * E), gate(n * k);
  std::vector<int32_t> expert(n * k), slotRow(m), counts(E);
  moeTopk(logits.data(), n, E, k, true, probs.data(), expert.data(),
          gate.data());
  EXPECT_TRUE(
      moePermute(expert.data(), n, E, k, slotRow.data(), counts.data()).ok());
  outs.push_back(probs);
  outs.push_back(gate);
  std::vector<float> meta;
  for (int32_t v : expert)
    meta.push_back(float(v));
  for (int32_t v : slotRow)
    meta.push_back(float(v));
  outs.push_back(meta);

  auto x = randomVector(n * dim, 201), w = randomVector(E * hidden * dim, 202);
  std::vector<float> xp(m * dim), h(m * hidden), dxp(m * dim),
      dw(E * hidden * dim), y(n * dim), dx(n * dim), dyp(m * hidden),
      dgate(n * k), dl(n * E);
  EXPECT_TRUE(
      moeGatherRows(x.data(), slotRow.data(), n, k, dim, xp.data()).ok());
  EXPECT_TRUE(moeGroupedLinear(xp.data(), w.data(), counts.data(), m, hidden,
                               dim, E, h.data())
                  .ok());
  EXPECT_TRUE(moeGroupedLinearGradInput(h.data(), w.data(), counts.data(), m,
                                        hidden, dim, E, dxp.data())
                  .ok());
  EXPECT_TRUE(moeGroupedLinearGradWeight(h.data(), xp.data(), counts.data(), m,
                                         hidden, dim, E, dw.data())
                  .ok());
  outs.push_back(xp);
  outs.push_back(h);
  outs.push_back(dxp);
  outs.push_back(dw);
  EXPECT_TRUE(
      moeUnpermute(dxp.data(), slotRow.data(), gate.data(), n, k, dim, y.data())
          .ok());
  EXPECT_TRUE(moeUnpermuteGrad(x.data(), xp.data(), slotRow.data(), gate.data(),
                               n, k, dim, dxp.data(), dgate.data())
                  .ok());
  EXPECT_TRUE(
      moeGatherRowsGrad(dxp.data(), slotRow.data(), n, k, dim, dx.data()).ok());
  outs.push_back(y);
  outs.push_back(dxp);
  outs.push_back(dgate);
  outs.push_back(dx);
  EXPECT_TRUE(moeTopkGrad(probs.data(), expert.data(), gate.data(),
                          dgate.data(), n, E, k, true, dl.data())
                  .ok());
  outs.push_back(dl);
  EXPECT_TRUE(
      moeBalanceLossGrad(probs.data(), counts.data(), n, E, k, 0.01, dl.data())
          .ok());
  outs.push_back(dl);
  moeZLossGrad(logits.data(), n, E, 1e-3, dl.data());
  outs.push_back(dl);
  double balance = 0;
  EXPECT_TRUE(
      moeBalanceLoss(probs.data(), counts.data(), n, E, k, 0.01, balance).ok());
  const double z = moeZLoss(logits.data(), n, E, 1e-3);
  outs.push_back({float(balance), float(balance - float(balance)), float(z),
                  float(z - float(z))});
  return outs;
}

TEST(CpuMoeKernels, DeterministicModeSameBitsOnAnyThreadCount) {
  ThreadGuard guard;
  expectSameBitsOnAnyThreadCount(runAllMoeKernels);
}

TEST(CpuMoeKernels, SameBitsForTheSameThreadCount) {
  ThreadGuard guard;
  expectSameBitsForTheSameThreadCount(runAllMoeKernels);
}

} // namespace
