//===- reference-train.cpp - AdamW steps on the reference model -----------===//
//
// cherry-reference-train --model DIR --data FILE.bin --batch B --seq T
//     --steps N [--lr X] [--weight-decay W] [--beta1 B] [--beta2 B] [--eps E]
//     --out FILE.safetensors
//
// An independent training step for small models: the gradient of every
// weight by central finite differences of the reference loss (double
// precision, test/Reference), then torch.optim.AdamW's update written out in
// double (bias correction, eps after the square root, decoupled weight decay
// on weights of rank >= 2 only), weights kept in float32 between steps as a
// float32 trainer keeps them. Step s trains on batch s of the token file
// (the loader convention). Writes the weights after N steps. Costs two
// forward passes per weight per step: meant for models of a few thousand
// weights.
//
//===----------------------------------------------------------------------===//

#include "LlamaReference.h"

#include "cherry/Runtime/SafeTensors.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <vector>

using namespace cherry::reference;
namespace rt = cherry::runtime;

namespace {

[[noreturn]] void fail(const std::string &message) {
  std::fprintf(stderr, "cherry-reference-train: %s\n", message.c_str());
  std::exit(1);
}

double number(const std::string &flag, const std::string &text) {
  char *end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !std::isfinite(v))
    fail(flag + " must be a number, found \"" + text + "\"");
  return v;
}

} // namespace

int main(int argc, char **argv) {
  std::map<std::string, std::string> flags;
  for (int i = 1; i + 1 < argc; i += 2)
    flags[argv[i]] = argv[i + 1];
  for (const char *required :
       {"--model", "--data", "--batch", "--seq", "--steps", "--out"})
    if (!flags.count(required))
      fail(std::string(required) + " is required");
  auto get = [&](const char *flag, double def) {
    return flags.count(flag) ? number(flag, flags[flag]) : def;
  };
  const int64_t batch = static_cast<int64_t>(get("--batch", 0));
  const int64_t seq = static_cast<int64_t>(get("--seq", 0));
  const int64_t steps = static_cast<int64_t>(get("--steps", 0));
  const double lr = get("--lr", 1e-3), wd = get("--weight-decay", 0.01);
  const double beta1 = get("--beta1", 0.9), beta2 = get("--beta2", 0.999);
  const double eps = get("--eps", 1e-8);

  ReferenceConfig cfg;
  if (Status s = loadReferenceConfig(flags["--model"], cfg); !s.ok())
    fail(s.message);
  ReferenceWeights weights;
  if (Status s = ReferenceWeights::loadModelDir(flags["--model"], weights);
      !s.ok())
    fail(s.message);

  std::ifstream in(flags["--data"], std::ios::binary);
  std::vector<unsigned char> bytes((std::istreambuf_iterator<char>(in)),
                                   std::istreambuf_iterator<char>());
  const int64_t perBatch = batch * seq;
  if (static_cast<int64_t>(bytes.size() / 2) < steps * perBatch + 1)
    fail(flags["--data"] + ": too few tokens for " + std::to_string(steps) +
         " batches");
  auto token = [&](int64_t i) {
    return static_cast<int64_t>(bytes[2 * i] | (bytes[2 * i + 1] << 8));
  };

  // AdamW state, per weight, in double.
  std::map<std::string, std::vector<double>> m, v;
  for (auto &[name, t] : weights.tensors()) {
    m[name].assign(t.data.size(), 0.0);
    v[name].assign(t.data.size(), 0.0);
  }
  for (int64_t s = 0; s < steps; ++s) {
    std::vector<int64_t> ids(perBatch), targets(perBatch);
    for (int64_t i = 0; i < perBatch; ++i) {
      ids[i] = token(s * perBatch + i);
      targets[i] = token(s * perBatch + i + 1);
    }
    auto loss = [&] {
      return referenceMeanLoss(cfg, weights, ids, targets, batch, seq);
    };
    // The whole gradient first (at the weights of this step).
    std::map<std::string, std::vector<double>> grad;
    for (auto &[name, t] : weights.tensors()) {
      std::vector<double> &g = grad[name];
      g.resize(t.data.size());
      std::vector<float> &w = weights.findMutable(name)->data;
      for (size_t i = 0; i < w.size(); ++i) {
        const float x = w[i];
        const float up = x + 1e-3f, down = x - 1e-3f;
        w[i] = up;
        double plus = loss();
        w[i] = down;
        double minus = loss();
        w[i] = x;
        g[i] = (plus - minus) / (static_cast<double>(up) - down);
      }
    }
    // torch.optim.AdamW, step t = s + 1.
    const double t = static_cast<double>(s + 1);
    const double bc1 = 1 - std::pow(beta1, t), bc2 = 1 - std::pow(beta2, t);
    for (auto &[name, g] : grad) {
      ReferenceTensor *tensor = weights.findMutable(name);
      const bool decay = tensor->shape.size() >= 2;
      for (size_t i = 0; i < g.size(); ++i) {
        double p = tensor->data[i];
        if (decay)
          p *= 1 - lr * wd;
        m[name][i] = beta1 * m[name][i] + (1 - beta1) * g[i];
        v[name][i] = beta2 * v[name][i] + (1 - beta2) * g[i] * g[i];
        double denom = std::sqrt(v[name][i]) / std::sqrt(bc2) + eps;
        p -= lr / bc1 * m[name][i] / denom;
        tensor->data[i] = static_cast<float>(p);
      }
    }
    std::printf("step %lld: loss %.9g\n", static_cast<long long>(s + 1),
                referenceMeanLoss(cfg, weights, ids, targets, batch, seq));
  }

  std::vector<rt::TensorToWrite> out;
  for (auto &[name, t] : weights.tensors())
    out.push_back({name, rt::TensorDType::F32, t.shape, t.data.data()});
  if (rt::Status s = rt::writeSafeTensors(flags["--out"], out); !s.ok())
    fail(s.message);
  return 0;
}
