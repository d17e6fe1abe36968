//===- Autodiff.cpp - Reverse-mode differentiation of a forward function --===//
//
// Builds `train_step(ids, targets) -> (loss, gradients...)` from a forward
// function returning a scalar loss: the forward ops, then, walking them in
// reverse, each op's vector-Jacobian product from DifferentiableOpInterface.
// There is no switch over op names. A value used several times (the residual
// stream, the normalized input of q, k and v) sums its cotangents; so does a
// parameter read several times (tied embeddings, shared recurrent weights).
//
//===----------------------------------------------------------------------===//

#include "cherry/Dialect/Cherry/IR/CherryOps.h"
#include "cherry/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/MapVector.h"

namespace mlir::cherry {
#define GEN_PASS_DEF_CHERRYAUTODIFFPASS
#include "cherry/Transforms/Passes.h.inc"
} // namespace mlir::cherry

using namespace mlir;
using namespace mlir::cherry;

namespace {

/// A cotangent `scale(constant)` (a weighted loss term) becomes the
/// constant: the loss ops' VJPs take their cotangent as a known factor.
Value foldScaledConstant(OpBuilder &b, Value grad) {
  auto scale = grad.getDefiningOp<ScaleOp>();
  DenseElementsAttr splat;
  if (!scale || !matchPattern(scale.getInput(), m_Constant(&splat)) ||
      !splat.isSplat())
    return grad;
  auto type = cast<RankedTensorType>(scale.getType());
  double value = splat.getSplatValue<APFloat>().convertToDouble() *
                 scale.getFactor().convertToDouble();
  Value folded = arith::ConstantOp::create(
      b, scale.getLoc(),
      DenseElementsAttr::get(type,
                             b.getFloatAttr(type.getElementType(), value)));
  if (scale->use_empty())
    scale.erase();
  return folded;
}

/// Marks every op a builder inserts with `cherry.layer = layer` while a
/// layer is set: the ops of one layer's backward pass.
struct LayerTagger : public OpBuilder::Listener {
  std::optional<int64_t> layer;
  void notifyOperationInserted(Operation *op, OpBuilder::InsertPoint) override {
    if (layer)
      op->setAttr(
          kLayerTagAttr,
          IntegerAttr::get(IntegerType::get(op->getContext(), 64), *layer));
  }
};

struct AutodiffPass
    : public mlir::cherry::impl::CherryAutodiffPassBase<AutodiffPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto forward = module.lookupSymbol<func::FuncOp>(function);
    if (!forward) {
      emitError(module.getLoc())
          << "cherry-autodiff: no function @" << function;
      return signalPassFailure();
    }
    FunctionType type = forward.getFunctionType();
    if (type.getNumResults() != 1 ||
        cast<RankedTensorType>(type.getResult(0)).getRank() != 0) {
      emitError(forward.getLoc())
          << "cherry-autodiff: @" << function << " must return one scalar loss";
      return signalPassFailure();
    }

    // train_step starts as a copy of the forward function, layers inlined.
    OpBuilder moduleBuilder(forward);
    moduleBuilder.setInsertionPointAfter(forward);
    auto train = cast<func::FuncOp>(moduleBuilder.clone(*forward));
    train.setName(name);
    Builder b0(&getContext());
    // Which layer each op came from (the ops move, so the pointers stay
    // valid), for recomputation.
    llvm::DenseMap<Operation *, unsigned> layerOf;
    SmallVector<SmallVector<Operation *>> layerOps;
    SmallVector<int64_t> layerIndex;
    if (recompute || tagLayers)
      for (DecoderLayerOp layer : train.getBody().getOps<DecoderLayerOp>()) {
        layerOps.emplace_back();
        layerIndex.push_back(layer.getIndex());
        for (Operation &op : layer.getBody().front().without_terminator()) {
          layerOf[&op] = layerOps.size() - 1;
          layerOps.back().push_back(&op);
          if (tagLayers)
            op.setAttr(kLayerTagAttr, b0.getI64IntegerAttr(layer.getIndex()));
        }
      }
    inlineDecoderLayers(train);
    Block &block = train.getBody().front();
    auto ret = cast<func::ReturnOp>(block.getTerminator());
    Value loss = ret.getOperand(0);

    OpBuilder b(ret);
    LayerTagger tagger;
    if (tagLayers)
      b.setListener(&tagger);
    llvm::DenseMap<Value, Value> cotangent;
    llvm::MapVector<StringAttr, Value> paramGrads;
    auto accumulate = [&](Value value, Value grad, Location loc) {
      Value &slot = cotangent[value];
      slot =
          slot ? AddOp::create(b, loc, value.getType(), slot, grad).getResult()
               : grad;
    };
    auto lossType = cast<RankedTensorType>(loss.getType());
    cotangent[loss] = arith::ConstantOp::create(
        b, train.getLoc(),
        DenseElementsAttr::get(lossType,
                               b.getFloatAttr(lossType.getElementType(), 1.0)));

    // With recomputation, the first time the reverse walk reaches a layer's
    // op, the layer's forward ops are copied at the current point; the VJPs
    // of the layer's ops are built from their copies, whose operands are the
    // recomputed values (the layer input itself stays the original).
    SmallVector<IRMapping> recomputed(layerOps.size());
    SmallVector<bool> isRecomputed(layerOps.size(), false);
    auto vjpSource = [&](Operation *op) -> Operation * {
      auto it = layerOf.find(op);
      if (!recompute || it == layerOf.end() || op->getNumResults() == 0)
        return op;
      unsigned k = it->second;
      if (!isRecomputed[k]) {
        isRecomputed[k] = true;
        for (Operation *forwardOp : layerOps[k]) {
          Operation *copy = b.clone(*forwardOp, recomputed[k]);
          if (!isa<ParamRefOp>(copy))
            copy->setAttr("cherry.recompute", b.getUnitAttr());
        }
      }
      return recomputed[k].lookup(op->getResult(0)).getDefiningOp();
    };

    // Reverse walk over the forward ops (those before the return).
    SmallVector<Operation *> forwardOps;
    for (Operation &op : block.without_terminator())
      forwardOps.push_back(&op);
    for (Operation *op : llvm::reverse(forwardOps)) {
      if (isa<arith::ConstantOp>(op))
        continue;
      SmallVector<Value> resultGrads;
      bool any = false;
      for (Value r : op->getResults()) {
        resultGrads.push_back(cotangent.lookup(r));
        any |= bool(resultGrads.back());
      }
      if (!any)
        continue;
      // What this op's backward pass builds belongs to its layer.
      auto layer = layerOf.find(op);
      tagger.layer = layer == layerOf.end()
                         ? std::nullopt
                         : std::optional<int64_t>(layerIndex[layer->second]);
      if (auto ref = dyn_cast<ParamRefOp>(op)) {
        Value &slot = paramGrads[ref.getParamAttr().getAttr()];
        slot = slot ? AddOp::create(b, op->getLoc(), slot.getType(), slot,
                                    resultGrads[0])
                          .getResult()
                    : resultGrads[0];
        continue;
      }
      if (isa<CrossEntropyOp>(op)) {
        op->emitOpError() << "must be fused with its head before "
                             "differentiation (run cherry-fuse-head): its "
                             "own gradient would materialize the logits";
        return signalPassFailure();
      }
      auto diff = dyn_cast<DifferentiableOpInterface>(vjpSource(op));
      if (!diff) {
        op->emitOpError() << "is not differentiable (it does not implement "
                             "DifferentiableOpInterface)";
        return signalPassFailure();
      }
      if (llvm::is_contained(resultGrads, Value())) {
        op->emitOpError() << "has results that do not all reach the loss; "
                             "not supported yet";
        return signalPassFailure();
      }
      FailureOr<SmallVector<Value>> operandGrads =
          diff.buildVJP(b, resultGrads);
      if (failed(operandGrads))
        return signalPassFailure();
      llvm::DenseMap<Value, Value> folded;
      for (Value &grad : *operandGrads)
        if (grad) {
          Value &f = folded[grad];
          if (!f)
            f = foldScaledConstant(b, grad);
          grad = f;
        }
      for (auto [operand, grad] :
           llvm::zip_equal(op->getOperands(), *operandGrads))
        if (grad)
          accumulate(operand, grad, op->getLoc());
    }

    tagger.layer.reset();
    // Results: the loss, then one gradient per trainable parameter that
    // reaches it, in module order.
    SmallVector<Value> results{loss};
    SmallVector<Attribute> gradOf;
    for (auto param : module.getOps<ParamOp>()) {
      if (!param.getTrainable())
        continue;
      Value grad = paramGrads.lookup(param.getSymNameAttr());
      if (!grad)
        continue;
      results.push_back(grad);
      gradOf.push_back(FlatSymbolRefAttr::get(param.getSymNameAttr()));
    }
    func::ReturnOp::create(b, ret.getLoc(), results);
    ret.erase();
    SmallVector<Type> resultTypes;
    for (Value v : results)
      resultTypes.push_back(v.getType());
    train.setType(
        FunctionType::get(&getContext(), type.getInputs(), resultTypes));
    for (auto [i, sym] : llvm::enumerate(gradOf))
      train.setResultAttr(i + 1, "cherry.grad_of", sym);
    if (!keepForward)
      forward.erase();
  }
};

} // namespace
