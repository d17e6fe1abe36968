//===- FloatBounds.h - Rounding-error bounds for the kernel tests -*- C++
//-*-===//
//
// The kernel tests compare float32 results with double references. Where a
// result is a sum, the tolerance is the rounding-error bound of that sum,
// computed element by element from the reference's own terms, not a number
// fitted to one machine: any kernel variant, BLAS core, thread count or
// summation order must land inside it, and a result outside it is a bug.
//
// The bound used (Higham, Accuracy and Stability of Numerical Algorithms,
// 2nd ed., Lemma 3.1 and Sec. 3.1): a float32 sum of n products of float32
// numbers, in any order, with or without fused multiply-adds, is within
//     sumBound(n) * sum_i |a_i b_i|,   sumBound(n) = gamma_n = n u / (1 - n u),
// of the exact sum, where u = 2^-24 is float32's unit roundoff.
//
//===----------------------------------------------------------------------===//

#ifndef CHERRY_TEST_RUNTIME_FLOATBOUNDS_H
#define CHERRY_TEST_RUNTIME_FLOATBOUNDS_H

#include "cherry/Runtime/CpuKernels.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace cherry::test {

/// float32's unit roundoff (round to nearest).
constexpr double kUnitRoundoff = 0x1p-24;

/// sumBound(n) = gamma_n = n u / (1 - n u): the relative bound of n chained
/// roundings.
inline double sumBound(double n) {
  return n * kUnitRoundoff / (1.0 - n * kUnitRoundoff);
}

/// Fails for every element with |got - want| > bound (the first five are
/// reported with their bound).
inline void expectWithinBound(const std::vector<float> &got,
                              const std::vector<double> &want,
                              const std::vector<double> &bound,
                              const std::string &what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  ASSERT_EQ(bound.size(), want.size()) << what;
  int reported = 0;
  for (size_t i = 0; i < got.size(); ++i)
    if (!(std::abs(double(got[i]) - want[i]) <= bound[i]) && reported++ < 5)
      ADD_FAILURE() << what << " element " << i << ": got " << got[i]
                    << ", want " << want[i] << ", error "
                    << std::abs(double(got[i]) - want[i]) << " > bound "
                    << bound[i];
}

/// Fails for every element whose bits differ (the first five reported).
inline void expectIdentical(const std::vector<float> &got,
                            const std::vector<float> &want,
                            const std::string &what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  int reported = 0;
  for (size_t i = 0; i < got.size(); ++i)
    if (std::memcmp(&got[i], &want[i], sizeof(float)) != 0 && reported++ < 5)
      ADD_FAILURE() << what << " element " << i << ": got " << got[i]
                    << ", want " << want[i];
}

/// Runs `run` (every output of a set of kernels) in deterministic mode on
/// 1, 2 and 3 threads and expects the same bits each time: the guarantee of
/// docs/Determinism.md. Leaves the thread count and mode at their defaults.
template <typename Run> void expectSameBitsOnAnyThreadCount(Run run) {
  namespace cpu = ::cherry::runtime::cpu;
  cpu::setDeterministic(true);
  cpu::setNumThreads(1);
  auto one = run();
  for (int threads : {2, 3}) {
    cpu::setNumThreads(threads);
    auto many = run();
    ASSERT_EQ(one.size(), many.size());
    for (size_t i = 0; i < one.size(); ++i)
      expectIdentical(many[i], one[i],
                      "kernel output " + std::to_string(i) + " on " +
                          std::to_string(threads) + " threads");
  }
  cpu::setNumThreads(0);
}

/// Outside deterministic mode: the same bits for the same thread count.
template <typename Run> void expectSameBitsForTheSameThreadCount(Run run) {
  namespace cpu = ::cherry::runtime::cpu;
  cpu::setDeterministic(false);
  for (int threads : {1, 2, 3}) {
    cpu::setNumThreads(threads);
    auto first = run(), second = run();
    ASSERT_EQ(first.size(), second.size());
    for (size_t i = 0; i < first.size(); ++i)
      expectIdentical(second[i], first[i],
                      "kernel output " + std::to_string(i) + " on " +
                          std::to_string(threads) + " threads");
  }
  cpu::setDeterministic(true);
  cpu::setNumThreads(0);
}

/// want[i, j] = sum_c a[i, c] b[j, c] in double, and its rounding bound
/// sumBound(k) * sum_c |a[i, c] b[j, c]| (+ u |c0| ... when accumulating onto
/// c0: one more rounding, so sumBound(k + 1) over the terms and |c0|).
inline void productWithBound(const std::vector<float> &a,
                             const std::vector<float> &b, int64_t m, int64_t n,
                             int64_t k, const std::vector<float> *c0,
                             std::vector<double> &want,
                             std::vector<double> &bound) {
  want.assign(m * n, 0.0);
  bound.assign(m * n, 0.0);
  const double g = sumBound(double(k) + (c0 ? 1 : 0));
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double s = c0 ? double((*c0)[i * n + j]) : 0.0;
      double mag = std::abs(s);
      for (int64_t c = 0; c < k; ++c) {
        const double t = double(a[i * k + c]) * b[j * k + c];
        s += t;
        mag += std::abs(t);
      }
      want[i * n + j] = s;
      bound[i * n + j] = g * mag;
    }
}

/// The transpose [cols, rows] of a row-major [rows, cols] matrix.
inline std::vector<float> transposed(const std::vector<float> &x, int64_t rows,
                                     int64_t cols) {
  std::vector<float> t(x.size());
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c)
      t[c * rows + r] = x[r * cols + c];
  return t;
}

} // namespace cherry::test

#endif // CHERRY_TEST_RUNTIME_FLOATBOUNDS_H
