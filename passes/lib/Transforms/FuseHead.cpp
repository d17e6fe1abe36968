//===- FuseHead.cpp - linear + cross_entropy -> head_cross_entropy --------===//

#include "cherry/Dialect/Cherry/IR/CherryOps.h"
#include "cherry/Transforms/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::cherry {
#define GEN_PASS_DEF_CHERRYFUSEHEADPASS
#include "cherry/Transforms/Passes.h.inc"
} // namespace mlir::cherry

using namespace mlir;
using namespace mlir::cherry;

namespace {

struct FuseHeadPattern : public OpRewritePattern<CrossEntropyOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(CrossEntropyOp ce,
                                PatternRewriter &rewriter) const override {
    auto head = ce.getLogits().getDefiningOp<LinearOp>();
    if (!head || !head->hasOneUse() || head.getBias())
      return rewriter.notifyMatchFailure(ce, "logits are not a bias-free "
                                             "linear used only here");
    rewriter.replaceOpWithNewOp<HeadCrossEntropyOp>(
        ce, ce.getLoss().getType(), head.getInput(), head.getWeight(),
        ce.getTargets(), ce.getWeights(), ce.getIgnoreIndexAttr());
    rewriter.eraseOp(head);
    return success();
  }
};

struct FuseHeadPass
    : public mlir::cherry::impl::CherryFuseHeadPassBase<FuseHeadPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FuseHeadPattern>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
