//===- DataParallel.cpp - Average gradients over the ranks of a run -------===//
//
// Rewrites a training step (cherry-optimizer's `train_step(ids, targets,
// [sgt_mask,] hyper) -> (loss, grad_sq_norm)`) for data parallelism over
// `ranks` ranks: this rank's share of the supervised tokens
// (`cherry.rank_share` of `hyper`), then the gradients in buckets of at most
// `bucket-mb` MiB, each reduced by one `cherry.all_reduce` right after the op
// that finishes its last gradient. The clipping norm and the updates read
// the reduced gradients, so every rank applies the same update; the loss is
// reduced with the last bucket. A mixture's routers with a balance loss
// sum their per-expert statistics over the ranks (cherry.moe_balance_stats
// and a cherry.all_reduce), so that the balance loss is the global batch's.
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
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/SmallPtrSet.h"
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
    // Expert parallelism: a sharded expert weight's gradient already sums
    // the rows of every rank's tokens routed to it; it stays on its rank.
    llvm::SmallPtrSet<Operation *, 8> shardedParams;
    llvm::DenseSet<Value> expertGrads;
    for (ParamOp p : module.getOps<ParamOp>())
      if (p->hasAttr(kExpertShardsAttr))
        shardedParams.insert(p);
    if (!shardedParams.empty() && !expertParallel) {
      emitError(func.getLoc())
          << "cherry-data-parallel: @" << function
          << " has expert weights sharded over ranks (cherry-expert-parallel); "
             "give expert-parallel=1";
      return signalPassFailure();
    }
    if (expertParallel) {
      if (zero) {
        emitError(func.getLoc())
            << "cherry-data-parallel: zero=1 with expert-parallel=1 is not "
               "supported (shard the optimizer state of data-parallel runs "
               "only)";
        return signalPassFailure();
      }
      if (shardedParams.empty()) {
        emitError(func.getLoc())
            << "cherry-data-parallel: expert-parallel=1, but @" << function
            << " has no expert weights sharded over ranks (run "
               "cherry-expert-parallel on a mixture first)";
        return signalPassFailure();
      }
      for (Operation &op : body) {
        FlatSymbolRefAttr param, m, v;
        Value grad;
        if (auto u = dyn_cast<AdamWUpdateOp>(op)) {
          param = u.getParamAttr();
          m = u.getMAttr();
          v = u.getVAttr();
          grad = u.getGrad();
        } else if (auto u = dyn_cast<SGDUpdateOp>(op)) {
          param = u.getParamAttr();
          grad = u.getGrad();
        } else {
          continue;
        }
        Operation *p = module.lookupSymbol(param);
        if (!p || !shardedParams.contains(p))
          continue;
        expertGrads.insert(grad);
        // The moments of an expert slice are that slice's.
        for (FlatSymbolRefAttr moment : {m, v})
          if (moment)
            if (Operation *state = module.lookupSymbol(moment))
              state->setAttr(kExpertShardsAttr, p->getAttr(kExpertShardsAttr));
      }
      grads.erase(std::remove_if(grads.begin(), grads.end(),
                                 [&](Value g) { return expertGrads.count(g); }),
                  grads.end());
    }

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
    reduceBalanceStatistics(body, share);
    if (expertParallel &&
        failed(weighExpertGradients(func, hyper, share, shardedParams, norm)))
      return signalPassFailure();
    if (zero && failed(shardMoments(module, func)))
      return signalPassFailure();
  }

  /// The balance loss over every rank's tokens: each router with a balance
  /// loss sums its per-expert statistics (cherry.moe_balance_stats) over the
  /// ranks right after routing; its gradient's f_e and the reported loss
  /// are those of the global batch. A router's copy recomputed for the
  /// backward pass reduces its own (the same values). Each rank's gradient
  /// is then R times the global loss's over its tokens, which the mean
  /// across ranks (shares 1/R) brings to the global loss's.
  void reduceBalanceStatistics(Block &body, Value share) {
    SmallVector<MoeRouteOp> routes;
    for (MoeRouteOp route : body.getOps<MoeRouteOp>())
      if (route.hasBalanceLoss())
        routes.push_back(route);
    OpBuilder b(&getContext());
    for (MoeRouteOp route : routes) {
      SmallVector<MoeRouteGradOp> grads;
      for (Operation *user : route.getProbs().getUsers())
        if (auto g = dyn_cast<MoeRouteGradOp>(user))
          if (g.getProbs() == route.getProbs() && g.hasBalanceLoss())
            grads.push_back(g);
      // A recomputed copy's loss is not reported (cherry-lower-to-kernels).
      if (grads.empty() && route->hasAttr("cherry.recompute"))
        continue;
      b.setInsertionPointAfter(route);
      auto stats = MoeBalanceStatsOp::create(
          b, route.getLoc(),
          RankedTensorType::get({2, route.getNumExperts()}, b.getF32Type()),
          route.getProbs(), route.getCounts(), route.getTopKAttr());
      auto reduce =
          AllReduceOp::create(b, route.getLoc(), TypeRange{stats.getType()},
                              share, ValueRange{stats.getResult()},
                              b.getI64IntegerAttr(ranks), b.getBoolAttr(false));
      if (Attribute layer = route->getAttr(kLayerTagAttr))
        for (Operation *op : {stats.getOperation(), reduce.getOperation()})
          op->setAttr(kLayerTagAttr, layer);
      for (MoeRouteGradOp g : grads)
        g.getBalanceStatsMutable().assign(reduce.getResult(0));
    }
  }

  /// Expert parallelism: each local expert's weight gradient from its rows
  /// weighed by their source rank's share (the mean over the global batch,
  /// as the all-reduce makes the replicated weights'), and the clipping norm
  /// the sum of the replicated gradients' (equal on every rank) and of every
  /// rank's expert gradients'.
  LogicalResult
  weighExpertGradients(func::FuncOp func, Value hyper, Value share,
                       const llvm::SmallPtrSet<Operation *, 8> &shardedParams,
                       GradSquaredNormOp norm) {
    Block &body = func.getBody().front();
    ModuleOp module = getOperation();
    OpBuilder b(&getContext());
    b.setInsertionPointAfter(share.getDefiningOp());
    Value shares = RankSharesOp::create(
                       b, func.getLoc(),
                       RankedTensorType::get({int64_t(ranks)}, b.getF32Type()),
                       hyper, b.getI64IntegerAttr(ranks))
                       .getResult();
    SmallVector<MoeGroupedLinearGradOp> grads;
    for (MoeGroupedLinearGradOp g : body.getOps<MoeGroupedLinearGradOp>()) {
      auto ref = g.getWeight().getDefiningOp<ParamRefOp>();
      Operation *p = ref ? module.lookupSymbol(ref.getParamAttr()) : nullptr;
      if (p && shardedParams.contains(p))
        grads.push_back(g);
    }
    for (MoeGroupedLinearGradOp g : grads) {
      auto exchange = g.getCounts().getDefiningOp<MoeExchangeCountsOp>();
      if (!exchange)
        return g.emitOpError() << "cherry-data-parallel: the counts of a "
                                  "sharded expert weight's gradient are not "
                                  "cherry.moe_exchange_counts'";
      b.setInsertionPointAfter(g);
      Value weighed = MoeScaleSourceRowsOp::create(
          b, g.getLoc(), g.getGrad().getType(), g.getGrad(),
          exchange.getReceived(), shares);
      auto again = MoeGroupedLinearGradOp::create(
          b, g.getLoc(), g.getInput().getType(), g.getWeight().getType(),
          g.getInput(), g.getWeight(), g.getCounts(), weighed);
      g.getWeightGrad().replaceAllUsesWith(again.getWeightGrad());
    }
    // The norm: the replicated gradients' (reduced already) plus the sum
    // over ranks of the local experts' (the updates' gradients now).
    llvm::DenseSet<Value> weighedGrads;
    for (Operation &op : body) {
      FlatSymbolRefAttr param;
      Value grad;
      if (auto u = dyn_cast<AdamWUpdateOp>(op)) {
        param = u.getParamAttr();
        grad = u.getGrad();
      } else if (auto u = dyn_cast<SGDUpdateOp>(op)) {
        param = u.getParamAttr();
        grad = u.getGrad();
      } else {
        continue;
      }
      if (Operation *p = module.lookupSymbol(param))
        if (shardedParams.contains(p))
          weighedGrads.insert(grad);
    }
    SmallVector<Value> replicated, local;
    for (Value g : norm.getGrads())
      (weighedGrads.count(g) ? local : replicated).push_back(g);
    b.setInsertionPoint(norm);
    Value localNorm =
        GradSquaredNormOp::create(b, norm.getLoc(), norm.getType(), local);
    auto summed =
        AllReduceOp::create(b, norm.getLoc(), TypeRange{localNorm.getType()},
                            share, ValueRange{localNorm},
                            b.getI64IntegerAttr(ranks), b.getBoolAttr(false));
    b.setInsertionPointAfter(norm);
    Value total;
    if (replicated.empty()) {
      total = summed.getResult(0);
    } else {
      norm.getGradsMutable().assign(replicated);
      total = AddOp::create(b, norm.getLoc(), norm.getType(), norm.getResult(),
                            summed.getResult(0));
    }
    norm.getResult().replaceUsesWithIf(total, [&](OpOperand &use) {
      return use.getOwner() != total.getDefiningOp();
    });
    if (replicated.empty())
      norm->erase();
    return success();
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
