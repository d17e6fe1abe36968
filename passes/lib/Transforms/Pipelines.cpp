//===- Pipelines.cpp - Named cherry pipelines -----------------------------===//
//
// Pipelines users call by name, so nobody spells thirty passes by hand.
//
//===----------------------------------------------------------------------===//

#include "cherry/Transforms/Passes.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;
using namespace mlir::cherry;

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
  PassOptions::Option<bool> report{
      *this, "report", llvm::cl::desc("Print the scratch arena size on stderr"),
      llvm::cl::init(true)};
};
} // namespace

void mlir::cherry::registerCherryPipelines() {
  PassPipelineRegistration<TrainPipelineOptions>(
      "cherry-train",
      "Compile the forward graph for training: @train_step (forward, "
      "gradients through each op's VJP, optimizer updates) and @eval_step, "
      "lowered to kernels sharing one parameter set",
      [](OpPassManager &pm, const TrainPipelineOptions &options) {
        CherrySpecializeShapesPassOptions shapes;
        shapes.batch = options.batch;
        shapes.seq = options.seq;
        pm.addPass(createCherrySpecializeShapesPass(shapes));
        pm.addPass(createCherryFuseHeadPass());
        pm.addPass(createCherryAutodiffPass());
        CherryOptimizerPassOptions optimizer;
        optimizer.optimizer = options.optimizer;
        pm.addPass(createCherryOptimizerPass(optimizer));
        pm.addPass(createCanonicalizerPass());
        pm.addPass(createCSEPass());
        CherryLowerToKernelsPassOptions train;
        train.function = "train_step";
        train.name = "train_step";
        train.mode = "train";
        pm.addPass(createCherryLowerToKernelsPass(train));
        CherryLowerToKernelsPassOptions eval;
        eval.function = "forward";
        eval.name = "eval_step";
        pm.addPass(createCherryLowerToKernelsPass(eval));
        pm.addPass(createCherryFuseKernelsPass());
        CherryPlanMemoryPassOptions plan;
        plan.report = options.report;
        pm.addPass(createCherryPlanMemoryPass(plan));
      });
  PassPipelineRegistration<DecodePipelineOptions>(
      "cherry-decode",
      "Compile the forward graph for generation: one decoding step "
      "(@decode_step) over per-layer KV caches",
      [](OpPassManager &pm, const DecodePipelineOptions &options) {
        CherrySpecializeShapesPassOptions shapes;
        shapes.batch = options.batch;
        shapes.seq = 1;
        pm.addPass(createCherrySpecializeShapesPass(shapes));
        pm.addPass(createCanonicalizerPass());
        pm.addPass(createCSEPass());
        CherryLowerToKernelsPassOptions lower;
        lower.mode = "decode";
        lower.name = "decode_step";
        lower.capacity = options.capacity;
        pm.addPass(createCherryLowerToKernelsPass(lower));
        pm.addPass(createCherryFuseKernelsPass());
        CherryPlanMemoryPassOptions plan;
        plan.report = options.report;
        pm.addPass(createCherryPlanMemoryPass(plan));
      });
  PassPipelineRegistration<InferPipelineOptions>(
      "cherry-infer",
      "Compile the forward graph for evaluation: specialize shapes, clean "
      "up, lower to kernel launches, fuse, plan memory (function "
      "@eval_step)",
      [](OpPassManager &pm, const InferPipelineOptions &options) {
        CherrySpecializeShapesPassOptions shapes;
        shapes.batch = options.batch;
        shapes.seq = options.seq;
        pm.addPass(createCherrySpecializeShapesPass(shapes));
        pm.addPass(createCanonicalizerPass());
        pm.addPass(createCSEPass());
        pm.addPass(createCherryLowerToKernelsPass());
        pm.addPass(createCherryFuseKernelsPass());
        CherryPlanMemoryPassOptions plan;
        plan.report = options.report;
        pm.addPass(createCherryPlanMemoryPass(plan));
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
