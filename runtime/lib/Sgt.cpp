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

void equalWeights(int64_t batch, int64_t k, float *weights) {
  std::fill(weights, weights + batch * k,
            static_cast<float>(1.0 / static_cast<double>(batch * k)));
}

namespace {

/// The generator of row `row` at `step`: the same arguments give the same
/// stream anywhere (mt19937_64 is specified exactly).
std::mt19937_64 rowStream(uint64_t seed, uint64_t step, int64_t row) {
  return std::mt19937_64(
      seed * 0x9E3779B97F4A7C15ull ^ (step + 1) * 0xBF58476D1CE4E5B9ull ^
      static_cast<uint64_t>(row + 1) * 0x94D049BB133111EBull);
}

/// The first k entries of `order` become a uniform k-subset of its entries
/// (a partial Fisher-Yates shuffle; the modulo is exact, so the stream is
/// the same on every platform).
void partialShuffle(std::mt19937_64 &rng, std::vector<int32_t> &order,
                    int64_t k) {
  const int64_t n = static_cast<int64_t>(order.size());
  for (int64_t j = 0; j < k && j < n; ++j) {
    uint64_t r = rng() % static_cast<uint64_t>(n - j);
    std::swap(order[j], order[j + static_cast<int64_t>(r)]);
  }
}

/// A uniform double in [0, 1) from 53 bits of the stream.
double unitUniform(std::mt19937_64 &rng) {
  return static_cast<double>(rng() >> 11) * 0x1.0p-53;
}

} // namespace

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
                  int64_t k, int32_t *positions, int64_t firstRow) {
  std::vector<int32_t> order(seq);
  for (int64_t b = 0; b < batch; ++b) {
    std::mt19937_64 rng = rowStream(seed, step, firstRow + b);
    for (int64_t t = 0; t < seq; ++t)
      order[t] = static_cast<int32_t>(t);
    partialShuffle(rng, order, k);
    std::sort(order.begin(), order.begin() + k);
    std::copy(order.begin(), order.begin() + k, positions + b * k);
  }
}

void inclusionProbabilities(const float *rowScores, int64_t seq, int64_t k,
                            double *pi) {
  // A score of zero would never be drawn (and its weight be infinite):
  // every position keeps a floor of a millionth of the largest score.
  double top = 0;
  for (int64_t t = 0; t < seq; ++t)
    top = std::max(top, static_cast<double>(rowScores[t]));
  const double floor = top > 0 ? top * 1e-6 : 1.0;
  std::vector<double> s(seq);
  for (int64_t t = 0; t < seq; ++t)
    s[t] = std::max(static_cast<double>(rowScores[t]), floor);
  // pi = min(1, c s): cap the largest scores at 1 one at a time, each time
  // spreading what is left of k over the uncapped positions.
  std::vector<int64_t> order(seq);
  for (int64_t t = 0; t < seq; ++t)
    order[t] = t;
  std::sort(order.begin(), order.end(),
            [&](int64_t x, int64_t y) { return s[x] > s[y]; });
  double rest = 0;
  for (double v : s)
    rest += v;
  int64_t capped = 0;
  while (capped < k && (k - capped) * s[order[capped]] >= rest) {
    rest -= s[order[capped]];
    ++capped;
  }
  const double c = capped < k ? (k - capped) / rest : 0.0;
  for (int64_t i = 0; i < seq; ++i)
    pi[order[i]] = i < capped ? 1.0 : std::min(1.0, c * s[order[i]]);
}

Status selectSurprisal(const int32_t *targets, const float *scores,
                       int64_t vocab, uint64_t seed, uint64_t step,
                       int64_t batch, int64_t seq, int64_t k,
                       int32_t *positions, float *weights, int64_t firstRow) {
  for (int64_t v = 0; v < vocab; ++v)
    if (!(scores[v] >= 0) || !std::isfinite(scores[v]))
      return Status::error("score of token " + std::to_string(v) + " is " +
                           std::to_string(scores[v]) +
                           ", not a finite non-negative number");
  std::vector<float> rowScores(seq);
  std::vector<double> pi(seq);
  std::vector<int32_t> order(seq);
  std::vector<char> taken(seq);
  for (int64_t b = 0; b < batch; ++b) {
    const int32_t *row = targets + b * seq;
    for (int64_t t = 0; t < seq; ++t) {
      if (row[t] < 0 || row[t] >= vocab)
        return Status::error("target " + std::to_string(row[t]) + " at row " +
                             std::to_string(b) +
                             " is outside the score table of " +
                             std::to_string(vocab));
      rowScores[t] = scores[row[t]];
    }
    inclusionProbabilities(rowScores.data(), seq, k, pi.data());
    // Systematic sampling: walk the positions in a random order, adding up
    // pi, and take the position under each of the points u, u + 1, ...,
    // u + k - 1. Each pi <= 1, so a position is taken at most once and
    // with probability exactly pi.
    std::mt19937_64 rng = rowStream(seed, step, firstRow + b);
    for (int64_t t = 0; t < seq; ++t)
      order[t] = static_cast<int32_t>(t);
    partialShuffle(rng, order, seq);
    std::fill(taken.begin(), taken.end(), 0);
    double point = unitUniform(rng), cumulative = 0;
    int64_t count = 0;
    for (int64_t i = 0; i < seq && count < k; ++i) {
      cumulative += pi[order[i]];
      if (cumulative > point) {
        taken[order[i]] = 1;
        ++count;
        point += 1.0;
      }
    }
    // Rounding can leave the last point just past the total: take the most
    // likely positions not yet taken.
    for (int64_t i = 0; count < k && i < seq; ++i) {
      int64_t best = -1;
      for (int64_t t = 0; t < seq; ++t)
        if (!taken[t] && (best < 0 || pi[t] > pi[best]))
          best = t;
      taken[best] = 1;
      ++count;
    }
    int64_t j = 0;
    for (int64_t t = 0; t < seq; ++t)
      if (taken[t]) {
        positions[b * k + j] = static_cast<int32_t>(t);
        weights[b * k + j] = static_cast<float>(
            1.0 / (static_cast<double>(batch * seq) * pi[t]));
        ++j;
      }
  }
  return Status::success();
}

void selectLossTopk(const float *losses, int64_t batch, int64_t seq, int64_t k,
                    int32_t *positions, float *weights) {
  std::vector<int32_t> order(seq);
  for (int64_t b = 0; b < batch; ++b) {
    const float *row = losses + b * seq;
    for (int64_t t = 0; t < seq; ++t)
      order[t] = static_cast<int32_t>(t);
    std::stable_sort(order.begin(), order.end(),
                     [&](int32_t x, int32_t y) { return row[x] > row[y]; });
    std::sort(order.begin(), order.begin() + k);
    std::copy(order.begin(), order.begin() + k, positions + b * k);
  }
  equalWeights(batch, k, weights);
}

Status selectMask(const int32_t *mask, uint64_t seed, uint64_t step,
                  int64_t batch, int64_t seq, int64_t k, int32_t *positions,
                  float *weights, int64_t firstRow) {
  int64_t total = 0;
  for (int64_t i = 0; i < batch * seq; ++i) {
    if (mask[i] != 0 && mask[i] != 1)
      return Status::error("mask value " + std::to_string(mask[i]) +
                           " at row " + std::to_string(i / seq) +
                           ", position " + std::to_string(i % seq) +
                           " is not 0 or 1");
    total += mask[i];
  }
  std::vector<int32_t> marked;
  for (int64_t b = 0; b < batch; ++b) {
    marked.clear();
    for (int64_t t = 0; t < seq; ++t)
      if (mask[b * seq + t])
        marked.push_back(static_cast<int32_t>(t));
    const int64_t m = static_cast<int64_t>(marked.size());
    const int64_t n = std::min(m, k);
    if (m > k) {
      std::mt19937_64 rng = rowStream(seed, step, firstRow + b);
      partialShuffle(rng, marked, k);
      std::sort(marked.begin(), marked.begin() + k);
    }
    const float w =
        n ? static_cast<float>(static_cast<double>(m) / n / total) : 0.0f;
    for (int64_t j = 0; j < k; ++j) {
      positions[b * k + j] = j < n ? marked[j] : 0;
      weights[b * k + j] = j < n ? w : 0.0f;
    }
  }
  return Status::success();
}

const char *policyName(Policy policy) {
  switch (policy) {
  case Policy::Uniform:
    return "uniform";
  case Policy::Random:
    return "random";
  case Policy::Score:
    return "score";
  case Policy::Surprisal:
    return "surprisal";
  case Policy::LossTopk:
    return "loss-topk";
  case Policy::Mask:
    return "mask";
  }
  return "unknown";
}

bool parsePolicy(const std::string &name, Policy &policy) {
  for (Policy p : {Policy::Uniform, Policy::Random, Policy::Score,
                   Policy::Surprisal, Policy::LossTopk, Policy::Mask})
    if (name == policyName(p)) {
      policy = p;
      return true;
    }
  if (name != "topk-surprisal")
    return false;
  policy = Policy::Score;
  return true;
}

Status selectionMap(Policy policy, int64_t k, uint64_t seed, uint64_t step,
                    const int32_t *targets, const SelectionInputs &in,
                    int64_t batch, int64_t seq, std::vector<char> &chosen) {
  std::vector<int32_t> positions(batch * k);
  std::vector<float> weights(batch * k, 1.0f);
  Status st;
  switch (policy) {
  case Policy::Uniform:
    selectUniform(batch, seq, k, positions.data());
    break;
  case Policy::Random:
    selectRandom(seed, step, batch, seq, k, positions.data());
    break;
  case Policy::LossTopk:
    selectLossTopk(in.losses, batch, seq, k, positions.data(), weights.data());
    break;
  case Policy::Mask:
    st = selectMask(in.mask, seed, step, batch, seq, k, positions.data(),
                    weights.data());
    if (!st.ok())
      return Status::error("--sgt-mask: " + st.message);
    break;
  case Policy::Surprisal:
    st = selectSurprisal(targets, in.scores, in.vocab, seed, step, batch, seq,
                         k, positions.data(), weights.data());
    break;
  case Policy::Score:
    st = selectByScore(targets, in.scores, batch, seq, k, in.vocab,
                       positions.data());
    break;
  }
  if (!st.ok())
    return Status::error("selection: " + st.message);
  chosen.assign(batch * seq, 0);
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t j = 0; j < k; ++j)
      if (weights[b * k + j] != 0.0f)
        chosen[b * seq + positions[b * k + j]] = 1;
  return Status::success();
}

} // namespace cherry::runtime::sgt
