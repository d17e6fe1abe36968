//===- Pipelines.cpp - Named cherry pipelines -----------------------------===//
//
// Pipelines users call by name, so nobody spells thirty passes by hand.
//
//===----------------------------------------------------------------------===//

#include "cherry/Transforms/Pipelines.h"

#include "cherry/Runtime/Bindings.h"

#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

#include <cmath>
#include <optional>
#include <string>

using namespace mlir;
using namespace mlir::cherry;
namespace fn = ::cherry::abi::function;

namespace {
/// Retypes @forward for [batch, seq] and cleans up.
void addSpecialize(OpPassManager &pm, int64_t batch, int64_t seq) {
  CherrySpecializeShapesPassOptions shapes;
  shapes.batch = batch;
  shapes.seq = seq;
  pm.addPass(createCherrySpecializeShapesPass(shapes));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

/// Lowers `function` to the kernel-level `name` in `mode`.
void addLowering(OpPassManager &pm, StringRef function, StringRef name,
                 LoweringMode mode, bool loop, int64_t capacity = 0) {
  CherryLowerToKernelsPassOptions lower;
  lower.function = function.str();
  lower.name = name.str();
  lower.mode = mode;
  lower.capacity = capacity;
  lower.tagLayers = loop;
  pm.addPass(createCherryLowerToKernelsPass(lower));
}

/// Whether a pipeline's `form` asks for the loop form.
bool isLoop(StringRef form) { return form == "loop"; }

/// Gives `function` the loss of each of `heads` multi-token heads as a
/// result of its own (cherry-mtp objective=false), or a copy `cloneTo`.
void addMtpHeads(OpPassManager &pm, int64_t heads, StringRef function,
                 StringRef cloneTo = "") {
  CherryMtpPassOptions mtp;
  mtp.heads = heads;
  mtp.function = function.str();
  mtp.cloneTo = cloneTo.str();
  mtp.objective = false;
  pm.addPass(createCherryMtpPass(mtp));
}

/// Kernel-level fusion, the layers' loops for the loop form, the
/// reductions split into starts and waits for a data-parallel step (overlap),
/// and memory planning, common to every pipeline.
void addKernelTail(OpPassManager &pm, bool report, bool loop,
                   bool overlap = false) {
  pm.addPass(createCherryFuseKernelsPass());
  if (loop)
    pm.addPass(createCherryLayerLoopPass());
  if (overlap)
    pm.addPass(createCherryOverlapReductionsPass());
  CherryPlanMemoryPassOptions plan;
  plan.report = report;
  pm.addPass(createCherryPlanMemoryPass(plan));
}

/// The copy of @forward that training differentiates when its loss differs
/// from evaluation's (selective training, multi-token prediction); the
/// evaluation step keeps the next-token loss on all tokens.
constexpr const char *kTrainForward = "forward_train";

/// Selective training rewrites `function` (or a copy of @forward named
/// kTrainForward): the training step supervises the selected positions.
void addSelectiveTraining(OpPassManager &pm,
                          const TrainPipelineOptions &options, bool inPlace) {
  CherrySgtPassOptions sgt;
  sgt.policy = options.sgt;
  sgt.ratio = options.sgtRatio;
  sgt.seed = options.sgtSeed;
  if (inPlace)
    sgt.function = kTrainForward;
  else
    sgt.cloneTo = kTrainForward;
  pm.addPass(createCherrySgtPass(sgt));
  CherrySgtSparsifyPassOptions sparsify;
  sparsify.hoist = options.sgtHoist;
  pm.addPass(createCherrySgtSparsifyPass(sparsify));
  // The gradient of a loss weighted at run time: the coupling of selected
  // and unselected positions (cherry-run train --coupling-every).
  pm.addPass(createCherryWeightLossPass());
}

/// @train_step from @forward (or its training copy), with selective
/// training plus @grad_step from @forward_weighted.
void addGradients(OpPassManager &pm, bool selective, bool copied,
                  bool recompute, bool loop) {
  CherryAutodiffPassOptions autodiff;
  autodiff.recompute = recompute;
  autodiff.tagLayers = loop;
  autodiff.function = copied ? kTrainForward : "forward";
  autodiff.keepForward = !copied;
  pm.addPass(createCherryAutodiffPass(autodiff));
  if (!selective)
    return;
  CherryAutodiffPassOptions weighted;
  weighted.recompute = recompute;
  weighted.tagLayers = loop;
  weighted.function = "forward_weighted";
  weighted.name = fn::kGradStep;
  weighted.keepForward = false;
  pm.addPass(createCherryAutodiffPass(weighted));
}
} // namespace

void mlir::cherry::buildTrainPipeline(OpPassManager &pm,
                                      const TrainPipelineOptions &options) {
  addSpecialize(pm, options.batch, options.seq);
  // Before anything copies @forward: the training and evaluation steps
  // both run the experts where they live.
  if (options.expertParallel) {
    CherryExpertParallelPassOptions experts;
    experts.ranks = options.ranks;
    pm.addPass(createCherryExpertParallelPass(experts));
  }
  bool selective = options.sgt != "none";
  bool mtp = options.mtp > 0;
  if (mtp) {
    CherryMtpPassOptions heads;
    heads.heads = options.mtp;
    heads.weight = options.mtpWeight;
    heads.cloneTo = kTrainForward;
    pm.addPass(createCherryMtpPass(heads));
  }
  if (selective)
    addSelectiveTraining(pm, options, /*inPlace=*/mtp);
  // The evaluation step reports the next-token loss as without heads, and
  // each head's loss besides (after cherry-weight-loss has copied @forward
  // for the coupling's gradients).
  if (mtp)
    addMtpHeads(pm, options.mtp, "forward");
  pm.addPass(createCherryFuseHeadPass());
  // The loop form keeps only each layer's input for the backward pass,
  // which recomputes the rest.
  bool loop = isLoop(options.form);
  addGradients(pm, selective, selective || mtp, options.recompute || loop,
               loop);
  CherryOptimizerPassOptions optimizer;
  optimizer.optimizer = options.optimizer;
  pm.addPass(createCherryOptimizerPass(optimizer));
  if (options.ranks > 1) {
    CherryDataParallelPassOptions parallel;
    parallel.ranks = options.ranks;
    parallel.bucketMb = options.bucketMb;
    parallel.zero = options.zero;
    parallel.expertParallel = options.expertParallel;
    parallel.report = options.report;
    pm.addPass(createCherryDataParallelPass(parallel));
  }
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  addLowering(pm, fn::kTrainStep, fn::kTrainStep, LoweringMode::Train, loop);
  if (selective)
    addLowering(pm, fn::kGradStep, fn::kGradStep, LoweringMode::Grad, loop);
  addLowering(pm, "forward", fn::kEvalStep, LoweringMode::Eval, loop);
  addKernelTail(pm, options.report, loop, options.ranks > 1 && options.overlap);
}

/// The function the decoding pipeline makes the verification step from.
constexpr const char *kVerifyForward = "forward_verify";

void mlir::cherry::buildDecodePipeline(OpPassManager &pm,
                                       const DecodePipelineOptions &options) {
  if (options.mtp > 0) {
    // Self-speculative decoding: a copy of @forward at 1 + D rows with the
    // heads' logits as outputs, besides the one-row step.
    addSpecialize(pm, options.batch, /*seq=*/1 + options.mtp);
    addMtpHeads(pm, options.mtp, "forward", kVerifyForward);
  }
  addSpecialize(pm, options.batch, /*seq=*/1);
  addLowering(pm, "forward", fn::kDecodeStep, LoweringMode::Decode,
              isLoop(options.form), options.capacity);
  if (options.mtp > 0)
    addLowering(pm, kVerifyForward, fn::kVerifyStep, LoweringMode::Decode,
                isLoop(options.form), options.capacity);
  addKernelTail(pm, options.report, isLoop(options.form));
}

void mlir::cherry::buildInferPipeline(OpPassManager &pm,
                                      const InferPipelineOptions &options) {
  addSpecialize(pm, options.batch, options.seq);
  if (options.mtp > 0)
    addMtpHeads(pm, options.mtp, "forward");
  addLowering(pm, "forward", fn::kEvalStep, LoweringMode::Eval,
              isLoop(options.form));
  addKernelTail(pm, options.report, isLoop(options.form));
}

void mlir::cherry::buildReportPipeline(OpPassManager &pm,
                                       const ReportPipelineOptions &options) {
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  CherryCostReportPassOptions reportOptions;
  reportOptions.format = options.format;
  reportOptions.ranks = options.ranks;
  reportOptions.linkGbps = options.linkGbps;
  reportOptions.stepMs = options.stepMs;
  reportOptions.tflops = options.tflops;
  reportOptions.expertParallel = options.expertParallel;
  pm.addPass(createCherryCostReportPass(reportOptions));
}

void mlir::cherry::buildCompressPipeline(
    OpPassManager &pm, const CompressPipelineOptions &options) {
  CherryLayerAveragePassOptions average;
  average.groupSize = options.groupSize;
  average.groups = options.groups;
  pm.addPass(createCherryLayerAveragePass(average));
  CherryRecurrentPassOptions recurrent;
  recurrent.steps = options.steps;
  recurrent.schedule = options.schedule;
  pm.addPass(createCherryRecurrentPass(recurrent));
  CherryRecurrentUnrollPassOptions unroll;
  unroll.stepNorms = options.stepNorms;
  unroll.loraRank = options.loraRank;
  unroll.loraAlpha = options.loraAlpha;
  unroll.loraInit = options.loraInit;
  pm.addPass(createCherryRecurrentUnrollPass(unroll));
}

namespace {
/// "option=value" of a size option that was given but is not positive.
std::optional<std::string>
notPositive(const mlir::detail::PassOptions::Option<int64_t> &option,
            StringRef what) {
  if (!option.hasValue() || option > 0)
    return std::nullopt;
  return (option.ArgStr + "=" + Twine(int64_t(option)) +
          ": expected a positive " + what)
      .str();
}

/// What is wrong with the sizes a pipeline was given, if anything. Batch and
/// seq left out keep the model's; given, they are positive (0 is no size
/// and does not mean "the model's").
/// "form=value" when the form is neither unrolled nor loop.
std::optional<std::string> badForm(StringRef form) {
  if (form == "unrolled" || form == "loop")
    return std::nullopt;
  return ("form=" + form + ": expected unrolled or loop").str();
}

std::optional<std::string> checkSizes(const TrainPipelineOptions &options) {
  if (auto error = badForm(options.form))
    return error;
  if (auto error = notPositive(options.batch, "batch size (leave batch out "
                                              "to keep the model's)"))
    return error;
  if (options.ranks < 1)
    return ("ranks=" + Twine(int64_t(options.ranks)) +
            ": expected a positive number of ranks")
        .str();
  if (options.zero && options.ranks < 2)
    return std::string("zero=1 shards the optimizer state across ranks: "
                       "give ranks=R above 1");
  if (options.expertParallel && options.ranks < 2)
    return std::string("expert-parallel=1 places the experts on ranks: "
                       "give ranks=R above 1");
  if (options.expertParallel && options.zero)
    return std::string("zero=1 with expert-parallel=1 is not supported "
                       "(ZeRO-1 shards data-parallel runs' optimizer state)");
  if (options.expertParallel && isLoop(options.form))
    return std::string("expert-parallel=1 needs form=unrolled (the loop "
                       "form is not supported with expert parallelism)");
  if (!(options.bucketMb > 0) || !std::isfinite(options.bucketMb))
    return "bucket-mb=" + std::to_string(double(options.bucketMb)) +
           ": expected a positive bucket size in MiB";
  if (options.mtp < 0)
    return "mtp=" + std::to_string(options.mtp) +
           ": expected a number of multi-token heads, 0 or more";
  return notPositive(options.seq, "sequence length (leave seq out to keep "
                                  "the model's)");
}
std::optional<std::string> checkSizes(const InferPipelineOptions &options) {
  if (auto error = badForm(options.form))
    return error;
  if (auto error = notPositive(options.batch, "batch size (leave batch out "
                                              "to keep the model's)"))
    return error;
  if (options.mtp < 0)
    return "mtp=" + std::to_string(options.mtp) +
           ": expected a number of multi-token heads, 0 or more";
  return notPositive(options.seq, "sequence length (leave seq out to keep "
                                  "the model's)");
}
std::optional<std::string> checkSizes(const DecodePipelineOptions &options) {
  if (auto error = badForm(options.form))
    return error;
  if (auto error = notPositive(options.batch, "number of sequences"))
    return error;
  if (options.mtp < 0)
    return "mtp=" + std::to_string(options.mtp) +
           ": expected a number of multi-token heads, 0 or more";
  return notPositive(options.capacity, "number of KV cache rows");
}

/// Registers `--name`, refusing a size option that is not positive when the
/// pipeline is parsed: one line naming the pipeline and the option.
template <typename Options>
void registerSizedPipeline(StringRef name, StringRef description,
                           void (*build)(OpPassManager &, const Options &)) {
  registerPassPipeline(
      name, description,
      [name, build](OpPassManager &pm, StringRef text,
                    function_ref<LogicalResult(const Twine &)> errorHandler) {
        Options options;
        if (failed(options.parseFromString(text)))
          return failure();
        if (std::optional<std::string> error = checkSizes(options))
          return errorHandler("--" + name + ": " + *error);
        build(pm, options);
        return success();
      },
      [](function_ref<void(const mlir::detail::PassOptions &)> optHandler) {
        optHandler(Options());
      });
}
} // namespace

void mlir::cherry::registerCherryPipelines() {
  PassPipelineRegistration<CompressPipelineOptions>(
      "cherry-compress",
      "Compress the depth of the forward graph: average groups of adjacent "
      "layers, run the merged layers on a schedule of effective steps and "
      "unroll it into layers sharing their parameters",
      buildCompressPipeline);
  registerSizedPipeline<TrainPipelineOptions>(
      "cherry-train",
      "Compile the forward graph for training: @train_step (forward, "
      "gradients through each op's VJP, optimizer updates) and @eval_step, "
      "lowered to kernels sharing one parameter set",
      buildTrainPipeline);
  registerSizedPipeline<DecodePipelineOptions>(
      "cherry-decode",
      "Compile the forward graph for generation: one decoding step "
      "(@decode_step) over per-layer KV caches",
      buildDecodePipeline);
  registerSizedPipeline<InferPipelineOptions>(
      "cherry-infer",
      "Compile the forward graph for evaluation: specialize shapes, clean "
      "up, lower to kernel launches, fuse, plan memory (function "
      "@eval_step)",
      buildInferPipeline);
  PassPipelineRegistration<ReportPipelineOptions>(
      "cherry-report",
      "Clean up the model graph (canonicalize, CSE) and print its cost "
      "report",
      buildReportPipeline);
}
