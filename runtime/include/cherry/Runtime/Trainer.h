//===- Trainer.h - Training, evaluation and checkpoints of a Program -*- C++
//-*-===//
//
// The trainer as a library: what `cherry-run train` does, for any front end.
// A Trainer drives a Program compiled with --cherry-train: it feeds each
// step its batch and hyper-parameters, checks the outcome, evaluates,
// measures the gradient coupling of selective training, writes metrics
// (metrics.jsonl, TensorBoard) and checkpoints, and resumes bit-exactly.
//
// Everything a run will need is checked by Trainer::create, before the first
// step: bindings, data, mask, validation data, statistics, the checkpoint to
// resume or the weights, and that the run directory can hold two
// checkpoints. Errors are one line naming the file, binding or flag.
//
// Ranks: a run is `worldSize` processes; each reads its own share of every
// global batch (global batch s is batches s * worldSize .. s * worldSize +
// worldSize - 1 of the token file, modulo the batches it holds; rank r reads
// the r-th), rank 0 alone writes metrics and checkpoints. A run of several
// ranks needs a train_step compiled for as many (`--cherry-train="...
// ranks=R"`, whose collectives reduce through the device's Communicator)
// and resumes only checkpoints of the same world size.
//
// Links no MLIR or LLVM.
//
//===----------------------------------------------------------------------===//

#ifndef CHERRY_RUNTIME_TRAINER_H
#define CHERRY_RUNTIME_TRAINER_H

#include "cherry/Runtime/Program.h"
#include "cherry/Runtime/Status.h"
#include "cherry/Runtime/Training.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace cherry::runtime {

//===----------------------------------------------------------------------===//
// Shared by training and evaluation
//===----------------------------------------------------------------------===//

/// The buffers of eval_step's bindings, checked: ids and targets I32
/// [batch, seq], loss an F32 scalar.
struct EvalStep {
  int function = -1;
  const executable::Buffer *ids = nullptr;
  const executable::Buffer *targets = nullptr;
  const executable::Buffer *loss = nullptr;
  /// Multi-token prediction: mtpLosses[k - 1] is head k's loss (F32
  /// scalar), the loss against the targets k positions further on.
  std::vector<const executable::Buffer *> mtpLosses;
  int64_t batch = 0;
  int64_t seq = 0;
};

/// Finds and checks eval_step; `path` names the executable in messages.
Status findEvalStep(const Program &program, const std::string &path,
                    EvalStep &out);

/// What loadWeights did that a user should hear about.
struct WeightsReport {
  /// One line each, without the tool's prefix ("warning: ..." or "note:
  /// ...").
  std::vector<std::string> notes;
};

/// Fills the program's parameters from `path` (a .safetensors file, a shard
/// index, or a model directory) or, without one, from their initializers
/// seeded by `seed`.
Status loadWeights(Program &program, const std::optional<std::string> &path,
                   uint64_t seed, WeightsReport &report);

/// Each token's surprisal -log p under the add-one-smoothed unigram counts
/// of a cherry-data token_counts.json; the counts must cover `vocab` tokens.
/// `flag` names the file's origin in messages (e.g. "--sgt-stats").
Status loadSurprisal(const std::string &flag, const std::string &path,
                     int64_t vocab, std::vector<float> &scores);

//===----------------------------------------------------------------------===//
// Trainer
//===----------------------------------------------------------------------===//

/// Where this process stands among the ranks of a run.
struct RankInfo {
  int rank = 0;
  int worldSize = 1;
  /// Whether this rank writes metrics, events and checkpoints.
  bool writes() const { return rank == 0; }
};

/// The optimizer's hyper-parameters, given at run time (the `hyper` input
/// of train_step: [lr, beta1, beta2, eps, weight_decay, step,
/// max_grad_norm, tokens]).
struct OptimizerSettings {
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weightDecay = 0.01;
  /// Clip the global gradient norm to this; 0: off.
  double gradClip = 0;
};

/// A training run: its files and cadences. Paths are those of cherry-run's
/// flags, named after them in messages.
struct TrainerConfig {
  std::string exePath;                 ///< the executable, for messages
  std::string dataPath;                ///< --data: uint16 training tokens
  std::string saveDir;                 ///< --save: the run directory
  std::optional<std::string> valPath;  ///< --val
  std::optional<std::string> weights;  ///< --weights
  std::optional<std::string> resume;   ///< --resume DIR or DIR/checkpoint-<n>
  std::optional<std::string> sgtStats; ///< --sgt-stats token_counts.json
  std::optional<std::string> sgtMask;  ///< --sgt-mask
  /// Optimizer steps counted from the start of training.
  int64_t steps = 0;
  LrSchedule schedule;
  OptimizerSettings optimizer;
  uint64_t seed = 0;
  int64_t logEvery = 1;
  int64_t evalEvery = 0; ///< 0: evaluate at the end only
  int64_t evalBatches = 4;
  int64_t saveEvery = 0;     ///< 0: checkpoint at the end only
  int64_t couplingEvery = 0; ///< 0: never
  RankInfo ranks;
};

/// The run's summary.
struct TrainSummary {
  int64_t startStep = 0;
  double medianTokensPerSecond = 0;
  /// The mean coupling over the steps that measured one.
  std::optional<double> couplingMean;
  size_t couplingSteps = 0;
  std::string lastCheckpoint;
};

class Trainer {
public:
  Trainer();
  ~Trainer();
  Trainer(Trainer &&) noexcept;
  Trainer &operator=(Trainer &&) noexcept;

  /// Checks everything the run needs and fills the parameters (from
  /// `config.resume`, `config.weights` or the initializers). `program` must
  /// outlive the trainer. On error `out` is left as it was.
  static Status create(Program &program, const TrainerConfig &config,
                       WeightsReport &weights, Trainer &out);

  /// The step training starts from: 0, or the resumed checkpoint's.
  int64_t startStep() const;
  /// Whether there is nothing left to train (steps 0, or a checkpoint at
  /// or past `steps`).
  bool done() const;
  /// Tokens each optimizer step trains on, over all ranks.
  int64_t tokensPerStep() const;

  /// Writes checkpoint-<step> (rank 0 only; the others send their shards of
  /// ZeRO-1 moments and return success: every rank calls it) and makes it
  /// `latest`; `dir` receives its path.
  Status saveCheckpoint(int64_t step, std::string *dir);

  /// Mean loss of the first evalBatches global batches of the validation
  /// data (rank r of R evaluates its batches k * R + r, as in training);
  /// `headLosses`, when given, receives each multi-token head's the same
  /// way (empty without heads).
  Status evaluate(double &loss, std::vector<double> *headLosses = nullptr);

  /// Called after each reported step (every logEvery steps, and the last)
  /// with its metrics, once metrics.jsonl and the events have them.
  using ReportFn = std::function<void(const StepMetrics &)>;

  /// Trains from startStep() to `steps`, checkpointing every saveEvery steps
  /// and at the end. Stops with an error naming the step and the last good
  /// checkpoint at the first non-finite loss or gradient norm, without
  /// saving that state.
  Status run(const ReportFn &report, TrainSummary &summary);

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

} // namespace cherry::runtime

#endif // CHERRY_RUNTIME_TRAINER_H
