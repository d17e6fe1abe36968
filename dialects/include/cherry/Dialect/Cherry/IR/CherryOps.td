//===- CherryOps.td - cherry operations ---------------------*- tablegen -*-===//

#ifndef CHERRY_OPS_TD
#define CHERRY_OPS_TD

include "cherry/Dialect/Cherry/IR/CherryDialect.td"
include "cherry/Dialect/Cherry/IR/CherryAttrs.td"
include "cherry/Dialect/Cherry/IR/CherryInterfaces.td"
include "mlir/IR/OpAsmInterface.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/IR/RegionKindInterface.td"
include "mlir/Interfaces/ControlFlowInterfaces.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

//===----------------------------------------------------------------------===//
// Common definitions
//===----------------------------------------------------------------------===//

/// Rejects attributes the op does not know (a misspelt `epsilon` for `eps`
/// would otherwise be kept as a discardable attribute and silently ignored).
/// Attributes with a dialect prefix (`foo.bar`) are left alone.
def Cherry_StrictAttributes : NativeOpTrait<"StrictAttributes"> {
  let cppNamespace = "::mlir::cherry::OpTrait";
}

class Cherry_Op<string mnemonic, list<Trait> traits = []>
    : Op<Cherry_Dialect, mnemonic, !listconcat(traits, [Cherry_StrictAttributes])>;

def Cherry_Cost : DeclareOpInterfaceMethods<Cherry_CostOpInterface>;
def Cherry_Shape : DeclareOpInterfaceMethods<Cherry_ShapeInferenceOpInterface>;
def Cherry_Differentiable
    : DeclareOpInterfaceMethods<Cherry_DifferentiableOpInterface>;
def Cherry_ShapeInferred
    : DeclareOpInterfaceMethods<Cherry_ShapeInferenceOpInterface,
                                ["inferResultTypes"]>;
def Cherry_CostWithBackward
    : DeclareOpInterfaceMethods<Cherry_CostOpInterface, ["getBackwardFlops"]>;

def Cherry_FloatTensor : StaticShapeTensorOf<[AnyFloat]>;
def Cherry_IndexTensor : StaticShapeTensorOf<[AnySignlessInteger]>;
def Cherry_Loss : 0DTensorOf<[F32]> {
  let builderCall = "::mlir::RankedTensorType::get({}, $_builder.getF32Type())";
}

// The optimizer's runtime scalars: [lr, beta1, beta2, eps, weight_decay,
// step, max_grad_norm, tokens].
def Cherry_Hyper : 1DTensorOf<[F32]> {
  let builderCall =
      "::mlir::RankedTensorType::get({8}, $_builder.getF32Type())";
}

def Cherry_LayerRegion : Region<CPred<"::llvm::hasSingleElement($_self)">,
                                "region with one block">;

//===----------------------------------------------------------------------===//
// Parameters
//===----------------------------------------------------------------------===//

def Cherry_ParamOp : Cherry_Op<"param", [
    Symbol, HasParent<"::mlir::ModuleOp">,
    DeclareOpInterfaceMethods<SymbolUserOpInterface>,
    DeclareOpInterfaceMethods<Cherry_CostOpInterface, ["getParameterCount"]>]> {
  let summary = "A model parameter (weight) declared at module level";
  let description = [{
    Declares one weight tensor. The symbol name is how functions refer to it
    (`cherry.param_ref`) and the key it is saved under; `checkpoint` names the
    safetensors tensor it is loaded from (Hugging Face names); `init` says how
    it is made when there is no checkpoint value (training from scratch, new
    per-step parameters, merged layers). At least one of them is required.
    Parameters are trainable unless `trainable = false`. `weight_source`
    says which of the runtime's weight sources (`cherry-run --weights A
    --weights B`: 0 for A, 1 for B) the checkpoint tensor is read from; a
    model fused from several (`cherry-moee-fuse`) reads each expert's
    weights from its own.

    Example:

    ```mlir
    cherry.param @model.norm.weight : tensor<64xf32>
        init(#cherry.constant<1.0>) checkpoint("model.norm.weight")
    cherry.param @sgt.token_scores : tensor<256xf32>
        init(#cherry.constant<0.0>) {trainable = false}
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name,
                       TypeAttrOf<Cherry_FloatTensor>:$type,
                       OptionalAttr<Cherry_InitializerAttr>:$init,
                       OptionalAttr<StrAttr>:$checkpoint,
                       DefaultValuedAttr<BoolAttr, "true">:$trainable,
                       DefaultValuedAttr<I64Attr, "0">:$weight_source);
  let assemblyFormat = [{
    $sym_name `:` $type (`init` `(` $init^ `)`)?
    (`checkpoint` `(` $checkpoint^ `)`)? attr-dict
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    ::mlir::RankedTensorType getTensorType() {
      return ::llvm::cast<::mlir::RankedTensorType>(getType());
    }
  }];
}

def Cherry_ParamRefOp : Cherry_Op<"param_ref", [
    Pure, DeclareOpInterfaceMethods<SymbolUserOpInterface>, Cherry_Cost,
    DeclareOpInterfaceMethods<OpAsmOpInterface, ["getAsmResultNames"]>]> {
  let summary = "Reads a module-level parameter";
  let description = [{
    Produces the current value of a `cherry.param`. The result type must
    equal the parameter's type. The printer names the result after the
    parameter's module (`%q_proj` for `@model.layers.0.self_attn.q_proj.weight`).

    ```mlir
    %w = cherry.param_ref @model.layers.0.mlp.up_proj.weight : tensor<172x64xf32>
    ```
  }];
  let arguments = (ins FlatSymbolRefAttr:$param);
  let results = (outs Cherry_FloatTensor:$result);
  let assemblyFormat = "$param attr-dict `:` type($result)";
}

//===----------------------------------------------------------------------===//
// Transformer building blocks
//===----------------------------------------------------------------------===//

def Cherry_EmbeddingOp : Cherry_Op<"embedding", [
    Pure, Cherry_CostWithBackward, Cherry_ShapeInferred, Cherry_Differentiable]> {
  let summary = "Looks up rows of an embedding table";
  let description = [{
    `result[..., :] = table[ids[...], :]`. The table is `[vocab, hidden]`
    (Hugging Face layout); the result appends the hidden dimension to the
    shape of `ids`. Ids outside `[0, vocab)` are a runtime error.

    ```mlir
    %h = cherry.embedding %ids, %table
        : tensor<2x16xi32>, tensor<256x64xf32> -> tensor<2x16x64xf32>
    ```
  }];
  let arguments = (ins Cherry_IndexTensor:$ids, Cherry_FloatTensor:$table);
  let results = (outs Cherry_FloatTensor:$result);
  let assemblyFormat = [{
    $ids `,` $table attr-dict `:` type($ids) `,` type($table) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Cherry_RMSNormOp : Cherry_Op<"rms_norm", [
    Pure, AllTypesMatch<["input", "result"]>, Cherry_Cost, Cherry_Shape,
    Cherry_Differentiable]> {
  let summary = "Root-mean-square normalisation over the last dimension";
  let description = [{
    `result = input / sqrt(mean(input^2, -1) + eps) * weight`, with `weight`
    of the size of the last dimension.

    ```mlir
    %y = cherry.rms_norm %x, %g {eps = 1.0e-05 : f64}
        : tensor<2x16x64xf32>, tensor<64xf32>
    ```
  }];
  let arguments = (ins Cherry_FloatTensor:$input, Cherry_FloatTensor:$weight,
                       DefaultValuedAttr<F64Attr, "1e-5">:$eps);
  let results = (outs Cherry_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight attr-dict `:` type($input) `,` type($weight)
  }];
  let hasVerifier = 1;
}

def Cherry_LinearOp : Cherry_Op<"linear", [
    Pure, Cherry_Cost, Cherry_ShapeInferred, Cherry_Differentiable]> {
  let summary = "Affine map x·Wᵀ (+ b) over the last dimension";
  let description = [{
    The weight is `[out_features, in_features]`, the layout of Hugging Face
    and PyTorch `nn.Linear`, so checkpoints load without transposes. The
    result replaces the input's last dimension by `out_features`.

    ```mlir
    %q = cherry.linear %x, %wq
        : tensor<2x16x64xf32>, tensor<64x64xf32> -> tensor<2x16x64xf32>
    %y = cherry.linear %x, %w, %b
        : tensor<2x16x64xf32>, tensor<32x64xf32>, tensor<32xf32> -> tensor<2x16x32xf32>
    ```
  }];
  let arguments = (ins Cherry_FloatTensor:$input, Cherry_FloatTensor:$weight,
                       Optional<Cherry_FloatTensor>:$bias);
  let results = (outs Cherry_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? attr-dict `:` type($input) `,`
    type($weight) (`,` type($bias)^)? `->` type($result)
  }];
  let hasVerifier = 1;
}

def Cherry_RopeOp : Cherry_Op<"rope", [
    Pure, AllTypesMatch<["input", "result"]>, Cherry_Cost, Cherry_Shape,
    Cherry_Differentiable]> {
  let summary = "Rotary position embedding on packed heads";
  let description = [{
    Rotates each head of `input` (`[batch, seq, heads * head_dim]`) by the
    angle `pos * theta^(-2i/head_dim)`, pairing element `i` with
    `i + head_dim/2` (the Llama / Hugging Face "rotate half" convention).
    Row `t` is at position `pos = t`, or with `positions` (`[batch, seq]`
    integers: rows gathered from a longer sequence, as `cherry-sgt-sparsify`
    moves a selection through it) at `pos = positions[b, t]`.

    ```mlir
    %qr = cherry.rope %q {head_dim = 16 : i64, theta = 1.0e+04 : f64}
        : tensor<2x16x64xf32>
    %qs = cherry.rope %q4 positions(%pos : tensor<2x4xi32>) {head_dim = 16 : i64}
        : tensor<2x4x64xf32>
    ```
  }];
  let arguments = (ins Cherry_FloatTensor:$input,
                       Optional<Cherry_IndexTensor>:$positions,
                       I64Attr:$head_dim,
                       DefaultValuedAttr<F64Attr, "10000.0">:$theta);
  let results = (outs Cherry_FloatTensor:$result);
  let assemblyFormat = [{
    $input (`positions` `(` $positions^ `:` type($positions) `)`)? attr-dict
    `:` type($input)
  }];
  let hasVerifier = 1;
}

def Cherry_AttentionOp : Cherry_Op<"attention", [
    Pure, AllTypesMatch<["query", "result"]>, AllTypesMatch<["key", "value"]>,
    Cherry_Cost, Cherry_Shape, Cherry_Differentiable]> {
  let summary = "Scaled dot-product attention, grouped-query, causal";
  let description = [{
    `query` is `[batch, q_len, num_heads * head_dim]`, `key` and `value` are
    `[batch, seq, num_kv_heads * head_dim]`; each group of
    `num_heads / num_kv_heads` query heads shares one key/value head.
    Scores are scaled by `1/sqrt(head_dim)`. Query row `t` is at position
    `t` (then a causal `q_len` equals `seq`), or with `positions`
    (`[batch, q_len]` integers in `[0, seq)`) at `positions[b, t]`: the
    query rows are a selection of the sequence's, as `cherry-sgt-sparsify`
    gathers them. With `causal` (the default) a query at position `p`
    attends to keys `0 .. p`.

    ```mlir
    %o = cherry.attention %q, %k, %v {num_heads = 4 : i64, num_kv_heads = 2 : i64}
        : tensor<2x16x64xf32>, tensor<2x16x32xf32>
    %os = cherry.attention %q4, %k, %v positions(%pos : tensor<2x4xi32>)
        {num_heads = 4 : i64, num_kv_heads = 2 : i64}
        : tensor<2x4x64xf32>, tensor<2x16x32xf32>
    ```
  }];
  let arguments = (ins Cherry_FloatTensor:$query, Cherry_FloatTensor:$key,
                       Cherry_FloatTensor:$value,
                       Optional<Cherry_IndexTensor>:$positions,
                       I64Attr:$num_heads, I64Attr:$num_kv_heads,
                       DefaultValuedAttr<BoolAttr, "true">:$causal);
  let results = (outs Cherry_FloatTensor:$result);
  let assemblyFormat = [{
    $query `,` $key `,` $value
    (`positions` `(` $positions^ `:` type($positions) `)`)? attr-dict `:`
    type($query) `,` type($key)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// Features per head (query features / num_heads).
    int64_t getHeadDim();
    /// Number of (query, key) pairs scored per batch row and head (with
    /// positions, causal: the mean over positions uniform in [0, seq)).
    int64_t getScoredPairs();
  }];
}

def Cherry_SwiGLUOp : Cherry_Op<"swiglu", [
    Pure, AllTypesMatch<["gate", "up", "result"]>, Cherry_Cost, Cherry_Shape,
    Cherry_Differentiable]> {
  let summary = "SwiGLU activation: silu(gate) * up";
  let description = [{
    The gated activation of the Llama MLP, `gate * sigmoid(gate) * up`.

    ```mlir
    %a = cherry.swiglu %g, %u : tensor<2x16x172xf32>
    ```
  }];
  let arguments = (ins Cherry_FloatTensor:$gate, Cherry_FloatTensor:$up);
  let results = (outs Cherry_FloatTensor:$result);
  let assemblyFormat = "$gate `,` $up attr-dict `:` type($result)";
}

class Cherry_ElementwiseBinaryOp<string mnemonic, string formula,
                                 list<Trait> traits = []>
    : Cherry_Op<mnemonic, !listconcat(traits, [
          Pure, AllTypesMatch<["lhs", "rhs", "result"]>, Cherry_Cost,
          Cherry_Shape, Cherry_Differentiable])> {
  let summary = "Element-wise " # formula;
  let description = [{
    Operands and result have one type; there is no implicit broadcasting.

    ```mlir
    %y = cherry.}] # mnemonic # [{ %a, %b : tensor<2x16x64xf32>
    ```
  }];
  let arguments = (ins Cherry_FloatTensor:$lhs, Cherry_FloatTensor:$rhs);
  let results = (outs Cherry_FloatTensor:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` type($result)";
}

def Cherry_AddOp : Cherry_ElementwiseBinaryOp<"add", "lhs + rhs", [Commutative]>;
def Cherry_SubOp : Cherry_ElementwiseBinaryOp<"sub", "lhs - rhs">;
def Cherry_MulOp : Cherry_ElementwiseBinaryOp<"mul", "lhs * rhs", [Commutative]>;

def Cherry_ScaleOp : Cherry_Op<"scale", [
    Pure, AllTypesMatch<["input", "result"]>, Cherry_Cost, Cherry_Shape,
    Cherry_Differentiable]> {
  let summary = "Element-wise multiplication by a constant factor";
  let description = [{
    `result = factor * input`, element by element. Per-step LoRA uses it for
    PEFT's `lora_alpha / r` scaling on the rank-`r` intermediate, where it
    costs `r` multiplies per token instead of one per output feature.

    ```mlir
    %y = cherry.scale %x {factor = 2.0 : f64} : tensor<2x16x8xf32>
    ```
  }];
  let arguments = (ins Cherry_FloatTensor:$input, F64Attr:$factor);
  let results = (outs Cherry_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def Cherry_CrossEntropyOp : Cherry_Op<"cross_entropy", [
    Pure, Cherry_Cost, Cherry_ShapeInferred]> {
  let summary = "Mean softmax cross-entropy over all non-ignored positions";
  let description = [{
    `logits` is `[..., vocab]` and `targets` has the shape of `logits`
    without its last dimension. Positions whose target equals
    `ignore_index` do not count. The result is an f32 scalar.

    With `weights` (f32, the shape of `targets`) the result is instead
    `sum(weights * loss)` over the positions; a position of weight 0 does
    not count and its target is not read. This is the loss of a weighted
    selection (`cherry.sgt_select`), whose weights say what it estimates.

    ```mlir
    %loss = cherry.cross_entropy %logits, %targets
        : tensor<2x16x256xf32>, tensor<2x16xi32>
    ```
  }];
  let arguments = (ins Cherry_FloatTensor:$logits, Cherry_IndexTensor:$targets,
                       Optional<Cherry_FloatTensor>:$weights,
                       DefaultValuedAttr<I64Attr, "-100">:$ignore_index);
  let results = (outs Cherry_Loss:$loss);
  let assemblyFormat = [{
    $logits `,` $targets (`weights` `(` $weights^ `:` type($weights) `)`)?
    attr-dict `:` type($logits) `,` type($targets)
  }];
  let hasVerifier = 1;
}

def Cherry_HeadCrossEntropyOp : Cherry_Op<"head_cross_entropy", [
    Pure, Cherry_Cost, Cherry_Differentiable]> {
  let summary = "LM head and mean cross-entropy, fused";
  let description = [{
    `cross_entropy(linear(h, weight), targets)` as one op: `h` is
    `[..., hidden]`, `weight` the `[vocab, hidden]` head (or the tied
    embedding table). The logits are never a value of the program, so no
    pass can make them live: the kernel computes them a tile at a time, and
    so does the gradient. `cherry-fuse-head` forms it from the unfused pair.
    `weights`, when present, weigh each position as in `cherry.cross_entropy`.

    ```mlir
    %loss = cherry.head_cross_entropy %h, %w, %targets
        : tensor<2x16x64xf32>, tensor<256x64xf32>, tensor<2x16xi32>
    ```
  }];
  let arguments = (ins Cherry_FloatTensor:$input, Cherry_FloatTensor:$weight,
                       Cherry_IndexTensor:$targets,
                       Optional<Cherry_FloatTensor>:$weights,
                       DefaultValuedAttr<I64Attr, "-100">:$ignore_index);
  let results = (outs Cherry_Loss:$loss);
  let assemblyFormat = [{
    $input `,` $weight `,` $targets
    (`weights` `(` $weights^ `:` type($weights) `)`)? attr-dict `:`
    type($input) `,` type($weight) `,` type($targets)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Gradients (built by the ops' vector-Jacobian products)
//===----------------------------------------------------------------------===//

class Cherry_GradOp<string mnemonic, list<Trait> traits = []>
    : Cherry_Op<mnemonic, !listconcat(traits, [Pure, Cherry_Cost])>;

def Cherry_LinearGradInputOp : Cherry_GradOp<"linear_grad_input"> {
  let summary = "Gradient of linear with respect to its input: dy · W";
  let description = [{
    `dx[..., in] = dy[..., out] · weight[out, in]`.

    ```mlir
    %dx = cherry.linear_grad_input %dy, %w : tensor<2x16x32xf32>, tensor<32x64xf32> -> tensor<2x16x64xf32>
    ```
  }];
  let arguments = (ins Cherry_FloatTensor:$grad, Cherry_FloatTensor:$weight);
  let results = (outs Cherry_FloatTensor:$result);
  let assemblyFormat = [{
    $grad `,` $weight attr-dict `:` type($grad) `,` type($weight) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Cherry_LinearGradWeightOp : Cherry_GradOp<"linear_grad_weight"> {
  let summary = "Gradient of linear with respect to its weight: dyᵀ · x";
  let description = [{
    `dw[out, in] = sum over rows of dy[row, out] x[row, in]`.

    ```mlir
    %dw = cherry.linear_grad_weight %dy, %x : tensor<2x16x32xf32>, tensor<2x16x64xf32> -> tensor<32x64xf32>
    ```
  }];
  let arguments = (ins Cherry_FloatTensor:$grad, Cherry_FloatTensor:$input);
  let results = (outs Cherry_FloatTensor:$result);
  let assemblyFormat = [{
    $grad `,` $input attr-dict `:` type($grad) `,` type($input) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Cherry_EmbeddingGradOp : Cherry_GradOp<"embedding_grad"> {
  let summary = "Gradient of embedding: rows of dy scatter-added at the ids";
  let description = [{
    `dtable[v, :] = sum of dy[p, :] over positions p with ids[p] == v`; the
    result type gives the table shape.

    ```mlir
    %dt = cherry.embedding_grad %ids, %dy : tensor<2x16xi32>, tensor<2x16x64xf32> -> tensor<256x64xf32>
    ```
  }];
  let arguments = (ins Cherry_IndexTensor:$ids, Cherry_FloatTensor:$grad);
  let results = (outs Cherry_FloatTensor:$result);
  let assemblyFormat = [{
    $ids `,` $grad attr-dict `:` type($ids) `,` type($grad) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Cherry_RMSNormGradOp : Cherry_GradOp<"rms_norm_grad", [
    AllTypesMatch<["input", "grad", "input_grad"]>,
    AllTypesMatch<["weight", "weight_grad"]>]> {
  let summary = "Gradient of rms_norm: input and weight gradients";
  let description = [{
    With `r = sqrt(mean(x²) + eps)` per row and `g = weight · dy`:
    `dx = g / r - x · sum(g · x) / (dim · r³)` and
    `dweight = sum over rows of dy · x / r`.

    ```mlir
    %dx, %dw = cherry.rms_norm_grad %x, %w, %dy : tensor<2x16x64xf32>, tensor<64xf32>
    ```
  }];
  let arguments = (ins Cherry_FloatTensor:$input, Cherry_FloatTensor:$weight,
                       Cherry_FloatTensor:$grad,
                       DefaultValuedAttr<F64Attr, "1e-5">:$eps);
  let results = (outs Cherry_FloatTensor:$input_grad,
                      Cherry_FloatTensor:$weight_grad);
  let assemblyFormat = [{
    $input `,` $weight `,` $grad attr-dict `:` type($input) `,` type($weight)
  }];
  let hasVerifier = 1;
}

def Cherry_RopeGradOp : Cherry_GradOp<"rope_grad", [
    AllTypesMatch<["grad", "result"]>]> {
  let summary = "Gradient of rope: the inverse rotation";
  let description = [{
    Rotates each head of `grad` by the negated RoPE angle (the transpose of
    the forward rotation), at the forward's positions.

    ```mlir
    %dx = cherry.rope_grad %dy {head_dim = 16 : i64} : tensor<2x16x64xf32>
    ```
  }];
  let arguments = (ins Cherry_FloatTensor:$grad,
                       Optional<Cherry_IndexTensor>:$positions,
                       I64Attr:$head_dim,
                       DefaultValuedAttr<F64Attr, "10000.0">:$theta);
  let results = (outs Cherry_FloatTensor:$result);
  let assemblyFormat = [{
    $grad (`positions` `(` $positions^ `:` type($positions) `)`)? attr-dict
    `:` type($grad)
  }];
  let hasVerifier = 1;
}

def Cherry_AttentionGradOp : Cherry_GradOp<"attention_grad", [
    AllTypesMatch<["query", "output", "grad", "query_grad"]>,
    AllTypesMatch<["key", "value", "key_grad", "value_grad"]>]> {
  let summary = "Gradient of attention with respect to query, key and value";
  let description = [{
    Recomputes the softmax from `query` and `key` (of the forward pass only
    its output is kept) and returns `(dquery, dkey, dvalue)`; key and value
    gradients sum over the query heads sharing a kv head. `positions` are
    the forward's.

    ```mlir
    %dq, %dk, %dv = cherry.attention_grad %q, %k, %v, %o, %do
        {num_heads = 4 : i64, num_kv_heads = 2 : i64}
        : tensor<2x16x64xf32>, tensor<2x16x32xf32>
    ```
  }];
  let arguments = (ins Cherry_FloatTensor:$query, Cherry_FloatTensor:$key,
                       Cherry_FloatTensor:$value, Cherry_FloatTensor:$output,
                       Cherry_FloatTensor:$grad,
                       Optional<Cherry_IndexTensor>:$positions,
                       I64Attr:$num_heads, I64Attr:$num_kv_heads,
                       DefaultValuedAttr<BoolAttr, "true">:$causal);
  let results = (outs Cherry_FloatTensor:$query_grad,
                      Cherry_FloatTensor:$key_grad,
                      Cherry_FloatTensor:$value_grad);
  let assemblyFormat = [{
    $query `,` $key `,` $value `,` $output `,` $grad
    (`positions` `(` $positions^ `:` type($positions) `)`)? attr-dict `:`
    type($query) `,` type($key)
  }];
  let hasVerifier = 1;
}

def Cherry_SwiGLUGradOp : Cherry_GradOp<"swiglu_grad", [
    AllTypesMatch<["gate", "up", "grad", "gate_grad", "up_grad"]>]> {
  let summary = "Gradient of swiglu with respect to gate and up";
  let description = [{
    `dgate = dy · up · silu'(gate)`, `dup = dy · silu(gate)`.

    ```mlir
    %dg, %du = cherry.swiglu_grad %gate, %up, %dy : tensor<2x16x172xf32>
    ```
  }];
  let arguments = (ins Cherry_FloatTensor:$gate, Cherry_FloatTensor:$up,
                       Cherry_FloatTensor:$grad);
  let results = (outs Cherry_FloatTensor:$gate_grad,
                      Cherry_FloatTensor:$up_grad);
  let assemblyFormat = "$gate `,` $up `,` $grad attr-dict `:` type($gate)";
  let hasVerifier = 1;
}

def Cherry_GatherGradOp : Cherry_GradOp<"gather_grad"> {
  let summary = "Gradient of gather: rows scattered back to their positions";
  let description = [{
    `result[b, positions[b, j], ...] += grad[b, j, ...]`, zero elsewhere; the
    result type gives the sequence length.

    ```mlir
    %dx = cherry.gather_grad %dy, %pos
        : tensor<2x3x64xf32>, tensor<2x3xi32> -> tensor<2x16x64xf32>
    ```
  }];
  let arguments = (ins Cherry_FloatTensor:$grad, Cherry_IndexTensor:$positions);
  let results = (outs Cherry_FloatTensor:$result);
  let assemblyFormat = [{
    $grad `,` $positions attr-dict `:` type($grad) `,` type($positions) `->`
    type($result)
  }];
  let hasVerifier = 1;
}

def Cherry_HeadCrossEntropyGradOp : Cherry_GradOp<"head_cross_entropy_grad", [
    AllTypesMatch<["input", "input_grad"]>,
    AllTypesMatch<["weight", "weight_grad"]>]> {
  let summary = "Gradient of head_cross_entropy for input and head weight";
  let description = [{
    With `dlogits = (softmax(h · wᵀ) - onehot(targets)) · scale / count`
    (count: the non-ignored positions), returns `(dh, dweight) =
    (dlogits · w, dlogitsᵀ · h)`, recomputing the logits a tile at a time.
    `scale` is the loss's own cotangent (1 for the loss being minimized).
    With `weights`, each row's `dlogits` is `(softmax - onehot) · scale ·
    weight` instead (the gradient of the weighted loss; no gradient flows to
    the weights, which come from a selection).

    ```mlir
    %dh, %dw = cherry.head_cross_entropy_grad %h, %w, %targets {scale = 1.0 : f64}
        : tensor<2x16x64xf32>, tensor<256x64xf32>, tensor<2x16xi32>
    ```
  }];
  let arguments = (ins Cherry_FloatTensor:$input, Cherry_FloatTensor:$weight,
                       Cherry_IndexTensor:$targets,
                       Optional<Cherry_FloatTensor>:$weights,
                       DefaultValuedAttr<I64Attr, "-100">:$ignore_index,
                       DefaultValuedAttr<F64Attr, "1.0">:$scale);
  let results = (outs Cherry_FloatTensor:$input_grad,
                      Cherry_FloatTensor:$weight_grad);
  let assemblyFormat = [{
    $input `,` $weight `,` $targets
    (`weights` `(` $weights^ `:` type($weights) `)`)? attr-dict `:`
    type($input) `,` type($weight) `,` type($targets)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Optimizer updates (built by cherry-optimizer)
//===----------------------------------------------------------------------===//

def Cherry_GradSquaredNormOp : Cherry_Op<"grad_sq_norm", [Pure, Cherry_Cost]> {
  let summary = "Sum of the squares of all gradient elements";
  let description = [{
    The squared global L2 norm of the gradients, as PyTorch's
    `clip_grad_norm_` computes it before clipping; the updates read it to
    scale every gradient by `min(1, max_norm / (norm + 1e-6))`.

    ```mlir
    %sq = cherry.grad_sq_norm %g0, %g1 : tensor<32x8xf32>, tensor<8xf32>
    ```
  }];
  let arguments = (ins Variadic<Cherry_FloatTensor>:$grads);
  let results = (outs Cherry_Loss:$result);
  let assemblyFormat = "$grads attr-dict `:` type($grads)";
}

class Cherry_UpdateOp<string mnemonic>
    : Cherry_Op<mnemonic, [MemoryEffects<[MemWrite]>,
                           DeclareOpInterfaceMethods<SymbolUserOpInterface>,
                           Cherry_CostWithBackward]>;

def Cherry_AdamWUpdateOp : Cherry_UpdateOp<"adamw_update"> {
  let summary = "One AdamW step on a parameter (torch.optim.AdamW semantics)";
  let description = [{
    Updates parameter `param` and its moment parameters `m` and `v` in place
    from `grad`, clipped by the global norm. `hyper` holds the runtime
    scalars `[lr, beta1, beta2, eps, weight_decay, step, max_grad_norm, tokens]`
    (step 1-based; max_grad_norm 0 disables clipping), so one executable
    serves any schedule and any settings. Weight decay applies only when
    `decay` is set (matrices and embeddings; not norms).

    With `shards = R` above 1 (ZeRO-1, `cherry-data-parallel zero=1`), each
    rank of a data-parallel run keeps the moments of its shard of the
    parameter only: `m` and `v` are 1-D of `ceil(n / R)` elements, and the
    update changes this rank's shard of `param`, which the ranks then gather.

    ```mlir
    cherry.adamw_update @w, @optimizer.m.w, @optimizer.v.w, %g, %hyper, %sq {decay = true}
        : tensor<4x8xf32>
    ```
  }];
  let arguments = (ins FlatSymbolRefAttr:$param, FlatSymbolRefAttr:$m,
                       FlatSymbolRefAttr:$v, Cherry_FloatTensor:$grad,
                       Cherry_Hyper:$hyper, Cherry_Loss:$grad_sq_norm,
                       DefaultValuedAttr<BoolAttr, "true">:$decay,
                       DefaultValuedAttr<I64Attr, "1">:$shards);
  let assemblyFormat = [{
    $param `,` $m `,` $v `,` $grad `,` $hyper `,` $grad_sq_norm attr-dict `:`
    type($grad)
  }];
}

def Cherry_SGDUpdateOp : Cherry_UpdateOp<"sgd_update"> {
  let summary = "One SGD step on a parameter (torch.optim.SGD, no momentum)";
  let description = [{
    `param -= lr * (clip * grad + weight_decay * param)` with the runtime
    scalars of `hyper` as for `adamw_update`.

    ```mlir
    cherry.sgd_update @w, %g, %hyper, %sq {decay = false} : tensor<8xf32>
    ```
  }];
  let arguments = (ins FlatSymbolRefAttr:$param, Cherry_FloatTensor:$grad,
                       Cherry_Hyper:$hyper, Cherry_Loss:$grad_sq_norm,
                       DefaultValuedAttr<BoolAttr, "true">:$decay);
  let assemblyFormat = [{
    $param `,` $grad `,` $hyper `,` $grad_sq_norm attr-dict `:` type($grad)
  }];
}

//===----------------------------------------------------------------------===//
// Collectives across ranks
//===----------------------------------------------------------------------===//

def Cherry_RankShareOp : Cherry_Op<"rank_share", [
    MemoryEffects<[MemRead, MemWrite]>, Cherry_Cost]> {
  let summary = "This rank's weight in a mean across the ranks of a run";
  let description = [{
    `hyper[7] / (sum over ranks of hyper[7])`, 0 when the sum is 0:
    `hyper[7]` is the number of target tokens the rank's batch supervises,
    so a mean weighted by the shares is the mean over every rank's tokens
    (ranks selecting different numbers of positions average like one big
    batch). A collective: every rank of a run of `ranks` ranks computes it
    at the same point. `cherry-data-parallel` adds it.

    ```mlir
    %share = cherry.rank_share %hyper {ranks = 2 : i64} : tensor<8xf32>
    ```
  }];
  let arguments = (ins Cherry_Hyper:$hyper, I64Attr:$ranks);
  let results = (outs Cherry_Loss:$share);
  let assemblyFormat = "$hyper attr-dict `:` type($hyper)";
  let hasVerifier = 1;
}

def Cherry_AllReduceOp : Cherry_Op<"all_reduce", [
    MemoryEffects<[MemRead, MemWrite]>, Cherry_Cost]> {
  let summary = "Tensors reduced over the ranks of a run";
  let description = [{
    Each input summed over the `ranks` ranks of a data-parallel run
    (`mean = false`), or its weighted mean `sum over ranks of share * x`
    (`mean = true`, `share` from `cherry.rank_share`). A collective: every
    rank reduces the same tensors at the same point; all end with the same
    values. `cherry-data-parallel` adds one per bucket of gradients, where
    the bucket's last gradient is final; it lowers to one `all_reduce`
    launch, in place.

    ```mlir
    %r:2 = cherry.all_reduce %share, %g0, %g1 {ranks = 2 : i64, mean = true}
        : tensor<32x8xf32>, tensor<8xf32>
    ```
  }];
  let arguments = (ins Cherry_Loss:$share, Variadic<Cherry_FloatTensor>:$inputs,
                       I64Attr:$ranks, BoolAttr:$mean);
  let results = (outs Variadic<Cherry_FloatTensor>:$results);
  let assemblyFormat = [{
    $share `,` $inputs attr-dict `:` type($inputs) `->` type($results)
  }];
  let hasVerifier = 1;
}

def Cherry_RankSharesOp : Cherry_Op<"rank_shares", [
    MemoryEffects<[MemRead, MemWrite]>, Cherry_Cost]> {
  let summary = "Every rank's weight in a mean across the ranks of a run";
  let description = [{
    `shares[p]` is rank `p`'s `cherry.rank_share`. A collective.
    `cherry-data-parallel` adds it with `expert-parallel`, to weigh the
    rows each rank sent to a local expert.

    ```mlir
    %shares = cherry.rank_shares %hyper {ranks = 2 : i64} : tensor<8xf32> -> tensor<2xf32>
    ```
  }];
  let arguments = (ins Cherry_Hyper:$hyper, I64Attr:$ranks);
  let results = (outs 1DTensorOf<[F32]>:$shares);
  let assemblyFormat = "$hyper attr-dict `:` type($hyper) `->` type($shares)";
  let hasVerifier = 1;
}

def Cherry_MoeExchangeCountsOp : Cherry_Op<"moe_exchange_counts", [
    MemoryEffects<[MemRead, MemWrite]>, Cherry_Cost]> {
  let summary = "Expert parallelism: the rows every rank routes to this one's experts";
  let description = [{
    Rank `r` of `ranks` owns experts `[r * local, (r + 1) * local)` of the
    `experts = ranks * local` (`counts` is `[experts]`, this rank's
    token-slots per expert). `received[p, l]` is the number of rows rank
    `p` routes to local expert `l` and `local_counts[l]` their sum. A
    collective (an all-to-all); `cherry-expert-parallel` adds it.

    ```mlir
    %recv, %local = cherry.moe_exchange_counts %counts {ranks = 2 : i64}
        : tensor<4xi32> -> tensor<2x2xi32>, tensor<2xi32>
    ```
  }];
  let arguments = (ins Cherry_IndexTensor:$counts, I64Attr:$ranks);
  let results = (outs Cherry_IndexTensor:$received,
                      Cherry_IndexTensor:$local_counts);
  let assemblyFormat = [{
    $counts attr-dict `:` type($counts) `->` type($received) `,`
    type($local_counts)
  }];
  let hasVerifier = 1;
}

def Cherry_MoeExchangeOp : Cherry_Op<"moe_exchange", [
    MemoryEffects<[MemRead, MemWrite]>, Cherry_Cost,
    Cherry_Differentiable]> {
  let summary = "Expert parallelism: permuted rows to and from the experts' ranks";
  let description = [{
    Without `reverse`: `input` is this rank's permuted rows `[rows, dim]`
    (expert order, `counts` per expert); each rank's experts' rows go to
    it, and the result `[capacity, dim]` holds the rows every rank routes
    to this rank's experts, grouped by local expert, then by source rank
    (`received` from `cherry.moe_exchange_counts`), zero past them. With
    `reverse`, the other way: `[capacity, dim]` back to `[rows, dim]`. Each
    direction is the other's VJP. A collective (a variable-size
    all-to-all); `cherry-expert-parallel` adds it.

    ```mlir
    %xr = cherry.moe_exchange %xp, %counts, %recv {ranks = 2 : i64, reverse = false}
        : tensor<32x64xf32>, tensor<4xi32>, tensor<2x2xi32> -> tensor<64x64xf32>
    ```
  }];
  let arguments = (ins Cherry_FloatTensor:$input, Cherry_IndexTensor:$counts,
                       Cherry_IndexTensor:$received, I64Attr:$ranks,
                       BoolAttr:$reverse);
  let results = (outs Cherry_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $counts `,` $received attr-dict `:` type($input) `,`
    type($counts) `,` type($received) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Cherry_MoeScaleSourceRowsOp : Cherry_Op<"moe_scale_source_rows", [
    Pure, Cherry_Cost, AllTypesMatch<["input", "result"]>]> {
  let summary = "Received rows times their source rank's share";
  let description = [{
    Each row of `input` (the layout of `cherry.moe_exchange`'s result)
    times `shares[p]` of the rank `p` it came from; zero past the received
    rows. `cherry-data-parallel` applies it to the output gradient of a
    local expert's weight gradient, so that it is the mean over the global
    batch.

    ```mlir
    %s = cherry.moe_scale_source_rows %dyr, %recv, %shares
        : tensor<64x64xf32>, tensor<2x2xi32>, tensor<2xf32>
    ```
  }];
  let arguments = (ins Cherry_FloatTensor:$input, Cherry_IndexTensor:$received,
                       1DTensorOf<[F32]>:$shares);
  let results = (outs Cherry_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $received `,` $shares attr-dict `:` type($input) `,`
    type($received) `,` type($shares)
  }];
}

//===----------------------------------------------------------------------===//
// Selective ground-truth token training
//===----------------------------------------------------------------------===//

def Cherry_SgtSelectOp : Cherry_Op<"sgt_select", [Pure, Cherry_CostWithBackward,
    DeclareOpInterfaceMethods<OpAsmOpInterface, ["getAsmResultNames"]>]> {
  let summary = "Chooses the supervised target positions of each sequence";
  let description = [{
    Returns, for each row of `targets` (`[batch, seq]`), the `k` positions
    that carry a loss, in increasing order, and a weight per position; `k`
    is the results' second dimension (the `cherry-sgt` pass sets it from a
    ratio, e.g. 15%). The selective loss is `sum(weights * loss)` over the
    selected positions, so the weights say what it estimates. Policies:
    - `surprisal`: each position is included with probability `pi`
      proportional to its target's score in the per-vocabulary `scores`
      table (the unigram surprisal `-log p`; capped at 1, `k` in total per
      row), exactly `k` per row by systematic sampling over a random order
      seeded by `seed` and the step. Weights `1 / (batch * seq * pi)` make
      the loss an unbiased estimate of the all-token mean loss: the output
      prior is not pulled toward rare tokens.
    - `random`: `k` positions drawn uniformly without replacement, seeded by
      `seed` and the step; equal weights `1 / (batch * k)`.
    - `score`: the `k` positions whose target has the highest score in
      `scores`, ties to the earlier position; equal weights. Fed surprisal
      this is the deterministic rarest-targets selection, which biases the
      prior toward rare tokens (kept for the ablation).
    - `loss_topk`: the `k` positions with the highest current loss;
      `scores` is the `[batch, seq]` per-position loss
      (`cherry.token_cross_entropy`); equal weights.
    - `mask`: the positions marked 1 in `scores`, an i32 `[batch, seq]`
      mask from the data pipeline; at most `k` per row (a seeded uniform
      subset of a row with more, weighted up), padding slots weigh 0, and the
      weights sum to 1: the mean over the marked positions.
    - `uniform`: evenly spaced positions (a baseline); equal weights.

    ```mlir
    %pos, %w = cherry.sgt_select %targets scores(%s : tensor<256xf32>) policy(score)
        : tensor<2x16xi32> -> tensor<2x3xi32>, tensor<2x3xf32>
    ```
  }];
  let arguments = (ins Cherry_IndexTensor:$targets,
                       Optional<AnyStaticShapeTensor>:$scores,
                       Cherry_SgtPolicy:$policy,
                       DefaultValuedAttr<I64Attr, "0">:$seed);
  let results = (outs Cherry_IndexTensor:$positions,
                      Cherry_FloatTensor:$weights);
  let hasCanonicalizeMethod = 1;
  let extraClassDeclaration = [{
    /// True when every position of each row is selected with equal weights
    /// (k == seq and an equal-weight policy): the positions are then 0, 1,
    /// ..., seq-1 whatever the policy.
    bool selectsAll();
  }];
  let assemblyFormat = [{
    $targets (`scores` `(` $scores^ `:` type($scores) `)`)? `policy` `(`
    $policy `)` attr-dict `:` type($targets) `->` type($positions) `,`
    type($weights)
  }];
  let hasVerifier = 1;
}

def Cherry_GatherOp : Cherry_Op<"gather", [
    Pure, Cherry_CostWithBackward, Cherry_Differentiable]> {
  let summary = "Gathers positions along the sequence dimension";
  let description = [{
    `result[b, j, ...] = input[b, positions[b, j], ...]`. This is how
    `cherry-sgt-sparsify` moves the LM head behind the selection: the head
    then runs on `k` rows per sequence instead of `seq`.

    ```mlir
    %hs = cherry.gather %h, %pos
        : tensor<2x16x64xf32>, tensor<2x3xi32> -> tensor<2x3x64xf32>
    ```
  }];
  let arguments = (ins AnyStaticShapeTensor:$input, Cherry_IndexTensor:$positions);
  let results = (outs AnyStaticShapeTensor:$result);
  let hasFolder = 1;
  let assemblyFormat = [{
    $input `,` $positions attr-dict `:` type($input) `,` type($positions) `->`
    type($result)
  }];
  let hasVerifier = 1;
}

def Cherry_SelectiveCrossEntropyOp
    : Cherry_Op<"selective_cross_entropy", [Pure, Cherry_Cost]> {
  let summary = "Weighted cross-entropy over the selected positions only";
  let description = [{
    Like `cherry.cross_entropy` on `[batch, seq, vocab]` logits, but only the
    positions listed in `positions` (`[batch, k]`, from `cherry.sgt_select`)
    count, each weighted by `weights` (`[batch, k]`): the loss is
    `sum(weights * loss[positions])`. `cherry-sgt-sparsify` rewrites it into
    `gather` + head + weighted `cross_entropy` so that the head never runs
    on unselected positions.

    ```mlir
    %loss = cherry.selective_cross_entropy %logits, %targets, %pos, %w
        : tensor<2x16x256xf32>, tensor<2x16xi32>, tensor<2x3xi32>, tensor<2x3xf32>
    ```
  }];
  let arguments = (ins Cherry_FloatTensor:$logits, Cherry_IndexTensor:$targets,
                       Cherry_IndexTensor:$positions,
                       Cherry_FloatTensor:$weights);
  let results = (outs Cherry_Loss:$loss);
  let assemblyFormat = [{
    $logits `,` $targets `,` $positions `,` $weights attr-dict `:`
    type($logits) `,` type($targets) `,` type($positions) `,` type($weights)
  }];
  let hasVerifier = 1;
}

def Cherry_TokenCrossEntropyOp
    : Cherry_Op<"token_cross_entropy", [Pure, Cherry_Cost]> {
  let summary = "Every position's cross-entropy, unreduced";
  let description = [{
    `result[b, t] = logsumexp(logits[b, t]) - logits[b, t, targets[b, t]]`
    (0 where the target is `ignore_index`). It is not differentiable: it
    feeds decisions, such as the `loss_topk` selection, not losses.
    Lowered with the head that makes its logits, like `cross_entropy`.

    ```mlir
    %l = cherry.token_cross_entropy %logits, %targets
        : tensor<2x16x256xf32>, tensor<2x16xi32> -> tensor<2x16xf32>
    ```
  }];
  let arguments = (ins Cherry_FloatTensor:$logits, Cherry_IndexTensor:$targets,
                       DefaultValuedAttr<I64Attr, "-100">:$ignore_index);
  let results = (outs Cherry_FloatTensor:$result);
  let assemblyFormat = [{
    $logits `,` $targets attr-dict `:` type($logits) `,` type($targets) `->`
    type($result)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Mixture of experts: a routed MLP, token-level top-k (docs/MoEE.md)
//===----------------------------------------------------------------------===//

def Cherry_MoeRouteOp : Cherry_Op<"moe_route", [
    Pure, Cherry_CostWithBackward, Cherry_ShapeInferred, Cherry_Differentiable,
    AllTypesMatch<["logits", "probs"]>]> {
  let summary = "Top-k token routing: softmax, top-k, gates, expert grouping";
  let description = [{
    `logits` is `[..., experts]`, one row per token (the router's
    `linear`). Per row, `probs = softmax(logits)`; `expert[..., j]` is the
    index of the `j`-th largest logit (ties to the lower index); `gate[...,
    j]` is `probs` at that expert, divided by the sum of the chosen `top_k`
    probabilities when `renormalize` is set (the softmax of the chosen
    logits). The `n * top_k` token-slots (slot `s = t * top_k + j`) are
    grouped by expert, stably: `slot_row[s]` is slot `s`'s row among the
    permuted rows and `counts[e]` the number of slots of expert `e`, whose
    rows follow those of experts `0 .. e-1`.

    The training objective of a function with routers includes each
    router's Switch load-balancing loss `balance_coeff * experts * sum_e
    f_e P_e` and z-loss `z_coeff * mean_t logsumexp(logits_t)^2` (a
    coefficient of 0 leaves the loss out): the op's VJP adds their gradient
    to the logits' (with the cotangent of `gate`), so the function's loss
    stays the task loss and evaluation is unchanged. The choice of experts
    is not differentiated; the counts are not (as in Switch).

    ```mlir
    %p, %e, %g, %rows, %counts = cherry.moe_route %logits {top_k = 1 : i64}
        : tensor<2x16x4xf32> -> tensor<2x16x1xi32>, tensor<2x16x1xf32>,
          tensor<32xi32>, tensor<4xi32>
    ```
  }];
  let arguments = (ins Cherry_FloatTensor:$logits, I64Attr:$top_k,
                       DefaultValuedAttr<BoolAttr, "true">:$renormalize,
                       DefaultValuedAttr<F64Attr, "0.0">:$balance_coeff,
                       DefaultValuedAttr<F64Attr, "0.0">:$z_coeff);
  let results = (outs Cherry_FloatTensor:$probs, Cherry_IndexTensor:$expert,
                      Cherry_FloatTensor:$gate, Cherry_IndexTensor:$slot_row,
                      Cherry_IndexTensor:$counts);
  let assemblyFormat = [{
    $logits attr-dict `:` type($logits) `->` type($expert) `,` type($gate) `,`
    type($slot_row) `,` type($counts)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    int64_t getNumExperts() {
      return ::llvm::cast<::mlir::RankedTensorType>(getLogits().getType())
          .getShape().back();
    }
    int64_t getNumTokens() {
      auto t = ::llvm::cast<::mlir::RankedTensorType>(getLogits().getType());
      return t.getNumElements() / t.getShape().back();
    }
    /// Whether the router has a load-balancing loss (balance_coeff > 0).
    bool hasBalanceLoss() { return getBalanceCoeff().convertToDouble() > 0; }
  }];
}

def Cherry_MoeRouteGradOp : Cherry_GradOp<"moe_route_grad", [
    AllTypesMatch<["logits", "probs", "result"]>,
    AllTypesMatch<["gate", "gate_grad"]>]> {
  let summary = "Gradient of moe_route: through the gates and the aux losses";
  let description = [{
    `dlogits` from the gates' cotangent `gate_grad` (renormalized:
    `gate_j (dgate_j - sum_i gate_i dgate_i)` at the chosen experts, 0
    elsewhere; otherwise through the softmax), plus the gradients of the
    load-balancing loss (`balance_coeff > 0`, with `counts`) and of the
    z-loss (`z_coeff > 0`). docs/MoEE.md has the formulas.

    With `balance_stats` (`[2, experts]`: `cherry.moe_balance_stats` summed
    over the ranks of a data-parallel run, which `cherry-data-parallel`
    adds) the balance loss's `f_e` is the fraction of every rank's
    token-slots: `a_e = balance_coeff * experts * f_e / tokens` over this
    rank's tokens, which the mean of the ranks' gradients (shares `1/R`)
    makes the gradient of the balance loss of all ranks' tokens.

    ```mlir
    %dz = cherry.moe_route_grad %logits, %p, %e, %g, %counts, %dg {top_k = 1 : i64}
        : tensor<2x16x4xf32>, tensor<2x16x1xi32>, tensor<2x16x1xf32>, tensor<4xi32>
    ```
  }];
  let arguments = (ins Cherry_FloatTensor:$logits, Cherry_FloatTensor:$probs,
                       Cherry_IndexTensor:$expert, Cherry_FloatTensor:$gate,
                       Cherry_IndexTensor:$counts,
                       Cherry_FloatTensor:$gate_grad,
                       Optional<Cherry_FloatTensor>:$balance_stats,
                       I64Attr:$top_k,
                       DefaultValuedAttr<BoolAttr, "true">:$renormalize,
                       DefaultValuedAttr<F64Attr, "0.0">:$balance_coeff,
                       DefaultValuedAttr<F64Attr, "0.0">:$z_coeff);
  let results = (outs Cherry_FloatTensor:$result);
  let assemblyFormat = [{
    $logits `,` $probs `,` $expert `,` $gate `,` $counts `,` $gate_grad
    (`stats` $balance_stats^ `:` type($balance_stats))?
    attr-dict `:` type($logits) `,` type($expert) `,` type($gate) `,`
    type($counts)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// Whether the gradient has a load-balancing loss (balance_coeff > 0).
    bool hasBalanceLoss() { return getBalanceCoeff().convertToDouble() > 0; }
  }];
}

def Cherry_MoeBalanceStatsOp : Cherry_Op<"moe_balance_stats", [
    Pure, Cherry_Cost]> {
  let summary = "A router's per-expert statistics for a balance loss";
  let description = [{
    `result[0, e] = counts[e]`, the token-slots routed to expert `e` (as
    f32: exact below 2^24), and `result[1, e] = sum over tokens of probs[...,
    e]`: what the Switch balance loss needs of a batch, summed with
    `cherry.all_reduce` (`mean = false`) over the ranks of a data-parallel
    run so that every rank's router gradient is that of the balance loss of
    all ranks' tokens (`moe_route_grad`'s `balance_stats`).
    `cherry-data-parallel` adds one per router with `balance_coeff > 0`.

    ```mlir
    %s = cherry.moe_balance_stats %p, %counts {top_k = 1 : i64}
        : tensor<2x16x4xf32>, tensor<4xi32> -> tensor<2x4xf32>
    ```
  }];
  let arguments = (ins Cherry_FloatTensor:$probs, Cherry_IndexTensor:$counts,
                       I64Attr:$top_k);
  let results = (outs 2DTensorOf<[F32]>:$result);
  let assemblyFormat = [{
    $probs `,` $counts attr-dict `:` type($probs) `,` type($counts) `->`
    type($result)
  }];
  let hasVerifier = 1;
}

def Cherry_MoeDispatchOp : Cherry_Op<"moe_dispatch", [
    Pure, Cherry_CostWithBackward, Cherry_ShapeInferred,
    Cherry_Differentiable]> {
  let summary = "Copies each token's row to its top_k slots' permuted rows";
  let description = [{
    `result[slot_row[t * top_k + j]] = input[t]`: the rows of `input`
    (`[..., dim]`, `tokens` rows) in expert order, `tokens * top_k` of
    them, for the experts' grouped GEMMs. `slot_row` (from `moe_route`)
    must be a permutation, else the kernel fails.

    ```mlir
    %xp = cherry.moe_dispatch %x, %rows {top_k = 1 : i64}
        : tensor<2x16x64xf32>, tensor<32xi32> -> tensor<32x64xf32>
    ```
  }];
  let arguments = (ins Cherry_FloatTensor:$input, Cherry_IndexTensor:$slot_row,
                       I64Attr:$top_k);
  let results = (outs Cherry_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $slot_row attr-dict `:` type($input) `,` type($slot_row) `->`
    type($result)
  }];
  let hasVerifier = 1;
}

def Cherry_MoeDispatchGradOp : Cherry_GradOp<"moe_dispatch_grad"> {
  let summary = "Gradient of moe_dispatch: a token's slot rows summed";
  let description = [{
    `result[t] = sum over j ascending of grad[slot_row[t * top_k + j]]`;
    the result type gives the input's shape.

    ```mlir
    %dx = cherry.moe_dispatch_grad %dxp, %rows {top_k = 1 : i64}
        : tensor<32x64xf32>, tensor<32xi32> -> tensor<2x16x64xf32>
    ```
  }];
  let arguments = (ins Cherry_FloatTensor:$grad, Cherry_IndexTensor:$slot_row,
                       I64Attr:$top_k);
  let results = (outs Cherry_FloatTensor:$result);
  let assemblyFormat = [{
    $grad `,` $slot_row attr-dict `:` type($grad) `,` type($slot_row) `->`
    type($result)
  }];
}

def Cherry_MoeGroupedLinearOp : Cherry_Op<"moe_grouped_linear", [
    Pure, Cherry_Cost, Cherry_ShapeInferred, Cherry_Differentiable]> {
  let summary = "One linear per expert over its rows of the permuted input";
  let description = [{
    `result[r] = input[r] · weight[e]ᵀ` for the `counts[e]` rows of expert
    `e` (`input` is `[rows, in]` in expert order, `weight` `[experts, out,
    in]`, each expert's `[out, in]` in the layout of `cherry.linear`). Only
    the rows routed to an expert multiply its weights: with top-k of E
    experts, each token's FLOPs are those of k experts.

    ```mlir
    %yp = cherry.moe_grouped_linear %xp, %w, %counts
        : tensor<32x64xf32>, tensor<4x172x64xf32>, tensor<4xi32> -> tensor<32x172xf32>
    ```
  }];
  let arguments = (ins Cherry_FloatTensor:$input, Cherry_FloatTensor:$weight,
                       Cherry_IndexTensor:$counts);
  let results = (outs Cherry_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight `,` $counts attr-dict `:` type($input) `,`
    type($weight) `,` type($counts) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Cherry_MoeGroupedLinearGradOp : Cherry_GradOp<"moe_grouped_linear_grad", [
    AllTypesMatch<["input", "input_grad"]>,
    AllTypesMatch<["weight", "weight_grad"]>]> {
  let summary = "Gradient of moe_grouped_linear for input and weights";
  let description = [{
    Over the rows of each expert `e`: `input_grad[r] = grad[r] · weight[e]`
    and `weight_grad[e] = grad_eᵀ · input_e` (zero for an expert no row is
    routed to).

    ```mlir
    %dxp, %dw = cherry.moe_grouped_linear_grad %xp, %w, %counts, %dyp
        : tensor<32x64xf32>, tensor<4x172x64xf32>, tensor<4xi32>, tensor<32x172xf32>
    ```
  }];
  let arguments = (ins Cherry_FloatTensor:$input, Cherry_FloatTensor:$weight,
                       Cherry_IndexTensor:$counts, Cherry_FloatTensor:$grad);
  let results = (outs Cherry_FloatTensor:$input_grad,
                      Cherry_FloatTensor:$weight_grad);
  let assemblyFormat = [{
    $input `,` $weight `,` $counts `,` $grad attr-dict `:` type($input) `,`
    type($weight) `,` type($counts) `,` type($grad)
  }];
}

def Cherry_MoeCombineOp : Cherry_Op<"moe_combine", [
    Pure, Cherry_CostWithBackward, Cherry_ShapeInferred,
    Cherry_Differentiable]> {
  let summary = "Gate-weighted sum of each token's expert outputs";
  let description = [{
    `result[t] = sum over j ascending of gate[t, j] * input[slot_row[t *
    top_k + j]]`: the permuted expert outputs back in token order. `gate`
    is `[..., top_k]` (from `moe_route`) and gives the result's leading
    dimensions; the sum has one writer per row, in a fixed order.

    ```mlir
    %y = cherry.moe_combine %yp, %rows, %g
        : tensor<32x64xf32>, tensor<32xi32>, tensor<2x16x1xf32> -> tensor<2x16x64xf32>
    ```
  }];
  let arguments = (ins Cherry_FloatTensor:$input, Cherry_IndexTensor:$slot_row,
                       Cherry_FloatTensor:$gate);
  let results = (outs Cherry_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $slot_row `,` $gate attr-dict `:` type($input) `,`
    type($slot_row) `,` type($gate) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Cherry_MoeCombineGradOp : Cherry_GradOp<"moe_combine_grad", [
    AllTypesMatch<["input", "input_grad"]>,
    AllTypesMatch<["gate", "gate_grad"]>]> {
  let summary = "Gradient of moe_combine for the expert outputs and gates";
  let description = [{
    For slot `s = t * top_k + j`: `input_grad[slot_row[s]] = gate[t, j] *
    grad[t]` and `gate_grad[t, j] = grad[t] · input[slot_row[s]]`.

    ```mlir
    %dyp, %dg = cherry.moe_combine_grad %yp, %rows, %g, %dy
        : tensor<32x64xf32>, tensor<32xi32>, tensor<2x16x1xf32>, tensor<2x16x64xf32>
    ```
  }];
  let arguments = (ins Cherry_FloatTensor:$input, Cherry_IndexTensor:$slot_row,
                       Cherry_FloatTensor:$gate, Cherry_FloatTensor:$grad);
  let results = (outs Cherry_FloatTensor:$input_grad,
                      Cherry_FloatTensor:$gate_grad);
  let assemblyFormat = [{
    $input `,` $slot_row `,` $gate `,` $grad attr-dict `:` type($input) `,`
    type($slot_row) `,` type($gate) `,` type($grad)
  }];
}

//===----------------------------------------------------------------------===//
// Structure: layers, recurrence, mixtures, multi-token prediction
//===----------------------------------------------------------------------===//

def Cherry_DecoderLayerOp : Cherry_Op<"decoder_layer", [
    IsolatedFromAbove, RecursiveMemoryEffects,
    AllTypesMatch<["input", "result"]>, Cherry_CostWithBackward,
    DeclareOpInterfaceMethods<Cherry_ShapeInferenceOpInterface,
                              ["refineRegionArgumentTypes"]>]> {
  let summary = "One transformer block and the parameters it reads";
  let description = [{
    Groups the ops of one decoder block: the body maps the residual stream
    (the block argument) to the new residual stream (yielded). The body reads
    its weights with `cherry.param_ref`, so a layer's parameters are exactly
    the symbols referenced inside it. `index` is the layer's position in the
    source model (the `N` of `model.layers.N.*`). This is the unit that
    `cherry-layer-average` merges and `cherry-recurrent` shares.

    ```mlir
    %h1 = cherry.decoder_layer %h0 {index = 0 : i64} : tensor<2x16x64xf32> {
    ^bb0(%x: tensor<2x16x64xf32>):
      ...
      cherry.yield %out : tensor<2x16x64xf32>
    }
    ```
  }];
  let arguments = (ins Cherry_FloatTensor:$input, I64Attr:$index);
  let results = (outs Cherry_FloatTensor:$result);
  let regions = (region Cherry_LayerRegion:$body);
  let assemblyFormat = "$input attr-dict `:` type($input) $body";
  let hasVerifier = 1;
}

def Cherry_RecurrentOp : Cherry_Op<"recurrent", [
    IsolatedFromAbove, RecursiveMemoryEffects,
    AllTypesMatch<["input", "result"]>, Cherry_CostWithBackward,
    DeclareOpInterfaceMethods<Cherry_ShapeInferenceOpInterface,
                              ["refineRegionArgumentTypes"]>]> {
  let summary = "Shared-weight layers run on a schedule of effective steps";
  let description = [{
    Holds `L` shared layers, one region each, and runs them on the schedule
    `schedule` (one entry per effective step, naming the region that runs
    then): six shared layers can restore the depth of 34. Each
    `step_params` operand is `[steps, ...]`; step `s` passes slice `s` of
    every one of them to its region after the residual stream, which is how
    iterations of one shared layer differ (learned per-step gains, say).
    A region's arguments are therefore `(residual, step slices...)` and it
    yields the new residual. Gradients of shared weights accumulate over all
    their steps. `cherry-recurrent-unroll` expands the schedule in place.

    ```mlir
    %y = cherry.recurrent %x step_params(%g : tensor<4x64xf32>)
        schedule [0, 1, 0, 1] : tensor<2x16x64xf32> {
    ^bb0(%h: tensor<2x16x64xf32>, %gs: tensor<64xf32>):
      ...
      cherry.yield %h0 : tensor<2x16x64xf32>
    }, {
    ^bb0(%h: tensor<2x16x64xf32>, %gs: tensor<64xf32>):
      ...
      cherry.yield %h1 : tensor<2x16x64xf32>
    }
    ```
  }];
  let arguments = (ins Cherry_FloatTensor:$input,
                       Variadic<Cherry_FloatTensor>:$step_params,
                       DenseI64ArrayAttr:$schedule);
  let results = (outs Cherry_FloatTensor:$result);
  let regions = (region VariadicRegion<Cherry_LayerRegion>:$layers);
  let assemblyFormat = [{
    $input (`step_params` `(` $step_params^ `:` type($step_params) `)`)?
    `schedule` $schedule attr-dict `:` type($input) $layers
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// How many times each shared layer runs.
    ::llvm::SmallVector<int64_t> getRunsPerLayer();
  }];
}

def Cherry_MoEEOp : Cherry_Op<"moee", [
    IsolatedFromAbove, RecursiveMemoryEffects, Cherry_CostWithBackward]> {
  let summary = "Mixture of efficient experts with a learned top-k router";
  let description = [{
    Each region is one expert (typically a compressed model's layer stack
    and head) mapping `input` (`[batch, seq, hidden]`) to a result of the
    op's result type. `router` (`[experts, hidden]`) scores experts per token
    (`routing = token`) or per sequence from the mean hidden state
    (`routing = sequence`); the `top_k` best experts run and their outputs
    are summed, weighted by their renormalised softmax gate. `aux_loss` is
    the load-balancing loss `experts * sum_e f_e * p_e` (fraction routed
    times mean gate probability).

    ```mlir
    %y, %aux = cherry.moee %h, %wr {top_k = 1 : i64}
        : tensor<2x16x64xf32>, tensor<2x64xf32> -> tensor<2x16x256xf32> {
    ^bb0(%x: tensor<2x16x64xf32>):
      ...
      cherry.yield %logits0 : tensor<2x16x256xf32>
    }, {
    ^bb0(%x: tensor<2x16x64xf32>):
      ...
      cherry.yield %logits1 : tensor<2x16x256xf32>
    }
    ```
  }];
  let arguments = (ins Cherry_FloatTensor:$input, Cherry_FloatTensor:$router,
                       I64Attr:$top_k,
                       DefaultValuedAttr<Cherry_Routing,
                                         "::mlir::cherry::Routing::token">:$routing);
  let results = (outs Cherry_FloatTensor:$result, Cherry_Loss:$aux_loss);
  let regions = (region VariadicRegion<Cherry_LayerRegion>:$experts);
  let assemblyFormat = [{
    $input `,` $router (`routing` `(` $routing^ `)`)? attr-dict `:`
    type($input) `,` type($router) `->` type($result) $experts
  }];
  let hasVerifier = 1;
}

def Cherry_MTPHeadOp : Cherry_Op<"mtp_head", [
    IsolatedFromAbove, RecursiveMemoryEffects, Cherry_CostWithBackward]> {
  let summary = "A multi-token-prediction head predicting token t + offset";
  let description = [{
    The body maps hidden states `[batch, seq, hidden]` to logits
    `[batch, seq, vocab]` for the token `offset` positions ahead
    (`offset = 1` is the ordinary next-token head). Its loss pairs these
    logits with `cherry.shift_targets` by `offset - 1`.

    ```mlir
    %l2 = cherry.mtp_head %h {offset = 2 : i64}
        : tensor<2x16x64xf32> -> tensor<2x16x256xf32> {
    ^bb0(%x: tensor<2x16x64xf32>):
      ...
      cherry.yield %logits : tensor<2x16x256xf32>
    }
    ```
  }];
  let arguments = (ins Cherry_FloatTensor:$input, I64Attr:$offset);
  let results = (outs Cherry_FloatTensor:$result);
  let regions = (region Cherry_LayerRegion:$body);
  let assemblyFormat = [{
    $input attr-dict `:` type($input) `->` type($result) $body
  }];
  let hasVerifier = 1;
}

def Cherry_ShiftTargetsOp : Cherry_Op<"shift_targets", [
    Pure, AllTypesMatch<["targets", "result"]>, Cherry_Cost, Cherry_Shape]> {
  let summary = "Shifts targets left along the sequence, filling the tail";
  let description = [{
    `result[b, t] = targets[b, t + shift]` for `t + shift < seq`, else
    `fill` (by default the `ignore_index` of `cherry.cross_entropy`). Used by
    multi-token-prediction losses.

    ```mlir
    %t2 = cherry.shift_targets %t {shift = 1 : i64} : tensor<2x16xi32>
    ```
  }];
  let arguments = (ins Cherry_IndexTensor:$targets, I64Attr:$shift,
                       DefaultValuedAttr<I64Attr, "-100">:$fill);
  let results = (outs Cherry_IndexTensor:$result);
  let assemblyFormat = "$targets attr-dict `:` type($targets)";
  let hasVerifier = 1;
}

def Cherry_YieldOp : Cherry_Op<"yield", [
    Pure, ReturnLike, Terminator, Cherry_Cost,
    ParentOneOf<["DecoderLayerOp", "RecurrentOp", "MoEEOp", "MTPHeadOp"]>]> {
  let summary = "Returns values from a cherry region";
  let description = [{
    Terminates the body of `decoder_layer`, `recurrent`, `moee` and
    `mtp_head`; the parent checks the yielded types.

    ```mlir
    cherry.yield %h : tensor<2x16x64xf32>
    ```
  }];
  let arguments = (ins Variadic<AnyType>:$values);
  let assemblyFormat = "($values^ `:` type($values))? attr-dict";
}

#endif // CHERRY_OPS_TD
