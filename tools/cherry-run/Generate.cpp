//===- Generate.cpp - cherry-run generate ---------------------------------===//
//
// Continues a prompt token by token through decode_step (a KV cache, batch
// 1), streaming the tokens as they come. With --speculative it decodes
// greedily through verify_step instead (self-speculative decoding with the
// multi-token heads), then again plainly, and reports the acceptance rate
// and the speed-up.
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
#include <functional>
#include <iostream>

namespace cherry::run {

using namespace cherry::runtime;

namespace {

const char *const kGenerateUsage =
    R"(usage: cherry-run generate MODEL.cherry
                          (--prompt TEXT --tokenizer FILE.model | --prompt-ids IDS)
                          [--max-new-tokens N] [--temperature T] [--top-k K]
                          [--greedy] [--ignore-eos] [--weights PATH] [--seed S]
                          [--speculative [--draft N]]
                          [--device D] [--cuda-graphs 0|1]
                          [--threads N] [--[no-]deterministic] [--json]

Runs the executable's decode_step (compiled with --cherry-decode, batch 1)
once per prompt token to fill the KV cache, then once per new token, and
streams the tokens as they come.

With --speculative (an executable compiled with --cherry-decode="mtp=D" from
a model trained with --cherry-train mtp=D) it decodes greedily by drafting
with the multi-token heads: each call of verify_step feeds the last token
and N drafts (head k's guess at the token k + 1 ahead) as 1 + D rows at once,
keeps the drafts the next-token head agrees with plus the next-token head's
own next token, and rolls the KV cache back over the rest. The tokens are
those of plain greedy decoding; it then decodes plainly with decode_step
too and reports the acceptance rate and both speeds on stderr.

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
  --speculative         self-speculative greedy decoding through verify_step
                        (no --temperature or --top-k)
  --draft N             drafts per step, 1 .. D (default D, the executable's
                        multi-token heads)
  --device D            where the kernels run: cpu (default); cuda or cuda:N
                        where the CUDA backend is built
  --cuda-graphs 0|1     on a CUDA device: record each function as a CUDA
                        graph at its second call and replay it (1, the
                        default), or launch every kernel (0); docs/CUDA.md
  --threads N           CPU threads
  --deterministic       (the default) the same tokens for any --threads on
                        this machine; --no-deterministic as for eval
  --json                print one JSON object {"prompt_ids", "ids", "text",
                        "tokens_per_s", with --speculative "speculative"}
                        at the end instead of streaming
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

/// A decoding function (decode_step or verify_step): its token and
/// position inputs, the next-token head's logits and each multi-token
/// head's, over KV caches of `capacity` rows.
struct DecodeFunction {
  int fn = -1;
  std::string where; ///< "MODEL.cherry: decode_step", for messages
  const ex::Buffer *ids = nullptr, *position = nullptr, *logits = nullptr;
  /// heads[k - 1]: head k's logits (verify_step).
  std::vector<const ex::Buffer *> heads;
  int64_t rows = 0, vocab = 0, capacity = 0;

  /// Finds and checks the function of `role` in `program`; false when the
  /// executable has none.
  bool find(Program &program, const std::string &exePath, ex::FunctionRole role,
            const char *name) {
    fn = findFunction(program.executable(), role);
    if (fn < 0)
      return false;
    where = exePath + ": " + name;
    const ex::Function &f = program.executable().functions(fn);
    auto bound = [&](ex::BindingRole r) -> const ex::Buffer * {
      const ex::Binding *b = findBinding(f, r);
      return b ? program.buffer(b->buffer()) : nullptr;
    };
    ids = bound(ex::TOKEN_IDS);
    position = bound(ex::POSITION);
    logits = bound(ex::LOGITS);
    if (!ids || !position || !logits)
      throw RunError(where + " needs inputs 'ids' and 'position' and output "
                             "'logits'");
    if (ids->dtype() != ex::I32 || ids->shape_size() != 2 ||
        ids->shape(0) != 1 || ids->shape(1) < 1)
      throw RunError(where + " input 'ids' is " + shapeString(*ids) +
                     ", expected I32 [1, rows] (compile with --cherry-decode "
                     "batch=1)");
    rows = ids->shape(1);
    vocab = logits->shape(logits->shape_size() - 1);
    if (logits->dtype() != ex::F32 ||
        logits->size_bytes() <
            static_cast<uint64_t>(rows * vocab) * sizeof(float))
      throw RunError(where + " output 'logits' is " + shapeString(*logits) +
                     ", expected F32 [1, " + std::to_string(rows) + ", vocab]");
    for (const ex::Binding &b : f.outputs()) {
      if (b.role() != ex::MTP_LOGITS)
        continue;
      const ex::Buffer *buf = program.buffer(b.buffer());
      if (!buf || buf->dtype() != ex::F32 ||
          buf->size_bytes() != logits->size_bytes())
        throw RunError(where + " output '" + b.name() +
                       "' is not shaped like 'logits'");
      const size_t k = static_cast<size_t>(b.head());
      if (heads.size() < k)
        heads.resize(k, nullptr);
      heads[k - 1] = buf;
    }
    for (size_t k = 0; k < heads.size(); ++k)
      if (!heads[k])
        throw RunError(where + " has no logits of multi-token head " +
                       std::to_string(k + 1));
    for (const ex::Binding &state : f.state())
      if (const ex::Buffer *b = program.buffer(state.buffer());
          state.role() == ex::KV_CACHE && b && b->shape_size() == 3)
        capacity = capacity ? std::min(capacity, b->shape(1)) : b->shape(1);
    if (capacity == 0)
      throw RunError(where + " has no KV cache state");
    return true;
  }

  /// Runs rows `tokens` (exactly `rows` of them) at positions `first` ...
  void run(Program &program, const std::vector<int32_t> &tokens,
           int64_t first) const {
    const std::string at =
        where + " at position " + std::to_string(first) + ": ";
    const int32_t pos = static_cast<int32_t>(first);
    check(program.write(ids->id(), tokens.data(), rows * sizeof(int32_t)), at);
    check(program.write(position->id(), &pos, sizeof(pos)), at);
    check(program.run(fn), at);
  }

  /// Reads all rows of `buffer` (logits or a head's) into `out`.
  void read(const Program &program, const ex::Buffer *buffer,
            std::vector<float> &out) const {
    out.resize(rows * vocab);
    check(program.read(buffer->id(), out.data(), out.size() * sizeof(float)),
          where + ": ");
  }
};

/// What a speculative decoding run did.
struct SpeculativeStats {
  int64_t verifySteps = 0; ///< verify_step calls after the prompt
  int64_t drafted = 0;     ///< drafts checked
  int64_t accepted = 0;    ///< drafts the next-token head agreed with
  double seconds = 0;      ///< after the prompt
};

/// Self-speculative greedy decoding through `verify` (1 + D rows per call):
/// appends to `generated` what plain greedy decoding would, up to
/// `maxNew` tokens, the end-of-sequence id `eos` (not kept) or the cache.
/// The cache is indexed by position, so rolling it back over rejected
/// drafts is moving the next call's first position back: rows past it are
/// written again before anything reads them (every call appends its rows
/// before attending, and a row attends to rows up to its own position).
/// Returns true when the cache filled up.
bool speculate(Program &program, const DecodeFunction &verify,
               const std::vector<int32_t> &prompt, int64_t draft,
               int64_t maxNew, int eos, std::vector<int32_t> &generated,
               const std::function<void()> &stream, SpeculativeStats &stats) {
  const int64_t rows = verify.rows, vocab = verify.vocab;
  const int64_t capacity = verify.capacity;
  SamplingOptions greedy;
  greedy.temperature = 0;
  Sampler argmax(0);
  std::vector<int32_t> committed = prompt; // prompt and accepted tokens
  std::vector<int32_t> drafts;             // guesses at what follows them
  std::vector<int32_t> window(rows);
  std::vector<float> logits;
  std::vector<std::vector<float>> headLogits(draft);
  // The rows before `cached` hold the KV of committed[0 .. cached - 1].
  int64_t cached = 0;
  std::chrono::steady_clock::time_point start;
  bool prefilled = false, cacheFull = false;
  while (true) {
    const int64_t last = static_cast<int64_t>(committed.size()) - 1;
    // Near the end of the cache the window starts earlier and feeds
    // cached tokens again (their rows are recomputed, not changed).
    const int64_t first = std::min(cached, capacity - rows);
    const int64_t lastRow = last - first; // the last committed token's row
    const bool generating = lastRow < rows;
    if (generating && !prefilled) {
      prefilled = true;
      start = std::chrono::steady_clock::now();
    }
    // Committed tokens, then as many drafts as fit, then padding (token
    // 0; rows past the drafts are never read).
    const int64_t fed =
        generating ? std::min<int64_t>(drafts.size(), rows - 1 - lastRow) : 0;
    for (int64_t r = 0; r < rows; ++r)
      window[r] = first + r <= last    ? committed[first + r]
                  : r - lastRow <= fed ? drafts[r - lastRow - 1]
                                       : 0;
    verify.run(program, window, first);
    if (!generating) { // still the prompt
      cached = first + rows;
      continue;
    }
    ++stats.verifySteps;
    stats.drafted += fed;
    verify.read(program, verify.logits, logits);
    // Accept drafts while the next-token head agrees with them; the row
    // after the last accepted one gives the next token.
    int64_t row = lastRow;
    int32_t next = argmax.sample(&logits[row * vocab], vocab, greedy);
    bool stop = false;
    int64_t n = 0;
    while (true) {
      if (next == eos || static_cast<int64_t>(generated.size()) >= maxNew) {
        stop = true;
        break;
      }
      generated.push_back(next);
      committed.push_back(next);
      stream();
      if (static_cast<int64_t>(generated.size()) >= maxNew) {
        stop = true;
        break;
      }
      if (n >= fed || window[row + 1] != next)
        break;
      ++n;
      ++stats.accepted;
      ++row;
      next = argmax.sample(&logits[row * vocab], vocab, greedy);
    }
    if (stop)
      break;
    cached = first + row + 1;
    if (cached >= capacity) {
      cacheFull = true;
      break;
    }
    // Drafts for the tokens after the new one, from the row that
    // predicted it.
    drafts.clear();
    for (int64_t k = 0; k < draft; ++k) {
      verify.read(program, verify.heads[k], headLogits[k]);
      drafts.push_back(
          argmax.sample(&headLogits[k][row * vocab], vocab, greedy));
    }
  }
  stats.seconds = prefilled ? std::chrono::duration<double>(
                                  std::chrono::steady_clock::now() - start)
                                  .count()
                            : 0;
  return cacheFull;
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
                   {"--speculative", false},
                   {"--draft", true},
                   {"--ignore-eos", false},
                   {"--json", false},
                   {"--threads", true},
                   {"--device", true},
                   {"--cuda-graphs", true},
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
  const bool speculative = args.has("--speculative");
  if (speculative)
    for (const char *flag : {"--temperature", "--top-k"})
      if (args.has(flag))
        throw RunError(std::string(flag) +
                       " does not apply to --speculative, which decodes "
                       "greedily");
  if (args.has("--draft") && !speculative)
    throw RunError("--draft applies to --speculative, which is not given");
  if (speculative)
    sampling.temperature = 0;

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
  DecodeFunction decode;
  if (!decode.find(program, exePath, ex::DECODE_STEP, "decode_step"))
    throw RunError(exePath + ": no function 'decode_step' (compile with "
                             "cherry-opt --cherry-decode)");
  if (decode.rows != 1)
    throw RunError(decode.where + " input 'ids' is " +
                   shapeString(*decode.ids) +
                   ", expected I32 [1, 1] (compile with --cherry-decode "
                   "batch=1)");
  DecodeFunction verify;
  int64_t draft = 0;
  if (speculative) {
    if (!verify.find(program, exePath, ex::VERIFY_STEP, "verify_step"))
      throw RunError(exePath + " has no multi-token heads to draft with (no "
                               "function 'verify_step'; compile a model "
                               "trained with mtp=D with cherry-opt "
                               "--cherry-decode=\"mtp=D\")");
    const int64_t heads = static_cast<int64_t>(verify.heads.size());
    if (heads == 0 || verify.rows != heads + 1 || verify.vocab != decode.vocab)
      throw RunError(verify.where + " is not a verification step of 1 + " +
                     std::to_string(heads) + " rows over the vocabulary of " +
                     std::to_string(decode.vocab) +
                     " (compile with cherry-opt --cherry-decode=\"mtp=D\")");
    draft = heads;
    if (auto text = args.get("--draft"))
      draft = parseInteger("--draft", *text, 1, INT32_MAX,
                           "a positive number of drafts");
    if (draft > heads)
      throw RunError("--draft " + std::to_string(draft) + " is more than the " +
                     std::to_string(heads) + " multi-token head" +
                     (heads == 1 ? "" : "s") + " of " + verify.where);
  }
  const int64_t vocab = decode.vocab;
  const int64_t capacity = decode.capacity;
  for (size_t i = 0; i < prompt.size(); ++i)
    if (prompt[i] >= vocab)
      throw RunError("prompt token " + std::to_string(i) + " is id " +
                     std::to_string(prompt[i]) +
                     ", outside the vocabulary of " + std::to_string(vocab));
  if (static_cast<int64_t>(prompt.size()) >= capacity ||
      (speculative && static_cast<int64_t>(prompt.size()) >= verify.capacity))
    throw RunError("the prompt has " + std::to_string(prompt.size()) +
                   " tokens but the KV cache holds " +
                   std::to_string(capacity) +
                   " (compile with a larger --cherry-decode capacity)");
  if (haveTokenizer && tokenizer.pieceSize() > vocab)
    throw RunError("--tokenizer has " + std::to_string(tokenizer.pieceSize()) +
                   " pieces but the model's vocabulary is " +
                   std::to_string(vocab));
  applyCpuFlags(cpuFlags);
  // Drafting heads made by their initializers (copies of the last layer)
  // are not trained heads: the checkpoint has fewer heads than asked for.
  auto trainedHeads = [&](const Program &loaded) {
    if (!speculative || !args.has("--weights"))
      return;
    const std::string prefix = "model.mtp_heads.";
    for (const std::string &name : loaded.parameterReport().initialized) {
      if (name.rfind(prefix, 0) != 0)
        continue;
      const int64_t k = std::atoll(name.c_str() + prefix.size());
      if (k >= 1 && k <= draft)
        throw RunError("--weights " + *args.get("--weights") +
                       " has no multi-token head " + std::to_string(k) +
                       " (no tensor '" + name +
                       "'): it was trained with fewer heads than the " +
                       std::to_string(draft) +
                       " drafts asked for (pass a smaller --draft)");
    }
  };
  loadWeights(program, args.get("--weights"), seed, trainedHeads);

  // One untimed call of each function first, so that neither speed counts
  // the first call's start-up (threads, first touch of the arena). What it
  // writes to the caches is written again before anything reads it.
  if (speculative) {
    decode.run(program, std::vector<int32_t>(decode.rows, 0), 0);
    verify.run(program, std::vector<int32_t>(verify.rows, 0), 0);
  }

  std::vector<float> logits(vocab);
  const int eos =
      haveTokenizer && !args.has("--ignore-eos") ? tokenizer.eosId() : -1;

  // Streams the text (or ids) of everything generated so far.
  std::vector<int32_t> generated;
  std::string shown;
  bool quiet = json;
  auto stream = [&]() {
    if (quiet)
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

  // Plain decoding: decode_step once per prompt token, then once per new
  // token. `seconds` is the time from the last prompt token's step on.
  auto plain = [&](std::vector<int32_t> &out, int64_t &steps, double &seconds,
                   bool &cacheFull) {
    Sampler sampler(seed);
    auto start = std::chrono::steady_clock::now();
    std::chrono::steady_clock::time_point generating;
    std::vector<int32_t> one(1);
    auto step = [&](int32_t token, int64_t pos) {
      if (pos + 1 == static_cast<int64_t>(prompt.size()))
        generating = std::chrono::steady_clock::now();
      one[0] = token;
      decode.run(program, one, pos);
      check(program.read(decode.logits->id(), logits.data(),
                         vocab * sizeof(float)),
            decode.where + ": ");
      ++steps;
    };
    for (size_t i = 0; i < prompt.size(); ++i)
      step(prompt[i], static_cast<int64_t>(i));
    int64_t pos = static_cast<int64_t>(prompt.size());
    for (int64_t n = 0; n < maxNew; ++n) {
      int32_t next = sampler.sample(logits.data(), vocab, sampling);
      if (next == eos)
        break;
      out.push_back(next);
      stream();
      if (n + 1 == maxNew)
        break;
      if (pos >= capacity) {
        cacheFull = true;
        break;
      }
      step(next, pos++);
    }
    auto end = std::chrono::steady_clock::now();
    seconds = std::chrono::duration<double>(end - generating).count();
    return std::chrono::duration<double>(end - start).count();
  };

  bool cacheFull = false;
  int64_t steps = 0;
  double generationSeconds = 0;
  double tokensPerSecond = 0;
  SpeculativeStats stats;
  std::vector<int32_t> plainIds;
  double plainSeconds = 0;
  if (!speculative) {
    double seconds = plain(generated, steps, generationSeconds, cacheFull);
    tokensPerSecond = steps / std::max(seconds, 1e-9);
  } else {
    cacheFull = speculate(program, verify, prompt, draft, maxNew, eos,
                          generated, stream, stats);
    tokensPerSecond = generated.size() / std::max(stats.seconds, 1e-9);
    // The same tokens plainly, for the comparison (not streamed).
    quiet = true;
    bool plainFull = false;
    int64_t plainSteps = 0;
    plain(plainIds, plainSteps, plainSeconds, plainFull);
  }
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
    if (speculative) {
      nlohmann::ordered_json spec;
      const double plainRate = plainIds.size() / std::max(plainSeconds, 1e-9);
      spec["draft"] = draft;
      spec["verify_steps"] = stats.verifySteps;
      spec["drafted"] = stats.drafted;
      spec["accepted"] = stats.accepted;
      spec["acceptance_rate"] =
          stats.drafted ? double(stats.accepted) / stats.drafted : 0.0;
      spec["tokens_per_step"] =
          stats.verifySteps ? double(generated.size()) / stats.verifySteps
                            : 0.0;
      spec["tokens_per_s"] = tokensPerSecond;
      spec["plain_tokens_per_s"] = plainRate;
      spec["speedup"] = tokensPerSecond / std::max(plainRate, 1e-9);
      spec["plain_ids"] = plainIds;
      spec["same_as_plain"] = plainIds == generated;
      out["speculative"] = spec;
    }
    writeStdout(out.dump() + "\n");
  } else {
    writeStdout("\n");
  }
  if (speculative) {
    const double plainRate = plainIds.size() / std::max(plainSeconds, 1e-9);
    char line[512];
    std::snprintf(
        line, sizeof(line),
        "cherry-run: speculative: %zu tokens in %lld verify steps (%.2f "
        "per step), %lld of %lld drafts accepted (acceptance rate %.3f); "
        "%.1f tokens/s against %.1f plain (decode_step): %.2fx\n",
        generated.size(), static_cast<long long>(stats.verifySteps),
        stats.verifySteps ? double(generated.size()) / stats.verifySteps : 0.0,
        static_cast<long long>(stats.accepted),
        static_cast<long long>(stats.drafted),
        stats.drafted ? double(stats.accepted) / stats.drafted : 0.0,
        tokensPerSecond, plainRate,
        tokensPerSecond / std::max(plainRate, 1e-9));
    std::cerr << line;
    if (plainIds != generated) {
      size_t i = 0;
      while (i < plainIds.size() && i < generated.size() &&
             plainIds[i] == generated[i])
        ++i;
      std::cerr << "cherry-run: warning: the speculative tokens differ from "
                   "plain greedy decoding's from token "
                << i
                << " on (a floating-point tie between the batched and "
                   "the one-row step)\n";
    }
  }
  if (cacheFull)
    std::cerr << "cherry-run: note: stopped at the KV cache capacity ("
              << capacity << " tokens)\n";
  return 0;
}

} // namespace cherry::run
