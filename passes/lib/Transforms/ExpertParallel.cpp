//===- ExpertParallel.cpp - Place a mixture's experts on the ranks --------===//
//
// cherry-expert-parallel rewrites every routed MLP of `function` (the ops
// cherry-moee-fuse writes) for expert parallelism over `ranks` ranks: rank
// r holds experts [r * E / R, (r + 1) * E / R) of each stacked expert
// weight, routes its own tokens, sends the rows routed to a remote expert
// to that expert's rank (`cherry.moe_exchange_counts`, then
// `cherry.moe_exchange`: an all-to-all of counts, then of rows), runs its
// local experts' grouped GEMMs over the rows it received, sends the results
// back (`cherry.moe_exchange` with `reverse`) and combines locally. The
// backward pass mirrors it (each direction is the other's VJP). Formulas
// and layout: docs/MoEE.md, "Expert parallelism".
//
//===----------------------------------------------------------------------===//

#include "cherry/Dialect/Cherry/IR/CherryOps.h"
#include "cherry/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/SetVector.h"

#include <algorithm>

namespace mlir::cherry {
#define GEN_PASS_DEF_CHERRYEXPERTPARALLELPASS
#include "cherry/Transforms/Passes.h.inc"
} // namespace mlir::cherry

using namespace mlir;
using namespace mlir::cherry;

namespace {

/// One routed SwiGLU MLP: combine(down(swiglu(gate(xp), up(xp)))), xp the
/// dispatch of the tokens.
struct RoutedMlp {
  MoeDispatchOp dispatch;
  MoeGroupedLinearOp gate, up, down;
  SwiGLUOp act;
  MoeCombineOp combine;
};

struct ExpertParallelPass
    : public mlir::cherry::impl::CherryExpertParallelPassBase<
          ExpertParallelPass> {
  using Base::Base;

  void runOnOperation() override {
    if (failed(run()))
      signalPassFailure();
  }

  LogicalResult run() {
    ModuleOp module = getOperation();
    if (ranks < 2)
      return emitError(module.getLoc())
             << "cherry-expert-parallel: ranks must be at least 2, found "
             << int64_t(ranks) << " (one rank holds every expert)";
    auto func = module.lookupSymbol<func::FuncOp>(function);
    if (!func || func.isExternal())
      return emitError(module.getLoc())
             << "cherry-expert-parallel: no function @" << function;
    SmallVector<RoutedMlp> mlps;
    WalkResult walk = func.walk([&](MoeCombineOp combine) {
      RoutedMlp m;
      m.combine = combine;
      m.down = combine.getInput().getDefiningOp<MoeGroupedLinearOp>();
      m.act = m.down ? m.down.getInput().getDefiningOp<SwiGLUOp>() : nullptr;
      m.gate =
          m.act ? m.act.getGate().getDefiningOp<MoeGroupedLinearOp>() : nullptr;
      m.up =
          m.act ? m.act.getUp().getDefiningOp<MoeGroupedLinearOp>() : nullptr;
      m.dispatch =
          m.gate ? m.gate.getInput().getDefiningOp<MoeDispatchOp>() : nullptr;
      if (!m.dispatch || !m.up || m.up.getInput() != m.gate.getInput() ||
          !m.down->hasOneUse() || !m.act->hasOneUse() || !m.gate->hasOneUse() ||
          !m.up->hasOneUse() || m.gate.getCounts() != m.up.getCounts() ||
          m.gate.getCounts() != m.down.getCounts()) {
        combine.emitOpError()
            << "cherry-expert-parallel: expected the routed SwiGLU MLP of "
               "cherry-moee-fuse (moe_combine(moe_grouped_linear(swiglu("
               "moe_grouped_linear(moe_dispatch), moe_grouped_linear("
               "moe_dispatch)))))";
        return WalkResult::interrupt();
      }
      mlps.push_back(m);
      return WalkResult::advance();
    });
    if (walk.wasInterrupted())
      return failure();
    if (mlps.empty())
      return func.emitError()
             << "cherry-expert-parallel: @" << function
             << " has no routed MLP (cherry.moe_combine) to place on ranks "
                "(fuse a mixture with cherry-moee-fuse)";

    // The stacked expert weights, each sharded once (shared layers read
    // one parameter from several MLPs).
    SymbolTable symbols(module);
    llvm::SetVector<Operation *> params;
    for (RoutedMlp &m : mlps)
      for (MoeGroupedLinearOp g : {m.gate, m.up, m.down}) {
        auto ref = g.getWeight().getDefiningOp<ParamRefOp>();
        auto param = ref ? symbols.lookup<ParamOp>(ref.getParam()) : nullptr;
        if (!param)
          return g.emitOpError() << "cherry-expert-parallel: the expert "
                                    "weight is not read by cherry.param_ref";
        const int64_t experts = param.getTensorType().getDimSize(0);
        if (experts % ranks != 0)
          return param.emitOpError()
                 << "cherry-expert-parallel: experts E=" << experts
                 << " is not divisible by ranks R=" << int64_t(ranks)
                 << " (each rank holds E/R experts)";
        params.insert(param);
      }
    for (Operation *op : params) {
      auto param = cast<ParamOp>(op);
      // Every read of an expert weight must be a grouped GEMM of a routed
      // MLP: anything else would see only this rank's experts.
      std::optional<SymbolTable::UseRange> uses =
          SymbolTable::getSymbolUses(param.getSymNameAttr(), module);
      if (uses)
        for (const SymbolTable::SymbolUse &use : *uses) {
          auto ref = dyn_cast<ParamRefOp>(use.getUser());
          if (!ref)
            continue;
          for (Operation *user : ref->getUsers())
            if (!isa<MoeGroupedLinearOp>(user))
              return user->emitOpError()
                     << "cherry-expert-parallel: reads the expert weight @"
                     << param.getSymName()
                     << " outside a grouped GEMM; only routed MLPs can be "
                        "placed on ranks";
        }
    }

    for (RoutedMlp &m : mlps)
      rewrite(m);

    // Each rank keeps its experts' slice of every stacked weight: rows
    // [r * E / R, (r + 1) * E / R) of dimension 0.
    for (Operation *op : params) {
      auto param = cast<ParamOp>(op);
      RankedTensorType t = param.getTensorType();
      SmallVector<int64_t> shape(t.getShape());
      shape[0] /= ranks;
      auto local = RankedTensorType::get(shape, t.getElementType());
      param.setTypeAttr(TypeAttr::get(local));
      param->setAttr(kExpertShardsAttr,
                     IntegerAttr::get(IntegerType::get(&getContext(), 64),
                                      int64_t(ranks)));
      std::optional<SymbolTable::UseRange> uses =
          SymbolTable::getSymbolUses(param.getSymNameAttr(), module);
      if (uses)
        for (const SymbolTable::SymbolUse &use : *uses)
          if (auto ref = dyn_cast<ParamRefOp>(use.getUser()))
            ref.getResult().setType(local);
    }
    return success();
  }

  void rewrite(RoutedMlp &m) {
    OpBuilder b(m.combine);
    Location loc = m.dispatch.getLoc();
    Value xp = m.dispatch.getResult();
    Value counts = m.gate.getCounts();
    auto xpType = cast<RankedTensorType>(xp.getType());
    const int64_t experts =
        cast<RankedTensorType>(counts.getType()).getDimSize(0);
    const int64_t local = experts / ranks;
    const int64_t topK = m.dispatch.getTopK();
    const int64_t tokens = xpType.getDimSize(0) / topK;
    // The dropless worst case: every rank routes each of its tokens to
    // min(top_k, local) of this rank's experts (a token's k experts are
    // distinct).
    const int64_t capacity = ranks * tokens * std::min(topK, local);
    Type i32 = b.getI32Type();
    auto exchange = MoeExchangeCountsOp::create(
        b, loc, RankedTensorType::get({ranks, local}, i32),
        RankedTensorType::get({local}, i32), counts,
        b.getI64IntegerAttr(ranks));
    Value received = exchange.getReceived();
    Value localCounts = exchange.getLocalCounts();
    auto rowsOf = [&](Value v, int64_t rows) {
      auto t = cast<RankedTensorType>(v.getType());
      return RankedTensorType::get({rows, t.getDimSize(1)}, t.getElementType());
    };
    Value xr = MoeExchangeOp::create(b, loc, rowsOf(xp, capacity), xp, counts,
                                     received, b.getI64IntegerAttr(ranks),
                                     b.getBoolAttr(false));
    auto grouped = [&](MoeGroupedLinearOp old, Value input) {
      return MoeGroupedLinearOp::create(b, old.getLoc(),
                                        rowsOf(old.getResult(), capacity),
                                        input, old.getWeight(), localCounts)
          .getResult();
    };
    Value g = grouped(m.gate, xr);
    Value u = grouped(m.up, xr);
    Value a = SwiGLUOp::create(b, m.act.getLoc(), g.getType(), g, u);
    Value yr = grouped(m.down, a);
    Value yp = MoeExchangeOp::create(
        b, loc, m.down.getResult().getType(), yr, counts, received,
        b.getI64IntegerAttr(ranks), b.getBoolAttr(true));
    m.combine.getInputMutable().assign(yp);
    for (Operation *op : {m.down.getOperation(), m.act.getOperation(),
                          m.gate.getOperation(), m.up.getOperation()})
      op->erase();
  }
};

} // namespace
