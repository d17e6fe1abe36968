//===- CudaSgtRowsTest.cpp - The CUDA selections' rows against Sgt.cpp ----===//
//
// CudaSgtRows.h is the CUDA device's selective-training selections, one row
// at a time, compiled for the device and, here, for the host: each function
// must give the CPU's selection (runtime/lib/Sgt.cpp) bit for bit, the
// positions and the weights, for random inputs at several sizes and steps,
// and its std::mt19937_64 the standard library's numbers. Runs on any
// machine (no GPU needed): the kernels in CudaSgt.cu only call these per
// row.
//
//===----------------------------------------------------------------------===//

#include "../../runtime/lib/cuda/CudaSgtRows.h"

#include "cherry/Runtime/Sgt.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <random>
#include <vector>

using namespace cherry::runtime;
namespace rows = cherry::runtime::cuda::sgtrows;

namespace {

TEST(CudaSgtRows, Mt64IsTheStandardOne) {
  for (uint64_t seed : {0ull, 1ull, 5489ull, 0x9E3779B97F4A7C15ull}) {
    std::mt19937_64 want(seed);
    auto got = std::make_unique<rows::Mt64>();
    got->seed(seed);
    for (int i = 0; i < 2000; ++i)
      ASSERT_EQ(got->next(), want()) << "seed " << seed << " draw " << i;
  }
}

struct Shape {
  int64_t batch, seq, k;
};
const Shape kShapes[] = {{3, 17, 5}, {2, 64, 64}, {4, 300, 37}, {1, 1, 1}};

std::vector<float> uniformFloats(int64_t n, std::mt19937_64 &g, float lo,
                                 float hi) {
  std::vector<float> v(n);
  for (float &x : v)
    x = lo + (hi - lo) * static_cast<float>(g() >> 40) / float(1 << 24);
  return v;
}

TEST(CudaSgtRows, Random) {
  auto rng = std::make_unique<rows::Mt64>();
  for (Shape s : kShapes)
    for (uint64_t step : {1ull, 2ull, 77ull}) {
      std::vector<int32_t> want(s.batch * s.k), got(s.batch * s.k);
      sgt::selectRandom(11, step, s.batch, s.seq, s.k, want.data());
      std::vector<int32_t> order(s.seq), tmp(s.seq);
      for (int64_t b = 0; b < s.batch; ++b)
        rows::selectRandomRow(11, step, b, s.seq, s.k, order.data(), tmp.data(),
                              got.data() + b * s.k, *rng);
      EXPECT_EQ(got, want) << "seq " << s.seq << " step " << step;
    }
}

TEST(CudaSgtRows, ScoreAndLoss) {
  std::mt19937_64 g(3);
  for (Shape s : kShapes) {
    const int64_t vocab = 50;
    std::vector<int32_t> targets(s.batch * s.seq);
    for (int32_t &t : targets)
      t = static_cast<int32_t>(g() % vocab);
    // Few distinct scores: ties, which go to the earlier position.
    std::vector<float> scores(vocab);
    for (float &x : scores)
      x = static_cast<float>(g() % 7);
    std::vector<int32_t> want(s.batch * s.k), got(s.batch * s.k);
    ASSERT_TRUE(sgt::selectByScore(targets.data(), scores.data(), s.batch,
                                   s.seq, s.k, vocab, want.data())
                    .ok());
    std::vector<int32_t> order(s.seq), tmp(s.seq);
    std::vector<float> keys(s.seq);
    for (int64_t b = 0; b < s.batch; ++b) {
      for (int64_t t = 0; t < s.seq; ++t)
        keys[t] = scores[targets[b * s.seq + t]];
      rows::selectTopRow(keys.data(), s.seq, s.k, order.data(), tmp.data(),
                         got.data() + b * s.k);
    }
    EXPECT_EQ(got, want) << "score, seq " << s.seq;

    std::vector<float> losses = uniformFloats(s.batch * s.seq, g, 0, 4);
    for (int64_t i = 0; i < s.batch * s.seq; i += 3)
      losses[i] = 1.0f; // ties
    std::vector<float> weights(s.batch * s.k);
    sgt::selectLossTopk(losses.data(), s.batch, s.seq, s.k, want.data(),
                        weights.data());
    for (int64_t b = 0; b < s.batch; ++b)
      rows::selectTopRow(losses.data() + b * s.seq, s.seq, s.k, order.data(),
                         tmp.data(), got.data() + b * s.k);
    EXPECT_EQ(got, want) << "loss, seq " << s.seq;
  }
}

TEST(CudaSgtRows, Surprisal) {
  std::mt19937_64 g(4);
  auto rng = std::make_unique<rows::Mt64>();
  for (Shape s : kShapes)
    for (uint64_t step : {1ull, 9ull}) {
      const int64_t vocab = 40;
      std::vector<int32_t> targets(s.batch * s.seq);
      for (int32_t &t : targets)
        t = static_cast<int32_t>(g() % vocab);
      std::vector<float> scores = uniformFloats(vocab, g, 0, 10);
      scores[3] = 0.0f;   // the floor
      scores[5] = 500.0f; // capped at 1
      std::vector<int32_t> want(s.batch * s.k), got(s.batch * s.k);
      std::vector<float> wantW(s.batch * s.k), gotW(s.batch * s.k);
      ASSERT_TRUE(sgt::selectSurprisal(targets.data(), scores.data(), vocab, 21,
                                       step, s.batch, s.seq, s.k, want.data(),
                                       wantW.data())
                      .ok());
      std::vector<float> rowScores(s.seq);
      std::vector<double> sd(s.seq), pi(s.seq);
      std::vector<int32_t> order(s.seq), tmp(s.seq);
      std::vector<char> taken(s.seq);
      for (int64_t b = 0; b < s.batch; ++b) {
        for (int64_t t = 0; t < s.seq; ++t)
          rowScores[t] = scores[targets[b * s.seq + t]];
        rows::selectSurprisalRow(rowScores.data(), 21, step, b, s.batch, s.seq,
                                 s.k, sd.data(), pi.data(), order.data(),
                                 tmp.data(), taken.data(), got.data() + b * s.k,
                                 gotW.data() + b * s.k, *rng);
      }
      EXPECT_EQ(got, want) << "seq " << s.seq << " step " << step;
      EXPECT_EQ(gotW, wantW) << "seq " << s.seq << " step " << step;
    }
}

TEST(CudaSgtRows, Mask) {
  std::mt19937_64 g(5);
  auto rng = std::make_unique<rows::Mt64>();
  for (Shape s : kShapes) {
    std::vector<int32_t> mask(s.batch * s.seq);
    int64_t total = 0;
    for (int64_t i = 0; i < s.batch * s.seq; ++i)
      total += mask[i] = (g() % 3 == 0) || (i / s.seq == 0) ? 1 : 0;
    std::vector<int32_t> want(s.batch * s.k), got(s.batch * s.k);
    std::vector<float> wantW(s.batch * s.k), gotW(s.batch * s.k);
    ASSERT_TRUE(sgt::selectMask(mask.data(), 8, 3, s.batch, s.seq, s.k,
                                want.data(), wantW.data())
                    .ok());
    std::vector<int32_t> marked(s.seq), tmp(s.seq);
    for (int64_t b = 0; b < s.batch; ++b)
      rows::selectMaskRow(mask.data() + b * s.seq, 8, 3, b, s.seq, s.k, total,
                          marked.data(), tmp.data(), got.data() + b * s.k,
                          gotW.data() + b * s.k, *rng);
    EXPECT_EQ(got, want) << "seq " << s.seq;
    EXPECT_EQ(gotW, wantW) << "seq " << s.seq;
  }
}

} // namespace
