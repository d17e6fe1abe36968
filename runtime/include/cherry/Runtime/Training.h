//===- Training.h - Schedules, metrics and checkpoints ----------*- C++ -*-===//
//
// The parts of `cherry-run train` that do not depend on the compiled program:
// learning-rate schedules, metrics output (JSONL file, console progress) and
// crash-safe checkpoints. Links no MLIR or LLVM.
//
// Step numbering, used throughout: optimizer steps are counted from 0 for the
// schedule (step s is the (s+1)-th update) and from 1 for everything a person
// sees. After optimizer step s completes, `step` = s + 1 updates are done:
// that is the step of its StepMetrics, JSONL line, TensorBoard event and
// checkpoint (`checkpoint-<s+1>`); a run resumed from `checkpoint-<n>` goes on
// with optimizer step s = n.
//
// Checkpoint directory layout (Hugging Face style, one per saved step):
//
//   <run>/checkpoint-<step>/config.json           the model config (as given)
//   <run>/checkpoint-<step>/model.safetensors     weights, HF names
//   <run>/checkpoint-<step>/optimizer.safetensors optimizer state
//   <run>/checkpoint-<step>/trainer_state.json    JSON object, "global_step"
//   <run>/latest                                  "checkpoint-<step>\n"
//
// `latest` names the newest complete checkpoint and is only ever replaced
// atomically after that checkpoint is durable, so a crash at any point leaves
// it naming a complete checkpoint (or absent, before the first one).
//
//===----------------------------------------------------------------------===//

#ifndef CHERRY_RUNTIME_TRAINING_H
#define CHERRY_RUNTIME_TRAINING_H

#include "cherry/Runtime/SafeTensors.h"
#include "cherry/Runtime/Status.h"

#include <cstdint>
#include <cstdio>
#include <functional>
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace cherry::runtime {

//===----------------------------------------------------------------------===//
// Learning-rate schedules
//===----------------------------------------------------------------------===//

enum class LrScheduleKind { Constant, Cosine };

/// "constant" or "cosine".
const char *lrScheduleKindName(LrScheduleKind kind);

/// The learning rate of each optimizer step, PyTorch LambdaLR style: the rate
/// used by optimizer step s (0-based, s = 0 .. totalSteps-1) is
/// lr * factor(s), with W = warmupSteps and N = totalSteps:
///
///   warmup (both kinds), s < W:  factor = s / W
///                                (step 0 uses 0, step W-1 uses (W-1)/W;
///                                exactly Hugging Face's
///                                get_*_schedule_with_warmup)
///   constant, s >= W:            factor = 1
///   cosine, s >= W:              p = (s - W) / (N - 1 - W), clamped to
///                                [0, 1] (p = 0 when N - 1 <= W)
///                                rate = minLr + (lr - minLr) *
///                                       (1 + cos(pi * p)) / 2
///
/// so cosine starts its decay at the peak `lr` at step W and reaches the floor
/// `minLr` exactly at the last step N-1 (midway, (lr + minLr) / 2). Unlike
/// Hugging Face (which divides by N - W and never quite reaches the floor),
/// the last step uses exactly minLr. Steps past N-1 keep minLr.
struct LrSchedule {
  LrScheduleKind kind = LrScheduleKind::Constant;
  /// Peak rate, > 0.
  double lr = 3e-4;
  /// Cosine floor, 0 <= minLr <= lr; ignored by constant.
  double minLr = 0;
  /// Linear warmup steps W, 0 <= W < totalSteps.
  int64_t warmupSteps = 0;
  /// Optimizer steps of the whole run N, >= 1.
  int64_t totalSteps = 1;

  /// The rate for optimizer step `step` (0-based; negative counts as 0).
  double at(int64_t step) const;
};

/// Parses --lr-schedule: "constant" or "cosine".
Status parseLrScheduleKind(const std::string &text, LrScheduleKind &out);

/// Checks the ranges above; errors name the flag: --lr, --min-lr,
/// --warmup, --steps.
Status validateLrSchedule(const LrSchedule &schedule);

/// Parses the flags' texts (--lr-schedule, --lr, --min-lr, --warmup;
/// reals like "3e-4", a non-negative integer for the warmup) and validates.
/// Errors are one line naming the flag and the text. On error `out` is left
/// as it was.
Status parseLrSchedule(const std::string &kind, const std::string &lr,
                       const std::string &minLr, const std::string &warmupSteps,
                       int64_t totalSteps, LrSchedule &out);

//===----------------------------------------------------------------------===//
// Metrics
//===----------------------------------------------------------------------===//

/// What is reported after an optimizer step. NaN marks a value not known
/// (written as null in JSON, left out of console lines).
struct StepMetrics {
  /// Optimizer steps completed (1-based; see the top of this file).
  int64_t step = 0;
  /// Steps of the whole run; <= 0 when unknown.
  int64_t totalSteps = 0;
  double loss = std::numeric_limits<double>::quiet_NaN();
  /// The rate the step used.
  double lr = std::numeric_limits<double>::quiet_NaN();
  /// Global L2 norm of the gradients (before clipping).
  double gradNorm = std::numeric_limits<double>::quiet_NaN();
  /// Throughput of this step (or of the steps since the last report).
  double tokensPerSecond = std::numeric_limits<double>::quiet_NaN();
  /// Tokens trained on so far, all steps included.
  int64_t tokens = 0;
  /// Seconds since this process started training (resumed runs start at 0).
  /// ConsoleReporter times its redraws and ETA by it: always set it.
  double elapsedSeconds = 0;
  /// Seconds since the Unix epoch when the step finished.
  double wallTime = 0;
  /// Further numbers to record (e.g. {"eval_loss", 4.2}), in this order.
  std::vector<std::pair<std::string, double>> extra;
};

/// One JSON object on one line (no newline): {"step", "total_steps", "loss",
/// "lr", "grad_norm", "tokens_per_second", "tokens", "elapsed_s", "time",
/// then the extras}. Non-finite numbers are null; total_steps is left out
/// when unknown. An extra named like a fixed field replaces it.
std::string metricsJson(const StepMetrics &metrics);

/// Appends metrics to a JSON Lines file: one object per line, each line one
/// write(2) of an O_APPEND descriptor, so the file holds whole lines after a
/// crash of this process (no fsync per line: a power loss may drop the last
/// lines). Move-only.
class MetricsWriter {
public:
  MetricsWriter();
  ~MetricsWriter();
  MetricsWriter(MetricsWriter &&) noexcept;
  MetricsWriter &operator=(MetricsWriter &&) noexcept;
  MetricsWriter(const MetricsWriter &) = delete;
  MetricsWriter &operator=(const MetricsWriter &) = delete;

  /// Opens (creating if needed) `path` for appending. A last line without a
  /// newline (torn by a crash mid-write) is cut off first. On error (one
  /// line naming the file) `out` is left as it was.
  static Status open(const std::string &path, MetricsWriter &out);

  /// Appends metricsJson(metrics) and a newline.
  Status append(const StepMetrics &metrics);
  /// Appends `jsonObject` (must parse as a JSON object; it is re-serialized
  /// on one line) and a newline.
  Status appendJson(const std::string &jsonObject);

  const std::string &path() const { return path_; }

private:
  Status appendLine(std::string line);

  int fd_ = -1;
  std::string path_;
};

/// "3.0e-4": one decimal, exponent without '+' or leading zeros; "0" for 0.
std::string formatLr(double lr);
/// "12:34" under an hour, else "1:02:03"; "--" when not finite or negative.
std::string formatDuration(double seconds);
/// The plain log line:
/// "step 10/200  loss 5.1234  lr 3.0e-4  grad_norm 1.23  12345 tok/s"
/// (unknown values left out; "step 10" when the total is unknown).
std::string formatStepLine(const StepMetrics &metrics);
/// The progress-bar line, at most `width` - 1 columns, no '\r':
/// "[#####.....]  10/200  loss 5.1234  lr 3.0e-4  12345 tok/s  ETA 1:23"
/// (the bar shrinks, then goes, when the width is small).
std::string formatProgressLine(const StepMetrics &metrics, double etaSeconds,
                               int width);

/// Prints progress to a stream (stderr by default). On a terminal: one line
/// redrawn in place ('\r', clear to end of line) at most 10 times a second
/// of training time, plus always at the last step; otherwise one
/// formatStepLine per report() call (the caller chooses how often).
class ConsoleReporter {
public:
  enum class Style { Auto, ProgressBar, Lines };

  /// Auto picks ProgressBar when isatty(fileno(stream)). `width` 0 means the
  /// terminal's width (TIOCGWINSZ, else $COLUMNS, else 100).
  explicit ConsoleReporter(std::FILE *stream = stderr,
                           Style style = Style::Auto, int width = 0);
  /// Calls finish().
  ~ConsoleReporter();
  ConsoleReporter(const ConsoleReporter &) = delete;
  ConsoleReporter &operator=(const ConsoleReporter &) = delete;

  bool usesProgressBar() const { return bar_; }

  /// Reports the metrics of a completed step. ETA is estimated from the
  /// steps and elapsedSeconds since the first report (none before the
  /// second).
  void report(const StepMetrics &metrics);
  /// Prints `line` on a line of its own, above the progress bar if one is
  /// shown (which is redrawn by the next report()).
  void note(const std::string &line);
  /// Ends the progress bar's line with a newline (no-op if none is shown).
  void finish();

private:
  std::FILE *stream_;
  bool bar_ = false;
  int width_ = 100;
  bool barShown_ = false;
  bool haveFirst_ = false;
  int64_t firstStep_ = 0;
  double firstElapsed_ = 0;
  double lastDraw_ = -1;
};

/// The median of `values` (mean of the two middle ones for an even count);
/// NaN when empty.
double median(std::vector<double> values);
/// Median per-step tokens/s, leaving out the first `skipFirst` steps (which
/// pay for warm-up: allocation, first-touch, caches), though never all of
/// them; NaN when there are none.
double medianTokensPerSecond(const std::vector<double> &perStep,
                             size_t skipFirst = 1);

//===----------------------------------------------------------------------===//
// Checkpoints
//===----------------------------------------------------------------------===//

/// "checkpoint-<step>".
std::string checkpointDirName(int64_t step);

/// Points of saveCheckpoint, in order, at which a test can inject a failure.
enum class CheckpointStage {
  CreatedTemp,       ///< the temporary directory exists, empty
  WroteConfig,       ///< config.json written and fsynced
  WroteModel,        ///< model.safetensors written and fsynced
  WroteOptimizer,    ///< optimizer.safetensors written and fsynced
  WroteTrainerState, ///< trainer_state.json written and fsynced
  SyncedTemp,        ///< the temporary directory fsynced
  Renamed,           ///< renamed to checkpoint-<step> (older one set aside)
  SyncedRunDir,      ///< the run directory fsynced
  UpdatedLatest,     ///< `latest` names the new checkpoint
};

/// "created-temp", "wrote-config", ...: for messages.
const char *checkpointStageName(CheckpointStage stage);

/// Called after each stage; a non-ok Status makes saveCheckpoint stop there
/// and return it (cleaning up as after any error). A test may instead end the
/// process (_exit) to simulate a crash at that point.
using CheckpointFaultHook = std::function<Status(CheckpointStage)>;

/// Writes `runDir/checkpoint-<step>/` (layout at the top of this file) and
/// then points `runDir/latest` at it:
///
///  1. stale temporaries of earlier crashed saves are removed (names
///     `.checkpoint-*.tmp-<pid>` / `.old-<pid>` / `.del-<pid>` of a process
///     that no longer runs, or of this one);
///  2. everything is written into `runDir/.checkpoint-<step>.tmp-<pid>/`,
///     each file atomically and fsynced; then the directory is fsynced;
///  3. it is renamed to `checkpoint-<step>`: an existing checkpoint of that
///     step is swapped out atomically (renameat2 RENAME_EXCHANGE; where the
///     file system cannot, it is renamed aside first) and then deleted;
///  4. runDir is fsynced, and `latest` replaced atomically (temp + rename).
///
/// `trainerStateJson` must be a JSON object; "global_step": step is added
/// when missing and must equal `step` when present. `configJson` must be a
/// JSON object and is written as given. Model tensors should be F32 with
/// Hugging Face names; model.safetensors gets metadata {"format": "pt"} so
/// transformers loads it. One writer per run directory at a time.
/// `savedDir`, when given, receives the checkpoint's path. Errors are one
/// line naming the file or directory; after one, `latest` is unchanged.
Status saveCheckpoint(const std::string &runDir, int64_t step,
                      const std::vector<TensorToWrite> &modelTensors,
                      const std::vector<TensorToWrite> &optimizerTensors,
                      const std::string &trainerStateJson,
                      const std::string &configJson,
                      std::string *savedDir = nullptr,
                      const CheckpointFaultHook &hook = nullptr);

/// A loaded checkpoint: tensors stay mapped while it lives. Move-only.
struct Checkpoint {
  /// The checkpoint directory.
  std::string dir;
  /// trainer_state.json's "global_step".
  int64_t step = 0;
  SafeTensors model;
  SafeTensors optimizer;
  /// The two JSON files' text, as stored.
  std::string configJson;
  std::string trainerStateJson;
};

/// Reads `runDir/latest`: `found` false (and success) when there is none;
/// an error when it is not a single line "checkpoint-<digits>".
Status readLatestCheckpoint(const std::string &runDir, std::string &name,
                            bool &found);

/// Loads a checkpoint from `path`: a run directory (with `latest`, which is
/// resolved) or a checkpoint directory itself. Checks that all four files
/// exist and parse (JSON objects; safetensors validated in full), that
/// trainer_state.json has an integer "global_step" and that it matches a
/// `checkpoint-<n>` directory name. Errors are one line naming the file; on
/// error `out` is left as it was.
Status loadCheckpoint(const std::string &path, Checkpoint &out);

/// Deletes `checkpoint-<n>` directories of `runDir` except the `keepLast`
/// with the highest n and the one `latest` names (always kept; keepLast 0
/// keeps only it). Each is renamed to a hidden name first, so a crash
/// mid-delete never leaves a partial `checkpoint-<n>`. `removed`, when
/// given, receives the deleted directory names. keepLast must be >= 0.
Status pruneCheckpoints(const std::string &runDir, int64_t keepLast,
                        std::vector<std::string> *removed = nullptr);

/// Bytes a checkpoint of these tensors takes (data plus a generous allowance
/// for headers and JSON), for checkWritable.
uint64_t estimateCheckpointBytes(const std::vector<TensorToWrite> &model,
                                 const std::vector<TensorToWrite> &optimizer);

/// Run before training: creates `dir` (and parents) if needed, checks that
/// it is a directory this process can create files in, and that the file
/// system has at least `bytesNeeded` bytes free for unprivileged users
/// (statvfs f_bavail * f_frsize). Errors are one line naming the directory
/// and, for space, both numbers.
Status checkWritable(const std::string &dir, uint64_t bytesNeeded);

} // namespace cherry::runtime

#endif // CHERRY_RUNTIME_TRAINING_H
