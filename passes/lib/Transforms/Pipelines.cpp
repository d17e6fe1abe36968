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
} // namespace

void mlir::cherry::registerCherryPipelines() {
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
