//===- Eval.cpp - cherry-run eval -----------------------------------------===//
//
// The mean loss of a model on the first batches of a token file, and with
// --sgt-policy the loss on the positions a selection policy picks and on the
// others.
//
//===----------------------------------------------------------------------===//

#include "Common.h"

#include "cherry/Runtime/Communicator.h"

#include "cherry/Runtime/DataLoader.h"
#include "cherry/Runtime/Executable.h"
#include "cherry/Runtime/Sgt.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>

namespace cherry::run {

using namespace cherry::runtime;

namespace {

const char *const kEvalUsage =
    R"(usage: cherry-run eval MODEL.cherry --data FILE.bin --batches K
                      [--weights PATH] [--seed S] [--device D]
                      [--cuda-graphs 0|1] [--threads N]
                      [--[no-]deterministic] [--json]
                      [--sgt-policy P [--sgt-ratio R] [--sgt-seed S]
                       [--sgt-stats FILE] [--sgt-mask FILE]]

Runs the executable's eval_step on batches 0 .. K-1 of a uint16 token file
(batch k reads tokens [k*B*T, k*B*T + B*T + 1), B and T from the shape of
eval_step's 'ids' input) and prints the mean of the per-batch losses and
the throughput (time measured around the K steps only). An executable
compiled with multi-token heads (--cherry-infer or --cherry-train mtp=D)
also reports each head's loss (head k against the tokens k + 1 ahead) the
same way; the loss stays the next-token loss alone.

  --data FILE.bin       flat little-endian uint16 token file
  --batches K           number of batches, K >= 1
  --weights PATH        a .safetensors file, a *.index.json of shards, or a
                        model directory (model.safetensors or
                        model.safetensors.index.json); parameters it lacks are
                        made by their initializers. Default: initialize all.
                        A model fused from several (cherry-moee-fuse) takes
                        one --weights per source model, in order
  --seed S              seed of the initializers (default 0)
  --device D            where the kernels run: cpu (default); cuda or cuda:N
                        where the CUDA backend is built
  --cuda-graphs 0|1     on a CUDA device: record each function as a CUDA
                        graph at its second call and replay it (1, the
                        default), or launch every kernel (0); docs/CUDA.md
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
                        "seconds", "tokens_per_s", with heads "mtp_losses"}
                        instead of a line of text
  -h, --help            show this help
)";

/// Loss on the selected and on the unselected positions, accumulated over
/// batches (--sgt-policy of eval).
struct SelectionMetrics {
  sgt::Policy policy = sgt::Policy::Surprisal;
  double ratio = 0.15;
  uint64_t seed = 0;
  std::vector<float> scores;
  double selectedSum = 0, unselectedSum = 0;
  int64_t selectedCount = 0, unselectedCount = 0;

  void add(const int32_t *targets, const float *losses, const int32_t *mask,
           int64_t batch, int64_t seq, int64_t step) {
    sgt::SelectionInputs in{scores.data(), static_cast<int64_t>(scores.size()),
                            losses, mask};
    std::vector<char> chosen;
    check(sgt::selectionMap(policy, sgt::selectedCount(ratio, seq), seed,
                            static_cast<uint64_t>(step), targets, in, batch,
                            seq, chosen));
    for (int64_t i = 0; i < batch * seq; ++i) {
      (chosen[i] ? selectedSum : unselectedSum) += losses[i];
      ++(chosen[i] ? selectedCount : unselectedCount);
    }
  }
};

} // namespace

int runEval(const std::vector<std::string> &argv) {
  const std::string command = "eval";
  ParsedArgs args(argv,
                  {{"--weights", true, /*repeatable=*/true},
                   {"--seed", true},
                   {"--data", true},
                   {"--batches", true},
                   {"--json", false},
                   {"--threads", true},
                   {"--device", true},
                   {"--cuda-graphs", true},
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
  const CpuFlags cpuFlags = parseCpuFlags(args);
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
  const std::vector<std::string> weightsPaths = args.all("--weights");
  for (const std::string &path : weightsPaths)
    if (path.empty())
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
    if (!sgt::parsePolicy(*policy, selection->policy))
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
    if (sgt::readsScores(selection->policy) && !args.has("--sgt-stats"))
      throw RunError("--sgt-policy " + *policy +
                     " needs --sgt-stats DIR/token_counts.json");
    const bool isMask = selection->policy == sgt::Policy::Mask;
    if (isMask != args.has("--sgt-mask"))
      throw RunError(isMask ? "--sgt-policy mask needs --sgt-mask FILE (the "
                              "mask of --data)"
                            : "--sgt-mask applies to --sgt-policy mask only");
  }

  Program program;
  loadProgram(exePath, cpuFlags, program);
  EvalStep eval;
  check(findEvalStep(program, exePath, eval));
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
  applyCpuFlags(cpuFlags);
  loadWeights(program, weightsPaths, seed);

  const int64_t positions = eval.batch * eval.seq;
  std::vector<int32_t> ids(positions), targets(positions);
  std::vector<float> tokenLosses;
  // Per-position metrics of a selection policy.
  const ex::Buffer *tokenLossBuf = nullptr;
  if (selection) {
    if (sgt::readsScores(selection->policy)) {
      // The vocabulary is the one the eval step's loss runs over.
      const int64_t vocab =
          program.executable().functions(eval.function).vocab_size();
      check(loadSurprisal("--sgt-stats", *args.get("--sgt-stats"), vocab,
                          selection->scores));
    }
    const ex::Binding *rows = findBinding(
        program.executable().functions(eval.function), ex::TOKEN_LOSSES);
    tokenLossBuf = rows ? program.buffer(rows->buffer()) : nullptr;
    if (!tokenLossBuf)
      throw RunError(exePath + ": eval_step has no 'token_losses' output "
                               "(recompile with this cherry-opt)");
  }

  // On R ranks, rank r evaluates batches r, r + R, ...; the sums are
  // reduced and rank 0 reports.
  WorldInfo world;
  check(initWorld(world));
  double lossSum = 0;
  std::vector<double> headSums(eval.mtpLosses.size(), 0.0);
  auto start = std::chrono::steady_clock::now();
  // An evaluation step with collectives (expert parallelism's exchanges)
  // runs in lockstep on every rank: a rank past the last batch evaluates
  // batch 0 again and drops the result, so that all run it as often.
  bool lockstep = false;
  for (const ex::Instruction &inst :
       program.executable().functions(eval.function).instructions())
    lockstep |= inst.kernel().rfind("moe_exchange", 0) == 0;
  const int64_t rounds = (batches + world.size - 1) / world.size;
  const int64_t end = lockstep ? rounds * world.size : batches;
  for (int64_t k = world.rank; k < end; k += world.size) {
    if (k >= batches) {
      const std::string where = "batch 0 (lockstep): ";
      check(loader.read(0, ids.data(), targets.data()), where);
      check(program.write(eval.ids->id(), ids.data(), positions * 4), where);
      check(program.write(eval.targets->id(), targets.data(), positions * 4),
            where);
      check(program.run(eval.function), where);
      continue;
    }
    const std::string where = "batch " + std::to_string(k) + ": ";
    check(loader.read(k, ids.data(), targets.data()), where);
    check(program.write(eval.ids->id(), ids.data(), positions * 4), where);
    check(program.write(eval.targets->id(), targets.data(), positions * 4),
          where);
    check(program.run(eval.function), where);
    float loss = 0;
    check(program.read(eval.loss->id(), &loss, sizeof(loss)), where);
    lossSum += loss;
    for (size_t h = 0; h < headSums.size(); ++h) {
      check(program.read(eval.mtpLosses[h]->id(), &loss, sizeof(loss)), where);
      headSums[h] += loss;
    }
    if (!maskBatch.empty())
      check(mask.read(loader, k, maskBatch.data()), "--sgt-mask ");
    if (selection) {
      check(program.read(tokenLossBuf->id(), tokenLosses), where);
      selection->add(targets.data(), tokenLosses.data(), maskBatch.data(),
                     eval.batch, eval.seq, k + 1);
    }
  }
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  if (Communicator *c = program.device().communicator()) {
    double sums[5] = {lossSum, 0, 0, 0, 0};
    if (selection) {
      sums[1] = selection->selectedSum;
      sums[2] = selection->unselectedSum;
      sums[3] = static_cast<double>(selection->selectedCount);
      sums[4] = static_cast<double>(selection->unselectedCount);
    }
    check(c->allReduceHostSum(sums, 5), "eval: ");
    if (!headSums.empty())
      check(c->allReduceHostSum(headSums.data(), headSums.size()), "eval: ");
    lossSum = sums[0];
    if (selection) {
      selection->selectedSum = sums[1];
      selection->unselectedSum = sums[2];
      selection->selectedCount = static_cast<int64_t>(sums[3]);
      selection->unselectedCount = static_cast<int64_t>(sums[4]);
    }
    if (world.rank != 0)
      return 0;
  }
  const double mean = lossSum / static_cast<double>(batches);
  std::vector<double> headMeans;
  for (double h : headSums)
    headMeans.push_back(h / static_cast<double>(batches));
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
    if (!headMeans.empty())
      out["mtp_losses"] = headMeans;
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
  for (size_t h = 0; h < headMeans.size(); ++h) {
    std::snprintf(line, sizeof(line),
                  "eval: multi-token head %zu (the token %zu ahead): loss "
                  "%.6f\n",
                  h + 1, h + 2, headMeans[h]);
    writeStdout(line);
  }
  if (selection) {
    std::snprintf(line, sizeof(line),
                  "eval: %s selection: loss %.6f on %lld selected positions, "
                  "%.6f on %lld others\n",
                  sgt::policyName(selection->policy),
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

} // namespace cherry::run
