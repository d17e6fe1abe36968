//===- Mtp.cpp - Multi-token prediction heads -----------------------------===//
//
// cherry-mtp adds D heads that predict the tokens 2 ... D+1 positions ahead
// to the training objective, in the layout of Gloeckle et al. (2024): the
// trunk is every layer but the last; the ordinary next-token head is the
// last layer followed by the final norm and the unembedding, and head k is
// its own transformer layer on the same trunk output followed by the same
// (shared) final norm and unembedding. Head k's layer starts as a copy of
// the last layer, so at initialization it predicts what the next-token head
// predicts. The objective is L_next + (weight / D) * sum_k L_k; with
// objective=false the function instead returns each head's loss as its own
// result (marked cherry.mtp_head = k) after the next-token loss, for the
// evaluation step (per-head held-out losses) and the speculative decoding
// step (per-head logits).
//
//===----------------------------------------------------------------------===//

#include "cherry/Dialect/Cherry/IR/CherryAttrs.h"
#include "cherry/Dialect/Cherry/IR/CherryOps.h"
#include "cherry/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/SymbolTable.h"

#include <cmath>

namespace mlir::cherry {
#define GEN_PASS_DEF_CHERRYMTPPASS
#include "cherry/Transforms/Passes.h.inc"
} // namespace mlir::cherry

using namespace mlir;
using namespace mlir::cherry;

namespace {

struct MtpPass : public mlir::cherry::impl::CherryMtpPassBase<MtpPass> {
  using Base::Base;

  void runOnOperation() override {
    if (failed(run()))
      signalPassFailure();
  }

  LogicalResult run() {
    ModuleOp module = getOperation();
    auto func = module.lookupSymbol<func::FuncOp>(function);
    if (!func)
      return emitError(module.getLoc())
             << "cherry-mtp: no function @" << function;
    if (heads < 1)
      return func.emitError() << "cherry-mtp: heads must be at least 1, found "
                              << int64_t(heads);
    if (!std::isfinite(weight) || weight <= 0)
      return func.emitError() << "cherry-mtp: weight must be a positive number";
    if (!cloneTo.empty()) {
      OpBuilder builder(func);
      builder.setInsertionPointAfter(func);
      auto copy = cast<func::FuncOp>(builder.clone(*func));
      copy.setName(cloneTo);
      func = copy;
    }

    // The next-token loss: cross_entropy(linear(rms_norm(last layer))).
    SmallVector<CrossEntropyOp> losses;
    func.walk([&](CrossEntropyOp ce) { losses.push_back(ce); });
    if (losses.size() != 1)
      return func.emitError()
             << "cherry-mtp: @" << func.getName()
             << " must have exactly one cross_entropy, found " << losses.size();
    CrossEntropyOp ce = losses.front();
    auto head = ce.getLogits().getDefiningOp<LinearOp>();
    auto norm = head ? head.getInput().getDefiningOp<RMSNormOp>() : nullptr;
    auto last =
        norm ? norm.getInput().getDefiningOp<DecoderLayerOp>() : nullptr;
    if (!last || ce.getWeights() || head.getBias())
      return ce.emitOpError()
             << "cherry-mtp: expected the loss to be an unweighted "
                "cross_entropy of linear(rms_norm(<last decoder_layer>))";
    auto targetsType = cast<RankedTensorType>(ce.getTargets().getType());
    if (targetsType.getRank() != 2 || targetsType.getDimSize(1) <= heads)
      return ce.emitOpError()
             << "cherry-mtp: targets must be [batch, seq] with seq > heads ("
             << int64_t(heads) << "), found " << targetsType;
    auto ret = cast<func::ReturnOp>(func.getBody().front().getTerminator());
    if (ret.getNumOperands() != 1 || ret.getOperand(0) != ce.getLoss())
      return ret.emitOpError() << "cherry-mtp: @" << func.getName()
                               << " must return the cross_entropy's loss";

    SymbolTable symbols(module);
    OpBuilder b(ret);
    Location loc = ce.getLoc();
    Value sum;
    SmallVector<Value> headLosses;
    for (int64_t k = 1; k <= heads; ++k) {
      FailureOr<DecoderLayerOp> layer = cloneHeadLayer(last, k, symbols, b);
      if (failed(layer))
        return failure();
      auto n = RMSNormOp::create(b, norm.getLoc(), norm.getType(),
                                 layer->getResult(), norm.getWeight(),
                                 norm.getEpsAttr());
      auto logits = LinearOp::create(b, head.getLoc(), head.getType(), n,
                                     head.getWeight(), Value());
      auto shifted = ShiftTargetsOp::create(
          b, loc, targetsType, ce.getTargets(), b.getI64IntegerAttr(k),
          b.getI64IntegerAttr(ce.getIgnoreIndex()));
      auto loss =
          CrossEntropyOp::create(b, loc, ce.getLoss().getType(), logits,
                                 shifted, Value(), ce.getIgnoreIndexAttr());
      loss->setAttr("cherry.mtp_offset", b.getI64IntegerAttr(k + 1));
      headLosses.push_back(loss.getResult());
      if (!objective)
        continue;
      sum = sum ? AddOp::create(b, loc, sum.getType(), sum, loss).getResult()
                : loss.getResult();
    }
    if (!objective) {
      for (auto [k, loss] : llvm::enumerate(headLosses)) {
        unsigned index = func.getNumResults();
        NamedAttribute attr =
            b.getNamedAttr(kMtpHeadAttr, b.getI64IntegerAttr(k + 1));
        if (failed(func.insertResult(index, loss.getType(),
                                     b.getDictionaryAttr(attr))))
          return func.emitError() << "cherry-mtp: could not add result "
                                  << index << " to @" << func.getName();
        ret->insertOperands(index, loss);
      }
      return success();
    }
    auto scaled = ScaleOp::create(b, loc, sum.getType(), sum,
                                  b.getF64FloatAttr(weight / double(heads)));
    auto total = AddOp::create(b, loc, sum.getType(), ce.getLoss(), scaled);
    ret->setOperand(0, total);
    return success();
  }

  /// Head k's layer: a copy of `last` on the same input, reading its own
  /// parameters `model.mtp_heads.{k}.<name in the layer>` (also their
  /// checkpoint names), each a copy (one-source mean_of) of the last
  /// layer's.
  FailureOr<DecoderLayerOp> cloneHeadLayer(DecoderLayerOp last, int64_t k,
                                           SymbolTable &symbols, OpBuilder &b) {
    auto layer = cast<DecoderLayerOp>(b.clone(*last));
    layer.setIndex(k);
    MLIRContext *ctx = &getContext();
    WalkResult walk = layer.walk([&](ParamRefOp ref) {
      StringRef local = layerLocalName(ref.getParam());
      if (local.empty()) {
        ref.emitOpError() << "cherry-mtp: the last layer reads @"
                          << ref.getParam()
                          << ", which is not a layer parameter";
        return WalkResult::interrupt();
      }
      std::string name =
          "model.mtp_heads." + std::to_string(k) + "." + local.str();
      auto own = symbols.lookup<ParamOp>(name);
      if (!own) {
        auto source = symbols.lookup<ParamOp>(ref.getParam());
        // After the previous head's copy, so that heads stay in order.
        ParamOp after = source;
        if (k > 1)
          if (auto previous = symbols.lookup<ParamOp>("model.mtp_heads." +
                                                      std::to_string(k - 1) +
                                                      "." + local.str()))
            after = previous;
        OpBuilder builder(after);
        builder.setInsertionPointAfter(after);
        own = ParamOp::create(
            builder, source.getLoc(), StringAttr::get(ctx, name),
            TypeAttr::get(source.getType()),
            MeanOfInitAttr::get(
                ctx, ArrayAttr::get(ctx, {FlatSymbolRefAttr::get(
                                             source.getSymNameAttr())})),
            // Saved and loaded under its own name (model.safetensors), so
            // that evaluation and decoding read the trained heads.
            /*checkpoint=*/StringAttr::get(ctx, name),
            /*trainable=*/builder.getBoolAttr(true));
        symbols.insert(own, std::next(Block::iterator(after)));
      }
      ref.setParamAttr(FlatSymbolRefAttr::get(own.getSymNameAttr()));
      return WalkResult::advance();
    });
    if (walk.wasInterrupted())
      return failure();
    return layer;
  }
};

} // namespace
