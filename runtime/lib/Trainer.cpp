//===- Trainer.cpp - Training, evaluation and checkpoints of a Program ----===//
//
// See Trainer.h. The step loop is the one `cherry-run train` runs: batch
// s mod the batches the data holds, the hyper-parameters of step s + 1,
// train_step, metrics, checkpoints.
//
//===----------------------------------------------------------------------===//

#include "cherry/Runtime/Trainer.h"

#include "AtomicFile.h"

#include "cherry/Runtime/Communicator.h"
#include "cherry/Runtime/DataLoader.h"
#include "cherry/Runtime/Executable.h"
#include "cherry/Runtime/SafeTensors.h"
#include "cherry/Runtime/Sgt.h"
#include "cherry/Runtime/TensorBoard.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sys/stat.h>

namespace cherry::runtime {

namespace ex = cherry::executable;

namespace {

#define CHERRY_TRY(expr)                                                       \
  do {                                                                         \
    if (Status st_ = (expr); !st_.ok())                                        \
      return st_;                                                              \
  } while (false)

/// `st` with `prefix` before its message.
Status prefixed(const std::string &prefix, Status st) {
  if (!st.ok())
    st.message = prefix + st.message;
  return st;
}

/// The F32 scalar in buffer `b`.
Status readScalar(const Program &program, const ex::Buffer *b, float &out) {
  return program.read(b->id(), &out, sizeof(float));
}

/// Writes a host vector into buffer `b`.
template <typename T>
Status writeBuffer(Program &program, const ex::Buffer *b,
                   const std::vector<T> &values) {
  return program.write(b->id(), values.data(), values.size() * sizeof(T));
}

/// The buffer of function `fn`'s binding with `role`, called `name` in
/// messages (an input, or an output when `output`), checked for dtype and,
/// when `bytes` is not 0, size.
Status binding(const Program &program, int fn, const std::string &where,
               ex::BindingRole role, const std::string &name, bool output,
               ex::DType dtype, const ex::Buffer *&out, uint64_t bytes = 0) {
  const ex::Binding *bound =
      findBinding(program.executable().functions(fn), role);
  const ex::Buffer *b = bound ? program.buffer(bound->buffer()) : nullptr;
  if (!b)
    return Status::error(where + " has no " +
                         (output ? "output '" : "input '") + name + "'");
  if (b->dtype() != dtype || (bytes && b->size_bytes() != bytes))
    return Status::error(where + " binding '" + name + "' is " +
                         shapeString(*b) + ", not what train_step needs");
  out = b;
  return Status::success();
}

/// The buffer of `fn`'s binding with `role`, or null.
const ex::Buffer *boundBuffer(const Program &program, int fn,
                              ex::BindingRole role) {
  const ex::Binding *b = findBinding(program.executable().functions(fn), role);
  return b ? program.buffer(b->buffer()) : nullptr;
}

/// The parameter holding the selection's score table, or null.
const ex::Parameter *scoreTable(const ex::Executable &exe) {
  for (const ex::Parameter &p : exe.parameters())
    if (p.role() == ex::SELECTION_SCORES)
      return &p;
  return nullptr;
}

/// Training state (optimizer moments, the selection's score table) goes to
/// optimizer.safetensors; model weights to model.safetensors.
bool isOptimizerState(const ex::Parameter &p) {
  return p.role() == ex::OPTIMIZER_STATE || p.role() == ex::SELECTION_SCORES;
}

/// Source weights only initialize others (averaged layers): a checkpoint
/// neither holds nor needs them.
bool isSaved(const ex::Parameter &p) { return p.role() != ex::SOURCE_WEIGHT; }

std::string checkpointKey(const ex::Parameter &p) {
  return p.checkpoint_key().empty() ? p.name() : p.checkpoint_key();
}

/// A moment of ZeRO-1 (`optimizer.m.<name>` or `optimizer.v.<name>` of
/// ceil(n / worldSize) elements, `<name>` a parameter of n): the shape of
/// the whole moment, which checkpoints hold, else nothing.
/// Also an expert-parallel slice (expert_shards > 1, a stacked expert
/// weight or its moment): the whole tensor's shape, dimension 0 times the
/// shards; rank r holds its r-th part in element order.
std::optional<std::vector<int64_t>> shardedMoment(const ex::Executable &exe,
                                                  const ex::Parameter &p,
                                                  int worldSize) {
  if (p.expert_shards() > 1 && p.shape_size() > 0) {
    std::vector<int64_t> whole(p.shape().begin(), p.shape().end());
    whole[0] *= p.expert_shards();
    return whole;
  }
  if (worldSize < 2 || p.role() != ex::OPTIMIZER_STATE)
    return std::nullopt;
  std::string name = p.name();
  for (const char *prefix : {"optimizer.m.", "optimizer.v."})
    if (name.rfind(prefix, 0) == 0) {
      name = name.substr(std::strlen(prefix));
      for (const ex::Parameter &of : exe.parameters()) {
        if (of.name() != name)
          continue;
        int64_t n = 1, own = 1;
        for (int64_t d : of.shape())
          n *= d;
        for (int64_t d : p.shape())
          own *= d;
        if (own == n || own != (n + worldSize - 1) / worldSize)
          return std::nullopt;
        return std::vector<int64_t>(of.shape().begin(), of.shape().end());
      }
    }
  return std::nullopt;
}

/// Resumed state must be state a run can continue from: finite, and second
/// moments (optimizer.v.*) non-negative (their square root divides the
/// update).
/// config.json's "cherry": {"recurrent": ...} section (null when dense).
nlohmann::json recurrentSection(const std::string &configText) {
  nlohmann::json config = nlohmann::json::parse(configText, nullptr, false);
  if (!config.is_object() || !config.contains("cherry") ||
      !config["cherry"].is_object() || !config["cherry"].contains("recurrent"))
    return nullptr;
  return config["cherry"]["recurrent"];
}

/// A checkpoint of a recurrent model continues only in an executable with
/// the same recurrence: the same tensors could hold another schedule's
/// steps, so the two config sections are compared key by key.
Status checkSameRecurrence(const std::string &dir, const std::string &ours,
                           const std::string &theirs) {
  nlohmann::json a = recurrentSection(ours), b = recurrentSection(theirs);
  if (a == b)
    return Status::success();
  if (a.is_null() || b.is_null())
    return Status::error("--resume " + dir + ": the checkpoint is of a " +
                         (b.is_null() ? "dense" : "recurrent (compressed)") +
                         " model, the executable's is " +
                         (a.is_null() ? "dense" : "recurrent (compressed)"));
  for (const char *key : {"steps", "schedule", "step_norms", "lora_rank",
                          "lora_alpha", "lora_targets"})
    if (a.value(key, nlohmann::json()) != b.value(key, nlohmann::json()))
      return Status::error(
          "--resume " + dir + ": config.json cherry.recurrent." + key + " is " +
          b.value(key, nlohmann::json()).dump() + ", the executable's is " +
          a.value(key, nlohmann::json()).dump());
  return Status::success();
}

Status checkResumedValues(const std::string &dir, const std::string &key,
                          const std::vector<float> &values) {
  if (int64_t bad = firstNonFinite(values.data(), values.size()); bad >= 0)
    return Status::error(
        "--resume " + dir + ": tensor '" + key + "' has a non-finite value (" +
        std::to_string(values[bad]) + ") at element " + std::to_string(bad));
  if (key.rfind("optimizer.v.", 0) == 0)
    for (size_t i = 0; i < values.size(); ++i)
      if (values[i] < 0)
        return Status::error("--resume " + dir + ": tensor '" + key +
                             "' holds a negative second moment (" +
                             std::to_string(values[i]) + ") at element " +
                             std::to_string(i));
  return Status::success();
}

} // namespace

//===----------------------------------------------------------------------===//
// Shared by training and evaluation
//===----------------------------------------------------------------------===//

Status findEvalStep(const Program &program, const std::string &path,
                    EvalStep &eval) {
  eval.function = findFunction(program.executable(), ex::EVAL_STEP);
  if (eval.function < 0) {
    std::string names;
    for (const ex::Function &f : program.executable().functions())
      names += (names.empty() ? "" : ", ") + f.name();
    return Status::error(path +
                         ": no function 'eval_step' (the executable has: " +
                         (names.empty() ? "none" : names) + ")");
  }
  const std::string fn = path + ": eval_step";
  eval.ids = boundBuffer(program, eval.function, ex::TOKEN_IDS);
  if (!eval.ids)
    return Status::error(fn + " has no input 'ids'");
  if (eval.ids->dtype() != ex::I32 || eval.ids->shape_size() != 2)
    return Status::error(fn + " input 'ids' (buffer " +
                         std::to_string(eval.ids->id()) + ") is " +
                         shapeString(*eval.ids) + ", expected I32 [B, T]");
  eval.batch = eval.ids->shape(0);
  eval.seq = eval.ids->shape(1);
  eval.targets = boundBuffer(program, eval.function, ex::TARGETS);
  if (!eval.targets)
    return Status::error(fn + " has no input 'targets'");
  if (eval.targets->dtype() != ex::I32 || eval.targets->shape_size() != 2 ||
      eval.targets->shape(0) != eval.batch ||
      eval.targets->shape(1) != eval.seq)
    return Status::error(fn + " input 'targets' (buffer " +
                         std::to_string(eval.targets->id()) + ") is " +
                         shapeString(*eval.targets) + ", expected " +
                         shapeString(*eval.ids) + " like 'ids'");
  eval.loss = boundBuffer(program, eval.function, ex::LOSS);
  if (!eval.loss)
    return Status::error(fn + " has no output 'loss'");
  bool scalar = eval.loss->dtype() == ex::F32 && eval.loss->size_bytes() >= 4;
  for (int64_t d : eval.loss->shape())
    scalar = scalar && d == 1;
  if (!scalar)
    return Status::error(fn + " output 'loss' (buffer " +
                         std::to_string(eval.loss->id()) + ") is " +
                         shapeString(*eval.loss) + ", expected an F32 scalar");
  // The multi-token heads' losses, heads 1 .. D once each.
  eval.mtpLosses.clear();
  for (const ex::Binding &b :
       program.executable().functions(eval.function).outputs()) {
    if (b.role() != ex::MTP_LOSS)
      continue;
    const ex::Buffer *buf = program.buffer(b.buffer());
    bool headScalar = buf && buf->dtype() == ex::F32 && buf->size_bytes() >= 4;
    if (headScalar)
      for (int64_t d : buf->shape())
        headScalar = headScalar && d == 1;
    if (!headScalar)
      return Status::error(fn + " output '" + b.name() +
                           "' is not an F32 scalar");
    const size_t k = static_cast<size_t>(b.head());
    if (eval.mtpLosses.size() < k)
      eval.mtpLosses.resize(k, nullptr);
    if (eval.mtpLosses[k - 1])
      return Status::error(fn + " has two outputs for head " +
                           std::to_string(k));
    eval.mtpLosses[k - 1] = buf;
  }
  for (size_t k = 0; k < eval.mtpLosses.size(); ++k)
    if (!eval.mtpLosses[k])
      return Status::error(fn + " has no output for multi-token head " +
                           std::to_string(k + 1) + " but has one for head " +
                           std::to_string(eval.mtpLosses.size()));
  return Status::success();
}

Status loadWeights(Program &program, const std::optional<std::string> &path,
                   uint64_t seed, WeightsReport &report) {
  std::vector<std::string> paths;
  if (path)
    paths.push_back(*path);
  return loadWeights(program, paths, seed, report);
}

Status loadWeights(Program &program, const std::vector<std::string> &paths,
                   uint64_t seed, WeightsReport &report) {
  if (paths.empty()) {
    Status s = program.loadParameters(nullptr, "", seed);
    if (!s.ok())
      return Status::error(s.message + "; pass --weights");
    return Status::success();
  }
  std::vector<SafeTensors> files(paths.size());
  std::vector<Program::WeightSource> sources;
  for (size_t k = 0; k < paths.size(); ++k) {
    const std::string &path = paths[k];
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
      bool found = false;
      CHERRY_TRY(SafeTensors::openModelDir(path, files[k], found));
      if (!found)
        return Status::error("--weights " + path +
                             ": the directory has no model.safetensors or "
                             "model.safetensors.index.json");
    } else {
      CHERRY_TRY(SafeTensors::open(path, files[k]));
    }
    sources.push_back({&files[k], path});
  }
  CHERRY_TRY(program.loadParameters(sources, seed));
  const ParameterReport &loaded = program.parameterReport();
  auto plural = [](size_t n) { return n == 1 ? "" : "s"; };
  std::string from = paths.front();
  for (size_t k = 1; k < paths.size(); ++k)
    from += (k + 1 == paths.size() ? " and " : ", ") + paths[k];
  if (!loaded.unusedTensors.empty())
    report.notes.push_back(
        "warning: " + std::to_string(loaded.unusedTensors.size()) + " tensor" +
        plural(loaded.unusedTensors.size()) + " of " + from +
        " not used by the executable (first: '" + loaded.unusedTensors.front() +
        "')");
  if (!loaded.initialized.empty())
    report.notes.push_back(
        "note: " + std::to_string(loaded.initialized.size()) + " parameter" +
        plural(loaded.initialized.size()) + " not in " + from +
        " made by initializers (first: '" + loaded.initialized.front() + "')");
  return Status::success();
}

Status loadSurprisal(const std::string &flag, const std::string &path,
                     int64_t vocab, std::vector<float> &scores) {
  // A FIFO would block and a device never end: only a regular file.
  struct stat st;
  if (::stat(path.c_str(), &st) != 0)
    return Status::error(flag + " " + path + ": cannot read");
  if (!S_ISREG(st.st_mode))
    return Status::error(flag + " " + path + ": not a regular file");
  std::ifstream in(path);
  if (!in)
    return Status::error(flag + " " + path + ": cannot read");
  nlohmann::json stats = nlohmann::json::parse(in, nullptr, false);
  if (stats.is_discarded() || !stats.is_object() || !stats.contains("counts") ||
      !stats["counts"].is_array())
    return Status::error(flag + " " + path +
                         ": not a token_counts.json (no \"counts\" array)");
  const auto &counts = stats["counts"];
  if (static_cast<int64_t>(counts.size()) != vocab)
    return Status::error(
        flag + " " + path + ": counts for " + std::to_string(counts.size()) +
        " tokens, but the model's vocabulary is " + std::to_string(vocab));
  double total = 0;
  for (const auto &c : counts) {
    if (!c.is_number_unsigned())
      return Status::error(flag + " " + path +
                           ": counts must be non-negative integers");
    total += c.get<double>();
  }
  scores.resize(vocab);
  for (int64_t i = 0; i < vocab; ++i)
    scores[i] = static_cast<float>(
        -std::log((counts[i].get<double>() + 1.0) / (total + vocab)));
  return Status::success();
}

//===----------------------------------------------------------------------===//
// Gradient coupling
//===----------------------------------------------------------------------===//

namespace {

/// The gradient coupling of selective training (couplingEvery): at a step,
/// the cosine between the gradient of the mean loss over the positions the
/// step selects and that of the mean loss over the other positions, over
/// all parameters and per decoder layer, at the step's weights and batch
/// (docs/UserGuide.md). Runs grad_step (the gradient of a loss weighted per
/// position at run time) twice.
class Coupling {
public:
  struct Result {
    double overall = 0;
    std::vector<double> layers;
  };

  Status init(Program &program, const std::string &exePath, int trainFn);

  /// The coupling at training step `step` (1-based, as in hyper) on the
  /// batch in `batchIds`, `batchTargets` (and `mask`, for the mask policy);
  /// nothing when every position or none is selected.
  Status measure(int64_t step, const std::vector<int32_t> &batchIds,
                 const std::vector<int32_t> &batchTargets,
                 const std::vector<int32_t> *mask,
                 std::optional<Result> &result);

private:
  struct Grad {
    std::string param;
    int layer = -1;
    uint32_t buffer = 0;
  };
  /// The gradients grad_step wrote, read back to the host.
  Status readGradients(std::vector<std::vector<float>> &out) const;

  Program *program = nullptr;
  int fn = -1;
  const ex::Buffer *ids = nullptr, *targets = nullptr, *weights = nullptr;
  int64_t batch = 0, seq = 0, k = 0, vocab = 0;
  uint64_t seed = 0;
  sgt::Policy policy = sgt::Policy::Uniform;
  const ex::Parameter *scoreTable = nullptr;
  EvalStep eval;
  std::vector<Grad> grads;
  int numLayers = 0;
};

Status Coupling::init(Program &prog, const std::string &exePath, int trainFn) {
  program = &prog;
  fn = findFunction(prog.executable(), ex::GRAD_STEP);
  if (fn < 0)
    return Status::error(
        "--coupling-every needs a selective training step: " + exePath +
        " has no grad_step (compile with "
        "--cherry-train=\"... sgt=POLICY\")");
  const std::string where = exePath + ": grad_step";
  CHERRY_TRY(
      binding(prog, fn, where, ex::TOKEN_IDS, "ids", false, ex::I32, ids));
  CHERRY_TRY(binding(prog, fn, where, ex::TARGETS, "targets", false, ex::I32,
                     targets));
  CHERRY_TRY(binding(prog, fn, where, ex::TOKEN_WEIGHTS, "token_weights", false,
                     ex::F32, weights));
  batch = ids->shape(0);
  seq = ids->shape(1);
  // The training step's own selection, to draw the same positions.
  const ex::Selection &selection =
      prog.executable().functions(trainFn).selection();
  static const std::pair<ex::SelectionPolicy, sgt::Policy> kPolicyOf[] = {
      {ex::SELECT_UNIFORM, sgt::Policy::Uniform},
      {ex::SELECT_RANDOM, sgt::Policy::Random},
      {ex::SELECT_SCORE, sgt::Policy::Score},
      {ex::SELECT_SURPRISAL, sgt::Policy::Surprisal},
      {ex::SELECT_LOSS_TOPK, sgt::Policy::LossTopk},
      {ex::SELECT_MASK, sgt::Policy::Mask}};
  auto known = std::find_if(
      std::begin(kPolicyOf), std::end(kPolicyOf),
      [&](const auto &p) { return selection.policy() == p.first; });
  if (known == std::end(kPolicyOf))
    return Status::error(exePath + ": train_step selects no positions");
  policy = known->second;
  k = selection.k();
  seed = selection.seed();
  if ((scoreTable = runtime::scoreTable(prog.executable())))
    vocab = scoreTable->shape(0);
  if (policy == sgt::Policy::LossTopk)
    CHERRY_TRY(findEvalStep(prog, exePath, eval));
  for (const ex::Binding &b : prog.executable().functions(fn).outputs()) {
    if (b.role() != ex::GRADIENT)
      continue;
    Grad g;
    g.param = b.parameter();
    g.buffer = b.buffer();
    // model.layers.<i>.* belongs to layer i; the rest to no layer.
    const std::string prefix = "model.layers.";
    if (g.param.rfind(prefix, 0) == 0)
      g.layer = std::atoi(g.param.c_str() + prefix.size());
    numLayers = std::max(numLayers, g.layer + 1);
    grads.push_back(g);
  }
  return Status::success();
}

Status Coupling::readGradients(std::vector<std::vector<float>> &out) const {
  out.resize(grads.size());
  for (size_t p = 0; p < grads.size(); ++p)
    CHERRY_TRY(program->read(grads[p].buffer, out[p]));
  return Status::success();
}

Status Coupling::measure(int64_t step, const std::vector<int32_t> &batchIds,
                         const std::vector<int32_t> &batchTargets,
                         const std::vector<int32_t> *mask,
                         std::optional<Result> &result) {
  result.reset();
  const int64_t n = batch * seq;
  std::vector<float> scores, losses;
  if (scoreTable)
    CHERRY_TRY(program->read(scoreTable->buffer(), scores));
  sgt::SelectionInputs in{scoreTable ? scores.data() : nullptr, vocab, nullptr,
                          mask ? mask->data() : nullptr};
  if (policy == sgt::Policy::LossTopk) {
    CHERRY_TRY(writeBuffer(*program, eval.ids, batchIds));
    CHERRY_TRY(writeBuffer(*program, eval.targets, batchTargets));
    CHERRY_TRY(
        prefixed("--coupling-every: eval: ", program->run(eval.function)));
    const ex::Buffer *rows =
        boundBuffer(*program, eval.function, ex::TOKEN_LOSSES);
    if (!rows)
      return Status::error("--coupling-every: eval_step has no "
                           "'token_losses' output (recompile with this "
                           "cherry-opt)");
    CHERRY_TRY(program->read(rows->id(), losses));
    in.losses = losses.data();
  }
  std::vector<char> chosen;
  CHERRY_TRY(sgt::selectionMap(policy, k, seed, static_cast<uint64_t>(step),
                               batchTargets.data(), in, batch, seq, chosen));
  int64_t selected = 0;
  for (char c : chosen)
    selected += c;
  if (selected == 0 || selected == n)
    return Status::success();

  CHERRY_TRY(writeBuffer(*program, ids, batchIds));
  CHERRY_TRY(writeBuffer(*program, targets, batchTargets));
  std::vector<float> w(n);
  auto gradient = [&](bool ofSelected, int64_t count) {
    for (int64_t i = 0; i < n; ++i)
      w[i] = (chosen[i] != 0) == ofSelected
                 ? static_cast<float>(1.0 / static_cast<double>(count))
                 : 0.0f;
    CHERRY_TRY(writeBuffer(*program, weights, w));
    return prefixed("--coupling-every: grad_step: ", program->run(fn));
  };
  std::vector<std::vector<float>> ofSelected, ofOthers;
  CHERRY_TRY(gradient(true, selected));
  CHERRY_TRY(readGradients(ofSelected));
  CHERRY_TRY(gradient(false, n - selected));
  CHERRY_TRY(readGradients(ofOthers));

  // dot(g_S, g_U), |g_S|^2 and |g_U|^2, overall and per layer.
  using Sums = std::array<double, 3>;
  std::vector<Sums> perLayer(numLayers, Sums{0, 0, 0});
  Sums total = {0, 0, 0};
  for (size_t p = 0; p < grads.size(); ++p) {
    const float *a = ofSelected[p].data(), *b = ofOthers[p].data();
    Sums sums = {0, 0, 0};
    for (size_t i = 0; i < ofSelected[p].size(); ++i) {
      sums[0] += static_cast<double>(a[i]) * b[i];
      sums[1] += static_cast<double>(a[i]) * a[i];
      sums[2] += static_cast<double>(b[i]) * b[i];
    }
    for (int c = 0; c < 3; ++c) {
      total[c] += sums[c];
      if (grads[p].layer >= 0)
        perLayer[grads[p].layer][c] += sums[c];
    }
  }
  auto cosine = [](const Sums &s) {
    return s[1] > 0 && s[2] > 0 ? s[0] / std::sqrt(s[1] * s[2]) : 0.0;
  };
  Result r;
  r.overall = cosine(total);
  for (const Sums &s : perLayer)
    r.layers.push_back(cosine(s));
  result = std::move(r);
  return Status::success();
}

} // namespace

//===----------------------------------------------------------------------===//
// Trainer
//===----------------------------------------------------------------------===//

struct Trainer::Impl {
  Program *program = nullptr;
  TrainerConfig config;
  int trainFn = -1;
  const ex::Buffer *ids = nullptr, *targets = nullptr, *hyper = nullptr,
                   *loss = nullptr, *sqNorm = nullptr, *mask = nullptr;
  int64_t batch = 0, seq = 0;
  /// A mixture's routers: their per-expert counts and losses (metrics).
  std::vector<const ex::Buffer *> routerCounts, routerLosses;
  DataLoader train, val;
  MaskFile maskFile;
  EvalStep eval;
  std::optional<Coupling> coupling;
  int64_t startStep = 0;
  /// The host side of the batch: read from the data, then written to the
  /// program's buffers.
  std::vector<int32_t> hostIds, hostTargets, hostMask;
  /// The next step's batch, read and sent toward the device while a step
  /// runs (a device with memory of its own: Program::prefetch); the step it
  /// belongs to, or -1.
  std::vector<int32_t> nextIds, nextTargets, nextMask;
  int64_t prefetched = -1;
  /// Reads global batch s's rows of this rank into `idsOut`, `targetsOut`
  /// (and `maskOut` with a mask).
  Status readBatch(int64_t s, std::vector<int32_t> &idsOut,
                   std::vector<int32_t> &targetsOut,
                   std::vector<int32_t> &maskOut);
  /// Step s's batch read and prefetched; on any failure nothing is (step s
  /// then reads its batch itself and reports the error).
  void prefetchBatch(int64_t s);
  std::vector<TensorToWrite> modelTensors, optimizerTensors;
  /// Host copies of the parameters the checkpoint writer cannot see in
  /// place (a device whose memory is not the host's), refreshed per save.
  struct Staged {
    TensorToWrite *tensor;
    uint32_t buffer;
    std::vector<std::byte> bytes;
  };
  std::vector<Staged> staged;
  /// ZeRO-1 moments: this rank's shard, gathered whole on rank 0 per save.
  struct Sharded {
    TensorToWrite *tensor;
    uint32_t buffer;
    int64_t elements, shard;
    std::vector<float> local, gathered;
  };
  std::vector<Sharded> sharded;
  /// Their places: in optimizerTensors (ZeRO-1 moments, an expert slice's
  /// moments) or modelTensors (expert slices), and the index there.
  std::vector<std::pair<bool, size_t>> shardedIndex;
  std::string modelConfig;
  std::string lastSaved; ///< the last checkpoint this run wrote
  /// The run's communicator (a run of several ranks), else null.
  Communicator *communicator = nullptr;

  Status bind();
  Status checkRanks();
  Status openData();
  Status fillParameters(WeightsReport &weights);
  Status checkSameRun(const Checkpoint &ckpt) const;
  Status checkModelConfig();
  void collectCheckpointTensors();
  /// Appends a mixture's expert loads and router losses to `m`'s extras.
  Status routerMetrics(StepMetrics &m) const;
  Status step(int64_t s, const std::chrono::steady_clock::time_point &begin,
              StepMetrics &m, std::optional<Coupling::Result> &coupled);
  /// The target tokens this rank's batch supervises (hyper[7]: its weight
  /// in the mean across ranks): the marked ones under a mask, else all.
  int64_t supervisedTokens() const {
    if (!mask)
      return batch * seq;
    int64_t marked = 0;
    for (int32_t m : hostMask)
      marked += m != 0;
    return marked;
  }
};

Status Trainer::Impl::bind() {
  const std::string &exePath = config.exePath;
  trainFn = findFunction(program->executable(), ex::TRAIN_STEP);
  if (trainFn < 0)
    return Status::error(exePath + ": no function 'train_step' (compile with "
                                   "cherry-opt --cherry-train)");
  const std::string where = exePath + ": train_step";
  const Program &p = *program;
  CHERRY_TRY(
      binding(p, trainFn, where, ex::TOKEN_IDS, "ids", false, ex::I32, ids));
  CHERRY_TRY(binding(p, trainFn, where, ex::TARGETS, "targets", false, ex::I32,
                     targets));
  CHERRY_TRY(binding(p, trainFn, where, ex::HYPER_PARAMETERS, "hyper", false,
                     ex::F32, hyper, 32));
  CHERRY_TRY(
      binding(p, trainFn, where, ex::LOSS, "loss", true, ex::F32, loss, 4));
  CHERRY_TRY(binding(p, trainFn, where, ex::GRAD_SQ_NORM, "grad_sq_norm", true,
                     ex::F32, sqNorm, 4));
  for (const ex::Binding &b : p.executable().functions(trainFn).outputs()) {
    const ex::Buffer *buf = p.buffer(b.buffer());
    if (b.role() == ex::EXPERT_COUNTS &&
        (buf->dtype() != ex::I32 || buf->shape_size() != 1 ||
         (!routerCounts.empty() &&
          buf->shape(0) != routerCounts.front()->shape(0))))
      return Status::error(where + " output '" + b.name() + "' is " +
                           shapeString(*buf) +
                           ", expected I32 [experts] like every router's");
    if (b.role() == ex::ROUTER_LOSS &&
        (buf->dtype() != ex::F32 || buf->size_bytes() != 4))
      return Status::error(where + " output '" + b.name() + "' is " +
                           shapeString(*buf) + ", expected an F32 scalar");
    if (b.role() == ex::EXPERT_COUNTS)
      routerCounts.push_back(buf);
    if (b.role() == ex::ROUTER_LOSS)
      routerLosses.push_back(buf);
  }
  if (ids->shape_size() != 2)
    return Status::error(where + " input 'ids' is not [batch, seq]");
  batch = ids->shape(0);
  seq = ids->shape(1);
  return Status::success();
}

/// The ranks a training step reduces across: its rank_share's `ranks`, 1
/// for a step without collectives.
int64_t compiledRanks(const ex::Function &fn) {
  for (const ex::Instruction &inst : fn.instructions())
    if (inst.kernel() == abi::kernelName(abi::KernelId::rank_share))
      for (const ex::Attribute &attr : inst.attributes())
        if (attr.name() == "ranks")
          return attr.i();
  return 1;
}

Status Trainer::Impl::checkRanks() {
  const int64_t compiled =
      compiledRanks(program->executable().functions(trainFn));
  const int world = config.ranks.worldSize;
  if (compiled != world)
    return Status::error(
        config.exePath + ": train_step is compiled for " +
        std::to_string(compiled) + (compiled == 1 ? " rank" : " ranks") +
        ", but the run has " + std::to_string(world) +
        (compiled == 1
             ? " (compile with --cherry-train=\"... ranks=" +
                   std::to_string(world) + "\")"
             : " (start it with mpirun -np " + std::to_string(compiled) + ")"));
  if (world > 1) {
    communicator = program->device().communicator();
    if (!communicator || communicator->size() != world)
      return Status::error("a run of " + std::to_string(world) +
                           " ranks needs the device's communicator");
    if (config.couplingEvery)
      return Status::error("--coupling-every measures one rank's gradients: "
                           "run it on one rank");
  }
  return Status::success();
}

Status Trainer::Impl::openData() {
  const std::string &exePath = config.exePath;
  CHERRY_TRY(DataLoader::open(config.dataPath, batch, seq, 1, train));
  // The mask policy reads a mask of the training tokens.
  mask = boundBuffer(*program, trainFn, ex::SELECTION_MASK);
  if (mask) {
    if (!config.sgtMask)
      return Status::error(exePath +
                           " selects positions by a mask: pass --sgt-mask "
                           "FILE (one byte per token of --data; "
                           "cherry-data mask writes one)");
    CHERRY_TRY(prefixed("--sgt-mask ", MaskFile::open(*config.sgtMask,
                                                      train.file(), maskFile)));
  } else if (config.sgtMask) {
    return Status::error("--sgt-mask given, but " + exePath +
                         " does not select by a mask (compile with "
                         "--cherry-train=\"... sgt=mask\")");
  }
  if (config.valPath) {
    CHERRY_TRY(findEvalStep(*program, exePath, eval));
    if (eval.batch != batch || eval.seq != seq)
      return Status::error(exePath +
                           ": eval_step and train_step shapes differ");
    CHERRY_TRY(DataLoader::open(*config.valPath, batch, seq,
                                config.evalBatches * config.ranks.worldSize,
                                val));
  }
  return Status::success();
}

Status Trainer::Impl::fillParameters(WeightsReport &weights) {
  const std::string &exePath = config.exePath;
  const ex::Executable &exe = program->executable();
  if (config.resume) {
    Checkpoint ckpt;
    CHERRY_TRY(prefixed("--resume: ", loadCheckpoint(*config.resume, ckpt)));
    CHERRY_TRY(
        checkSameRecurrence(ckpt.dir, exe.model_config(), ckpt.configJson));
    // Every parameter must come from the checkpoint, with its shape.
    for (const ex::Parameter &p : exe.parameters()) {
      if (!isSaved(p))
        continue;
      const SafeTensors &file =
          isOptimizerState(p) ? ckpt.optimizer : ckpt.model;
      const std::string key = checkpointKey(p);
      const TensorView *t = file.find(key);
      if (!t)
        return Status::error("--resume " + ckpt.dir + ": tensor '" + key +
                             "' is missing (the checkpoint is of another "
                             "model)");
      std::optional<std::vector<int64_t>> whole =
          shardedMoment(exe, p, config.ranks.worldSize);
      if ((whole ? *whole
                 : std::vector<int64_t>(p.shape().begin(), p.shape().end())) !=
          t->shape)
        return Status::error("--resume " + ckpt.dir + ": tensor '" + key +
                             "' has another shape than the executable's "
                             "parameter (the checkpoint is of another model)");
      std::vector<float> values(t->numElements());
      t->toFloat32(values.data());
      CHERRY_TRY(checkResumedValues(ckpt.dir, key, values));
      if (whole) {
        // ZeRO-1: this rank's shard of the whole moment, zero past its end
        // (an expert slice: this rank's rows).
        const int64_t n = static_cast<int64_t>(values.size());
        int64_t shard = 1;
        for (int64_t d : p.shape())
          shard *= d;
        const int64_t begin = std::min<int64_t>(n, config.ranks.rank * shard);
        const int64_t end = std::min<int64_t>(n, begin + shard);
        std::vector<float> own(shard, 0.0f);
        std::copy(values.begin() + begin, values.begin() + end, own.begin());
        values = std::move(own);
      }
      CHERRY_TRY(program->write(p.buffer(), values.data(),
                                values.size() * sizeof(float)));
    }
    CHERRY_TRY(checkSameRun(ckpt));
    startStep = ckpt.step;
    if (config.sgtStats)
      return Status::error("--sgt-stats with --resume: the statistics the run "
                           "selects by come from its checkpoint");
    return Status::success();
  }
  CHERRY_TRY(loadWeights(*program, config.weights, config.seed, weights));
  const ex::Parameter *scores = scoreTable(exe);
  if (!scores && config.sgtStats)
    return Status::error("--sgt-stats given, but " + exePath +
                         " does not select by token statistics (compile with "
                         "--cherry-train=\"... sgt=surprisal\" or "
                         "sgt=topk-surprisal)");
  if (!scores)
    return Status::success();
  // The score policies of selective training rank positions by the
  // surprisal of their target under the corpus' unigram distribution.
  if (!config.sgtStats)
    return Status::error(exePath + " selects positions by token surprisal: "
                                   "pass --sgt-stats DIR/token_counts.json "
                                   "(written by cherry-data prepare)");
  std::vector<float> table;
  CHERRY_TRY(
      loadSurprisal("--sgt-stats", *config.sgtStats, scores->shape(0), table));
  return program->write(scores->buffer(), table.data(),
                        table.size() * sizeof(float));
}

Status Trainer::Impl::checkSameRun(const Checkpoint &ckpt) const {
  // Every tensor of the checkpoint is state this executable continues; one
  // it would drop means another optimizer or another selection policy.
  const ex::Executable &exe = program->executable();
  for (const SafeTensors *file : {&ckpt.model, &ckpt.optimizer}) {
    std::vector<std::string> unused;
    for (const TensorView &t : file->tensors())
      if (std::none_of(exe.parameters().begin(), exe.parameters().end(),
                       [&](const ex::Parameter &p) {
                         return isSaved(p) && checkpointKey(p) == t.name;
                       }))
        unused.push_back(t.name);
    if (!unused.empty())
      return Status::error(
          "--resume " + ckpt.dir + ": " + std::to_string(unused.size()) +
          " tensor" + (unused.size() == 1 ? "" : "s") + " of the checkpoint " +
          (unused.size() == 1 ? "is" : "are") +
          " not state of this executable (first: '" + unused.front() +
          "'): it was trained with another optimizer, selection or model; "
          "start from its weights with --weights instead");
  }
  // The data a step reads depends on the batch shape.
  nlohmann::json state =
      nlohmann::json::parse(ckpt.trainerStateJson, nullptr, false);
  for (auto [field, value] :
       {std::pair<const char *, int64_t>{"batch", batch}, {"seq", seq}}) {
    if (state.is_discarded() || !state.contains(field))
      continue;
    if (!state[field].is_number_integer() ||
        state[field].get<int64_t>() != value)
      return Status::error("--resume " + ckpt.dir + ": the run trained with " +
                           field + " " + state[field].dump() + ", but " +
                           config.exePath + " is compiled for " + field + " " +
                           std::to_string(value));
  }
  // Each rank reads its share of every global batch: another number of
  // ranks would train on other batches (and another global batch size).
  const int64_t trained = !state.is_discarded() &&
                                  state.contains("world_size") &&
                                  state["world_size"].is_number_integer()
                              ? state["world_size"].get<int64_t>()
                              : 1;
  if (trained != config.ranks.worldSize)
    return Status::error(
        "--resume " + ckpt.dir + ": the run trained on " +
        std::to_string(trained) + (trained == 1 ? " rank" : " ranks") +
        ", this one has " + std::to_string(config.ranks.worldSize) +
        " (resume on as many ranks, or start from its weights with --weights)");
  // A cosine schedule's length shapes every step's rate: resuming with
  // another would silently change the steps already planned.
  const LrSchedule &schedule = config.schedule;
  if (schedule.kind == LrScheduleKind::Cosine && !state.is_discarded() &&
      state.contains("schedule_steps") &&
      state["schedule_steps"].is_number_integer() &&
      state["schedule_steps"].get<int64_t>() != schedule.totalSteps)
    return Status::error(
        "--resume " + ckpt.dir + ": the run's cosine schedule spans " +
        state["schedule_steps"].dump() + " steps, this one " +
        std::to_string(schedule.totalSteps) + " (pass --schedule-steps " +
        state["schedule_steps"].dump() +
        " to continue it, or start a new schedule from its weights with "
        "--weights)");
  return Status::success();
}

void Trainer::Impl::collectCheckpointTensors() {
  const ex::Executable &exe = program->executable();
  std::vector<uint32_t> modelBuffers, optimizerBuffers;
  for (const ex::Parameter &p : exe.parameters()) {
    if (!isSaved(p))
      continue;
    TensorToWrite t;
    t.name = checkpointKey(p);
    t.shape.assign(p.shape().begin(), p.shape().end());
    t.data = program->hostData(p.buffer());
    const bool state = isOptimizerState(p);
    std::optional<std::vector<int64_t>> whole =
        shardedMoment(exe, p, config.ranks.worldSize);
    if (whole) {
      int64_t n = 1;
      for (int64_t d : *whole)
        n *= d;
      t.shape = *whole;
      t.data = nullptr;
      sharded.push_back(
          {nullptr,
           p.buffer(),
           n,
           (n + config.ranks.worldSize - 1) / config.ranks.worldSize,
           {},
           {}});
      shardedIndex.push_back(
          {state, (state ? optimizerTensors : modelTensors).size()});
    }
    (state ? optimizerTensors : modelTensors).push_back(t);
    (state ? optimizerBuffers : modelBuffers).push_back(p.buffer());
  }
  // The lists are complete: pointers into them stay valid.
  for (size_t i = 0; i < sharded.size(); ++i)
    sharded[i].tensor =
        &(shardedIndex[i].first ? optimizerTensors
                                : modelTensors)[shardedIndex[i].second];
  for (auto [tensors, buffers] :
       {std::pair{&modelTensors, &modelBuffers},
        std::pair{&optimizerTensors, &optimizerBuffers}})
    for (size_t i = 0; i < tensors->size(); ++i) {
      // (A structured binding cannot be captured in C++17.)
      const TensorToWrite *tensor = &(*tensors)[i];
      if (!tensor->data &&
          std::none_of(sharded.begin(), sharded.end(),
                       [&](const Sharded &m) { return m.tensor == tensor; }))
        staged.push_back({&(*tensors)[i], (*buffers)[i], {}});
    }
}

Status Trainer::Impl::checkModelConfig() {
  // Checked before step 1: every checkpoint carries it as config.json, so
  // that checkpoints are Hugging Face model directories.
  nlohmann::json json = nlohmann::json::parse(
      program->executable().model_config(), nullptr, false);
  if (json.is_discarded() || !json.is_object())
    return Status::error(
        config.exePath +
        (program->executable().model_config().empty()
             ? ": has no model_config"
             : ": its model_config is not a JSON object") +
        " (a checkpoint's config.json; compile it from an imported model)");
  // The shape this executable trains at, not the preset's.
  json["cherry"]["batch"] = batch;
  json["cherry"]["seq"] = seq;
  modelConfig = json.dump();
  return Status::success();
}

/// Drops the lines of `path` (metrics.jsonl) past step `step`: a resumed
/// run logs those steps again.
Status truncateMetrics(const std::string &path, int64_t step) {
  std::ifstream in(path);
  if (!in)
    return Status::success(); // nothing logged yet
  std::string kept, line;
  bool dropped = false;
  while (std::getline(in, line)) {
    nlohmann::json record = nlohmann::json::parse(line, nullptr, false);
    if (record.is_object() && record.contains("step") &&
        record["step"].is_number_integer() &&
        record["step"].get<int64_t>() > step) {
      dropped = true;
      continue;
    }
    kept += line + "\n";
  }
  if (!dropped)
    return Status::success();
  return detail::writeFileAtomically(path, {{kept.data(), kept.size()}});
}

Trainer::Trainer() = default;
Trainer::~Trainer() = default;
Trainer::Trainer(Trainer &&) noexcept = default;
Trainer &Trainer::operator=(Trainer &&) noexcept = default;

Status Trainer::create(Program &program, const TrainerConfig &config,
                       WeightsReport &weights, Trainer &out) {
  if (config.ranks.worldSize < 1 || config.ranks.rank < 0 ||
      config.ranks.rank >= config.ranks.worldSize)
    return Status::error(
        "rank " + std::to_string(config.ranks.rank) + " of a run of " +
        std::to_string(config.ranks.worldSize) + " ranks does not exist");
  auto impl = std::make_unique<Impl>();
  impl->program = &program;
  impl->config = config;
  CHERRY_TRY(impl->bind());
  CHERRY_TRY(impl->checkRanks());
  CHERRY_TRY(impl->openData());
  if (config.couplingEvery) {
    impl->coupling.emplace();
    CHERRY_TRY(impl->coupling->init(program, config.exePath, impl->trainFn));
  }
  CHERRY_TRY(impl->fillParameters(weights));
  CHERRY_TRY(impl->checkModelConfig());
  impl->collectCheckpointTensors();
  // Reported before training starts: a run that cannot save is useless.
  if (config.ranks.writes())
    CHERRY_TRY(prefixed(
        "--save: ",
        checkWritable(config.saveDir,
                      2 * estimateCheckpointBytes(impl->modelTensors,
                                                  impl->optimizerTensors))));
  out.impl_ = std::move(impl);
  return Status::success();
}

int64_t Trainer::startStep() const { return impl_->startStep; }

bool Trainer::done() const {
  return impl_->config.steps == 0 || impl_->startStep >= impl_->config.steps;
}

int64_t Trainer::tokensPerStep() const {
  return impl_->batch * impl_->seq * impl_->config.ranks.worldSize;
}

Status Trainer::saveCheckpoint(int64_t step, std::string *dir) {
  // Every rank sends its shards of the ZeRO-1 moments; rank 0 saves them
  // whole, as an unsharded run does.
  for (Impl::Sharded &m : impl_->sharded) {
    CHERRY_TRY(impl_->program->read(m.buffer, m.local));
    m.gathered.resize(impl_->config.ranks.writes()
                          ? m.shard * impl_->config.ranks.worldSize
                          : 0);
    CHERRY_TRY(prefixed("checkpoint: ",
                        impl_->communicator->gatherHost(
                            m.local.data(), m.local.size() * sizeof(float),
                            m.gathered.data(), 0)));
    m.tensor->data = m.gathered.data();
  }
  if (!impl_->config.ranks.writes())
    return Status::success();
  for (Impl::Staged &s : impl_->staged) {
    CHERRY_TRY(impl_->program->read(s.buffer, s.bytes));
    s.tensor->data = s.bytes.data();
  }
  // No non-finite state is ever saved: an update that overflowed (a huge
  // learning rate, a corrupt moment) stops the run here, `latest` untouched.
  for (const auto *tensors : {&impl_->modelTensors, &impl_->optimizerTensors})
    for (const TensorToWrite &t : *tensors) {
      size_t n = 1;
      for (int64_t d : t.shape)
        n *= static_cast<size_t>(d);
      const auto *values = static_cast<const float *>(t.data);
      if (int64_t bad = firstNonFinite(values, n); bad >= 0)
        return Status::error(
            "step " + std::to_string(step) + ": tensor '" + t.name +
            "' became non-finite (" + std::to_string(values[bad]) +
            " at element " + std::to_string(bad) +
            "); stopping without saving this state (last good checkpoint: " +
            (impl_->lastSaved.empty() ? "none" : impl_->lastSaved) + ")");
    }
  nlohmann::ordered_json state;
  state["global_step"] = step;
  state["seed"] = impl_->config.seed;
  state["tokens"] = step * tokensPerStep();
  state["batch"] = impl_->batch;
  state["seq"] = impl_->seq;
  state["world_size"] = impl_->config.ranks.worldSize;
  state["lr_schedule"] = lrScheduleKindName(impl_->config.schedule.kind);
  state["schedule_steps"] = impl_->config.schedule.totalSteps;
  std::string saved;
  CHERRY_TRY(cherry::runtime::saveCheckpoint(
      impl_->config.saveDir, step, impl_->modelTensors, impl_->optimizerTensors,
      state.dump(), impl_->modelConfig, &saved));
  impl_->lastSaved = saved;
  if (dir)
    *dir = saved;
  return Status::success();
}

Status Trainer::evaluate(double &loss, std::vector<double> *headLosses) {
  Impl &t = *impl_;
  std::vector<int32_t> ids(t.batch * t.seq), targets(t.batch * t.seq);
  // The first evalBatches global batches, laid out as in training: rank r
  // evaluates batches k * R + r of its batch size; the sums are reduced.
  const int world = t.config.ranks.worldSize;
  const int64_t batches = t.config.evalBatches * world;
  double sum = 0;
  std::vector<double> headSums(t.eval.mtpLosses.size(), 0.0);
  for (int64_t k = t.config.ranks.rank; k < batches; k += world) {
    CHERRY_TRY(prefixed("--val batch " + std::to_string(k) + ": ",
                        t.val.read(k, ids.data(), targets.data())));
    CHERRY_TRY(writeBuffer(*t.program, t.eval.ids, ids));
    CHERRY_TRY(writeBuffer(*t.program, t.eval.targets, targets));
    CHERRY_TRY(prefixed("eval: ", t.program->run(t.eval.function)));
    float batchLoss = 0;
    CHERRY_TRY(readScalar(*t.program, t.eval.loss, batchLoss));
    sum += batchLoss;
    for (size_t h = 0; h < headSums.size(); ++h) {
      CHERRY_TRY(readScalar(*t.program, t.eval.mtpLosses[h], batchLoss));
      headSums[h] += batchLoss;
    }
  }
  if (t.communicator) {
    CHERRY_TRY(prefixed("eval: ", t.communicator->allReduceHostSum(&sum, 1)));
    if (!headSums.empty())
      CHERRY_TRY(prefixed("eval: ", t.communicator->allReduceHostSum(
                                        headSums.data(), headSums.size())));
  }
  loss = sum / static_cast<double>(batches);
  if (headLosses) {
    headLosses->clear();
    for (double h : headSums)
      headLosses->push_back(h / static_cast<double>(batches));
  }
  return Status::success();
}

Status Trainer::Impl::readBatch(int64_t s, std::vector<int32_t> &idsOut,
                                std::vector<int32_t> &targetsOut,
                                std::vector<int32_t> &maskOut) {
  // Global batch s is worldSize consecutive batches of the file; rank r
  // reads the r-th (one batch per step on one rank).
  const int64_t batchIndex = (s * config.ranks.worldSize + config.ranks.rank) %
                             train.availableBatches();
  idsOut.resize(batch * seq);
  targetsOut.resize(batch * seq);
  CHERRY_TRY(prefixed(
      "--data: ", train.read(batchIndex, idsOut.data(), targetsOut.data())));
  if (mask) {
    maskOut.resize(batch * seq);
    CHERRY_TRY(prefixed("--sgt-mask ",
                        maskFile.read(train, batchIndex, maskOut.data())));
  }
  return Status::success();
}

void Trainer::Impl::prefetchBatch(int64_t s) {
  prefetched = -1;
  auto send = [&](int slot, const ex::Buffer *b,
                  const std::vector<int32_t> &v) {
    return program->prefetch(slot, b->id(), v.data(),
                             v.size() * sizeof(int32_t));
  };
  if (!readBatch(s, nextIds, nextTargets, nextMask).ok() ||
      !send(0, ids, nextIds).ok() || !send(1, targets, nextTargets).ok() ||
      (mask && !send(2, mask, nextMask).ok()))
    return;
  prefetched = s;
}

Status Trainer::Impl::step(int64_t s,
                           const std::chrono::steady_clock::time_point &begin,
                           StepMetrics &m,
                           std::optional<Coupling::Result> &coupled) {
  if (prefetched == s) {
    // Read while the previous step ran, and already on the device.
    prefetched = -1;
    std::swap(hostIds, nextIds);
    std::swap(hostTargets, nextTargets);
    CHERRY_TRY(program->commitPrefetch(0, ids->id()));
    CHERRY_TRY(program->commitPrefetch(1, targets->id()));
    if (mask) {
      std::swap(hostMask, nextMask);
      CHERRY_TRY(program->commitPrefetch(2, mask->id()));
    }
  } else {
    prefetched = -1;
    CHERRY_TRY(readBatch(s, hostIds, hostTargets, hostMask));
    CHERRY_TRY(writeBuffer(*program, ids, hostIds));
    CHERRY_TRY(writeBuffer(*program, targets, hostTargets));
    if (mask)
      CHERRY_TRY(writeBuffer(*program, mask, hostMask));
  }
  // Measured at the step's weights and batch, before its update (and
  // outside its timing).
  coupled.reset();
  if (coupling && (s + 1) % config.couplingEvery == 0)
    CHERRY_TRY(coupling->measure(s + 1, hostIds, hostTargets,
                                 mask ? &hostMask : nullptr, coupled));
  auto t0 = std::chrono::steady_clock::now();
  const double lr = config.schedule.at(s);
  const OptimizerSettings &o = config.optimizer;
  const float values[8] = {static_cast<float>(lr),
                           static_cast<float>(o.beta1),
                           static_cast<float>(o.beta2),
                           static_cast<float>(o.eps),
                           static_cast<float>(o.weightDecay),
                           static_cast<float>(s + 1),
                           static_cast<float>(o.gradClip),
                           static_cast<float>(supervisedTokens())};
  CHERRY_TRY(program->write(hyper->id(), values, sizeof(values)));
  CHERRY_TRY(prefixed("step " + std::to_string(s + 1) + ": ",
                      program->start(trainFn)));
  // A device with memory of its own (CUDA) gets the next batch while this
  // step runs; on the CPU the step has run already, and the next reads its
  // batch as before.
  if (s + 1 < config.steps && !program->hostData(ids->id()))
    prefetchBatch(s + 1);
  CHERRY_TRY(prefixed("step " + std::to_string(s + 1) + ": ",
                      program->finish(trainFn)));
  auto t1 = std::chrono::steady_clock::now();
  const double seconds = std::chrono::duration<double>(t1 - t0).count();
  const int64_t tokens = batch * seq * config.ranks.worldSize;

  float stepLoss = 0, sq = 0;
  CHERRY_TRY(readScalar(*program, loss, stepLoss));
  CHERRY_TRY(readScalar(*program, sqNorm, sq));
  m = StepMetrics{};
  m.step = s + 1;
  m.totalSteps = config.steps;
  m.loss = stepLoss;
  m.lr = lr;
  m.gradNorm = std::sqrt(static_cast<double>(sq));
  m.tokensPerSecond = tokens / std::max(seconds, 1e-9);
  m.tokens = (s + 1) * tokens;
  m.elapsedSeconds = std::chrono::duration<double>(t1 - begin).count();
  m.wallTime = unixTimeSeconds();
  return routerMetrics(m);
}

Status Trainer::Impl::routerMetrics(StepMetrics &m) const {
  // A mixture's expert loads (the fraction of all routers' token-slots each
  // expert got) and the routers' summed losses.
  if (routerCounts.empty())
    return Status::success();
  std::vector<double> load(routerCounts.front()->shape(0), 0.0);
  std::vector<int32_t> counts(load.size());
  double total = 0;
  for (const ex::Buffer *b : routerCounts) {
    CHERRY_TRY(
        program->read(b->id(), counts.data(), counts.size() * sizeof(int32_t)));
    for (size_t e = 0; e < counts.size(); ++e) {
      load[e] += counts[e];
      total += counts[e];
    }
  }
  double sum = 0;
  for (const ex::Buffer *b : routerLosses) {
    float value = 0;
    CHERRY_TRY(readScalar(*program, b, value));
    sum += value;
  }
  // On several ranks, over the global batch: every rank's token-slots, and
  // the mean of the ranks' router losses (the balance loss already over
  // every rank's tokens, the z-loss a mean over the rank's own).
  if (communicator) {
    std::vector<double> reduced(load);
    reduced.push_back(total);
    reduced.push_back(sum);
    CHERRY_TRY(prefixed(
        "router metrics: ",
        communicator->allReduceHostSum(reduced.data(), reduced.size())));
    std::copy(reduced.begin(), reduced.begin() + load.size(), load.begin());
    total = reduced[load.size()];
    sum = reduced[load.size() + 1] / communicator->size();
  }
  for (size_t e = 0; e < load.size(); ++e)
    m.extra.push_back({"expert_load_" + std::to_string(e),
                       total > 0 ? load[e] / total : 0.0});
  if (routerLosses.empty())
    return Status::success();
  m.extra.push_back({"router_loss", sum});
  return Status::success();
}

Status Trainer::run(const ReportFn &report, TrainSummary &summary) {
  Impl &t = *impl_;
  const TrainerConfig &c = t.config;
  const bool writes = c.ranks.writes();
  MetricsWriter metrics;
  EventWriter events;
  if (writes) {
    const std::string metricsPath = c.saveDir + "/metrics.jsonl";
    if (t.startStep > 0)
      CHERRY_TRY(truncateMetrics(metricsPath, t.startStep));
    CHERRY_TRY(MetricsWriter::open(metricsPath, metrics));
    CHERRY_TRY(EventWriter::open(c.saveDir, events));
  }
  summary = TrainSummary{};
  summary.startStep = t.startStep;
  std::vector<double> rates, couplings;
  auto begin = std::chrono::steady_clock::now();
  for (int64_t s = t.startStep; s < c.steps; ++s) {
    StepMetrics m;
    std::optional<Coupling::Result> coupled;
    CHERRY_TRY(t.step(s, begin, m, coupled));
    rates.push_back(m.tokensPerSecond);
    if (coupled)
      couplings.push_back(coupled->overall);
    if (!std::isfinite(m.loss) || !std::isfinite(m.gradNorm))
      return Status::error(
          "step " + std::to_string(s + 1) + ": the loss is " +
          (std::isfinite(m.loss) ? std::to_string(m.loss) : "not finite") +
          " and the gradient norm " +
          (std::isfinite(m.gradNorm) ? std::to_string(m.gradNorm)
                                     : "not finite") +
          "; stopping without saving this state (last good checkpoint: " +
          (summary.lastCheckpoint.empty() ? "none" : summary.lastCheckpoint) +
          ")");
    const bool last = s + 1 == c.steps;
    if (coupled) {
      m.extra.push_back({"coupling", coupled->overall});
      for (size_t l = 0; l < coupled->layers.size(); ++l)
        m.extra.push_back(
            {"coupling_layer" + std::to_string(l), coupled->layers[l]});
    }
    if (t.val.availableBatches() > 0 &&
        (last || (c.evalEvery && (s + 1) % c.evalEvery == 0))) {
      double valLoss = 0;
      std::vector<double> headLosses;
      CHERRY_TRY(evaluate(valLoss, &headLosses));
      m.extra.push_back({"val_loss", valLoss});
      for (size_t h = 0; h < headLosses.size(); ++h)
        m.extra.push_back(
            {"val_loss_mtp" + std::to_string(h + 1), headLosses[h]});
    }
    if (last || (s + 1 - t.startStep) % c.logEvery == 0) {
      if (writes) {
        CHERRY_TRY(metrics.append(m));
        std::vector<std::pair<std::string, float>> scalars = {
            {"train/loss", static_cast<float>(m.loss)},
            {"train/lr", static_cast<float>(m.lr)},
            {"train/grad_norm", static_cast<float>(m.gradNorm)},
            {"train/tokens_per_second", static_cast<float>(m.tokensPerSecond)}};
        for (auto &[name, value] : m.extra)
          scalars.push_back(
              {(name.rfind("coupling", 0) == 0 ? "sgt/"
                : name.rfind("expert_load", 0) == 0 || name == "router_loss"
                    ? "moe/"
                    : "eval/") +
                   name,
               static_cast<float>(value)});
        CHERRY_TRY(events.addScalars(scalars, m.step, m.wallTime));
        CHERRY_TRY(events.flush());
      }
      report(m);
    }
    if (last || (c.saveEvery && (s + 1) % c.saveEvery == 0))
      CHERRY_TRY(saveCheckpoint(s + 1, &summary.lastCheckpoint));
  }
  summary.medianTokensPerSecond = medianTokensPerSecond(rates);
  if (!couplings.empty()) {
    double sum = 0;
    for (double x : couplings)
      sum += x;
    summary.couplingMean = sum / static_cast<double>(couplings.size());
    summary.couplingSteps = couplings.size();
  }
  return Status::success();
}

} // namespace cherry::runtime
