//===- Sgt.cpp - Selective ground-truth token training --------------------===//
//
// cherry-sgt supervises only a fraction of the target positions: the
// forward function's cross-entropy becomes a selection (cherry.sgt_select)
// and a cross-entropy over the selected positions only.
//
// cherry-sgt-sparsify then moves the LM head behind the selection: the
// hidden states and targets of the selected positions are gathered first, so
// the head's matmul and the softmax run on k rows per sequence instead of
// seq. For a 15% selection that divides the head's FLOPs by ~6.7.
//
//===----------------------------------------------------------------------===//

#include "cherry/Dialect/Cherry/IR/CherryOps.h"
#include "cherry/Transforms/Passes.h"

#include "cherry/Runtime/Bindings.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>

namespace mlir::cherry {
#define GEN_PASS_DEF_CHERRYSGTPASS
#define GEN_PASS_DEF_CHERRYSGTSPARSIFYPASS
#define GEN_PASS_DEF_CHERRYWEIGHTLOSSPASS
#include "cherry/Transforms/Passes.h.inc"
} // namespace mlir::cherry

using namespace mlir;
using namespace mlir::cherry;
namespace binding = ::cherry::abi::binding;

namespace {

/// A copy of `func` named `name`, placed after it.
func::FuncOp cloneFunction(func::FuncOp func, StringRef name) {
  OpBuilder builder(func);
  builder.setInsertionPointAfter(func);
  auto copy = cast<func::FuncOp>(builder.clone(*func));
  copy.setName(name);
  return copy;
}

/// Appends an argument the runtime fills by `name` (`cherry.input`).
FailureOr<Value> addNamedInput(func::FuncOp func, Type type, StringRef name,
                               Location loc) {
  unsigned index = func.getNumArguments();
  Builder b(func.getContext());
  NamedAttribute attr = b.getNamedAttr("cherry.input", b.getStringAttr(name));
  if (failed(func.insertArgument(index, type, b.getDictionaryAttr(attr), loc)))
    return failure();
  return func.getArgument(index);
}

struct SgtPass : public mlir::cherry::impl::CherrySgtPassBase<SgtPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (!(ratio > 0.0 && ratio <= 1.0)) {
      emitError(module.getLoc())
          << "cherry-sgt: ratio must be in (0, 1], found " << double(ratio);
      return signalPassFailure();
    }
    // Pipeline spellings: `topk-surprisal` is the score policy fed with
    // surprisal scores (cherry-run train --sgt-stats), the deterministic
    // rarest-targets selection of the paper's ablation.
    std::optional<SgtPolicy> kind =
        policy == "topk-surprisal" ? std::optional(SgtPolicy::score)
        : policy == "loss-topk"    ? std::optional(SgtPolicy::loss_topk)
                                   : symbolizeSgtPolicy(policy);
    if (!kind) {
      emitError(module.getLoc())
          << "cherry-sgt: unknown policy '" << policy
          << "' (expected surprisal, random, topk-surprisal, loss-topk, "
             "mask, uniform or score)";
      return signalPassFailure();
    }
    auto func = module.lookupSymbol<func::FuncOp>(function);
    if (!func) {
      emitError(module.getLoc()) << "cherry-sgt: no function @" << function;
      return signalPassFailure();
    }
    // Rewrite a copy: the original keeps its all-token loss (evaluation).
    if (!cloneTo.empty())
      func = cloneFunction(func, cloneTo);
    // The next-token loss; multi-token-prediction heads keep theirs.
    SmallVector<CrossEntropyOp> losses;
    func.walk([&](CrossEntropyOp ce) {
      if (!ce->hasAttr("cherry.mtp_offset"))
        losses.push_back(ce);
    });
    if (losses.size() != 1) {
      emitError(func.getLoc())
          << "cherry-sgt: @" << function
          << " must have exactly one next-token cross_entropy, found "
          << losses.size();
      return signalPassFailure();
    }
    CrossEntropyOp ce = losses.front();
    auto targets = cast<RankedTensorType>(ce.getTargets().getType());
    if (targets.getRank() != 2) {
      ce.emitOpError() << "targets must be [batch, seq] for cherry-sgt";
      return signalPassFailure();
    }
    if (ce.getWeights()) {
      ce.emitOpError() << "is already weighted; cherry-sgt selects from an "
                          "unweighted loss";
      return signalPassFailure();
    }
    int64_t seq = targets.getDimSize(1);
    int64_t k = std::max<int64_t>(
        1, std::min<int64_t>(seq, std::llround(double(ratio) * seq)));

    OpBuilder b(ce);
    Value scores;
    switch (*kind) {
    case SgtPolicy::score:
    case SgtPolicy::surprisal: {
      // The per-token score table: a non-trainable parameter the runtime
      // fills from the corpus statistics (token_counts.json).
      auto logits = cast<RankedTensorType>(ce.getLogits().getType());
      auto tableType =
          RankedTensorType::get({logits.getShape().back()}, b.getF32Type());
      if (!module.lookupSymbol<ParamOp>("sgt.scores")) {
        OpBuilder top(module.getBodyRegion());
        top.setInsertionPointToStart(module.getBody());
        ParamOp::create(
            top, ce.getLoc(), top.getStringAttr("sgt.scores"),
            TypeAttr::get(tableType),
            ConstantInitAttr::get(&getContext(), llvm::APFloat(0.0)),
            top.getStringAttr("sgt.scores"), top.getBoolAttr(false));
      }
      scores = ParamRefOp::create(
          b, ce.getLoc(), tableType,
          FlatSymbolRefAttr::get(b.getStringAttr("sgt.scores")));
      break;
    }
    case SgtPolicy::loss_topk:
      // Every position's current loss, from the full logits (forward only:
      // nothing differentiates through a selection).
      scores = TokenCrossEntropyOp::create(
          b, ce.getLoc(),
          RankedTensorType::get(targets.getShape(), b.getF32Type()),
          ce.getLogits(), ce.getTargets(), ce.getIgnoreIndexAttr());
      break;
    case SgtPolicy::mask: {
      // The data pipeline's mask comes in as a new last argument.
      FailureOr<Value> mask = addNamedInput(
          func, RankedTensorType::get(targets.getShape(), b.getI32Type()),
          binding::kSgtMask, ce.getLoc());
      if (failed(mask))
        return signalPassFailure();
      scores = *mask;
      break;
    }
    default:
      break;
    }
    auto positionsType = RankedTensorType::get({targets.getDimSize(0), k},
                                               targets.getElementType());
    auto weightsType =
        RankedTensorType::get({targets.getDimSize(0), k}, b.getF32Type());
    auto select = SgtSelectOp::create(
        b, ce.getLoc(), positionsType, weightsType, ce.getTargets(), scores,
        SgtPolicyAttr::get(&getContext(), *kind), b.getI64IntegerAttr(seed));
    Value loss = SelectiveCrossEntropyOp::create(
        b, ce.getLoc(), ce.getLoss().getType(), ce.getLogits(), ce.getTargets(),
        select.getPositions(), select.getWeights());
    ce.getLoss().replaceAllUsesWith(loss);
    ce.erase();
  }
};

/// selective_cross_entropy(linear(h, w), targets, positions, weights)
///   -> cross_entropy(linear(gather(h, positions), w),
///                    gather(targets, positions)) weights(weights)
/// The full head stays when something else reads its logits (loss-topk).
struct SparsifyHead : public OpRewritePattern<SelectiveCrossEntropyOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(SelectiveCrossEntropyOp op,
                                PatternRewriter &rewriter) const override {
    auto head = op.getLogits().getDefiningOp<LinearOp>();
    if (!head)
      return rewriter.notifyMatchFailure(op, "logits are not a linear");
    auto h = cast<RankedTensorType>(head.getInput().getType());
    auto targets = cast<RankedTensorType>(op.getTargets().getType());
    auto positions = cast<RankedTensorType>(op.getPositions().getType());
    int64_t b = h.getDimSize(0), k = positions.getDimSize(1);
    Location loc = op.getLoc();
    Value hs = GatherOp::create(
        rewriter, loc,
        RankedTensorType::get({b, k, h.getDimSize(2)}, h.getElementType()),
        head.getInput(), op.getPositions());
    Value ts = GatherOp::create(
        rewriter, loc, RankedTensorType::get({b, k}, targets.getElementType()),
        op.getTargets(), op.getPositions());
    auto w = cast<RankedTensorType>(head.getWeight().getType());
    Value logits = LinearOp::create(
        rewriter, head.getLoc(),
        RankedTensorType::get({b, k, w.getDimSize(0)}, h.getElementType()), hs,
        head.getWeight(), head.getBias());
    rewriter.replaceOpWithNewOp<CrossEntropyOp>(
        op, op.getLoss().getType(), logits, ts, op.getWeights(),
        rewriter.getI64IntegerAttr(-100));
    if (head->use_empty())
      rewriter.eraseOp(head);
    return success();
  }
};

struct WeightLossPass
    : public mlir::cherry::impl::CherryWeightLossPassBase<WeightLossPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto source = module.lookupSymbol<func::FuncOp>(function);
    if (!source) {
      emitError(module.getLoc())
          << "cherry-weight-loss: no function @" << function;
      return signalPassFailure();
    }
    func::FuncOp func = cloneFunction(source, cloneTo);
    SmallVector<CrossEntropyOp> losses;
    func.walk([&](CrossEntropyOp ce) { losses.push_back(ce); });
    if (losses.size() != 1 || losses.front().getWeights()) {
      emitError(func.getLoc()) << "cherry-weight-loss: @" << function
                               << " must have exactly one unweighted "
                                  "cross_entropy";
      func.erase();
      return signalPassFailure();
    }
    CrossEntropyOp ce = losses.front();
    auto targets = cast<RankedTensorType>(ce.getTargets().getType());
    FailureOr<Value> weights =
        addNamedInput(func,
                      RankedTensorType::get(targets.getShape(),
                                            Float32Type::get(&getContext())),
                      binding::kTokenWeights, ce.getLoc());
    if (failed(weights))
      return signalPassFailure();
    ce.getWeightsMutable().assign(*weights);
  }
};

/// gather(op(x, ...)) -> op(gather(x), ...) for a row-wise op (each output
/// row depends on the same row of its row operands only) whose every user
/// is a gather by the same positions: the op then runs on the selected rows
/// only, and the full-size op dies. `rowOperands` are the operands indexed
/// by [batch, seq] rows; the others (weights) are kept. rope and
/// attention's queries are row-wise given each row's position: their rows
/// form takes the positions (attention keeps its keys and values whole,
/// which every later query reads).
struct HoistGather : public OpRewritePattern<GatherOp> {
  using OpRewritePattern::OpRewritePattern;

  static SmallVector<unsigned> rowOperands(Operation *op) {
    if (isa<RMSNormOp, LinearOp, ScaleOp>(op))
      return {0};
    if (isa<AddOp, SwiGLUOp>(op))
      return {0, 1};
    if (auto rope = dyn_cast<RopeOp>(op); rope && !rope.getPositions())
      return {0};
    // Query positions index the keys: a self-attention's (as long as them).
    if (auto attn = dyn_cast<AttentionOp>(op);
        attn && !attn.getPositions() &&
        cast<RankedTensorType>(attn.getQuery().getType()).getDimSize(1) ==
            cast<RankedTensorType>(attn.getKey().getType()).getDimSize(1))
      return {0};
    return {};
  }

  LogicalResult matchAndRewrite(GatherOp gather,
                                PatternRewriter &rewriter) const override {
    Operation *def = gather.getInput().getDefiningOp();
    if (!def || def->getNumResults() != 1 || rowOperands(def).empty())
      return rewriter.notifyMatchFailure(gather, "not a row-wise op");
    Value positions = gather.getPositions();
    SmallVector<GatherOp> users;
    for (Operation *user : def->getUsers()) {
      auto g = dyn_cast<GatherOp>(user);
      if (!g || g.getPositions() != positions ||
          g.getType() != gather.getType())
        return rewriter.notifyMatchFailure(gather, "the op is also read in "
                                                   "full");
      users.push_back(g);
    }
    int64_t k = cast<RankedTensorType>(positions.getType()).getDimSize(1);
    // The selection comes after the op: the rows are computed where the
    // first gather was.
    GatherOp first = users.front();
    for (GatherOp g : users) {
      if (g->getBlock() != def->getBlock())
        return rewriter.notifyMatchFailure(gather, "gathers in other blocks");
      if (g->isBeforeInBlock(first))
        first = g;
    }
    IRMapping map;
    rewriter.setInsertionPoint(first);
    for (unsigned i : rowOperands(def)) {
      Value v = def->getOperand(i);
      auto t = cast<RankedTensorType>(v.getType());
      if (t.getRank() < 2)
        return rewriter.notifyMatchFailure(gather, "operand is not rows");
      SmallVector<int64_t> shape(t.getShape());
      shape[1] = k;
      map.map(v,
              GatherOp::create(rewriter, gather.getLoc(),
                               RankedTensorType::get(shape, t.getElementType()),
                               v, positions)
                  .getResult());
    }
    Operation *rows = rewriter.clone(*def, map);
    rows->getResult(0).setType(gather.getType());
    if (auto rope = dyn_cast<RopeOp>(rows))
      rope.getPositionsMutable().assign(positions);
    if (auto attn = dyn_cast<AttentionOp>(rows))
      attn.getPositionsMutable().assign(positions);
    for (GatherOp g : users)
      rewriter.replaceOp(g, rows->getResults());
    rewriter.eraseOp(def);
    return success();
  }
};

struct SgtSparsifyPass
    : public mlir::cherry::impl::CherrySgtSparsifyPassBase<SgtSparsifyPass> {
  using Base::Base;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<SparsifyHead>(&getContext());
    if (hoist)
      patterns.add<HoistGather>(&getContext());
    FrozenRewritePatternSet frozen(std::move(patterns));
    // A decoder layer read only through gathers (the last one, once the
    // final norm moved) is inlined so the gathers can move into it.
    for (int round = 0; round < 4; ++round) {
      if (failed(applyPatternsGreedily(getOperation(), frozen)))
        return signalPassFailure();
      if (!hoist)
        return;
      auto readOnlyByGathers = [](DecoderLayerOp layer) {
        return !layer->use_empty() &&
               llvm::all_of(layer->getUsers(),
                            [](Operation *u) { return isa<GatherOp>(u); });
      };
      if (inlineDecoderLayers(getOperation(), readOnlyByGathers) == 0)
        return;
    }
  }
};

} // namespace
