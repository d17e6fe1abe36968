//===- Bindings.h - Well-known function and binding names -------*- C++ -*-===//
//
// The names an Executable's functions and their bindings (the buffers a
// caller fills or reads, docs/Formats.md) go by. cherry-lower-to-kernels
// writes them and the runtime's drivers look them up, so both spell them
// from here. Plain C++: the runtime links no MLIR.
//
//===----------------------------------------------------------------------===//

#ifndef CHERRY_RUNTIME_BINDINGS_H
#define CHERRY_RUNTIME_BINDINGS_H

namespace cherry::abi {

namespace function {
/// (ids, targets) -> loss, and token_losses when the loss is per token.
inline constexpr char kEvalStep[] = "eval_step";
/// (ids, targets, [sgt_mask,] hyper) -> (loss, grad_sq_norm), updating the
/// parameters.
inline constexpr char kTrainStep[] = "train_step";
/// Selective training: (ids, targets, token_weights) -> (loss, grad.<p>...).
inline constexpr char kGradStep[] = "grad_step";
/// (ids, position) -> logits over the KV caches (state).
inline constexpr char kDecodeStep[] = "decode_step";
} // namespace function

namespace binding {
/// Inputs.
inline constexpr char kIds[] = "ids";
inline constexpr char kTargets[] = "targets";
inline constexpr char kSgtMask[] = "sgt_mask";
inline constexpr char kTokenWeights[] = "token_weights";
/// The runtime scalars of a training step, f32[8] (Kernels.md: adamw).
inline constexpr char kHyper[] = "hyper";
/// Decoding: the absolute position of the first new token, i32[1].
inline constexpr char kPosition[] = "position";

/// Outputs.
inline constexpr char kLoss[] = "loss";
inline constexpr char kGradSqNorm[] = "grad_sq_norm";
inline constexpr char kTokenLosses[] = "token_losses";
inline constexpr char kLogits[] = "logits";
/// grad.<parameter>: a parameter's gradient (grad_step).
inline constexpr char kGradPrefix[] = "grad.";

/// State: cache.<i>.k and cache.<i>.v, attention i's KV cache.
inline constexpr char kCachePrefix[] = "cache.";
} // namespace binding

} // namespace cherry::abi

#endif // CHERRY_RUNTIME_BINDINGS_H
