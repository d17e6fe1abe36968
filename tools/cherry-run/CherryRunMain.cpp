//===- CherryRunMain.cpp - The cherry-run command line --------------------===//
//
// Option parsing and the commands of cherry-run. Every user error is one
// line "cherry-run: ..." on stderr and exit status 1.
//
//===----------------------------------------------------------------------===//

#include "CherryRunMain.h"

#include "cherry/Tools/CommandLine.h"

#include "cherry/Runtime/CpuKernels.h"
#include "cherry/Runtime/DataLoader.h"
#include "cherry/Runtime/Executable.h"
#include "cherry/Runtime/Program.h"
#include "cherry/Runtime/SafeTensors.h"
#include "cherry/Runtime/Sampling.h"
#include "cherry/Runtime/Sgt.h"
#include "cherry/Runtime/TensorBoard.h"
#include "cherry/Runtime/Tokenizer.h"
#include "cherry/Runtime/Training.h"

#include <nlohmann/json.hpp>

#include <array>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace cherry::run {

namespace {

namespace ex = cherry::executable;
using namespace cherry::runtime;

/// A user error: reported as one line, exit status 1.
using RunError = tools::UsageError;

const char *const kMainUsage = R"(usage: cherry-run <command> [options]

Runs programs compiled by cherry-translate on the CHERRY runtime.

commands:
  train          train a compiled model: checkpoints, metrics, resume
  eval           mean loss of a model on the first batches of a token file
  generate       continue a prompt token by token (KV cache, greedy or sampled)

options:
  -h, --help     show this help ('cherry-run <command> --help' for a command)
  --version      show the version and the CPU code path the kernels take

environment:
  CHERRY_CPU_VARIANT   force the CPU kernels' instruction set: baseline,
                       x86-64-v3, x86-64-v4 (default: the best this CPU runs)
  OPENBLAS_CORETYPE    force OpenBLAS's kernels (e.g. Prescott, Haswell,
                       SkylakeX)
)";

const char *const kEvalUsage =
    R"(usage: cherry-run eval MODEL.cherry --data FILE.bin --batches K
                      [--weights PATH] [--seed S] [--threads N]
                      [--[no-]deterministic] [--json] [--sgt-policy P [--sgt-ratio R] [--sgt-seed S]
                       [--sgt-stats FILE] [--sgt-mask FILE]]

Runs the executable's eval_step on batches 0 .. K-1 of a uint16 token file
(batch k reads tokens [k*B*T, k*B*T + B*T + 1), B and T from the shape of
eval_step's 'ids' input) and prints the mean of the per-batch losses and
the throughput (time measured around the K steps only).

  --data FILE.bin       flat little-endian uint16 token file
  --batches K           number of batches, K >= 1
  --weights PATH        a .safetensors file, a *.index.json of shards, or a
                        model directory (model.safetensors or
                        model.safetensors.index.json); parameters it lacks are
                        made by their initializers. Default: initialize all
  --seed S              seed of the initializers (default 0)
  --threads N           CPU threads (default: all cores, or OMP_NUM_THREADS)
  --deterministic       (the default) the same losses for any --threads on
                        this machine (docs/Determinism.md)
  --no-deterministic    GEMMs one slice per thread: more than 8 threads per
                        GEMM, but the bits depend on --threads
  --batch B, --seq T    check that the executable was compiled for this
                        shape (it cannot run any other)
  --sgt-policy P        also report the loss on the positions a selective
                        training policy selects and on the others
                        (loss_selected, loss_unselected): surprisal, random,
                        topk-surprisal, loss-topk, mask or uniform; batch k
                        draws as training step k + 1 would
  --sgt-ratio R         its fraction of positions, in (0, 1] (default 0.15)
  --sgt-seed S          its seed (default 0)
  --sgt-stats FILE      token_counts.json for surprisal and topk-surprisal
  --sgt-mask FILE       the mask of --data for the mask policy
  --json                print one JSON object {"loss", "batches", "tokens",
                        "seconds", "tokens_per_s"} instead of a line of text
  -h, --help            show this help
)";

const char *const kGenerateUsage =
    R"(usage: cherry-run generate MODEL.cherry
                          (--prompt TEXT --tokenizer FILE.model | --prompt-ids IDS)
                          [--max-new-tokens N] [--temperature T] [--top-k K]
                          [--greedy] [--ignore-eos] [--weights PATH] [--seed S]
                          [--threads N] [--[no-]deterministic] [--json]

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
  --threads N           CPU threads
  --deterministic       (the default) the same tokens for any --threads on
                        this machine; --no-deterministic as for eval
  --json                print one JSON object {"prompt_ids", "ids", "text",
                        "tokens_per_s"} at the end instead of streaming
  -h, --help            show this help
)";

using tools::FlagSpec;
using tools::writeStdout;

/// The options of one cherry-run command.
class ParsedArgs : public tools::ParsedArgs {
public:
  ParsedArgs(const std::vector<std::string> &args,
             const std::vector<FlagSpec> &specs, const std::string &command)
      : tools::ParsedArgs(args, specs, "cherry-run", command) {}
  using tools::ParsedArgs::required;
  std::string required(const std::string &name, const std::string &) const {
    return tools::ParsedArgs::required(name);
  }
};

/// A decimal integer in [min, max]; `what` describes the range in errors.
int64_t parseInteger(const std::string &flag, const std::string &text,
                     int64_t min, int64_t max, const std::string &what) {
  int64_t value = 0;
  const char *end = text.data() + text.size();
  auto [ptr, error] = std::from_chars(text.data(), end, value);
  if (text.empty() || ptr != end || error == std::errc::invalid_argument)
    throw RunError(flag + ": expected an integer, got '" + text + "'");
  if (error == std::errc::result_out_of_range || value < min || value > max)
    throw RunError(flag + " " + text + " is out of range: expected " + what);
  return value;
}

uint64_t parseSeed(const std::string &text) {
  uint64_t value = 0;
  const char *end = text.data() + text.size();
  auto [ptr, error] = std::from_chars(text.data(), end, value);
  if (text.empty() || ptr != end || error == std::errc::invalid_argument)
    throw RunError("--seed: expected a non-negative integer, got '" + text +
                   "'");
  if (error == std::errc::result_out_of_range)
    throw RunError("--seed " + text +
                   " is out of range: expected 0 to 18446744073709551615");
  return value;
}

void check(const Status &status, const std::string &prefix = "") {
  if (!status.ok())
    throw RunError(prefix + status.message);
}

std::string shapeString(const ex::Buffer &b) {
  std::string out = ex::DType_Name(b.dtype()) + " [";
  for (int i = 0; i < b.shape_size(); ++i)
    out += (i ? ", " : "") + std::to_string(b.shape(i));
  return out + "]";
}

/// The buffers of eval_step's bindings, checked.
struct EvalBindings {
  int function = -1;
  const ex::Buffer *ids = nullptr;
  const ex::Buffer *targets = nullptr;
  const ex::Buffer *loss = nullptr;
  int64_t batch = 0;
  int64_t seq = 0;
};

EvalBindings findEval(const Program &program, const std::string &path) {
  EvalBindings eval;
  eval.function = program.findFunction("eval_step");
  if (eval.function < 0) {
    std::string names;
    for (const ex::Function &f : program.executable().functions())
      names += (names.empty() ? "" : ", ") + f.name();
    throw RunError(path + ": no function 'eval_step' (the executable has: " +
                   (names.empty() ? "none" : names) + ")");
  }
  const std::string fn = path + ": eval_step";
  auto input = [&](const char *name) {
    const ex::Buffer *b = program.inputBuffer(eval.function, name);
    if (!b)
      throw RunError(fn + " has no input '" + name + "'");
    return b;
  };
  eval.ids = input("ids");
  if (eval.ids->dtype() != ex::I32 || eval.ids->shape_size() != 2)
    throw RunError(fn + " input 'ids' (buffer " +
                   std::to_string(eval.ids->id()) + ") is " +
                   shapeString(*eval.ids) + ", expected I32 [B, T]");
  eval.batch = eval.ids->shape(0);
  eval.seq = eval.ids->shape(1);
  eval.targets = input("targets");
  if (eval.targets->dtype() != ex::I32 || eval.targets->shape_size() != 2 ||
      eval.targets->shape(0) != eval.batch ||
      eval.targets->shape(1) != eval.seq)
    throw RunError(fn + " input 'targets' (buffer " +
                   std::to_string(eval.targets->id()) + ") is " +
                   shapeString(*eval.targets) + ", expected " +
                   shapeString(*eval.ids) + " like 'ids'");
  eval.loss = program.outputBuffer(eval.function, "loss");
  if (!eval.loss)
    throw RunError(fn + " has no output 'loss'");
  bool scalar = eval.loss->dtype() == ex::F32 && eval.loss->size_bytes() >= 4;
  for (int64_t d : eval.loss->shape())
    scalar = scalar && d == 1;
  if (!scalar)
    throw RunError(fn + " output 'loss' (buffer " +
                   std::to_string(eval.loss->id()) + ") is " +
                   shapeString(*eval.loss) + ", expected an F32 scalar");
  return eval;
}

/// Fills the program's parameters from --weights, or from their
/// initializers.
void loadWeights(Program &program, const std::optional<std::string> &path,
                 uint64_t seed) {
  if (!path) {
    Status s = program.loadParameters(nullptr, "", seed);
    if (!s.ok())
      throw RunError(s.message + "; pass --weights");
    return;
  }
  SafeTensors weights;
  std::error_code ec;
  if (std::filesystem::is_directory(*path, ec)) {
    bool found = false;
    check(SafeTensors::openModelDir(*path, weights, found));
    if (!found)
      throw RunError("--weights " + *path +
                     ": the directory has no model.safetensors or "
                     "model.safetensors.index.json");
  } else {
    check(SafeTensors::open(*path, weights));
  }
  check(program.loadParameters(&weights, *path, seed));
  const ParameterReport &report = program.parameterReport();
  if (!report.unusedTensors.empty())
    std::cerr << "cherry-run: warning: " << report.unusedTensors.size()
              << " tensor" << (report.unusedTensors.size() == 1 ? "" : "s")
              << " of " << *path << " not used by the executable (first: '"
              << report.unusedTensors.front() << "')\n";
  if (!report.initialized.empty())
    std::cerr << "cherry-run: note: " << report.initialized.size()
              << " parameter" << (report.initialized.size() == 1 ? "" : "s")
              << " not in " << *path << " made by initializers (first: '"
              << report.initialized.front() << "')\n";
}

/// Each token's surprisal -log p under the
/// add-one-smoothed unigram counts of a cherry-data token_counts.json.
std::vector<float> loadSurprisal(const std::string &path, int64_t vocab) {
  std::ifstream in(path);
  if (!in)
    throw RunError("--sgt-stats " + path + ": cannot read");
  nlohmann::json stats = nlohmann::json::parse(in, nullptr, false);
  if (stats.is_discarded() || !stats.is_object() || !stats.contains("counts") ||
      !stats["counts"].is_array())
    throw RunError("--sgt-stats " + path +
                   ": not a token_counts.json (no \"counts\" array)");
  const auto &counts = stats["counts"];
  if (static_cast<int64_t>(counts.size()) != vocab)
    throw RunError("--sgt-stats " + path + ": counts for " +
                   std::to_string(counts.size()) +
                   " tokens, but the model's vocabulary is " +
                   std::to_string(vocab));
  double total = 0;
  for (const auto &c : counts) {
    if (!c.is_number_unsigned())
      throw RunError("--sgt-stats " + path +
                     ": counts must be non-negative integers");
    total += c.get<double>();
  }
  std::vector<float> scores(vocab);
  for (int64_t i = 0; i < vocab; ++i)
    scores[i] = static_cast<float>(
        -std::log((counts[i].get<double>() + 1.0) / (total + vocab)));
  return scores;
}

/// Loss on the selected and on the unselected positions, accumulated over
/// batches (--sgt-policy of eval).
/// What a selection policy reads besides the targets.
struct SelectionInputs {
  const float *scores = nullptr; // surprisal table (score, surprisal)
  int64_t vocab = 0;
  const float *losses = nullptr; // per-position losses (loss-topk)
  const int32_t *mask = nullptr; // the batch's mask (mask)
};

/// The positions policy `policy` (surprisal, random, score, loss-topk, mask,
/// uniform) selects in a [batch, seq] batch at training step `step`, k per
/// row, as a 0/1 map: what the compiled selection kernels choose, from the
/// same functions (mask padding selects nothing).
std::vector<char> selectedMap(const std::string &policy, int64_t k,
                              uint64_t seed, uint64_t step,
                              const int32_t *targets, const SelectionInputs &in,
                              int64_t batch, int64_t seq) {
  std::vector<int32_t> positions(batch * k);
  std::vector<float> weights(batch * k, 1.0f);
  if (policy == "uniform")
    sgt::selectUniform(batch, seq, k, positions.data());
  else if (policy == "random")
    sgt::selectRandom(seed, step, batch, seq, k, positions.data());
  else if (policy == "loss-topk")
    sgt::selectLossTopk(in.losses, batch, seq, k, positions.data(),
                        weights.data());
  else if (policy == "mask")
    check(sgt::selectMask(in.mask, seed, step, batch, seq, k, positions.data(),
                          weights.data()),
          "--sgt-mask: ");
  else if (policy == "surprisal")
    check(sgt::selectSurprisal(targets, in.scores, in.vocab, seed, step, batch,
                               seq, k, positions.data(), weights.data()),
          "selection: ");
  else if (policy == "score")
    check(sgt::selectByScore(targets, in.scores, batch, seq, k, in.vocab,
                             positions.data()),
          "selection: ");
  else
    throw RunError("unknown selection policy '" + policy + "'");
  std::vector<char> chosen(batch * seq, 0);
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t j = 0; j < k; ++j)
      if (weights[b * k + j] != 0.0f)
        chosen[b * seq + positions[b * k + j]] = 1;
  return chosen;
}

/// Loss on the selected and on the unselected positions, accumulated over
/// batches (--sgt-policy of eval).
struct SelectionMetrics {
  std::string policy;
  double ratio = 0.15;
  uint64_t seed = 0;
  std::vector<float> scores;
  double selectedSum = 0, unselectedSum = 0;
  int64_t selectedCount = 0, unselectedCount = 0;

  void add(const int32_t *targets, const float *losses, const int32_t *mask,
           int64_t batch, int64_t seq, int64_t step) {
    SelectionInputs in{scores.data(), static_cast<int64_t>(scores.size()),
                       losses, mask};
    std::vector<char> chosen =
        selectedMap(policy, sgt::selectedCount(ratio, seq), seed,
                    static_cast<uint64_t>(step), targets, in, batch, seq);
    for (int64_t i = 0; i < batch * seq; ++i) {
      (chosen[i] ? selectedSum : unselectedSum) += losses[i];
      ++(chosen[i] ? selectedCount : unselectedCount);
    }
  }
};

/// --deterministic (the default) or --no-deterministic, refused together.
void applyDeterminism(const ParsedArgs &args) {
  if (args.has("--deterministic") && args.has("--no-deterministic"))
    throw RunError("--deterministic and --no-deterministic contradict each "
                   "other");
  cpu::setDeterministic(!args.has("--no-deterministic"));
}

int runEval(const std::vector<std::string> &argv) {
  const std::string command = "eval";
  ParsedArgs args(argv,
                  {{"--weights", true},
                   {"--seed", true},
                   {"--data", true},
                   {"--batches", true},
                   {"--json", false},
                   {"--threads", true},
                   {"--deterministic", false},
                   {"--no-deterministic", false},
                   {"--batch", true},
                   {"--seq", true},
                   {"--sgt-policy", true},
                   {"--sgt-ratio", true},
                   {"--sgt-seed", true},
                   {"--sgt-stats", true},
                   {"--sgt-mask", true}},
                  command);
  if (args.help) {
    writeStdout(kEvalUsage);
    return 0;
  }
  applyDeterminism(args);
  if (args.positional.empty())
    throw RunError("eval needs an executable MODEL.cherry (see 'cherry-run "
                   "eval --help')");
  if (args.positional.size() > 1)
    throw RunError("unexpected argument '" + args.positional[1] +
                   "' for 'eval' (one executable only)");
  const std::string exePath = args.positional[0];
  std::string dataPath = args.required("--data", command);
  int64_t batches =
      parseInteger("--batches", args.required("--batches", command), 1,
                   INT64_MAX, "a positive integer");
  uint64_t seed = 0;
  if (auto text = args.get("--seed"))
    seed = parseSeed(*text);
  int threads = 0;
  if (auto text = args.get("--threads"))
    threads = static_cast<int>(
        parseInteger("--threads", *text, 1, 4096, "1 to 4096"));
  std::optional<std::string> weightsPath = args.get("--weights");
  if (weightsPath && weightsPath->empty())
    throw RunError("--weights is empty");
  bool json = args.has("--json");
  // The selection metrics' flags, checked before anything is loaded.
  if (!args.has("--sgt-policy"))
    for (const char *flag :
         {"--sgt-ratio", "--sgt-seed", "--sgt-stats", "--sgt-mask"})
      if (args.has(flag))
        throw RunError(std::string(flag) +
                       " applies to --sgt-policy, which is not given");
  std::optional<SelectionMetrics> selection;
  if (auto policy = args.get("--sgt-policy")) {
    selection.emplace();
    selection->policy = *policy == "topk-surprisal" ? "score" : *policy;
    static const char *const kPolicies[] = {"surprisal", "random", "score",
                                            "loss-topk", "mask",   "uniform"};
    if (std::find(std::begin(kPolicies), std::end(kPolicies),
                  selection->policy) == std::end(kPolicies))
      throw RunError("--sgt-policy must be surprisal, random, "
                     "topk-surprisal, loss-topk, mask or uniform, found '" +
                     *policy + "'");
    if (auto r = args.get("--sgt-ratio")) {
      char *end = nullptr;
      double v = std::strtod(r->c_str(), &end);
      if (r->empty() || *end || !(v > 0 && v <= 1))
        throw RunError("--sgt-ratio must be in (0, 1], found '" + *r + "'");
      selection->ratio = v;
    }
    if (auto s = args.get("--sgt-seed"))
      selection->seed = parseSeed(*s);
    if ((selection->policy == "score" || selection->policy == "surprisal") &&
        !args.has("--sgt-stats"))
      throw RunError("--sgt-policy " + *policy +
                     " needs --sgt-stats DIR/token_counts.json");
    if ((selection->policy == "mask") != args.has("--sgt-mask"))
      throw RunError(selection->policy == "mask"
                         ? "--sgt-policy mask needs --sgt-mask FILE (the "
                           "mask of --data)"
                         : "--sgt-mask applies to --sgt-policy mask only");
  }

  ex::Executable exe;
  check(loadExecutable(exePath, exe));
  Program program;
  check(Program::create(std::move(exe), program), exePath + ": ");
  EvalBindings eval = findEval(program, exePath);
  // --batch and --seq, when given, must be what the program was compiled
  // for: the shapes are static.
  for (auto [flag, compiled] :
       {std::pair<const char *, int64_t>{"--batch", eval.batch},
        {"--seq", eval.seq}})
    if (auto text = args.get(flag)) {
      int64_t asked =
          parseInteger(flag, *text, 1, INT64_MAX, "a positive integer");
      if (asked != compiled)
        throw RunError(
            std::string(flag) + " " + std::to_string(asked) +
            " differs from the " + (flag + 2) + " " + exePath +
            " was compiled for (" + std::to_string(compiled) +
            "); recompile with cherry-opt --cherry-infer=\"batch=" +
            (std::string(flag) == "--batch" ? std::to_string(asked)
                                            : std::to_string(eval.batch)) +
            " seq=" +
            (std::string(flag) == "--seq" ? std::to_string(asked)
                                          : std::to_string(eval.seq)) +
            "\"");
    }
  // The data before the weights: it is cheaper to find out it is short.
  DataLoader loader;
  check(DataLoader::open(dataPath, eval.batch, eval.seq, batches, loader));
  MaskFile mask;
  std::vector<int32_t> maskBatch;
  if (auto maskPath = args.get("--sgt-mask")) {
    check(MaskFile::open(*maskPath, loader.file(), mask), "--sgt-mask ");
    maskBatch.resize(eval.batch * eval.seq);
  }
  if (threads > 0)
    cpu::setNumThreads(threads);
  loadWeights(program, weightsPath, seed);

  auto *ids = reinterpret_cast<int32_t *>(program.bufferData(eval.ids->id()));
  auto *targets =
      reinterpret_cast<int32_t *>(program.bufferData(eval.targets->id()));
  const auto *loss =
      reinterpret_cast<const float *>(program.bufferData(eval.loss->id()));
  // Per-position metrics of a selection policy.
  const ex::Buffer *tokenLossBuf = nullptr;
  if (selection) {
    if (selection->policy == "score" || selection->policy == "surprisal") {
      auto stats = args.get("--sgt-stats");
      if (!stats)
        throw RunError("--sgt-policy " + selection->policy +
                       " needs --sgt-stats DIR/token_counts.json");
      // The vocabulary is the one the eval step's loss runs over.
      int64_t vocab = 0;
      for (const ex::Instruction &inst :
           program.executable().functions(eval.function).instructions())
        if (inst.kernel() == "head_cross_entropy_rows")
          for (const ex::Attribute &a : inst.attributes())
            if (a.name() == "vocab")
              vocab = a.i();
      selection->scores = loadSurprisal(*stats, vocab);
    }
    tokenLossBuf = program.outputBuffer(eval.function, "token_losses");
    if (!tokenLossBuf)
      throw RunError(exePath + ": eval_step has no 'token_losses' output "
                               "(recompile with this cherry-opt)");
  }
  const float *tokenLosses = tokenLossBuf
                                 ? reinterpret_cast<const float *>(
                                       program.bufferData(tokenLossBuf->id()))
                                 : nullptr;

  double lossSum = 0;
  auto start = std::chrono::steady_clock::now();
  for (int64_t k = 0; k < batches; ++k) {
    check(loader.read(k, ids, targets), "batch " + std::to_string(k) + ": ");
    check(program.run(eval.function), "batch " + std::to_string(k) + ": ");
    lossSum += *loss;
    if (!maskBatch.empty())
      check(mask.read(loader, k, maskBatch.data()), "--sgt-mask ");
    if (selection)
      selection->add(targets, tokenLosses, maskBatch.data(), eval.batch,
                     eval.seq, k + 1);
  }
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  const double mean = lossSum / static_cast<double>(batches);
  const int64_t tokens = batches * eval.batch * eval.seq;
  const double tokensPerSecond =
      static_cast<double>(tokens) / std::max(seconds, 1e-9);

  if (json) {
    nlohmann::ordered_json out;
    out["loss"] = mean;
    out["batches"] = batches;
    out["tokens"] = tokens;
    out["seconds"] = seconds;
    out["tokens_per_s"] = tokensPerSecond;
    if (selection) {
      out["loss_selected"] = selection->selectedSum /
                             std::max<int64_t>(selection->selectedCount, 1);
      out["loss_unselected"] =
          selection->unselectedCount
              ? selection->unselectedSum / selection->unselectedCount
              : 0.0;
      out["selected_positions"] = selection->selectedCount;
      out["unselected_positions"] = selection->unselectedCount;
    }
    writeStdout(out.dump() + "\n");
    return 0;
  }
  char line[256];
  std::snprintf(line, sizeof(line),
                "eval: loss %.6f over %lld %s (%lld tokens), %.0f tokens/s\n",
                mean, static_cast<long long>(batches),
                batches == 1 ? "batch" : "batches",
                static_cast<long long>(tokens), tokensPerSecond);
  writeStdout(line);
  if (selection) {
    std::snprintf(line, sizeof(line),
                  "eval: %s selection: loss %.6f on %lld selected positions, "
                  "%.6f on %lld others\n",
                  selection->policy.c_str(),
                  selection->selectedSum /
                      std::max<int64_t>(selection->selectedCount, 1),
                  static_cast<long long>(selection->selectedCount),
                  selection->unselectedCount
                      ? selection->unselectedSum / selection->unselectedCount
                      : 0.0,
                  static_cast<long long>(selection->unselectedCount));
    writeStdout(line);
  }
  return 0;
}

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
                   {"--deterministic", false},
                   {"--no-deterministic", false}},
                  command);
  if (args.help) {
    writeStdout(kGenerateUsage);
    return 0;
  }
  applyDeterminism(args);
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
  int threads = 0;
  if (auto text = args.get("--threads"))
    threads = static_cast<int>(
        parseInteger("--threads", *text, 1, 4096, "1 to 4096"));
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

  ex::Executable exe;
  check(loadExecutable(exePath, exe));
  Program program;
  check(Program::create(std::move(exe), program), exePath + ": ");
  const int fn = program.findFunction("decode_step");
  if (fn < 0)
    throw RunError(exePath + ": no function 'decode_step' (compile with "
                             "cherry-opt --cherry-decode)");
  const std::string where = exePath + ": decode_step";
  const ex::Buffer *idsBuf = program.inputBuffer(fn, "ids");
  const ex::Buffer *posBuf = program.inputBuffer(fn, "position");
  const ex::Buffer *logitsBuf = program.outputBuffer(fn, "logits");
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
  for (const ex::Binding &state : program.executable().functions(fn).state())
    if (const ex::Buffer *b = program.buffer(state.buffer());
        b && b->shape_size() == 3)
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
  if (threads > 0)
    cpu::setNumThreads(threads);
  loadWeights(program, args.get("--weights"), seed);

  auto *ids = reinterpret_cast<int32_t *>(program.bufferData(idsBuf->id()));
  auto *position =
      reinterpret_cast<int32_t *>(program.bufferData(posBuf->id()));
  const auto *logits =
      reinterpret_cast<const float *>(program.bufferData(logitsBuf->id()));
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
    ids[0] = token;
    position[0] = static_cast<int32_t>(pos);
    check(program.run(fn), "position " + std::to_string(pos) + ": ");
    ++steps;
  };
  for (size_t i = 0; i < prompt.size(); ++i)
    step(prompt[i], static_cast<int64_t>(i));
  int64_t pos = static_cast<int64_t>(prompt.size());
  bool cacheFull = false;
  for (int64_t n = 0; n < maxNew; ++n) {
    int32_t next = sampler.sample(logits, vocab, sampling);
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

#include "Train.inc"

int run(int argc, char **argv, const char *version) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty())
    throw RunError("missing command: train, eval or generate (see "
                   "'cherry-run --help')");
  std::string command = args[0];
  std::vector<std::string> rest(args.begin() + 1, args.end());
  if (command == "-h" || command == "--help" || command == "help") {
    writeStdout(kMainUsage);
    return 0;
  }
  if (command == "--version") {
    writeStdout(std::string("cherry-run version ") + version + "\n" +
                cpu::cpuDescription() + "\n");
    return 0;
  }
  // A bad CHERRY_CPU_VARIANT is refused before any file is read.
  cpu::CpuVariant variant;
  check(cpu::requestedCpuVariant(variant));
  if (command == "eval")
    return runEval(rest);
  if (command == "generate")
    return runGenerate(rest);
  if (command == "train")
    return runTrain(rest);
  if (!command.empty() && command[0] == '-')
    throw RunError("unknown option '" + command +
                   "' (see 'cherry-run --help')");
  throw RunError("unknown command '" + command +
                 "': expected train, eval or generate");
}

} // namespace

int cherryRunMain(int argc, char **argv, const char *version) {
  try {
    return run(argc, argv, version);
  } catch (const RunError &error) {
    std::cerr << "cherry-run: " << error.what() << "\n";
  } catch (const std::bad_alloc &) {
    std::cerr << "cherry-run: out of memory\n";
  } catch (const std::exception &error) {
    std::cerr << "cherry-run: internal error: " << error.what() << "\n";
  }
  return 1;
}

} // namespace cherry::run
