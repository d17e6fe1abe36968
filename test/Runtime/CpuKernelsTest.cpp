//===- CpuKernelsTest.cpp - CPU kernels against naive references ----------===//
//
// Every kernel is checked against a reference written here with plain
// double-precision loops, on sizes that are not multiples of any vector
// width (dim 37, vocab 101, head_dim 10, seq 13, batch 3) so that vector
// remainders are exercised, and with more rows than one block of the blocked
// kernels (attention query/key blocks, cross-entropy row blocks).
//
//===----------------------------------------------------------------------===//

#include "cherry/Runtime/CpuKernels.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "FloatBounds.h"

using namespace cherry::runtime;
using namespace cherry::test;
using namespace cherry::runtime::cpu;

namespace {

constexpr double kRelTol = 1e-5;

/// Deterministic values in [lo, hi) (xorshift; no dependence on the
/// standard library's distributions).
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

/// |got - want| <= tol * max(|want|, 1) element by element.
void expectClose(const std::vector<float> &got, const std::vector<double> &want,
                 double tol = kRelTol, const std::string &what = "") {
  ASSERT_EQ(got.size(), want.size()) << what;
  int reported = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    double bound = tol * std::max(std::abs(want[i]), 1.0);
    if (!(std::abs(got[i] - want[i]) <= bound) && reported++ < 5)
      ADD_FAILURE() << what << " element " << i << ": got " << got[i]
                    << ", want " << want[i];
  }
}

/// Restores the default thread count when a test ends, pass or fail.
struct ThreadGuard {
  ~ThreadGuard() {
    setNumThreads(0);
    setDeterministic(true);
  }
};

//===----------------------------------------------------------------------===//
// References
//===----------------------------------------------------------------------===//

std::vector<double> refLinear(const std::vector<float> &x,
                              const std::vector<float> &w, int64_t m, int64_t n,
                              int64_t k) {
  std::vector<double> y(m * n);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double s = 0;
      for (int64_t c = 0; c < k; ++c)
        s += double(x[i * k + c]) * w[j * k + c];
      y[i * n + j] = s;
    }
  return y;
}

/// RMSNorm's rounding bound, relative to |y|: the float sum of squares
/// (gamma(dim), its terms positive), the division by dim and the addition of
/// eps (u each) enter the square root halved; the root, the reciprocal and
/// the two products round once each (u/2 + 3u).
std::vector<double> rmsNormBound(const std::vector<double> &y, int64_t dim) {
  const double rel =
      (sumBound(double(dim)) + 2 * kUnitRoundoff) / 2 + 3.5 * kUnitRoundoff;
  std::vector<double> bound(y.size());
  for (size_t i = 0; i < y.size(); ++i)
    bound[i] = rel * std::abs(y[i]);
  return bound;
}

std::vector<double> refRmsNorm(const std::vector<double> &x,
                               const std::vector<float> &w, int64_t rows,
                               int64_t dim, double eps) {
  std::vector<double> y(rows * dim);
  for (int64_t r = 0; r < rows; ++r) {
    double ss = 0;
    for (int64_t i = 0; i < dim; ++i)
      ss += x[r * dim + i] * x[r * dim + i];
    double inv = 1.0 / std::sqrt(ss / dim + eps);
    for (int64_t i = 0; i < dim; ++i)
      y[r * dim + i] = w[i] * x[r * dim + i] * inv;
  }
  return y;
}

/// RoPE with Hugging Face's float32 angles (inv_freq and position * inv_freq
/// rounded to float, as LlamaRotaryEmbedding computes them), the rest in
/// double.
std::vector<double> refRope(const std::vector<float> &x, int64_t batch,
                            int64_t seq, int64_t heads, int64_t headDim,
                            double theta, int64_t offset) {
  std::vector<double> y(x.begin(), x.end());
  int64_t half = headDim / 2;
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t t = 0; t < seq; ++t)
      for (int64_t h = 0; h < heads; ++h)
        for (int64_t i = 0; i < half; ++i) {
          float invFreq =
              1.0f / std::pow(float(theta), float(2 * i) / float(headDim));
          float angle = float(offset + t) * invFreq;
          double c = std::cos(double(angle)), s = std::sin(double(angle));
          int64_t base = ((b * seq + t) * heads + h) * headDim;
          double x1 = x[base + i], x2 = x[base + half + i];
          y[base + i] = x1 * c - x2 * s;
          y[base + half + i] = x2 * c + x1 * s;
        }
  return y;
}

struct AttnCase {
  int64_t batch, qLen, kvLen, kvStride, heads, kvHeads, headDim, qOffset;
  bool causal;
};

/// Attention in double, and optionally each output's rounding-error bound
/// (first order in u = 2^-24), from how the kernel computes it: scores
/// s~_j = fl(q . k_j) * scale, off by at most l_j = scale gamma(d) sum_e
/// |q_e k_je| + u |s_j|; p~_j = expF32(s~_j - m) (1 ulp: 2u; the
/// subtraction: u |s_j - m| <= u D, D the spread of the scores), rescaled by
/// e^(m_old - m_new) once per block of 64 keys (each rescale 3u: exp, its
/// argument, the product), summed into the numerator and the denominator
/// (gamma(T) each, T visible keys), one division (u). The score errors move
/// each weight by at most l_j + L relative (L = max l_j, through the
/// normalization). So with rel = 2 L + u (3 + 2 D + 3 B) + 2 gamma(T) (B
/// blocks), |o~_e - o_e| <= rel (sum_j p_j |v_je| + |o_e|).
std::vector<double> refAttention(const AttnCase &c, const std::vector<float> &q,
                                 const std::vector<float> &k,
                                 const std::vector<float> &v,
                                 std::vector<double> *bound = nullptr) {
  const int64_t d = c.headDim, group = c.heads / c.kvHeads;
  const double u = kUnitRoundoff, scale = 1.0 / std::sqrt(double(d));
  std::vector<double> out(c.batch * c.qLen * c.heads * d, 0.0);
  if (bound)
    bound->assign(out.size(), 0.0);
  for (int64_t b = 0; b < c.batch; ++b)
    for (int64_t t = 0; t < c.qLen; ++t)
      for (int64_t h = 0; h < c.heads; ++h) {
        int64_t kvh = h / group;
        int64_t visible =
            c.causal ? std::min(c.kvLen, c.qOffset + t + 1) : c.kvLen;
        const float *qr = &q[((b * c.qLen + t) * c.heads + h) * d];
        std::vector<double> s(visible);
        double mx = -std::numeric_limits<double>::infinity(), scoreErr = 0;
        for (int64_t j = 0; j < visible; ++j) {
          const float *kr = &k[((b * c.kvStride + j) * c.kvHeads + kvh) * d];
          double dot = 0, mag = 0;
          for (int64_t e = 0; e < d; ++e) {
            dot += double(qr[e]) * kr[e];
            mag += std::abs(double(qr[e]) * kr[e]);
          }
          s[j] = dot * scale;
          mx = std::max(mx, s[j]);
          scoreErr = std::max(scoreErr, scale * sumBound(double(d)) * mag +
                                            u * std::abs(s[j]));
        }
        double sum = 0, spread = 0;
        for (auto &x : s) {
          spread = std::max(spread, mx - x);
          sum += (x = std::exp(x - mx));
        }
        const double blocks = double((visible + 63) / 64);
        const double rel = 2 * scoreErr + u * (3 + 2 * spread + 3 * blocks) +
                           2 * sumBound(double(visible));
        double *o = &out[((b * c.qLen + t) * c.heads + h) * d];
        std::vector<double> mag(d, 0.0);
        for (int64_t j = 0; j < visible; ++j) {
          const float *vr = &v[((b * c.kvStride + j) * c.kvHeads + kvh) * d];
          for (int64_t e = 0; e < d; ++e) {
            o[e] += s[j] / sum * vr[e];
            mag[e] += s[j] / sum * std::abs(double(vr[e]));
          }
        }
        if (bound)
          for (int64_t e = 0; e < d; ++e)
            (*bound)[((b * c.qLen + t) * c.heads + h) * d + e] =
                rel * (mag[e] + std::abs(o[e]));
      }
  return out;
}

/// Per-row cross-entropy from explicit logits and a log-softmax, in double;
/// ignored rows get 0.
/// Each row's cross-entropy in double, and optionally its rounding-error
/// bound (first order in u), from how the kernel computes it: logits off by
/// at most l_j = gamma(dim) sum_e |h_e w_je| (L = max l_j), per vocabulary
/// tile a max and a float sum of expF32(z - max) (1 ulp each: 2u; the
/// subtraction u D, D the spread of the row's logits; the sum gamma(V)),
/// tiles merged with exp (2u + u D) and a float sum (gamma(tiles)), then
/// loss = max + log(total) - z_target: log(total) moves by the sum's
/// relative error (L + 4u + 2u D + gamma(V) + gamma(tiles)) plus its own
/// rounding (2u |log total|), the target's logit by l_target, and the two
/// additions round once each (u (|max| + |log total|) + u |loss|).
std::vector<double> refRowLoss(const std::vector<float> &h,
                               const std::vector<float> &w,
                               const std::vector<int32_t> &targets,
                               int64_t rows, int64_t vocab, int64_t dim,
                               int64_t ignoreIndex,
                               std::vector<double> *bound = nullptr) {
  std::vector<double> logits = refLinear(h, w, rows, vocab, dim);
  std::vector<double> loss(rows, 0.0);
  if (bound)
    bound->assign(rows, 0.0);
  const double u = kUnitRoundoff;
  const double tiles = double((vocab + 1023) / 1024); // kLossVocab tiles
  for (int64_t r = 0; r < rows; ++r) {
    if (targets[r] == ignoreIndex)
      continue;
    const double *l = &logits[r * vocab];
    double mx = *std::max_element(l, l + vocab);
    double sum = 0, maxErr = 0, spread = 0;
    for (int64_t j = 0; j < vocab; ++j) {
      sum += std::exp(l[j] - mx);
      spread = std::max(spread, mx - l[j]);
      double mag = 0;
      for (int64_t e = 0; e < dim; ++e)
        mag += std::abs(double(h[r * dim + e]) * w[j * dim + e]);
      maxErr = std::max(maxErr, sumBound(double(dim)) * mag);
    }
    double logSoftmaxTarget = l[targets[r]] - mx - std::log(sum);
    loss[r] = -logSoftmaxTarget;
    if (bound) {
      const double logSum = std::abs(std::log(sum)) + std::abs(mx);
      (*bound)[r] = 2 * maxErr + 4 * u + 2 * u * spread +
                    sumBound(double(vocab)) + sumBound(tiles) + 2 * u * logSum +
                    u * (std::abs(mx) + logSum) + u * std::abs(loss[r]);
    }
  }
  return loss;
}

//===----------------------------------------------------------------------===//
// linear
//===----------------------------------------------------------------------===//

TEST(CpuKernels, LinearMatchesReference) {
  const int64_t m = 13, n = 37, k = 29;
  auto x = randomVector(m * k, 1), w = randomVector(n * k, 2);
  std::vector<float> y(m * n, std::nanf(""));
  linear(x.data(), w.data(), y.data(), m, n, k);
  std::vector<double> want, bound;
  productWithBound(x, w, m, n, k, nullptr, want, bound);
  expectWithinBound(y, want, bound, "y");
}

TEST(CpuKernels, LinearAccumulateAddsToOutput) {
  const int64_t m = 7, n = 101, k = 37;
  auto x = randomVector(m * k, 3), w = randomVector(n * k, 4);
  auto y = randomVector(m * n, 5);
  std::vector<double> want, bound;
  productWithBound(x, w, m, n, k, &y, want, bound);
  linear(x.data(), w.data(), y.data(), m, n, k, /*accumulate=*/true);
  expectWithinBound(y, want, bound, "y");
}

/// Shapes whose GEMM is split into parts, in both modes: by rows (many
/// tokens), by columns (decoding: one row), and in deterministic mode over k
/// (a long reduction onto a small output, whose partial sums are added
/// afterwards). The bound holds for any split: it covers every order.
TEST(CpuKernels, LinearMatchesReferenceWhenSplit) {
  ThreadGuard guard;
  setNumThreads(2);
  for (bool det : {false, true}) {
    setDeterministic(det);
    for (auto [m, n, k] : {std::array<int64_t, 3>{517, 300, 250},
                           std::array<int64_t, 3>{1, 4000, 300},
                           std::array<int64_t, 3>{40, 48, 4100}}) {
      for (bool acc : {false, true}) {
        auto x = randomVector(m * k, 6), w = randomVector(n * k, 7);
        auto y = randomVector(m * n, 8);
        std::vector<double> want, bound;
        productWithBound(x, w, m, n, k, acc ? &y : nullptr, want, bound);
        linear(x.data(), w.data(), y.data(), m, n, k, acc);
        expectWithinBound(y, want, bound,
                          "m " + std::to_string(m) + " n " + std::to_string(n) +
                              " k " + std::to_string(k) +
                              (acc ? " accumulated" : "") +
                              (det ? " deterministic" : ""));
      }
    }
  }
}

/// Decoding's few-row linears: within the bound for 1 to 4 rows (odd k
/// leaves a tail), and each row's bits those of the row alone, on any
/// number of threads (a verification step's rows are decode_step's).
TEST(CpuKernels, LinearOfFewRowsIsEachRowAlone) {
  ThreadGuard guard;
  const int64_t n = 300, k = 250 + 3;
  auto x = randomVector(4 * k, 9), w = randomVector(n * k, 10);
  std::vector<std::vector<float>> alone(4, std::vector<float>(n));
  setNumThreads(1);
  for (int64_t i = 0; i < 4; ++i)
    linear(x.data() + i * k, w.data(), alone[i].data(), 1, n, k);
  for (int threads : {1, 2})
    for (int64_t m = 1; m <= 4; ++m) {
      setNumThreads(threads);
      std::vector<float> y(m * n, std::nanf(""));
      linear(x.data(), w.data(), y.data(), m, n, k);
      std::vector<float> prefix(x.begin(), x.begin() + m * k);
      std::vector<double> want, bound;
      productWithBound(prefix, w, m, n, k, nullptr, want, bound);
      expectWithinBound(y, want, bound, "m " + std::to_string(m));
      for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < n; ++j)
          ASSERT_EQ(std::memcmp(&y[i * n + j], &alone[i][j], sizeof(float)), 0)
              << "m " << m << " row " << i << " column " << j << " threads "
              << threads;
    }
}

TEST(CpuKernels, LinearWithEmptyReductionIsZero) {
  std::vector<float> y(6, 3.0f);
  linear(nullptr, nullptr, y.data(), 2, 3, 0);
  for (float v : y)
    EXPECT_EQ(v, 0.0f);
}

//===----------------------------------------------------------------------===//
// embedding
//===----------------------------------------------------------------------===//

TEST(CpuKernels, EmbeddingCopiesRows) {
  const int64_t vocab = 101, dim = 37;
  auto table = randomVector(vocab * dim, 6);
  std::vector<int32_t> ids = {0, 100, 5, 5, 42, 99, 1};
  std::vector<float> out(ids.size() * dim);
  Status st =
      embedding(ids.data(), ids.size(), table.data(), vocab, dim, out.data());
  ASSERT_TRUE(st.ok()) << st.message;
  for (size_t i = 0; i < ids.size(); ++i)
    for (int64_t c = 0; c < dim; ++c)
      EXPECT_EQ(out[i * dim + c], table[ids[i] * dim + c]);
}

TEST(CpuKernels, EmbeddingRejectsIdAtVocab) {
  std::vector<float> table(101 * 4), out(3 * 4);
  std::vector<int32_t> ids = {3, 7, 101};
  Status st = embedding(ids.data(), 3, table.data(), 101, 4, out.data());
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message.find("id 101"), std::string::npos) << st.message;
  EXPECT_NE(st.message.find("position 2"), std::string::npos) << st.message;
  EXPECT_EQ(st.message.find('\n'), std::string::npos);
}

TEST(CpuKernels, EmbeddingRejectsNegativeId) {
  std::vector<float> table(101 * 4), out(3 * 4);
  std::vector<int32_t> ids = {3, -1, 7};
  Status st = embedding(ids.data(), 3, table.data(), 101, 4, out.data());
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message.find("id -1"), std::string::npos) << st.message;
  EXPECT_NE(st.message.find("position 1"), std::string::npos) << st.message;
}

//===----------------------------------------------------------------------===//
// rmsNorm, addRmsNorm
//===----------------------------------------------------------------------===//

TEST(CpuKernels, RmsNormMatchesReference) {
  const int64_t rows = 13, dim = 37;
  auto x = randomVector(rows * dim, 7, -3.0f, 3.0f);
  auto w = randomVector(dim, 8, 0.5f, 1.5f);
  std::vector<float> y(rows * dim);
  rmsNorm(x.data(), w.data(), y.data(), rows, dim, 1e-5f);
  std::vector<double> want =
      refRmsNorm({x.begin(), x.end()}, w, rows, dim, 1e-5);
  expectWithinBound(y, want, rmsNormBound(want, dim), "y");
}

TEST(CpuKernels, RmsNormEpsilonDominatesTinyRows) {
  // mean(x^2) = 1e-8 << eps: the result is x / sqrt(eps), not x / |x|.
  const int64_t dim = 37;
  std::vector<float> x(dim, 1e-4f), w(dim, 1.0f), y(dim);
  rmsNorm(x.data(), w.data(), y.data(), 1, dim, 1e-2f);
  for (float v : y)
    EXPECT_NEAR(v, 1e-4 / std::sqrt(1e-8 + 1e-2), 1e-9);
}

TEST(CpuKernels, AddRmsNormEqualsAddThenRmsNorm) {
  const int64_t rows = 300, dim = 37; // several parallel chunks
  auto residual = randomVector(rows * dim, 9);
  auto delta = randomVector(rows * dim, 10);
  auto w = randomVector(dim, 11, 0.5f, 1.5f);

  std::vector<float> sum(rows * dim), yUnfused(rows * dim);
  add(residual.data(), delta.data(), sum.data(), rows * dim);
  rmsNorm(sum.data(), w.data(), yUnfused.data(), rows, dim, 1e-6f);

  std::vector<float> y(rows * dim);
  addRmsNorm(residual.data(), delta.data(), w.data(), y.data(), rows, dim,
             1e-6f);
  for (int64_t i = 0; i < rows * dim; ++i) {
    EXPECT_EQ(residual[i], sum[i]) << i;
    EXPECT_FLOAT_EQ(y[i], yUnfused[i]) << i;
  }
  std::vector<double> sumD(sum.begin(), sum.end());
  std::vector<double> want = refRmsNorm(sumD, w, rows, dim, 1e-6);
  expectWithinBound(y, want, rmsNormBound(want, dim), "y");
}

TEST(CpuKernels, AddRmsNormIntoEqualsInPlaceForEveryAliasing) {
  // Another sum tensor, sum in delta's place, y in residual's or delta's
  // place: the bits of the in-place kernel.
  const int64_t rows = 300, dim = 37;
  auto residual = randomVector(rows * dim, 20),
       delta = randomVector(rows * dim, 21);
  auto w = randomVector(dim, 22, 0.5f, 1.5f);
  std::vector<float> sum(residual), y(rows * dim);
  addRmsNorm(sum.data(), delta.data(), w.data(), y.data(), rows, dim, 1e-6f);
  for (int layout = 0; layout < 4; ++layout) {
    std::vector<float> r(residual), d(delta), s(rows * dim), o(rows * dim);
    float *sumAt = layout == 1 ? d.data() : s.data();
    float *yAt = layout == 2 ? r.data() : layout == 3 ? d.data() : o.data();
    addRmsNormInto(r.data(), d.data(), w.data(), sumAt, yAt, rows, dim, 1e-6f);
    for (int64_t i = 0; i < rows * dim; ++i) {
      ASSERT_EQ(sumAt[i], sum[i]) << "layout " << layout << " sum " << i;
      ASSERT_EQ(yAt[i], y[i]) << "layout " << layout << " y " << i;
    }
  }
}

//===----------------------------------------------------------------------===//
// rope
//===----------------------------------------------------------------------===//

TEST(CpuKernels, RopeIntoEqualsInPlace) {
  const int64_t batch = 3, seq = 13, heads = 6, headDim = 10;
  const auto x = randomVector(batch * seq * heads * headDim, 23);
  std::vector<float> inPlace(x), y(x.size());
  rope(inPlace.data(), batch, seq, heads, headDim, 10000.0, 5);
  ropeInto(x.data(), y.data(), batch, seq, heads, headDim, 10000.0, 5);
  for (size_t i = 0; i < x.size(); ++i)
    ASSERT_EQ(y[i], inPlace[i]) << i;
}

TEST(CpuKernels, RopeMatchesReference) {
  const int64_t batch = 3, seq = 13, heads = 6, headDim = 10;
  for (int64_t offset : {0, 5, 1000}) {
    auto x = randomVector(batch * seq * heads * headDim, 12 + offset);
    std::vector<double> want =
        refRope(x, batch, seq, heads, headDim, 10000.0, offset);
    rope(x.data(), batch, seq, heads, headDim, 10000.0, offset);
    expectClose(x, want, kRelTol, "offset " + std::to_string(offset));
  }
}

TEST(CpuKernels, RopeRotatesPairsHalfAHeadApart) {
  // One head of dim 4 at position 1, theta 100: angles 1 and 1/10 for the
  // pairs (0, 2) and (1, 3).
  std::vector<float> x = {1, 0, 0, 1};
  rope(x.data(), 1, 1, 1, 4, 100.0, /*positionOffset=*/1);
  EXPECT_NEAR(x[0], std::cos(1.0), 1e-6);
  EXPECT_NEAR(x[2], std::sin(1.0), 1e-6);
  EXPECT_NEAR(x[1], -std::sin(0.1), 1e-6);
  EXPECT_NEAR(x[3], std::cos(0.1), 1e-6);
}

TEST(CpuKernels, RopeAtOffsetEqualsRowOfLongerSequence) {
  const int64_t batch = 2, heads = 3, headDim = 10, p = 9, shortSeq = 4;
  const int64_t longSeq = p + shortSeq, width = heads * headDim;
  auto longX = randomVector(batch * longSeq * width, 13);
  std::vector<float> shortX(batch * shortSeq * width);
  for (int64_t b = 0; b < batch; ++b)
    std::copy_n(&longX[(b * longSeq + p) * width], shortSeq * width,
                &shortX[b * shortSeq * width]);
  rope(longX.data(), batch, longSeq, heads, headDim, 10000.0, 0);
  rope(shortX.data(), batch, shortSeq, heads, headDim, 10000.0, p);
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t i = 0; i < shortSeq * width; ++i)
      EXPECT_EQ(shortX[b * shortSeq * width + i],
                longX[(b * longSeq + p) * width + i])
          << "batch " << b << " element " << i;
}

TEST(CpuKernels, RopeKeptTablesGiveTheAnglesOfFreshOnes) {
  // Decoding: one row per call at positions 0, 1, ..., 299 (the kept tables
  // grow past 64, 128 and 256 positions), with calls of another head dim and
  // theta in between (the tables are recomputed for each): every row has the
  // bits of the same row of one 300-row sequence.
  const int64_t heads = 2, headDim = 10, width = heads * headDim, seq = 300;
  auto full = randomVector(seq * width, 14);
  std::vector<float> rows(full);
  rope(full.data(), 1, seq, heads, headDim, 10000.0, 0);
  for (int64_t p = 0; p < seq; ++p) {
    rope(rows.data() + p * width, 1, 1, heads, headDim, 10000.0, p);
    if (p % 50 == 7) {
      std::vector<float> other = randomVector(3 * 8, 15);
      rope(other.data(), 1, 3, 1, 8, 500000.0, p);
      std::vector<double> want =
          refRope(randomVector(3 * 8, 15), 1, 3, 1, 8, 500000.0, p);
      expectClose(other, want, kRelTol, "theta 500000 at " + std::to_string(p));
    }
  }
  for (int64_t i = 0; i < seq * width; ++i)
    ASSERT_EQ(rows[i], full[i]) << "element " << i;
  // Positions past what is kept (2^21 floats of each table) and before 0
  // are computed per call, like the reference.
  for (int64_t offset : {int64_t(1) << 20, int64_t(-5)}) {
    auto x = randomVector(4 * 64, 16);
    std::vector<double> want = refRope(x, 2, 2, 1, 64, 10000.0, offset);
    rope(x.data(), 2, 2, 1, 64, 10000.0, offset);
    expectClose(x, want, kRelTol, "offset " + std::to_string(offset));
  }
}

//===----------------------------------------------------------------------===//
// attention
//===----------------------------------------------------------------------===//

void checkAttention(const AttnCase &c, uint64_t seed) {
  const int64_t d = c.headDim;
  auto q = randomVector(c.batch * c.qLen * c.heads * d, seed, -2.0f, 2.0f);
  auto k =
      randomVector(c.batch * c.kvStride * c.kvHeads * d, seed + 1, -2.0f, 2.0f);
  auto v = randomVector(c.batch * c.kvStride * c.kvHeads * d, seed + 2);
  // Cache rows no query may see hold NaN: reading one would show.
  for (int64_t b = 0; b < c.batch; ++b)
    for (int64_t j = c.kvLen; j < c.kvStride; ++j)
      for (int64_t e = 0; e < c.kvHeads * d; ++e) {
        k[(b * c.kvStride + j) * c.kvHeads * d + e] = std::nanf("");
        v[(b * c.kvStride + j) * c.kvHeads * d + e] = std::nanf("");
      }
  std::vector<float> out(q.size(), std::nanf(""));
  attention(q.data(), k.data(), v.data(), out.data(), c.batch, c.qLen, c.kvLen,
            c.kvStride, c.heads, c.kvHeads, d, c.qOffset, c.causal);
  std::string what =
      "heads " + std::to_string(c.heads) + " kv " + std::to_string(c.kvHeads) +
      " qLen " + std::to_string(c.qLen) + " kvLen " + std::to_string(c.kvLen) +
      " offset " + std::to_string(c.qOffset) + (c.causal ? " causal" : " full");
  std::vector<double> bound;
  std::vector<double> want = refAttention(c, q, k, v, &bound);
  expectWithinBound(out, want, bound, what);
}

TEST(CpuKernels, AttentionCausalMatchesReference) {
  for (int64_t kvHeads : {6, 3, 2}) // GQA ratios 1, 2, 3
    checkAttention({3, 13, 13, 13, 6, kvHeads, 10, 0, true}, 20 + kvHeads);
}

TEST(CpuKernels, AttentionCausalWithKvCacheOffset) {
  // 5 new queries at positions 8..12 against a cache of capacity 20 holding
  // 13 rows; and a single decode step.
  for (int64_t kvHeads : {6, 3, 2}) {
    checkAttention({3, 5, 13, 20, 6, kvHeads, 10, 8, true}, 30 + kvHeads);
    checkAttention({3, 1, 13, 20, 6, kvHeads, 10, 12, true}, 40 + kvHeads);
  }
}

TEST(CpuKernels, AttentionCausalSeesOnlyEarlierKeys) {
  // Queries at positions 3..7 in a cache of 13 filled rows: keys 9..12 are
  // in the buffer but in every query's future, and must not count.
  checkAttention({2, 5, 13, 16, 6, 2, 10, 3, true}, 50);
}

TEST(CpuKernels, AttentionNonCausalMatchesReference) {
  for (int64_t kvHeads : {6, 3, 2})
    checkAttention({3, 13, 17, 17, 6, kvHeads, 10, 0, false}, 60 + kvHeads);
  checkAttention({3, 7, 17, 24, 6, 3, 10, 4, false}, 70); // offset ignored
}

TEST(CpuKernels, AttentionAcrossQueryAndKeyBlocks) {
  // More queries than a query block (16) and keys than a key block (64).
  checkAttention({2, 70, 70, 70, 6, 2, 10, 0, true}, 80);
  checkAttention({2, 37, 150, 150, 6, 3, 10, 0, false}, 81);
  checkAttention({2, 21, 150, 160, 6, 6, 10, 129, true}, 82);
  checkAttention({1, 19, 19, 19, 2, 1, 33, 0, true}, 83); // head dim 33
}

TEST(CpuKernels, AttentionTileBlocksMatchReference) {
  // Query blocks of 8 rows and more take register-blocked tiles: head dims
  // that are whole tiles (v read in place: 32, 64) and ones that are padded
  // (17), GQA groups of 1 to 4, a last block of 8 rows (200 = 3 x 64 + 8),
  // the first block with tiles (8 queries) and the last without (7), and
  // chunks of queries after a cache prefix.
  checkAttention({1, 200, 200, 200, 4, 1, 64, 0, true}, 84);
  checkAttention({2, 77, 77, 77, 6, 2, 32, 0, true}, 85);
  checkAttention({2, 66, 66, 66, 3, 3, 17, 0, false}, 86);
  checkAttention({1, 8, 140, 150, 4, 2, 32, 132, true}, 87);
  checkAttention({1, 7, 140, 150, 4, 2, 32, 133, true}, 88);
  checkAttention({2, 100, 180, 200, 2, 1, 64, 80, true}, 89);
}

TEST(CpuKernels, AttentionCausalTilesMatchReference) {
  // Causal blocks skip the register tiles of scores no query of the tile
  // sees and cut each row tile's P V at the keys its last query sees: the
  // diagonal crossing tiles (8 x 32, 6 x 16, 6 x 8 by variant) at every
  // offset, blocks whose rows are no multiple of a tile's (11, 45, 93),
  // a cache prefix of a whole key block (64) and of a few keys (7), GQA.
  checkAttention({1, 11, 11, 11, 2, 1, 64, 0, true}, 130);
  checkAttention({1, 45, 109, 109, 4, 2, 64, 64, true}, 131);
  checkAttention({2, 93, 100, 100, 4, 4, 32, 7, true}, 132);
  checkAttention({1, 130, 130, 130, 6, 2, 24, 0, true}, 133);
  checkAttention({1, 9, 80, 80, 3, 1, 40, 71, true}, 134);
}

TEST(CpuKernels, AttentionOfFewQueriesIsEachRowAlone) {
  // Fewer than 8 queries (a speculative verify step) against a cache: each
  // row's bits are those of the same query decoded alone at its position.
  const int64_t heads = 4, kv = 2, d = 32, cap = 150, offset = 128, rows = 5;
  auto q = randomVector(rows * heads * d, 95, -2.0f, 2.0f);
  auto k = randomVector(cap * kv * d, 96, -2.0f, 2.0f);
  auto v = randomVector(cap * kv * d, 97);
  std::vector<float> out(q.size());
  attention(q.data(), k.data(), v.data(), out.data(), 1, rows, offset + rows,
            cap, heads, kv, d, offset, true);
  for (int64_t r = 0; r < rows; ++r) {
    std::vector<float> alone(heads * d);
    attention(q.data() + r * heads * d, k.data(), v.data(), alone.data(), 1, 1,
              offset + r + 1, cap, heads, kv, d, offset + r, true);
    expectIdentical(std::vector<float>(out.begin() + r * heads * d,
                                       out.begin() + (r + 1) * heads * d),
                    alone, "row " + std::to_string(r));
  }
}

TEST(CpuKernels, AttentionLargeScoresStayFinite) {
  // Scores of several hundred: a softmax without max-subtraction overflows.
  AttnCase c{1, 13, 13, 13, 2, 1, 10, 0, true};
  auto q = randomVector(13 * 2 * 10, 90, 8.0f, 10.0f);
  auto k = randomVector(13 * 1 * 10, 91, -10.0f, 10.0f);
  auto v = randomVector(13 * 1 * 10, 92);
  std::vector<float> out(q.size());
  attention(q.data(), k.data(), v.data(), out.data(), 1, 13, 13, 13, 2, 1, 10,
            0, true);
  // The bound grows with the scores' magnitude (their rounding is relative).
  std::vector<double> bound;
  std::vector<double> want = refAttention(c, q, k, v, &bound);
  expectWithinBound(out, want, bound, "large scores");
}

//===----------------------------------------------------------------------===//
// swiglu, add
//===----------------------------------------------------------------------===//

TEST(CpuKernels, SwigluMatchesReference) {
  const int64_t n = 37 * 13;
  auto gate = randomVector(n, 100, -8.0f, 8.0f);
  auto up = randomVector(n, 101, -2.0f, 2.0f);
  // Tails of the sigmoid, where e^-g under- or overflows.
  gate[0] = -100.0f;
  gate[1] = 100.0f;
  gate[2] = -89.0f;
  gate[3] = 0.0f;
  std::vector<float> out(n);
  swiglu(gate.data(), up.data(), out.data(), n);
  std::vector<double> want(n);
  for (int64_t i = 0; i < n; ++i)
    want[i] = gate[i] / (1.0 + std::exp(-double(gate[i]))) * up[i];
  expectClose(out, want);
  EXPECT_TRUE(std::isnan([] {
    float g = std::nanf(""), u = 1.0f, o = 0.0f;
    swiglu(&g, &u, &o, 1);
    return o;
  }()))
      << "NaN must propagate";
}

TEST(CpuKernels, AddMatchesReferenceInPlace) {
  const int64_t n = 37 * 13 * 101; // several parallel chunks
  auto a = randomVector(n, 110), b = randomVector(n, 111);
  std::vector<double> want(n);
  for (int64_t i = 0; i < n; ++i)
    want[i] = double(a[i]) + b[i];
  add(a.data(), b.data(), a.data(), n);
  expectClose(a, want, 1e-7);
}

TEST(CpuKernels, ScaleIsOneRoundedProductInPlace) {
  // One float multiply per element: correctly rounded, so equal to the
  // double product rounded to float, bit for bit.
  const int64_t n = 37 * 13 * 101;
  auto x = randomVector(n, 112);
  const float factor = 0.3f;
  std::vector<float> want(n);
  for (int64_t i = 0; i < n; ++i)
    want[i] = static_cast<float>(double(factor) * double(x[i]));
  scale(x.data(), factor, x.data(), n);
  EXPECT_EQ(x, want);
}

//===----------------------------------------------------------------------===//
// headCrossEntropy
//===----------------------------------------------------------------------===//

void checkCrossEntropy(int64_t rows, int64_t vocab, int64_t dim, float scale,
                       uint64_t seed, std::vector<int32_t> firstTargets = {}) {
  const int64_t ignore = -100;
  auto h = randomVector(rows * dim, seed, -scale, scale);
  auto w = randomVector(vocab * dim, seed + 1);
  std::vector<int32_t> targets(rows);
  for (int64_t r = 0; r < rows; ++r)
    targets[r] = r % 5 == 3 ? ignore : int32_t((r * 37 + 11) % vocab);
  targets[0] = int32_t(vocab - 1);
  std::copy(firstTargets.begin(), firstTargets.end(), targets.begin() + 1);

  std::vector<float> rowLoss(rows, std::nanf(""));
  LossSum loss;
  Status st = headCrossEntropy(h.data(), w.data(), targets.data(), rows, vocab,
                               dim, ignore, rowLoss.data(), loss);
  ASSERT_TRUE(st.ok()) << st.message;

  std::vector<double> bound;
  std::vector<double> want =
      refRowLoss(h, w, targets, rows, vocab, dim, ignore, &bound);
  expectWithinBound(rowLoss, want, bound, "rowLoss");
  double wantSum = 0;
  int64_t wantCount = 0;
  for (int64_t r = 0; r < rows; ++r)
    if (targets[r] != ignore) {
      wantSum += want[r];
      ++wantCount;
    }
  EXPECT_EQ(loss.count, wantCount);
  EXPECT_NEAR(loss.sum, wantSum, kRelTol * std::abs(wantSum));
  EXPECT_NEAR(loss.mean(), wantSum / wantCount,
              kRelTol * std::abs(wantSum / wantCount));
  for (int64_t r = 0; r < rows; ++r) {
    if (targets[r] == ignore) {
      EXPECT_EQ(rowLoss[r], 0.0f) << "ignored row " << r;
    }
  }
}

TEST(CpuKernels, HeadCrossEntropyMatchesLogSoftmax) {
  checkCrossEntropy(13, 101, 37, 1.0f, 120);
}

TEST(CpuKernels, HeadCrossEntropyAcrossRowBlocks) {
  checkCrossEntropy(150, 101, 37, 1.0f, 122); // 64 + 64 + 22 rows
}

TEST(CpuKernels, HeadCrossEntropyAcrossVocabularyTiles) {
  // Logits are computed in tiles of 1024 vocabulary entries: targets on
  // both sides of each tile boundary, and more rows than a row tile (256).
  checkCrossEntropy(300, 2100, 37, 1.0f, 126,
                    {0, 1023, 1024, 1025, 2047, 2048, 2098, 2099});
}

TEST(CpuKernels, HeadCrossEntropyLargeLogitsStayFinite) {
  checkCrossEntropy(13, 101, 37, 30.0f, 124); // logits in the hundreds
}

TEST(CpuKernels, HeadCrossEntropyWithoutRowLoss) {
  const int64_t rows = 3, vocab = 101, dim = 37;
  auto h = randomVector(rows * dim, 130), w = randomVector(vocab * dim, 131);
  std::vector<int32_t> targets = {4, -100, 100};
  LossSum loss;
  loss.sum = 123; // overwritten, not added to
  loss.count = 7;
  ASSERT_TRUE(headCrossEntropy(h.data(), w.data(), targets.data(), rows, vocab,
                               dim, -100, nullptr, loss)
                  .ok());
  auto want = refRowLoss(h, w, targets, rows, vocab, dim, -100);
  EXPECT_EQ(loss.count, 2);
  EXPECT_NEAR(loss.sum, want[0] + want[2], 1e-5 * (want[0] + want[2]));
}

TEST(CpuKernels, HeadCrossEntropyAllRowsIgnored) {
  std::vector<float> h(2 * 3, 1.0f), w(5 * 3, 1.0f), rowLoss(2, 9.0f);
  std::vector<int32_t> targets = {-1, -1};
  LossSum loss;
  ASSERT_TRUE(headCrossEntropy(h.data(), w.data(), targets.data(), 2, 5, 3, -1,
                               rowLoss.data(), loss)
                  .ok());
  EXPECT_EQ(loss.count, 0);
  EXPECT_EQ(loss.sum, 0.0);
  EXPECT_EQ(loss.mean(), 0.0);
  EXPECT_EQ(rowLoss[0], 0.0f);
  EXPECT_EQ(rowLoss[1], 0.0f);
}

TEST(CpuKernels, HeadCrossEntropyRejectsBadTarget) {
  const int64_t rows = 9, vocab = 101, dim = 4;
  std::vector<float> h(rows * dim), w(vocab * dim);
  std::vector<int32_t> targets(rows, 1);
  targets[7] = 101;
  LossSum loss;
  Status st = headCrossEntropy(h.data(), w.data(), targets.data(), rows, vocab,
                               dim, -100, nullptr, loss);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message.find("row 7"), std::string::npos) << st.message;
  EXPECT_NE(st.message.find("target 101"), std::string::npos) << st.message;
  EXPECT_EQ(st.message.find('\n'), std::string::npos);

  targets[7] = 1;
  targets[4] = -5; // negative but not the ignore index
  st = headCrossEntropy(h.data(), w.data(), targets.data(), rows, vocab, dim,
                        -100, nullptr, loss);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message.find("row 4"), std::string::npos) << st.message;
  EXPECT_NE(st.message.find("target -5"), std::string::npos) << st.message;
}

//===----------------------------------------------------------------------===//
// Threads
//===----------------------------------------------------------------------===//

TEST(CpuKernels, SetNumThreadsIsReported) {
  ThreadGuard guard;
  setNumThreads(3);
  EXPECT_EQ(numThreads(), 3);
  setNumThreads(1);
  EXPECT_EQ(numThreads(), 1);
  setNumThreads(0);
  EXPECT_GE(numThreads(), 1);
}

/// Outputs of every kernel on shapes big enough to run on several threads.
std::vector<std::vector<float>> runAllKernels() {
  std::vector<std::vector<float>> outs;
  const int64_t rows = 300, dim = 256, vocab = 1500, n = 300 * 256;
  auto x = randomVector(rows * dim, 200), w = randomVector(vocab * dim, 201);

  std::vector<float> y(rows * vocab);
  linear(x.data(), w.data(), y.data(), rows, vocab, dim);
  outs.push_back(y);

  auto norm = randomVector(dim, 202, 0.5f, 1.5f);
  std::vector<float> yn(rows * dim);
  rmsNorm(x.data(), norm.data(), yn.data(), rows, dim, 1e-5f);
  outs.push_back(yn);
  auto residual = randomVector(rows * dim, 203);
  addRmsNorm(residual.data(), x.data(), norm.data(), yn.data(), rows, dim,
             1e-5f);
  outs.push_back(residual);
  outs.push_back(yn);

  auto g = randomVector(n, 204, -6.0f, 6.0f), u = randomVector(n, 205);
  std::vector<float> s(n);
  swiglu(g.data(), u.data(), s.data(), n);
  outs.push_back(s);
  add(g.data(), u.data(), s.data(), n);
  outs.push_back(s);

  auto r = randomVector(3 * 100 * 6 * 32, 206);
  rope(r.data(), 3, 100, 6, 32, 10000.0, 7);
  outs.push_back(r);

  // The elementwise kernels keep tensors of fewer than 2^19 elements (2^18
  // for swiglu) per thread on one: these have 3 x 2^19 and a part row.
  const int64_t bigRows = 3 * 2048 + 5, bigN = bigRows * dim;
  auto a = randomVector(bigN, 210), c = randomVector(bigN, 211, -6.0f, 6.0f);
  std::vector<float> big(bigN);
  add(a.data(), c.data(), big.data(), bigN);
  outs.push_back(big);
  swiglu(c.data(), a.data(), big.data(), bigN);
  outs.push_back(big);
  scale(a.data(), 0.5f, big.data(), bigN);
  outs.push_back(big);
  rmsNorm(a.data(), norm.data(), big.data(), bigRows, dim, 1e-5f);
  outs.push_back(big);
  addRmsNorm(a.data(), c.data(), norm.data(), big.data(), bigRows, dim, 1e-5f);
  outs.push_back(a);
  outs.push_back(big);
  rope(c.data(), 1, bigRows, 4, 64, 10000.0, 3);
  outs.push_back(c);

  const int64_t b = 3, t = 70, heads = 6, kv = 2, hd = 10;
  auto q = randomVector(b * t * heads * hd, 207);
  auto k = randomVector(b * t * kv * hd, 208),
       v = randomVector(b * t * kv * hd, 209);
  std::vector<float> o(q.size());
  attention(q.data(), k.data(), v.data(), o.data(), b, t, t, t, heads, kv, hd,
            0, true);
  outs.push_back(o);

  std::vector<int32_t> targets(rows), ids(rows);
  for (int64_t i = 0; i < rows; ++i) {
    targets[i] = int32_t((i * 7919) % vocab);
    ids[i] = int32_t((i * 31) % vocab);
  }
  std::vector<float> rowLoss(rows);
  LossSum loss;
  EXPECT_TRUE(headCrossEntropy(x.data(), w.data(), targets.data(), rows, vocab,
                               dim, -100, rowLoss.data(), loss)
                  .ok());
  outs.push_back(rowLoss);
  outs.push_back({float(loss.sum)});

  std::vector<float> e(rows * dim);
  EXPECT_TRUE(embedding(ids.data(), rows, w.data(), vocab, dim, e.data()).ok());
  outs.push_back(e);
  return outs;
}

/// The determinism guarantee (docs/Determinism.md), kernel by kernel: in
/// deterministic mode every output is bit-identical on 1, 2 and 3 threads.
TEST(CpuKernels, DeterministicModeSameBitsOnAnyThreadCount) {
  ThreadGuard guard;
  expectSameBitsOnAnyThreadCount(runAllKernels);
}

TEST(CpuKernels, SameBitsForTheSameThreadCount) {
  ThreadGuard guard;
  expectSameBitsForTheSameThreadCount(runAllKernels);
}

} // namespace
