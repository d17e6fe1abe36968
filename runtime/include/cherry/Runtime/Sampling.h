//===- Sampling.h - Pick the next token from logits -------------*- C++ -*-===//
//
// Greedy and temperature / top-k sampling with a seeded, reproducible
// random stream (the same seed gives the same tokens on every machine: no
// std:: distributions, whose results are implementation-defined).
//
//===----------------------------------------------------------------------===//

#ifndef CHERRY_RUNTIME_SAMPLING_H
#define CHERRY_RUNTIME_SAMPLING_H

#include <cstdint>
#include <random>

namespace cherry::runtime {

struct SamplingOptions {
  /// 0 picks the most likely token (greedy); otherwise logits are divided
  /// by the temperature before the softmax.
  double temperature = 0.0;
  /// Sample among the k most likely tokens only; 0 means all.
  int64_t topK = 0;
};

class Sampler {
public:
  explicit Sampler(uint64_t seed) : engine(seed) {}

  /// The next token for `logits` (`vocab` entries). Ties go to the lowest
  /// id. Non-finite logits are never picked unless all are.
  int32_t sample(const float *logits, int64_t vocab,
                 const SamplingOptions &options);

  /// A uniform double in [0, 1) from the engine (53 random bits).
  double uniform() { return (engine() >> 11) * 0x1.0p-53; }

private:
  std::mt19937_64 engine;
};

} // namespace cherry::runtime

#endif // CHERRY_RUNTIME_SAMPLING_H
