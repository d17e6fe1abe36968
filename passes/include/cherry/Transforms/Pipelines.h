//===- Pipelines.h - Named cherry pipelines ---------------------*- C++ -*-===//
//
// The pipelines users call by name (cherry-opt --cherry-train=...), exposed
// as builders so that a tool or a test can assemble the same pass lists
// without spelling them as strings. Each option's command-line name is the
// one the registered pipeline takes.
//
//===----------------------------------------------------------------------===//

#ifndef CHERRY_TRANSFORMS_PIPELINES_H
#define CHERRY_TRANSFORMS_PIPELINES_H

#include "cherry/Transforms/Passes.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

namespace mlir::cherry {

/// Options of --cherry-report.
struct ReportPipelineOptions
    : public PassPipelineOptions<ReportPipelineOptions> {
  PassOptions::Option<CostReportFormat> format{
      *this, "format", llvm::cl::desc("Report format"),
      llvm::cl::init(CostReportFormat::Text),
      llvm::cl::values(
          clEnumValN(CostReportFormat::Text, "text", "a table for people"),
          clEnumValN(CostReportFormat::Json, "json", "JSON for scripts"))};
  PassOptions::Option<int64_t> ranks{
      *this, "ranks",
      llvm::cl::desc("Data-parallel ranks to estimate the step of (1: none)"),
      llvm::cl::init(1)};
  PassOptions::Option<double> linkGbps{
      *this, "link-gbps",
      llvm::cl::desc("Bandwidth each rank sends at, in GB/s"),
      llvm::cl::init(0)};
  PassOptions::Option<double> stepMs{
      *this, "step-ms",
      llvm::cl::desc("Measured compute time of one step on one rank, in ms"),
      llvm::cl::init(0)};
  PassOptions::Option<double> tflops{
      *this, "tflops",
      llvm::cl::desc("Sustained TFLOP/s of one device (compute time from "
                     "the FLOPs, without step-ms)"),
      llvm::cl::init(0)};
  PassOptions::Option<bool> expertParallel{
      *this, "expert-parallel",
      llvm::cl::desc("With ranks: the mixture's experts placed on the ranks "
                     "(all-to-all bytes, expert gradients not all-reduced)"),
      llvm::cl::init(false)};
};

/// Options of --cherry-infer.
struct InferPipelineOptions : public PassPipelineOptions<InferPipelineOptions> {
  PassOptions::Option<int64_t> batch{
      *this, "batch",
      llvm::cl::desc("Batch size, positive (left out: the model's)"),
      llvm::cl::init(0)};
  PassOptions::Option<int64_t> seq{
      *this, "seq",
      llvm::cl::desc("Sequence length, positive (left out: the model's)"),
      llvm::cl::init(0)};
  PassOptions::Option<int64_t> mtp{
      *this, "mtp",
      llvm::cl::desc("Multi-token-prediction heads the model was trained "
                     "with: eval_step also outputs each head's loss (0: "
                     "none)"),
      llvm::cl::init(0)};
  PassOptions::Option<std::string> form{
      *this, "form",
      llvm::cl::desc("Executable form of the decoder layers: unrolled (every "
                     "layer's kernels listed) or loop (runs of layers that "
                     "launch the same kernels, the steps of a recurrent "
                     "model, as one loop instruction)"),
      llvm::cl::init("unrolled")};
  PassOptions::Option<bool> report{
      *this, "report", llvm::cl::desc("Print the scratch arena size on stderr"),
      llvm::cl::init(true)};
};

/// Options of --cherry-decode.
struct DecodePipelineOptions
    : public PassPipelineOptions<DecodePipelineOptions> {
  PassOptions::Option<int64_t> batch{
      *this, "batch", llvm::cl::desc("Sequences decoded at once, positive"),
      llvm::cl::init(1)};
  PassOptions::Option<int64_t> capacity{
      *this, "capacity",
      llvm::cl::desc("KV cache rows: prompt plus generated tokens, positive"),
      llvm::cl::init(256)};
  PassOptions::Option<int64_t> mtp{
      *this, "mtp",
      llvm::cl::desc("Multi-token-prediction heads the model was trained "
                     "with: also @verify_step, 1 + mtp rows at once with "
                     "each head's logits, for self-speculative decoding (0: "
                     "none)"),
      llvm::cl::init(0)};
  PassOptions::Option<std::string> form{
      *this, "form",
      llvm::cl::desc("Executable form of the decoder layers: unrolled (every "
                     "layer's kernels listed) or loop (runs of layers that "
                     "launch the same kernels, the steps of a recurrent "
                     "model, as one loop instruction)"),
      llvm::cl::init("unrolled")};
  PassOptions::Option<bool> report{
      *this, "report", llvm::cl::desc("Print the scratch arena size on stderr"),
      llvm::cl::init(true)};
};

/// Options of --cherry-train.
struct TrainPipelineOptions : public PassPipelineOptions<TrainPipelineOptions> {
  PassOptions::Option<int64_t> batch{
      *this, "batch",
      llvm::cl::desc("Batch size, positive (left out: the model's)"),
      llvm::cl::init(0)};
  PassOptions::Option<int64_t> seq{
      *this, "seq",
      llvm::cl::desc("Sequence length, positive (left out: the model's)"),
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
  PassOptions::Option<int64_t> mtp{
      *this, "mtp",
      llvm::cl::desc("Multi-token-prediction heads: head k predicts the "
                     "token k + 1 ahead (0: none)"),
      llvm::cl::init(0)};
  PassOptions::Option<double> mtpWeight{
      *this, "mtp-weight",
      llvm::cl::desc("Weight of the heads' mean loss: L_next + (weight / "
                     "mtp) * sum_k L_k"),
      llvm::cl::init(0.3)};
  PassOptions::Option<bool> recompute{
      *this, "recompute",
      llvm::cl::desc("Recompute each decoder layer in the backward pass from "
                     "its input (activation checkpointing: less memory, one "
                     "more forward pass)"),
      llvm::cl::init(false)};
  PassOptions::Option<bool> sgtHoist{
      *this, "sgt-hoist",
      llvm::cl::desc("Run the last layer's row-wise ops on the selected rows "
                     "only (cherry-sgt-sparsify hoist)"),
      llvm::cl::init(true)};
  PassOptions::Option<int64_t> ranks{
      *this, "ranks",
      llvm::cl::desc("Data-parallel ranks the step runs on (1: no "
                     "reduction; more: cherry-data-parallel)"),
      llvm::cl::init(1)};
  PassOptions::Option<double> bucketMb{
      *this, "bucket-mb",
      llvm::cl::desc("Largest bucket of gradients reduced across ranks "
                     "together, in MiB"),
      llvm::cl::init(25)};
  PassOptions::Option<bool> zero{
      *this, "zero",
      llvm::cl::desc("ZeRO-1: shard AdamW's moments across the ranks"),
      llvm::cl::init(false)};
  PassOptions::Option<bool> expertParallel{
      *this, "expert-parallel",
      llvm::cl::desc("Expert parallelism for a mixture: rank r of R holds "
                     "experts [r E / R, (r + 1) E / R) and the ranks exchange "
                     "the routed rows with all-to-alls (cherry-expert-"
                     "parallel); needs ranks=R above 1"),
      llvm::cl::init(false)};
  PassOptions::Option<bool> overlap{
      *this, "overlap",
      llvm::cl::desc("With ranks above 1: each bucket's reduction runs while "
                     "the rest of the backward pass does (all_reduce_start "
                     "and all_reduce_wait, cherry-overlap-reductions); 0: "
                     "one blocking all_reduce launch per bucket"),
      llvm::cl::init(true)};
  PassOptions::Option<std::string> form{
      *this, "form",
      llvm::cl::desc("Executable form of the decoder layers: unrolled (every "
                     "layer's kernels listed) or loop (runs of layers that "
                     "launch the same kernels, the steps of a recurrent "
                     "model, as one loop instruction; training recomputes each "
                     "layer from its input)"),
      llvm::cl::init("unrolled")};
  PassOptions::Option<bool> report{
      *this, "report", llvm::cl::desc("Print the scratch arena size on stderr"),
      llvm::cl::init(true)};
};

/// Options of --cherry-compress.
struct CompressPipelineOptions
    : public PassPipelineOptions<CompressPipelineOptions> {
  PassOptions::Option<int64_t> groupSize{
      *this, "group-size", llvm::cl::desc("Adjacent layers averaged into one"),
      llvm::cl::init(0)};
  PassOptions::Option<std::string> groups{
      *this, "groups",
      llvm::cl::desc("Explicit groups instead of group-size, e.g. 0-7,8-15"),
      llvm::cl::init("")};
  PassOptions::Option<int64_t> steps{
      *this, "steps",
      llvm::cl::desc("Effective steps of the shared layers (0: one each)"),
      llvm::cl::init(0)};
  PassOptions::Option<std::string> schedule{
      *this, "schedule",
      llvm::cl::desc("sequence, cycle or an explicit list like 0,0,1,1"),
      llvm::cl::init("sequence")};
  PassOptions::Option<bool> stepNorms{
      *this, "step-norms",
      llvm::cl::desc("Per-step copies of the layers' RMSNorm gains"),
      llvm::cl::init(false)};
  PassOptions::Option<int64_t> loraRank{
      *this, "lora-rank",
      llvm::cl::desc("Rank of the per-step LoRA adapters (0: none)"),
      llvm::cl::init(0)};
  PassOptions::Option<double> loraAlpha{
      *this, "lora-alpha",
      llvm::cl::desc("LoRA alpha: adapters scaled by alpha / rank (0: alpha "
                     "= rank)"),
      llvm::cl::init(0.0)};
  PassOptions::Option<std::string> loraInit{
      *this, "lora-init",
      llvm::cl::desc("random (B = 0: identity at initialization) or svd "
                     "(the truncated SVD of the replaced layer's residual)"),
      llvm::cl::init("random")};
};

/// --cherry-compress: average groups of adjacent layers
/// (cherry-layer-average), run the merged layers on a schedule of steps
/// (cherry-recurrent) and expand it into a chain of layers sharing their
/// parameters (cherry-recurrent-unroll); composes with --cherry-train and
/// --cherry-infer.
void buildCompressPipeline(OpPassManager &pm,
                           const CompressPipelineOptions &options);

/// --cherry-train: @train_step (forward, gradients through each op's VJP,
/// optimizer updates) and @eval_step, lowered to kernels sharing one
/// parameter set; with a selective training policy also @grad_step.
void buildTrainPipeline(OpPassManager &pm, const TrainPipelineOptions &options);

/// --cherry-decode: one decoding step (@decode_step) over per-layer KV
/// caches; with mtp=D also @verify_step, 1 + D rows at once over caches of
/// its own with the multi-token heads' logits (self-speculative decoding).
void buildDecodePipeline(OpPassManager &pm,
                         const DecodePipelineOptions &options);

/// --cherry-infer: @eval_step, the forward graph specialized, lowered to
/// kernel launches, fused and memory-planned.
void buildInferPipeline(OpPassManager &pm, const InferPipelineOptions &options);

/// --cherry-report: the model graph cleaned up and its cost report printed.
void buildReportPipeline(OpPassManager &pm,
                         const ReportPipelineOptions &options);

} // namespace mlir::cherry

#endif // CHERRY_TRANSFORMS_PIPELINES_H
