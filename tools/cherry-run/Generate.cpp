//===- Generate.cpp - cherry-run generate ---------------------------------===//
//
// Continues a prompt token by token through decode_step (a KV cache, batch
// 1), streaming the tokens as they come.
//
//===----------------------------------------------------------------------===//

#include "Common.h"

#include "cherry/Runtime/Executable.h"
#include "cherry/Runtime/Sampling.h"
#include "cherry/Runtime/Tokenizer.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <iostream>

namespace cherry::run {

using namespace cherry::runtime;

namespace {

const char *const kGenerateUsage =
    R"(usage: cherry-run generate MODEL.cherry
                          (--prompt TEXT --tokenizer FILE.model | --prompt-ids IDS)
                          [--max-new-tokens N] [--temperature T] [--top-k K]
                          [--greedy] [--ignore-eos] [--weights PATH] [--seed S]
                          [--device D] [--threads N] [--[no-]deterministic] [--json]

Runs the executable's decode_step (compiled with --cherry-decode, batch 1)
once per prompt token to fill the KV cache, then once per new token, and
streams the tokens as they come.

  --prompt TEXT         prompt text, encoded with --tokenizer (SentencePiece)
  --tokenizer FILE      SentencePiece model: encodes --prompt, decodes output,
                        and its end-of-sequence id stops generation
  --prompt-ids IDS      prompt as comma-separated token ids instead
  --max-new-tokens N    tokens to generate (default 64; generation also stops
                        at the end-of-sequence id and when the cache is full)
  --temperature T       sampling temperature, > 0 (default 0.8)
  --top-k K             sample among the K most likely tokens (default 40;
                        0: all)
  --greedy              always take the most likely token
  --ignore-eos          do not stop at the end-of-sequence id
  --weights PATH        weights, as for eval (default: initializers)
  --seed S              seed of the sampler and the initializers (default 0)
  --device D            where the kernels run: cpu (default); cuda or cuda:N
                        where the CUDA backend is built
  --threads N           CPU threads
  --deterministic       (the default) the same tokens for any --threads on
                        this machine; --no-deterministic as for eval
  --json                print one JSON object {"prompt_ids", "ids", "text",
                        "tokens_per_s"} at the end instead of streaming
  -h, --help            show this help
)";

/// Comma-separated token ids.
std::vector<int32_t> parseIds(const std::string &text) {
  std::vector<int32_t> ids;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(',', start);
    if (end == std::string::npos)
      end = text.size();
    std::string item = text.substr(start, end - start);
    ids.push_back(static_cast<int32_t>(parseInteger(
        "--prompt-ids", item, 0, INT32_MAX, "comma-separated token ids")));
    start = end + 1;
  }
  return ids;
}

} // namespace

int runGenerate(const std::vector<std::string> &argv) {
  const std::string command = "generate";
  ParsedArgs args(argv,
                  {{"--weights", true},
                   {"--seed", true},
                   {"--prompt", true},
                   {"--prompt-ids", true},
                   {"--tokenizer", true},
                   {"--max-new-tokens", true},
                   {"--temperature", true},
                   {"--top-k", true},
                   {"--greedy", false},
                   {"--ignore-eos", false},
                   {"--json", false},
                   {"--threads", true},
                   {"--device", true},
                   {"--deterministic", false},
                   {"--no-deterministic", false}},
                  command);
  if (args.help) {
    writeStdout(kGenerateUsage);
    return 0;
  }
  const CpuFlags cpuFlags = parseCpuFlags(args);
  if (args.positional.size() != 1)
    throw RunError("generate needs exactly one executable MODEL.cherry (see "
                   "'cherry-run generate --help')");
  const std::string exePath = args.positional[0];
  if (args.has("--prompt") == args.has("--prompt-ids"))
    throw RunError("generate needs exactly one of --prompt (with "
                   "--tokenizer) and --prompt-ids");
  if (args.has("--prompt") && !args.has("--tokenizer"))
    throw RunError("--prompt needs --tokenizer FILE.model to encode it");
  int64_t maxNew = 64;
  if (auto text = args.get("--max-new-tokens"))
    maxNew = parseInteger("--max-new-tokens", *text, 0, INT32_MAX,
                          "a non-negative integer");
  SamplingOptions sampling;
  sampling.temperature = 0.8;
  sampling.topK = 40;
  if (auto text = args.get("--temperature")) {
    char *end = nullptr;
    double t = std::strtod(text->c_str(), &end);
    if (text->empty() || *end != '\0' || !std::isfinite(t) || t <= 0)
      throw RunError("--temperature must be a positive number, found '" +
                     *text + "'");
    sampling.temperature = t;
  }
  if (auto text = args.get("--top-k"))
    sampling.topK =
        parseInteger("--top-k", *text, 0, INT32_MAX, "a non-negative integer");
  if (args.has("--greedy"))
    sampling.temperature = 0;
  uint64_t seed = 0;
  if (auto text = args.get("--seed"))
    seed = parseSeed(*text);
  bool json = args.has("--json");

  // The tokenizer, and the prompt as ids.
  Tokenizer tokenizer;
  bool haveTokenizer = false;
  if (auto path = args.get("--tokenizer")) {
    check(tokenizer.load(*path), "--tokenizer: ");
    haveTokenizer = true;
  }
  std::vector<int32_t> prompt;
  if (auto text = args.get("--prompt")) {
    check(tokenizer.encode(*text, prompt), "--prompt: ");
    if (prompt.empty())
      throw RunError("--prompt encodes to no tokens");
  } else {
    prompt = parseIds(*args.get("--prompt-ids"));
  }

  Program program;
  loadProgram(exePath, cpuFlags, program);
  const int fn = findFunction(program.executable(), ex::DECODE_STEP);
  if (fn < 0)
    throw RunError(exePath + ": no function 'decode_step' (compile with "
                             "cherry-opt --cherry-decode)");
  const std::string where = exePath + ": decode_step";
  const ex::Function &decode = program.executable().functions(fn);
  auto bound = [&](ex::BindingRole role) -> const ex::Buffer * {
    const ex::Binding *b = findBinding(decode, role);
    return b ? program.buffer(b->buffer()) : nullptr;
  };
  const ex::Buffer *idsBuf = bound(ex::TOKEN_IDS);
  const ex::Buffer *posBuf = bound(ex::POSITION);
  const ex::Buffer *logitsBuf = bound(ex::LOGITS);
  if (!idsBuf || !posBuf || !logitsBuf)
    throw RunError(where + " needs inputs 'ids' and 'position' and output "
                           "'logits'");
  if (idsBuf->dtype() != ex::I32 || idsBuf->shape_size() != 2 ||
      idsBuf->shape(0) != 1 || idsBuf->shape(1) != 1)
    throw RunError(where + " input 'ids' is " + shapeString(*idsBuf) +
                   ", expected I32 [1, 1] (compile with --cherry-decode "
                   "batch=1)");
  const int64_t vocab = logitsBuf->shape(logitsBuf->shape_size() - 1);
  int64_t capacity = 0;
  for (const ex::Binding &state : decode.state())
    if (const ex::Buffer *b = program.buffer(state.buffer());
        state.role() == ex::KV_CACHE && b && b->shape_size() == 3)
      capacity = capacity ? std::min(capacity, b->shape(1)) : b->shape(1);
  if (capacity == 0)
    throw RunError(where + " has no KV cache state");
  for (size_t i = 0; i < prompt.size(); ++i)
    if (prompt[i] >= vocab)
      throw RunError("prompt token " + std::to_string(i) + " is id " +
                     std::to_string(prompt[i]) +
                     ", outside the vocabulary of " + std::to_string(vocab));
  if (static_cast<int64_t>(prompt.size()) >= capacity)
    throw RunError("the prompt has " + std::to_string(prompt.size()) +
                   " tokens but the KV cache holds " +
                   std::to_string(capacity) +
                   " (compile with a larger --cherry-decode capacity)");
  if (haveTokenizer && tokenizer.pieceSize() > vocab)
    throw RunError("--tokenizer has " + std::to_string(tokenizer.pieceSize()) +
                   " pieces but the model's vocabulary is " +
                   std::to_string(vocab));
  applyCpuFlags(cpuFlags);
  loadWeights(program, args.get("--weights"), seed);

  std::vector<float> logits(vocab);
  const int eos =
      haveTokenizer && !args.has("--ignore-eos") ? tokenizer.eosId() : -1;

  // Streams the text (or ids) of everything generated so far.
  std::vector<int32_t> generated;
  std::string shown;
  auto stream = [&]() {
    if (json)
      return;
    if (!haveTokenizer) {
      writeStdout((generated.size() > 1 ? " " : "") +
                  std::to_string(generated.back()));
      return;
    }
    std::string text;
    check(tokenizer.decode(generated, text));
    if (text.size() > shown.size() && text.compare(0, shown.size(), shown) == 0)
      writeStdout(text.substr(shown.size()));
    shown = text;
  };
  if (!json && haveTokenizer)
    writeStdout(*args.get("--prompt"));

  Sampler sampler(seed);
  auto start = std::chrono::steady_clock::now();
  int64_t steps = 0;
  auto step = [&](int32_t token, int64_t pos) {
    const std::string where = "position " + std::to_string(pos) + ": ";
    const int32_t at = static_cast<int32_t>(pos);
    check(program.write(idsBuf->id(), &token, sizeof(token)), where);
    check(program.write(posBuf->id(), &at, sizeof(at)), where);
    check(program.run(fn), where);
    check(program.read(logitsBuf->id(), logits.data(), vocab * sizeof(float)),
          where);
    ++steps;
  };
  for (size_t i = 0; i < prompt.size(); ++i)
    step(prompt[i], static_cast<int64_t>(i));
  int64_t pos = static_cast<int64_t>(prompt.size());
  bool cacheFull = false;
  for (int64_t n = 0; n < maxNew; ++n) {
    int32_t next = sampler.sample(logits.data(), vocab, sampling);
    if (next == eos)
      break;
    generated.push_back(next);
    stream();
    if (n + 1 == maxNew)
      break;
    if (pos >= capacity) {
      cacheFull = true;
      break;
    }
    step(next, pos++);
  }
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  double tokensPerSecond = steps / std::max(seconds, 1e-9);
  if (json) {
    nlohmann::ordered_json out;
    out["prompt_ids"] = prompt;
    out["ids"] = generated;
    if (haveTokenizer) {
      std::string text;
      check(tokenizer.decode(generated, text));
      out["text"] = text;
    }
    out["tokens_per_s"] = tokensPerSecond;
    writeStdout(out.dump() + "\n");
  } else {
    writeStdout("\n");
  }
  if (cacheFull)
    std::cerr << "cherry-run: note: stopped at the KV cache capacity ("
              << capacity << " tokens)\n";
  return 0;
}

} // namespace cherry::run
