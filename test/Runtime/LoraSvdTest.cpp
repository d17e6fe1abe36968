//===- LoraSvdTest.cpp - LoRA factors from a truncated SVD ----------------===//
//
// The factors are checked against matrices built from a known
// decomposition: orthonormal U and V (Gram-Schmidt on random vectors) and
// chosen singular values, so the exact truncated SVD is known independently
// of LAPACK.
//
//===----------------------------------------------------------------------===//

#include "cherry/Runtime/LoraSvd.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

using namespace cherry::runtime;

namespace {

/// `cols` orthonormal columns of length `rows` (row-major [rows, cols]).
std::vector<double> orthonormal(int64_t rows, int64_t cols, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  std::vector<double> q(rows * cols);
  for (int64_t c = 0; c < cols; ++c) {
    std::vector<double> v(rows);
    for (double &x : v)
      x = normal(rng);
    for (int pass = 0; pass < 2; ++pass) // twice: orthogonal to 1e-15
      for (int64_t p = 0; p < c; ++p) {
        double d = 0;
        for (int64_t r = 0; r < rows; ++r)
          d += v[r] * q[r * cols + p];
        for (int64_t r = 0; r < rows; ++r)
          v[r] -= d * q[r * cols + p];
      }
    double n = 0;
    for (double x : v)
      n += x * x;
    for (int64_t r = 0; r < rows; ++r)
      q[r * cols + c] = v[r] / std::sqrt(n);
  }
  return q;
}

/// R = U diag(sigma) V^T for U [out, k], V [in, k].
std::vector<double> compose(const std::vector<double> &u,
                            const std::vector<double> &sigma,
                            const std::vector<double> &v, int64_t out,
                            int64_t in, int64_t k) {
  std::vector<double> r(out * in, 0.0);
  for (int64_t o = 0; o < out; ++o)
    for (int64_t i = 0; i < in; ++i)
      for (int64_t j = 0; j < k; ++j)
        r[o * in + i] += u[o * k + j] * sigma[j] * v[i * k + j];
  return r;
}

/// max |scale * B A - want| over the elements.
double maxError(const std::vector<float> &b, const std::vector<float> &a,
                int64_t out, int64_t in, int64_t rank, double scale,
                const std::vector<double> &want) {
  double worst = 0;
  for (int64_t o = 0; o < out; ++o)
    for (int64_t i = 0; i < in; ++i) {
      double s = 0;
      for (int64_t j = 0; j < rank; ++j)
        s += double(b[o * rank + j]) * a[j * in + i];
      worst = std::max(worst, std::abs(scale * s - want[o * in + i]));
    }
  return worst;
}

} // namespace

TEST(LoraSvd, TruncationKeepsTheLargestSingularDirections) {
  // 12 x 7 of rank 7 with singular values 7, 6, ..., 1 (wide gaps, so the
  // leading subspace is well conditioned); rank 3 must give exactly the
  // rank-3 part U_3 S_3 V_3^T.
  const int64_t out = 12, in = 7, k = 7, rank = 3;
  std::vector<double> u = orthonormal(out, k, 1), v = orthonormal(in, k, 2);
  std::vector<double> sigma{7, 6, 5, 4, 3, 2, 1};
  std::vector<double> full = compose(u, sigma, v, out, in, k);
  std::vector<double> top = compose(u, {7, 6, 5, 0, 0, 0, 0}, v, out, in, k);
  for (double scale : {1.0, 2.5}) {
    std::vector<float> b, a;
    ASSERT_TRUE(loraSvdFactors(full, out, in, rank, scale, b, a).ok());
    ASSERT_EQ(b.size(), size_t(out * rank));
    ASSERT_EQ(a.size(), size_t(rank * in));
    // Float factors of entries ~sqrt(7 / scale): the product of two
    // rounded factors summed over 3 terms, times the scale, errs by about
    // 3 * 7 * 2^-23 ~ 3e-6; LAPACK's own error is ~1e-15.
    EXPECT_LT(maxError(b, a, out, in, rank, scale, top), 1e-5);
  }
}

TEST(LoraSvd, FullRankReconstructsTheResidual) {
  const int64_t out = 5, in = 9, k = 5;
  std::vector<double> u = orthonormal(out, k, 3), v = orthonormal(in, k, 4);
  std::vector<double> full = compose(u, {3, 2, 1, 0.5, 0.25}, v, out, in, k);
  std::vector<float> b, a;
  ASSERT_TRUE(loraSvdFactors(full, out, in, k, 1.0, b, a).ok());
  EXPECT_LT(maxError(b, a, out, in, k, 1.0, full), 1e-5);
}

TEST(LoraSvd, RejectsRankAboveTheSmallerDimension) {
  std::vector<double> r(4 * 3, 1.0);
  std::vector<float> b, a;
  EXPECT_FALSE(loraSvdFactors(r, 4, 3, 4, 1.0, b, a).ok());
  EXPECT_FALSE(loraSvdFactors(r, 4, 3, 0, 1.0, b, a).ok());
  EXPECT_FALSE(loraSvdFactors(r, 4, 3, 2, 0.0, b, a).ok());
}
