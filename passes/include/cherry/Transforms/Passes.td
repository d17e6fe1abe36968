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

    Consecutive decoder layers of the same cost are summarized in the text
    report as one row for the run (`decoder_layer 0-47 x48`: its distinct
    parameters, each shared weight once, and the FLOPs of all its layers),
    with `(N shared)` when its layers run only N distinct weight sets (a
    compressed model's effective steps), and one `per layer` row; JSON keeps
    every layer and adds the runs under `layer_runs`.

    With `ranks=R` (above 1) it adds what data parallelism costs per step:
    the bytes each rank sends to all-reduce the f32 gradients of the
    trainable parameters with a ring (`2 (R - 1) / R` times their bytes),
    and, given `link-gbps`, the time that takes; with a compute time
    (`step-ms` measured on one rank, or the FLOPs of the report's first
    function at `tflops`), the estimated step time for R ranks, between
    `max(compute, communication)` (fully overlapped with the backward pass,
    as bucketed reductions allow) and their sum (not overlapped).

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
    Option<"ranks", "ranks", "int64_t", /*default=*/"1",
           "Data-parallel ranks to estimate the step of (1: none)">,
    Option<"linkGbps", "link-gbps", "double", /*default=*/"0",
           "Bandwidth each rank sends at, in GB/s (e.g. NVLink 450, "
           "InfiniBand 50)">,
    Option<"stepMs", "step-ms", "double", /*default=*/"0",
           "Measured compute time of one step on one rank, in ms">,
    Option<"tflops", "tflops", "double", /*default=*/"0",
           "Without step-ms: the sustained TFLOP/s of one device, to "
           "estimate the compute time from the FLOPs">,
    Option<"expertParallel", "expert-parallel", "bool", /*default=*/"false",
           "With ranks: a mixture's experts placed on the ranks "
           "(--cherry-train expert-parallel=1): the expert weights' "
           "gradients are not all-reduced, and the routed rows are "
           "exchanged with all-to-alls">,
  ];
}

def CherrySpecializeShapesPass
    : Pass<"cherry-specialize-shapes", "::mlir::ModuleOp"> {
  let summary = "Recompile a function for another batch size and sequence length";
  let description = [{
    Gives the token arguments of `function` (its rank-2 integer tensor
    arguments, `[batch, seq]`) the shape `[batch, seq]` and re-infers the type
    of every value in the function, in order, through
    `ShapeInferenceOpInterface`; region ops retype their block arguments
    first. Results are retyped to what the body returns. An op without the
    interface whose operands changed is an error naming it, as is a sequence
    length some op cannot take (the verifier runs afterwards). A size left
    out keeps the function's; a size given must be positive (`batch=0` is an
    error naming the option, not "keep"), and `batch * seq` at most
    2^31 - 1.

    Example: `cherry-opt model.mlir --cherry-specialize-shapes="batch=4 seq=256"`
  }];
  let options = [
    Option<"batch", "batch", "int64_t", /*default=*/"0",
           "Batch size, positive (left out: keep the current one)">,
    Option<"seq", "seq", "int64_t", /*default=*/"0",
           "Sequence length, positive (left out: keep the current one)">,
    Option<"function", "function", "std::string", /*default=*/"\"forward\"",
           "Function to specialize">,
  ];
}

def CherryLowerToKernelsPass
    : Pass<"cherry-lower-to-kernels", "::mlir::ModuleOp"> {
  let summary = "Bufferize a forward function into a flat schedule of kernel launches";
  let description = [{
    Turns `function` (`(ids, targets) -> loss` over tensors) into `name`, a
    function over buffers: `(%ids, %targets, %loss)` memref arguments named
    by `cherry_kernel.binding` (the loss is an output), a body of
    `cherry_kernel.launch`es of the runtime kernels in
    `runtime/abi/Kernels.abi`, parameters read with
    `cherry_kernel.param` and every intermediate value in a
    `cherry_kernel.buffer`. Decoder layers are inlined. A `cross_entropy` of a
    `linear` lowers to one fused `head_cross_entropy` launch, so the logits
    are never materialized. Ops without a kernel are errors naming the op.

    With `mode=train` the function is a training step from
    `cherry-optimizer`: `(%ids, %targets, %hyper, %loss, %grad_sq_norm)`,
    its gradient and update ops lowered to their kernels
    (`linear_grad_input`, `attention_grad`, ..., `grad_sq_norm`); the
    updates of all parameters become one `adamw_multi` or `sgd_multi` launch
    (decayed parameters first) that writes the parameter and moment buffers
    in place.

    With `mode=decode` the function is one decoding step instead:
    `(%ids, %position, %logits)` plus two state arguments per attention
    (`cache.<i>.k`, `cache.<i>.v`, `[batch, capacity, kv width]`, kept
    across calls). RoPE and attention read the position from `%position`
    (`rope_at`, `attention_at`), new keys and values are appended to the
    caches (`kv_append`), and the head writes the logits instead of a loss.

    Results after the loss must be multi-token heads' losses (marked
    `cherry.mtp_head = k` by `cherry-mtp objective=false`): evaluation
    writes head `k`'s loss to an output `mtp_loss.<k>` after `%loss` (the
    per-position losses stay the next-token loss's), and decoding writes
    its logits to `mtp_logits.<k>` after `%logits` (the shifted targets are
    not computed).
  }];
  let dependentDialects = ["::mlir::cherry::kernel::CherryKernelDialect",
                           "::mlir::memref::MemRefDialect"];
  let options = [
    Option<"function", "function", "std::string", /*default=*/"\"forward\"",
           "Tensor-level function to lower">,
    Option<"name", "name", "std::string", /*default=*/"\"eval_step\"",
           "Name of the kernel-level function">,
    Option<"keepSource", "keep-source", "bool", /*default=*/"false",
           "Keep the tensor-level function">,
    Option<"mode", "mode", "::mlir::cherry::LoweringMode",
           /*default=*/"::mlir::cherry::LoweringMode::Eval",
           "eval: (ids, targets) -> loss; train: (ids, targets, hyper) -> "
           "(loss, grad_sq_norm); grad: (ids, targets, inputs...) -> (loss, "
           "gradients...) as outputs loss and grad.<parameter>; decode: one "
           "decoding step over KV caches, (ids, position) -> logits",
           [{::llvm::cl::values(
               clEnumValN(::mlir::cherry::LoweringMode::Eval, "eval",
                          "evaluation step"),
               clEnumValN(::mlir::cherry::LoweringMode::Train, "train",
                          "training step"),
               clEnumValN(::mlir::cherry::LoweringMode::Grad, "grad",
                          "gradient step"),
               clEnumValN(::mlir::cherry::LoweringMode::Decode, "decode",
                          "decoding step"))}]>,
    Option<"capacity", "capacity", "int64_t", /*default=*/"0",
           "Decode mode: KV cache rows (the longest sequence generated)">,
    Option<"tagLayers", "tag-layers", "bool", /*default=*/"false",
           "Mark each launch with the decoder layer it belongs to "
           "(cherry_kernel.layer, from the layer op or the op's cherry.layer) "
           "for cherry-layer-loop">,
  ];
}

def CherryFuseKernelsPass : Pass<"cherry-fuse-kernels", "::mlir::ModuleOp"> {
  let summary = "Fuse kernel chains (residual add + RMSNorm, the head, attention's log-sum-exp)";
  let description = [{
    Replaces an `add` launch whose sum is next normalized by an `rms_norm`
    launch (nothing reading the sum in between) with one `add_rms_norm`
    launch writing both the sum and the normalized rows. Each Llama block has
    two such pairs (the residual after attention feeding the MLP norm, and
    the residual after the MLP feeding the next block's norm).

    In a training step, a `head_cross_entropy` launch and the
    `head_cross_entropy_grad` launch of the same head (the same `h`, `w`
    and `targets` buffers, none of them written in between, and the loss
    not read in between) become one `head_cross_entropy_train` launch at the
    gradient's place: the head's logits are computed once for the loss and
    the gradient, three GEMMs of `[rows, vocab, dim]` where the two kernels
    take four. A selective (SGT) step's `head_cross_entropy_weighted` and
    `head_cross_entropy_weighted_grad` (the same `h`, `w`, `targets` and
    `weights`) become one `head_cross_entropy_weighted_train` likewise.

    An `attention` launch of a training step's shape (`q_len = kv_len =
    kv_batch_stride`, no position offset) whose `q`, `k`, `v` and output an
    `attention_grad` later reads (none of them written in between) becomes
    `attention_lse`, which also writes each query row's log-sum-exp into a
    new `[batch, heads, seq]` buffer, and the gradient `attention_grad_lse`,
    which reads it instead of recomputing it from every score.

    An `add` of a gradient summed so far and a temporary that only a
    `linear_grad_input` (or the `dx` of an `rms_norm_grad`, or an
    `embedding_grad`) writes and only the add reads (a layer input's
    gradient, summed over the projections that read it; the residual
    stream's gradient and its norm's; a tied embedding's gradient and the
    head's) becomes one `linear_grad_input_add` (`rms_norm_grad_add`,
    `embedding_grad_add`) at the add's place, which accumulates into the
    sum. When the sum is a temporary nothing
    reads after the add, and the add's output one nothing uses before it,
    the launch updates the sum in place and the sum takes the output's
    place.
  }];
  let statistics = [
    Statistic<"numFused", "fused-add-rms-norm", "add + rms_norm pairs fused">,
    Statistic<"numHeadsFused", "fused-head-train",
              "head_cross_entropy(_weighted) + its gradient fused">,
    Statistic<"numAttentionLse", "fused-attention-lse",
              "attention + attention_grad pairs sharing the row log-sum-exp">,
    Statistic<"numGradAdds", "fused-grad-add",
              "linear_grad_input or rms_norm_grad + add pairs fused">,
  ];
}

def CherryPlanMemoryPass : Pass<"cherry-plan-memory", "::mlir::ModuleOp"> {
  let summary = "Place every temporary buffer in one scratch arena by liveness";
  let description = [{
    For each kernel-level function, gives every `cherry_kernel.buffer` an
    `offset` in one scratch arena so that buffers live at the same time never
    overlap: lifetimes run from the buffer's first to its last use in the
    schedule; buffers are placed largest first at the lowest 64-byte-aligned
    offset that fits (the greedy-by-size heap simulation XLA and TFLite use).
    The function gets `cherry_kernel.scratch_size`, the arena's size in
    bytes. With `report`, one line on stderr gives the size and the sum of
    all temporaries' sizes for comparison.
  }];
  let options = [
    Option<"report", "report", "bool", /*default=*/"false",
           "Print the scratch arena size on stderr">,
  ];
}

def CherryOverlapReductionsPass
    : Pass<"cherry-overlap-reductions", "::mlir::ModuleOp"> {
  let summary = "Split each all_reduce launch into a start and a wait";
  let description = [{
    For each kernel-level function, every `all_reduce` launch of its body
    (not of a `cherry_kernel.loop`) becomes an `all_reduce_start` with the
    same operands and attributes, and an `all_reduce_wait` of its outputs
    is inserted right before the first later launch or loop that touches
    one of them (the clipping norm, the optimizer; the end of the function
    for a reduced loss), so that the reduction runs while the launches in
    between do. Both name the buffers, so the memory planner keeps them
    live while they are in flight. Run after cherry-fuse-kernels and
    cherry-layer-loop, before cherry-plan-memory (`--cherry-train`
    `overlap=1`, the default).
  }];
}

def CherryLayerLoopPass : Pass<"cherry-layer-loop", "::mlir::ModuleOp"> {
  let summary = "Run consecutive identical decoder layers as one kernel loop";
  let description = [{
    The launches of each kernel-level function that carry the same
    `cherry_kernel.layer` (set by `cherry-lower-to-kernels tag-layers=1`,
    from the decoder layer or the op's `cherry.layer`) form a segment. A run
    of consecutive segments that launch the same kernels with the same
    attributes on operands of the same types, wired alike, becomes one
    `cherry_kernel.loop`: its body is the first segment's launches; values
    every segment reads alike (shared weights) are used from above; a
    temporary each segment makes and uses alone becomes one buffer for all
    of them; everything else is a slot, bound per iteration (per-step
    parameters, the residual stream, what the backward pass reads, per-step
    gradients). The loop runs the launches it replaces, in order, on the
    same values: results are bit-identical. Parameter and buffer ops move
    to the top of the function (one op per parameter). The pass removes
    every `cherry_kernel.layer`; run it before `cherry-plan-memory`, which
    places a loop's temporaries for all its iterations.

    For a recurrent model (`cherry-compress`) this is the loop form of the
    pipelines' `form=loop`: one copy of a shared layer's kernels runs each
    step, the step's slots selecting its parameters; weights shared by
    layers of a `cycle` schedule are slots too.
  }];
  let statistics = [
    Statistic<"numLoops", "loops", "loops made">,
    Statistic<"numLaunchesRerolled", "launches-rerolled",
              "launches replaced by loops">,
  ];
}

def CherryFuseHeadPass : Pass<"cherry-fuse-head", "::mlir::ModuleOp"> {
  let summary = "Fuse the LM head and the cross-entropy into one op";
  let description = [{
    Rewrites `cross_entropy(linear(h, w), targets)`, when the logits have no
    other use and the head no bias, into `head_cross_entropy(h, w, targets)`:
    the logits stop being a value of the program, so neither the forward
    nor the gradient ever holds `[tokens, vocab]` of them.
  }];
}

def CherryAutodiffPass : Pass<"cherry-autodiff", "::mlir::ModuleOp"> {
  let summary = "Reverse-mode differentiation through DifferentiableOpInterface";
  let description = [{
    Builds `name(ids, targets) -> (loss, grads...)` from `function`, a
    forward function returning a scalar loss: decoder layers are inlined,
    the forward ops kept, and each op, visited in reverse, builds its own
    vector-Jacobian product (`DifferentiableOpInterface::buildVJP`); there is
    no switch over op names. Cotangents of values used several times are
    summed, and so are the gradients of a parameter read several times
    (tied embeddings). The gradients come back in module order, one per
    trainable parameter that reaches the loss, each result tagged
    `cherry.grad_of = @param`. The loss must be a `head_cross_entropy`
    (run `cherry-fuse-head` first) so that no gradient materializes the
    logits.

    With `recompute=1` (activation checkpointing per decoder layer) the
    backward pass of each layer starts by computing the layer's forward ops
    again from the layer's input, and the layer's vector-Jacobian products
    read those copies: the forward pass keeps only the residual stream at
    each layer boundary alive for the backward pass, and one layer's
    internals at a time exist, at the price of a second forward pass of
    every layer. The copies carry the unit attribute `cherry.recompute`,
    which keeps CSE from merging them back into the originals. Gradients
    are bit-identical to those without recomputation (the same kernels on
    the same values). For a depth-compressed model this is the memory
    behaviour of a loop: activation memory grows by one residual stream per
    effective step.

    With `tag-layers=1` every op of layer `i`'s forward pass, and every op
    its backward pass builds (recomputed copies, vector-Jacobian products,
    the sums of cotangents and of the gradients of the weights it reads),
    carries `cherry.layer = i`; the lowering passes it on to the launches
    (`cherry_kernel.layer`) for `cherry-layer-loop`.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
  let options = [
    Option<"recompute", "recompute", "bool", /*default=*/"false",
           "Recompute each decoder layer's forward ops in its backward pass "
           "(activation checkpointing)">,
    Option<"function", "function", "std::string", /*default=*/"\"forward\"",
           "Forward function to differentiate">,
    Option<"name", "name", "std::string", /*default=*/"\"train_step\"",
           "Name of the function returning the loss and the gradients">,
    Option<"keepForward", "keep-forward", "bool", /*default=*/"true",
           "Keep the forward function">,
    Option<"tagLayers", "tag-layers", "bool", /*default=*/"false",
           "Mark every op of a decoder layer's forward and backward pass "
           "with cherry.layer = the layer's index (for cherry-layer-loop)">,
  ];
}

def CherryOptimizerPass : Pass<"cherry-optimizer", "::mlir::ModuleOp"> {
  let summary = "Turn the gradients of train_step into AdamW or SGD updates";
  let description = [{
    Rewrites `function` (`(ids, targets) -> (loss, grads...)` from
    `cherry-autodiff`) into `(ids, targets, hyper) -> (loss, grad_sq_norm)`:
    `cherry.grad_sq_norm` of all gradients (global-norm clipping needs it
    before any update), then one `cherry.adamw_update` or
    `cherry.sgd_update` per parameter. AdamW's moments become zero-initialized,
    non-trainable parameters `optimizer.m.<name>` and `optimizer.v.<name>`.
    Weight decay is applied to parameters of rank >= 2 only. `hyper` carries
    the runtime scalars `[lr, beta1, beta2, eps, weight_decay, step,
    max_grad_norm, tokens]`, so schedules and settings need no recompilation.
  }];
  let options = [
    Option<"optimizer", "optimizer", "std::string", /*default=*/"\"adamw\"",
           "adamw or sgd">,
    Option<"function", "function", "std::string",
           /*default=*/"\"train_step\"", "Function returning the gradients">,
  ];
}

def CherryExpertParallelPass : Pass<"cherry-expert-parallel", "::mlir::ModuleOp"> {
  let summary = "Place a mixture's experts on the ranks of a run";
  let description = [{
    Rewrites every routed MLP of `function` (cherry-moee-fuse's) for
    expert parallelism over `ranks` ranks: rank `r` keeps experts `[r * E /
    R, (r + 1) * E / R)` of each stacked expert weight (the parameter
    becomes that slice, marked `cherry.expert_shards = R`), routes its own
    tokens, exchanges the permuted rows with the experts' ranks
    (`cherry.moe_exchange_counts`, `cherry.moe_exchange`), runs its local
    experts over the rows it received (a receive buffer of the dropless
    worst case, `R * tokens * min(top_k, E / R)` rows) and sends the results
    back for the local combine. E must be divisible by R. Run before
    differentiation: the backward pass mirrors the exchanges.
  }];
  let options = [
    Option<"ranks", "ranks", "int64_t", /*default=*/"2",
           "Ranks of the run, at least 2">,
    Option<"function", "function", "std::string", /*default=*/"\"forward\"",
           "The forward function whose routed MLPs are placed on ranks">,
  ];
}

def CherryDataParallelPass : Pass<"cherry-data-parallel", "::mlir::ModuleOp"> {
  let summary = "Average the gradients of train_step over the ranks of a run";
  let description = [{
    Makes `function` (a training step from `cherry-optimizer`) a
    data-parallel step of `ranks` ranks: `cherry.rank_share` of `hyper`
    (this rank's share of the supervised tokens), then the gradients in
    buckets of at most `bucket-mb` MiB (a gradient larger than that is a
    bucket of its own), each reduced by one `cherry.all_reduce` (the
    share-weighted mean) placed right after the op that finishes the
    bucket's last gradient, so that a device can overlap it with the rest
    of the backward pass. Buckets follow the order in which the backward
    pass finishes the gradients: the head and the final norm, then the
    layers from last to first, then the embedding (reverse layer order).
    The global-norm clipping and the updates read the reduced gradients;
    the loss is reduced with the last bucket, so every rank returns the
    loss of the whole global batch.

    A mixture's routers with a balance loss (`balance_coeff > 0`) sum their
    per-expert statistics over the ranks right after routing
    (`cherry.moe_balance_stats`, then a `cherry.all_reduce` with `mean =
    false`; a copy recomputed for the backward pass reduces its own), and
    `cherry.moe_route_grad` reads them (`balance_stats`): the balance loss
    and its gradient are those of the global batch, so with ranks that
    supervise equally many tokens (shares `1/R`) the step is the
    single-rank step with the R-times batch (docs/MoEE.md).

    With `zero` (ZeRO-1; AdamW only), every `cherry.adamw_update` gets
    `shards = ranks` and its moments become 1-D parameters of
    `ceil(n / ranks)` elements: a rank keeps the moments of its shard of
    each parameter only, updates that shard (bit for bit as the unsharded
    update), and the ranks gather the parameters after the updates. The
    gradients are still all-reduced (the global clipping norm reads all of
    them). `report` prints the optimizer state per rank with and without
    sharding.

    With `expert-parallel` (after `cherry-expert-parallel`), the gradients
    of the expert weights sharded over the ranks are not all-reduced: each
    already sums the rows every rank routed to the local experts, and its
    weight gradient is taken over those rows weighed by their rank's share
    (`cherry.rank_shares`, `cherry.moe_scale_source_rows`), the mean over
    the global batch. The clipping norm adds their squared norms summed
    over the ranks (one scalar `cherry.all_reduce`). Not with `zero`.
  }];
  let options = [
    Option<"ranks", "ranks", "int64_t", /*default=*/"2",
           "Ranks of the run, at least 2">,
    Option<"bucketMb", "bucket-mb", "double", /*default=*/"25",
           "Largest bucket of gradients reduced together, in MiB">,
    Option<"zero", "zero", "bool", /*default=*/"false",
           "ZeRO-1: shard AdamW's moments across the ranks (each updates its "
           "shard of every parameter, then the ranks gather the parameters)">,
    Option<"report", "report", "bool", /*default=*/"false",
           "Print the optimizer state per rank on stderr">,
    Option<"expertParallel", "expert-parallel", "bool", /*default=*/"false",
           "The step's expert weights are sharded over the ranks "
           "(cherry-expert-parallel): their gradients already sum every "
           "rank's rows and are not all-reduced">,
    Option<"function", "function", "std::string",
           /*default=*/"\"train_step\"", "The training step">,
  ];
}

def CherryMtpPass : Pass<"cherry-mtp", "::mlir::ModuleOp"> {
  let summary = "Add multi-token-prediction heads to the training loss";
  let description = [{
    Adds `heads = D` heads predicting the tokens 2, ..., D+1 positions ahead
    to the loss of `function`, in the layout of Gloeckle et al. (2024): the
    trunk is every layer but the last; the next-token head is the last
    layer, the final norm and the unembedding, and head `k` is its own
    decoder layer on the same trunk output (the last layer's input), followed
    by the same final norm and unembedding, with targets
    `cherry.shift_targets` by `k` (the last `k` positions of each sequence
    have none and are ignored). Head `k` reads parameters
    `model.mtp_heads.{k}.<name in the layer>`, each initialized as a copy
    (one-source `mean_of`) of the last layer's, so every head starts out
    predicting what the next-token head predicts. The loss becomes
    `L_next + (weight / D) * sum_k L_k` (DeepSeek-V3's weighting; its
    default 0.3); each head's cross-entropy carries
    `cherry.mtp_offset = k + 1`. Sharing the final norm and the unembedding
    keeps the added parameters to one layer per head.

    `clone-to` rewrites a copy and keeps `function` (the training pipeline
    differentiates the copy).

    With `objective=false` the loss is left alone and each head's loss
    becomes a result of its own, after the next-token loss, marked
    `cherry.mtp_head = k`: the evaluation step reports the next-token loss
    (comparable with models trained without heads) and each head's, and
    the decoding pipeline's verification step outputs each head's logits.
  }];
  let options = [
    Option<"heads", "heads", "int64_t", /*default=*/"1",
           "Extra heads: head k predicts the token k + 1 positions ahead">,
    Option<"weight", "weight", "double", /*default=*/"0.3",
           "Weight of the heads' mean loss next to the next-token loss">,
    Option<"function", "function", "std::string", /*default=*/"\"forward\"",
           "Function whose loss gets the heads">,
    Option<"cloneTo", "clone-to", "std::string", /*default=*/"\"\"",
           "Rewrite a copy of the function under this name">,
    Option<"objective", "objective", "bool", /*default=*/"true",
           "Add the heads to the loss (training); false: return each "
           "head's loss as its own result (evaluation, decoding)">,
  ];
}

def CherryMoeeFusePass : Pass<"cherry-moee-fuse", "::mlir::ModuleOp"> {
  let summary = "Fuse E models of one architecture into a Mixture of Efficient Experts";
  let description = [{
    Token-level routing, Branch-Train-MiX style: every SwiGLU MLP of
    `function` (`down(swiglu(gate(x), up(x)))`, plain linears) becomes a
    routed MLP whose `experts` experts are that MLP in each of the E source
    models (dense or compressed models of one architecture, imported with
    `cherry-translate --import-hf`). A router `[E, hidden]` on the MLP's
    input scores the experts per token (`cherry.moe_route`: softmax, top-k,
    gates renormalized over the chosen k unless `renormalize=0`); each token
    runs only its `top-k` experts (`cherry.moe_dispatch`, three
    `cherry.moe_grouped_linear` GEMMs over the rows routed to each expert,
    `cherry.moe_combine`). Layers that share their MLP (a compressed model's
    steps) share the routed MLP and its router.

    Parameters (`weights=sources`, a new fusion): expert `e` of layer `i`'s
    MLP is slice `e` of `model.layers.{i}.mlp.experts.{gate,up,down}_proj.weight`
    (`[E, out, in]`, `#cherry.stack_of` the load-only
    `source.{e}.model.layers.{i}.mlp.*` read from weight source `e`, i.e.
    the `e`-th `cherry-run --weights`); the router
    `model.layers.{i}.mlp.router.weight` starts from N(0, router-std²), so
    the first routing is close to uniform and balanced. Every other
    parameter read from a checkpoint (attention, norms, embeddings, head)
    is the mean of the E models' (`shared=mean`, as in Branch-Train-MiX:
    experts branched from one seed keep compatible attention), or source
    `e`'s alone (`shared=e`). `weights=fused` instead reads a checkpoint of
    the fused model (what `cherry-run train` saves), every parameter under
    its own name: import the source architecture, then fuse with the same
    options.

    The balance and z-loss coefficients become the routers' (their gradients
    join training; evaluation keeps the task loss). The config records
    `"cherry": {"moee": {...}}`.
  }];
  let options = [
    Option<"experts", "experts", "int64_t", /*default=*/"2",
           "Number of source models, each one expert of every routed MLP">,
    Option<"topK", "top-k", "int64_t", /*default=*/"1",
           "Experts each token runs, in [1, experts]">,
    Option<"renormalize", "renormalize", "bool", /*default=*/"true",
           "Renormalize the chosen experts' gates to sum to 1 (with top-k=1 "
           "every gate is then 1 and the router learns from the aux losses "
           "only)">,
    Option<"balance", "balance", "double", /*default=*/"0.01",
           "Coefficient of the Switch load-balancing loss (0: none)">,
    Option<"zLoss", "z-loss", "double", /*default=*/"0.001",
           "Coefficient of the router z-loss (0: none)">,
    Option<"shared", "shared", "std::string", /*default=*/"\"mean\"",
           "Non-expert parameters: mean (of the sources) or a source index">,
    Option<"routerStd", "router-std", "double", /*default=*/"0.02",
           "Standard deviation of the routers' initial weights">,
    Option<"weights", "weights", "std::string", /*default=*/"\"sources\"",
           "sources (one weight source per expert) or fused (a checkpoint "
           "of the fused model)">,
    Option<"function", "function", "std::string", /*default=*/"\"forward\"",
           "Function whose MLPs are routed">,
  ];
}

def CherrySgtPass : Pass<"cherry-sgt", "::mlir::ModuleOp"> {
  let summary = "Supervise only a fraction of the target positions";
  let description = [{
    Replaces the cross-entropy of `function` by `cherry.sgt_select` (the
    `k = round(ratio * seq)` supervised positions of each sequence, at least
    1, chosen by `policy`, with their loss weights) and the weighted
    `cherry.selective_cross_entropy` over those positions. Policies:
    - `surprisal` (default): positions drawn with probability proportional
      to their target's unigram surprisal, weighted by 1/probability so the
      loss stays an unbiased estimate of the all-token loss;
    - `random`: uniform positions, the control;
    - `topk-surprisal`: the `k` rarest targets of each sequence, unweighted
      (`score` policy); it pulls the output prior onto rare tokens and the
      unsupervised tokens' loss collapses (kept for the ablation);
    - `loss-topk`: the `k` positions of highest current loss; it needs every
      position's loss, so the full head runs forward (not backward) for the
      selection;
    - `mask`: positions marked by a per-token mask from the data pipeline,
      a new `sgt_mask` argument (`i32 [batch, seq]`) of the function;
    - `uniform`: evenly spaced positions.
    `surprisal` and `topk-surprisal` read the per-token table `@sgt.scores`,
    a non-trainable parameter created here and filled at run time from the
    corpus statistics. A ratio outside (0, 1] or an unknown policy is an
    error.

    Example: `cherry-opt model.mlir --cherry-sgt="ratio=0.15 policy=random"`
  }];
  let options = [
    Option<"ratio", "ratio", "double", /*default=*/"0.15",
           "Fraction of the positions that carry a loss, in (0, 1]">,
    Option<"policy", "policy", "std::string", /*default=*/"\"surprisal\"",
           "surprisal, random, topk-surprisal, loss-topk, mask, uniform or "
           "score">,
    Option<"seed", "seed", "int64_t", /*default=*/"0",
           "Seed of the random draws (surprisal, random, mask)">,
    Option<"function", "function", "std::string", /*default=*/"\"forward\"",
           "Function whose loss becomes selective">,
    Option<"cloneTo", "clone-to", "std::string", /*default=*/"\"\"",
           "Rewrite a copy of the function under this name and keep the "
           "original (the training pipeline evaluates on all tokens)">,
  ];
}

def CherryWeightLossPass : Pass<"cherry-weight-loss", "::mlir::ModuleOp"> {
  let summary = "Weigh every position's loss by a runtime input";
  let description = [{
    Copies `function` to `clone-to` and gives the copy's cross-entropy the
    weights of a new last argument, `token_weights` (`f32 [batch, seq]`,
    named for the runtime): the copy's loss is `sum(token_weights * loss)`.
    After `cherry-autodiff` this is the gradient of any per-position
    weighting chosen at run time; `cherry-run train --coupling-every` uses it
    for the gradients of the selected and of the unselected positions.
  }];
  let options = [
    Option<"function", "function", "std::string", /*default=*/"\"forward\"",
           "Function whose loss is weighted">,
    Option<"cloneTo", "clone-to", "std::string",
           /*default=*/"\"forward_weighted\"", "Name of the weighted copy">,
  ];
}

def CherrySgtSparsifyPass : Pass<"cherry-sgt-sparsify", "::mlir::ModuleOp"> {
  let summary = "Run the LM head and softmax on the selected positions only";
  let description = [{
    Rewrites `selective_cross_entropy(linear(h, w), targets, positions,
    weights)` into `cross_entropy(linear(gather(h, positions), w),
    gather(targets, positions)) weights(weights)`: the head's matmul and the
    softmax run on the `k` selected rows of each sequence instead of all
    `seq`, forward and (after `cherry-autodiff`) backward. When the full
    logits have another user (the `loss-topk` selection reads every
    position's loss), the full head stays for that user, forward only.

    With `hoist` (default), the gather then moves up through the row-wise ops
    (`rms_norm`, `linear`, `add`, `swiglu`) whose every user is the same
    gather: the final norm, and in the last decoder layer (inlined for it)
    the MLP, its norm, both residual adds and the attention's output
    projection run on the `k` selected rows only. It goes on through the
    attention's queries: `attention` and the queries' `rope` take the
    selected positions (`positions(...)`), so the scores, the query rope and
    the query projection run on the selected rows too, while the keys and
    values, which every later query reads, stay whole. It stops at any value
    that other ops still read in full (the attention's input norm, read by
    the key and value projections), so nothing is computed twice. The cost
    report shows the saving.
  }];
  let options = [
    Option<"hoist", "hoist", "bool", /*default=*/"true",
           "Move the gather up through the last layer's row-wise ops">,
  ];
}

def CherryLayerAveragePass
    : Pass<"cherry-layer-average", "::mlir::ModuleOp"> {
  let summary = "Merge groups of adjacent decoder layers into their mean";
  let description = [{
    Replaces each group of adjacent top-level `cherry.decoder_layer`s of
    `function` by one layer whose every parameter (norm gains included) is
    the element-wise mean of the group's: layer `g` (in group order) reads
    new parameters `model.layers.{g}.<suffix>` declared with
    `init(#cherry.mean_of<[...]>)` and no checkpoint key, so the runtime
    computes the means when weights load. The original parameters become
    `source.model.layers.{j}.<suffix>`, keep their checkpoint keys (the dense
    checkpoint's `model.layers.{j}.*`) and are not trainable. The merged
    layer's body is the group's first layer, its `param_ref`s redirected to
    the merged parameters, and its `index` is `g`.

    Groups are given either by `group-size=G` (consecutive groups of `G`
    layers, `G` dividing the layer count) or by `groups=0-7,8-15,...`
    (ranges or single layers, in layer order, covering every layer once).
    Every layer of a group must read parameters of the same suffixes and
    types, all of them its own (`model.layers.{index}.*`).

    Example: `cherry-opt model.mlir --cherry-layer-average=group-size=8`
  }];
  let options = [
    Option<"groupSize", "group-size", "int64_t", /*default=*/"0",
           "Layers per group (0: use `groups`)">,
    Option<"groups", "groups", "std::string", /*default=*/"\"\"",
           "Explicit groups, e.g. 0-7,8-15 (ranges of layer positions)">,
    Option<"function", "function", "std::string", /*default=*/"\"forward\"",
           "Function whose layers are merged">,
  ];
}

def CherryRecurrentPass : Pass<"cherry-recurrent", "::mlir::ModuleOp"> {
  let summary = "Run the decoder layers as shared layers of a cherry.recurrent";
  let description = [{
    Wraps the `L` top-level `cherry.decoder_layer`s of `function` (typically
    after `cherry-layer-average`) in one `cherry.recurrent` whose regions are
    the layers' bodies, in order, and whose schedule has `steps` entries:
    `sequence` runs layer `i` for its share of the steps consecutively
    (`steps / L` each, the remainder going to the first layers), `cycle`
    runs `0, 1, ..., L-1` repeatedly, and an explicit list (`0,0,1,1`) names
    the layer of every step. Every layer must run at least once; the
    parameters stay shared, so the parameter count does not change while
    the effective depth becomes `steps`.

    Example: `cherry-opt model.mlir --cherry-recurrent="steps=34 schedule=cycle"`
  }];
  let options = [
    Option<"steps", "steps", "int64_t", /*default=*/"0",
           "Effective steps (0: one per layer)">,
    Option<"schedule", "schedule", "std::string", /*default=*/"\"sequence\"",
           "sequence, cycle or an explicit list of layer positions">,
    Option<"function", "function", "std::string", /*default=*/"\"forward\"",
           "Function whose layers are wrapped">,
  ];
}

def CherryRecurrentUnrollPass
    : Pass<"cherry-recurrent-unroll", "::mlir::ModuleOp"> {
  let summary = "Expand every cherry.recurrent into a chain of decoder layers";
  let description = [{
    Replaces each `cherry.recurrent` by one `cherry.decoder_layer` per step,
    in schedule order: step `s` is a copy of region `schedule[s]` with
    `index = s`. The copies read the same parameters (the same
    `param_ref`s), so autodiff sums the gradients of a shared parameter over
    all the steps that read it, and the kernel lowering, which knows no
    `cherry.recurrent`, sees an ordinary (deeper) model. A recurrent op with
    `step_params` is an error: slicing them needs an op the dialect does not
    have yet.

    With `step-norms=1` each step gets its own copies of its layer's two
    RMSNorm gains, `model.recurrent.steps.{s}.input_layernorm.weight` and
    `...post_attention_layernorm.weight`, each initialized as the one-source
    `mean_of` of the shared gain: at initialization every step computes
    exactly the shared layer, and training then lets the steps differ.

    With `lora-rank=r` every step also gets a LoRA adapter on each of its
    layer's seven projections (`q_proj`, `k_proj`, `v_proj`, `o_proj`,
    `gate_proj`, `up_proj`, `down_proj`), with PEFT's convention: the step's
    effective weight is `W + (alpha / r) * B_s * A_s`, with
    `model.recurrent.steps.{s}.<module>.lora_A.weight` (`[r, in]`, drawn
    from `U(-1/sqrt(in), 1/sqrt(in))`, PEFT's Kaiming-uniform) and
    `...lora_B.weight` (`[out, r]`, zero), so a step computes exactly its
    shared layer at initialization. The graph computes
    `linear(x, W) + linear(scale(linear(x, A), alpha / r), B)`: two thin
    GEMMs per projection, never the `[out, in]` product. `r` may not exceed
    a projection's smaller dimension. `lora-alpha` defaults to `r`
    (scale 1).

    `lora-init=svd` starts each step's adapter instead from the truncated
    SVD of the residual between the layer that step replaces and the
    average (`#cherry.lora_svd`, computed by the runtime at load): step `s`,
    the `k`-th of the `n` runs of shared layer `i`, whose group averaged
    `G` source layers, replaces the group's source `floor(k * G / n)` (with
    the `sequence` schedule and as many steps as source layers, step `s`
    replaces source layer `s`). It needs layers made by
    `cherry-layer-average`.

    The model's `cherry.hf_config` (the config.json every checkpoint gets)
    records the result, so that `--import-hf` on a checkpoint rebuilds it:
    `num_hidden_layers` becomes the shared layer count and a section
    `"cherry": {"recurrent": {"steps", "schedule", "step_norms",
    "lora_rank", "lora_alpha", "lora_targets", "source_layers", "groups"}}`
    is added (the last two when `cherry-layer-average` made the layers).
  }];
  let options = [
    Option<"stepNorms", "step-norms", "bool", /*default=*/"false",
           "Per-step copies of the layers' RMSNorm gains">,
    Option<"loraRank", "lora-rank", "int64_t", /*default=*/"0",
           "Rank of the per-step LoRA adapters (0: none)">,
    Option<"loraAlpha", "lora-alpha", "double", /*default=*/"0.0",
           "LoRA alpha; the adapters are scaled by alpha / rank (0: alpha = "
           "rank)">,
    Option<"loraInit", "lora-init", "std::string", /*default=*/"\"random\"",
           "random (A Kaiming-uniform, B zero) or svd (the truncated SVD of "
           "the replaced layer's residual)">,
  ];
}

#endif // CHERRY_TRANSFORMS_PASSES_TD
