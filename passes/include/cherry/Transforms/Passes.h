//===- Passes.h - cherry passes ---------------------------------*- C++ -*-===//

#ifndef CHERRY_TRANSFORMS_PASSES_H
#define CHERRY_TRANSFORMS_PASSES_H

#include "cherry/Dialect/Cherry/IR/CherryOps.h"
#include "cherry/Dialect/Kernel/IR/KernelDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir::cherry {

enum class CostReportFormat { Text, Json };

/// What cherry-lower-to-kernels makes of a function (its `mode` option).
enum class LoweringMode { Eval, Train, Grad, Decode };

/// The result attribute (i64 k >= 1) cherry-mtp puts on the extra results
/// of a function it gives per-head losses: result i is head k's loss (the
/// evaluation step's `mtp_loss`, the decoding step's `mtp_logits`).
inline constexpr llvm::StringLiteral kMtpHeadAttr = "cherry.mtp_head";

#define GEN_PASS_DECL
#include "cherry/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "cherry/Transforms/Passes.h.inc"

/// The value the body of `layer` yields: what stands for the layer's result
/// once the body is inlined (its block argument stands for the input).
Value getYieldedValue(DecoderLayerOp layer);

/// Moves the body of `layer` into the enclosing block: the layer's result
/// becomes the value its body yields.
void inlineDecoderLayer(DecoderLayerOp layer);

/// Inlines every decoder layer nested in `root` that `shouldInline` accepts
/// (all of them without it). Returns how many were inlined.
unsigned
inlineDecoderLayers(Operation *root,
                    function_ref<bool(DecoderLayerOp)> shouldInline = nullptr);

/// A layer parameter's name within its layer: `name` after
/// `model.layers.{i}.` or `model.recurrent.steps.{s}.`
/// (`self_attn.q_proj.weight`), or "" for a parameter of no layer.
StringRef layerLocalName(StringRef name);

/// Op attribute (i64) set by cherry-autodiff's tag-layers: the decoder layer
/// whose forward or backward pass the op belongs to.
inline constexpr llvm::StringLiteral kLayerTagAttr = "cherry.layer";

/// Registers the named pipelines (`--cherry-report`, ...).
void registerCherryPipelines();

/// Registers every cherry pass and pipeline with the global registry.
inline void registerAllCherryPasses() {
  registerCherryPasses();
  registerCherryPipelines();
}

} // namespace mlir::cherry

#endif // CHERRY_TRANSFORMS_PASSES_H
