//===- CherryCost.cpp - CostOpInterface for every cherry op ---------------===//
//
// FLOP conventions (also in docs/CostModel.md): a multiply-add is 2 FLOPs;
// element-wise work counts the arithmetic per element listed at each op.
// Backward defaults to twice the forward (input and weight gradients).
//
//===----------------------------------------------------------------------===//

#include "cherry/Dialect/Cherry/IR/CherryCost.h"
#include "cherry/Dialect/Cherry/IR/CherryOps.h"

#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace mlir::cherry;

static int64_t numel(Value v) {
  return cast<RankedTensorType>(v.getType()).getNumElements();
}

FlopCount mlir::cherry::getBlockFlops(Block &block) {
  FlopCount total;
  for (Operation &op : block)
    if (auto cost = dyn_cast<CostOpInterface>(op))
      total += {cost.getForwardFlops(), cost.getBackwardFlops()};
  return total;
}

static FlopCount getRegionFlops(Region &region) {
  return getBlockFlops(region.front());
}

// Parameters: no arithmetic.
int64_t ParamOp::getForwardFlops() { return 0; }
int64_t ParamOp::getParameterCount() {
  return getTensorType().getNumElements();
}
int64_t ParamRefOp::getForwardFlops() { return 0; }
int64_t YieldOp::getForwardFlops() { return 0; }
int64_t ShiftTargetsOp::getForwardFlops() { return 0; }

// A table lookup; its gradient scatter-adds one row per id.
int64_t EmbeddingOp::getForwardFlops() { return 0; }
int64_t EmbeddingOp::getBackwardFlops() { return numel(getResult()); }

// square, accumulate, scale by rsqrt, multiply by the gain: 4 per element.
int64_t RMSNormOp::getForwardFlops() { return 4 * numel(getInput()); }

int64_t LinearOp::getForwardFlops() {
  auto weight = cast<RankedTensorType>(getWeight().getType());
  int64_t out = weight.getDimSize(0), in = weight.getDimSize(1);
  int64_t rows = numel(getInput()) / in;
  return 2 * rows * in * out + (getBias() ? rows * out : 0);
}

// x*cos + rotate_half(x)*sin: 3 per element.
int64_t RopeOp::getForwardFlops() { return 3 * numel(getInput()); }

// Per scored (query, key) pair and head: 2*head_dim for q·k, 2*head_dim for
// the weighted sum of values, and 5 for scale, max, exp, sum and normalise.
int64_t AttentionOp::getForwardFlops() {
  int64_t batch = cast<RankedTensorType>(getQuery().getType()).getDimSize(0);
  return batch * getNumHeads() * getScoredPairs() * (4 * getHeadDim() + 5);
}

// sigmoid (exp, add, divide) then two multiplies: 5 per element.
int64_t SwiGLUOp::getForwardFlops() { return 5 * numel(getResult()); }

int64_t AddOp::getForwardFlops() { return numel(getResult()); }
int64_t ScaleOp::getForwardFlops() { return numel(getResult()); }
int64_t SubOp::getForwardFlops() { return numel(getResult()); }
int64_t MulOp::getForwardFlops() { return numel(getResult()); }

// max, subtract-and-exp, sum, and the target pick: 4 per logit.
int64_t CrossEntropyOp::getForwardFlops() { return 4 * numel(getLogits()); }
int64_t TokenCrossEntropyOp::getForwardFlops() {
  return 4 * numel(getLogits());
}

int64_t SelectiveCrossEntropyOp::getForwardFlops() {
  auto logits = cast<RankedTensorType>(getLogits().getType());
  int64_t selected = numel(getPositions());
  return 4 * selected * logits.getDimSize(2);
}

// One score comparison per position; selection carries no gradient.
int64_t SgtSelectOp::getForwardFlops() { return numel(getTargets()); }
int64_t SgtSelectOp::getBackwardFlops() { return 0; }

// A copy forward; the gradient scatter-adds the gathered elements back.
int64_t GatherOp::getForwardFlops() { return 0; }
int64_t GatherOp::getBackwardFlops() {
  return isa<FloatType>(getElementTypeOrSelf(getResult().getType()))
             ? numel(getResult())
             : 0;
}

int64_t DecoderLayerOp::getForwardFlops() {
  return getRegionFlops(getBody()).forward;
}
int64_t DecoderLayerOp::getBackwardFlops() {
  return getRegionFlops(getBody()).backward;
}

static FlopCount getRecurrentFlops(RecurrentOp op) {
  SmallVector<FlopCount> perLayer;
  for (Region &region : op.getLayers())
    perLayer.push_back(getRegionFlops(region));
  FlopCount total;
  for (int64_t layer : op.getSchedule())
    total += perLayer[layer];
  return total;
}
int64_t RecurrentOp::getForwardFlops() {
  return getRecurrentFlops(*this).forward;
}
int64_t RecurrentOp::getBackwardFlops() {
  return getRecurrentFlops(*this).backward;
}

// Router scores (a [tokens, hidden] x [hidden, experts] product and a
// softmax of 4 per score, or mean pooling first for sequence routing), top_k
// experts per token at the experts' mean cost, and a weighted sum of top_k
// outputs (2 per element each).
static FlopCount getMoEEFlops(MoEEOp op) {
  auto input = cast<RankedTensorType>(op.getInput().getType());
  int64_t batch = input.getDimSize(0), seq = input.getDimSize(1),
          hidden = input.getDimSize(2);
  int64_t experts = op.getExperts().size(), topK = op.getTopK();
  int64_t routed = op.getRouting() == Routing::token ? batch * seq : batch;
  int64_t pooling =
      op.getRouting() == Routing::token ? 0 : batch * seq * hidden;
  int64_t router =
      pooling + 2 * routed * hidden * experts + 4 * routed * experts;
  FlopCount expertSum;
  for (Region &region : op.getExperts())
    expertSum += getRegionFlops(region);
  int64_t combine = 2 * topK * numel(op.getResult());
  return {router + topK * expertSum.forward / experts + combine,
          2 * router + topK * expertSum.backward / experts + 2 * combine};
}
int64_t MoEEOp::getForwardFlops() { return getMoEEFlops(*this).forward; }
int64_t MoEEOp::getBackwardFlops() { return getMoEEFlops(*this).backward; }

int64_t MTPHeadOp::getForwardFlops() {
  return getRegionFlops(getBody()).forward;
}
int64_t MTPHeadOp::getBackwardFlops() {
  return getRegionFlops(getBody()).backward;
}

//===----------------------------------------------------------------------===//
// Fused head and gradient ops
//===----------------------------------------------------------------------===//

static int64_t rowsOf(Value v) {
  auto t = cast<RankedTensorType>(v.getType());
  return t.getNumElements() / t.getShape().back();
}

// The head's matmul plus 4 per logit for the softmax cross-entropy.
int64_t HeadCrossEntropyOp::getForwardFlops() {
  auto w = cast<RankedTensorType>(getWeight().getType());
  int64_t vocab = w.getDimSize(0), dim = w.getDimSize(1);
  return rowsOf(getInput()) * vocab * (2 * dim + 4);
}

int64_t LinearGradInputOp::getForwardFlops() {
  auto w = cast<RankedTensorType>(getWeight().getType());
  return 2 * rowsOf(getGrad()) * w.getDimSize(0) * w.getDimSize(1);
}
int64_t LinearGradWeightOp::getForwardFlops() {
  auto dw = cast<RankedTensorType>(getResult().getType());
  return 2 * rowsOf(getGrad()) * dw.getDimSize(0) * dw.getDimSize(1);
}
// One add per gradient element scattered.
int64_t EmbeddingGradOp::getForwardFlops() { return numel(getGrad()); }
// Two row reductions and the update of dx and dw: 8 per element.
int64_t RMSNormGradOp::getForwardFlops() { return 8 * numel(getInput()); }
int64_t RopeGradOp::getForwardFlops() { return 3 * numel(getGrad()); }
// Flash-style backward: the scores recomputed (q·k), dv, dp, dq and dk are
// five head_dim-long products per scored pair against the forward's two.
int64_t AttentionGradOp::getForwardFlops() {
  auto q = cast<RankedTensorType>(getQuery().getType());
  int64_t heads = getNumHeads(), headDim = q.getDimSize(2) / heads;
  int64_t tq = q.getDimSize(1);
  int64_t tk = cast<RankedTensorType>(getKey().getType()).getDimSize(1);
  // As AttentionOp::getScoredPairs.
  int64_t pairs = !getCausal()     ? tq * tk
                  : getPositions() ? tq * (tk + 1) / 2
                                   : tq * (tq + 1) / 2;
  return q.getDimSize(0) * heads * pairs * (10 * headDim + 8);
}
// silu, its derivative and the two products: 10 per element.
int64_t SwiGLUGradOp::getForwardFlops() { return 10 * numel(getGate()); }
// Logits recomputed, then dh and dw: three matmuls, and 4 per logit.
int64_t HeadCrossEntropyGradOp::getForwardFlops() {
  auto w = cast<RankedTensorType>(getWeight().getType());
  int64_t vocab = w.getDimSize(0), dim = w.getDimSize(1);
  return rowsOf(getInput()) * vocab * (6 * dim + 4);
}

// A multiply-add per gradient element.
int64_t GradSquaredNormOp::getForwardFlops() {
  int64_t total = 0;
  for (Value g : getGrads())
    total += 2 * numel(g);
  return total;
}
// Moments, bias correction, square root, division and decay: 12 per element.
int64_t AdamWUpdateOp::getForwardFlops() { return 12 * numel(getGrad()); }
int64_t AdamWUpdateOp::getBackwardFlops() { return 0; }
// Clip, decay and step: 4 per element.
int64_t SGDUpdateOp::getForwardFlops() { return 4 * numel(getGrad()); }
int64_t SGDUpdateOp::getBackwardFlops() { return 0; }

// One add per scattered element.
int64_t GatherGradOp::getForwardFlops() { return numel(getGrad()); }

//===----------------------------------------------------------------------===//
// Mixture of experts
//===----------------------------------------------------------------------===//

// Softmax (4 per score) and a top_k selection (top_k comparisons per score);
// the counting sort moves indices only. Backward: the gates' gradient
// through the chosen experts (4 per slot) and each aux loss's gradient
// through the softmax (4 per score).
int64_t MoeRouteOp::getForwardFlops() {
  return numel(getLogits()) * (4 + getTopK());
}
/// The router's gradient: moe_route's backward and moe_route_grad's forward.
template <typename RouteOp> static int64_t routeGradFlops(RouteOp op) {
  int64_t aux = (op.hasBalanceLoss() ? 1 : 0) +
                (op.getZCoeff().convertToDouble() > 0 ? 1 : 0);
  return 4 * numel(op.getGate()) + 4 * aux * numel(op.getLogits());
}
int64_t MoeRouteOp::getBackwardFlops() { return routeGradFlops(*this); }
int64_t MoeRouteGradOp::getForwardFlops() { return routeGradFlops(*this); }
// A sum over tokens per expert.
int64_t MoeBalanceStatsOp::getForwardFlops() { return numel(getProbs()); }
// Dispatch copies rows; its gradient adds each token's top_k rows.
int64_t MoeDispatchOp::getForwardFlops() { return 0; }
int64_t MoeDispatchOp::getBackwardFlops() { return numel(getResult()); }
int64_t MoeDispatchGradOp::getForwardFlops() { return numel(getGrad()); }
// One GEMM per expert over its rows: 2 * rows * out * in whatever the
// split, so the FLOPs are those of the top_k experts each token runs.
int64_t MoeGroupedLinearOp::getForwardFlops() {
  auto w = cast<RankedTensorType>(getWeight().getType());
  return 2 * rowsOf(getInput()) * w.getDimSize(1) * w.getDimSize(2);
}
int64_t MoeGroupedLinearGradOp::getForwardFlops() {
  auto w = cast<RankedTensorType>(getWeight().getType());
  return 4 * rowsOf(getInput()) * w.getDimSize(1) * w.getDimSize(2);
}
// A multiply-add per element of each of a token's top_k rows; backward
// the input gradient (a multiply) and the gate's dot product (2).
int64_t MoeCombineOp::getForwardFlops() { return 2 * numel(getInput()); }
int64_t MoeCombineOp::getBackwardFlops() { return 3 * numel(getInput()); }
int64_t MoeCombineGradOp::getForwardFlops() { return 3 * numel(getInput()); }
// Collectives count the additions of the reduction: one per element (the
// bytes they move are the cost report's, docs/CostModel.md).
int64_t RankShareOp::getForwardFlops() { return 1; }
int64_t RankSharesOp::getForwardFlops() { return getRanks(); }
// Expert parallelism moves rows; it adds nothing.
int64_t MoeExchangeCountsOp::getForwardFlops() { return 0; }
int64_t MoeExchangeOp::getForwardFlops() { return 0; }
int64_t MoeScaleSourceRowsOp::getForwardFlops() { return numel(getInput()); }
int64_t AllReduceOp::getForwardFlops() {
  int64_t total = 0;
  for (Value x : getInputs())
    total += numel(x);
  return total;
}
