//===- Bindings.h - Well-known function and binding names -------*- C++ -*-===//
//
// The names an Executable's functions and their bindings (the buffers a
// caller fills or reads, docs/Formats.md) go by. The compiler spells them
// from here: cherry-lower-to-kernels names the bindings, the pipelines the
// functions, and cherry-translate maps the names to the roles the
// executable records. The runtime finds functions and bindings by role and
// uses the names in messages only. Plain C++: the runtime links no MLIR.
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
/// Self-speculative decoding (--cherry-decode mtp=D): (ids, position) ->
/// (logits, mtp_logits.<k>...) for 1 + D new rows at once, over KV caches of
/// its own, the multi-token heads' included.
inline constexpr char kVerifyStep[] = "verify_step";
} // namespace function

namespace binding {
inline constexpr char kIds[] = "ids";         // in: i32[batch, seq]
inline constexpr char kTargets[] = "targets"; // in: i32[batch, seq]
/// In, with cherry-sgt's mask policy: i32[batch, seq], 0 or 1.
inline constexpr char kSgtMask[] = "sgt_mask";
/// In, grad_step: f32[batch, seq], what each position's loss counts.
inline constexpr char kTokenWeights[] = "token_weights";
/// In: the runtime scalars of a training step, f32[8] (see adamw in
/// docs/reference/Kernels.md).
inline constexpr char kHyper[] = "hyper";
/// In, decode_step: the absolute position of the first new token, i32[1].
inline constexpr char kPosition[] = "position";
inline constexpr char kLoss[] = "loss"; // out: f32[]
/// Out, train_step: the squared norm of all gradients, f32[].
inline constexpr char kGradSqNorm[] = "grad_sq_norm";
/// Out, eval_step: every position's loss, f32[batch, seq].
inline constexpr char kTokenLosses[] = "token_losses";
/// Out, decode_step: f32[batch, seq, vocab].
inline constexpr char kLogits[] = "logits";
/// Out, eval_step with multi-token prediction: mtp_loss.<k>, head k's mean
/// loss against the targets k positions further on, f32[].
inline constexpr char kMtpLossPrefix[] = "mtp_loss.";
/// Out, verify_step: mtp_logits.<k>, head k's logits (each row's guess at
/// the token k + 1 ahead), f32[batch, seq, vocab].
inline constexpr char kMtpLogitsPrefix[] = "mtp_logits.";
/// Out, grad_step: grad.<parameter>, a parameter's gradient.
inline constexpr char kGradPrefix[] = "grad.";
/// State, decode_step: cache.<i>.k and cache.<i>.v, attention i's KV cache.
inline constexpr char kCachePrefix[] = "cache.";
} // namespace binding

} // namespace cherry::abi

#endif // CHERRY_RUNTIME_BINDINGS_H
