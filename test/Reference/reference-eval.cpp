//===- reference-eval.cpp - Loss of a Llama model dir on a token file -----===//
//
// cherry-reference-eval --model DIR --data FILE.bin --batch B --seq T
//                       --batches K [--threads N] [--shift K] [--objective]
// cherry-reference-eval --model DIR --prompt-ids 1,2,3 --generate N
//
// Evaluates the independent reference forward pass on the first K batches of
// a flat little-endian uint16 token file, with the data loader's convention:
// batch k reads tokens [k*B*T, k*B*T + B*T + 1); inputs are the first B*T
// viewed as B rows of T, targets the same shifted by one. Prints the mean of
// the per-batch mean losses (%.9g) on stdout; any error is one line on
// stderr and exit status 1. With --shift K each position is scored against
// the target K positions further on in its row (none past the row's end),
// as a multi-token-prediction head is. With --objective the loss is the
// training objective of a Mixture of Efficient Experts: the task loss plus
// every routed MLP's router losses (referenceRouterLoss).
//
// With --generate, greedily continues the prompt by N tokens, each from a
// full forward pass over everything so far (no KV cache), and prints the new
// ids separated by spaces.
//
//===----------------------------------------------------------------------===//

#include "LlamaReference.h"

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

using namespace cherry::reference;

namespace {

const char *kUsage =
    "usage: cherry-reference-eval --model DIR --data FILE.bin --batch B "
    "--seq T --batches K [--threads N] [--shift K] [--objective]\n"
    "       cherry-reference-eval --model DIR --prompt-ids IDS --generate N\n";

[[noreturn]] void fail(const std::string &message) {
  std::fprintf(stderr, "cherry-reference-eval: %s\n", message.c_str());
  std::exit(1);
}

int64_t parsePositive(const std::string &flag, const std::string &text) {
  errno = 0;
  char *end = nullptr;
  long long value = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno || value <= 0)
    fail(flag + " must be a positive integer, found \"" + text + "\"");
  return value;
}

} // namespace

int main(int argc, char **argv) {
  std::string model, data;
  int64_t batch = 0, seq = 0, batches = 0, threads = 0, generate = 0;
  int64_t shift = 0;
  bool objective = false;
  std::vector<int64_t> prompt;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (flag == "--objective") {
      objective = true;
      continue;
    }
    if (i + 1 >= argc)
      fail("missing value after " + flag + "\n" + kUsage);
    std::string value = argv[++i];
    if (flag == "--model")
      model = value;
    else if (flag == "--data")
      data = value;
    else if (flag == "--batch")
      batch = parsePositive(flag, value);
    else if (flag == "--seq")
      seq = parsePositive(flag, value);
    else if (flag == "--batches")
      batches = parsePositive(flag, value);
    else if (flag == "--threads")
      threads = parsePositive(flag, value);
    else if (flag == "--shift")
      shift = parsePositive(flag, value);
    else if (flag == "--generate")
      generate = parsePositive(flag, value);
    else if (flag == "--prompt-ids") {
      size_t start = 0;
      while (start <= value.size()) {
        size_t end = value.find(',', start);
        if (end == std::string::npos)
          end = value.size();
        std::string item = value.substr(start, end - start);
        char *stop = nullptr;
        long long id = std::strtoll(item.c_str(), &stop, 10);
        if (item.empty() || *stop != '\0' || id < 0)
          fail("--prompt-ids must be comma-separated token ids, found \"" +
               item + "\"");
        prompt.push_back(id);
        start = end + 1;
      }
    } else
      fail("unknown option " + flag);
  }
  if (generate ? (model.empty() || prompt.empty())
               : (model.empty() || data.empty() || !batch || !seq || !batches))
    fail(generate ? "--generate needs --model and --prompt-ids"
                  : "--model, --data, --batch, --seq and --batches are "
                    "required");
  setReferenceThreads(static_cast<int>(threads));

  ReferenceConfig cfg;
  if (Status s = loadReferenceConfig(model, cfg); !s.ok())
    fail(s.message);
  ReferenceWeights weights;
  if (Status s = ReferenceWeights::loadModelDir(model, weights); !s.ok())
    fail(s.message);
  if (Status s = validateReferenceWeights(cfg, weights); !s.ok())
    fail(model + ": " + s.message);

  if (generate) {
    if (Status s = checkReferenceInputs(cfg, weights, prompt, nullptr, 1,
                                        static_cast<int64_t>(prompt.size()));
        !s.ok())
      fail("--prompt-ids: " + s.message);
    std::vector<int64_t> ids =
        referenceGreedyGenerate(cfg, weights, prompt, generate);
    for (size_t i = 0; i < ids.size(); ++i)
      std::printf("%s%lld", i ? " " : "", static_cast<long long>(ids[i]));
    std::printf("\n");
    return 0;
  }

  std::ifstream in(data, std::ios::binary);
  if (!in)
    fail(data + ": cannot read");
  std::vector<unsigned char> bytes((std::istreambuf_iterator<char>(in)),
                                   std::istreambuf_iterator<char>());
  if (bytes.size() % 2)
    fail(data + ": odd size " + std::to_string(bytes.size()) +
         " bytes; expected little-endian uint16 tokens");
  int64_t available = static_cast<int64_t>(bytes.size() / 2);
  int64_t perBatch = batch * seq;
  int64_t needed = batches * perBatch + 1;
  if (available < needed)
    fail(data + ": holds " + std::to_string(available) + " tokens; " +
         std::to_string(batches) + " batches of " + std::to_string(batch) +
         "x" + std::to_string(seq) + " need " + std::to_string(needed));
  auto token = [&](int64_t i) -> int64_t {
    return static_cast<int64_t>(bytes[2 * i]) |
           (static_cast<int64_t>(bytes[2 * i + 1]) << 8);
  };

  double sum = 0;
  for (int64_t k = 0; k < batches; ++k) {
    int64_t start = k * perBatch;
    std::vector<int64_t> ids(perBatch), targets(perBatch);
    for (int64_t i = 0; i < perBatch; ++i) {
      ids[i] = token(start + i);
      targets[i] = token(start + i + 1);
    }
    // --shift K: the target of position t is the one of t + K in its row
    // (a multi-token-prediction head's), none past the row's end.
    if (shift)
      for (int64_t b = 0; b < batch; ++b)
        for (int64_t t = 0; t < seq; ++t)
          targets[b * seq + t] =
              t + shift < seq ? targets[b * seq + t + shift] : kIgnoreIndex;
    if (Status s =
            checkReferenceInputs(cfg, weights, ids, &targets, batch, seq);
        !s.ok())
      fail(data + ": batch " + std::to_string(k) + ": " + s.message);
    sum += referenceMeanLoss(cfg, weights, ids, targets, batch, seq);
    if (objective)
      sum += referenceRouterLoss(cfg, weights, ids, batch, seq);
  }
  std::printf("%.9g\n", sum / static_cast<double>(batches));
  return 0;
}
