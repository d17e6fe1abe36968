//===- Sgt.cpp - Supervised-position selection ----------------------------===//

#include "cherry/Runtime/Sgt.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

namespace cherry::runtime::sgt {

int64_t selectedCount(double ratio, int64_t seq) {
  return std::max<int64_t>(1,
                           std::min<int64_t>(seq, std::llround(ratio * seq)));
}

void selectUniform(int64_t batch, int64_t seq, int64_t k, int32_t *positions) {
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t j = 0; j < k; ++j)
      positions[b * k + j] = static_cast<int32_t>((2 * j + 1) * seq / (2 * k));
}

Status selectByScore(const int32_t *targets, const float *scores, int64_t batch,
                     int64_t seq, int64_t k, int64_t vocab,
                     int32_t *positions) {
  std::vector<int32_t> order(seq);
  for (int64_t b = 0; b < batch; ++b) {
    const int32_t *row = targets + b * seq;
    for (int64_t t = 0; t < seq; ++t)
      if (row[t] < 0 || row[t] >= vocab)
        return Status::error("target " + std::to_string(row[t]) + " at row " +
                             std::to_string(b) +
                             " is outside the score table of " +
                             std::to_string(vocab));
    for (int64_t t = 0; t < seq; ++t)
      order[t] = static_cast<int32_t>(t);
    std::stable_sort(order.begin(), order.end(), [&](int32_t x, int32_t y) {
      return scores[row[x]] > scores[row[y]];
    });
    std::sort(order.begin(), order.begin() + k);
    std::copy(order.begin(), order.begin() + k, positions + b * k);
  }
  return Status::success();
}

void selectRandom(uint64_t seed, uint64_t step, int64_t batch, int64_t seq,
                  int64_t k, int32_t *positions) {
  std::vector<int32_t> order(seq);
  for (int64_t b = 0; b < batch; ++b) {
    // A partial Fisher-Yates shuffle; mt19937_64 and the modulo are
    // specified exactly, so the stream is the same on every platform.
    std::mt19937_64 rng(seed * 0x9E3779B97F4A7C15ull ^
                        (step + 1) * 0xBF58476D1CE4E5B9ull ^
                        static_cast<uint64_t>(b + 1) * 0x94D049BB133111EBull);
    for (int64_t t = 0; t < seq; ++t)
      order[t] = static_cast<int32_t>(t);
    for (int64_t j = 0; j < k; ++j) {
      uint64_t r = rng() % static_cast<uint64_t>(seq - j);
      std::swap(order[j], order[j + static_cast<int64_t>(r)]);
    }
    std::sort(order.begin(), order.begin() + k);
    std::copy(order.begin(), order.begin() + k, positions + b * k);
  }
}

} // namespace cherry::runtime::sgt
