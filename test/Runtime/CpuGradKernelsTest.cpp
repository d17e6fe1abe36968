//===- CpuGradKernelsTest.cpp - Backward and optimizer kernels ------------===//
//
// Every backward kernel is checked two ways:
//   - against central finite differences of a double-precision forward
//     written here: for random dy, L(x) = sum(dy * f(x)) and dL/dx_i from
//     the five-point stencil (error O(eps^4), so with eps = 1e-3 it is exact
//     to ~1e-12 and the tolerance measures the float kernel alone);
//   - against a closed-form double reference, on shapes large enough for the
//     blocked and multi-threaded paths (too large for finite differences).
// Sizes are not multiples of any vector width (dim 37, vocab 101, head_dim
// 10, seq 13, batch 2-3). The optimizers are checked against double
// references of PyTorch's formulas and against hand-computed steps; every
// kernel must give bit-identical results on one and two threads.
//
//===----------------------------------------------------------------------===//

#include "cherry/Runtime/CpuKernels.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <string>
#include <utility>
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

/// |got - want| <= tol * max(|want|, max over the vector of |want|): errors
/// are judged against the gradient's scale, so entries that nearly cancel
/// are not held to a relative bound they cannot meet in float.
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

/// `base` plus `delta`, elementwise in double: what an accumulating kernel
/// should leave in a buffer that held `base`.
std::vector<double> plus(const std::vector<float> &base,
                         const std::vector<double> &delta) {
  std::vector<double> r(delta);
  for (size_t i = 0; i < r.size(); ++i)
    r[i] += base[i];
  return r;
}

struct ThreadGuard {
  ~ThreadGuard() {
    setNumThreads(0);
    setDeterministic(true);
  }
};

//===----------------------------------------------------------------------===//
// Double-precision forwards
//===----------------------------------------------------------------------===//

std::vector<double> refLinear(const std::vector<double> &x,
                              const std::vector<double> &w, int64_t m,
                              int64_t n, int64_t k) {
  std::vector<double> y(m * n);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double s = 0;
      for (int64_t c = 0; c < k; ++c)
        s += x[i * k + c] * w[j * k + c];
      y[i * n + j] = s;
    }
  return y;
}

std::vector<double> refRmsNorm(const std::vector<double> &x,
                               const std::vector<double> &w, int64_t rows,
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

/// Hugging Face's float32 angles, as rope computes them.
float ropeAngle(int64_t pos, int64_t i, int64_t headDim, double theta) {
  float invFreq = 1.0f / std::pow(float(theta), float(2 * i) / float(headDim));
  return float(pos) * invFreq;
}

/// Rotates each pair by `sign` times its angle.
std::vector<double> refRotate(const std::vector<double> &x, int64_t batch,
                              int64_t seq, int64_t heads, int64_t headDim,
                              double theta, int64_t offset, double sign) {
  std::vector<double> y(x);
  const int64_t half = headDim / 2;
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t t = 0; t < seq; ++t)
      for (int64_t h = 0; h < heads; ++h)
        for (int64_t i = 0; i < half; ++i) {
          double angle = ropeAngle(offset + t, i, headDim, theta);
          double c = std::cos(angle), s = sign * std::sin(angle);
          int64_t base = ((b * seq + t) * heads + h) * headDim;
          double x1 = x[base + i], x2 = x[base + half + i];
          y[base + i] = x1 * c - x2 * s;
          y[base + half + i] = x2 * c + x1 * s;
        }
  return y;
}

struct AttnShape {
  int64_t batch, seq, heads, kvHeads, headDim;
  bool causal;
  int64_t qSize() const { return batch * seq * heads * headDim; }
  int64_t kvSize() const { return batch * seq * kvHeads * headDim; }
  int64_t kvHead(int64_t h) const { return h / (heads / kvHeads); }
  int64_t visible(int64_t t) const { return causal ? t + 1 : seq; }
  std::string name() const {
    return "batch " + std::to_string(batch) + " seq " + std::to_string(seq) +
           " heads " + std::to_string(heads) + " kv " +
           std::to_string(kvHeads) + " hd " + std::to_string(headDim) +
           (causal ? " causal" : " full");
  }
};

/// Softmax probabilities P[b][h][t][j] of attention, in double.
std::vector<double> refProbs(const AttnShape &c, const std::vector<double> &q,
                             const std::vector<double> &k) {
  const int64_t d = c.headDim, T = c.seq;
  std::vector<double> p(c.batch * c.heads * T * T, 0.0);
  for (int64_t b = 0; b < c.batch; ++b)
    for (int64_t h = 0; h < c.heads; ++h)
      for (int64_t t = 0; t < T; ++t) {
        const double *qr = &q[((b * T + t) * c.heads + h) * d];
        double *pr = &p[((b * c.heads + h) * T + t) * T];
        double mx = -std::numeric_limits<double>::infinity();
        for (int64_t j = 0; j < c.visible(t); ++j) {
          const double *kr = &k[((b * T + j) * c.kvHeads + c.kvHead(h)) * d];
          double s = 0;
          for (int64_t e = 0; e < d; ++e)
            s += qr[e] * kr[e];
          pr[j] = s / std::sqrt(double(d));
          mx = std::max(mx, pr[j]);
        }
        double sum = 0;
        for (int64_t j = 0; j < c.visible(t); ++j)
          sum += (pr[j] = std::exp(pr[j] - mx));
        for (int64_t j = 0; j < c.visible(t); ++j)
          pr[j] /= sum;
      }
  return p;
}

std::vector<double> refAttention(const AttnShape &c,
                                 const std::vector<double> &q,
                                 const std::vector<double> &k,
                                 const std::vector<double> &v) {
  const int64_t d = c.headDim, T = c.seq;
  std::vector<double> p = refProbs(c, q, k), out(c.qSize(), 0.0);
  for (int64_t b = 0; b < c.batch; ++b)
    for (int64_t h = 0; h < c.heads; ++h)
      for (int64_t t = 0; t < T; ++t) {
        double *o = &out[((b * T + t) * c.heads + h) * d];
        for (int64_t j = 0; j < c.visible(t); ++j) {
          double pj = p[((b * c.heads + h) * T + t) * T + j];
          const double *vr = &v[((b * T + j) * c.kvHeads + c.kvHead(h)) * d];
          for (int64_t e = 0; e < d; ++e)
            o[e] += pj * vr[e];
        }
      }
  return out;
}

/// Mean cross-entropy over the rows not ignored, in double.
double refMeanLoss(const std::vector<double> &h, const std::vector<double> &w,
                   const std::vector<int32_t> &targets, int64_t rows,
                   int64_t vocab, int64_t dim, int64_t ignoreIndex) {
  double sum = 0;
  int64_t count = 0;
  std::vector<double> logits(vocab);
  for (int64_t r = 0; r < rows; ++r) {
    if (targets[r] == ignoreIndex)
      continue;
    double mx = -std::numeric_limits<double>::infinity();
    for (int64_t j = 0; j < vocab; ++j) {
      double s = 0;
      for (int64_t e = 0; e < dim; ++e)
        s += h[r * dim + e] * w[j * dim + e];
      logits[j] = s;
      mx = std::max(mx, s);
    }
    double z = 0;
    for (int64_t j = 0; j < vocab; ++j)
      z += std::exp(logits[j] - mx);
    sum += mx + std::log(z) - logits[targets[r]];
    ++count;
  }
  return count ? sum / count : 0.0;
}

//===----------------------------------------------------------------------===//
// linear
//===----------------------------------------------------------------------===//

TEST(CpuGradKernels, LinearGradsMatchFiniteDifferences) {
  const int64_t m = 13, n = 37, k = 29;
  auto x = randomVector(m * k, 1), w = randomVector(n * k, 2);
  auto dy = randomVector(m * n, 3);
  const auto xd = toDouble(x), wd = toDouble(w);
  auto wantDx = numericGrad(
      [&](const std::vector<double> &xv) {
        return dot(dy, refLinear(xv, wd, m, n, k));
      },
      xd);
  auto wantDw = numericGrad(
      [&](const std::vector<double> &wv) {
        return dot(dy, refLinear(xd, wv, m, n, k));
      },
      wd);

  std::vector<float> dx(m * k, std::nanf("")), dw(n * k, std::nanf(""));
  linearGradInput(dy.data(), w.data(), dx.data(), m, n, k, false);
  linearGradWeight(dy.data(), x.data(), dw.data(), m, n, k, false);
  expectGradClose(dx, wantDx, 1e-6, "dx");
  expectGradClose(dw, wantDw, 1e-6, "dw");

  // accumulate: the gradient is added to what the buffers held.
  auto dx0 = randomVector(m * k, 4), dw0 = randomVector(n * k, 5);
  dx = dx0;
  dw = dw0;
  linearGradInput(dy.data(), w.data(), dx.data(), m, n, k, true);
  linearGradWeight(dy.data(), x.data(), dw.data(), m, n, k, true);
  expectGradClose(dx, plus(dx0, wantDx), 1e-6, "dx accumulated");
  expectGradClose(dw, plus(dw0, wantDw), 1e-6, "dw accumulated");
}

TEST(CpuGradKernels, LinearGradsMatchClosedFormOnThreadedShapes) {
  // Shapes whose GEMMs are cut into parts: by rows, by columns (n = 40 rows
  // of dw), and along k (dw sums 2100 rows onto a 40 x 48 output), in both
  // modes, with and without accumulation. dx = dy w and dw = dy^T x, each
  // within the rounding bound of its sums (FloatBounds.h). `sparse`: all but
  // one row in seven of dy zero (a selective step's query gradient), where
  // only the nonzero rows are multiplied; the zero rows of dx are exactly 0
  // (or what the buffer held).
  ThreadGuard guard;
  setNumThreads(2);
  for (bool det : {true, false})
    for (bool sparse : {false, true}) {
      setDeterministic(det);
      for (auto [m, n, k] : {std::array<int64_t, 3>{300, 256, 250},
                             std::array<int64_t, 3>{517, 40, 300},
                             std::array<int64_t, 3>{2100, 40, 48}}) {
        auto x = randomVector(m * k, 6), w = randomVector(n * k, 7);
        auto dy = randomVector(m * n, 8);
        if (sparse)
          for (int64_t r = 0; r < m; ++r)
            if (r % 7 != 3)
              std::fill_n(dy.begin() + r * n, n, 0.0f);
        const auto wT = transposed(w, n, k), dyT = transposed(dy, m, n),
                   xT = transposed(x, m, k);
        for (bool acc : {false, true}) {
          auto dx = randomVector(m * k, 9), dw = randomVector(n * k, 10);
          std::vector<double> wantDx, dxBound, wantDw, dwBound;
          productWithBound(dy, wT, m, k, n, acc ? &dx : nullptr, wantDx,
                           dxBound);
          productWithBound(dyT, xT, n, k, m, acc ? &dw : nullptr, wantDw,
                           dwBound);
          const std::vector<float> dxBefore = dx;
          linearGradInput(dy.data(), w.data(), dx.data(), m, n, k, acc);
          linearGradWeight(dy.data(), x.data(), dw.data(), m, n, k, acc);
          const std::string what =
              " m " + std::to_string(m) + " n " + std::to_string(n) + " k " +
              std::to_string(k) + (acc ? " accumulated" : "") +
              (det ? " deterministic" : "") + (sparse ? " sparse" : "");
          expectWithinBound(dx, wantDx, dxBound, "dx" + what);
          expectWithinBound(dw, wantDw, dwBound, "dw" + what);
          for (int64_t r = 0; sparse && r < m; ++r)
            for (int64_t e = 0; r % 7 != 3 && e < k; ++e)
              ASSERT_EQ(dx[r * k + e], acc ? dxBefore[r * k + e] : 0.0f)
                  << "zero row " << r << what;
        }
      }
    }
}

/// The three products of a linear layer (y = x w^T, dx = dy w, dw = dy^T x)
/// in deterministic mode, on shapes that take every schedule of the GEMM:
/// k over several blocks of 512 (1100), packed b over several passes (n =
/// 2100 columns of k = 600), a long reduction onto few rows (dw of 2100 rows
/// onto 40 x 48), few rows cut into column panels (13 rows on 2, 3 and 5
/// threads, 37 rows on 2 and 3; on 5 its 7 panels take the shared passes),
/// and tails of every tile (13, 37, 47 rows or columns).
/// Each within the rounding bound of its sums, and the same bits on 1, 2, 3
/// and 5 threads: the threads change how the work is cut, never the
/// arithmetic of an element.
TEST(CpuGradKernels, LinearProductBitsDoNotDependOnThreads) {
  ThreadGuard guard;
  setDeterministic(true);
  for (auto [m, n, k] : {std::array<int64_t, 3>{13, 2100, 600},
                         std::array<int64_t, 3>{517, 47, 1100},
                         std::array<int64_t, 3>{2100, 40, 48},
                         std::array<int64_t, 3>{37, 300, 1030}}) {
    const std::string shape = "m " + std::to_string(m) + " n " +
                              std::to_string(n) + " k " + std::to_string(k);
    auto x = randomVector(m * k, 21), w = randomVector(n * k, 22),
         dy = randomVector(m * n, 23);
    for (bool acc : {false, true}) {
      const auto y0 = randomVector(m * n, 24), dx0 = randomVector(m * k, 25),
                 dw0 = randomVector(n * k, 26);
      std::vector<float> y1, dx1, dw1;
      for (int threads : {1, 2, 3, 5}) {
        setNumThreads(threads);
        std::vector<float> y = y0, dx = dx0, dw = dw0;
        linear(x.data(), w.data(), y.data(), m, n, k, acc);
        linearGradInput(dy.data(), w.data(), dx.data(), m, n, k, acc);
        linearGradWeight(dy.data(), x.data(), dw.data(), m, n, k, acc);
        const std::string what = shape + (acc ? " accumulated" : "") +
                                 " threads " + std::to_string(threads);
        if (threads == 1) {
          std::vector<double> want, bound;
          productWithBound(x, w, m, n, k, acc ? &y0 : nullptr, want, bound);
          expectWithinBound(y, want, bound, "y " + what);
          productWithBound(dy, transposed(w, n, k), m, k, n,
                           acc ? &dx0 : nullptr, want, bound);
          expectWithinBound(dx, want, bound, "dx " + what);
          productWithBound(transposed(dy, m, n), transposed(x, m, k), n, k, m,
                           acc ? &dw0 : nullptr, want, bound);
          expectWithinBound(dw, want, bound, "dw " + what);
          y1 = y, dx1 = dx, dw1 = dw;
          continue;
        }
        EXPECT_EQ(std::memcmp(y.data(), y1.data(), y.size() * 4), 0)
            << "y " << what;
        EXPECT_EQ(std::memcmp(dx.data(), dx1.data(), dx.size() * 4), 0)
            << "dx " << what;
        EXPECT_EQ(std::memcmp(dw.data(), dw1.data(), dw.size() * 4), 0)
            << "dw " << what;
      }
    }
  }
}

//===----------------------------------------------------------------------===//
// embedding
//===----------------------------------------------------------------------===//

TEST(CpuGradKernels, EmbeddingGradMatchesFiniteDifferences) {
  const int64_t n = 29, vocab = 101, dim = 37;
  std::vector<int32_t> ids(n);
  for (int64_t i = 0; i < n; ++i) // repeats: ids 0..9 several times
    ids[i] = int32_t(i % 3 == 0 ? i % 10 : (i * 37) % vocab);
  ids[n - 1] = int32_t(vocab - 1);
  auto table = randomVector(vocab * dim, 10), dy = randomVector(n * dim, 11);
  auto lookup = [&](const std::vector<double> &t) {
    std::vector<double> out(n * dim);
    for (int64_t i = 0; i < n; ++i)
      for (int64_t e = 0; e < dim; ++e)
        out[i * dim + e] = t[ids[i] * dim + e];
    return out;
  };
  auto want = numericGrad(
      [&](const std::vector<double> &t) { return dot(dy, lookup(t)); },
      toDouble(table));
  std::vector<double> closed(vocab * dim, 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t e = 0; e < dim; ++e)
      closed[ids[i] * dim + e] += dy[i * dim + e];

  std::vector<float> dtable(vocab * dim, std::nanf(""));
  Status st =
      embeddingGrad(ids.data(), dy.data(), dtable.data(), n, vocab, dim, false);
  ASSERT_TRUE(st.ok()) << st.message;
  expectGradClose(dtable, want, 1e-6, "dtable");
  expectGradClose(dtable, closed, 1e-7, "dtable closed form");

  auto base = randomVector(vocab * dim, 12); // tied: adds to the head's dw
  const std::vector<float> fresh = dtable;
  dtable = base;
  st = embeddingGrad(ids.data(), dy.data(), dtable.data(), n, vocab, dim, true);
  ASSERT_TRUE(st.ok()) << st.message;
  expectGradClose(dtable, plus(base, closed), 1e-7, "dtable accumulated");
  // embedding_grad_add: each row's tokens summed apart, then added once, so
  // the bits of embedding_grad and an add (rows no id hits keep base).
  for (int64_t i = 0; i < vocab * dim; ++i)
    ASSERT_EQ(dtable[i], base[i] + fresh[i]) << "element " << i;
}

TEST(CpuGradKernels, EmbeddingGradRejectsBadIds) {
  const int64_t vocab = 101, dim = 4;
  std::vector<float> dy(2 * dim, 1.0f), dtable(vocab * dim, 7.0f);
  for (int32_t bad : {int32_t(vocab), -1}) {
    std::vector<int32_t> ids = {3, bad};
    Status st = embeddingGrad(ids.data(), dy.data(), dtable.data(), 2, vocab,
                              dim, false);
    ASSERT_FALSE(st.ok());
    EXPECT_NE(st.message.find("id " + std::to_string(bad) + " at position 1"),
              std::string::npos)
        << st.message;
    EXPECT_EQ(dtable[3 * dim], 7.0f) << "nothing written on failure";
  }
}

//===----------------------------------------------------------------------===//
// rmsNorm
//===----------------------------------------------------------------------===//

/// Closed form in double: dx = w dy / r - x sum(w dy x) / (dim r^3),
/// dw = sum over rows of dy x / r.
void refRmsNormGrad(const std::vector<float> &x, const std::vector<float> &w,
                    const std::vector<float> &dy, int64_t rows, int64_t dim,
                    double eps, std::vector<double> &dx,
                    std::vector<double> &dw) {
  dx.assign(rows * dim, 0.0);
  dw.assign(dim, 0.0);
  for (int64_t r = 0; r < rows; ++r) {
    const float *xr = &x[r * dim], *g = &dy[r * dim];
    double ss = 0, s = 0;
    for (int64_t i = 0; i < dim; ++i) {
      ss += double(xr[i]) * xr[i];
      s += double(w[i]) * g[i] * xr[i];
    }
    double rr = std::sqrt(ss / dim + eps);
    for (int64_t i = 0; i < dim; ++i) {
      dx[r * dim + i] =
          double(w[i]) * g[i] / rr - xr[i] * s / (dim * rr * rr * rr);
      dw[i] += double(g[i]) * xr[i] / rr;
    }
  }
}

TEST(CpuGradKernels, RmsNormGradMatchesFiniteDifferences) {
  const int64_t rows = 13, dim = 37;
  const float eps = 1e-5f;
  auto x = randomVector(rows * dim, 20, -2.0f, 2.0f);
  auto w = randomVector(dim, 21, 0.5f, 1.5f), dy = randomVector(rows * dim, 22);
  const auto xd = toDouble(x), wd = toDouble(w);
  auto wantDx = numericGrad(
      [&](const std::vector<double> &xv) {
        return dot(dy, refRmsNorm(xv, wd, rows, dim, eps));
      },
      xd);
  auto wantDw = numericGrad(
      [&](const std::vector<double> &wv) {
        return dot(dy, refRmsNorm(xd, wv, rows, dim, eps));
      },
      wd);
  std::vector<double> closedDx, closedDw;
  refRmsNormGrad(x, w, dy, rows, dim, eps, closedDx, closedDw);

  for (bool accDx : {false, true})
    for (bool accDw : {false, true}) {
      auto dx0 = randomVector(rows * dim, 23), dw0 = randomVector(dim, 24);
      std::vector<float> dx = dx0, dw = dw0;
      if (!accDx)
        std::fill(dx.begin(), dx.end(), std::nanf(""));
      if (!accDw)
        std::fill(dw.begin(), dw.end(), std::nanf(""));
      rmsNormGrad(x.data(), w.data(), dy.data(), dx.data(), dw.data(), rows,
                  dim, eps, accDx, accDw);
      const std::string what =
          std::string(accDx ? " +dx" : "") + std::string(accDw ? " +dw" : "");
      expectGradClose(dx, accDx ? plus(dx0, wantDx) : wantDx, 2e-6,
                      "dx" + what);
      expectGradClose(dw, accDw ? plus(dw0, wantDw) : wantDw, 2e-6,
                      "dw" + what);
      if (!accDx)
        expectGradClose(dx, closedDx, 1e-6, "dx closed form" + what);
      if (!accDw)
        expectGradClose(dw, closedDw, 1e-6, "dw closed form" + what);
    }

  // In place: dx may be dy's buffer.
  std::vector<float> inPlace = dy, dw(dim);
  rmsNormGrad(x.data(), w.data(), inPlace.data(), inPlace.data(), dw.data(),
              rows, dim, eps, false, false);
  expectGradClose(inPlace, closedDx, 1e-6, "dx in place");
  expectGradClose(dw, closedDw, 1e-6, "dw with dx in place");
}

TEST(CpuGradKernels, RmsNormGradMatchesClosedFormOverManyChunks) {
  const int64_t rows = 700, dim = 256; // chunks of 64 rows: 11 of them
  auto x = randomVector(rows * dim, 25, -2.0f, 2.0f);
  auto w = randomVector(dim, 26, 0.5f, 1.5f), dy = randomVector(rows * dim, 27);
  std::vector<double> wantDx, wantDw;
  refRmsNormGrad(x, w, dy, rows, dim, 1e-6, wantDx, wantDw);
  std::vector<float> dx(rows * dim), dw(dim);
  rmsNormGrad(x.data(), w.data(), dy.data(), dx.data(), dw.data(), rows, dim,
              1e-6f, false, false);
  expectGradClose(dx, wantDx, 2e-6, "dx");
  expectGradClose(dw, wantDw, 2e-6, "dw");
}

//===----------------------------------------------------------------------===//
// rope
//===----------------------------------------------------------------------===//

TEST(CpuGradKernels, RopeGradIntoEqualsInPlace) {
  const int64_t batch = 3, seq = 13, heads = 6, headDim = 10;
  const auto dy = randomVector(batch * seq * heads * headDim, 24);
  std::vector<float> inPlace(dy), dx(dy.size());
  ropeGrad(inPlace.data(), batch, seq, heads, headDim, 10000.0, 5);
  ropeGradInto(dy.data(), dx.data(), batch, seq, heads, headDim, 10000.0, 5);
  for (size_t i = 0; i < dy.size(); ++i)
    ASSERT_EQ(dx[i], inPlace[i]) << i;
}

TEST(CpuGradKernels, RopeGradMatchesFiniteDifferences) {
  const int64_t batch = 2, seq = 13, heads = 6, headDim = 10, offset = 5;
  const double theta = 10000.0;
  const int64_t n = batch * seq * heads * headDim;
  auto x = randomVector(n, 30), dy = randomVector(n, 31);
  auto want = numericGrad(
      [&](const std::vector<double> &xv) {
        return dot(
            dy, refRotate(xv, batch, seq, heads, headDim, theta, offset, 1.0));
      },
      toDouble(x));
  auto closed =
      refRotate(toDouble(dy), batch, seq, heads, headDim, theta, offset, -1.0);
  std::vector<float> g = dy;
  ropeGrad(g.data(), batch, seq, heads, headDim, theta, offset);
  expectGradClose(g, want, 1e-6, "dx");
  expectGradClose(g, closed, 1e-6, "dx closed form");

  // rope then ropeGrad is the identity (a rotation's transpose is its
  // inverse), up to float rounding, at large positions too.
  auto y = x;
  rope(y.data(), batch, seq, heads, headDim, theta, 4000);
  ropeGrad(y.data(), batch, seq, heads, headDim, theta, 4000);
  expectGradClose(y, toDouble(x), 1e-6, "ropeGrad(rope(x))");
}

//===----------------------------------------------------------------------===//
// attention
//===----------------------------------------------------------------------===//

struct AttnGrads {
  std::vector<float> dq, dk, dv;
};

AttnGrads runAttentionGrad(const AttnShape &c, const std::vector<float> &q,
                           const std::vector<float> &k,
                           const std::vector<float> &v,
                           const std::vector<float> &dout) {
  std::vector<float> o(c.qSize());
  attention(q.data(), k.data(), v.data(), o.data(), c.batch, c.seq, c.seq,
            c.seq, c.heads, c.kvHeads, c.headDim, 0, c.causal);
  AttnGrads g{std::vector<float>(c.qSize(), std::nanf("")),
              std::vector<float>(c.kvSize(), std::nanf("")),
              std::vector<float>(c.kvSize(), std::nanf(""))};
  attentionGrad(q.data(), k.data(), v.data(), o.data(), dout.data(),
                g.dq.data(), g.dk.data(), g.dv.data(), c.batch, c.seq, c.heads,
                c.kvHeads, c.headDim, c.causal);
  return g;
}

/// The textbook backward in double: dP = dout v^T, D = rowsum(dout * o),
/// dS = P (dP - D), dq = scale dS k, dk = scale dS^T q, dv = P^T dout.
void refAttentionGrad(const AttnShape &c, const std::vector<float> &qf,
                      const std::vector<float> &kf,
                      const std::vector<float> &vf,
                      const std::vector<float> &dout, std::vector<double> &dq,
                      std::vector<double> &dk, std::vector<double> &dv) {
  const int64_t d = c.headDim, T = c.seq;
  const double scale = 1.0 / std::sqrt(double(d));
  auto q = toDouble(qf), k = toDouble(kf), v = toDouble(vf);
  auto p = refProbs(c, q, k);
  auto o = refAttention(c, q, k, v);
  dq.assign(c.qSize(), 0.0);
  dk.assign(c.kvSize(), 0.0);
  dv.assign(c.kvSize(), 0.0);
  for (int64_t b = 0; b < c.batch; ++b)
    for (int64_t h = 0; h < c.heads; ++h)
      for (int64_t t = 0; t < T; ++t) {
        const int64_t qi = ((b * T + t) * c.heads + h) * d;
        double dsum = 0;
        for (int64_t e = 0; e < d; ++e)
          dsum += dout[qi + e] * o[qi + e];
        for (int64_t j = 0; j < c.visible(t); ++j) {
          const int64_t ki = ((b * T + j) * c.kvHeads + c.kvHead(h)) * d;
          const double pj = p[((b * c.heads + h) * T + t) * T + j];
          double dp = 0;
          for (int64_t e = 0; e < d; ++e)
            dp += dout[qi + e] * v[ki + e];
          const double ds = pj * (dp - dsum) * scale;
          for (int64_t e = 0; e < d; ++e) {
            dq[qi + e] += ds * k[ki + e];
            dk[ki + e] += ds * q[qi + e];
            dv[ki + e] += pj * dout[qi + e];
          }
        }
      }
}

TEST(CpuGradKernels, AttentionGradMatchesFiniteDifferences) {
  for (bool causal : {true, false})
    for (int64_t kvHeads : {2, 3}) { // GQA groups of 3 and 2
      const AttnShape c{2, 13, 6, kvHeads, 10, causal};
      const uint64_t seed = 40 + kvHeads + (causal ? 10 : 0);
      auto q = randomVector(c.qSize(), seed, -2.0f, 2.0f);
      auto k = randomVector(c.kvSize(), seed + 1, -2.0f, 2.0f);
      auto v = randomVector(c.kvSize(), seed + 2);
      auto dout = randomVector(c.qSize(), seed + 3);
      const auto qd = toDouble(q), kd = toDouble(k), vd = toDouble(v);
      auto wantDq = numericGrad(
          [&](const std::vector<double> &x) {
            return dot(dout, refAttention(c, x, kd, vd));
          },
          qd);
      auto wantDk = numericGrad(
          [&](const std::vector<double> &x) {
            return dot(dout, refAttention(c, qd, x, vd));
          },
          kd);
      auto wantDv = numericGrad(
          [&](const std::vector<double> &x) {
            return dot(dout, refAttention(c, qd, kd, x));
          },
          vd);
      AttnGrads g = runAttentionGrad(c, q, k, v, dout);
      expectGradClose(g.dq, wantDq, 2e-6, "dq " + c.name());
      expectGradClose(g.dk, wantDk, 2e-6, "dk " + c.name());
      expectGradClose(g.dv, wantDv, 2e-6, "dv " + c.name());

      std::vector<double> closedDq, closedDk, closedDv;
      refAttentionGrad(c, q, k, v, dout, closedDq, closedDk, closedDv);
      expectGradClose(g.dq, closedDq, 2e-6, "dq closed form " + c.name());
      expectGradClose(g.dk, closedDk, 2e-6, "dk closed form " + c.name());
      expectGradClose(g.dv, closedDv, 2e-6, "dv closed form " + c.name());
    }
}

TEST(CpuGradKernels, AttentionGradAcrossBlocks) {
  // Several 64-row query and key blocks, a partial last block, MHA and GQA,
  // and a head dim that is not a multiple of 4.
  for (const AttnShape &c :
       {AttnShape{2, 150, 4, 2, 10, true}, AttnShape{2, 150, 4, 2, 10, false},
        AttnShape{1, 129, 6, 6, 33, true}, AttnShape{3, 64, 6, 3, 8, true}}) {
    auto q = randomVector(c.qSize(), 50, -2.0f, 2.0f);
    auto k = randomVector(c.kvSize(), 51, -2.0f, 2.0f);
    auto v = randomVector(c.kvSize(), 52);
    auto dout = randomVector(c.qSize(), 53);
    AttnGrads g = runAttentionGrad(c, q, k, v, dout);
    std::vector<double> dq, dk, dv;
    refAttentionGrad(c, q, k, v, dout, dq, dk, dv);
    expectGradClose(g.dq, dq, 5e-6, "dq " + c.name());
    expectGradClose(g.dk, dk, 5e-6, "dk " + c.name());
    expectGradClose(g.dv, dv, 5e-6, "dv " + c.name());
  }
}

/// The scaled scores s[j] = q_t . k_j / sqrt(d) of query row t of head h of
/// batch b over the keys it sees, and each one's float error bound mag[j]
/// (refAttentionGradBound's l_ij).
void rowScoresWithBound(const AttnShape &c, const std::vector<double> &q,
                        const std::vector<double> &k, int64_t b, int64_t h,
                        int64_t t, std::vector<double> &s,
                        std::vector<double> &mag) {
  const int64_t d = c.headDim, T = c.seq;
  const double scale = 1.0 / std::sqrt(double(d));
  const int64_t qi = ((b * T + t) * c.heads + h) * d;
  for (int64_t j = 0; j < c.visible(t); ++j) {
    const int64_t ki = ((b * T + j) * c.kvHeads + c.kvHead(h)) * d;
    double dot = 0, m = 0;
    for (int64_t e = 0; e < d; ++e) {
      dot += q[qi + e] * k[ki + e];
      m += std::abs(q[qi + e] * k[ki + e]);
    }
    s[j] = dot * scale;
    mag[j] = scale * sumBound(double(d)) * m + kUnitRoundoff * std::abs(s[j]);
  }
}

/// log sum_j e^(s_j) over the first n scores, and the bound on the float
/// online computation's error (refAttentionGradBound's lse~_i) given each
/// score's error bound mag[j]: {lse, bound}.
std::pair<double, double> lseWithBound(const std::vector<double> &s,
                                       const std::vector<double> &mag,
                                       int64_t n) {
  const double u = kUnitRoundoff;
  double mx = -std::numeric_limits<double>::infinity(), L = 0;
  for (int64_t j = 0; j < n; ++j) {
    mx = std::max(mx, s[j]);
    L = std::max(L, mag[j]);
  }
  double sum = 0, spread = 0;
  for (int64_t j = 0; j < n; ++j) {
    sum += std::exp(s[j] - mx);
    spread = std::max(spread, mx - s[j]);
  }
  const double lse = mx + std::log(sum);
  const double blocks = double((n + 63) / 64);
  return {lse, L + u * (2 + spread) + blocks * u * (3 + spread) +
                   sumBound(double(n)) + 2 * u * std::abs(std::log(sum)) +
                   u * std::abs(lse)};
}

/// The gradients as refAttentionGrad computes them, and each one's
/// rounding-error bound (first order in u = 2^-24) from how attentionGrad
/// computes it, given the forward's float output o~ (its error |o~ - o|
/// enters through D):
///   scores s~_ij = fl(q_i . k_j) scale, off by l_ij = scale gamma(d)
///     sum |q k| + u |s_ij|;
///   lse~_i from the online sum over the T visible keys in B blocks of 64:
///     each term e^(s_j - m) off by l_ij + u D + 2u (D the spread of the
///     scores, exp within 1 ulp), each rescale by u (3 + D), the sum
///     gamma(T), then log (2u |log sum|) and the add (u |lse|);
///   P~_ij = exp(s~_ij - lse~_i), relative error relP = l_ij + err(lse~_i) +
///     u |s_ij - lse_i| + 2u;
///   dP~_ij = fl(dout_i . v_j), off by gamma(d) sum |dout v|;
///   D~_i = fl(dout_i . o~_i), off by gamma(d) sum |dout o~| + sum |dout|
///     |o~ - o|;
///   dS~_ij = fl(P~ fl(dP~ - D~) scale), off by eS = scale P (relP |dP - D|
///     + err(dP~) + err(D~)) + 3u |dS|;
///   dv_j, dk_j, dq_i: float sums of N terms (N the pairs summed, in any
///     order and blocking: gamma(N)) of P~ dout, dS~ q, dS~ k, so
///     |dv~ - dv| <= sum P relP |dout| + gamma(N) sum P |dout| and
///     |dk~ - dk| <= sum eS |q| + gamma(N) sum |dS q| (dq likewise with k).
void refAttentionGradBound(const AttnShape &c, const std::vector<float> &qf,
                           const std::vector<float> &kf,
                           const std::vector<float> &vf,
                           const std::vector<float> &of,
                           const std::vector<float> &dout,
                           std::vector<double> &dq, std::vector<double> &dk,
                           std::vector<double> &dv, std::vector<double> &bq,
                           std::vector<double> &bk, std::vector<double> &bv) {
  const int64_t d = c.headDim, T = c.seq;
  const double u = kUnitRoundoff, scale = 1.0 / std::sqrt(double(d));
  auto q = toDouble(qf), k = toDouble(kf), v = toDouble(vf);
  auto o = refAttention(c, q, k, v);
  for (auto *x : {&dq, &bq})
    x->assign(c.qSize(), 0.0);
  for (auto *x : {&dk, &dv, &bk, &bv})
    x->assign(c.kvSize(), 0.0);
  // Terms summed into each dk, dv row: every query of every head sharing it.
  std::vector<double> kvTerms(c.kvSize() / d, 0.0), qTerms(c.qSize() / d);
  std::vector<double> s(T), mag(T), sk(c.kvSize()), sq(c.qSize());
  std::vector<double> pdv(c.kvSize(), 0.0); // sum P |dout| per dv element
  for (int64_t b = 0; b < c.batch; ++b)
    for (int64_t h = 0; h < c.heads; ++h)
      for (int64_t t = 0; t < T; ++t) {
        const int64_t qi = ((b * T + t) * c.heads + h) * d, n = c.visible(t);
        rowScoresWithBound(c, q, k, b, h, t, s, mag);
        const auto [lse, lseErr] = lseWithBound(s, mag, n);
        double dsum = 0, dErr = 0;
        for (int64_t e = 0; e < d; ++e) {
          dsum += dout[qi + e] * o[qi + e];
          dErr += sumBound(double(d)) * std::abs(dout[qi + e] * of[qi + e]) +
                  std::abs(double(dout[qi + e])) *
                      std::abs(double(of[qi + e]) - o[qi + e]);
        }
        qTerms[qi / d] = double(n);
        for (int64_t j = 0; j < n; ++j) {
          const int64_t ki = ((b * T + j) * c.kvHeads + c.kvHead(h)) * d;
          const double p = std::exp(s[j] - lse);
          const double relP =
              mag[j] + lseErr + u * std::abs(s[j] - lse) + 2 * u;
          double dp = 0, dpMag = 0;
          for (int64_t e = 0; e < d; ++e) {
            dp += dout[qi + e] * v[ki + e];
            dpMag += std::abs(dout[qi + e] * v[ki + e]);
          }
          const double ds = p * (dp - dsum) * scale;
          const double eS = scale * p *
                                (relP * std::abs(dp - dsum) +
                                 sumBound(double(d)) * dpMag + dErr) +
                            3 * u * std::abs(ds);
          kvTerms[ki / d] += 1;
          for (int64_t e = 0; e < d; ++e) {
            dq[qi + e] += ds * k[ki + e];
            dk[ki + e] += ds * q[qi + e];
            dv[ki + e] += p * dout[qi + e];
            bq[qi + e] += eS * std::abs(k[ki + e]);
            bk[ki + e] += eS * std::abs(q[qi + e]);
            bv[ki + e] += p * relP * std::abs(double(dout[qi + e]));
            sq[qi + e] += std::abs(ds * k[ki + e]);
            sk[ki + e] += std::abs(ds * q[qi + e]);
            pdv[ki + e] += p * std::abs(double(dout[qi + e]));
          }
        }
      }
  for (size_t i = 0; i < bq.size(); ++i)
    bq[i] += sumBound(qTerms[i / d]) * sq[i];
  for (size_t i = 0; i < bk.size(); ++i) {
    bk[i] += sumBound(kvTerms[i / d]) * sk[i];
    bv[i] += sumBound(kvTerms[i / d]) * pdv[i];
  }
}

TEST(CpuGradKernels, AttentionGradWithinDerivedBound) {
  // Every query and key block shape the kernel has: one row, a partial
  // block, several blocks with a partial last one, head dims that need
  // padding to whole register tiles (10, 33) and ones that do not (32, 64),
  // GQA groups of 1 to 4.
  for (const AttnShape &c :
       {AttnShape{1, 1, 2, 1, 16, true}, AttnShape{2, 13, 6, 2, 10, true},
        AttnShape{2, 13, 6, 3, 10, false}, AttnShape{2, 150, 4, 2, 10, true},
        AttnShape{2, 150, 4, 2, 10, false}, AttnShape{1, 129, 6, 6, 33, true},
        AttnShape{2, 77, 6, 2, 32, true}, AttnShape{1, 200, 4, 1, 64, true},
        AttnShape{1, 70, 2, 2, 64, false},
        // Causal blocks skip and cut register tiles along the diagonal:
        // blocks of rows that are no multiple of a tile's, one block of 9.
        AttnShape{1, 9, 2, 1, 64, true}, AttnShape{2, 100, 4, 2, 64, true},
        AttnShape{1, 71, 3, 1, 24, true},
        // 16 (batch, kv head) items: pass A does not split the keys.
        AttnShape{8, 70, 4, 2, 16, true}}) {
    auto q = randomVector(c.qSize(), 60, -2.0f, 2.0f);
    auto k = randomVector(c.kvSize(), 61, -2.0f, 2.0f);
    auto v = randomVector(c.kvSize(), 62);
    auto dout = randomVector(c.qSize(), 63);
    std::vector<float> o(c.qSize());
    attention(q.data(), k.data(), v.data(), o.data(), c.batch, c.seq, c.seq,
              c.seq, c.heads, c.kvHeads, c.headDim, 0, c.causal);
    AttnGrads g = runAttentionGrad(c, q, k, v, dout);
    std::vector<double> dq, dk, dv, bq, bk, bv;
    refAttentionGradBound(c, q, k, v, o, dout, dq, dk, dv, bq, bk, bv);
    expectWithinBound(g.dq, dq, bq, "dq " + c.name());
    expectWithinBound(g.dk, dk, bk, "dk " + c.name());
    expectWithinBound(g.dv, dv, bv, "dv " + c.name());
  }
}

/// dout with only some query rows nonzero (a selective step's last layer):
/// per batch b rows t with (t * 7 + b) % stride == 0, the last row, and in
/// batch 1 none at all.
std::vector<float> sparseRows(const AttnShape &c, uint64_t seed,
                              int64_t stride) {
  std::vector<float> dout = randomVector(c.qSize(), seed);
  const int64_t width = c.heads * c.headDim;
  for (int64_t b = 0; b < c.batch; ++b)
    for (int64_t t = 0; t < c.seq; ++t) {
      const bool kept = b != 1 && ((t * 7 + b) % stride == 0 || t == c.seq - 1);
      if (!kept)
        std::fill_n(dout.begin() + (b * c.seq + t) * width, width, 0.0f);
    }
  return dout;
}

TEST(CpuGradKernels, AttentionGradOfSparseRowsWithinDerivedBound) {
  // Most rows of dout zero: attentionGrad runs on the nonzero rows only,
  // gathered with their positions. Against the same derived bounds as the
  // dense path; the zero rows' dq is exactly 0. Shapes: query blocks of
  // gathered rows that straddle key blocks, padded head dims, GQA, causal
  // and not.
  for (const AttnShape &c :
       {AttnShape{3, 150, 4, 2, 10, true}, AttnShape{3, 150, 4, 2, 10, false},
        AttnShape{3, 256, 4, 4, 64, true}, AttnShape{3, 64, 6, 3, 8, true}}) {
    auto q = randomVector(c.qSize(), 64, -2.0f, 2.0f);
    auto k = randomVector(c.kvSize(), 65, -2.0f, 2.0f);
    auto v = randomVector(c.kvSize(), 66);
    auto dout = sparseRows(c, 67, 5);
    std::vector<float> o(c.qSize());
    attention(q.data(), k.data(), v.data(), o.data(), c.batch, c.seq, c.seq,
              c.seq, c.heads, c.kvHeads, c.headDim, 0, c.causal);
    AttnGrads g = runAttentionGrad(c, q, k, v, dout);
    std::vector<double> dq, dk, dv, bq, bk, bv;
    refAttentionGradBound(c, q, k, v, o, dout, dq, dk, dv, bq, bk, bv);
    expectWithinBound(g.dq, dq, bq, "dq " + c.name());
    expectWithinBound(g.dk, dk, bk, "dk " + c.name());
    expectWithinBound(g.dv, dv, bv, "dv " + c.name());
    for (size_t i = 0; i < dout.size(); ++i) {
      if (dout[i] == 0.0f && dq[i] == 0.0) {
        ASSERT_EQ(g.dq[i], 0.0f) << "dq element " << i << " " << c.name();
      }
    }
  }
  // Every row zero: all three gradients are zero.
  const AttnShape c{2, 40, 2, 1, 8, true};
  auto q = randomVector(c.qSize(), 68), k = randomVector(c.kvSize(), 69);
  std::vector<float> zero(c.qSize(), 0.0f);
  AttnGrads g = runAttentionGrad(c, q, k, k, zero);
  for (float x : g.dq)
    ASSERT_EQ(x, 0.0f);
  for (float x : g.dk)
    ASSERT_EQ(x, 0.0f);
  for (float x : g.dv)
    ASSERT_EQ(x, 0.0f);
}

TEST(CpuGradKernels, AttentionLseIsTheGradientsRowStatistic) {
  // attention's lse (attention_lse) is within the derived bound of the
  // double log-sum-exp, and o is the same bits with and without it.
  // attentionGrad reading it gives the bits it gives recomputing it, for
  // dense and sparse dout, where every query block has at least 8 rows (the
  // tiled path, whose sums pass 0 repeats); with a shorter last block (row
  // dot products) the gradients are within the derived bounds. Shapes:
  // several blocks with a partial last one, last blocks of 1 and 3 rows, one
  // row, padded head dims, GQA, causal and not.
  for (const AttnShape &c :
       {AttnShape{2, 150, 4, 2, 10, true}, AttnShape{2, 150, 4, 2, 10, false},
        AttnShape{1, 129, 6, 6, 33, true}, AttnShape{3, 64, 6, 3, 8, true},
        AttnShape{2, 67, 2, 1, 16, true}, AttnShape{1, 1, 2, 2, 8, true}}) {
    auto q = randomVector(c.qSize(), 70, -2.0f, 2.0f);
    auto k = randomVector(c.kvSize(), 71, -2.0f, 2.0f);
    auto v = randomVector(c.kvSize(), 72);
    std::vector<float> o0(c.qSize()), o(c.qSize()),
        lse(c.batch * c.heads * c.seq, std::nanf(""));
    attention(q.data(), k.data(), v.data(), o0.data(), c.batch, c.seq, c.seq,
              c.seq, c.heads, c.kvHeads, c.headDim, 0, c.causal);
    attention(q.data(), k.data(), v.data(), o.data(), c.batch, c.seq, c.seq,
              c.seq, c.heads, c.kvHeads, c.headDim, 0, c.causal, lse.data());
    const int64_t T = c.seq;
    const bool tiled = T % 64 == 0 || T % 64 >= 8; // every block's path
    auto qd = toDouble(q), kd = toDouble(k);
    std::vector<double> s(T), mag(T);
    for (int64_t b = 0; b < c.batch; ++b)
      for (int64_t h = 0; h < c.heads; ++h)
        for (int64_t t = 0; t < T; ++t) {
          rowScoresWithBound(c, qd, kd, b, h, t, s, mag);
          const auto [ref, bound] = lseWithBound(s, mag, c.visible(t));
          const float got = lse[(b * c.heads + h) * T + t];
          ASSERT_LE(std::abs(double(got) - ref), bound)
              << "lse row " << t << " head " << h << " batch " << b << " "
              << c.name();
        }
    expectIdentical(o, o0, "o " + c.name());
    for (bool sparse : {false, true}) {
      auto dout = sparse && T >= 64 ? sparseRows(c, 73, 5)
                                    : randomVector(c.qSize(), 74);
      AttnGrads want{std::vector<float>(c.qSize()),
                     std::vector<float>(c.kvSize()),
                     std::vector<float>(c.kvSize())};
      AttnGrads got{std::vector<float>(c.qSize(), std::nanf("")),
                    std::vector<float>(c.kvSize(), std::nanf("")),
                    std::vector<float>(c.kvSize(), std::nanf(""))};
      attentionGrad(q.data(), k.data(), v.data(), o.data(), dout.data(),
                    want.dq.data(), want.dk.data(), want.dv.data(), c.batch,
                    c.seq, c.heads, c.kvHeads, c.headDim, c.causal);
      attentionGrad(q.data(), k.data(), v.data(), o.data(), dout.data(),
                    got.dq.data(), got.dk.data(), got.dv.data(), c.batch, c.seq,
                    c.heads, c.kvHeads, c.headDim, c.causal, lse.data());
      const std::string what = c.name() + (sparse ? " sparse" : " dense");
      if (tiled) {
        expectIdentical(got.dq, want.dq, "dq " + what);
        expectIdentical(got.dk, want.dk, "dk " + what);
        expectIdentical(got.dv, want.dv, "dv " + what);
        continue;
      }
      std::vector<double> dq, dk, dv, bq, bk, bv;
      refAttentionGradBound(c, q, k, v, o, dout, dq, dk, dv, bq, bk, bv);
      expectWithinBound(got.dq, dq, bq, "dq " + what);
      expectWithinBound(got.dk, dk, bk, "dk " + what);
      expectWithinBound(got.dv, dv, bv, "dv " + what);
    }
  }
}

/// `rows` distinct positions of [0, seq) per batch, drawn from `seed`:
/// ascending, or in a shuffled order (a mask selection's are not sorted).
std::vector<int32_t> gatheredPositions(int64_t batch, int64_t rows, int64_t seq,
                                       uint64_t seed, bool shuffled) {
  std::vector<int32_t> out;
  uint64_t s = seed * 0x9E3779B97F4A7C15ull + 7;
  auto next = [&] {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return s;
  };
  for (int64_t b = 0; b < batch; ++b) {
    std::vector<int32_t> all(seq);
    for (int64_t t = 0; t < seq; ++t)
      all[t] = static_cast<int32_t>(t);
    for (int64_t i = 0; i < rows; ++i) // a partial Fisher-Yates draw
      std::swap(all[i], all[i + next() % (seq - i)]);
    std::vector<int32_t> row(all.begin(), all.begin() + rows);
    if (!shuffled)
      std::sort(row.begin(), row.end());
    else if (std::is_sorted(row.begin(), row.end()))
      std::reverse(row.begin(), row.end());
    out.insert(out.end(), row.begin(), row.end());
  }
  return out;
}

/// Rows positions[b, i] of each batch of x ([batch, seq, width]).
template <class T>
std::vector<T> gatherRows(const std::vector<T> &x,
                          const std::vector<int32_t> &positions, int64_t batch,
                          int64_t seq, int64_t width) {
  const int64_t rows = static_cast<int64_t>(positions.size()) / batch;
  std::vector<T> y(batch * rows * width);
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t i = 0; i < rows; ++i)
      std::copy_n(x.begin() + (b * seq + positions[b * rows + i]) * width,
                  width, y.begin() + (b * rows + i) * width);
  return y;
}

TEST(CpuGradKernels, RopeOfGatheredRowsIsTheFullRopesRows) {
  // rope of gathered rows gets the bits rope gives those rows in place,
  // forward and gradient, from the kept tables and (positions past them)
  // from each row's own.
  const int64_t batch = 3, seq = 150, heads = 2, headDim = 64, width = 128;
  const double theta = 10000.0;
  for (bool shuffled : {false, true}) {
    auto x = randomVector(batch * seq * width, 80);
    auto pos = gatheredPositions(batch, 23, seq, 81, shuffled);
    auto y = x, dx = x;
    rope(y.data(), batch, seq, heads, headDim, theta);
    ropeGrad(dx.data(), batch, seq, heads, headDim, theta);
    auto xg = gatherRows(x, pos, batch, seq, width);
    std::vector<float> yg(xg.size()), dxg(xg.size());
    ropeGathered(xg.data(), pos.data(), yg.data(), batch * 23, heads, headDim,
                 theta);
    ropeGradGathered(xg.data(), pos.data(), dxg.data(), batch * 23, heads,
                     headDim, theta);
    expectIdentical(yg, gatherRows(y, pos, batch, seq, width), "rope rows");
    expectIdentical(dxg, gatherRows(dx, pos, batch, seq, width),
                    "rope_grad rows");
  }
  // Positions past the kept tables (2^21 floats: 65536 positions of 32
  // angles): rope at that offset, row by row; in place too.
  std::vector<int32_t> far = {70000, 3, 123456};
  auto x = randomVector(3 * width, 82);
  auto yg = x;
  ropeGathered(yg.data(), far.data(), yg.data(), 3, heads, headDim, theta);
  for (int64_t r = 0; r < 3; ++r) {
    std::vector<float> row(x.begin() + r * width, x.begin() + (r + 1) * width);
    rope(row.data(), 1, 1, heads, headDim, theta, far[r]);
    expectIdentical(std::vector<float>(yg.begin() + r * width,
                                       yg.begin() + (r + 1) * width),
                    row, "rope row at position " + std::to_string(far[r]));
  }
}

TEST(CpuGradKernels, AttentionOfGatheredRowsIsTheFullAttentionsRows) {
  // attentionGathered's rows are the full attention's rows at their
  // positions: the same bits where the query blocks of both take the tiled
  // path (8 rows or more), else within 5e-6 of the double reference (its
  // row dot products round differently, as a decode step's). Its gradient,
  // with dout on the gathered rows, is the full sequence's gradient for a
  // dout that is zero elsewhere, within the derived bounds. Ascending and
  // shuffled positions, one row to several query blocks, padded head dims,
  // GQA, causal and not.
  for (const AttnShape &c :
       {AttnShape{2, 150, 4, 2, 10, true}, AttnShape{2, 150, 4, 2, 10, false},
        AttnShape{2, 256, 4, 4, 64, true}, AttnShape{1, 70, 6, 3, 33, true}}) {
    // The full sequence's attention and its double reference, once a shape.
    const int64_t width = c.heads * c.headDim, T = c.seq;
    auto q = randomVector(c.qSize(), 90, -2.0f, 2.0f);
    auto k = randomVector(c.kvSize(), 91, -2.0f, 2.0f);
    auto v = randomVector(c.kvSize(), 92);
    std::vector<float> o(c.qSize()), lse(c.batch * c.heads * T);
    attention(q.data(), k.data(), v.data(), o.data(), c.batch, T, T, T, c.heads,
              c.kvHeads, c.headDim, 0, c.causal, lse.data());
    const auto ref = refAttention(c, toDouble(q), toDouble(k), toDouble(v));
    for (int64_t rows : {int64_t(1), int64_t(5), int64_t(38), int64_t(69)})
      for (bool shuffled : {false, true}) {
        if (rows > c.seq)
          continue;
        const std::string what = c.name() + " rows " + std::to_string(rows) +
                                 (shuffled ? " shuffled" : " ascending");
        auto pos = gatheredPositions(c.batch, rows, T, 93 + rows, shuffled);
        auto qg = gatherRows(q, pos, c.batch, T, width);
        std::vector<float> og(qg.size(), std::nanf("")),
            lseg(c.batch * c.heads * rows, std::nanf(""));
        attentionGathered(qg.data(), k.data(), v.data(), pos.data(), og.data(),
                          lseg.data(), c.batch, rows, T, c.heads, c.kvHeads,
                          c.headDim, c.causal);
        // Every block of both takes the tiled path: of the sorted rows, and
        // of the full sequence.
        const bool tiled =
            (rows % 64 == 0 || rows % 64 >= 8) && (T % 64 == 0 || T % 64 >= 8);
        const auto wantO = gatherRows(o, pos, c.batch, T, width);
        if (tiled) {
          expectIdentical(og, wantO, "o " + what);
          std::vector<float> wantLse(lseg.size());
          for (int64_t b = 0; b < c.batch; ++b)
            for (int64_t h = 0; h < c.heads; ++h)
              for (int64_t i = 0; i < rows; ++i)
                wantLse[(b * c.heads + h) * rows + i] =
                    lse[(b * c.heads + h) * T + pos[b * rows + i]];
          expectIdentical(lseg, wantLse, "lse " + what);
        } else {
          expectGradClose(og, gatherRows(ref, pos, c.batch, T, width), 5e-6,
                          "o " + what);
        }

        // The gradient: dout on the gathered rows, zero elsewhere.
        auto doutg = randomVector(qg.size(), 94);
        std::vector<float> dout(c.qSize(), 0.0f);
        for (int64_t b = 0; b < c.batch; ++b)
          for (int64_t i = 0; i < rows; ++i)
            std::copy_n(doutg.begin() + (b * rows + i) * width, width,
                        dout.begin() + (b * T + pos[b * rows + i]) * width);
        AttnGrads g{std::vector<float>(qg.size(), std::nanf("")),
                    std::vector<float>(c.kvSize(), std::nanf("")),
                    std::vector<float>(c.kvSize(), std::nanf(""))};
        attentionGradGathered(qg.data(), k.data(), v.data(), pos.data(),
                              og.data(), lseg.data(), doutg.data(), g.dq.data(),
                              g.dk.data(), g.dv.data(), c.batch, rows, T,
                              c.heads, c.kvHeads, c.headDim, c.causal);
        std::vector<double> dq, dk, dv, bq, bk, bv;
        refAttentionGradBound(c, q, k, v, o, dout, dq, dk, dv, bq, bk, bv);
        expectWithinBound(g.dq, gatherRows(dq, pos, c.batch, T, width),
                          gatherRows(bq, pos, c.batch, T, width), "dq " + what);
        expectWithinBound(g.dk, dk, bk, "dk " + what);
        expectWithinBound(g.dv, dv, bv, "dv " + what);
      }
  }
}

TEST(CpuGradKernels, AttentionGradLargeScoresStayFinite) {
  // Scores of several hundred: exp without the logsumexp overflows.
  const AttnShape c{1, 13, 2, 1, 10, true};
  auto q = randomVector(c.qSize(), 54, 8.0f, 10.0f);
  auto k = randomVector(c.kvSize(), 55, -10.0f, 10.0f);
  auto v = randomVector(c.kvSize(), 56), dout = randomVector(c.qSize(), 57);
  AttnGrads g = runAttentionGrad(c, q, k, v, dout);
  std::vector<double> dq, dk, dv;
  refAttentionGrad(c, q, k, v, dout, dq, dk, dv);
  // Scores this large carry float rounding of ~1e-5 into the softmax.
  expectGradClose(g.dq, dq, 1e-3, "dq");
  expectGradClose(g.dk, dk, 1e-3, "dk");
  expectGradClose(g.dv, dv, 1e-4, "dv");
}

//===----------------------------------------------------------------------===//
// swiglu
//===----------------------------------------------------------------------===//

TEST(CpuGradKernels, SwigluGradMatchesFiniteDifferences) {
  const int64_t n = 37 * 13;
  auto gate = randomVector(n, 60, -8.0f, 8.0f);
  auto up = randomVector(n, 61, -2.0f, 2.0f), dout = randomVector(n, 62);
  auto silu = [](double g) { return g / (1.0 + std::exp(-g)); };
  auto forward = [&](const std::vector<double> &g,
                     const std::vector<double> &u) {
    std::vector<double> out(n);
    for (int64_t i = 0; i < n; ++i)
      out[i] = silu(g[i]) * u[i];
    return out;
  };
  const auto gd = toDouble(gate), ud = toDouble(up);
  auto wantDgate = numericGrad(
      [&](const std::vector<double> &g) { return dot(dout, forward(g, ud)); },
      gd);
  auto wantDup = numericGrad(
      [&](const std::vector<double> &u) { return dot(dout, forward(gd, u)); },
      ud);
  std::vector<float> dgate(n), dup(n);
  swigluGrad(gate.data(), up.data(), dout.data(), dgate.data(), dup.data(), n);
  expectGradClose(dgate, wantDgate, 1e-6, "dgate");
  expectGradClose(dup, wantDup, 1e-6, "dup");
}

TEST(CpuGradKernels, SwigluGradClosedFormAndTails) {
  const int64_t n = 3 * 16384 + 7; // several parallel chunks
  auto gate = randomVector(n, 63, -8.0f, 8.0f);
  auto up = randomVector(n, 64, -2.0f, 2.0f), dout = randomVector(n, 65);
  gate[0] = -100.0f; // e^-g overflows: silu = -0, silu' = 0
  gate[1] = 100.0f;  // e^-g underflows: silu = g, silu' = 1
  gate[2] = -89.0f;
  gate[3] = 0.0f;
  std::vector<float> dgate(n), dup(n);
  swigluGrad(gate.data(), up.data(), dout.data(), dgate.data(), dup.data(), n);
  std::vector<double> wantDgate(n), wantDup(n);
  for (int64_t i = 0; i < n; ++i) {
    double g = gate[i], s = 1.0 / (1.0 + std::exp(-g));
    wantDgate[i] = double(dout[i]) * up[i] * s * (1.0 + g * (1.0 - s));
    wantDup[i] = double(dout[i]) * g * s;
  }
  expectGradClose(dgate, wantDgate, 1e-6, "dgate");
  expectGradClose(dup, wantDup, 1e-6, "dup");
  EXPECT_EQ(dgate[0], 0.0f);
  EXPECT_EQ(dup[0], 0.0f);
  EXPECT_FLOAT_EQ(dgate[1], dout[1] * up[1]);
  EXPECT_FLOAT_EQ(dup[1], dout[1] * 100.0f);
}

//===----------------------------------------------------------------------===//
// headCrossEntropy
//===----------------------------------------------------------------------===//

struct CeCase {
  int64_t rows, vocab, dim;
  std::vector<int32_t> targets;
};

constexpr int64_t kIgnore = -100;

CeCase makeCeCase(int64_t rows, int64_t vocab, int64_t dim) {
  CeCase c{rows, vocab, dim, std::vector<int32_t>(rows)};
  for (int64_t r = 0; r < rows; ++r)
    c.targets[r] =
        r % 5 == 3 ? int32_t(kIgnore) : int32_t((r * 37 + 11) % vocab);
  c.targets[0] = int32_t(vocab - 1);
  return c;
}

/// Closed form in double: dlogits = (softmax - onehot) * dloss / count,
/// dh = dlogits w, dw = dlogits^T h.
/// The head's gradient in double, and optionally its rounding-error bound
/// per element (first order in u = 2^-24), derived from how the kernel
/// computes it:
///   logits z~ = z + d with |d_j| <= l_j = sumBound(dim) sum_e |h_e w_je|;
///   softmax p~_j = expF32(z~_j - m) / sum_k expF32(z~_k - m) * scale, whose
///   relative error is at most l_j + L (L = max_k l_k, through the
///   normalization) + u |z_j - m| + u D (the subtraction of the max, D =
///   max_k |z_k - m|, through the sum) + 2u (expF32 is within 1 ulp) +
///   sumBound(vocab) (the sum) + 3u (scale = dloss / count, its reciprocal,
///   the product), and the target's G = p - scale rounds once more (u |G|);
///   dh_e = sum_j G_j w_je: sum_j |dG_j| |w_je| + sumBound(vocab) sum_j |G_j
///   w_je|; dw_je = sum_r G_rj h_re: sum_r |dG_rj| |h_re| + sumBound(rows)
///   sum_r |G_rj h_re| (bands of rows added in any order are one sum of
///   `rows` terms).
void refCeGrad(const CeCase &c, const std::vector<float> &h,
               const std::vector<float> &w, double dloss,
               std::vector<double> &dh, std::vector<double> &dw,
               std::vector<double> *dhBound = nullptr,
               std::vector<double> *dwBound = nullptr) {
  int64_t count = 0;
  for (int32_t t : c.targets)
    count += t != kIgnore;
  dh.assign(c.rows * c.dim, 0.0);
  dw.assign(c.vocab * c.dim, 0.0);
  std::vector<double> dwMag(c.vocab * c.dim, 0.0), dwErr(c.vocab * c.dim, 0.0);
  if (dhBound)
    dhBound->assign(c.rows * c.dim, 0.0);
  const double u = kUnitRoundoff;
  std::vector<double> logits(c.vocab), logitErr(c.vocab);
  for (int64_t r = 0; r < c.rows; ++r) {
    if (c.targets[r] == kIgnore)
      continue;
    double mx = -std::numeric_limits<double>::infinity(), maxErr = 0;
    for (int64_t j = 0; j < c.vocab; ++j) {
      double s = 0, mag = 0;
      for (int64_t e = 0; e < c.dim; ++e) {
        const double t = double(h[r * c.dim + e]) * w[j * c.dim + e];
        s += t;
        mag += std::abs(t);
      }
      logits[j] = s;
      logitErr[j] = sumBound(double(c.dim)) * mag;
      mx = std::max(mx, s);
      maxErr = std::max(maxErr, logitErr[j]);
    }
    double z = 0, spread = 0;
    for (int64_t j = 0; j < c.vocab; ++j) {
      z += std::exp(logits[j] - mx);
      spread = std::max(spread, mx - logits[j]);
    }
    for (int64_t j = 0; j < c.vocab; ++j) {
      const double p = std::exp(logits[j] - mx) / z;
      const double scale = dloss / count;
      const double g = (p - (j == c.targets[r])) * scale;
      const double rel = logitErr[j] + maxErr + u * (mx - logits[j]) +
                         u * spread + 5 * u + sumBound(double(c.vocab));
      const double gErr =
          std::abs(scale) * p * rel + (j == c.targets[r] ? u * std::abs(g) : 0);
      for (int64_t e = 0; e < c.dim; ++e) {
        const double wv = w[j * c.dim + e], hv = h[r * c.dim + e];
        dh[r * c.dim + e] += g * wv;
        dw[j * c.dim + e] += g * hv;
        if (dhBound)
          (*dhBound)[r * c.dim + e] +=
              gErr * std::abs(wv) +
              sumBound(double(c.vocab)) * std::abs(g * wv);
        dwErr[j * c.dim + e] += gErr * std::abs(hv);
        dwMag[j * c.dim + e] += std::abs(g * hv);
      }
    }
  }
  if (dwBound) {
    dwBound->resize(c.vocab * c.dim);
    for (int64_t i = 0; i < c.vocab * c.dim; ++i)
      (*dwBound)[i] = dwErr[i] + sumBound(double(c.rows)) * dwMag[i];
  }
}

TEST(CpuGradKernels, HeadCrossEntropyGradMatchesFiniteDifferences) {
  CeCase c = makeCeCase(13, 101, 37);
  const float dloss = 0.7f;
  auto h = randomVector(c.rows * c.dim, 70, -2.0f, 2.0f);
  auto w = randomVector(c.vocab * c.dim, 71);
  const auto hd = toDouble(h), wd = toDouble(w);
  auto wantDh = numericGrad(
      [&](const std::vector<double> &x) {
        return dloss *
               refMeanLoss(x, wd, c.targets, c.rows, c.vocab, c.dim, kIgnore);
      },
      hd);
  auto wantDw = numericGrad(
      [&](const std::vector<double> &x) {
        return dloss *
               refMeanLoss(hd, x, c.targets, c.rows, c.vocab, c.dim, kIgnore);
      },
      wd);
  std::vector<double> closedDh, closedDw;
  refCeGrad(c, h, w, dloss, closedDh, closedDw);

  std::vector<float> dh(c.rows * c.dim, std::nanf("")),
      dw(c.vocab * c.dim, std::nanf(""));
  Status st = headCrossEntropyGrad(h.data(), w.data(), c.targets.data(), dloss,
                                   dh.data(), dw.data(), c.rows, c.vocab, c.dim,
                                   kIgnore, false);
  ASSERT_TRUE(st.ok()) << st.message;
  expectGradClose(dh, wantDh, 1e-6, "dh");
  expectGradClose(dw, wantDw, 1e-6, "dw");
  expectGradClose(dh, closedDh, 1e-6, "dh closed form");
  expectGradClose(dw, closedDw, 1e-6, "dw closed form");
  for (int64_t r = 0; r < c.rows; ++r) {
    if (c.targets[r] != kIgnore)
      continue;
    for (int64_t e = 0; e < c.dim; ++e) {
      EXPECT_EQ(dh[r * c.dim + e], 0.0f) << "ignored row " << r;
    }
  }

  // Tied weights: dw adds to the embedding's gradient already there.
  auto base = randomVector(c.vocab * c.dim, 72);
  std::vector<float> dwTied = base;
  st = headCrossEntropyGrad(h.data(), w.data(), c.targets.data(), dloss,
                            dh.data(), dwTied.data(), c.rows, c.vocab, c.dim,
                            kIgnore, true);
  ASSERT_TRUE(st.ok()) << st.message;
  expectGradClose(dwTied, plus(base, closedDw), 1e-6, "dw accumulated");

  // dloss scales the gradient: a power of two scales it exactly.
  std::vector<float> dh2(dh.size()), dw2(dw.size());
  st = headCrossEntropyGrad(h.data(), w.data(), c.targets.data(), 4 * dloss,
                            dh2.data(), dw2.data(), c.rows, c.vocab, c.dim,
                            kIgnore, false);
  ASSERT_TRUE(st.ok()) << st.message;
  for (size_t i = 0; i < dh.size(); ++i)
    ASSERT_EQ(dh2[i], 4 * dh[i]) << "dh element " << i;
  for (size_t i = 0; i < dw.size(); ++i)
    ASSERT_EQ(dw2[i], 4 * dw[i]) << "dw element " << i;
}

/// sum_r weights[r] * loss_r, each row's loss from refMeanLoss on that row
/// alone; rows of weight 0 are skipped whatever their target.
double refWeightedLoss(const std::vector<double> &h,
                       const std::vector<double> &w, const CeCase &c,
                       const std::vector<float> &weights) {
  double sum = 0;
  for (int64_t r = 0; r < c.rows; ++r) {
    if (weights[r] == 0.0f)
      continue;
    std::vector<int32_t> only(c.rows, kIgnore);
    only[r] = c.targets[r];
    sum +=
        weights[r] * refMeanLoss(h, w, only, c.rows, c.vocab, c.dim, kIgnore);
  }
  return sum;
}

TEST(CpuGradKernels, HeadCrossEntropyWeightedGradMatchesFiniteDifferences) {
  CeCase c = makeCeCase(11, 67, 19);
  for (int64_t r = 0; r < c.rows; ++r) // no ignore index when weighted
    if (c.targets[r] == kIgnore)
      c.targets[r] = static_cast<int32_t>(r);
  auto weights = randomVector(c.rows, 80, 0.0f, 0.3f);
  weights[3] = 0.0f;      // selection padding: its target is not read
  c.targets[3] = 1 << 20; // outside the vocabulary, but weight 0
  const float dloss = 1.3f;
  auto h = randomVector(c.rows * c.dim, 81, -2.0f, 2.0f);
  auto w = randomVector(c.vocab * c.dim, 82);
  const auto hd = toDouble(h), wd = toDouble(w);
  auto wantDh = numericGrad(
      [&](const std::vector<double> &x) {
        return dloss * refWeightedLoss(x, wd, c, weights);
      },
      hd);
  auto wantDw = numericGrad(
      [&](const std::vector<double> &x) {
        return dloss * refWeightedLoss(hd, x, c, weights);
      },
      wd);
  std::vector<float> dh(c.rows * c.dim, std::nanf("")),
      dw(c.vocab * c.dim, std::nanf(""));
  Status st = headCrossEntropyWeightedGrad(h.data(), w.data(), c.targets.data(),
                                           weights.data(), dloss, dh.data(),
                                           dw.data(), c.rows, c.vocab, c.dim);
  ASSERT_TRUE(st.ok()) << st.message;
  expectGradClose(dh, wantDh, 1e-6, "dh");
  expectGradClose(dw, wantDw, 1e-6, "dw");
  for (int64_t e = 0; e < c.dim; ++e)
    EXPECT_EQ(dh[3 * c.dim + e], 0.0f) << "padding row";

  // A weighted row with a bad target is named.
  weights[3] = 0.5f;
  st = headCrossEntropyWeightedGrad(h.data(), w.data(), c.targets.data(),
                                    weights.data(), dloss, dh.data(), dw.data(),
                                    c.rows, c.vocab, c.dim);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message.find("row 3 has target 1048576"), std::string::npos)
      << st.message;
}

TEST(CpuGradKernels, HeadCrossEntropyGradAcrossBands) {
  // 600 rows: bands of 512 rows. Vocabulary 40000: bands of 104 rows, so
  // the logits held never exceed the band budget.
  for (auto [rows, vocab, dim] : {std::array<int64_t, 3>{600, 1500, 40},
                                  std::array<int64_t, 3>{300, 40000, 6}}) {
    CeCase c = makeCeCase(rows, vocab, dim);
    auto h = randomVector(rows * dim, 73, -2.0f, 2.0f);
    auto w = randomVector(vocab * dim, 74);
    std::vector<double> wantDh, wantDw, dhBound, dwBound;
    refCeGrad(c, h, w, 1.5, wantDh, wantDw, &dhBound, &dwBound);
    std::vector<float> dh(rows * dim), dw(vocab * dim);
    Status st = headCrossEntropyGrad(h.data(), w.data(), c.targets.data(), 1.5f,
                                     dh.data(), dw.data(), rows, vocab, dim,
                                     kIgnore, false);
    ASSERT_TRUE(st.ok()) << st.message;
    const std::string what =
        " rows " + std::to_string(rows) + " vocab " + std::to_string(vocab);
    expectWithinBound(dh, wantDh, dhBound, "dh" + what);
    expectWithinBound(dw, wantDw, dwBound, "dw" + what);
  }
}

TEST(CpuGradKernels, HeadCrossEntropyTrainIsLossAndGradInOnePass) {
  // The gradient comes from the same bands as headCrossEntropyGrad's, so dh
  // and dw are bit-identical to it. The loss is the double mean of each
  // row's m + log(sum exp(x - m)) - x[target] over float logits: each logit
  // errs by at most sumBound(dim) * sum_i |h_i w_ji| (the GEMM), which moves
  // the row's loss by at most twice the largest such error; the float sum
  // of vocab exponentials (each within 4 ulps) errs relatively by at most
  // sumBound(vocab + 4), which the log turns into that much absolutely; and
  // the final float rounding of loss adds |loss| * 2^-24.
  for (auto [rows, vocab, dim] : {std::array<int64_t, 3>{600, 1500, 40},
                                  std::array<int64_t, 3>{37, 257, 9}}) {
    CeCase c = makeCeCase(rows, vocab, dim);
    auto h = randomVector(rows * dim, 77, -2.0f, 2.0f);
    auto w = randomVector(vocab * dim, 78);
    std::vector<float> dh(rows * dim), dw(vocab * dim);
    std::vector<float> wantDh(rows * dim), wantDw(vocab * dim);
    float loss = -1.0f;
    Status st =
        headCrossEntropyTrain(h.data(), w.data(), c.targets.data(), 0.7f, &loss,
                              dh.data(), dw.data(), rows, vocab, dim, kIgnore);
    ASSERT_TRUE(st.ok()) << st.message;
    st = headCrossEntropyGrad(h.data(), w.data(), c.targets.data(), 0.7f,
                              wantDh.data(), wantDw.data(), rows, vocab, dim,
                              kIgnore, false);
    ASSERT_TRUE(st.ok()) << st.message;
    EXPECT_EQ(dh, wantDh);
    EXPECT_EQ(dw, wantDw);

    double sum = 0, bound = 0;
    int64_t count = 0;
    for (int64_t r = 0; r < rows; ++r) {
      if (c.targets[r] == kIgnore)
        continue;
      std::vector<double> logits(vocab);
      double m = -1e300, worst = 0;
      for (int64_t j = 0; j < vocab; ++j) {
        double dot = 0, mag = 0;
        for (int64_t i = 0; i < dim; ++i) {
          dot += double(h[r * dim + i]) * w[j * dim + i];
          mag += std::abs(double(h[r * dim + i]) * w[j * dim + i]);
        }
        logits[j] = dot;
        m = std::max(m, dot);
        worst = std::max(worst, sumBound(double(dim)) * mag);
      }
      double z = 0;
      for (double x : logits)
        z += std::exp(x - m);
      double rowLoss = m + std::log(z) - logits[c.targets[r]];
      sum += rowLoss;
      bound += 2 * worst + sumBound(double(vocab + 4));
      ++count;
    }
    const double want = sum / count;
    bound = bound / count + std::abs(want) * std::ldexp(1.0, -24);
    EXPECT_LE(std::abs(loss - want), bound)
        << "rows " << rows << " vocab " << vocab << ": loss " << loss
        << " want " << want;
  }
}

/// weights[r] * (logsumexp - logit[target]) summed over the weighted rows
/// in double, and a bound on the float kernel's error: per row (as in
/// HeadCrossEntropyTrainIsLossAndGradInOnePass) twice the largest logit
/// error plus sumBound(vocab + 4), times |weights[r]|; plus the final float
/// rounding of the sum.
std::pair<double, double>
refWeightedLossAndBound(const std::vector<float> &h,
                        const std::vector<float> &w, const CeCase &c,
                        const std::vector<float> &wt) {
  double sum = 0, bound = 0;
  for (int64_t r = 0; r < c.rows; ++r) {
    if (wt[r] == 0.0f)
      continue;
    std::vector<double> logits(c.vocab);
    double m = -1e300, worst = 0;
    for (int64_t j = 0; j < c.vocab; ++j) {
      double dot = 0, mag = 0;
      for (int64_t i = 0; i < c.dim; ++i) {
        dot += double(h[r * c.dim + i]) * w[j * c.dim + i];
        mag += std::abs(double(h[r * c.dim + i]) * w[j * c.dim + i]);
      }
      logits[j] = dot;
      m = std::max(m, dot);
      worst = std::max(worst, sumBound(double(c.dim)) * mag);
    }
    double z = 0;
    for (double x : logits)
      z += std::exp(x - m);
    sum += wt[r] * (m + std::log(z) - logits[c.targets[r]]);
    bound += std::abs(wt[r]) * (2 * worst + sumBound(double(c.vocab + 4)));
  }
  return {sum, bound + std::abs(sum) * std::ldexp(1.0, -24)};
}

/// A weighted case: weights in [0, 0.3), every third row weight 0 with a
/// target outside the vocabulary (selection padding, never read).
CeCase makeWeightedCase(int64_t rows, int64_t vocab, int64_t dim,
                        std::vector<float> &weights) {
  CeCase c = makeCeCase(rows, vocab, dim);
  weights = randomVector(rows, 90 + rows, 0.0f, 0.3f);
  for (int64_t r = 0; r < rows; ++r) {
    if (c.targets[r] == kIgnore)
      c.targets[r] = static_cast<int32_t>(r % vocab);
    if (r % 3 == 2) {
      weights[r] = 0.0f;
      c.targets[r] = int32_t(vocab + 1000);
    }
  }
  return c;
}

TEST(CpuGradKernels, HeadCrossEntropyWeightedTrainMatchesFiniteDifferences) {
  // One row; a vocabulary smaller than any tile; rows not a multiple of
  // anything. The loss against the double reference within its bound, the
  // gradient against finite differences of that reference.
  for (auto [rows, vocab, dim] :
       {std::array<int64_t, 3>{1, 7, 3}, std::array<int64_t, 3>{11, 67, 19}}) {
    std::vector<float> weights;
    CeCase c = makeWeightedCase(rows, vocab, dim, weights);
    if (rows == 1)
      weights[0] = 0.8f;
    const float dloss = 1.3f;
    auto h = randomVector(rows * dim, 91, -2.0f, 2.0f);
    auto w = randomVector(vocab * dim, 92);
    const auto hd = toDouble(h), wd = toDouble(w);
    auto wantDh = numericGrad(
        [&](const std::vector<double> &x) {
          return dloss * refWeightedLoss(x, wd, c, weights);
        },
        hd);
    auto wantDw = numericGrad(
        [&](const std::vector<double> &x) {
          return dloss * refWeightedLoss(hd, x, c, weights);
        },
        wd);
    std::vector<float> dh(rows * dim, std::nanf("")),
        dw(vocab * dim, std::nanf(""));
    float loss = std::nanf("");
    Status st = headCrossEntropyWeightedTrain(
        h.data(), w.data(), c.targets.data(), weights.data(), dloss, &loss,
        dh.data(), dw.data(), rows, vocab, dim);
    ASSERT_TRUE(st.ok()) << st.message;
    const std::string what = " rows " + std::to_string(rows);
    expectGradClose(dh, wantDh, 1e-6, "dh" + what);
    expectGradClose(dw, wantDw, 1e-6, "dw" + what);
    auto [want, bound] = refWeightedLossAndBound(h, w, c, weights);
    EXPECT_LE(std::abs(loss - want), bound)
        << what << ": loss " << loss << " want " << want;
    for (int64_t r = 2; r < rows; r += 3)
      for (int64_t e = 0; e < dim; ++e)
        EXPECT_EQ(dh[r * dim + e], 0.0f) << "padding row " << r;
  }
}

TEST(CpuGradKernels, HeadCrossEntropyWeightedTrainIsWeightedGradInOnePass) {
  // The gradient comes from the same bands as headCrossEntropyWeightedGrad's,
  // so dh and dw are bit-identical to it (and so to the unfused pair's);
  // the loss is within the derived bound of the double reference. Bands of
  // 512 rows over 600 (not a multiple), of 104 rows (vocabulary 40000) over
  // 300, one band of 37 rows, a vocabulary of 5.
  for (auto [rows, vocab, dim] :
       {std::array<int64_t, 3>{600, 1500, 40},
        std::array<int64_t, 3>{300, 40000, 6},
        std::array<int64_t, 3>{37, 257, 9}, std::array<int64_t, 3>{4, 5, 3}}) {
    std::vector<float> weights;
    CeCase c = makeWeightedCase(rows, vocab, dim, weights);
    auto h = randomVector(rows * dim, 93, -2.0f, 2.0f);
    auto w = randomVector(vocab * dim, 94);
    std::vector<float> dh(rows * dim), dw(vocab * dim);
    std::vector<float> wantDh(rows * dim), wantDw(vocab * dim);
    float loss = -1.0f;
    Status st = headCrossEntropyWeightedTrain(
        h.data(), w.data(), c.targets.data(), weights.data(), 0.7f, &loss,
        dh.data(), dw.data(), rows, vocab, dim);
    ASSERT_TRUE(st.ok()) << st.message;
    st = headCrossEntropyWeightedGrad(h.data(), w.data(), c.targets.data(),
                                      weights.data(), 0.7f, wantDh.data(),
                                      wantDw.data(), rows, vocab, dim);
    ASSERT_TRUE(st.ok()) << st.message;
    const std::string what =
        "rows " + std::to_string(rows) + " vocab " + std::to_string(vocab);
    EXPECT_EQ(dh, wantDh) << what;
    EXPECT_EQ(dw, wantDw) << what;
    auto [want, bound] = refWeightedLossAndBound(h, w, c, weights);
    EXPECT_LE(std::abs(loss - want), bound)
        << what << ": loss " << loss << " want " << want;
  }
}

TEST(CpuGradKernels, HeadCrossEntropyWeightedTrainOfUniformWeightsIsTrain) {
  // Weights 1/count on the scored rows and dloss 1: each row's gradient
  // scale is 1.0f / count in both kernels, so dh and dw equal
  // headCrossEntropyTrain's bit for bit across its bands; the losses are
  // the same sum, weighted before or divided after (a few ulps apart).
  const int64_t rows = 600, vocab = 1500, dim = 40;
  CeCase c = makeCeCase(rows, vocab, dim);
  int64_t count = 0;
  for (int32_t t : c.targets)
    count += t != kIgnore;
  std::vector<float> weights(rows);
  for (int64_t r = 0; r < rows; ++r)
    weights[r] = c.targets[r] == kIgnore ? 0.0f : 1.0f / float(count);
  auto h = randomVector(rows * dim, 95, -2.0f, 2.0f);
  auto w = randomVector(vocab * dim, 96);
  std::vector<float> dh(rows * dim), dw(vocab * dim), wantDh(rows * dim),
      wantDw(vocab * dim);
  float loss = 0, wantLoss = 0;
  ASSERT_TRUE(headCrossEntropyWeightedTrain(
                  h.data(), w.data(), c.targets.data(), weights.data(), 1.0f,
                  &loss, dh.data(), dw.data(), rows, vocab, dim)
                  .ok());
  ASSERT_TRUE(headCrossEntropyTrain(h.data(), w.data(), c.targets.data(), 1.0f,
                                    &wantLoss, wantDh.data(), wantDw.data(),
                                    rows, vocab, dim, kIgnore)
                  .ok());
  EXPECT_EQ(dh, wantDh);
  EXPECT_EQ(dw, wantDw);
  // |1/count as float - 1/count| <= 2^-24 / count, for each of the rows.
  EXPECT_NEAR(loss, wantLoss, 4 * std::ldexp(std::abs(wantLoss), -24));
}

TEST(CpuGradKernels, HeadCrossEntropyWeightedTrainAllWeightsZero) {
  // Every row padding: the loss is 0 and so are dh and dw (overwritten);
  // no target is read.
  const int64_t rows = 5, vocab = 11, dim = 4;
  std::vector<int32_t> targets(rows, 1 << 20);
  std::vector<float> weights(rows, 0.0f);
  auto h = randomVector(rows * dim, 97), w = randomVector(vocab * dim, 98);
  std::vector<float> dh(rows * dim, std::nanf("")),
      dw(vocab * dim, std::nanf(""));
  float loss = std::nanf("");
  Status st = headCrossEntropyWeightedTrain(
      h.data(), w.data(), targets.data(), weights.data(), 1.0f, &loss,
      dh.data(), dw.data(), rows, vocab, dim);
  ASSERT_TRUE(st.ok()) << st.message;
  EXPECT_EQ(loss, 0.0f);
  for (float x : dh)
    EXPECT_EQ(x, 0.0f);
  for (float x : dw)
    EXPECT_EQ(x, 0.0f);

  // A weighted row's bad target, or a non-finite weight, fails naming the
  // kernel and the row, before anything is written.
  weights[3] = 0.5f;
  std::fill(dh.begin(), dh.end(), 5.0f);
  st = headCrossEntropyWeightedTrain(h.data(), w.data(), targets.data(),
                                     weights.data(), 1.0f, &loss, dh.data(),
                                     dw.data(), rows, vocab, dim);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.message, "headCrossEntropyWeightedTrain: row 3 has target "
                        "1048576, outside the vocabulary [0, 11)");
  EXPECT_EQ(dh[0], 5.0f) << "nothing written on failure";
  weights[1] = std::nanf("");
  st = headCrossEntropyWeightedTrain(h.data(), w.data(), targets.data(),
                                     weights.data(), 1.0f, &loss, dh.data(),
                                     dw.data(), rows, vocab, dim);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.message,
            "headCrossEntropyWeightedTrain: row 1 has a non-finite weight");
}

TEST(CpuGradKernels, HeadCrossEntropyGradAllRowsIgnored) {
  const int64_t rows = 4, vocab = 11, dim = 5;
  std::vector<int32_t> targets(rows, int32_t(kIgnore));
  auto h = randomVector(rows * dim, 75), w = randomVector(vocab * dim, 76);
  std::vector<float> dh(rows * dim, std::nanf("")), dw(vocab * dim, 3.0f);
  Status st =
      headCrossEntropyGrad(h.data(), w.data(), targets.data(), 1.0f, dh.data(),
                           dw.data(), rows, vocab, dim, kIgnore, true);
  ASSERT_TRUE(st.ok()) << st.message;
  for (float x : dh)
    EXPECT_EQ(x, 0.0f);
  for (float x : dw)
    EXPECT_EQ(x, 3.0f) << "accumulate leaves dw as it was";
  st = headCrossEntropyGrad(h.data(), w.data(), targets.data(), 1.0f, dh.data(),
                            dw.data(), rows, vocab, dim, kIgnore, false);
  ASSERT_TRUE(st.ok()) << st.message;
  for (float x : dw)
    EXPECT_EQ(x, 0.0f);
}

TEST(CpuGradKernels, HeadCrossEntropyGradRejectsBadTarget) {
  const int64_t rows = 3, vocab = 11, dim = 5;
  auto h = randomVector(rows * dim, 77), w = randomVector(vocab * dim, 78);
  std::vector<float> dh(rows * dim, 5.0f), dw(vocab * dim, 5.0f);
  for (int32_t bad : {int32_t(vocab), -1}) {
    std::vector<int32_t> targets = {1, 2, bad};
    Status st = headCrossEntropyGrad(h.data(), w.data(), targets.data(), 1.0f,
                                     dh.data(), dw.data(), rows, vocab, dim,
                                     kIgnore, false);
    ASSERT_FALSE(st.ok());
    EXPECT_NE(st.message.find("row 2 has target " + std::to_string(bad)),
              std::string::npos)
        << st.message;
    EXPECT_EQ(dh[0], 5.0f) << "nothing written on failure";
    EXPECT_EQ(dw[0], 5.0f) << "nothing written on failure";
  }
}

//===----------------------------------------------------------------------===//
// Optimizers
//===----------------------------------------------------------------------===//

TEST(CpuGradKernels, AddSquaredNormIsExactOnExactSums) {
  // Multiples of 1/8 up to 8: every square and partial sum is exact in
  // double, whatever the summation order.
  const int64_t n = 3 * 16384 + 11;
  std::vector<float> x(n);
  double want = 1.5;
  for (int64_t i = 0; i < n; ++i) {
    x[i] = float((i * 37) % 129 - 64) / 8.0f;
    want += double(x[i]) * x[i];
  }
  double sum = 1.5; // adds to what is there
  addSquaredNorm(x.data(), n, &sum);
  EXPECT_EQ(sum, want);
  double small = 0;
  addSquaredNorm(x.data(), 5, &small);
  EXPECT_EQ(small, 64.0 + (27.0 * 27 + 10.0 * 10 + 47.0 * 47 + 45.0 * 45) / 64);
}

TEST(CpuGradKernels, AddSquaredNormMatchesReference) {
  const int64_t n = 5 * 16384 + 3;
  auto x = randomVector(n, 80, -3.0f, 3.0f);
  long double want = 0;
  for (float v : x)
    want += static_cast<long double>(v) * v;
  double sum = 0;
  addSquaredNorm(x.data(), n, &sum);
  EXPECT_NEAR(sum, double(want), 1e-12 * double(want));
}

TEST(CpuGradKernels, ScaleIsExactFloatProduct) {
  const int64_t n = 3 * 16384 + 7;
  auto x = randomVector(n, 81, -5.0f, 5.0f);
  auto y = x;
  const float factor = 0.3718f;
  scale(y.data(), factor, n);
  for (int64_t i = 0; i < n; ++i)
    ASSERT_EQ(y[i], x[i] * factor) << "element " << i;
}

/// torch.optim.AdamW's formulas in double, with the float hyperparameters
/// the kernel receives.
void refAdamWStep(std::vector<double> &p, const std::vector<float> &g,
                  std::vector<double> &m, std::vector<double> &v, double lr,
                  double beta1, double beta2, double eps, double wd,
                  int64_t step) {
  const double bc1 = 1 - std::pow(beta1, double(step));
  const double bc2 = 1 - std::pow(beta2, double(step));
  for (size_t i = 0; i < p.size(); ++i) {
    p[i] *= 1 - lr * wd;
    m[i] = beta1 * m[i] + (1 - beta1) * g[i];
    v[i] = beta2 * v[i] + (1 - beta2) * double(g[i]) * g[i];
    const double denom = std::sqrt(v[i]) / std::sqrt(bc2) + eps;
    p[i] -= lr / bc1 * m[i] / denom;
  }
}

TEST(CpuGradKernels, AdamWMatchesReferenceOverThreeSteps) {
  const int64_t n = 3 * 16384 + 13; // several parallel chunks
  for (float wd : {0.0f, 0.1f}) {
    const float lr = 3e-3f, beta1 = 0.9f, beta2 = 0.95f, eps = 1e-8f;
    auto p = randomVector(n, 90);
    std::vector<float> m(n, 0.0f), v(n, 0.0f);
    auto pd = toDouble(p);
    std::vector<double> md(n, 0.0), vd(n, 0.0);
    for (int64_t step = 1; step <= 3; ++step) {
      auto g = randomVector(n, 91 + step, -0.1f, 0.1f);
      g[0] = 0.0f; // a zero gradient: the update is 0 / eps
      adamw(p.data(), g.data(), m.data(), v.data(), n, lr, beta1, beta2, eps,
            wd, step);
      refAdamWStep(pd, g, md, vd, lr, beta1, beta2, eps, wd, step);
    }
    const std::string what = " wd " + std::to_string(wd);
    // Parameters are O(1). m sums terms of either sign up to ~0.03 and may
    // nearly cancel: it is judged against the terms' float rounding (a few
    // 1e-9). v sums positive terms: judged against its own size.
    for (int64_t i = 0; i < n; ++i) {
      ASSERT_NEAR(p[i], pd[i], 1e-6) << "param " << i << what;
      ASSERT_NEAR(m[i], md[i], 1e-6 * std::abs(md[i]) + 1e-8)
          << "m " << i << what;
      ASSERT_NEAR(v[i], vd[i], 1e-6 * std::abs(vd[i]) + 1e-15)
          << "v " << i << what;
    }
  }
}

TEST(CpuGradKernels, AdamWFirstStepByHand) {
  // PyTorch defaults but lr 1e-3, weight decay 0.01; p = 1, g = 0.5, step 1:
  //   p = 1 * (1 - 1e-3 * 0.01) = 0.99999
  //   m = 0.1 * 0.5 = 0.05, v = 0.001 * 0.25 = 2.5e-4
  //   m / (1 - 0.9) = 0.5, sqrt(v / (1 - 0.999)) = 0.5
  //   p = 0.99999 - 1e-3 * 0.5 / (0.5 + 1e-8) = 0.99899000002
  float p = 1.0f, g = 0.5f, m = 0.0f, v = 0.0f;
  adamw(&p, &g, &m, &v, 1, 1e-3f, 0.9f, 0.999f, 1e-8f, 0.01f, 1);
  EXPECT_NEAR(p, 0.99899000002, 1e-7);
  EXPECT_NEAR(m, 0.05, 2e-8);   // 1 - 0.9f is 0.100000024
  EXPECT_NEAR(v, 2.5e-4, 1e-8); // 1 - 0.999f is 0.00099998713
  // Hyperparameters exact in binary, so every float op is exact:
  //   p = 2 * (1 - 0.125 * 0.0625) = 1.984375, m = 0.25 * 0.5 = 0.125,
  //   v = 0.125 * 0.25 = 0.03125, bias corrections 0.25 and 0.125,
  //   step size 0.125 / 0.25 = 0.5, denominator sqrt(0.03125) /
  //   sqrt(0.125) = 0.5, p = 1.984375 - 0.5 * 0.125 / 0.5 = 1.859375.
  p = 2.0f, g = 0.5f, m = 0.0f, v = 0.0f;
  adamw(&p, &g, &m, &v, 1, 0.125f, 0.75f, 0.875f, 0.0f, 0.0625f, 1);
  EXPECT_EQ(m, 0.125f);
  EXPECT_EQ(v, 0.03125f);
  EXPECT_NEAR(p, 1.859375, 2e-7); // sqrt(0.125) is rounded to float
}

/// PyTorch's _single_tensor_adam(decoupled_weight_decay=True) on float32
/// tensors, one ATen op at a time, each Python-float scalar rounded to
/// float where it meets the tensor: the result each op rounds to. ATen's
/// vectorized lerp is an fma; nothing else is fused.
#if defined(__GNUC__) && !defined(__clang__)
__attribute__((optimize("fp-contract=off")))
#endif
void torchAdamWStep(float &p, float g, float &m, float &v, double lr,
                    double beta1, double beta2, double eps, double wd,
                    int64_t step) {
  const double bc1 = 1 - std::pow(beta1, double(step));
  const double bc2Sqrt = std::sqrt(1 - std::pow(beta2, double(step)));
  p = p * float(1 - lr * wd);       // param.mul_(1 - lr * wd)
  const float w = float(1 - beta1); // exp_avg.lerp_(grad, 1 - beta1)
  m = w < 0.5f ? std::fma(w, g - m, m) : std::fma(w - 1.0f, g - m, g);
  v = v * float(beta2);                  // exp_avg_sq.mul_(beta2)
  const float gg = float(1 - beta2) * g; // .addcmul_(grad, grad, 1 - b2)
  v = v + gg * g;
  const float root = std::sqrt(v); // exp_avg_sq.sqrt()
  const float denom = root / float(bc2Sqrt) + float(eps);
  const float num = float(-(lr / bc1)) * m; // addcdiv_(m, denom, -step_size)
  p = p + num / denom;
}

TEST(CpuGradKernels, AdamWMatchesPyTorchOpsBitForBit) {
  // Moments over many magnitudes (v from 1e-30 to 1e4, subnormal and zero
  // too), so that every square root the kernel takes is checked.
  const int64_t n = 3 * 16384 + 29;
  auto p = randomVector(n, 120, -2.0f, 2.0f);
  auto g = randomVector(n, 121, -1.0f, 1.0f);
  auto m = randomVector(n, 122, -0.1f, 0.1f);
  auto logV = randomVector(n, 123, -69.0f, 9.0f);
  std::vector<float> v(n);
  for (int64_t i = 0; i < n; ++i)
    v[i] = std::exp(logV[i]);
  v[0] = 0.0f;
  g[0] = 0.0f;
  v[1] = 1e-40f;
  g[2] = 1e-20f;
  for (auto [beta1, step] : {std::pair<float, int64_t>{0.9f, 7},
                             std::pair<float, int64_t>{0.25f, 1}}) {
    auto pk = p, mk = m, vk = v;
    adamw(pk.data(), g.data(), mk.data(), vk.data(), n, 3e-3f, beta1, 0.95f,
          1e-8f, 0.1f, step);
    for (int64_t i = 0; i < n; ++i) {
      float pt = p[i], mt = m[i], vt = v[i];
      torchAdamWStep(pt, g[i], mt, vt, 3e-3f, beta1, 0.95f, 1e-8f, 0.1f, step);
      ASSERT_EQ(mk[i], mt) << "m " << i << " beta1 " << beta1;
      ASSERT_EQ(vk[i], vt) << "v " << i << " beta1 " << beta1;
      ASSERT_EQ(pk[i], pt) << "param " << i << " beta1 " << beta1;
    }
  }
}

TEST(CpuGradKernels, SgdMatchesReference) {
  // By hand: p = 1, g = 0.5, lr 0.1, wd 0.01: p = 1 - 0.1 * (0.5 + 0.01).
  float p = 1.0f, g = 0.5f;
  sgd(&p, &g, 1, 0.1f, 0.01f);
  EXPECT_NEAR(p, 0.949, 1e-7);

  const int64_t n = 3 * 16384 + 5;
  for (float wd : {0.0f, 0.05f}) {
    auto params = randomVector(n, 95);
    auto pd = toDouble(params);
    for (int step = 0; step < 3; ++step) {
      auto grad = randomVector(n, 96 + step);
      sgd(params.data(), grad.data(), n, 0.01f, wd);
      for (int64_t i = 0; i < n; ++i)
        pd[i] -= double(0.01f) * (grad[i] + double(wd) * pd[i]);
    }
    for (int64_t i = 0; i < n; ++i)
      ASSERT_NEAR(params[i], pd[i], 1e-6) << "param " << i << " wd " << wd;
  }
}

//===----------------------------------------------------------------------===//
// Threads
//===----------------------------------------------------------------------===//

/// Outputs of every backward and optimizer kernel, on shapes that run on
/// several threads.
std::vector<std::vector<float>> runAllGradKernels() {
  std::vector<std::vector<float>> outs;
  const int64_t rows = 300, dim = 256, vocab = 1500;
  auto x = randomVector(rows * dim, 200), w = randomVector(vocab * dim, 201);
  auto dy = randomVector(rows * vocab, 202);

  std::vector<float> dx(rows * dim), dw(vocab * dim);
  linearGradInput(dy.data(), w.data(), dx.data(), rows, vocab, dim, false);
  linearGradWeight(dy.data(), x.data(), dw.data(), rows, vocab, dim, false);
  outs.push_back(dx);
  outs.push_back(dw);
  // Most rows of dy zero: the nonzero rows only.
  std::vector<float> dySparse(dy);
  for (int64_t r = 0; r < rows; ++r)
    if (r % 6 != 2)
      std::fill_n(dySparse.begin() + r * vocab, vocab, 0.0f);
  linearGradInput(dySparse.data(), w.data(), dx.data(), rows, vocab, dim,
                  false);
  linearGradWeight(dySparse.data(), x.data(), dw.data(), rows, vocab, dim,
                   false);
  outs.push_back(dx);
  outs.push_back(dw);
  // Few rows of dw: split over its columns.
  std::vector<float> dwNarrow(40 * dim);
  linearGradWeight(dy.data(), x.data(), dwNarrow.data(), rows, 40, dim, false);
  outs.push_back(dwNarrow);

  std::vector<int32_t> ids(rows), targets(rows);
  for (int64_t i = 0; i < rows; ++i) {
    ids[i] = int32_t(i % 4 == 0 ? 7 : (i * 31) % vocab); // a frequent id
    targets[i] = i % 7 == 2 ? -100 : int32_t((i * 7919) % vocab);
  }
  std::vector<float> dtable(vocab * dim);
  EXPECT_TRUE(embeddingGrad(ids.data(), x.data(), dtable.data(), rows, vocab,
                            dim, false)
                  .ok());
  outs.push_back(dtable);

  auto norm = randomVector(dim, 203, 0.5f, 1.5f);
  std::vector<float> dnorm(dim);
  rmsNormGrad(x.data(), norm.data(), dy.data(), dx.data(), dnorm.data(), rows,
              dim, 1e-5f, false, false);
  outs.push_back(dx);
  outs.push_back(dnorm);

  auto r = randomVector(3 * 100 * 6 * 32, 204);
  ropeGrad(r.data(), 3, 100, 6, 32, 10000.0, 7);
  outs.push_back(r);

  // The elementwise kernels keep tensors of fewer than 2^19 elements (2^18
  // for swiglu_grad) per thread on one: these have 3 x 2^19 and a part row.
  {
    const int64_t bigRows = 3 * 2048 + 5, bigN = bigRows * dim;
    auto a = randomVector(bigN, 212), c = randomVector(bigN, 213, -6.0f, 6.0f),
         d = randomVector(bigN, 214);
    std::vector<float> e(bigN), f(bigN), dn(dim);
    swigluGrad(c.data(), a.data(), d.data(), e.data(), f.data(), bigN);
    outs.push_back(e);
    outs.push_back(f);
    rmsNormGrad(a.data(), norm.data(), d.data(), e.data(), dn.data(), bigRows,
                dim, 1e-5f, false, false);
    outs.push_back(e);
    outs.push_back(dn);
    ropeGrad(d.data(), 1, bigRows, 4, 64, 10000.0, 3);
    outs.push_back(d);
    double squares = 0;
    addSquaredNorm(a.data(), bigN, &squares);
    outs.push_back({float(squares), float(squares - float(squares))});
  }

  // Attention: 6 (batch, kv head) items, split into chunks of key blocks
  // (dq summed from parts), and 16, not split.
  for (bool causal : {true, false})
    for (int64_t b : {3, 8}) {
      const int64_t t = 150, heads = 6, kv = 2, hd = 10;
      auto q = randomVector(b * t * heads * hd, 205);
      auto k = randomVector(b * t * kv * hd, 206),
           v = randomVector(b * t * kv * hd, 207);
      auto dout = randomVector(q.size(), 208);
      std::vector<float> o(q.size()), dq(q.size()), dk(k.size()), dv(v.size());
      attention(q.data(), k.data(), v.data(), o.data(), b, t, t, t, heads, kv,
                hd, 0, causal);
      auto grads = [&] {
        attentionGrad(q.data(), k.data(), v.data(), o.data(), dout.data(),
                      dq.data(), dk.data(), dv.data(), b, t, heads, kv, hd,
                      causal);
        outs.push_back(dq);
        outs.push_back(dk);
        outs.push_back(dv);
      };
      grads();
      // Most rows of dout zero: the gathered-rows path.
      for (int64_t r = 0; r < b * t; ++r)
        if (r % 6 != 1)
          std::fill_n(dout.begin() + r * heads * hd, heads * hd, 0.0f);
      grads();
    }

  const int64_t n = rows * dim;
  auto g = randomVector(n, 209, -6.0f, 6.0f), u = randomVector(n, 210);
  std::vector<float> dgate(n), dup(n);
  swigluGrad(g.data(), u.data(), x.data(), dgate.data(), dup.data(), n);
  outs.push_back(dgate);
  outs.push_back(dup);

  std::vector<float> dh(rows * dim), dwHead(vocab * dim);
  EXPECT_TRUE(headCrossEntropyGrad(x.data(), w.data(), targets.data(), 1.0f,
                                   dh.data(), dwHead.data(), rows, vocab, dim,
                                   -100, false)
                  .ok());
  outs.push_back(dh);
  outs.push_back(dwHead);
  // The weighted training head: two bands (256 + 44 rows).
  std::vector<float> rowWeights = randomVector(rows, 211, 0.0f, 1.0f);
  for (int64_t r = 0; r < rows; r += 5)
    rowWeights[r] = 0.0f;
  std::vector<int32_t> kept(targets);
  for (int32_t &t : kept)
    t = t < 0 ? 0 : t;
  float weightedLoss = 0;
  EXPECT_TRUE(headCrossEntropyWeightedTrain(
                  x.data(), w.data(), kept.data(), rowWeights.data(), 1.0f,
                  &weightedLoss, dh.data(), dwHead.data(), rows, vocab, dim)
                  .ok());
  outs.push_back(dh);
  outs.push_back(dwHead);
  outs.push_back({weightedLoss});

  double sumSquares = 0;
  addSquaredNorm(dwHead.data(), vocab * dim, &sumSquares);
  outs.push_back({float(sumSquares), float(sumSquares - float(sumSquares))});
  std::vector<float> m(n, 0.0f), v(n, 0.0f), p = u;
  adamw(p.data(), g.data(), m.data(), v.data(), n, 1e-3f, 0.9f, 0.95f, 1e-8f,
        0.1f, 1);
  outs.push_back(p);
  sgd(p.data(), g.data(), n, 1e-2f, 0.1f);
  scale(p.data(), 0.5f, n);
  outs.push_back(p);
  return outs;
}

/// The determinism guarantee (docs/Determinism.md) for the backward and
/// optimizer kernels: bit-identical on 1, 2 and 3 threads in deterministic
/// mode, and for the same thread count outside it.
TEST(CpuGradKernels, DeterministicModeSameBitsOnAnyThreadCount) {
  ThreadGuard guard;
  expectSameBitsOnAnyThreadCount(runAllGradKernels);
}

TEST(CpuGradKernels, SameBitsForTheSameThreadCount) {
  ThreadGuard guard;
  expectSameBitsForTheSameThreadCount(runAllGradKernels);
}

} // namespace
