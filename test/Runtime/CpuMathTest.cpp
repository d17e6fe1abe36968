//===- CpuMathTest.cpp - The CPU kernels' vectorizable exp ----------------===//
//
// expF32 against double exp, and expFlushF32 (the softmax terms' exp)
// against expF32, bit for bit. Both run in a loop dispatched like the
// kernels' (CHERRY_CPU_DISPATCH), so each forced variant tests its own
// vectorized, FMA-contracted copy.
//
//===----------------------------------------------------------------------===//

#include "CpuCommon.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

namespace cherry::runtime::cpu::detail {
namespace {

CHERRY_CPU_BODY void expBothBody(const float *x, float *full, float *flush,
                                 int64_t n) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) {
    full[i] = expF32(x[i]);
    flush[i] = expFlushF32(x[i]);
  }
}
CHERRY_CPU_DISPATCH(expBoth)

uint32_t bitsOf(float x) { return __builtin_bit_cast(uint32_t, x); }

/// Every `stride`-th float from lo up to hi (both included), by bit
/// pattern: dense near zero, as the floats are.
std::vector<float> floatsBetween(float lo, float hi, uint32_t stride) {
  std::vector<float> xs;
  // Negative floats from lo up to -0 count down in their bits, positive
  // ones from +0 count up.
  for (int64_t b = bitsOf(lo); b >= int64_t(0x80000000u); b -= stride)
    xs.push_back(__builtin_bit_cast(float, static_cast<uint32_t>(b)));
  for (int64_t b = 0; b <= int64_t(bitsOf(hi)); b += stride)
    xs.push_back(__builtin_bit_cast(float, static_cast<uint32_t>(b)));
  xs.push_back(hi);
  return xs;
}

/// Distance in units of the last place between two non-negative finite
/// floats (their bit patterns are ordered as their values).
int64_t ulpsApart(float a, float b) {
  return std::llabs(int64_t(bitsOf(a)) - int64_t(bitsOf(b)));
}

TEST(CpuMath, ExpF32IsWithinOneUlpOfDoubleExp) {
  // The bound the kernels' tests derive their tolerances from. Subnormal
  // results included: there an ulp is 2^-149.
  const auto xs = floatsBetween(-103.0f, 88.7f, 997);
  std::vector<float> full(xs.size()), flush(xs.size());
  expBoth(xs.data(), full.data(), flush.data(), int64_t(xs.size()));
  for (size_t i = 0; i < xs.size(); ++i) {
    const float want = static_cast<float>(std::exp(double(xs[i])));
    ASSERT_LE(ulpsApart(full[i], want), 1)
        << "x = " << xs[i] << ": " << full[i] << " against " << want;
  }
}

TEST(CpuMath, ExpFlushF32IsExpF32FromMinus87To88) {
  const auto xs = floatsBetween(-87.0f, 88.0f, 257);
  std::vector<float> full(xs.size()), flush(xs.size());
  expBoth(xs.data(), full.data(), flush.data(), int64_t(xs.size()));
  for (size_t i = 0; i < xs.size(); ++i)
    ASSERT_EQ(bitsOf(flush[i]), bitsOf(full[i]))
        << "x = " << xs[i] << ": " << flush[i] << " against " << full[i];
}

TEST(CpuMath, ExpFlushF32OutsideItsRange) {
  constexpr float kInf = std::numeric_limits<float>::infinity();
  const std::vector<float> xs = {std::nextafter(-87.0f, -kInf),
                                 -87.5f,
                                 -100.0f,
                                 -1e30f,
                                 -kInf,
                                 std::nextafter(88.0f, kInf),
                                 100.0f,
                                 kInf,
                                 std::numeric_limits<float>::quiet_NaN(),
                                 -std::numeric_limits<float>::quiet_NaN()};
  std::vector<float> full(xs.size()), flush(xs.size());
  expBoth(xs.data(), full.data(), flush.data(), int64_t(xs.size()));
  float at88 = 0.0f, unused = 0.0f;
  const float x88 = 88.0f;
  expBoth(&x88, &unused, &at88, 1);
  for (size_t i = 0; i < xs.size(); ++i) {
    const float x = xs[i];
    if (std::isnan(x)) {
      EXPECT_TRUE(std::isnan(flush[i])) << "NaN in, " << flush[i] << " out";
    } else if (x < -87.0f) {
      // Zero, where e^x is under e^-87 < 1.7e-38: the only difference from
      // expF32, which keeps subnormal results down to e^-103.97.
      EXPECT_EQ(bitsOf(flush[i]), bitsOf(0.0f)) << "x = " << x;
      EXPECT_LT(full[i], 1.7e-38f) << "x = " << x;
    } else {
      EXPECT_EQ(bitsOf(flush[i]), bitsOf(at88)) << "x = " << x;
    }
  }
  EXPECT_LE(ulpsApart(at88, static_cast<float>(std::exp(88.0))), 1);
}

} // namespace
} // namespace cherry::runtime::cpu::detail
