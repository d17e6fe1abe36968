//===- LlamaReference.cpp - Independent Llama forward pass ----------------===//
//
// Deliberately plain: one loop nest per operation, activations in double,
// weights read as float32 and widened per multiply. The only concession to
// speed is running independent rows on several threads (each output value is
// still computed by one thread, in a fixed order, so results do not depend on
// the thread count) and four partial sums in the dot product.
//
//===----------------------------------------------------------------------===//

#include "LlamaReference.h"

#include "cherry/Runtime/SafeTensors.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <sstream>
#include <thread>

using namespace cherry::reference;
using cherry::runtime::SafeTensors;
using cherry::runtime::TensorView;
using json = nlohmann::json;

namespace {

std::atomic<int> threadSetting{0};

//===----------------------------------------------------------------------===//
// Config parsing
//===----------------------------------------------------------------------===//

bool present(const json &object, const char *key) {
  auto it = object.find(key);
  return it != object.end() && !it->is_null();
}

/// Reads an optional positive integer; leaves `out` alone when absent/null.
Status readPositiveInt(const json &object, const char *key, int64_t &out) {
  if (!present(object, key))
    return Status::success();
  const json &value = object.at(key);
  if (!value.is_number_integer() || value.get<int64_t>() <= 0)
    return Status::error(std::string("config.json: \"") + key +
                         "\" must be a positive integer, found " +
                         value.dump());
  out = value.get<int64_t>();
  return Status::success();
}

Status readPositiveNumber(const json &object, const char *key, double &out) {
  if (!present(object, key))
    return Status::success();
  const json &value = object.at(key);
  if (!value.is_number() || !(value.get<double>() > 0))
    return Status::error(std::string("config.json: \"") + key +
                         "\" must be a positive number, found " + value.dump());
  out = value.get<double>();
  return Status::success();
}

Status readBool(const json &object, const char *key, bool &out) {
  if (!present(object, key))
    return Status::success();
  const json &value = object.at(key);
  if (!value.is_boolean())
    return Status::error(std::string("config.json: \"") + key +
                         "\" must be true or false, found " + value.dump());
  out = value.get<bool>();
  return Status::success();
}

Status unsupported(const char *key, const json &value, const char *why) {
  return Status::error(std::string("config.json: \"") + key + "\" is " +
                       value.dump() + "; the reference supports " + why);
}

/// A rope_scaling / rope_parameters object is fine when it asks for the
/// default (unscaled) rotary embeddings.
bool isDefaultRope(const json &value) {
  for (const char *key : {"rope_type", "type"})
    if (present(value, key) &&
        !(value.at(key).is_string() && value.at(key) == "default"))
      return false;
  return true;
}

//===----------------------------------------------------------------------===//
// Numerics
//===----------------------------------------------------------------------===//

int threadCount() {
  int setting = threadSetting.load();
  if (setting > 0)
    return setting;
  unsigned hw = std::thread::hardware_concurrency();
  return hw ? static_cast<int>(std::min(hw, 64u)) : 1;
}

/// Calls fn(begin, end) on contiguous chunks of [0, n), on several threads
/// when the work (n * costPerItem multiply-adds) is worth it.
void parallelFor(int64_t n, double costPerItem,
                 const std::function<void(int64_t, int64_t)> &fn) {
  int64_t threads = threadCount();
  if (n * costPerItem < 2e5)
    threads = 1;
  threads = std::min<int64_t>(threads, n);
  if (threads <= 1) {
    fn(0, n);
    return;
  }
  std::vector<std::thread> pool;
  int64_t chunk = (n + threads - 1) / threads;
  for (int64_t begin = 0; begin < n; begin += chunk)
    pool.emplace_back(fn, begin, std::min(n, begin + chunk));
  for (std::thread &t : pool)
    t.join();
}

/// sum_i x[i] * w[i] in double.
double dot(const double *x, const float *w, int64_t n) {
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    s0 += x[i] * static_cast<double>(w[i]);
    s1 += x[i + 1] * static_cast<double>(w[i + 1]);
    s2 += x[i + 2] * static_cast<double>(w[i + 2]);
    s3 += x[i + 3] * static_cast<double>(w[i + 3]);
  }
  for (; i < n; ++i)
    s0 += x[i] * static_cast<double>(w[i]);
  return (s0 + s1) + (s2 + s3);
}

double dot(const double *x, const double *y, int64_t n) {
  double s = 0;
  for (int64_t i = 0; i < n; ++i)
    s += x[i] * y[i];
  return s;
}

/// y[r, o] = sum_i x[r, i] * W[o, i] for W of shape [out, in].
std::vector<double> linear(const std::vector<double> &x, int64_t rows,
                           int64_t in, const ReferenceTensor &weight,
                           int64_t out) {
  std::vector<double> y(rows * out);
  const float *w = weight.data.data();
  parallelFor(rows, static_cast<double>(in * out),
              [&](int64_t begin, int64_t end) {
                for (int64_t r = begin; r < end; ++r)
                  for (int64_t o = 0; o < out; ++o)
                    y[r * out + o] = dot(&x[r * in], w + o * in, in);
              });
  return y;
}

std::vector<double> rmsNormRows(const std::vector<double> &x, int64_t rows,
                                int64_t dim, const ReferenceTensor &weight,
                                double eps) {
  std::vector<double> y(rows * dim);
  for (int64_t r = 0; r < rows; ++r)
    referenceRmsNorm(&x[r * dim], weight.data.data(), dim, eps, &y[r * dim]);
  return y;
}

double silu(double x) { return x / (1.0 + std::exp(-x)); }

/// log(sum_j exp(l[j])), shifted by the maximum.
double logSumExp(const double *logits, int64_t n) {
  double m = -std::numeric_limits<double>::infinity();
  for (int64_t j = 0; j < n; ++j)
    m = std::max(m, logits[j]);
  double s = 0;
  for (int64_t j = 0; j < n; ++j)
    s += std::exp(logits[j] - m);
  return m + std::log(s);
}

/// y = x W_eff^T for W_eff = W + scale * B A (B: [out, r], A: [r, in]),
/// the effective weight formed in double first.
std::vector<double> loraLinear(const std::vector<double> &x, int64_t rows,
                               int64_t in, const ReferenceTensor &weight,
                               const ReferenceTensor &a,
                               const ReferenceTensor &b, double scale,
                               int64_t out) {
  const int64_t rank = a.shape[0];
  std::vector<double> eff(out * in);
  for (int64_t o = 0; o < out; ++o)
    for (int64_t i = 0; i < in; ++i) {
      double delta = 0;
      for (int64_t k = 0; k < rank; ++k)
        delta += static_cast<double>(b.data[o * rank + k]) *
                 static_cast<double>(a.data[k * in + i]);
      eff[o * in + i] =
          static_cast<double>(weight.data[o * in + i]) + scale * delta;
    }
  std::vector<double> y(rows * out);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t o = 0; o < out; ++o)
      y[r * out + o] = dot(&x[r * in], &eff[o * in], in);
  return y;
}

void requireValid(const Status &status) {
  if (status.ok())
    return;
  std::fprintf(stderr, "cherry-reference: %s\n", status.message.c_str());
  std::abort();
}

const ReferenceTensor &weightOf(const ReferenceWeights &weights,
                                const std::string &name) {
  const ReferenceTensor *t = weights.find(name);
  requireValid(t ? Status::success()
                 : Status::error("missing weight \"" + name + "\""));
  return *t;
}

const ReferenceTensor &headWeight(const ReferenceConfig &cfg,
                                  const ReferenceWeights &weights) {
  return weightOf(weights,
                  cfg.tied ? "model.embed_tokens.weight" : "lm_head.weight");
}

/// Causal attention for one layer. q: [B*T, H*d], k and v: [B*T, K*d] with
/// RoPE already applied to q and k. Returns [B*T, H*d].
std::vector<double> attention(const ReferenceConfig &cfg,
                              const std::vector<double> &q,
                              const std::vector<double> &k,
                              const std::vector<double> &v, int64_t batch,
                              int64_t seq) {
  int64_t heads = cfg.heads, kvHeads = cfg.kvHeads;
  int64_t d = cfg.resolvedHeadDim();
  int64_t group = heads / kvHeads;
  int64_t qWidth = heads * d, kvWidth = kvHeads * d;
  double scale = 1.0 / std::sqrt(static_cast<double>(d));
  std::vector<double> out(batch * seq * qWidth);
  // One item per (row b, head h, query position t).
  parallelFor(batch * heads * seq, static_cast<double>(seq * d),
              [&](int64_t begin, int64_t end) {
                std::vector<double> p(seq);
                for (int64_t item = begin; item < end; ++item) {
                  int64_t t = item % seq;
                  int64_t h = (item / seq) % heads;
                  int64_t b = item / (seq * heads);
                  int64_t kvh = h / group;
                  const double *qt = &q[(b * seq + t) * qWidth + h * d];
                  double m = -std::numeric_limits<double>::infinity();
                  for (int64_t s = 0; s <= t; ++s) {
                    p[s] = dot(qt, &k[(b * seq + s) * kvWidth + kvh * d], d) *
                           scale;
                    m = std::max(m, p[s]);
                  }
                  double total = 0;
                  for (int64_t s = 0; s <= t; ++s) {
                    p[s] = std::exp(p[s] - m);
                    total += p[s];
                  }
                  double *o = &out[(b * seq + t) * qWidth + h * d];
                  for (int64_t s = 0; s <= t; ++s) {
                    const double *vs = &v[(b * seq + s) * kvWidth + kvh * d];
                    for (int64_t i = 0; i < d; ++i)
                      o[i] += p[s] / total * vs[i];
                  }
                }
              });
  return out;
}

/// The routed MLP of one layer on `n` ([rows, hidden]): its output, and its
/// router losses added to `routerLoss`.
std::vector<double> routedMlp(const ReferenceConfig &cfg,
                              const ReferenceWeights &weights,
                              const std::string &prefix,
                              const std::vector<double> &n, int64_t rows,
                              double &routerLoss) {
  const int64_t hidden = cfg.hidden, inter = cfg.intermediate;
  const int64_t experts = cfg.experts, k = cfg.topK;
  const ReferenceTensor &router = weightOf(weights, prefix + "router.weight");
  const ReferenceTensor &gate =
      weightOf(weights, prefix + "experts.gate_proj.weight");
  const ReferenceTensor &up =
      weightOf(weights, prefix + "experts.up_proj.weight");
  const ReferenceTensor &down =
      weightOf(weights, prefix + "experts.down_proj.weight");
  std::vector<double> out(rows * hidden, 0.0);
  std::vector<double> slots(experts, 0.0), meanProb(experts, 0.0);
  double zSum = 0;
  for (int64_t r = 0; r < rows; ++r) {
    const double *x = &n[r * hidden];
    std::vector<double> z(experts);
    for (int64_t e = 0; e < experts; ++e) {
      double acc = 0;
      for (int64_t i = 0; i < hidden; ++i)
        acc += static_cast<double>(router.data[e * hidden + i]) * x[i];
      z[e] = acc;
    }
    double lse = logSumExp(z.data(), experts);
    zSum += lse * lse;
    std::vector<double> p(experts);
    for (int64_t e = 0; e < experts; ++e) {
      p[e] = std::exp(z[e] - lse);
      meanProb[e] += p[e] / static_cast<double>(rows);
    }
    // Experts by decreasing logit, ties to the lower index.
    std::vector<int64_t> order(experts);
    for (int64_t e = 0; e < experts; ++e)
      order[e] = e;
    std::stable_sort(order.begin(), order.end(),
                     [&](int64_t a, int64_t b) { return z[a] > z[b]; });
    double chosen = 0;
    for (int64_t j = 0; j < k; ++j)
      chosen += p[order[j]];
    for (int64_t j = 0; j < k; ++j) {
      const int64_t e = order[j];
      slots[e] += 1;
      const double g = cfg.renormalize ? p[e] / chosen : p[e];
      std::vector<double> act(inter);
      for (int64_t o = 0; o < inter; ++o) {
        double a = 0, b = 0;
        for (int64_t i = 0; i < hidden; ++i) {
          a += static_cast<double>(gate.data[(e * inter + o) * hidden + i]) *
               x[i];
          b +=
              static_cast<double>(up.data[(e * inter + o) * hidden + i]) * x[i];
        }
        act[o] = silu(a) * b;
      }
      for (int64_t o = 0; o < hidden; ++o) {
        double y = 0;
        for (int64_t i = 0; i < inter; ++i)
          y += static_cast<double>(down.data[(e * hidden + o) * inter + i]) *
               act[i];
        out[r * hidden + o] += g * y;
      }
    }
  }
  double balance = 0;
  for (int64_t e = 0; e < experts; ++e)
    balance += slots[e] / static_cast<double>(rows * k) * meanProb[e];
  routerLoss += cfg.balanceCoeff * static_cast<double>(experts) * balance +
                cfg.zCoeff * zSum / static_cast<double>(rows);
  return out;
}

/// The hidden states after the final norm: [batch*seq, hidden]; the router
/// losses of a mixture are added to `routerLoss` when given.
std::vector<double> finalHidden(const ReferenceConfig &cfg,
                                const ReferenceWeights &weights,
                                const std::vector<int64_t> &ids, int64_t batch,
                                int64_t seq, double *routerLoss = nullptr) {
  double unusedRouterLoss = 0;
  if (!routerLoss)
    routerLoss = &unusedRouterLoss;
  int64_t rows = batch * seq, hidden = cfg.hidden, d = cfg.resolvedHeadDim();
  int64_t qWidth = cfg.heads * d, kvWidth = cfg.kvHeads * d;
  int64_t inter = cfg.intermediate;

  const ReferenceTensor &embed = weightOf(weights, "model.embed_tokens.weight");
  std::vector<double> h(rows * hidden);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t i = 0; i < hidden; ++i)
      h[r * hidden + i] = embed.data[ids[r] * hidden + i];

  const int64_t steps = cfg.schedule.empty()
                            ? cfg.layers
                            : static_cast<int64_t>(cfg.schedule.size());
  for (int64_t step = 0; step < steps; ++step) {
    const int64_t layer = cfg.schedule.empty() ? step : cfg.schedule[step];
    std::string prefix = "model.layers." + std::to_string(layer) + ".";
    std::string stepPrefix =
        "model.recurrent.steps." + std::to_string(step) + ".";
    auto w = [&](const char *name) -> const ReferenceTensor & {
      return weightOf(weights, prefix + name);
    };
    auto gain = [&](const char *name) -> const ReferenceTensor & {
      return weightOf(weights, (cfg.stepNorms ? stepPrefix : prefix) + name);
    };
    // A projection ("self_attn.q_proj") of this step.
    auto linear = [&](const std::vector<double> &x, int64_t rows, int64_t in,
                      const std::string &module, int64_t out) {
      const ReferenceTensor &weight = w((module + ".weight").c_str());
      if (cfg.loraRank == 0)
        return ::linear(x, rows, in, weight, out);
      return loraLinear(
          x, rows, in, weight,
          weightOf(weights, stepPrefix + module + ".lora_A.weight"),
          weightOf(weights, stepPrefix + module + ".lora_B.weight"),
          cfg.loraAlpha / static_cast<double>(cfg.loraRank), out);
    };

    // Attention block.
    std::vector<double> n =
        rmsNormRows(h, rows, hidden, gain("input_layernorm.weight"), cfg.eps);
    std::vector<double> q = linear(n, rows, hidden, "self_attn.q_proj", qWidth);
    std::vector<double> k =
        linear(n, rows, hidden, "self_attn.k_proj", kvWidth);
    std::vector<double> v =
        linear(n, rows, hidden, "self_attn.v_proj", kvWidth);
    for (int64_t r = 0; r < rows; ++r) {
      int64_t pos = r % seq;
      for (int64_t hd = 0; hd < cfg.heads; ++hd)
        referenceRope(&q[r * qWidth + hd * d], d, pos, cfg.theta);
      for (int64_t hd = 0; hd < cfg.kvHeads; ++hd)
        referenceRope(&k[r * kvWidth + hd * d], d, pos, cfg.theta);
    }
    std::vector<double> a = attention(cfg, q, k, v, batch, seq);
    std::vector<double> o = linear(a, rows, qWidth, "self_attn.o_proj", hidden);
    for (int64_t i = 0; i < rows * hidden; ++i)
      h[i] += o[i];

    // MLP block.
    n = rmsNormRows(h, rows, hidden, gain("post_attention_layernorm.weight"),
                    cfg.eps);
    if (cfg.experts > 0) {
      std::vector<double> down =
          routedMlp(cfg, weights, prefix + "mlp.", n, rows, *routerLoss);
      for (int64_t i = 0; i < rows * hidden; ++i)
        h[i] += down[i];
      continue;
    }
    std::vector<double> gate = linear(n, rows, hidden, "mlp.gate_proj", inter);
    std::vector<double> up = linear(n, rows, hidden, "mlp.up_proj", inter);
    for (int64_t i = 0; i < rows * inter; ++i)
      gate[i] = silu(gate[i]) * up[i];
    std::vector<double> down =
        linear(gate, rows, inter, "mlp.down_proj", hidden);
    for (int64_t i = 0; i < rows * hidden; ++i)
      h[i] += down[i];
  }

  return rmsNormRows(h, rows, hidden, weightOf(weights, "model.norm.weight"),
                     cfg.eps);
}

} // namespace

/// Reads "cherry": {"recurrent": {...}} when present.
static Status parseRecurrence(const json &object, ReferenceConfig &cfg) {
  if (!present(object, "cherry") || !object.at("cherry").is_object() ||
      !present(object.at("cherry"), "recurrent"))
    return Status::success();
  const json &rec = object.at("cherry").at("recurrent");
  auto bad = [](const std::string &key, const std::string &what) {
    return Status::error("config.json: \"cherry.recurrent." + key +
                         "\" must be " + what);
  };
  if (!rec.is_object() || !rec.contains("schedule") ||
      !rec.at("schedule").is_array() || rec.at("schedule").empty())
    return bad("schedule", "a non-empty list of layer positions");
  for (const json &entry : rec.at("schedule")) {
    if (!entry.is_number_integer() || entry.get<int64_t>() < 0 ||
        entry.get<int64_t>() >= cfg.layers)
      return bad("schedule", "a list of layers in [0, num_hidden_layers)");
    cfg.schedule.push_back(entry.get<int64_t>());
  }
  if (rec.contains("step_norms")) {
    if (!rec.at("step_norms").is_boolean())
      return bad("step_norms", "true or false");
    cfg.stepNorms = rec.at("step_norms").get<bool>();
  }
  if (rec.contains("lora_rank")) {
    if (!rec.at("lora_rank").is_number_integer() ||
        rec.at("lora_rank").get<int64_t>() < 0)
      return bad("lora_rank", "an integer >= 0");
    cfg.loraRank = rec.at("lora_rank").get<int64_t>();
  }
  if (rec.contains("lora_alpha")) {
    if (!rec.at("lora_alpha").is_number() ||
        !std::isfinite(rec.at("lora_alpha").get<double>()))
      return bad("lora_alpha", "a number");
    cfg.loraAlpha = rec.at("lora_alpha").get<double>();
  }
  return Status::success();
}

/// Reads "cherry": {"moee": {...}} when present.
static Status parseMoee(const json &object, ReferenceConfig &cfg) {
  if (!present(object, "cherry") || !object.at("cherry").is_object() ||
      !present(object.at("cherry"), "moee"))
    return Status::success();
  const json &moe = object.at("cherry").at("moee");
  auto bad = [](const std::string &key, const std::string &what) {
    return Status::error("config.json: \"cherry.moee." + key + "\" must be " +
                         what);
  };
  if (!moe.is_object() || !moe.contains("experts") ||
      !moe.at("experts").is_number_integer() ||
      moe.at("experts").get<int64_t>() < 1)
    return bad("experts", "an integer >= 1");
  cfg.experts = moe.at("experts").get<int64_t>();
  if (!moe.contains("top_k") || !moe.at("top_k").is_number_integer() ||
      moe.at("top_k").get<int64_t>() < 1 ||
      moe.at("top_k").get<int64_t>() > cfg.experts)
    return bad("top_k", "an integer in [1, experts]");
  cfg.topK = moe.at("top_k").get<int64_t>();
  if (moe.contains("routing") && moe.at("routing") != "token")
    return bad("routing", "\"token\" (the only routing implemented)");
  if (moe.contains("renormalize")) {
    if (!moe.at("renormalize").is_boolean())
      return bad("renormalize", "true or false");
    cfg.renormalize = moe.at("renormalize").get<bool>();
  }
  for (auto [key, slot] :
       {std::pair<const char *, double *>{"balance_coeff", &cfg.balanceCoeff},
        {"z_coeff", &cfg.zCoeff}})
    if (moe.contains(key)) {
      if (!moe.at(key).is_number() ||
          !std::isfinite(moe.at(key).get<double>()) ||
          moe.at(key).get<double>() < 0)
        return bad(key, "a number >= 0");
      *slot = moe.at(key).get<double>();
    }
  return Status::success();
}

//===----------------------------------------------------------------------===//
// Config
//===----------------------------------------------------------------------===//

Status cherry::reference::parseReferenceConfig(const std::string &jsonText,
                                               ReferenceConfig &out) {
  json object = json::parse(jsonText, nullptr, /*allow_exceptions=*/false);
  if (object.is_discarded())
    return Status::error("config.json: not valid JSON");
  if (!object.is_object())
    return Status::error("config.json: not a JSON object");

  if (present(object, "model_type") && object.at("model_type") != "llama")
    return Status::error("config.json: \"model_type\" must be \"llama\", "
                         "found " +
                         object.at("model_type").dump());
  if (present(object, "hidden_act") && object.at("hidden_act") != "silu")
    return unsupported("hidden_act", object.at("hidden_act"), "only \"silu\"");
  for (const char *key : {"attention_bias", "mlp_bias"})
    if (present(object, key) && object.at(key) != false)
      return unsupported(key, object.at(key), "no projection biases");
  if (present(object, "rope_scaling") &&
      !(object.at("rope_scaling").is_object() &&
        isDefaultRope(object.at("rope_scaling"))))
    return unsupported("rope_scaling", object.at("rope_scaling"),
                       "only unscaled rotary embeddings");

  ReferenceConfig cfg;
  Status status;
  auto read = [&](Status s) {
    if (status.ok())
      status = std::move(s);
  };
  read(readPositiveInt(object, "vocab_size", cfg.vocab));
  read(readPositiveInt(object, "hidden_size", cfg.hidden));
  read(readPositiveInt(object, "intermediate_size", cfg.intermediate));
  read(readPositiveInt(object, "num_hidden_layers", cfg.layers));
  read(readPositiveInt(object, "num_attention_heads", cfg.heads));
  cfg.kvHeads = cfg.heads;
  read(readPositiveInt(object, "num_key_value_heads", cfg.kvHeads));
  read(readPositiveInt(object, "head_dim", cfg.headDim));
  read(readPositiveNumber(object, "rms_norm_eps", cfg.eps));
  read(readPositiveNumber(object, "rope_theta", cfg.theta));
  read(readBool(object, "tie_word_embeddings", cfg.tied));
  if (!status.ok())
    return status;
  if (Status s = parseRecurrence(object, cfg); !s.ok())
    return s;
  if (Status s = parseMoee(object, cfg); !s.ok())
    return s;

  if (present(object, "rope_parameters")) {
    const json &rope = object.at("rope_parameters");
    if (!rope.is_object() || !isDefaultRope(rope))
      return unsupported("rope_parameters", rope,
                         "only default (unscaled) rotary embeddings");
    if (Status s = readPositiveNumber(rope, "rope_theta", cfg.theta); !s.ok())
      return Status::error("config.json: in \"rope_parameters\": " +
                           s.message.substr(sizeof("config.json: ") - 1));
  }

  if (Status s = validateReferenceConfig(cfg); !s.ok())
    return Status::error("config.json: " + s.message);
  out = cfg;
  return Status::success();
}

Status cherry::reference::loadReferenceConfig(const std::string &path,
                                              ReferenceConfig &out) {
  std::filesystem::path file = path;
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec))
    file /= "config.json";
  std::ifstream in(file, std::ios::binary);
  if (!in)
    return Status::error(file.string() + ": cannot read");
  std::stringstream text;
  text << in.rdbuf();
  Status status = parseReferenceConfig(text.str(), out);
  if (!status.ok())
    return Status::error(file.string() + ": " +
                         status.message.substr(sizeof("config.json: ") - 1));
  return status;
}

Status cherry::reference::validateReferenceConfig(const ReferenceConfig &cfg) {
  struct {
    const char *name;
    int64_t value;
  } sizes[] = {{"vocab_size", cfg.vocab},
               {"hidden_size", cfg.hidden},
               {"intermediate_size", cfg.intermediate},
               {"num_hidden_layers", cfg.layers},
               {"num_attention_heads", cfg.heads},
               {"num_key_value_heads", cfg.kvHeads}};
  for (const auto &size : sizes)
    if (size.value <= 0)
      return Status::error(std::string(size.name) + " must be positive, is " +
                           std::to_string(size.value));
  if (cfg.heads % cfg.kvHeads)
    return Status::error("num_key_value_heads (" + std::to_string(cfg.kvHeads) +
                         ") does not divide num_attention_heads (" +
                         std::to_string(cfg.heads) + ")");
  if (cfg.headDim < 0)
    return Status::error("head_dim must be positive, is " +
                         std::to_string(cfg.headDim));
  if (!cfg.headDim && cfg.hidden % cfg.heads)
    return Status::error("num_attention_heads (" + std::to_string(cfg.heads) +
                         ") does not divide hidden_size (" +
                         std::to_string(cfg.hidden) + ") and no head_dim");
  if (cfg.resolvedHeadDim() % 2)
    return Status::error("head_dim " + std::to_string(cfg.resolvedHeadDim()) +
                         " is odd; rotary embeddings need an even one");
  if (!(cfg.eps >= 0) || !std::isfinite(cfg.eps))
    return Status::error("rms_norm_eps must be finite and non-negative");
  if (!(cfg.theta > 0) || !std::isfinite(cfg.theta))
    return Status::error("rope_theta must be finite and positive");
  return Status::success();
}

//===----------------------------------------------------------------------===//
// Weights
//===----------------------------------------------------------------------===//

void ReferenceWeights::set(const std::string &name, std::vector<int64_t> shape,
                           std::vector<float> data) {
  tensors_[name] = ReferenceTensor{std::move(shape), std::move(data)};
}

const ReferenceTensor *ReferenceWeights::find(const std::string &name) const {
  auto it = tensors_.find(name);
  return it == tensors_.end() ? nullptr : &it->second;
}

ReferenceTensor *ReferenceWeights::findMutable(const std::string &name) {
  auto it = tensors_.find(name);
  return it == tensors_.end() ? nullptr : &it->second;
}

Status ReferenceWeights::loadModelDir(const std::string &dir,
                                      ReferenceWeights &out) {
  SafeTensors file;
  bool found = false;
  if (Status s = SafeTensors::openModelDir(dir, file, found); !s.ok())
    return s;
  if (!found)
    return Status::error(dir +
                         ": no model.safetensors or "
                         "model.safetensors.index.json (missing weights)");
  ReferenceWeights loaded;
  for (const TensorView &view : file.tensors()) {
    ReferenceTensor tensor;
    tensor.shape = view.shape;
    tensor.data.resize(view.numElements());
    view.toFloat32(tensor.data.data());
    loaded.tensors_[view.name] = std::move(tensor);
  }
  out = std::move(loaded);
  return Status::success();
}

std::vector<std::pair<std::string, std::vector<int64_t>>>
cherry::reference::referenceWeightShapes(const ReferenceConfig &cfg) {
  int64_t d = cfg.resolvedHeadDim();
  int64_t hidden = cfg.hidden, inter = cfg.intermediate;
  int64_t qWidth = cfg.heads * d, kvWidth = cfg.kvHeads * d;
  std::vector<std::pair<std::string, std::vector<int64_t>>> shapes;
  shapes.push_back({"model.embed_tokens.weight", {cfg.vocab, hidden}});
  for (int64_t layer = 0; layer < cfg.layers; ++layer) {
    std::string p = "model.layers." + std::to_string(layer) + ".";
    shapes.push_back({p + "self_attn.q_proj.weight", {qWidth, hidden}});
    shapes.push_back({p + "self_attn.k_proj.weight", {kvWidth, hidden}});
    shapes.push_back({p + "self_attn.v_proj.weight", {kvWidth, hidden}});
    shapes.push_back({p + "self_attn.o_proj.weight", {hidden, qWidth}});
    if (cfg.experts > 0) {
      const int64_t e = cfg.experts;
      shapes.push_back({p + "mlp.router.weight", {e, hidden}});
      shapes.push_back(
          {p + "mlp.experts.gate_proj.weight", {e, inter, hidden}});
      shapes.push_back({p + "mlp.experts.up_proj.weight", {e, inter, hidden}});
      shapes.push_back(
          {p + "mlp.experts.down_proj.weight", {e, hidden, inter}});
    } else {
      shapes.push_back({p + "mlp.gate_proj.weight", {inter, hidden}});
      shapes.push_back({p + "mlp.up_proj.weight", {inter, hidden}});
      shapes.push_back({p + "mlp.down_proj.weight", {hidden, inter}});
    }
    shapes.push_back({p + "input_layernorm.weight", {hidden}});
    shapes.push_back({p + "post_attention_layernorm.weight", {hidden}});
  }
  for (int64_t step = 0; step < static_cast<int64_t>(cfg.schedule.size());
       ++step) {
    std::string p = "model.recurrent.steps." + std::to_string(step) + ".";
    if (cfg.stepNorms) {
      shapes.push_back({p + "input_layernorm.weight", {hidden}});
      shapes.push_back({p + "post_attention_layernorm.weight", {hidden}});
    }
    if (cfg.loraRank == 0)
      continue;
    const int64_t r = cfg.loraRank;
    const struct {
      const char *module;
      int64_t out, in;
    } projections[] = {{"self_attn.q_proj", qWidth, hidden},
                       {"self_attn.k_proj", kvWidth, hidden},
                       {"self_attn.v_proj", kvWidth, hidden},
                       {"self_attn.o_proj", hidden, qWidth},
                       {"mlp.gate_proj", inter, hidden},
                       {"mlp.up_proj", inter, hidden},
                       {"mlp.down_proj", hidden, inter}};
    for (const auto &proj : projections) {
      shapes.push_back({p + proj.module + ".lora_A.weight", {r, proj.in}});
      shapes.push_back({p + proj.module + ".lora_B.weight", {proj.out, r}});
    }
  }
  shapes.push_back({"model.norm.weight", {hidden}});
  if (!cfg.tied)
    shapes.push_back({"lm_head.weight", {cfg.vocab, hidden}});
  return shapes;
}

static std::string shapeString(const std::vector<int64_t> &shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

Status
cherry::reference::validateReferenceWeights(const ReferenceConfig &cfg,
                                            const ReferenceWeights &weights) {
  if (Status s = validateReferenceConfig(cfg); !s.ok())
    return s;
  for (const auto &[name, shape] : referenceWeightShapes(cfg)) {
    const ReferenceTensor *t = weights.find(name);
    if (!t)
      return Status::error("missing weight \"" + name + "\" (expected shape " +
                           shapeString(shape) + ")");
    if (t->shape != shape)
      return Status::error("weight \"" + name + "\" has shape " +
                           shapeString(t->shape) + ", expected " +
                           shapeString(shape));
    int64_t count = 1;
    for (int64_t dim : shape)
      count *= dim;
    if (static_cast<int64_t>(t->data.size()) != count)
      return Status::error("weight \"" + name + "\" holds " +
                           std::to_string(t->data.size()) + " values, its " +
                           "shape " + shapeString(shape) + " needs " +
                           std::to_string(count));
  }
  return Status::success();
}

Status cherry::reference::checkReferenceInputs(
    const ReferenceConfig &cfg, const ReferenceWeights &weights,
    const std::vector<int64_t> &ids, const std::vector<int64_t> *targets,
    int64_t batch, int64_t seq) {
  if (Status s = validateReferenceWeights(cfg, weights); !s.ok())
    return s;
  if (batch <= 0 || seq <= 0)
    return Status::error("batch (" + std::to_string(batch) + ") and seq (" +
                         std::to_string(seq) + ") must be positive");
  size_t count = static_cast<size_t>(batch * seq);
  if (ids.size() != count)
    return Status::error("ids hold " + std::to_string(ids.size()) +
                         " tokens, batch * seq is " + std::to_string(count));
  for (size_t i = 0; i < count; ++i)
    if (ids[i] < 0 || ids[i] >= cfg.vocab)
      return Status::error("token id " + std::to_string(ids[i]) +
                           " at position " + std::to_string(i) +
                           " is outside the vocabulary [0, " +
                           std::to_string(cfg.vocab) + ")");
  if (!targets)
    return Status::success();
  if (targets->size() != count)
    return Status::error("targets hold " + std::to_string(targets->size()) +
                         " tokens, batch * seq is " + std::to_string(count));
  for (size_t i = 0; i < count; ++i) {
    int64_t t = (*targets)[i];
    if (t != kIgnoreIndex && (t < 0 || t >= cfg.vocab))
      return Status::error("target " + std::to_string(t) + " at position " +
                           std::to_string(i) +
                           " is outside the vocabulary [0, " +
                           std::to_string(cfg.vocab) + ") and not -100");
  }
  return Status::success();
}

//===----------------------------------------------------------------------===//
// Forward
//===----------------------------------------------------------------------===//

std::vector<double> cherry::reference::referenceLogits(
    const ReferenceConfig &cfg, const ReferenceWeights &weights,
    const std::vector<int64_t> &ids, int64_t batch, int64_t seq) {
  requireValid(checkReferenceInputs(cfg, weights, ids, nullptr, batch, seq));
  std::vector<double> h = finalHidden(cfg, weights, ids, batch, seq);
  return linear(h, batch * seq, cfg.hidden, headWeight(cfg, weights),
                cfg.vocab);
}

double cherry::reference::referenceRouterLoss(const ReferenceConfig &cfg,
                                              const ReferenceWeights &weights,
                                              const std::vector<int64_t> &ids,
                                              int64_t batch, int64_t seq) {
  requireValid(checkReferenceInputs(cfg, weights, ids, nullptr, batch, seq));
  double routerLoss = 0;
  (void)finalHidden(cfg, weights, ids, batch, seq, &routerLoss);
  return routerLoss;
}

std::vector<double> cherry::reference::referenceTokenLosses(
    const ReferenceConfig &cfg, const ReferenceWeights &weights,
    const std::vector<int64_t> &ids, const std::vector<int64_t> &targets,
    int64_t batch, int64_t seq) {
  requireValid(checkReferenceInputs(cfg, weights, ids, &targets, batch, seq));
  std::vector<double> h = finalHidden(cfg, weights, ids, batch, seq);
  const float *head = headWeight(cfg, weights).data.data();
  int64_t rows = batch * seq, hidden = cfg.hidden, vocab = cfg.vocab;
  std::vector<double> losses(rows, 0.0);
  // Row by row, so that the [rows, vocab] logits are never all held at once.
  parallelFor(rows, static_cast<double>(hidden * vocab),
              [&](int64_t begin, int64_t end) {
                std::vector<double> logits(vocab);
                for (int64_t r = begin; r < end; ++r) {
                  if (targets[r] == kIgnoreIndex)
                    continue;
                  for (int64_t j = 0; j < vocab; ++j)
                    logits[j] = dot(&h[r * hidden], head + j * hidden, hidden);
                  losses[r] =
                      logSumExp(logits.data(), vocab) - logits[targets[r]];
                }
              });
  return losses;
}

double cherry::reference::referenceMeanLoss(const ReferenceConfig &cfg,
                                            const ReferenceWeights &weights,
                                            const std::vector<int64_t> &ids,
                                            const std::vector<int64_t> &targets,
                                            int64_t batch, int64_t seq) {
  std::vector<double> losses =
      referenceTokenLosses(cfg, weights, ids, targets, batch, seq);
  double sum = 0;
  int64_t counted = 0;
  for (size_t i = 0; i < losses.size(); ++i) {
    if (targets[i] == kIgnoreIndex)
      continue;
    sum += losses[i];
    ++counted;
  }
  return counted ? sum / static_cast<double>(counted)
                 : std::numeric_limits<double>::quiet_NaN();
}

std::vector<int64_t> cherry::reference::referenceGreedyGenerate(
    const ReferenceConfig &cfg, const ReferenceWeights &weights,
    const std::vector<int64_t> &prompt, int64_t steps) {
  std::vector<int64_t> tokens = prompt;
  requireValid(checkReferenceInputs(cfg, weights, tokens, nullptr, 1,
                                    static_cast<int64_t>(tokens.size())));
  const float *head = headWeight(cfg, weights).data.data();
  int64_t hidden = cfg.hidden;
  std::vector<int64_t> generated;
  for (int64_t step = 0; step < steps; ++step) {
    int64_t seq = static_cast<int64_t>(tokens.size());
    std::vector<double> h = finalHidden(cfg, weights, tokens, 1, seq);
    const double *last = &h[(seq - 1) * hidden];
    int64_t best = 0;
    double bestLogit = -std::numeric_limits<double>::infinity();
    for (int64_t j = 0; j < cfg.vocab; ++j) {
      double logit = dot(last, head + j * hidden, hidden);
      if (logit > bestLogit) {
        bestLogit = logit;
        best = j;
      }
    }
    tokens.push_back(best);
    generated.push_back(best);
  }
  return generated;
}

//===----------------------------------------------------------------------===//
// Building blocks
//===----------------------------------------------------------------------===//

void cherry::reference::referenceRmsNorm(const double *x, const float *weight,
                                         int64_t dim, double eps, double *out) {
  double sumSquares = 0;
  for (int64_t i = 0; i < dim; ++i)
    sumSquares += x[i] * x[i];
  double inv = 1.0 / std::sqrt(sumSquares / static_cast<double>(dim) + eps);
  for (int64_t i = 0; i < dim; ++i)
    out[i] = x[i] * inv * static_cast<double>(weight[i]);
}

void cherry::reference::referenceRope(double *x, int64_t headDim, int64_t pos,
                                      double theta) {
  int64_t half = headDim / 2;
  for (int64_t i = 0; i < half; ++i) {
    double invFreq = 1.0 / std::pow(theta, static_cast<double>(2 * i) /
                                               static_cast<double>(headDim));
    double angle = static_cast<double>(pos) * invFreq;
    double c = std::cos(angle), s = std::sin(angle);
    double x1 = x[i], x2 = x[i + half];
    x[i] = x1 * c - x2 * s;
    x[i + half] = x2 * c + x1 * s;
  }
}

void cherry::reference::setReferenceThreads(int threads) {
  threadSetting.store(threads > 0 ? threads : 0);
}
