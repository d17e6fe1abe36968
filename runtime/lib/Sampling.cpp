//===- Sampling.cpp - Pick the next token from logits ---------------------===//

#include "cherry/Runtime/Sampling.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

namespace cherry::runtime {

int32_t Sampler::sample(const float *logits, int64_t vocab,
                        const SamplingOptions &options) {
  // Candidates in order of decreasing logit, ties by increasing id; NaN
  // sorts last.
  auto before = [&](int32_t a, int32_t b) {
    float x = logits[a], y = logits[b];
    bool xn = std::isnan(x), yn = std::isnan(y);
    if (xn != yn)
      return yn;
    if (x != y && !xn)
      return x > y;
    return a < b;
  };
  if (options.temperature <= 0) {
    int32_t best = 0;
    for (int32_t i = 1; i < vocab; ++i)
      if (before(i, best))
        best = i;
    return best;
  }

  int64_t k = options.topK > 0 ? std::min(options.topK, vocab) : vocab;
  std::vector<int32_t> ids(vocab);
  std::iota(ids.begin(), ids.end(), 0);
  std::partial_sort(ids.begin(), ids.begin() + k, ids.end(), before);
  ids.resize(k);

  // Softmax of logit / temperature over the candidates, in double.
  double top = logits[ids[0]];
  if (!std::isfinite(top))
    return ids[0];
  std::vector<double> weights(k);
  double total = 0;
  for (int64_t i = 0; i < k; ++i) {
    double l = logits[ids[i]];
    weights[i] =
        std::isfinite(l) ? std::exp((l - top) / options.temperature) : 0.0;
    total += weights[i];
  }
  double u = uniform() * total;
  for (int64_t i = 0; i < k; ++i) {
    if (u < weights[i])
      return ids[i];
    u -= weights[i];
  }
  // Rounding left u just above the sum: the last candidate with weight.
  for (int64_t i = k - 1; i >= 0; --i)
    if (weights[i] > 0)
      return ids[i];
  return ids[0];
}

} // namespace cherry::runtime
