//===- SgtTest.cpp - Supervised-position selection policies ---------------===//
//
// The selections against what they promise: inclusion probabilities
// measured over many seeded draws, the unbiasedness of the surprisal
// weights, the mask's padding and weights, and the loss ranking.
//
//===----------------------------------------------------------------------===//

#include "cherry/Runtime/Sgt.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <vector>

using namespace cherry::runtime;

namespace {

TEST(Sgt, InclusionProbabilitiesAreProportionalCappedAndSumToK) {
  // One score dominates: it is capped at 1 and the rest share k - 1.
  std::vector<float> scores = {100.0f, 1.0f, 2.0f, 3.0f, 4.0f, 0.0f};
  std::vector<double> pi(scores.size());
  sgt::inclusionProbabilities(scores.data(), 6, 3, pi.data());
  EXPECT_DOUBLE_EQ(pi[0], 1.0);
  EXPECT_NEAR(std::accumulate(pi.begin(), pi.end(), 0.0), 3.0, 1e-12);
  // The uncapped ones are proportional to their score (the zero score is
  // floored at a millionth of the largest, 1e-4).
  const double c = pi[1] / 1.0;
  EXPECT_NEAR(pi[2], 2 * c, 1e-12);
  EXPECT_NEAR(pi[4], 4 * c, 1e-12);
  EXPECT_NEAR(pi[5], 1e-4 * c, 1e-15);
  EXPECT_NEAR(c, 2.0 / (1 + 2 + 3 + 4 + 1e-4), 1e-12);
}

TEST(Sgt, SurprisalDrawsEachPositionWithItsProbabilityAndIsUnbiased) {
  const int64_t batch = 2, seq = 12, k = 3, vocab = 5;
  std::vector<float> scores = {0.5f, 1.0f, 2.0f, 4.0f, 8.0f};
  std::vector<int32_t> targets(batch * seq);
  std::vector<float> losses(batch * seq);
  for (int64_t i = 0; i < batch * seq; ++i) {
    targets[i] = static_cast<int32_t>((i * 7 + i / 5) % vocab);
    losses[i] = 0.3f + 0.1f * static_cast<float>((i * 5) % 11);
  }
  const double meanLoss =
      std::accumulate(losses.begin(), losses.end(), 0.0) / (batch * seq);
  std::vector<double> pi(batch * seq);
  for (int64_t b = 0; b < batch; ++b) {
    std::vector<float> row(seq);
    for (int64_t t = 0; t < seq; ++t)
      row[t] = scores[targets[b * seq + t]];
    sgt::inclusionProbabilities(row.data(), seq, k, pi.data() + b * seq);
  }

  const int draws = 40000;
  std::vector<int> hits(batch * seq, 0);
  double estimateSum = 0;
  std::vector<int32_t> positions(batch * k);
  std::vector<float> weights(batch * k);
  for (int step = 0; step < draws; ++step) {
    ASSERT_TRUE(sgt::selectSurprisal(targets.data(), scores.data(), vocab, 9,
                                     step, batch, seq, k, positions.data(),
                                     weights.data())
                    .ok());
    double estimate = 0;
    for (int64_t b = 0; b < batch; ++b)
      for (int64_t j = 0; j < k; ++j) {
        int32_t t = positions[b * k + j];
        if (j > 0) {
          ASSERT_LT(positions[b * k + j - 1], t) << "increasing, distinct";
        }
        ++hits[b * seq + t];
        // The weight is 1 / (batch seq pi).
        ASSERT_NEAR(weights[b * k + j], 1.0 / (batch * seq * pi[b * seq + t]),
                    1e-6 * weights[b * k + j]);
        estimate += weights[b * k + j] * losses[b * seq + t];
      }
    estimateSum += estimate;
  }
  for (int64_t i = 0; i < batch * seq; ++i) {
    // Binomial standard error of the frequency, with a 5-sigma margin.
    double sigma = std::sqrt(pi[i] * (1 - pi[i]) / draws);
    EXPECT_NEAR(double(hits[i]) / draws, pi[i], 5 * sigma + 1e-9)
        << "position " << i;
  }
  // The weighted loss estimates the all-position mean.
  EXPECT_NEAR(estimateSum / draws, meanLoss, 0.01 * meanLoss);

  // The same (seed, step) draws the same positions.
  std::vector<int32_t> again(batch * k);
  ASSERT_TRUE(sgt::selectSurprisal(targets.data(), scores.data(), vocab, 9,
                                   draws - 1, batch, seq, k, again.data(),
                                   weights.data())
                  .ok());
  EXPECT_EQ(again, positions);
}

TEST(Sgt, SurprisalRejectsBadTargetsAndScores) {
  std::vector<int32_t> targets = {0, 1, 7, 2};
  std::vector<float> scores = {1, 2, 3};
  std::vector<int32_t> positions(2);
  std::vector<float> weights(2);
  Status st = sgt::selectSurprisal(targets.data(), scores.data(), 3, 0, 1, 1, 4,
                                   2, positions.data(), weights.data());
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.message, "target 7 at row 0 is outside the score table of 3");
  scores[1] = -1;
  targets[2] = 0;
  st = sgt::selectSurprisal(targets.data(), scores.data(), 3, 0, 1, 1, 4, 2,
                            positions.data(), weights.data());
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message.find("score of token 1 is -1"), std::string::npos)
      << st.message;
}

TEST(Sgt, LossTopkTakesTheHighestLosses) {
  std::vector<float> losses = {0.1f, 3.0f, 0.5f, 3.0f, 2.0f,  // row 0
                               9.0f, 0.0f, 1.0f, 0.2f, 0.3f}; // row 1
  std::vector<int32_t> positions(4);
  std::vector<float> weights(4);
  sgt::selectLossTopk(losses.data(), 2, 5, 2, positions.data(), weights.data());
  EXPECT_EQ(positions, (std::vector<int32_t>{1, 3, 0, 2}));
  for (float w : weights)
    EXPECT_FLOAT_EQ(w, 0.25f);
}

TEST(Sgt, MaskKeepsMarkedPositionsPadsAndWeighsToTheMaskedMean) {
  // Row 0 marks 1 position, row 1 marks 4 (more than k = 2), row 2 none.
  std::vector<int32_t> mask = {0, 0, 1, 0, 0, //
                               1, 1, 0, 1, 1, //
                               0, 0, 0, 0, 0};
  std::vector<int32_t> positions(6);
  std::vector<float> weights(6);
  ASSERT_TRUE(sgt::selectMask(mask.data(), 4, 2, 3, 5, 2, positions.data(),
                              weights.data())
                  .ok());
  // Row 0: its one position, then padding.
  EXPECT_EQ(positions[0], 2);
  EXPECT_FLOAT_EQ(weights[0], 1.0f / 5);
  EXPECT_FLOAT_EQ(weights[1], 0.0f);
  // Row 1: two of its four, each standing for two of them.
  EXPECT_EQ(mask[5 + positions[2]], 1);
  EXPECT_EQ(mask[5 + positions[3]], 1);
  EXPECT_LT(positions[2], positions[3]);
  EXPECT_FLOAT_EQ(weights[2], 2.0f / 5);
  EXPECT_FLOAT_EQ(weights[3], 2.0f / 5);
  // Row 2: padding only; the weights of the batch sum to 1.
  EXPECT_FLOAT_EQ(weights[4] + weights[5], 0.0f);
  EXPECT_NEAR(std::accumulate(weights.begin(), weights.end(), 0.0), 1.0, 1e-6);

  mask[7] = 2;
  Status st = sgt::selectMask(mask.data(), 4, 2, 3, 5, 2, positions.data(),
                              weights.data());
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.message, "mask value 2 at row 1, position 2 is not 0 or 1");
}

} // namespace
