//===- CherryVJP.cpp - DifferentiableOpInterface for cherry ops -----------===//
//
// Each op builds its own vector-Jacobian product from the cotangents of its
// results: one entry per operand, null where no gradient flows (token ids,
// targets). Gradients of heavy ops are gradient ops of their own
// (`linear_grad_input`, `attention_grad`, ...) that lower to fused kernels,
// never compositions of small ops.
//
//===----------------------------------------------------------------------===//

#include "cherry/Dialect/Cherry/IR/CherryOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace mlir::cherry;

using VJP = FailureOr<SmallVector<Value>>;

FailureOr<SmallVector<Value>> EmbeddingOp::buildVJP(OpBuilder &b,
                                                    ValueRange cotangents) {
  Value table = EmbeddingGradOp::create(b, getLoc(), getTable().getType(),
                                        getIds(), cotangents[0]);
  return SmallVector<Value>{Value(), table};
}

VJP RMSNormOp::buildVJP(OpBuilder &b, ValueRange cotangents) {
  auto grad = RMSNormGradOp::create(b, getLoc(), getInput().getType(),
                                    getWeight().getType(), getInput(),
                                    getWeight(), cotangents[0], getEpsAttr());
  return SmallVector<Value>{grad.getInputGrad(), grad.getWeightGrad()};
}

VJP LinearOp::buildVJP(OpBuilder &b, ValueRange cotangents) {
  if (getBias())
    return emitOpError() << "with a bias is not differentiable yet";
  Value dx = LinearGradInputOp::create(b, getLoc(), getInput().getType(),
                                       cotangents[0], getWeight());
  Value dw = LinearGradWeightOp::create(b, getLoc(), getWeight().getType(),
                                        cotangents[0], getInput());
  return SmallVector<Value>{dx, dw};
}

VJP RopeOp::buildVJP(OpBuilder &b, ValueRange cotangents) {
  Value dx =
      RopeGradOp::create(b, getLoc(), getInput().getType(), cotangents[0],
                         getPositions(), getHeadDimAttr(), getThetaAttr());
  if (getPositions())
    return SmallVector<Value>{dx, Value()};
  return SmallVector<Value>{dx};
}

VJP AttentionOp::buildVJP(OpBuilder &b, ValueRange cotangents) {
  auto grad = AttentionGradOp::create(
      b, getLoc(), getQuery().getType(), getKey().getType(),
      getValue().getType(), getQuery(), getKey(), getValue(), getResult(),
      cotangents[0], getPositions(), getNumHeadsAttr(), getNumKvHeadsAttr(),
      getCausalAttr());
  SmallVector<Value> grads{grad.getQueryGrad(), grad.getKeyGrad(),
                           grad.getValueGrad()};
  if (getPositions())
    grads.push_back(Value()); // integer positions: no gradient
  return grads;
}

VJP SwiGLUOp::buildVJP(OpBuilder &b, ValueRange cotangents) {
  auto grad =
      SwiGLUGradOp::create(b, getLoc(), getGate().getType(), getUp().getType(),
                           getGate(), getUp(), cotangents[0]);
  return SmallVector<Value>{grad.getGateGrad(), grad.getUpGrad()};
}

VJP AddOp::buildVJP(OpBuilder &, ValueRange cotangents) {
  return SmallVector<Value>{cotangents[0], cotangents[0]};
}

VJP ScaleOp::buildVJP(OpBuilder &b, ValueRange cotangents) {
  Value dx =
      ScaleOp::create(b, getLoc(), getType(), cotangents[0], getFactorAttr());
  return SmallVector<Value>{dx};
}

VJP SubOp::buildVJP(OpBuilder &, ValueRange) {
  return emitOpError() << "is not differentiable yet (no negation op)";
}

VJP MulOp::buildVJP(OpBuilder &b, ValueRange cotangents) {
  Value dl = MulOp::create(b, getLoc(), getType(), cotangents[0], getRhs());
  Value dr = MulOp::create(b, getLoc(), getType(), cotangents[0], getLhs());
  return SmallVector<Value>{dl, dr};
}

VJP HeadCrossEntropyOp::buildVJP(OpBuilder &b, ValueRange cotangents) {
  // The loss's cotangent must be a known constant (1 for the loss being
  // minimized): it becomes the gradient op's `scale`.
  FloatAttr scale;
  DenseElementsAttr splat;
  if (!matchPattern(cotangents[0], m_Constant(&splat)) || !splat.isSplat())
    return emitOpError() << "can only be differentiated as the loss (its "
                            "cotangent must be a constant)";
  scale = b.getF64FloatAttr(splat.getSplatValue<APFloat>().convertToDouble());
  auto grad = HeadCrossEntropyGradOp::create(
      b, getLoc(), getInput().getType(), getWeight().getType(), getInput(),
      getWeight(), getTargets(), getWeights(), getIgnoreIndexAttr(), scale);
  // No gradient for the targets or the selection's weights.
  SmallVector<Value> grads{grad.getInputGrad(), grad.getWeightGrad(), Value()};
  if (getWeights())
    grads.push_back(Value());
  return grads;
}

VJP GatherOp::buildVJP(OpBuilder &b, ValueRange cotangents) {
  if (!isa<FloatType>(getInput().getType().getElementType()))
    return SmallVector<Value>{Value(), Value()};
  Value dx = GatherGradOp::create(b, getLoc(), getInput().getType(),
                                  cotangents[0], getPositions());
  return SmallVector<Value>{dx, Value()};
}

//===----------------------------------------------------------------------===//
// Mixture of experts
//===----------------------------------------------------------------------===//

VJP MoeRouteOp::buildVJP(OpBuilder &b, ValueRange cotangents) {
  // Results: probs, expert, gate, slot_row, counts. Only the gates carry the
  // task loss's gradient; the aux losses' gradients are added here.
  if (cotangents[0])
    return emitOpError() << "probs must not reach the loss (the router's "
                            "losses are the op's balance_coeff and z_coeff)";
  if (!cotangents[2])
    return emitOpError() << "gate must reach the loss (combine the experts' "
                            "outputs with cherry.moe_combine)";
  Value dlogits = MoeRouteGradOp::create(
      b, getLoc(), getLogits().getType(), getLogits(), getProbs(), getExpert(),
      getGate(), getCounts(), cotangents[2], /*balance_stats=*/Value(),
      getTopKAttr(), getRenormalizeAttr(), getBalanceCoeffAttr(),
      getZCoeffAttr());
  return SmallVector<Value>{dlogits};
}

VJP MoeDispatchOp::buildVJP(OpBuilder &b, ValueRange cotangents) {
  Value dx =
      MoeDispatchGradOp::create(b, getLoc(), getInput().getType(),
                                cotangents[0], getSlotRow(), getTopKAttr());
  return SmallVector<Value>{dx, Value()};
}

VJP MoeExchangeOp::buildVJP(OpBuilder &b, ValueRange cotangents) {
  // The exchange moves rows: its transpose moves them back.
  Value d = MoeExchangeOp::create(b, getLoc(), getInput().getType(),
                                  cotangents[0], getCounts(), getReceived(),
                                  getRanksAttr(), b.getBoolAttr(!getReverse()));
  return SmallVector<Value>{d, Value(), Value()};
}

VJP MoeGroupedLinearOp::buildVJP(OpBuilder &b, ValueRange cotangents) {
  auto grad = MoeGroupedLinearGradOp::create(
      b, getLoc(), getInput().getType(), getWeight().getType(), getInput(),
      getWeight(), getCounts(), cotangents[0]);
  return SmallVector<Value>{grad.getInputGrad(), grad.getWeightGrad(), Value()};
}

VJP MoeCombineOp::buildVJP(OpBuilder &b, ValueRange cotangents) {
  auto grad = MoeCombineGradOp::create(b, getLoc(), getInput().getType(),
                                       getGate().getType(), getInput(),
                                       getSlotRow(), getGate(), cotangents[0]);
  return SmallVector<Value>{grad.getInputGrad(), Value(), grad.getGateGrad()};
}
