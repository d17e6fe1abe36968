//===- DataParallel.cpp - Average gradients over the ranks of a run -------===//
//
// Rewrites a training step (cherry-optimizer's `train_step(ids, targets,
// [sgt_mask,] hyper) -> (loss, grad_sq_norm)`) for data parallelism over
// `ranks` ranks: this rank's share of the supervised tokens
// (`cherry.rank_share` of `hyper`), then the gradients in buckets of at most
// `bucket-mb` MiB, each reduced by one `cherry.all_reduce` right after the op
// that finishes its last gradient. The clipping norm and the updates read
// the reduced gradients, so every rank applies the same update; the loss is
// reduced with the last bucket.
//
// Bucket order is the order in which the backward pass finishes the
// gradients (reverse layer order: the head and final norm, the layers from
// last to first, the embedding), so the first bucket is ready while the
// backward pass still runs through the lower layers.
//
//===----------------------------------------------------------------------===//

#include "cherry/Dialect/Cherry/IR/CherryOps.h"
#include "cherry/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>

namespace mlir::cherry {
#define GEN_PASS_DEF_CHERRYDATAPARALLELPASS
#include "cherry/Transforms/Passes.h.inc"
} // namespace mlir::cherry

using namespace mlir;
using namespace mlir::cherry;

namespace {

int64_t bytesOf(Value v) {
  auto t = cast<RankedTensorType>(v.getType());
  return t.getNumElements() * ((t.getElementTypeBitWidth() + 7) / 8);
}

struct DataParallelPass
    : public mlir::cherry::impl::CherryDataParallelPassBase<DataParallelPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (ranks < 2) {
      emitError(module.getLoc())
          << "cherry-data-parallel: ranks must be at least 2, found "
          << int64_t(ranks) << " (one rank needs no reduction)";
      return signalPassFailure();
    }
    if (!(bucketMb > 0) || !std::isfinite(bucketMb)) {
      emitError(module.getLoc())
          << "cherry-data-parallel: bucket-mb must be positive, found "
          << double(bucketMb);
      return signalPassFailure();
    }
    auto func = module.lookupSymbol<func::FuncOp>(function);
    if (!func || func.isExternal()) {
      emitError(module.getLoc()) << "cherry-data-parallel: no function @"
                                 << function << " (run cherry-optimizer first)";
      return signalPassFailure();
    }
    Block &body = func.getBody().front();
    if (!body.getOps<AllReduceOp>().empty() ||
        !body.getOps<RankShareOp>().empty()) {
      emitError(func.getLoc()) << "cherry-data-parallel: @" << function
                               << " already reduces across ranks";
      return signalPassFailure();
    }
    auto norms = body.getOps<GradSquaredNormOp>();
    if (!llvm::hasSingleElement(norms) || func.getNumArguments() == 0) {
      emitError(func.getLoc())
          << "cherry-data-parallel: @" << function
          << " has no cherry.grad_sq_norm of its gradients (run "
             "cherry-optimizer first)";
      return signalPassFailure();
    }
    GradSquaredNormOp norm = *norms.begin();
    // cherry-optimizer appends `hyper` as the last argument.
    Value hyper = func.getArgument(func.getNumArguments() - 1);
    auto hyperType = dyn_cast<RankedTensorType>(hyper.getType());
    if (!hyperType || hyperType.getShape() != ArrayRef<int64_t>{8}) {
      emitError(func.getLoc()) << "cherry-data-parallel: the last argument of @"
                               << function << " is not hyper (tensor<8xf32>)";
      return signalPassFailure();
    }

    // Gradients in the order the backward pass finishes them.
    llvm::DenseMap<Operation *, int64_t> position;
    int64_t index = 0;
    for (Operation &op : body)
      position[&op] = index++;
    SmallVector<Value> grads(norm.getGrads().begin(), norm.getGrads().end());
    for (Value g : grads)
      if (!g.getDefiningOp() || g.getDefiningOp()->getBlock() != &body) {
        emitError(func.getLoc()) << "cherry-data-parallel: a gradient of @"
                                 << function << " is not computed in its body";
        return signalPassFailure();
      }
    auto finished = [&](Value v) {
      return std::make_pair(position.lookup(v.getDefiningOp()),
                            int64_t(cast<OpResult>(v).getResultNumber()));
    };
    std::stable_sort(grads.begin(), grads.end(), [&](Value a, Value b) {
      return finished(a) < finished(b);
    });
    // The same gradient twice (one value for two parameters) is reduced
    // once.
    grads.erase(std::unique(grads.begin(), grads.end()), grads.end());

    const double limit = bucketMb * 1048576.0;
    SmallVector<SmallVector<Value>> buckets;
    double bytes = 0;
    for (Value g : grads) {
      if (buckets.empty() || (bytes > 0 && bytes + bytesOf(g) > limit)) {
        buckets.emplace_back();
        bytes = 0;
      }
      buckets.back().push_back(g);
      bytes += bytesOf(g);
    }
    auto ret = cast<func::ReturnOp>(body.getTerminator());
    Value loss = ret.getOperand(0);
    if (!loss.getDefiningOp()) {
      emitError(func.getLoc()) << "cherry-data-parallel: the loss of @"
                               << function << " is not computed in its body";
      return signalPassFailure();
    }

    OpBuilder b(&getContext());
    b.setInsertionPointToStart(&body);
    Value share = RankShareOp::create(b, func.getLoc(),
                                      RankedTensorType::get({}, b.getF32Type()),
                                      hyper, b.getI64IntegerAttr(ranks))
                      .getResult();
    Operation *previous = share.getDefiningOp();
    for (auto [i, bucket] : llvm::enumerate(buckets)) {
      SmallVector<Value> values(bucket);
      if (i + 1 == buckets.size())
        values.push_back(loss);
      // After the bucket's last value and after the previous bucket.
      Operation *after = previous;
      for (Value v : values)
        if (after->isBeforeInBlock(v.getDefiningOp()))
          after = v.getDefiningOp();
      b.setInsertionPointAfter(after);
      SmallVector<Type> types;
      for (Value v : values)
        types.push_back(v.getType());
      auto reduce =
          AllReduceOp::create(b, values.back().getLoc(), types, share, values,
                              b.getI64IntegerAttr(ranks), b.getBoolAttr(true));
      for (auto [v, reduced] : llvm::zip(values, reduce.getResults()))
        v.replaceUsesWithIf(reduced, [&](OpOperand &use) {
          return use.getOwner() != reduce.getOperation();
        });
      previous = reduce;
    }
    if (zero && failed(shardMoments(module, func)))
      return signalPassFailure();
  }

  /// ZeRO-1: each AdamW update keeps the moments of its rank's shard only.
  LogicalResult shardMoments(ModuleOp module, func::FuncOp func) {
    if (!func.getBody().getOps<SGDUpdateOp>().empty())
      return emitError(func.getLoc())
             << "cherry-data-parallel: zero=1 shards AdamW's moments; SGD "
                "keeps no optimizer state (compile with optimizer=adamw)";
    int64_t whole = 0, sharded = 0;
    for (AdamWUpdateOp update : func.getBody().getOps<AdamWUpdateOp>()) {
      auto grad = cast<RankedTensorType>(update.getGrad().getType());
      const int64_t n = grad.getNumElements();
      const int64_t shard = (n + ranks - 1) / ranks;
      auto type = RankedTensorType::get({shard}, grad.getElementType());
      for (FlatSymbolRefAttr sym : {update.getMAttr(), update.getVAttr()}) {
        auto moment = module.lookupSymbol<ParamOp>(sym);
        if (!moment)
          return update.emitOpError() << "names no moment parameter " << sym;
        moment.setTypeAttr(TypeAttr::get(type));
        whole += 4 * n;
        sharded += 4 * shard;
      }
      update.setShards(ranks);
    }
    if (report)
      llvm::errs() << llvm::formatv(
          "cherry-data-parallel: @{0}: zero=1: AdamW moments {1} bytes per "
          "rank ({2:f2} MiB) instead of {3} ({4:f2} MiB) on {5} ranks, "
          "{6:f2} MiB saved per rank\n",
          func.getName(), sharded, sharded / 1048576.0, whole,
          whole / 1048576.0, int64_t(ranks), (whole - sharded) / 1048576.0);
    return success();
  }
};

} // namespace
