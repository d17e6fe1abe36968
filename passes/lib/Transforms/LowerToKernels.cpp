//===- LowerToKernels.cpp - cherry tensors -> cherry_kernel launches ------===//
//
// Bufferizes a forward function and lowers it to a flat schedule of kernel
// launches: every tensor value becomes a buffer (a function argument, a
// parameter buffer or a `cherry_kernel.buffer` temporary), every op one
// launch of a runtime kernel, and region ops (decoder layers) are inlined in
// place. The head and the loss lower together: `cross_entropy` of a `linear`
// becomes one `head_cross_entropy` launch that never materializes the
// logits.
//
//===----------------------------------------------------------------------===//

#include "cherry/Dialect/Cherry/IR/CherryOps.h"
#include "cherry/Dialect/Kernel/IR/KernelDialect.h"
#include "cherry/Transforms/Passes.h"

#include "cherry/Runtime/Bindings.h"
#include "cherry/Runtime/KernelAbi.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "llvm/ADT/TypeSwitch.h"

#include <deque>

namespace mlir::cherry {
#define GEN_PASS_DEF_CHERRYLOWERTOKERNELSPASS
#include "cherry/Transforms/Passes.h.inc"
} // namespace mlir::cherry

using namespace mlir;
using namespace mlir::cherry;
namespace ck = mlir::cherry::kernel;
namespace binding = ::cherry::abi::binding;
using ::cherry::abi::KernelId;
using ::cherry::abi::kernelName;

namespace {

int64_t product(ArrayRef<int64_t> dims) {
  int64_t n = 1;
  for (int64_t d : dims)
    n *= d;
  return n;
}

RankedTensorType tensorOf(Value v) {
  return cast<RankedTensorType>(v.getType());
}

MemRefType memrefFor(Value tensor) {
  RankedTensorType t = tensorOf(tensor);
  return MemRefType::get(t.getShape(), t.getElementType());
}

class Lowering {
public:
  Lowering(func::FuncOp source, func::FuncOp target)
      : source(source), target(target), b(target.getContext()) {
    b.setInsertionPointToEnd(&target.getBody().front());
  }

  LogicalResult lowerBlock(Block &block);

  IRMapping buffers;
  /// Mark launches with the layer they belong to (tag-layers).
  bool tagLayers = false;

  /// Decoding: the i32[1] position buffer, the KV cache capacity and the
  /// logits output of each returned head loss (the next-token head's and
  /// with multi-token prediction each extra head's); null position for an
  /// evaluation step.
  Value position;
  int64_t capacity = 0;
  llvm::SmallDenseMap<Value, Value> logitsOf;
  /// Training: the runtime scalars (the step seeds random selections).
  Value hyper;
  /// Evaluation: the per-position losses output, written by the
  /// next-token loss `perPositionLoss` (not by the extra heads' losses).
  Value tokenLosses;
  Value perPositionLoss;

private:
  /// Appends an output argument named `name` to the target (a training
  /// step's router statistics).
  Value addOutput(MemRefType type, StringRef name, Location loc) {
    unsigned index = target.getNumArguments();
    NamedAttribute attrs[] = {
        b.getNamedAttr(ck::kBindingAttr, b.getStringAttr(name)),
        b.getNamedAttr(ck::kOutputAttr, b.getUnitAttr())};
    (void)target.insertArgument(index, type, b.getDictionaryAttr(attrs), loc);
    return target.getArgument(index);
  }

  /// Appends a state argument (a KV cache) named `name` to the target.
  Value addCache(MemRefType type, StringRef name, Location loc) {
    unsigned index = target.getNumArguments();
    NamedAttribute attrs[] = {
        b.getNamedAttr(ck::kBindingAttr, b.getStringAttr(name)),
        b.getNamedAttr(ck::kStateAttr, b.getUnitAttr())};
    (void)target.insertArgument(index, type, b.getDictionaryAttr(attrs), loc);
    return target.getArgument(index);
  }

  Value buffer(Value tensor) { return buffers.lookup(tensor); }

  /// A fresh temporary for `result`.
  Value temporary(Value result) {
    Value t = ck::BufferOp::create(b, result.getLoc(), memrefFor(result),
                                   IntegerAttr());
    buffers.map(result, t);
    return t;
  }

  ck::LaunchOp launch(Operation *op, KernelId kernel, ValueRange inputs,
                      ValueRange outputs,
                      ArrayRef<std::pair<StringRef, int64_t>> ints,
                      ArrayRef<std::pair<StringRef, double>> floats = {}) {
    auto launchOp = ck::LaunchOp::create(b, op->getLoc(), kernelName(kernel),
                                         inputs, outputs);
    if (tagLayers) {
      auto tag = op->getAttrOfType<IntegerAttr>(kLayerTagAttr);
      if (!tag && currentLayer)
        tag = b.getI64IntegerAttr(*currentLayer);
      if (tag)
        launchOp->setAttr(ck::kLayerAttr, tag);
    }
    for (auto [name, value] : ints)
      launchOp->setAttr(name, b.getI64IntegerAttr(value));
    for (auto [name, value] : floats)
      launchOp->setAttr(name, b.getF64FloatAttr(value));
    return launchOp;
  }

  /// Lowers one op: the ops of the model, their gradients and the
  /// optimizer, one lowering each (lowerOp), dispatched by lower().
  LogicalResult lower(Operation *op);
  LogicalResult lowerOp(ParamRefOp ref);
  LogicalResult lowerOp(EmbeddingOp emb);
  LogicalResult lowerOp(RMSNormOp norm);
  LogicalResult lowerOp(LinearOp linear);
  LogicalResult lowerOp(CrossEntropyOp ce);
  LogicalResult lowerOp(TokenCrossEntropyOp tce);
  LogicalResult lowerOp(RopeOp rope);
  LogicalResult lowerOp(AttentionOp attn);
  LogicalResult lowerOp(SwiGLUOp swiglu);
  LogicalResult lowerOp(AddOp add);
  LogicalResult lowerOp(ScaleOp scale);
  LogicalResult lowerOp(ShiftTargetsOp shift);
  LogicalResult lowerOp(DecoderLayerOp layer);
  LogicalResult lowerOp(HeadCrossEntropyOp hce);
  LogicalResult lowerOp(HeadCrossEntropyGradOp g);
  LogicalResult lowerOp(LinearGradInputOp g);
  LogicalResult lowerOp(LinearGradWeightOp g);
  LogicalResult lowerOp(EmbeddingGradOp g);
  LogicalResult lowerOp(RMSNormGradOp g);
  LogicalResult lowerOp(RopeGradOp g);
  LogicalResult lowerOp(AttentionGradOp g);
  LogicalResult lowerOp(SwiGLUGradOp g);
  LogicalResult lowerOp(GradSquaredNormOp g);
  LogicalResult lowerOp(GatherOp g);
  LogicalResult lowerOp(GatherGradOp g);
  LogicalResult lowerOp(SgtSelectOp sel);
  LogicalResult lowerOp(MoeRouteOp route);
  LogicalResult lowerOp(MoeRouteGradOp g);
  LogicalResult lowerOp(MoeBalanceStatsOp stats);
  LogicalResult lowerOp(MoeDispatchOp dispatch);
  LogicalResult lowerOp(MoeDispatchGradOp g);
  LogicalResult lowerOp(MoeGroupedLinearOp linear);
  LogicalResult lowerOp(MoeGroupedLinearGradOp g);
  LogicalResult lowerOp(MoeCombineOp combine);
  LogicalResult lowerOp(MoeCombineGradOp g);
  LogicalResult lowerOp(RankShareOp share);
  LogicalResult lowerOp(AllReduceOp reduce);
  LogicalResult lowerOp(RankSharesOp shares);
  LogicalResult lowerOp(MoeExchangeCountsOp exchange);
  LogicalResult lowerOp(MoeExchangeOp exchange);
  LogicalResult lowerOp(MoeScaleSourceRowsOp scale);
  /// The head and the mean cross-entropy as one launch; in evaluation it
  /// also writes every position's loss.
  void lowerHeadLoss(Operation *op, Value h, Value w, Value targets,
                     Value weights, Value loss, int64_t ignoreIndex) {
    RankedTensorType hType = tensorOf(h), wType = tensorOf(w);
    int64_t rows = product(hType.getShape().drop_back());
    if (weights) {
      launch(op, KernelId::head_cross_entropy_weighted,
             {buffer(h), buffer(w), buffer(targets), buffer(weights)},
             temporary(loss),
             {{"rows", rows},
              {"vocab", wType.getDimSize(0)},
              {"dim", wType.getDimSize(1)}});
      return;
    }
    const bool writesRows = tokenLosses && loss == perPositionLoss;
    SmallVector<Value> outs{temporary(loss)};
    if (writesRows)
      outs.push_back(tokenLosses);
    launch(op,
           writesRows ? KernelId::head_cross_entropy_rows
                      : KernelId::head_cross_entropy,
           {buffer(h), buffer(w), buffer(targets)}, outs,
           {{"rows", rows},
            {"vocab", wType.getDimSize(0)},
            {"dim", wType.getDimSize(1)},
            {"ignore_index", ignoreIndex}});
  }
  /// The optimizer updates seen so far, lowered together as one launch.
  SmallVector<Operation *> updates;

public:
  LogicalResult flushUpdates();

private:
  func::FuncOp source;
  func::FuncOp target;
  OpBuilder b;
  int64_t numCaches = 0;
  int64_t numRouters = 0;
  /// A router loss whose balance part is over every rank's tokens: written
  /// once the router's statistics (`moe_balance_stats`) are all-reduced.
  struct PendingRouterLoss {
    MoeRouteOp route;
    Value loss;  // the router's `.loss` output
    Value zLoss; // its z-loss, null without one
  };
  llvm::DenseMap<Operation *, PendingRouterLoss> pendingRouterLosses;
  /// The decoder layer whose body is being lowered.
  std::optional<int64_t> currentLayer;
  /// The row log-sum-exp attention_rows wrote for each attention with query
  /// positions (by its result), which attention_grad_rows reads.
  llvm::DenseMap<Value, Value> rowsLse;
};

LogicalResult Lowering::lowerBlock(Block &block) {
  for (Operation &op : block)
    if (failed(lower(&op)))
      return failure();
  return success();
}

LogicalResult Lowering::lower(Operation *op) {
  return TypeSwitch<Operation *, LogicalResult>(op)
      .Case<ParamRefOp, EmbeddingOp, RMSNormOp, LinearOp, CrossEntropyOp,
            TokenCrossEntropyOp, RopeOp, AttentionOp, SwiGLUOp, AddOp, ScaleOp,
            ShiftTargetsOp, DecoderLayerOp, HeadCrossEntropyOp,
            HeadCrossEntropyGradOp, LinearGradInputOp, LinearGradWeightOp,
            EmbeddingGradOp, RMSNormGradOp, RopeGradOp, AttentionGradOp,
            SwiGLUGradOp, GradSquaredNormOp, GatherOp, GatherGradOp,
            SgtSelectOp, MoeRouteOp, MoeRouteGradOp, MoeBalanceStatsOp,
            MoeDispatchOp, MoeDispatchGradOp, MoeGroupedLinearOp,
            MoeGroupedLinearGradOp, MoeCombineOp, MoeCombineGradOp, RankShareOp,
            AllReduceOp, RankSharesOp, MoeExchangeCountsOp, MoeExchangeOp,
            MoeScaleSourceRowsOp>([&](auto typed) { return lowerOp(typed); })
      .Case<AdamWUpdateOp, SGDUpdateOp>([&](Operation *update) {
        // All updates become one launch (flushUpdates, at the return).
        updates.push_back(update);
        return success();
      })
      .Case<func::ReturnOp>([&](auto) -> LogicalResult {
        if (!pendingRouterLosses.empty())
          return pendingRouterLosses.begin()->second.route.emitOpError()
                 << "has a cherry.moe_balance_stats that no cherry.all_reduce "
                    "sums over the ranks";
        return flushUpdates();
      })
      .Default([](Operation *other) {
        return other->emitOpError() << "cannot be lowered to kernels yet";
      });
}

LogicalResult Lowering::lowerOp(ParamRefOp ref) {
  Operation *op = ref;
  buffers.map(ref.getResult(),
              ck::ParamOp::create(b, op->getLoc(), memrefFor(ref.getResult()),
                                  ref.getParamAttr()));
  return success();
}

LogicalResult Lowering::lowerOp(EmbeddingOp emb) {
  Operation *op = emb;
  RankedTensorType table = tensorOf(emb.getTable());
  Value y = temporary(emb.getResult());
  launch(op, KernelId::embedding,
         {buffer(emb.getIds()), buffer(emb.getTable())}, y,
         {{"n", product(tensorOf(emb.getIds()).getShape())},
          {"vocab", table.getDimSize(0)},
          {"dim", table.getDimSize(1)}});
  return success();
}

LogicalResult Lowering::lowerOp(RMSNormOp norm) {
  Operation *op = norm;
  RankedTensorType x = tensorOf(norm.getInput());
  Value y = temporary(norm.getResult());
  launch(op, KernelId::rms_norm,
         {buffer(norm.getInput()), buffer(norm.getWeight())}, y,
         {{"rows", product(x.getShape().drop_back())},
          {"dim", x.getShape().back()}},
         {{"eps", norm.getEps().convertToDouble()}});
  return success();
}

LogicalResult Lowering::lowerOp(LinearOp linear) {
  Operation *op = linear;
  if (linear.getBias())
    return op->emitOpError() << "with a bias cannot be lowered to kernels "
                                "yet (no biased linear kernel)";
  // The head feeding a cross-entropy lowers with it (below).
  if (linear->hasOneUse() &&
      isa<CrossEntropyOp, TokenCrossEntropyOp>(*linear->user_begin()))
    return success();
  RankedTensorType x = tensorOf(linear.getInput());
  RankedTensorType w = tensorOf(linear.getWeight());
  Value y = temporary(linear.getResult());
  launch(op, KernelId::linear,
         {buffer(linear.getInput()), buffer(linear.getWeight())}, y,
         {{"m", product(x.getShape().drop_back())},
          {"n", w.getDimSize(0)},
          {"k", w.getDimSize(1)}});
  return success();
}

LogicalResult Lowering::lowerOp(CrossEntropyOp ce) {
  Operation *op = ce;
  auto head = ce.getLogits().getDefiningOp<LinearOp>();
  if (!head || !head->hasOneUse() || head.getBias())
    return op->emitOpError()
           << "needs its logits to come straight from a bias-free "
              "cherry.linear used only here (lowered together as the fused "
              "head_cross_entropy kernel)";
  RankedTensorType h = tensorOf(head.getInput());
  RankedTensorType w = tensorOf(head.getWeight());
  if (position) {
    // Decoding: the logits are the output; no loss.
    Value logits = logitsOf.lookup(ce.getLoss());
    if (!logits)
      return op->emitOpError()
             << "is not returned: decoding outputs the logits of returned "
                "losses only";
    launch(op, KernelId::linear,
           {buffer(head.getInput()), buffer(head.getWeight())}, logits,
           {{"m", product(h.getShape().drop_back())},
            {"n", w.getDimSize(0)},
            {"k", w.getDimSize(1)}});
    buffers.map(ce.getLoss(), logits);
    return success();
  }
  lowerHeadLoss(op, head.getInput(), head.getWeight(), ce.getTargets(),
                ce.getWeights(), ce.getLoss(), ce.getIgnoreIndex());
  return success();
}

LogicalResult Lowering::lowerOp(TokenCrossEntropyOp tce) {
  Operation *op = tce;
  // Every position's loss (the loss-topk selection reads them): the
  // rows kernel, its mean going to a scratch scalar.
  auto head = tce.getLogits().getDefiningOp<LinearOp>();
  if (!head || !head->hasOneUse() || head.getBias())
    return op->emitOpError()
           << "needs its logits to come straight from a bias-free "
              "cherry.linear used only here";
  RankedTensorType h = tensorOf(head.getInput());
  RankedTensorType w = tensorOf(head.getWeight());
  Value mean = ck::BufferOp::create(
      b, op->getLoc(), MemRefType::get({}, b.getF32Type()), IntegerAttr());
  launch(op, KernelId::head_cross_entropy_rows,
         {buffer(head.getInput()), buffer(head.getWeight()),
          buffer(tce.getTargets())},
         {mean, temporary(tce.getResult())},
         {{"rows", product(h.getShape().drop_back())},
          {"vocab", w.getDimSize(0)},
          {"dim", w.getDimSize(1)},
          {"ignore_index", int64_t(tce.getIgnoreIndex())}});
  return success();
}

LogicalResult Lowering::lowerOp(RopeOp rope) {
  Operation *op = rope;
  RankedTensorType x = tensorOf(rope.getInput());
  int64_t headDim = rope.getHeadDim();
  if (Value positions = rope.getPositions()) {
    if (position)
      return op->emitOpError()
             << "with positions cannot be lowered for decoding";
    Value y = temporary(rope.getResult());
    launch(op, KernelId::rope_rows,
           {buffer(rope.getInput()), buffer(positions)}, y,
           {{"batch", x.getDimSize(0)},
            {"rows", x.getDimSize(1)},
            {"heads", x.getDimSize(2) / headDim},
            {"head_dim", headDim}},
           {{"theta", rope.getTheta().convertToDouble()}});
    return success();
  }
  Value y = temporary(rope.getResult());
  if (position) {
    launch(op, KernelId::rope_at, {buffer(rope.getInput()), position}, y,
           {{"batch", x.getDimSize(0)},
            {"seq", x.getDimSize(1)},
            {"heads", x.getDimSize(2) / headDim},
            {"head_dim", headDim}},
           {{"theta", rope.getTheta().convertToDouble()}});
    return success();
  }
  launch(op, KernelId::rope, {buffer(rope.getInput())}, y,
         {{"batch", x.getDimSize(0)},
          {"seq", x.getDimSize(1)},
          {"heads", x.getDimSize(2) / headDim},
          {"head_dim", headDim},
          {"position_offset", 0}},
         {{"theta", rope.getTheta().convertToDouble()}});
  return success();
}

LogicalResult Lowering::lowerOp(AttentionOp attn) {
  Operation *op = attn;
  RankedTensorType q = tensorOf(attn.getQuery());
  int64_t heads = attn.getNumHeads();
  int64_t seq = q.getDimSize(1);
  if (Value positions = attn.getPositions()) {
    if (position)
      return op->emitOpError()
             << "with query positions cannot be lowered for decoding";
    RankedTensorType k = tensorOf(attn.getKey());
    Value y = temporary(attn.getResult());
    Value lse = ck::BufferOp::create(
        b, op->getLoc(),
        MemRefType::get({q.getDimSize(0), heads, seq}, b.getF32Type()),
        IntegerAttr());
    rowsLse[attn.getResult()] = lse;
    launch(op, KernelId::attention_rows,
           {buffer(attn.getQuery()), buffer(attn.getKey()),
            buffer(attn.getValue()), buffer(positions)},
           {y, lse},
           {{"batch", q.getDimSize(0)},
            {"rows", seq},
            {"seq", k.getDimSize(1)},
            {"heads", heads},
            {"kv_heads", int64_t(attn.getNumKvHeads())},
            {"head_dim", q.getDimSize(2) / heads},
            {"causal", attn.getCausal() ? 1 : 0}});
    return success();
  }
  Value y = temporary(attn.getResult());
  if (position) {
    // Append the new keys and values to this layer's caches, then attend
    // over everything cached so far.
    RankedTensorType kv = tensorOf(attn.getKey());
    int64_t b0 = kv.getDimSize(0), width = kv.getDimSize(2);
    auto cacheType =
        MemRefType::get({b0, capacity, width}, kv.getElementType());
    std::string prefix = binding::kCachePrefix + std::to_string(numCaches++);
    Value kCache = addCache(cacheType, prefix + ".k", op->getLoc());
    Value vCache = addCache(cacheType, prefix + ".v", op->getLoc());
    for (auto [value, cache] :
         {std::pair{attn.getKey(), kCache}, std::pair{attn.getValue(), vCache}})
      launch(op, KernelId::kv_append, {buffer(value), position}, cache,
             {{"batch", b0},
              {"seq", seq},
              {"capacity", capacity},
              {"width", width}});
    launch(op, KernelId::attention_at,
           {buffer(attn.getQuery()), kCache, vCache, position}, y,
           {{"batch", q.getDimSize(0)},
            {"seq", seq},
            {"capacity", capacity},
            {"heads", heads},
            {"kv_heads", int64_t(attn.getNumKvHeads())},
            {"head_dim", q.getDimSize(2) / heads}});
    return success();
  }
  launch(
      op, KernelId::attention,
      {buffer(attn.getQuery()), buffer(attn.getKey()), buffer(attn.getValue())},
      y,
      {{"batch", q.getDimSize(0)},
       {"q_len", seq},
       {"kv_len", seq},
       {"kv_batch_stride", seq},
       {"heads", heads},
       {"kv_heads", int64_t(attn.getNumKvHeads())},
       {"head_dim", q.getDimSize(2) / heads},
       {"q_position_offset", 0},
       {"causal", attn.getCausal() ? 1 : 0}});
  return success();
}

LogicalResult Lowering::lowerOp(SwiGLUOp swiglu) {
  Operation *op = swiglu;
  Value y = temporary(swiglu.getResult());
  launch(op, KernelId::swiglu,
         {buffer(swiglu.getGate()), buffer(swiglu.getUp())}, y,
         {{"n", product(tensorOf(swiglu.getResult()).getShape())}});
  return success();
}

LogicalResult Lowering::lowerOp(AddOp add) {
  Operation *op = add;
  Value y = temporary(add.getResult());
  launch(op, KernelId::add, {buffer(add.getLhs()), buffer(add.getRhs())}, y,
         {{"n", product(tensorOf(add.getResult()).getShape())}});
  return success();
}

LogicalResult Lowering::lowerOp(ScaleOp scale) {
  Operation *op = scale;
  // Kernel float attributes are positive (runtime/abi/Kernels.abi).
  if (!(scale.getFactor().convertToDouble() > 0))
    return op->emitOpError() << "cannot be lowered: the scale kernel takes a "
                                "positive factor, found "
                             << scale.getFactor().convertToDouble();
  Value y = temporary(scale.getResult());
  launch(op, KernelId::scale, {buffer(scale.getInput())}, y,
         {{"n", product(tensorOf(scale.getResult()).getShape())}},
         {{"factor", scale.getFactor().convertToDouble()}});
  return success();
}

LogicalResult Lowering::lowerOp(DecoderLayerOp layer) {
  // Inline the block: its argument is the layer input, its yield the
  // layer result.
  Block &body = layer.getBody().front();
  buffers.map(body.getArgument(0), buffer(layer.getInput()));
  currentLayer = layer.getIndex();
  for (Operation &inner : body.without_terminator())
    if (failed(lower(&inner)))
      return failure();
  currentLayer.reset();
  buffers.map(layer.getResult(), buffer(getYieldedValue(layer)));
  return success();
}

LogicalResult Lowering::lowerOp(HeadCrossEntropyOp hce) {
  Operation *op = hce;
  lowerHeadLoss(op, hce.getInput(), hce.getWeight(), hce.getTargets(),
                hce.getWeights(), hce.getLoss(), hce.getIgnoreIndex());
  return success();
}

LogicalResult Lowering::lowerOp(HeadCrossEntropyGradOp g) {
  Operation *op = g;
  RankedTensorType h = tensorOf(g.getInput());
  RankedTensorType w = tensorOf(g.getWeight());
  Value dh = temporary(g.getInputGrad());
  Value dw = temporary(g.getWeightGrad());
  SmallVector<std::pair<StringRef, int64_t>> ints = {
      {"rows", product(h.getShape().drop_back())},
      {"vocab", w.getDimSize(0)},
      {"dim", w.getDimSize(1)}};
  SmallVector<Value> ins{buffer(g.getInput()), buffer(g.getWeight()),
                         buffer(g.getTargets())};
  if (g.getWeights())
    ins.push_back(buffer(g.getWeights()));
  else
    ints.push_back({"ignore_index", int64_t(g.getIgnoreIndex())});
  launch(op,
         g.getWeights() ? KernelId::head_cross_entropy_weighted_grad
                        : KernelId::head_cross_entropy_grad,
         ins, {dh, dw}, ints, {{"scale", g.getScale().convertToDouble()}});
  return success();
}

LogicalResult Lowering::lowerOp(LinearGradInputOp g) {
  Operation *op = g;
  RankedTensorType w = tensorOf(g.getWeight());
  Value dx = temporary(g.getResult());
  launch(op, KernelId::linear_grad_input,
         {buffer(g.getGrad()), buffer(g.getWeight())}, dx,
         {{"m", product(tensorOf(g.getGrad()).getShape().drop_back())},
          {"n", w.getDimSize(0)},
          {"k", w.getDimSize(1)}});
  return success();
}

LogicalResult Lowering::lowerOp(LinearGradWeightOp g) {
  Operation *op = g;
  RankedTensorType dw = tensorOf(g.getResult());
  Value out = temporary(g.getResult());
  launch(op, KernelId::linear_grad_weight,
         {buffer(g.getGrad()), buffer(g.getInput())}, out,
         {{"m", product(tensorOf(g.getGrad()).getShape().drop_back())},
          {"n", dw.getDimSize(0)},
          {"k", dw.getDimSize(1)}});
  return success();
}

LogicalResult Lowering::lowerOp(EmbeddingGradOp g) {
  Operation *op = g;
  RankedTensorType table = tensorOf(g.getResult());
  Value out = temporary(g.getResult());
  launch(op, KernelId::embedding_grad,
         {buffer(g.getIds()), buffer(g.getGrad())}, out,
         {{"n", product(tensorOf(g.getIds()).getShape())},
          {"vocab", table.getDimSize(0)},
          {"dim", table.getDimSize(1)}});
  return success();
}

LogicalResult Lowering::lowerOp(RMSNormGradOp g) {
  Operation *op = g;
  RankedTensorType x = tensorOf(g.getInput());
  Value dx = temporary(g.getInputGrad());
  Value dw = temporary(g.getWeightGrad());
  launch(op, KernelId::rms_norm_grad,
         {buffer(g.getInput()), buffer(g.getWeight()), buffer(g.getGrad())},
         {dx, dw},
         {{"rows", product(x.getShape().drop_back())},
          {"dim", x.getShape().back()}},
         {{"eps", g.getEps().convertToDouble()}});
  return success();
}

LogicalResult Lowering::lowerOp(RopeGradOp g) {
  Operation *op = g;
  RankedTensorType dy = tensorOf(g.getGrad());
  int64_t headDim = g.getHeadDim();
  Value dx = temporary(g.getResult());
  if (Value positions = g.getPositions()) {
    launch(op, KernelId::rope_grad_rows,
           {buffer(g.getGrad()), buffer(positions)}, dx,
           {{"batch", dy.getDimSize(0)},
            {"rows", dy.getDimSize(1)},
            {"heads", dy.getDimSize(2) / headDim},
            {"head_dim", headDim}},
           {{"theta", g.getTheta().convertToDouble()}});
    return success();
  }
  launch(op, KernelId::rope_grad, {buffer(g.getGrad())}, dx,
         {{"batch", dy.getDimSize(0)},
          {"seq", dy.getDimSize(1)},
          {"heads", dy.getDimSize(2) / headDim},
          {"head_dim", headDim},
          {"position_offset", 0}},
         {{"theta", g.getTheta().convertToDouble()}});
  return success();
}

LogicalResult Lowering::lowerOp(AttentionGradOp g) {
  Operation *op = g;
  RankedTensorType q = tensorOf(g.getQuery());
  int64_t heads = g.getNumHeads();
  if (Value positions = g.getPositions()) {
    // The forward's row log-sum-exp: the gradient of an attention with
    // query positions is lowered with the attention it differentiates.
    auto forward = g.getOutput().getDefiningOp<AttentionOp>();
    Value lse = rowsLse.lookup(g.getOutput());
    if (!forward || !lse || forward.getQuery() != g.getQuery() ||
        forward.getKey() != g.getKey() || forward.getValue() != g.getValue() ||
        forward.getPositions() != positions)
      return op->emitOpError()
             << "with query positions cannot be lowered: its output operand "
                "must be the result of the attention it differentiates";
    Value dq = temporary(g.getQueryGrad());
    Value dk = temporary(g.getKeyGrad());
    Value dv = temporary(g.getValueGrad());
    launch(op, KernelId::attention_grad_rows,
           {buffer(g.getQuery()), buffer(g.getKey()), buffer(g.getValue()),
            buffer(positions), buffer(g.getOutput()), lse, buffer(g.getGrad())},
           {dq, dk, dv},
           {{"batch", q.getDimSize(0)},
            {"rows", q.getDimSize(1)},
            {"seq", tensorOf(g.getKey()).getDimSize(1)},
            {"heads", heads},
            {"kv_heads", int64_t(g.getNumKvHeads())},
            {"head_dim", q.getDimSize(2) / heads},
            {"causal", g.getCausal() ? 1 : 0}});
    return success();
  }
  Value dq = temporary(g.getQueryGrad());
  Value dk = temporary(g.getKeyGrad());
  Value dv = temporary(g.getValueGrad());
  launch(op, KernelId::attention_grad,
         {buffer(g.getQuery()), buffer(g.getKey()), buffer(g.getValue()),
          buffer(g.getOutput()), buffer(g.getGrad())},
         {dq, dk, dv},
         {{"batch", q.getDimSize(0)},
          {"seq", q.getDimSize(1)},
          {"heads", heads},
          {"kv_heads", int64_t(g.getNumKvHeads())},
          {"head_dim", q.getDimSize(2) / heads},
          {"causal", g.getCausal() ? 1 : 0}});
  return success();
}

LogicalResult Lowering::lowerOp(SwiGLUGradOp g) {
  Operation *op = g;
  Value dgate = temporary(g.getGateGrad());
  Value dup = temporary(g.getUpGrad());
  launch(op, KernelId::swiglu_grad,
         {buffer(g.getGate()), buffer(g.getUp()), buffer(g.getGrad())},
         {dgate, dup}, {{"n", product(tensorOf(g.getGate()).getShape())}});
  return success();
}

//===----------------------------------------------------------------------===//
// Mixture of experts: each op onto the moe_* kernels (docs/MoEE.md)
//===----------------------------------------------------------------------===//

LogicalResult Lowering::lowerOp(MoeRouteOp route) {
  Operation *op = route;
  int64_t tokens = route.getNumTokens(), experts = route.getNumExperts();
  int64_t topK = route.getTopK();
  launch(op, KernelId::moe_topk, {buffer(route.getLogits())},
         {temporary(route.getProbs()), temporary(route.getExpert()),
          temporary(route.getGate())},
         {{"tokens", tokens},
          {"experts", experts},
          {"top_k", topK},
          {"renormalize", route.getRenormalize() ? 1 : 0}});
  // A training step also returns each router's counts and losses for the
  // metrics (a recomputed copy of a router has none of its own).
  bool stats = hyper && !op->hasAttr("cherry.recompute");
  std::string prefix =
      stats ? binding::kRouterPrefix + std::to_string(numRouters++) : "";
  Value counts = temporary(route.getCounts());
  if (stats) {
    counts = addOutput(memrefFor(route.getCounts()),
                       prefix + binding::kRouterCountsSuffix, op->getLoc());
    buffers.map(route.getCounts(), counts);
  }
  launch(op, KernelId::moe_permute, {buffer(route.getExpert())},
         {temporary(route.getSlotRow()), counts},
         {{"tokens", tokens}, {"experts", experts}, {"top_k", topK}});
  double balance = route.getBalanceCoeff().convertToDouble();
  double z = route.getZCoeff().convertToDouble();
  if (!stats || (balance <= 0 && z <= 0))
    return success();
  auto scalar = MemRefType::get({}, b.getF32Type());
  Value loss =
      addOutput(scalar, prefix + binding::kRouterLossSuffix, op->getLoc());
  // On several ranks (cherry-data-parallel gave the router a
  // cherry.moe_balance_stats), the balance loss is over every rank's tokens:
  // lowerOp(AllReduceOp) writes the loss from the reduced statistics.
  MoeBalanceStatsOp overRanks;
  if (balance > 0)
    for (Operation *user : route.getProbs().getUsers())
      if (auto s = dyn_cast<MoeBalanceStatsOp>(user))
        overRanks = s;
  // Each term into its own scalar where both are, then summed.
  auto part = [&]() {
    return balance > 0 && z > 0
               ? ck::BufferOp::create(b, op->getLoc(), scalar, IntegerAttr())
                     .getResult()
               : loss;
  };
  Value balanceLoss;
  if (balance > 0 && !overRanks) {
    balanceLoss = part();
    launch(op, KernelId::moe_balance_loss, {buffer(route.getProbs()), counts},
           balanceLoss,
           {{"tokens", tokens}, {"experts", experts}, {"top_k", topK}},
           {{"coeff", balance}});
  }
  Value zLoss;
  if (z > 0) {
    zLoss = part();
    launch(op, KernelId::moe_z_loss, {buffer(route.getLogits())}, zLoss,
           {{"tokens", tokens}, {"experts", experts}}, {{"coeff", z}});
  }
  if (overRanks) {
    pendingRouterLosses[overRanks] = {route, loss, zLoss};
    return success();
  }
  if (balance > 0 && z > 0)
    launch(op, KernelId::add, {balanceLoss, zLoss}, loss, {{"n", 1}});
  return success();
}

LogicalResult Lowering::lowerOp(MoeRouteGradOp g) {
  Operation *op = g;
  RankedTensorType logits = tensorOf(g.getLogits());
  int64_t experts = logits.getShape().back();
  int64_t tokens = logits.getNumElements() / experts, topK = g.getTopK();
  double balance = g.getBalanceCoeff().convertToDouble();
  double z = g.getZCoeff().convertToDouble();
  // Each term into its own buffer, summed with `add` into the result.
  SmallVector<Value> terms;
  auto term = [&]() {
    Value t = ck::BufferOp::create(b, op->getLoc(), memrefFor(g.getResult()),
                                   IntegerAttr());
    terms.push_back(t);
    return t;
  };
  launch(op, KernelId::moe_topk_grad,
         {buffer(g.getProbs()), buffer(g.getExpert()), buffer(g.getGate()),
          buffer(g.getGateGrad())},
         term(),
         {{"tokens", tokens},
          {"experts", experts},
          {"top_k", topK},
          {"renormalize", g.getRenormalize() ? 1 : 0}});
  if (balance > 0 && g.getBalanceStats())
    launch(op, KernelId::moe_balance_loss_stats_grad,
           {buffer(g.getProbs()), buffer(g.getBalanceStats())}, term(),
           {{"tokens", tokens}, {"experts", experts}}, {{"coeff", balance}});
  else if (balance > 0)
    launch(op, KernelId::moe_balance_loss_grad,
           {buffer(g.getProbs()), buffer(g.getCounts())}, term(),
           {{"tokens", tokens}, {"experts", experts}, {"top_k", topK}},
           {{"coeff", balance}});
  if (z > 0)
    launch(op, KernelId::moe_z_loss_grad, {buffer(g.getLogits())}, term(),
           {{"tokens", tokens}, {"experts", experts}}, {{"coeff", z}});
  if (terms.size() == 1) {
    buffers.map(g.getResult(), terms.front());
    return success();
  }
  SmallVector<Value> parts = terms;
  Value sum = parts.front();
  for (size_t i = 1; i < parts.size(); ++i) {
    Value out = i + 1 == parts.size() ? temporary(g.getResult()) : term();
    launch(op, KernelId::add, {sum, parts[i]}, out,
           {{"n", logits.getNumElements()}});
    sum = out;
  }
  return success();
}

LogicalResult Lowering::lowerOp(MoeBalanceStatsOp stats) {
  Operation *op = stats;
  RankedTensorType probs = tensorOf(stats.getProbs());
  int64_t experts = probs.getShape().back();
  launch(op, KernelId::moe_balance_stats,
         {buffer(stats.getProbs()), buffer(stats.getCounts())},
         temporary(stats.getResult()),
         {{"tokens", probs.getNumElements() / experts},
          {"experts", experts},
          {"top_k", int64_t(stats.getTopK())}});
  return success();
}

LogicalResult Lowering::lowerOp(MoeDispatchOp dispatch) {
  Operation *op = dispatch;
  RankedTensorType x = tensorOf(dispatch.getInput());
  int64_t dim = x.getShape().back();
  launch(op, KernelId::moe_gather_rows,
         {buffer(dispatch.getInput()), buffer(dispatch.getSlotRow())},
         temporary(dispatch.getResult()),
         {{"tokens", x.getNumElements() / dim},
          {"top_k", int64_t(dispatch.getTopK())},
          {"dim", dim}});
  return success();
}

LogicalResult Lowering::lowerOp(MoeDispatchGradOp g) {
  Operation *op = g;
  RankedTensorType dx = tensorOf(g.getResult());
  int64_t dim = dx.getShape().back();
  launch(op, KernelId::moe_gather_rows_grad,
         {buffer(g.getGrad()), buffer(g.getSlotRow())},
         temporary(g.getResult()),
         {{"tokens", dx.getNumElements() / dim},
          {"top_k", int64_t(g.getTopK())},
          {"dim", dim}});
  return success();
}

LogicalResult Lowering::lowerOp(MoeGroupedLinearOp linear) {
  Operation *op = linear;
  RankedTensorType w = tensorOf(linear.getWeight());
  launch(op, KernelId::moe_grouped_linear,
         {buffer(linear.getInput()), buffer(linear.getWeight()),
          buffer(linear.getCounts())},
         temporary(linear.getResult()),
         {{"m", tensorOf(linear.getInput()).getDimSize(0)},
          {"n", w.getDimSize(1)},
          {"k", w.getDimSize(2)},
          {"experts", w.getDimSize(0)}});
  return success();
}

LogicalResult Lowering::lowerOp(MoeGroupedLinearGradOp g) {
  Operation *op = g;
  RankedTensorType w = tensorOf(g.getWeight());
  SmallVector<std::pair<StringRef, int64_t>> ints = {
      {"m", tensorOf(g.getInput()).getDimSize(0)},
      {"n", w.getDimSize(1)},
      {"k", w.getDimSize(2)},
      {"experts", w.getDimSize(0)}};
  // A result nothing reads is not computed (expert parallelism takes the
  // weight gradient from a second op over rescaled rows).
  if (!g.getInputGrad().use_empty())
    launch(op, KernelId::moe_grouped_linear_grad_input,
           {buffer(g.getGrad()), buffer(g.getWeight()), buffer(g.getCounts())},
           temporary(g.getInputGrad()), ints);
  if (!g.getWeightGrad().use_empty())
    launch(op, KernelId::moe_grouped_linear_grad_weight,
           {buffer(g.getGrad()), buffer(g.getInput()), buffer(g.getCounts())},
           temporary(g.getWeightGrad()), ints);
  return success();
}

LogicalResult Lowering::lowerOp(MoeCombineOp combine) {
  Operation *op = combine;
  RankedTensorType yp = tensorOf(combine.getInput());
  RankedTensorType gate = tensorOf(combine.getGate());
  int64_t topK = gate.getShape().back();
  launch(op, KernelId::moe_unpermute,
         {buffer(combine.getInput()), buffer(combine.getSlotRow()),
          buffer(combine.getGate())},
         temporary(combine.getResult()),
         {{"tokens", gate.getNumElements() / topK},
          {"top_k", topK},
          {"dim", yp.getDimSize(1)}});
  return success();
}

LogicalResult Lowering::lowerOp(MoeCombineGradOp g) {
  Operation *op = g;
  RankedTensorType yp = tensorOf(g.getInput());
  RankedTensorType gate = tensorOf(g.getGate());
  int64_t topK = gate.getShape().back();
  launch(op, KernelId::moe_unpermute_grad,
         {buffer(g.getGrad()), buffer(g.getInput()), buffer(g.getSlotRow()),
          buffer(g.getGate())},
         {temporary(g.getInputGrad()), temporary(g.getGateGrad())},
         {{"tokens", gate.getNumElements() / topK},
          {"top_k", topK},
          {"dim", yp.getDimSize(1)}});
  return success();
}

LogicalResult Lowering::lowerOp(GradSquaredNormOp g) {
  Operation *op = g;
  // One accumulating launch per gradient into one scalar.
  Value sq = temporary(g.getResult());
  for (auto [i, grad] : llvm::enumerate(g.getGrads()))
    launch(
        op, KernelId::grad_sq_norm, {buffer(grad)}, sq,
        {{"n", product(tensorOf(grad).getShape())}, {"accumulate", i ? 1 : 0}});
  return success();
}

LogicalResult Lowering::lowerOp(GatherOp g) {
  Operation *op = g;
  RankedTensorType x = tensorOf(g.getInput());
  RankedTensorType pos = tensorOf(g.getPositions());
  Value y = temporary(g.getResult());
  bool ids = isa<IntegerType>(x.getElementType());
  if (ids ? x.getRank() != 2 : x.getRank() != 3)
    return op->emitOpError() << "cannot be lowered: gathers [batch, seq] "
                                "ids or [batch, seq, width] values only";
  SmallVector<std::pair<StringRef, int64_t>> ints = {{"batch", x.getDimSize(0)},
                                                     {"seq", x.getDimSize(1)},
                                                     {"k", pos.getDimSize(1)}};
  if (!ids)
    ints.push_back({"width", x.getDimSize(2)});
  launch(op, ids ? KernelId::gather_ids : KernelId::gather_rows,
         {buffer(g.getInput()), buffer(g.getPositions())}, y, ints);
  return success();
}

LogicalResult Lowering::lowerOp(ShiftTargetsOp shift) {
  Operation *op = shift;
  // Decoding has no targets: the heads' losses become logits.
  if (position)
    return success();
  RankedTensorType ids = tensorOf(shift.getTargets());
  Value y = temporary(shift.getResult());
  launch(op, KernelId::shift_targets, {buffer(shift.getTargets())}, y,
         {{"batch", ids.getDimSize(0)},
          {"seq", ids.getDimSize(1)},
          {"shift", shift.getShift()},
          {"fill", shift.getFill()}});
  return success();
}

LogicalResult Lowering::lowerOp(GatherGradOp g) {
  Operation *op = g;
  RankedTensorType dx = tensorOf(g.getResult());
  RankedTensorType pos = tensorOf(g.getPositions());
  Value out = temporary(g.getResult());
  launch(op, KernelId::gather_rows_grad,
         {buffer(g.getGrad()), buffer(g.getPositions())}, out,
         {{"batch", dx.getDimSize(0)},
          {"seq", dx.getDimSize(1)},
          {"k", pos.getDimSize(1)},
          {"width", dx.getDimSize(2)}});
  return success();
}

LogicalResult Lowering::lowerOp(SgtSelectOp sel) {
  Operation *op = sel;
  RankedTensorType t = tensorOf(sel.getTargets());
  RankedTensorType pos = tensorOf(sel.getPositions());
  SmallVector<Value> outs{temporary(sel.getPositions()),
                          temporary(sel.getWeights())};
  int64_t batch = t.getDimSize(0), seq = t.getDimSize(1), k = pos.getDimSize(1),
          seed = sel.getSeed();
  SgtPolicy policy = sel.getPolicy();
  if (!hyper && (policy == SgtPolicy::random ||
                 policy == SgtPolicy::surprisal || policy == SgtPolicy::mask))
    return op->emitOpError()
           << "with the " << stringifySgtPolicy(policy)
           << " policy needs a training step (its draw changes with the "
              "step in `hyper`)";
  Value targets = buffer(sel.getTargets());
  Value scores = sel.getScores() ? buffer(sel.getScores()) : Value();
  switch (policy) {
  case SgtPolicy::uniform:
    launch(op, KernelId::sgt_select_uniform, {targets}, outs,
           {{"batch", batch}, {"seq", seq}, {"k", k}});
    return success();
  case SgtPolicy::score:
    launch(op, KernelId::sgt_select_score, {targets, scores}, outs,
           {{"batch", batch},
            {"seq", seq},
            {"k", k},
            {"vocab", tensorOf(sel.getScores()).getDimSize(0)}});
    return success();
  case SgtPolicy::random:
    launch(op, KernelId::sgt_select_random, {targets, hyper}, outs,
           {{"batch", batch}, {"seq", seq}, {"k", k}, {"seed", seed}});
    return success();
  case SgtPolicy::surprisal:
    launch(op, KernelId::sgt_select_surprisal, {targets, scores, hyper}, outs,
           {{"batch", batch},
            {"seq", seq},
            {"k", k},
            {"vocab", tensorOf(sel.getScores()).getDimSize(0)},
            {"seed", seed}});
    return success();
  case SgtPolicy::loss_topk:
    launch(op, KernelId::sgt_select_loss, {scores}, outs,
           {{"batch", batch}, {"seq", seq}, {"k", k}});
    return success();
  case SgtPolicy::mask:
    launch(op, KernelId::sgt_select_mask, {scores, hyper}, outs,
           {{"batch", batch}, {"seq", seq}, {"k", k}, {"seed", seed}});
    return success();
  }
  return op->emitOpError() << "has a selection policy with no kernel";
}

LogicalResult Lowering::lowerOp(RankShareOp share) {
  Operation *op = share;
  launch(op, KernelId::rank_share, {buffer(share.getHyper())},
         temporary(share.getShare()), {{"ranks", share.getRanks()}});
  return success();
}

LogicalResult Lowering::lowerOp(AllReduceOp reduce) {
  Operation *op = reduce;
  // In place: each result is its input's buffer, which nothing reads
  // unreduced afterwards.
  SmallVector<Value> ins{buffer(reduce.getShare())}, outs;
  for (auto [x, y] : llvm::zip(reduce.getInputs(), reduce.getResults())) {
    if (!x.hasOneUse())
      return op->emitOpError()
             << "cannot be lowered in place: an input is also read elsewhere";
    Value xb = buffer(x);
    if (!xb || !xb.getDefiningOp<ck::BufferOp>())
      return op->emitOpError() << "cannot be lowered in place: an input is "
                                  "not a temporary of the step";
    ins.push_back(xb);
    outs.push_back(xb);
    buffers.map(y, xb);
  }
  launch(op, KernelId::all_reduce, ins, outs,
         {{"ranks", reduce.getRanks()},
          {"count", int64_t(reduce.getInputs().size())},
          {"mean", reduce.getMean() ? 1 : 0}});
  // A router's loss over every rank's tokens, from its reduced statistics
  // (the metric; the gradient reads them in moe_route_grad).
  for (auto [x, y] : llvm::zip(reduce.getInputs(), reduce.getResults())) {
    auto it = pendingRouterLosses.find(x.getDefiningOp());
    if (it == pendingRouterLosses.end())
      continue;
    PendingRouterLoss pending = it->second;
    pendingRouterLosses.erase(it);
    MoeRouteOp route = pending.route;
    Value balanceLoss = pending.loss;
    if (pending.zLoss)
      balanceLoss = ck::BufferOp::create(b, route.getLoc(),
                                         MemRefType::get({}, b.getF32Type()),
                                         IntegerAttr());
    launch(route, KernelId::moe_balance_loss_stats, buffer(y), balanceLoss,
           {{"experts", route.getNumExperts()},
            {"top_k", int64_t(route.getTopK())}},
           {{"coeff", route.getBalanceCoeff().convertToDouble()}});
    if (pending.zLoss)
      launch(route, KernelId::add, {balanceLoss, pending.zLoss}, pending.loss,
             {{"n", 1}});
  }
  return success();
}

LogicalResult Lowering::lowerOp(RankSharesOp shares) {
  Operation *op = shares;
  launch(op, KernelId::rank_shares, {buffer(shares.getHyper())},
         temporary(shares.getShares()), {{"ranks", shares.getRanks()}});
  return success();
}

LogicalResult Lowering::lowerOp(MoeExchangeCountsOp exchange) {
  Operation *op = exchange;
  RankedTensorType received = tensorOf(exchange.getReceived());
  launch(
      op, KernelId::moe_exchange_counts, {buffer(exchange.getCounts())},
      {temporary(exchange.getReceived()), temporary(exchange.getLocalCounts())},
      {{"experts", tensorOf(exchange.getCounts()).getDimSize(0)},
       {"ranks", exchange.getRanks()},
       {"local", received.getDimSize(1)}});
  return success();
}

LogicalResult Lowering::lowerOp(MoeExchangeOp exchange) {
  Operation *op = exchange;
  const bool reverse = exchange.getReverse();
  RankedTensorType permuted =
      tensorOf(reverse ? exchange.getResult() : exchange.getInput());
  RankedTensorType received =
      tensorOf(reverse ? exchange.getInput() : exchange.getResult());
  launch(op,
         reverse ? KernelId::moe_exchange_combine
                 : KernelId::moe_exchange_dispatch,
         {buffer(exchange.getInput()), buffer(exchange.getCounts()),
          buffer(exchange.getReceived())},
         temporary(exchange.getResult()),
         {{"rows", permuted.getDimSize(0)},
          {"dim", permuted.getDimSize(1)},
          {"experts", tensorOf(exchange.getCounts()).getDimSize(0)},
          {"ranks", exchange.getRanks()},
          {"local", tensorOf(exchange.getReceived()).getDimSize(1)},
          {"capacity", received.getDimSize(0)}});
  return success();
}

LogicalResult Lowering::lowerOp(MoeScaleSourceRowsOp scale) {
  Operation *op = scale;
  RankedTensorType x = tensorOf(scale.getInput());
  RankedTensorType received = tensorOf(scale.getReceived());
  launch(op, KernelId::moe_scale_source_rows,
         {buffer(scale.getInput()), buffer(scale.getReceived()),
          buffer(scale.getShares())},
         temporary(scale.getResult()),
         {{"capacity", x.getDimSize(0)},
          {"dim", x.getDimSize(1)},
          {"ranks", received.getDimSize(0)},
          {"local", received.getDimSize(1)}});
  return success();
}

LogicalResult Lowering::flushUpdates() {
  if (updates.empty())
    return success();
  // One fused update of every parameter: the decayed ones first.
  SmallVector<Operation *> ordered;
  auto decays = [](Operation *op) {
    if (auto u = dyn_cast<AdamWUpdateOp>(op))
      return u.getDecay();
    return cast<SGDUpdateOp>(op).getDecay();
  };
  for (bool decayed : {true, false})
    for (Operation *op : updates)
      if (decays(op) == decayed)
        ordered.push_back(op);
  int64_t numDecayed = llvm::count_if(updates, decays);
  bool adamw = isa<AdamWUpdateOp>(updates.front());
  // ZeRO-1: each rank updates its shard of every parameter, then the ranks
  // gather the parameters.
  auto shards = [](Operation *op) {
    auto u = dyn_cast<AdamWUpdateOp>(op);
    return u ? u.getShards() : int64_t(1);
  };
  if (shards(updates.front()) > 1) {
    int64_t ranks = shards(updates.front());
    SmallVector<Value> params;
    for (Operation *op : ordered) {
      auto u = dyn_cast<AdamWUpdateOp>(op);
      if (!u || static_cast<int64_t>(u.getShards()) != ranks)
        return op->emitOpError() << "cannot be fused with updates sharded "
                                    "another way in one function";
      Value param = ck::ParamOp::create(b, op->getLoc(), memrefFor(u.getGrad()),
                                        u.getParamAttr());
      const int64_t n = product(tensorOf(u.getGrad()).getShape());
      const int64_t shard = (n + ranks - 1) / ranks;
      auto momentType = MemRefType::get({shard}, b.getF32Type());
      Value m = ck::ParamOp::create(b, op->getLoc(), momentType, u.getMAttr());
      Value v = ck::ParamOp::create(b, op->getLoc(), momentType, u.getVAttr());
      launch(op, KernelId::adamw_shard,
             {buffer(u.getGrad()), buffer(u.getHyper()),
              buffer(u.getGradSqNorm())},
             {param, m, v},
             {{"n", n},
              {"shard", shard},
              {"ranks", ranks},
              {"decay", u.getDecay() ? 1 : 0}});
      params.push_back(param);
    }
    launch(updates.front(), KernelId::all_gather, params, params,
           {{"ranks", ranks}, {"count", int64_t(params.size())}});
    updates.clear();
    return success();
  }
  Value hyper, sq;
  SmallVector<Value> grads, outs;
  for (Operation *op : ordered) {
    if (isa<AdamWUpdateOp>(op) != adamw)
      return op->emitOpError() << "cannot be fused with updates of another "
                                  "optimizer in one function";
    auto param = [&](Value grad, FlatSymbolRefAttr sym) -> Value {
      return ck::ParamOp::create(b, op->getLoc(), memrefFor(grad), sym);
    };
    if (auto u = dyn_cast<AdamWUpdateOp>(op)) {
      hyper = u.getHyper();
      sq = u.getGradSqNorm();
      grads.push_back(buffer(u.getGrad()));
      outs.push_back(param(u.getGrad(), u.getParamAttr()));
      outs.push_back(param(u.getGrad(), u.getMAttr()));
      outs.push_back(param(u.getGrad(), u.getVAttr()));
    } else {
      auto g = cast<SGDUpdateOp>(op);
      hyper = g.getHyper();
      sq = g.getGradSqNorm();
      grads.push_back(buffer(g.getGrad()));
      outs.push_back(param(g.getGrad(), g.getParamAttr()));
    }
  }
  SmallVector<Value> ins{buffer(hyper), buffer(sq)};
  ins.append(grads);
  launch(updates.front(), adamw ? KernelId::adamw_multi : KernelId::sgd_multi,
         ins, outs,
         {{"count", int64_t(ordered.size())}, {"decayed", numDecayed}});
  updates.clear();
  return success();
}

struct LowerToKernelsPass
    : public mlir::cherry::impl::CherryLowerToKernelsPassBase<
          LowerToKernelsPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto source = module.lookupSymbol<func::FuncOp>(function);
    if (!source) {
      emitError(module.getLoc())
          << "cherry-lower-to-kernels: no function @" << function;
      return signalPassFailure();
    }
    FunctionType type = source.getFunctionType();
    bool decode = mode == LoweringMode::Decode,
         train = mode == LoweringMode::Train, grad = mode == LoweringMode::Grad;
    // eval and decode: (ids, targets) -> loss;
    // train: (ids, targets, [sgt_mask,] hyper) -> (loss, grad_sq_norm), the
    // mask when cherry-sgt's mask policy added it.
    auto inputName = [&](unsigned i) {
      auto attr = i < type.getNumInputs()
                      ? source.getArgAttrOfType<StringAttr>(i, "cherry.input")
                      : StringAttr();
      return attr ? attr.getValue() : StringRef();
    };
    bool hasMask = train && inputName(2) == binding::kSgtMask;
    // eval and decode: results after the loss are multi-token heads'
    // losses (cherry-mtp objective=false), each marked with its head.
    SmallVector<int64_t> mtpHeads;
    if (!train && !grad)
      for (unsigned i = 1; i < type.getNumResults(); ++i) {
        auto head = source.getResultAttrOfType<IntegerAttr>(i, kMtpHeadAttr);
        if (!head || head.getInt() < 1) {
          emitError(source.getLoc())
              << "cherry-lower-to-kernels: result " << i << " of @" << function
              << " is not a multi-token head's loss (no " << kMtpHeadAttr
              << " >= 1)";
          return signalPassFailure();
        }
        mtpHeads.push_back(head.getInt());
      }
    unsigned numInputs = train ? (hasMask ? 4 : 3) : 2,
             numResults = train ? 2 : 1 + mtpHeads.size();
    // grad: (ids, targets, named inputs...) -> (loss, gradients...).
    if (grad) {
      numInputs = std::max(2u, type.getNumInputs());
      numResults = std::max(1u, type.getNumResults());
      for (unsigned i = 2; i < numInputs; ++i)
        if (inputName(i).empty()) {
          emitError(source.getLoc())
              << "cherry-lower-to-kernels: argument " << i << " of @"
              << function << " has no cherry.input name";
          return signalPassFailure();
        }
      for (unsigned i = 1; i < numResults; ++i)
        if (!source.getResultAttrOfType<FlatSymbolRefAttr>(i,
                                                           "cherry.grad_of")) {
          emitError(source.getLoc())
              << "cherry-lower-to-kernels: result " << i << " of @" << function
              << " is not a gradient (run cherry-autodiff)";
          return signalPassFailure();
        }
    }
    if (type.getNumInputs() != numInputs ||
        type.getNumResults() != numResults) {
      emitError(source.getLoc())
          << "cherry-lower-to-kernels: @" << function
          << (train ? " must be (ids, targets, [sgt_mask,] hyper) -> "
                      "(loss, grad_sq_norm) (run "
                      "cherry-autodiff and cherry-optimizer)"
                    : " must be (ids, targets) -> loss");
      return signalPassFailure();
    }
    auto ids = cast<RankedTensorType>(type.getInput(0));
    if (decode && int64_t(capacity) < ids.getDimSize(1)) {
      emitError(source.getLoc())
          << "cherry-lower-to-kernels: capacity " << int64_t(capacity)
          << " is smaller than the step's sequence length "
          << ids.getDimSize(1);
      return signalPassFailure();
    }

    // eval:   @<name>(%ids, %targets, %loss)
    // train:  @<name>(%ids, %targets, [%sgt_mask,] %hyper, %loss,
    //                 %grad_sq_norm)
    // decode: @<name>(%ids, %position, %logits, KV caches...)
    OpBuilder b(source);
    auto memrefOf = [](Type t) {
      auto tensor = cast<RankedTensorType>(t);
      return MemRefType::get(tensor.getShape(), tensor.getElementType());
    };
    SmallVector<Type> argTypes;
    SmallVector<StringRef> names;
    // Storage for the grad.<param>, mtp_loss.<k> and mtp_logits.<k> names.
    std::deque<std::string> ownedNames;
    unsigned numOutputs = 1 + mtpHeads.size();
    argTypes.push_back(memrefOf(ids));
    names.push_back(binding::kIds);
    Operation *ret = source.getBody().front().getTerminator();
    SmallVector<CrossEntropyOp> decoded; // decode: the returned heads
    if (decode) {
      for (Value result : ret->getOperands()) {
        auto ce = result.getDefiningOp<CrossEntropyOp>();
        if (!ce) {
          emitError(source.getLoc())
              << "cherry-lower-to-kernels: decoding needs @" << function
              << " to return the cross_entropy of each head";
          return signalPassFailure();
        }
        decoded.push_back(ce);
      }
      argTypes.push_back(MemRefType::get({1}, b.getI32Type()));
      names.push_back(binding::kPosition);
      argTypes.push_back(memrefOf(decoded.front().getLogits().getType()));
      names.push_back(binding::kLogits);
      for (auto [i, k] : llvm::enumerate(mtpHeads)) {
        argTypes.push_back(memrefOf(decoded[i + 1].getLogits().getType()));
        ownedNames.push_back(binding::kMtpLogitsPrefix + std::to_string(k));
        names.push_back(ownedNames.back());
      }
    } else {
      argTypes.push_back(memrefOf(type.getInput(1)));
      names.push_back(binding::kTargets);
      if (hasMask) {
        argTypes.push_back(memrefOf(type.getInput(2)));
        names.push_back(binding::kSgtMask);
      }
      if (train) {
        argTypes.push_back(memrefOf(type.getInput(numInputs - 1)));
        names.push_back(binding::kHyper);
      }
      if (grad)
        for (unsigned i = 2; i < numInputs; ++i) {
          argTypes.push_back(memrefOf(type.getInput(i)));
          names.push_back(inputName(i));
        }
      argTypes.push_back(memrefOf(type.getResult(0)));
      names.push_back(binding::kLoss);
      for (auto [i, k] : llvm::enumerate(mtpHeads)) {
        argTypes.push_back(memrefOf(type.getResult(i + 1)));
        ownedNames.push_back(binding::kMtpLossPrefix + std::to_string(k));
        names.push_back(ownedNames.back());
      }
      if (grad) {
        numOutputs = numResults;
        for (unsigned i = 1; i < numResults; ++i) {
          argTypes.push_back(memrefOf(type.getResult(i)));
          ownedNames.push_back(
              (binding::kGradPrefix +
               source
                   .getResultAttrOfType<FlatSymbolRefAttr>(i, "cherry.grad_of")
                   .getValue())
                  .str());
          names.push_back(ownedNames.back());
        }
      }
      if (train) {
        argTypes.push_back(memrefOf(type.getResult(1)));
        names.push_back(binding::kGradSqNorm);
        numOutputs = 2;
      }
    }
    // Evaluation also returns every position's loss (for per-position
    // metrics) when the loss is the head's cross-entropy on the targets.
    bool perPosition = false;
    if (!decode && !train && !grad) {
      Operation *lossOp = ret->getOperand(0).getDefiningOp();
      Value lossTargets = isa_and_nonnull<CrossEntropyOp>(lossOp)
                              ? cast<CrossEntropyOp>(lossOp).getTargets()
                          : isa_and_nonnull<HeadCrossEntropyOp>(lossOp)
                              ? cast<HeadCrossEntropyOp>(lossOp).getTargets()
                              : Value();
      perPosition =
          lossTargets && lossTargets == source.getBody().front().getArgument(1);
      if (perPosition) {
        auto targets = cast<RankedTensorType>(type.getInput(1));
        argTypes.push_back(MemRefType::get(targets.getShape(), b.getF32Type()));
        names.push_back(binding::kTokenLosses);
      }
    }
    auto target = func::FuncOp::create(b, source.getLoc(), name,
                                       b.getFunctionType(argTypes, {}));
    Block *entry = target.addEntryBlock();
    unsigned firstOutput = names.size() - numOutputs - (perPosition ? 1 : 0);
    for (unsigned i = 0; i < names.size(); ++i) {
      target.setArgAttr(i, ck::kBindingAttr, b.getStringAttr(names[i]));
      if (i >= firstOutput)
        target.setArgAttr(i, ck::kOutputAttr, b.getUnitAttr());
    }

    Lowering lowering(source, target);
    lowering.tagLayers = tagLayers;
    Block &body = source.getBody().front();
    lowering.buffers.map(body.getArgument(0), entry->getArgument(0));
    if (decode) {
      lowering.position = entry->getArgument(1);
      for (auto [i, ce] : llvm::enumerate(decoded))
        lowering.logitsOf[ce.getLoss()] = entry->getArgument(2 + i);
      lowering.capacity = int64_t(capacity);
    } else {
      for (unsigned i = 1; i < numInputs; ++i)
        lowering.buffers.map(body.getArgument(i), entry->getArgument(i));
      if (train)
        lowering.hyper = entry->getArgument(numInputs - 1);
      if (perPosition) {
        lowering.tokenLosses = entry->getArgument(names.size() - 1);
        lowering.perPositionLoss = ret->getOperand(0);
      }
    }
    if (failed(lowering.lowerBlock(body))) {
      target.erase();
      return signalPassFailure();
    }

    if (!decode) {
      // Returned values are written straight into the output arguments.
      for (unsigned i = 0; i < numOutputs; ++i) {
        Value result =
            lowering.buffers.lookup(body.getTerminator()->getOperand(i));
        auto temp =
            result ? result.getDefiningOp<ck::BufferOp>() : ck::BufferOp();
        if (!temp) {
          emitError(source.getLoc())
              << "cherry-lower-to-kernels: result " << i << " of @" << function
              << " is not computed by a kernel";
          target.erase();
          return signalPassFailure();
        }
        result.replaceAllUsesWith(entry->getArgument(firstOutput + i));
        temp.erase();
      }
    }
    OpBuilder end = OpBuilder::atBlockEnd(entry);
    func::ReturnOp::create(end, source.getLoc());
    if (!keepSource)
      source.erase();
  }
};

} // namespace
