//===- LlamaReferenceTest.cpp - The independent Llama reference -----------===//
//
// The reference is what the runtime's losses are checked against, so its own
// tests compare it with numbers derived independently: closed forms worked
// out on paper for tiny models (derivations in the comments), exact
// identities (log(vocab) for zero logits, GQA = MHA with repeated kv heads,
// tied = untied with lm_head equal to the embeddings) and structural
// properties (causality, RoPE depending only on relative position).
//
//===----------------------------------------------------------------------===//

#include "LlamaReference.h"

#include "cherry/Runtime/SafeTensors.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

using namespace cherry::reference;
namespace fs = std::filesystem;

namespace {

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

ReferenceConfig smallConfig() {
  ReferenceConfig cfg;
  cfg.vocab = 11;
  cfg.hidden = 8;
  cfg.intermediate = 12;
  cfg.layers = 2;
  cfg.heads = 2;
  cfg.kvHeads = 1;
  cfg.eps = 1e-5;
  cfg.theta = 10000;
  cfg.tied = false;
  return cfg;
}

int64_t numel(const std::vector<int64_t> &shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

/// Every weight of `cfg` filled with `value`.
ReferenceWeights constantWeights(const ReferenceConfig &cfg, float value) {
  ReferenceWeights w;
  for (const auto &[name, shape] : referenceWeightShapes(cfg))
    w.set(name, shape, std::vector<float>(numel(shape), value));
  return w;
}

/// Random weights: matrices uniform in [-0.5, 0.5], norm weights around 1.
ReferenceWeights randomWeights(const ReferenceConfig &cfg, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> uniform(-0.5f, 0.5f);
  ReferenceWeights w;
  for (const auto &[name, shape] : referenceWeightShapes(cfg)) {
    std::vector<float> data(numel(shape));
    bool norm = shape.size() == 1;
    for (float &x : data)
      x = norm ? 1.0f + 0.5f * uniform(rng) : uniform(rng);
    w.set(name, shape, std::move(data));
  }
  return w;
}

std::vector<int64_t> randomTokens(int64_t count, int64_t vocab, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int64_t> pick(0, vocab - 1);
  std::vector<int64_t> ids(count);
  for (int64_t &id : ids)
    id = pick(rng);
  return ids;
}

void setWeight(ReferenceWeights &w, const std::string &name,
               std::vector<float> values) {
  ReferenceTensor *t = w.findMutable(name);
  ASSERT_NE(t, nullptr) << name;
  ASSERT_EQ(t->data.size(), values.size()) << name;
  t->data = std::move(values);
}

/// log(sum exp(l)) - l[target], written out directly.
double crossEntropy(const std::vector<double> &logits, int target) {
  double sum = 0;
  for (double l : logits)
    sum += std::exp(l);
  return std::log(sum) - logits[target];
}

//===----------------------------------------------------------------------===//
// The tiny hand model: vocab 4, hidden 2, one layer, one head of dim 2.
//
// Embeddings e0 = (1, 1), e1 = (1, -1), e2 = (-1, 1), e3 = (2, 2);
// lm_head rows w0 = (1, 0), w1 = (0, 1), w2 = (1, 1), w3 = (-1, -1).
// All attention and MLP weights start at zero and norm weights at one; each
// test sets what it exercises. With eps = 0, RMSNorm(x) = x / sqrt(mean(x^2)):
// every (+-1, +-1) embedding has mean square 1 and is its own norm, and
// RMSNorm(e3) = (2, 2) / 2 = (1, 1).
//===----------------------------------------------------------------------===//

ReferenceConfig handConfig() {
  ReferenceConfig cfg;
  cfg.vocab = 4;
  cfg.hidden = 2;
  cfg.intermediate = 2;
  cfg.layers = 1;
  cfg.heads = 1;
  cfg.kvHeads = 1;
  cfg.eps = 0;
  cfg.theta = 10000;
  cfg.tied = false;
  return cfg;
}

ReferenceWeights handWeights() {
  ReferenceConfig cfg = handConfig();
  ReferenceWeights w = constantWeights(cfg, 0.0f);
  setWeight(w, "model.embed_tokens.weight", {1, 1, 1, -1, -1, 1, 2, 2});
  setWeight(w, "lm_head.weight", {1, 0, 0, 1, 1, 1, -1, -1});
  for (const char *norm :
       {"model.layers.0.input_layernorm.weight",
        "model.layers.0.post_attention_layernorm.weight", "model.norm.weight"})
    setWeight(w, norm, {1, 1});
  return w;
}

/// Logits of the hand model's lm_head for a final hidden state (a, b).
std::vector<double> handLogits(double a, double b) {
  return {a, b, a + b, -a - b};
}

void expectLogits(const std::vector<double> &actual, size_t position,
                  const std::vector<double> &expected) {
  for (size_t j = 0; j < expected.size(); ++j)
    EXPECT_NEAR(actual[position * expected.size() + j], expected[j], 1e-12)
        << "position " << position << ", logit " << j;
}

//===----------------------------------------------------------------------===//
// Exact identities
//===----------------------------------------------------------------------===//

TEST(LlamaReference, ZeroWeightsGiveLogVocab) {
  // With every weight zero but the embeddings, the final norm (weight 0)
  // zeroes the hidden state, every logit is 0 and the loss of any target is
  // log(sum_j e^0) - 0 = log(vocab).
  for (bool tied : {false, true}) {
    ReferenceConfig cfg = smallConfig();
    cfg.tied = tied;
    ReferenceWeights w = constantWeights(cfg, 0.0f);
    ReferenceWeights random = randomWeights(cfg, 1);
    w.set("model.embed_tokens.weight",
          random.find("model.embed_tokens.weight")->shape,
          random.find("model.embed_tokens.weight")->data);
    std::vector<int64_t> ids = randomTokens(10, cfg.vocab, 2);
    std::vector<int64_t> targets = randomTokens(10, cfg.vocab, 3);
    double loss = referenceMeanLoss(cfg, w, ids, targets, 2, 5);
    EXPECT_DOUBLE_EQ(loss, std::log(11.0)) << "tied " << tied;
    for (double logit : referenceLogits(cfg, w, ids, 2, 5))
      EXPECT_EQ(logit, 0.0);
  }
}

TEST(LlamaReference, IgnoredTargetsAreNotScored) {
  ReferenceConfig cfg = smallConfig();
  ReferenceWeights w = randomWeights(cfg, 4);
  std::vector<int64_t> ids = randomTokens(6, cfg.vocab, 5);
  std::vector<int64_t> targets = randomTokens(6, cfg.vocab, 6);
  std::vector<double> all = referenceTokenLosses(cfg, w, ids, targets, 1, 6);
  targets[1] = targets[4] = kIgnoreIndex;
  std::vector<double> some = referenceTokenLosses(cfg, w, ids, targets, 1, 6);
  EXPECT_EQ(some[1], 0.0);
  EXPECT_EQ(some[4], 0.0);
  EXPECT_DOUBLE_EQ(referenceMeanLoss(cfg, w, ids, targets, 1, 6),
                   (all[0] + all[2] + all[3] + all[5]) / 4);
  std::vector<int64_t> none(6, kIgnoreIndex);
  EXPECT_TRUE(std::isnan(referenceMeanLoss(cfg, w, ids, none, 1, 6)));
}

//===----------------------------------------------------------------------===//
// Hand-computed models
//===----------------------------------------------------------------------===//

TEST(LlamaReference, HandComputedResidualOnly) {
  // Attention and MLP weights are zero, so both blocks add exactly 0 (v = 0;
  // silu(0) * 0 = 0) and the final hidden state is RMSNorm(e_id) * g with
  // final norm weight g = (2, 1):
  //   id 3: RMSNorm((2, 2)) = (1, 1)   -> (2, 1)  -> logits (2, 1, 3, -3)
  //   id 1: RMSNorm((1, -1)) = (1, -1) -> (2, -1) -> logits (2, -1, 1, -1)
  //   id 2: RMSNorm((-1, 1)) = (-1, 1) -> (-2, 1) -> logits (-2, 1, -1, 1)
  // ids (3, 1, 2) with targets (2, 0, -100):
  //   loss0 = log(e^2 + e^1 + e^3 + e^-3) - 3
  //   loss1 = log(e^2 + e^-1 + e^1 + e^-1) - 2
  //   mean  = (loss0 + loss1) / 2 (the third position is ignored).
  ReferenceConfig cfg = handConfig();
  ReferenceWeights w = handWeights();
  setWeight(w, "model.norm.weight", {2, 1});
  std::vector<int64_t> ids = {3, 1, 2}, targets = {2, 0, kIgnoreIndex};

  std::vector<double> logits = referenceLogits(cfg, w, ids, 1, 3);
  ASSERT_EQ(logits.size(), 12u);
  expectLogits(logits, 0, {2, 1, 3, -3});
  expectLogits(logits, 1, {2, -1, 1, -1});
  expectLogits(logits, 2, {-2, 1, -1, 1});

  double e = std::exp(1.0);
  double loss0 = std::log(e * e + e + e * e * e + 1 / (e * e * e)) - 3;
  double loss1 = std::log(e * e + 1 / e + e + 1 / e) - 2;
  std::vector<double> losses = referenceTokenLosses(cfg, w, ids, targets, 1, 3);
  EXPECT_NEAR(losses[0], loss0, 1e-12);
  EXPECT_NEAR(losses[1], loss1, 1e-12);
  EXPECT_EQ(losses[2], 0.0);
  EXPECT_NEAR(referenceMeanLoss(cfg, w, ids, targets, 1, 3),
              (loss0 + loss1) / 2, 1e-12);
}

TEST(LlamaReference, HandComputedEpsilonUnderTheRoot) {
  // eps = 3: RMSNorm((1, 1)) = (1, 1) / sqrt(1 + 3) = (0.5, 0.5), so the
  // logits of id 0 are (0.5, 0.5, 1, -1).
  ReferenceConfig cfg = handConfig();
  cfg.eps = 3;
  std::vector<double> logits = referenceLogits(cfg, handWeights(), {0}, 1, 1);
  expectLogits(logits, 0, {0.5, 0.5, 1, -1});
}

TEST(LlamaReference, HandComputedUniformAttention) {
  // Wq = Wk = 0 makes every score 0, so position t averages v over s <= t
  // (RoPE rotates zero vectors: no effect). Wv = Wo = I, MLP zero.
  //   ids (0, 1): n0 = e0 = (1, 1), n1 = e1 = (1, -1)
  //   t = 0: h = e0 + n0 = (2, 2)                    -> final (1, 1)
  //   t = 1: h = e1 + (n0 + n1) / 2 = (2, -1), mean square 5/2
  //                                         -> final (2, -1) / sqrt(5/2)
  ReferenceConfig cfg = handConfig();
  ReferenceWeights w = handWeights();
  setWeight(w, "model.layers.0.self_attn.v_proj.weight", {1, 0, 0, 1});
  setWeight(w, "model.layers.0.self_attn.o_proj.weight", {1, 0, 0, 1});
  std::vector<double> logits = referenceLogits(cfg, w, {0, 1}, 1, 2);
  expectLogits(logits, 0, handLogits(1, 1));
  double r = std::sqrt(2.5);
  expectLogits(logits, 1, handLogits(2 / r, -1 / r));
  EXPECT_NEAR(referenceMeanLoss(cfg, w, {0, 1}, {3, 2}, 1, 2),
              (crossEntropy(handLogits(1, 1), 3) +
               crossEntropy(handLogits(2 / r, -1 / r), 2)) /
                  2,
              1e-12);
}

TEST(LlamaReference, HandComputedRotaryAttention) {
  // Wq = Wk = Wv = Wo = I, MLP zero; head dim 2 so inv_freq = (1) and RoPE at
  // position p maps (x, y) to (x cos p - y sin p, y cos p + x sin p).
  //   ids (0, 1): n0 = (1, 1), n1 = (1, -1)
  //   t = 0: attends only to itself: h = e0 + n0 = (2, 2) -> final (1, 1)
  //   t = 1: q1 = k1 = R(1) n1 = (cos 1 + sin 1, sin 1 - cos 1), k0 = n0
  //     score(1, 0) = q1 . k0 / sqrt(2) = 2 sin(1) / sqrt(2) = sqrt(2) sin 1
  //     score(1, 1) = |n1|^2 / sqrt(2) = sqrt(2)
  //     p0, p1 = softmax of those; attention = p0 n0 + p1 n1 = (1, p0 - p1)
  //     h = e1 + (1, p0 - p1) = (2, p0 - p1 - 1) = (2, y)
  //     final = (2, y) / sqrt((4 + y^2) / 2)
  ReferenceConfig cfg = handConfig();
  ReferenceWeights w = handWeights();
  for (const char *proj : {"q_proj", "k_proj", "v_proj", "o_proj"})
    setWeight(w, std::string("model.layers.0.self_attn.") + proj + ".weight",
              {1, 0, 0, 1});
  std::vector<double> logits = referenceLogits(cfg, w, {0, 1}, 1, 2);
  expectLogits(logits, 0, handLogits(1, 1));

  double s10 = std::sqrt(2.0) * std::sin(1.0), s11 = std::sqrt(2.0);
  double p0 = std::exp(s10) / (std::exp(s10) + std::exp(s11));
  double y = p0 - (1 - p0) - 1;
  double r = std::sqrt((4 + y * y) / 2);
  expectLogits(logits, 1, handLogits(2 / r, y / r));
}

TEST(LlamaReference, HandComputedMlp) {
  // Attention zero; gate = up = down = I: the MLP adds silu(n) * n with
  // silu(x) = x / (1 + e^-x). For id 1, n = (1, -1):
  //   silu(1) * 1 = 1 / (1 + e^-1), silu(-1) * -1 = 1 / (1 + e)
  //   h = (1 + 1 / (1 + e^-1), -1 + 1 / (1 + e)) = (a, b)
  //   final = (a, b) / sqrt((a^2 + b^2) / 2)
  ReferenceConfig cfg = handConfig();
  ReferenceWeights w = handWeights();
  for (const char *proj : {"gate_proj", "up_proj", "down_proj"})
    setWeight(w, std::string("model.layers.0.mlp.") + proj + ".weight",
              {1, 0, 0, 1});
  double e = std::exp(1.0);
  double a = 1 + 1 / (1 + 1 / e), b = -1 + 1 / (1 + e);
  double r = std::sqrt((a * a + b * b) / 2);
  expectLogits(referenceLogits(cfg, w, {1}, 1, 1), 0, handLogits(a / r, b / r));
}

TEST(LlamaReference, HandComputedGreedyGeneration) {
  // The residual-only model above: the next token depends on the last one
  // only (logits from HandComputedResidualOnly, plus id 0 -> (2, 1) ->
  // logits (2, 1, 3, -3)). From 3: argmax (2, 1, 3, -3) = 2; from 2:
  // (-2, 1, -1, 1) ties 1 and 3, the lowest id wins: 1; from 1:
  // (2, -1, 1, -1) -> 0; from 0: -> 2.
  ReferenceConfig cfg = handConfig();
  ReferenceWeights w = handWeights();
  setWeight(w, "model.norm.weight", {2, 1});
  EXPECT_EQ(referenceGreedyGenerate(cfg, w, {3}, 4),
            (std::vector<int64_t>{2, 1, 0, 2}));
}

//===----------------------------------------------------------------------===//
// RoPE and RMSNorm building blocks
//===----------------------------------------------------------------------===//

TEST(LlamaReference, RopeIsRotateHalf) {
  // Head dim 4, theta 100: inv_freq = (1, 100^(-2/4)) = (1, 0.1), and pairs
  // are (x0, x2) and (x1, x3) (rotate-half), not (x0, x1) (interleaved).
  double p = 7;
  double x[4] = {1, 0, 0, 0};
  referenceRope(x, 4, 7, 100);
  EXPECT_NEAR(x[0], std::cos(p), 1e-15);
  EXPECT_NEAR(x[1], 0, 1e-15);
  EXPECT_NEAR(x[2], std::sin(p), 1e-15);
  EXPECT_NEAR(x[3], 0, 1e-15);
  double y[4] = {0, 1, 0, 2};
  referenceRope(y, 4, 7, 100);
  EXPECT_NEAR(y[0], 0, 1e-15);
  EXPECT_NEAR(y[1], std::cos(0.1 * p) - 2 * std::sin(0.1 * p), 1e-14);
  EXPECT_NEAR(y[2], 0, 1e-15);
  EXPECT_NEAR(y[3], 2 * std::cos(0.1 * p) + std::sin(0.1 * p), 1e-14);
  double z[4] = {1, 2, 3, 4};
  referenceRope(z, 4, 0, 100);
  EXPECT_EQ(z[0], 1);
  EXPECT_EQ(z[3], 4);
}

TEST(LlamaReference, RopeScoresDependOnRelativePosition) {
  // q = Wq n and k = Wk n for one hidden vector n; after RoPE,
  // q_t . k_s = q^T R(t)^T R(s) k = q^T R(s - t) k: the score of (t, t - 1)
  // is the same at every t, and differs from that of (t, t - 2).
  const int64_t d = 8;
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> uniform(-1, 1);
  double wq[d][d], wk[d][d], n[d];
  for (int64_t i = 0; i < d; ++i) {
    n[i] = uniform(rng);
    for (int64_t j = 0; j < d; ++j) {
      wq[i][j] = uniform(rng);
      wk[i][j] = uniform(rng);
    }
  }
  auto project = [&](double (*w)[d], int64_t pos, std::vector<double> &out) {
    out.assign(d, 0);
    for (int64_t i = 0; i < d; ++i)
      for (int64_t j = 0; j < d; ++j)
        out[i] += w[i][j] * n[j];
    referenceRope(out.data(), d, pos, 10);
  };
  auto score = [&](int64_t t, int64_t s) {
    std::vector<double> q, k;
    project(wq, t, q);
    project(wk, s, k);
    double sum = 0;
    for (int64_t i = 0; i < d; ++i)
      sum += q[i] * k[i];
    return sum / std::sqrt(static_cast<double>(d));
  };
  double first = score(1, 0);
  for (int64_t t = 2; t < 40; ++t)
    EXPECT_NEAR(score(t, t - 1), first, 1e-12) << "t = " << t;
  EXPECT_GT(std::abs(score(5, 3) - first), 1e-3);
}

TEST(LlamaReference, RmsNormClosedForm) {
  // x = (3, 4): mean square 12.5; eps 0.5 -> scale 1 / sqrt(13) = 1 / 3.6...;
  // weights (1, -2).
  double x[2] = {3, 4}, out[2];
  float weight[2] = {1, -2};
  referenceRmsNorm(x, weight, 2, 0.5, out);
  EXPECT_NEAR(out[0], 3 / std::sqrt(13.0), 1e-15);
  EXPECT_NEAR(out[1], -8 / std::sqrt(13.0), 1e-15);
}

//===----------------------------------------------------------------------===//
// Structural properties
//===----------------------------------------------------------------------===//

TEST(LlamaReference, CausalAndRowsIndependent) {
  // Changing token 3 of row 0 changes nothing before position 3 in row 0 and
  // nothing at all in row 1.
  ReferenceConfig cfg = smallConfig();
  ReferenceWeights w = randomWeights(cfg, 8);
  const int64_t batch = 2, seq = 6;
  std::vector<int64_t> ids = randomTokens(batch * seq, cfg.vocab, 9);
  std::vector<int64_t> targets = randomTokens(batch * seq, cfg.vocab, 10);
  std::vector<double> before =
      referenceTokenLosses(cfg, w, ids, targets, batch, seq);
  ids[3] = (ids[3] + 1) % cfg.vocab;
  std::vector<double> after =
      referenceTokenLosses(cfg, w, ids, targets, batch, seq);
  for (int64_t t = 0; t < 3; ++t)
    EXPECT_EQ(after[t], before[t]) << "row 0, position " << t;
  for (int64_t t = 3; t < seq; ++t)
    EXPECT_NE(after[t], before[t]) << "row 0, position " << t;
  for (int64_t t = 0; t < seq; ++t)
    EXPECT_EQ(after[seq + t], before[seq + t]) << "row 1, position " << t;

  // Row 1 alone gives the same losses as inside the batch.
  std::vector<int64_t> row1(ids.begin() + seq, ids.end());
  std::vector<int64_t> targets1(targets.begin() + seq, targets.end());
  std::vector<double> alone =
      referenceTokenLosses(cfg, w, row1, targets1, 1, seq);
  for (int64_t t = 0; t < seq; ++t)
    EXPECT_DOUBLE_EQ(alone[t], before[seq + t]);
}

/// An MHA copy of a GQA model: kv head j's rows of k_proj and v_proj placed
/// at every query head h that reads it, j = mapping(h).
ReferenceWeights
expandKvHeads(const ReferenceConfig &gqa, const ReferenceWeights &w,
              int64_t (*mapping)(int64_t h, int64_t heads, int64_t kvHeads)) {
  ReferenceWeights out = w;
  int64_t d = gqa.hidden / gqa.heads;
  for (int64_t layer = 0; layer < gqa.layers; ++layer)
    for (const char *proj : {"k_proj", "v_proj"}) {
      std::string name = "model.layers." + std::to_string(layer) +
                         ".self_attn." + proj + ".weight";
      const ReferenceTensor &src = *w.find(name);
      std::vector<float> data;
      for (int64_t h = 0; h < gqa.heads; ++h) {
        int64_t j = mapping(h, gqa.heads, gqa.kvHeads);
        data.insert(data.end(), src.data.begin() + j * d * gqa.hidden,
                    src.data.begin() + (j + 1) * d * gqa.hidden);
      }
      out.set(name, {gqa.heads * d, gqa.hidden}, std::move(data));
    }
  return out;
}

TEST(LlamaReference, GqaEqualsMhaWithRepeatedKvHeads) {
  // Query head h reads kv head h / (H / K) (Hugging Face's repeat_kv): the
  // MHA model whose kv heads are [k0, k0, k0, k1, k1, k1] gives the same
  // loss. The tiled layout [k0, k1, k0, k1, k0, k1] does not.
  ReferenceConfig gqa = smallConfig();
  gqa.hidden = 12;
  gqa.heads = 6;
  gqa.kvHeads = 2;
  ReferenceWeights w = randomWeights(gqa, 11);
  ReferenceConfig mha = gqa;
  mha.kvHeads = gqa.heads;
  std::vector<int64_t> ids = randomTokens(10, gqa.vocab, 12);
  std::vector<int64_t> targets = randomTokens(10, gqa.vocab, 13);

  double loss = referenceMeanLoss(gqa, w, ids, targets, 2, 5);
  ReferenceWeights repeated =
      expandKvHeads(gqa, w, [](int64_t h, int64_t heads, int64_t kv) {
        return h / (heads / kv);
      });
  EXPECT_NEAR(referenceMeanLoss(mha, repeated, ids, targets, 2, 5), loss,
              1e-12 * loss);
  ReferenceWeights tiled = expandKvHeads(
      gqa, w, [](int64_t h, int64_t, int64_t kv) { return h % kv; });
  EXPECT_GT(std::abs(referenceMeanLoss(mha, tiled, ids, targets, 2, 5) - loss),
            1e-6);
}

TEST(LlamaReference, TiedEqualsUntiedWithCopiedHead) {
  ReferenceConfig tied = smallConfig();
  tied.tied = true;
  ReferenceWeights w = randomWeights(tied, 14);
  std::vector<int64_t> ids = randomTokens(10, tied.vocab, 15);
  std::vector<int64_t> targets = randomTokens(10, tied.vocab, 16);
  double loss = referenceMeanLoss(tied, w, ids, targets, 2, 5);

  ReferenceConfig untied = tied;
  untied.tied = false;
  ReferenceWeights copy = w;
  const ReferenceTensor &embed = *w.find("model.embed_tokens.weight");
  copy.set("lm_head.weight", embed.shape, embed.data);
  EXPECT_DOUBLE_EQ(referenceMeanLoss(untied, copy, ids, targets, 2, 5), loss);

  // A tied model ignores a stray lm_head.weight; an untied one reads it.
  ReferenceWeights stray = w;
  stray.set("lm_head.weight", embed.shape,
            randomWeights(untied, 17).find("lm_head.weight")->data);
  EXPECT_DOUBLE_EQ(referenceMeanLoss(tied, stray, ids, targets, 2, 5), loss);
  EXPECT_GT(
      std::abs(referenceMeanLoss(untied, stray, ids, targets, 2, 5) - loss),
      1e-6);
}

TEST(LlamaReference, ThreadCountDoesNotChangeResults) {
  ReferenceConfig cfg = smallConfig();
  cfg.hidden = 64;
  cfg.intermediate = 96;
  cfg.heads = 4;
  cfg.kvHeads = 2;
  cfg.vocab = 300;
  ReferenceWeights w = randomWeights(cfg, 18);
  std::vector<int64_t> ids = randomTokens(4 * 32, cfg.vocab, 19);
  std::vector<int64_t> targets = randomTokens(4 * 32, cfg.vocab, 20);
  setReferenceThreads(1);
  std::vector<double> one = referenceTokenLosses(cfg, w, ids, targets, 4, 32);
  setReferenceThreads(3);
  std::vector<double> three = referenceTokenLosses(cfg, w, ids, targets, 4, 32);
  setReferenceThreads(0);
  EXPECT_EQ(one, three);
}

//===----------------------------------------------------------------------===//
// Config and weights
//===----------------------------------------------------------------------===//

TEST(LlamaReferenceConfig, HuggingFaceDefaults) {
  ReferenceConfig cfg;
  ASSERT_TRUE(parseReferenceConfig("{}", cfg).ok());
  EXPECT_EQ(cfg.vocab, 32000);
  EXPECT_EQ(cfg.hidden, 4096);
  EXPECT_EQ(cfg.intermediate, 11008);
  EXPECT_EQ(cfg.layers, 32);
  EXPECT_EQ(cfg.heads, 32);
  EXPECT_EQ(cfg.kvHeads, 32);
  EXPECT_EQ(cfg.resolvedHeadDim(), 128);
  EXPECT_EQ(cfg.eps, 1e-6);
  EXPECT_EQ(cfg.theta, 10000.0);
  EXPECT_FALSE(cfg.tied);

  // num_key_value_heads absent or null follows num_attention_heads.
  ASSERT_TRUE(parseReferenceConfig(R"({"hidden_size": 64,
      "num_attention_heads": 8, "num_key_value_heads": null})",
                                   cfg)
                  .ok());
  EXPECT_EQ(cfg.kvHeads, 8);
  EXPECT_EQ(cfg.resolvedHeadDim(), 8);
}

TEST(LlamaReferenceConfig, ReadsEveryField) {
  ReferenceConfig cfg;
  Status s = parseReferenceConfig(R"({
    "architectures": ["LlamaForCausalLM"], "model_type": "llama",
    "vocab_size": 2048, "hidden_size": 256, "intermediate_size": 688,
    "num_hidden_layers": 4, "num_attention_heads": 8,
    "num_key_value_heads": 4, "hidden_act": "silu", "rms_norm_eps": 1e-05,
    "rope_theta": 500000.0, "rope_scaling": null, "attention_bias": false,
    "mlp_bias": false, "tie_word_embeddings": true,
    "cherry": {"batch": 8, "seq": 128}})",
                                  cfg);
  ASSERT_TRUE(s.ok()) << s.message;
  EXPECT_EQ(cfg.vocab, 2048);
  EXPECT_EQ(cfg.hidden, 256);
  EXPECT_EQ(cfg.intermediate, 688);
  EXPECT_EQ(cfg.layers, 4);
  EXPECT_EQ(cfg.heads, 8);
  EXPECT_EQ(cfg.kvHeads, 4);
  EXPECT_EQ(cfg.resolvedHeadDim(), 32);
  EXPECT_EQ(cfg.eps, 1e-5);
  EXPECT_EQ(cfg.theta, 500000.0);
  EXPECT_TRUE(cfg.tied);

  // Newer configs keep theta under rope_parameters.
  s = parseReferenceConfig(
      R"({"rope_parameters": {"rope_type": "default", "rope_theta": 1e6}})",
      cfg);
  ASSERT_TRUE(s.ok()) << s.message;
  EXPECT_EQ(cfg.theta, 1e6);
}

TEST(LlamaReferenceConfig, RejectsWhatItDoesNotImplement) {
  struct Case {
    const char *json;
    const char *mentions;
  } cases[] = {
      {"not json", "not valid JSON"},
      {"[1]", "not a JSON object"},
      {R"({"model_type": "mistral"})", "model_type"},
      {R"({"hidden_act": "gelu"})", "hidden_act"},
      {R"({"attention_bias": true})", "attention_bias"},
      {R"({"mlp_bias": true})", "mlp_bias"},
      {R"({"rope_scaling": {"rope_type": "linear", "factor": 2.0}})",
       "rope_scaling"},
      {R"({"rope_parameters": {"rope_type": "llama3"}})", "rope_parameters"},
      {R"({"num_attention_heads": 6, "num_key_value_heads": 4})",
       "num_key_value_heads"},
      {R"({"hidden_size": 100, "num_attention_heads": 3})",
       "does not divide hidden_size"},
      {R"({"vocab_size": 0})", "vocab_size"},
      {R"({"vocab_size": "big"})", "vocab_size"},
      {R"({"tie_word_embeddings": 1})", "tie_word_embeddings"},
      {R"({"hidden_size": 6, "num_attention_heads": 2})", "odd"},
  };
  for (const Case &c : cases) {
    ReferenceConfig cfg;
    Status s = parseReferenceConfig(c.json, cfg);
    EXPECT_FALSE(s.ok()) << c.json;
    EXPECT_NE(s.message.find(c.mentions), std::string::npos)
        << c.json << " -> " << s.message;
    EXPECT_EQ(s.message.find('\n'), std::string::npos) << s.message;
  }
}

TEST(LlamaReferenceWeights, HuggingFaceNamesAndShapes) {
  ReferenceConfig cfg = handConfig();
  cfg.hidden = 8;
  cfg.heads = 4;
  cfg.kvHeads = 2;
  cfg.intermediate = 5;
  cfg.vocab = 9;
  using Shapes = std::vector<std::pair<std::string, std::vector<int64_t>>>;
  Shapes expected = {
      {"model.embed_tokens.weight", {9, 8}},
      {"model.layers.0.self_attn.q_proj.weight", {8, 8}},
      {"model.layers.0.self_attn.k_proj.weight", {4, 8}},
      {"model.layers.0.self_attn.v_proj.weight", {4, 8}},
      {"model.layers.0.self_attn.o_proj.weight", {8, 8}},
      {"model.layers.0.mlp.gate_proj.weight", {5, 8}},
      {"model.layers.0.mlp.up_proj.weight", {5, 8}},
      {"model.layers.0.mlp.down_proj.weight", {8, 5}},
      {"model.layers.0.input_layernorm.weight", {8}},
      {"model.layers.0.post_attention_layernorm.weight", {8}},
      {"model.norm.weight", {8}},
      {"lm_head.weight", {9, 8}},
  };
  EXPECT_EQ(referenceWeightShapes(cfg), expected);
  cfg.tied = true;
  expected.pop_back();
  EXPECT_EQ(referenceWeightShapes(cfg), expected);
}

TEST(LlamaReferenceWeights, ValidationNamesTheTensor) {
  ReferenceConfig cfg = smallConfig();
  ReferenceWeights w = randomWeights(cfg, 21);
  EXPECT_TRUE(validateReferenceWeights(cfg, w).ok());

  ReferenceWeights missing = w;
  missing.erase("model.layers.1.mlp.up_proj.weight");
  Status s = validateReferenceWeights(cfg, missing);
  EXPECT_NE(s.message.find("missing weight \"model.layers.1.mlp.up_proj"),
            std::string::npos)
      << s.message;

  ReferenceWeights wrong = w;
  wrong.set("model.norm.weight", {4}, std::vector<float>(4, 1));
  s = validateReferenceWeights(cfg, wrong);
  EXPECT_NE(s.message.find("\"model.norm.weight\" has shape [4], expected [8]"),
            std::string::npos)
      << s.message;

  std::vector<int64_t> ids = {0, 1, 11}, targets = {1, -100, -1};
  s = checkReferenceInputs(cfg, w, ids, &targets, 1, 3);
  EXPECT_NE(s.message.find("token id 11 at position 2"), std::string::npos)
      << s.message;
  ids[2] = 10;
  s = checkReferenceInputs(cfg, w, ids, &targets, 1, 3);
  EXPECT_NE(s.message.find("target -1 at position 2"), std::string::npos)
      << s.message;
  s = checkReferenceInputs(cfg, w, ids, nullptr, 2, 3);
  EXPECT_NE(s.message.find("batch * seq is 6"), std::string::npos) << s.message;
}

//===----------------------------------------------------------------------===//
// Model directories and the CLI
//===----------------------------------------------------------------------===//

class ModelDirTest : public ::testing::Test {
protected:
  void SetUp() override {
    std::string pattern =
        (fs::temp_directory_path() / "cherry-reference-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir = pattern;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }

  /// Writes config.json and model.safetensors for `cfg` and `w`.
  void writeModel(const fs::path &modelDir, const ReferenceConfig &cfg,
                  const ReferenceWeights &w) {
    fs::create_directories(modelDir);
    std::ofstream(modelDir / "config.json")
        << "{\"model_type\": \"llama\", \"vocab_size\": " << cfg.vocab
        << ", \"hidden_size\": " << cfg.hidden
        << ", \"intermediate_size\": " << cfg.intermediate
        << ", \"num_hidden_layers\": " << cfg.layers
        << ", \"num_attention_heads\": " << cfg.heads
        << ", \"num_key_value_heads\": " << cfg.kvHeads
        << ", \"rms_norm_eps\": " << cfg.eps
        << ", \"rope_theta\": " << cfg.theta
        << ", \"tie_word_embeddings\": " << (cfg.tied ? "true" : "false")
        << "}\n";
    std::vector<cherry::runtime::TensorToWrite> tensors;
    for (const auto &[name, t] : w.tensors())
      tensors.push_back(
          {name, cherry::runtime::TensorDType::F32, t.shape, t.data.data()});
    Status s = cherry::runtime::writeSafeTensors(
        (modelDir / "model.safetensors").string(), tensors);
    ASSERT_TRUE(s.ok()) << s.message;
  }

  /// Writes `tokens` as little-endian uint16, byte by byte.
  void writeTokens(const fs::path &file, const std::vector<int64_t> &tokens) {
    std::ofstream out(file, std::ios::binary);
    for (int64_t t : tokens) {
      out.put(static_cast<char>(t & 0xff));
      out.put(static_cast<char>((t >> 8) & 0xff));
    }
  }

  struct Run {
    int status;
    std::string out, err;
  };
  Run runEval(const std::string &args) {
    fs::path out = dir / "stdout", err = dir / "stderr";
    std::string command = std::string(CHERRY_REFERENCE_EVAL) + " " + args +
                          " >" + out.string() + " 2>" + err.string();
    int raw = std::system(command.c_str());
    auto slurp = [](const fs::path &p) {
      std::ifstream in(p);
      std::stringstream s;
      s << in.rdbuf();
      return s.str();
    };
    return {WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, slurp(out), slurp(err)};
  }

  fs::path dir;
};

TEST_F(ModelDirTest, LoadsConfigAndSafetensors) {
  ReferenceConfig cfg = smallConfig();
  cfg.eps = 1e-5;
  ReferenceWeights w = randomWeights(cfg, 22);
  writeModel(dir / "model", cfg, w);

  ReferenceConfig loadedCfg;
  Status s = loadReferenceConfig((dir / "model").string(), loadedCfg);
  ASSERT_TRUE(s.ok()) << s.message;
  EXPECT_EQ(loadedCfg.kvHeads, 1);
  EXPECT_EQ(loadedCfg.eps, 1e-5);
  ReferenceWeights loaded;
  s = ReferenceWeights::loadModelDir((dir / "model").string(), loaded);
  ASSERT_TRUE(s.ok()) << s.message;
  ASSERT_TRUE(validateReferenceWeights(loadedCfg, loaded).ok());
  EXPECT_EQ(loaded.find("model.layers.1.mlp.down_proj.weight")->data,
            w.find("model.layers.1.mlp.down_proj.weight")->data);

  std::vector<int64_t> ids = randomTokens(8, cfg.vocab, 23);
  std::vector<int64_t> targets = randomTokens(8, cfg.vocab, 24);
  EXPECT_EQ(referenceMeanLoss(loadedCfg, loaded, ids, targets, 2, 4),
            referenceMeanLoss(cfg, w, ids, targets, 2, 4));

  fs::create_directories(dir / "empty");
  s = ReferenceWeights::loadModelDir((dir / "empty").string(), loaded);
  EXPECT_NE(s.message.find("no model.safetensors"), std::string::npos)
      << s.message;
  s = loadReferenceConfig((dir / "empty").string(), loadedCfg);
  EXPECT_NE(s.message.find("config.json: cannot read"), std::string::npos)
      << s.message;
}

TEST_F(ModelDirTest, EvalCliFollowsTheLoaderConvention) {
  ReferenceConfig cfg = smallConfig();
  ReferenceWeights w = randomWeights(cfg, 25);
  writeModel(dir / "model", cfg, w);
  // Two batches of 2x3 need 2*6 + 1 = 13 tokens; two more are never read.
  std::vector<int64_t> tokens = randomTokens(15, cfg.vocab, 26);
  writeTokens(dir / "data.bin", tokens);

  // Batch k: inputs tokens[6k .. 6k+6), targets tokens[6k+1 .. 6k+7).
  double expected = 0;
  for (int k = 0; k < 2; ++k) {
    std::vector<int64_t> ids(tokens.begin() + 6 * k,
                             tokens.begin() + 6 * k + 6);
    std::vector<int64_t> targets(tokens.begin() + 6 * k + 1,
                                 tokens.begin() + 6 * k + 7);
    expected += referenceMeanLoss(cfg, w, ids, targets, 2, 3) / 2;
  }

  std::string common = "--model " + (dir / "model").string() + " --data " +
                       (dir / "data.bin").string() + " --batch 2 --seq 3";
  Run run = runEval(common + " --batches 2");
  ASSERT_EQ(run.status, 0) << run.err;
  EXPECT_NEAR(std::stod(run.out), expected, 1e-8 * expected) << run.out;

  // Three batches need 19 tokens: a one-line error and status 1.
  run = runEval(common + " --batches 3");
  EXPECT_EQ(run.status, 1);
  EXPECT_NE(run.err.find("holds 15 tokens"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("need 19"), std::string::npos) << run.err;
  EXPECT_EQ(run.err.find('\n'), run.err.size() - 1) << run.err;

  // A model directory without weights.
  fs::create_directories(dir / "noweights");
  fs::copy_file(dir / "model" / "config.json",
                dir / "noweights" / "config.json");
  run = runEval("--model " + (dir / "noweights").string() + " --data " +
                (dir / "data.bin").string() + " --batch 2 --seq 3 --batches 1");
  EXPECT_EQ(run.status, 1);
  EXPECT_NE(run.err.find("missing weights"), std::string::npos) << run.err;

  // Token ids beyond the vocabulary.
  tokens[4] = 500;
  writeTokens(dir / "data.bin", tokens);
  run = runEval(common + " --batches 1");
  EXPECT_EQ(run.status, 1);
  EXPECT_NE(run.err.find("token id 500"), std::string::npos) << run.err;
}

} // namespace
