//===- Passes.td - cherry passes ----------------------------*- tablegen -*-===//

#ifndef CHERRY_TRANSFORMS_PASSES_TD
#define CHERRY_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def CherryCostReportPass : Pass<"cherry-cost-report", "::mlir::ModuleOp"> {
  let summary = "Print parameters and FLOPs per token, per function and layer";
  let description = [{
    For every function in the module, prints one row per top-level
    `cherry.decoder_layer`, `cherry.recurrent` (and each of its shared layers
    with how often it runs), `cherry.moee` and `cherry.mtp_head`, one row for
    everything outside them (embedding, final norm, head, loss), and a total:
    parameter count (distinct `cherry.param`s read), forward FLOPs per token
    and forward+backward FLOPs per token. Tokens per call are the elements of
    the function's first integer tensor argument (the token ids). FLOPs come
    from `CostOpInterface`; ops without it are reported as a warning and
    counted as zero. The IR is not changed.

    Example: `cherry-opt model.mlir --cherry-cost-report=format=json -o /dev/null`
  }];
  let options = [
    Option<"format", "format", "::mlir::cherry::CostReportFormat",
           /*default=*/"::mlir::cherry::CostReportFormat::Text",
           "Report format",
           [{::llvm::cl::values(
               clEnumValN(::mlir::cherry::CostReportFormat::Text, "text",
                          "an aligned table for people"),
               clEnumValN(::mlir::cherry::CostReportFormat::Json, "json",
                          "one JSON document for scripts"))}]>,
  ];
}

#endif // CHERRY_TRANSFORMS_PASSES_TD
