//===- Train.cpp - cherry-run train ---------------------------------------===//
//
// Flags and printing; the training itself is runtime::Trainer
// (cherry/Runtime/Trainer.h).
//
//===----------------------------------------------------------------------===//

#include "Common.h"

#include "cherry/Runtime/Communicator.h"

#include "cherry/Runtime/Training.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>

namespace cherry::run {

using namespace cherry::runtime;

namespace {

const char *const kTrainUsage =
    R"(usage: cherry-run train MODEL.cherry --data TRAIN.bin --steps N --save DIR
                       [--val VAL.bin] [--weights PATH | --resume DIR] [--seed S]
                       [--lr X] [--lr-schedule constant|cosine] [--warmup N]
                       [--min-lr X] [--weight-decay W] [--beta1 B] [--beta2 B]
                       [--eps E] [--grad-clip C] [--eval-every N]
                       [--eval-batches K] [--save-every N] [--log-every N]
                       [--device D] [--cuda-graphs 0|1]
                       [--threads N] [--[no-]deterministic] [--json]

Runs the executable's train_step (compiled with --cherry-train) for N optimizer
steps on a uint16 token file (step s trains on batch s mod the batches the file
holds), with the learning rate, betas, eps, weight decay and clipping given at
run time. DIR receives metrics.jsonl, TensorBoard event files and checkpoints
(Hugging Face directories: config.json, model.safetensors, plus
optimizer.safetensors and trainer_state.json), written atomically.

  --steps N             optimizer steps counted from the start of training: a
                        resumed run stops where an uninterrupted one would;
                        0 writes the initial checkpoint only
  --weights PATH        start from these weights (Hugging Face names); a
                        model fused from several (cherry-moee-fuse) takes
                        one --weights per source model, in order
  --resume DIR          continue a run (DIR or DIR/checkpoint-<n>): weights,
                        optimizer state and step; the same losses follow as
                        in an uninterrupted run
  --seed S              seed of the initializers (default 0)
  --lr X                peak learning rate (default 1e-3)
  --lr-schedule         constant (default) or cosine (decays to --min-lr)
  --warmup N            linear warmup steps (default 0)
  --min-lr X            floor of the cosine schedule (default 0)
  --schedule-steps N    steps the schedule spans (default --steps); a run
                        resumed with a larger --steps passes the original
                        length to keep its cosine schedule
  --weight-decay W      decoupled weight decay of matrices (default 0.01)
  --beta1, --beta2      AdamW betas (default 0.9, 0.999)
  --eps E               AdamW eps (default 1e-8)
  --grad-clip C         clip the global gradient norm to C (default 0: off)
  --val VAL.bin         validation tokens: mean loss of --eval-batches (4)
                        batches every --eval-every steps (default: at the end)
  --save-every N        also checkpoint every N steps (default: at the end)
  --log-every N         report every N steps (default 1)
  --sgt-stats FILE      token_counts.json (cherry-data) for the surprisal
                        and topk-surprisal policies of selective training:
                        a position's score is the surprisal -log p of its
                        target
  --sgt-mask FILE       per-token mask of --data for the mask policy (one
                        byte per token, 0 or 1; cherry-data mask writes one)
  --coupling-every N    every N steps, before the update, report the
                        gradient coupling of selective training: the cosine
                        between the gradients of the mean loss on the
                        selected and on the unselected positions, overall
                        and per layer; the summary gives their mean
  --device D            where the kernels run: cpu (default); cuda or cuda:N
                        where the CUDA backend is built
  --cuda-graphs 0|1     on a CUDA device: record each function as a CUDA
                        graph at its second call and replay it (1, the
                        default), or launch every kernel (0); docs/CUDA.md
  --threads N           CPU threads (default: all cores, or OMP_NUM_THREADS)
  --deterministic       (the default) all work, GEMMs included, is cut by
                        shape alone: the same losses for any --threads on
                        this machine (docs/Determinism.md)
  --no-deterministic    GEMMs one slice per thread: more than 8 threads per
                        GEMM, but the losses depend on --threads
  --json                one JSON object per reported step on stdout, and a
                        summary with the median tokens_per_s at the end
  -h, --help            show this help

Many ranks: `mpirun -np R cherry-run train ...` runs an executable compiled
with --cherry-train="... ranks=R" on R processes; rank r reads batch
s * R + r at step s, the gradients and the loss are averaged across ranks
inside train_step, and rank 0 alone prints and writes DIR (docs/UserGuide.md,
"Many ranks").
)";

/// A finite real in (lo, hi] (or [lo, hi] when `closedLow`).
double parseReal(const std::string &flag, const std::string &text, double lo,
                 double hi, bool closedLow, const std::string &what) {
  char *end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !std::isfinite(v) ||
      (closedLow ? v < lo : v <= lo) || v > hi)
    throw RunError(flag + " must be " + what + ", found '" + text + "'");
  return v;
}

/// The console lines of a step's extra metrics, one per metric; the
/// per-layer couplings join the coupling's line. A mixture's expert loads
/// and router loss are on the step's own line.
std::vector<std::string> metricNotes(const StepMetrics &m) {
  std::vector<std::string> notes;
  for (auto &[name, value] : m.extra) {
    if (name.rfind("expert_load_", 0) == 0 || name == "router_loss")
      continue;
    char text[32];
    if (name.rfind("coupling_layer", 0) == 0 && !notes.empty()) {
      std::snprintf(text, sizeof(text), " %.3f", value);
      std::string &line = notes.back();
      if (line.back() == ')')
        line.pop_back();
      else
        line += " (layers";
      line += std::string(text) + ")";
      continue;
    }
    std::snprintf(text, sizeof(text), "%.4f", value);
    notes.push_back("step " + std::to_string(m.step) + ": " + name + " " +
                    text);
  }
  return notes;
}

} // namespace

int runTrain(const std::vector<std::string> &argv) {
  const std::string command = "train";
  ParsedArgs args(argv,
                  {{"--data", true},
                   {"--val", true},
                   {"--weights", true, /*repeatable=*/true},
                   {"--resume", true},
                   {"--seed", true},
                   {"--steps", true},
                   {"--lr", true},
                   {"--lr-schedule", true},
                   {"--warmup", true},
                   {"--schedule-steps", true},
                   {"--min-lr", true},
                   {"--weight-decay", true},
                   {"--beta1", true},
                   {"--beta2", true},
                   {"--eps", true},
                   {"--grad-clip", true},
                   {"--eval-every", true},
                   {"--eval-batches", true},
                   {"--save-every", true},
                   {"--log-every", true},
                   {"--save", true},
                   {"--threads", true},
                   {"--device", true},
                   {"--cuda-graphs", true},
                   {"--deterministic", false},
                   {"--no-deterministic", false},
                   {"--json", false},
                   {"--sgt-stats", true},
                   {"--sgt-mask", true},
                   {"--coupling-every", true}},
                  command);
  if (args.help) {
    writeStdout(kTrainUsage);
    return 0;
  }
  const CpuFlags cpuFlags = parseCpuFlags(args);
  if (args.positional.size() != 1)
    throw RunError("train needs exactly one executable MODEL.cherry (see "
                   "'cherry-run train --help')");
  const std::string exePath = args.positional[0];
  const std::string dataPath = args.required("--data", command);
  const std::string saveDir = args.required("--save", command);
  const int64_t steps =
      parseInteger("--steps", args.required("--steps", command), 0, INT32_MAX,
                   "a non-negative integer");
  if (args.has("--weights") && args.has("--resume"))
    throw RunError("--weights and --resume exclude each other (a resumed run "
                   "continues from its checkpoint)");
  uint64_t seed = args.has("--seed") ? parseSeed(*args.get("--seed")) : 0;
  auto real = [&](const char *flag, double def, double lo, double hi,
                  bool closedLow, const char *what) {
    auto text = args.get(flag);
    return text ? parseReal(flag, *text, lo, hi, closedLow, what) : def;
  };
  const double beta1 = real("--beta1", 0.9, 0, 1, true, "in [0, 1)");
  const double beta2 = real("--beta2", 0.999, 0, 1, true, "in [0, 1)");
  if (beta1 >= 1 || beta2 >= 1)
    throw RunError("--beta1 and --beta2 must be below 1");
  const double eps = real("--eps", 1e-8, 0, 1, false, "a positive number");
  const double weightDecay =
      real("--weight-decay", 0.01, 0, 1e6, true, "a non-negative number");
  const double gradClip =
      real("--grad-clip", 0, 0, 1e30, true, "a non-negative number");
  auto count = [&](const char *flag, int64_t def, int64_t lo) {
    auto text = args.get(flag);
    return text ? parseInteger(flag, *text, lo, INT32_MAX,
                               lo ? "a positive integer"
                                  : "a non-negative integer")
                : def;
  };
  const int64_t logEvery = count("--log-every", 1, 1);
  const int64_t evalEvery = count("--eval-every", 0, 1);
  const int64_t evalBatches = count("--eval-batches", 4, 1);
  const int64_t saveEvery = count("--save-every", 0, 1);
  const int64_t couplingEvery = count("--coupling-every", 0, 1);
  const bool json = args.has("--json");
  LrSchedule schedule;
  check(parseLrSchedule(
      args.get("--lr-schedule").value_or("constant"),
      args.get("--lr").value_or("1e-3"), args.get("--min-lr").value_or("0"),
      args.get("--warmup").value_or("0"),
      count("--schedule-steps", std::max<int64_t>(steps, 1), 1), schedule));

  TrainerConfig config;
  config.exePath = exePath;
  config.dataPath = dataPath;
  config.saveDir = saveDir;
  config.valPath = args.get("--val");
  config.weights = args.all("--weights");
  for (const std::string &path : config.weights)
    if (path.empty())
      throw RunError("--weights is empty");
  config.resume = args.get("--resume");
  config.sgtStats = args.get("--sgt-stats");
  config.sgtMask = args.get("--sgt-mask");
  config.steps = steps;
  config.schedule = schedule;
  config.optimizer = {beta1, beta2, eps, weightDecay, gradClip};
  config.seed = seed;
  config.logEvery = logEvery;
  config.evalEvery = evalEvery;
  config.evalBatches = evalBatches;
  config.saveEvery = saveEvery;
  config.couplingEvery = couplingEvery;
  WorldInfo world;
  check(initWorld(world));
  config.ranks = {world.rank, world.size};
  // Rank 0 speaks for the run; the others only report their errors.
  const bool speaks = config.ranks.writes();

  Program program;
  loadProgram(exePath, cpuFlags, program);
  applyCpuFlags(cpuFlags);
  WeightsReport weights;
  Trainer trainer;
  Status created = Trainer::create(program, config, weights, trainer);
  for (const std::string &note : weights.notes)
    std::cerr << "cherry-run: " << tools::oneLine(note) << "\n";
  check(created);

  if (trainer.done()) {
    const int64_t at = std::max(trainer.startStep(), int64_t{0});
    std::string dir;
    check(trainer.saveCheckpoint(at, &dir));
    if (speaks)
      std::cerr << "cherry-run: nothing to train (step " << trainer.startStep()
                << " of " << steps << "); checkpoint " << dir << "\n";
    return 0;
  }

  ConsoleReporter console(stderr, json ? ConsoleReporter::Style::Lines
                                       : ConsoleReporter::Style::Auto);
  auto report = [&](const StepMetrics &m) {
    if (!speaks)
      return;
    if (json) {
      nlohmann::ordered_json line;
      line["step"] = m.step;
      line["loss"] = m.loss;
      line["lr"] = m.lr;
      line["grad_norm"] = m.gradNorm;
      line["tokens_per_s"] = m.tokensPerSecond;
      for (auto &[name, value] : m.extra)
        line[name] = value;
      writeStdout(line.dump() + "\n");
    }
    console.report(m);
    for (const std::string &note : metricNotes(m))
      console.note(note);
  };
  TrainSummary summary;
  Status trained = trainer.run(report, summary);
  console.finish();
  check(trained);
  if (!speaks)
    return 0;
  if (json) {
    nlohmann::ordered_json out;
    out["summary"] = true;
    out["steps"] = steps;
    out["start_step"] = summary.startStep;
    out["tokens_per_s"] = summary.medianTokensPerSecond;
    if (summary.couplingMean) {
      out["coupling_mean"] = *summary.couplingMean;
      out["coupling_steps"] = summary.couplingSteps;
    }
    out["checkpoint"] = summary.lastCheckpoint;
    writeStdout(out.dump() + "\n");
  } else {
    std::cerr << "cherry-run: trained to step " << steps << ", median "
              << static_cast<int64_t>(summary.medianTokensPerSecond)
              << " tokens/s; checkpoint " << summary.lastCheckpoint << "\n";
  }
  return 0;
}

} // namespace cherry::run
