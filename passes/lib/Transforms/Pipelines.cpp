//===- Pipelines.cpp - Named cherry pipelines -----------------------------===//
//
// Pipelines users call by name, so nobody spells thirty passes by hand.
//
//===----------------------------------------------------------------------===//

#include "cherry/Transforms/Passes.h"

#include "cherry/Runtime/Bindings.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;
using namespace mlir::cherry;
namespace fn = ::cherry::abi::function;

namespace {
struct ReportPipelineOptions
    : public PassPipelineOptions<ReportPipelineOptions> {
  PassOptions::Option<CostReportFormat> format{
      *this, "format", llvm::cl::desc("Report format"),
      llvm::cl::init(CostReportFormat::Text),
      llvm::cl::values(
          clEnumValN(CostReportFormat::Text, "text", "a table for people"),
          clEnumValN(CostReportFormat::Json, "json", "JSON for scripts"))};
};

struct InferPipelineOptions : public PassPipelineOptions<InferPipelineOptions> {
  PassOptions::Option<int64_t> batch{
      *this, "batch", llvm::cl::desc("Batch size (0: the model's)"),
      llvm::cl::init(0)};
  PassOptions::Option<int64_t> seq{
      *this, "seq", llvm::cl::desc("Sequence length (0: the model's)"),
      llvm::cl::init(0)};
  PassOptions::Option<bool> report{
      *this, "report", llvm::cl::desc("Print the scratch arena size on stderr"),
      llvm::cl::init(true)};
};

struct DecodePipelineOptions
    : public PassPipelineOptions<DecodePipelineOptions> {
  PassOptions::Option<int64_t> batch{
      *this, "batch", llvm::cl::desc("Sequences decoded at once"),
      llvm::cl::init(1)};
  PassOptions::Option<int64_t> capacity{
      *this, "capacity",
      llvm::cl::desc("KV cache rows: prompt plus generated tokens"),
      llvm::cl::init(256)};
  PassOptions::Option<bool> report{
      *this, "report", llvm::cl::desc("Print the scratch arena size on stderr"),
      llvm::cl::init(true)};
};

struct TrainPipelineOptions : public PassPipelineOptions<TrainPipelineOptions> {
  PassOptions::Option<int64_t> batch{
      *this, "batch", llvm::cl::desc("Batch size (0: the model's)"),
      llvm::cl::init(0)};
  PassOptions::Option<int64_t> seq{
      *this, "seq", llvm::cl::desc("Sequence length (0: the model's)"),
      llvm::cl::init(0)};
  PassOptions::Option<std::string> optimizer{*this, "optimizer",
                                             llvm::cl::desc("adamw or sgd"),
                                             llvm::cl::init("adamw")};
  PassOptions::Option<std::string> sgt{
      *this, "sgt",
      llvm::cl::desc("Selective training policy: none (default), "
                     "surprisal, random, topk-surprisal, loss-topk, mask, "
                     "uniform or score"),
      llvm::cl::init("none")};
  PassOptions::Option<double> sgtRatio{
      *this, "sgt-ratio",
      llvm::cl::desc("Fraction of supervised positions, in (0, 1]"),
      llvm::cl::init(0.15)};
  PassOptions::Option<int64_t> sgtSeed{
      *this, "sgt-seed", llvm::cl::desc("Seed of the random draws"),
      llvm::cl::init(0)};
  PassOptions::Option<bool> sgtHoist{
      *this, "sgt-hoist",
      llvm::cl::desc("Run the last layer's row-wise ops on the selected rows "
                     "only (cherry-sgt-sparsify hoist)"),
      llvm::cl::init(true)};
  PassOptions::Option<bool> report{
      *this, "report", llvm::cl::desc("Print the scratch arena size on stderr"),
      llvm::cl::init(true)};
};

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
                 LoweringMode mode, int64_t capacity = 0) {
  CherryLowerToKernelsPassOptions lower;
  lower.function = function.str();
  lower.name = name.str();
  lower.mode = mode;
  lower.capacity = capacity;
  pm.addPass(createCherryLowerToKernelsPass(lower));
}

/// Kernel-level fusion and memory planning, common to every pipeline.
void addKernelTail(OpPassManager &pm, bool report) {
  pm.addPass(createCherryFuseKernelsPass());
  CherryPlanMemoryPassOptions plan;
  plan.report = report;
  pm.addPass(createCherryPlanMemoryPass(plan));
}
} // namespace

void mlir::cherry::registerCherryPipelines() {
  PassPipelineRegistration<TrainPipelineOptions>(
      "cherry-train",
      "Compile the forward graph for training: @train_step (forward, "
      "gradients through each op's VJP, optimizer updates) and @eval_step, "
      "lowered to kernels sharing one parameter set",
      [](OpPassManager &pm, const TrainPipelineOptions &options) {
        addSpecialize(pm, options.batch, options.seq);
        // Selective training rewrites a copy of the forward function: the
        // training step supervises the selected positions, the evaluation
        // step keeps the loss on all tokens.
        bool selective = options.sgt != "none";
        if (selective) {
          CherrySgtPassOptions sgt;
          sgt.policy = options.sgt;
          sgt.ratio = options.sgtRatio;
          sgt.seed = options.sgtSeed;
          sgt.cloneTo = "forward_sgt";
          pm.addPass(createCherrySgtPass(sgt));
          CherrySgtSparsifyPassOptions sparsify;
          sparsify.hoist = options.sgtHoist;
          pm.addPass(createCherrySgtSparsifyPass(sparsify));
          // The gradient of a loss weighted at run time: the coupling of
          // selected and unselected positions (cherry-run train
          // --coupling-every).
          pm.addPass(createCherryWeightLossPass());
        }
        pm.addPass(createCherryFuseHeadPass());
        CherryAutodiffPassOptions autodiff;
        autodiff.function = selective ? "forward_sgt" : "forward";
        autodiff.keepForward = !selective;
        pm.addPass(createCherryAutodiffPass(autodiff));
        if (selective) {
          CherryAutodiffPassOptions weighted;
          weighted.function = "forward_weighted";
          weighted.name = fn::kGradStep;
          weighted.keepForward = false;
          pm.addPass(createCherryAutodiffPass(weighted));
        }
        CherryOptimizerPassOptions optimizer;
        optimizer.optimizer = options.optimizer;
        pm.addPass(createCherryOptimizerPass(optimizer));
        pm.addPass(createCanonicalizerPass());
        pm.addPass(createCSEPass());
        addLowering(pm, fn::kTrainStep, fn::kTrainStep, LoweringMode::Train);
        if (selective)
          addLowering(pm, fn::kGradStep, fn::kGradStep, LoweringMode::Grad);
        addLowering(pm, "forward", fn::kEvalStep, LoweringMode::Eval);
        addKernelTail(pm, options.report);
      });
  PassPipelineRegistration<DecodePipelineOptions>(
      "cherry-decode",
      "Compile the forward graph for generation: one decoding step "
      "(@decode_step) over per-layer KV caches",
      [](OpPassManager &pm, const DecodePipelineOptions &options) {
        addSpecialize(pm, options.batch, /*seq=*/1);
        addLowering(pm, "forward", fn::kDecodeStep, LoweringMode::Decode,
                    options.capacity);
        addKernelTail(pm, options.report);
      });
  PassPipelineRegistration<InferPipelineOptions>(
      "cherry-infer",
      "Compile the forward graph for evaluation: specialize shapes, clean "
      "up, lower to kernel launches, fuse, plan memory (function "
      "@eval_step)",
      [](OpPassManager &pm, const InferPipelineOptions &options) {
        addSpecialize(pm, options.batch, options.seq);
        addLowering(pm, "forward", fn::kEvalStep, LoweringMode::Eval);
        addKernelTail(pm, options.report);
      });
  PassPipelineRegistration<ReportPipelineOptions>(
      "cherry-report",
      "Clean up the model graph (canonicalize, CSE) and print its cost "
      "report",
      [](OpPassManager &pm, const ReportPipelineOptions &options) {
        pm.addPass(createCanonicalizerPass());
        pm.addPass(createCSEPass());
        CherryCostReportPassOptions reportOptions;
        reportOptions.format = options.format;
        pm.addPass(createCherryCostReportPass(reportOptions));
      });
}
