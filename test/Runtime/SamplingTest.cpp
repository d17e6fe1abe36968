//===- SamplingTest.cpp - Greedy and temperature / top-k sampling ---------===//

#include "cherry/Runtime/Sampling.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

using namespace cherry::runtime;

TEST(Sampling, GreedyTakesTheLargestAndTheLowestIdOnTies) {
  Sampler sampler(0);
  float logits[] = {0.5f, 2.0f, -1.0f, 2.0f};
  EXPECT_EQ(sampler.sample(logits, 4, {}), 1);
  float nan = std::numeric_limits<float>::quiet_NaN();
  float withNan[] = {nan, 0.1f, 0.3f};
  EXPECT_EQ(sampler.sample(withNan, 3, {}), 2);
}

TEST(Sampling, TopOneIsGreedy) {
  Sampler sampler(5);
  float logits[] = {0.1f, 0.2f, 3.0f, 0.4f};
  for (int i = 0; i < 100; ++i)
    EXPECT_EQ(sampler.sample(logits, 4, {/*temperature=*/1.0, /*topK=*/1}), 2);
}

/// Draws `n` samples and returns the frequency of each id.
static std::vector<double> frequencies(const std::vector<float> &logits,
                                       const SamplingOptions &options, int n) {
  Sampler sampler(1234);
  std::vector<double> counts(logits.size());
  for (int i = 0; i < n; ++i)
    counts[sampler.sample(logits.data(), logits.size(), options)] += 1.0 / n;
  return counts;
}

TEST(Sampling, FrequenciesFollowTheSoftmax) {
  // Logits 0, ln 2, ln 4: probabilities 1/7, 2/7, 4/7.
  std::vector<float> logits = {0.0f, std::log(2.0f), std::log(4.0f)};
  std::vector<double> f = frequencies(logits, {1.0, 0}, 200000);
  // Binomial standard deviation is below 0.0012 for 200000 draws.
  EXPECT_NEAR(f[0], 1.0 / 7, 0.005);
  EXPECT_NEAR(f[1], 2.0 / 7, 0.005);
  EXPECT_NEAR(f[2], 4.0 / 7, 0.005);
}

TEST(Sampling, TemperatureFlattensTheDistribution) {
  // Temperature 2 takes the square root of the odds: 1 : sqrt 2 : 2.
  std::vector<float> logits = {0.0f, std::log(2.0f), std::log(4.0f)};
  std::vector<double> f = frequencies(logits, {2.0, 0}, 200000);
  double z = 1 + std::sqrt(2.0) + 2;
  EXPECT_NEAR(f[0], 1 / z, 0.005);
  EXPECT_NEAR(f[1], std::sqrt(2.0) / z, 0.005);
  EXPECT_NEAR(f[2], 2 / z, 0.005);
}

TEST(Sampling, TopKRenormalizesOverTheKLargest) {
  // Top 2 of {1/7, 2/7, 4/7}: id 0 never, then 1/3 and 2/3.
  std::vector<float> logits = {0.0f, std::log(2.0f), std::log(4.0f)};
  std::vector<double> f = frequencies(logits, {1.0, 2}, 200000);
  EXPECT_EQ(f[0], 0.0);
  EXPECT_NEAR(f[1], 1.0 / 3, 0.005);
  EXPECT_NEAR(f[2], 2.0 / 3, 0.005);
}

TEST(Sampling, SameSeedSameStream) {
  std::vector<float> logits = {0.3f, 0.1f, 0.5f, 0.2f, 0.4f};
  Sampler a(77), b(77), c(78);
  int differ = 0;
  for (int i = 0; i < 200; ++i) {
    int32_t x = a.sample(logits.data(), 5, {1.0, 0});
    EXPECT_EQ(x, b.sample(logits.data(), 5, {1.0, 0}));
    differ += x != c.sample(logits.data(), 5, {1.0, 0});
  }
  EXPECT_GT(differ, 50);
}
