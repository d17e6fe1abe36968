//===- Moee.cpp - Fuse E models into a Mixture of Efficient Experts -------===//
//
// cherry-moee-fuse turns the SwiGLU MLPs of one architecture's forward graph
// into routed MLPs whose experts are the MLPs of E source models
// (Branch-Train-MiX): a router per MLP, top-k token routing and grouped
// expert GEMMs over the rows routed to each expert, so a token computes k
// experts' MLPs, not E. The remaining parameters are the sources' mean or
// one source's. Formulas and formats: docs/MoEE.md.
//
//===----------------------------------------------------------------------===//

#include "cherry/Dialect/Cherry/IR/CherryAttrs.h"
#include "cherry/Dialect/Cherry/IR/CherryOps.h"
#include "cherry/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"

#include <cmath>

namespace mlir::cherry {
#define GEN_PASS_DEF_CHERRYMOEEFUSEPASS
#include "cherry/Transforms/Passes.h.inc"
} // namespace mlir::cherry

using namespace mlir;
using namespace mlir::cherry;

namespace {

constexpr StringLiteral kGate = "gate_proj.weight", kUp = "up_proj.weight",
                        kDown = "down_proj.weight";

/// One SwiGLU MLP of a layer: down(swiglu(gate(x), up(x))).
struct Mlp {
  LinearOp gate, up, down;
  SwiGLUOp act;
  ParamRefOp gateRef, upRef, downRef;
  /// The parameters' common prefix, `model.layers.{i}.mlp.`.
  std::string prefix;
};

/// The MLP whose activation is `act`, if it has the plain SwiGLU form with
/// weights read by param_ref and named `<prefix>{gate,up,down}_proj.weight`.
std::optional<Mlp> matchMlp(SwiGLUOp act) {
  Mlp m;
  m.act = act;
  m.gate = act.getGate().getDefiningOp<LinearOp>();
  m.up = act.getUp().getDefiningOp<LinearOp>();
  if (!m.gate || !m.up || !act->hasOneUse() || m.gate.getBias() ||
      m.up.getBias() || m.gate.getInput() != m.up.getInput() ||
      !m.gate->hasOneUse() || !m.up->hasOneUse())
    return std::nullopt;
  m.down = dyn_cast<LinearOp>(*act->user_begin());
  if (!m.down || m.down.getBias() || m.down.getInput() != act.getResult())
    return std::nullopt;
  m.gateRef = m.gate.getWeight().getDefiningOp<ParamRefOp>();
  m.upRef = m.up.getWeight().getDefiningOp<ParamRefOp>();
  m.downRef = m.down.getWeight().getDefiningOp<ParamRefOp>();
  if (!m.gateRef || !m.upRef || !m.downRef)
    return std::nullopt;
  StringRef gate = m.gateRef.getParam();
  if (!gate.ends_with(kGate))
    return std::nullopt;
  m.prefix = gate.drop_back(kGate.size()).str();
  if (m.upRef.getParam() != m.prefix + kUp.str() ||
      m.downRef.getParam() != m.prefix + kDown.str())
    return std::nullopt;
  return m;
}

bool isMlpWeight(StringRef name) {
  return name.contains(".mlp.") &&
         (name.ends_with(kGate) || name.ends_with(kUp) ||
          name.ends_with(kDown));
}

struct MoeeFusePass
    : public mlir::cherry::impl::CherryMoeeFusePassBase<MoeeFusePass> {
  using Base::Base;

  void runOnOperation() override {
    if (failed(run()))
      signalPassFailure();
  }

  LogicalResult checkOptions(ModuleOp module) {
    auto fail = [&]() {
      return emitError(module.getLoc()) << "cherry-moee-fuse: ";
    };
    if (experts < 1)
      return fail() << "experts must be at least 1, found " << int64_t(experts);
    if (topK < 1 || topK > experts)
      return fail() << "top-k must be in [1, " << int64_t(experts)
                    << "] (the experts), found " << int64_t(topK);
    for (auto [name, value] :
         {std::pair<StringRef, double>{"balance", balance}, {"z-loss", zLoss}})
      if (!std::isfinite(value) || value < 0)
        return fail() << name
                      << " must be a finite number >= 0 (0 leaves the loss "
                         "out), found "
                      << value;
    if (!std::isfinite(routerStd) || routerStd <= 0)
      return fail() << "router-std must be a positive number, found "
                    << double(routerStd);
    if (weights != "sources" && weights != "fused")
      return fail() << "weights must be sources or fused, found '" << weights
                    << "'";
    sharedSource.reset();
    if (shared != "mean") {
      int64_t index;
      if (StringRef(shared).getAsInteger(10, index) || index < 0 ||
          index >= experts)
        return fail() << "shared must be mean or a source index in [0, "
                      << int64_t(experts) << "), found '" << shared << "'";
      sharedSource = index;
    }
    return success();
  }

  LogicalResult run() {
    ModuleOp module = getOperation();
    if (failed(checkOptions(module)))
      return failure();
    auto func = module.lookupSymbol<func::FuncOp>(function);
    if (!func)
      return emitError(module.getLoc())
             << "cherry-moee-fuse: no function @" << function;
    SymbolTable symbols(module);
    bool fresh = weights == "sources";

    // The MLPs, grouped by the parameters they read (shared layers).
    SmallVector<Mlp> mlps;
    func.walk([&](SwiGLUOp act) {
      if (std::optional<Mlp> m = matchMlp(act))
        mlps.push_back(*m);
    });
    if (mlps.empty())
      return func.emitError()
             << "cherry-moee-fuse: @" << function
             << " has no SwiGLU MLP of plain linears "
                "(down_proj(swiglu(gate_proj(x), up_proj(x)))) to route";
    llvm::MapVector<StringRef, Mlp *> byPrefix;
    for (Mlp &m : mlps)
      byPrefix.insert({m.gateRef.getParam(), &m});

    // Every MLP weight must be one of a matched MLP: one read elsewhere
    // (per-step LoRA on the MLP, a biased or fused MLP) cannot be routed.
    llvm::StringSet<> routed;
    for (Mlp &m : mlps)
      for (ParamRefOp ref : {m.gateRef, m.upRef, m.downRef})
        routed.insert(ref.getParam());
    WalkResult stray = func.walk([&](ParamRefOp ref) {
      if (isMlpWeight(ref.getParam()) && !routed.contains(ref.getParam())) {
        ref.emitOpError() << "cherry-moee-fuse: @" << ref.getParam()
                          << " is read outside a plain SwiGLU MLP (per-step "
                             "LoRA on the MLP?); only plain MLPs become "
                             "experts";
        return WalkResult::interrupt();
      }
      for (Operation *user : ref->getUsers())
        if (routed.contains(ref.getParam()) && !isa<LinearOp>(user)) {
          ref.emitOpError() << "cherry-moee-fuse: @" << ref.getParam()
                            << " is read outside its MLP's linear";
          return WalkResult::interrupt();
        }
      return WalkResult::advance();
    });
    if (stray.wasInterrupted())
      return failure();

    // The expert and router parameters, one set per distinct MLP.
    MLIRContext *ctx = &getContext();
    llvm::StringMap<ParamOp> newParams;
    for (auto &[key, m] : byPrefix) {
      for (StringRef which : {kGate, kUp, kDown}) {
        std::string name = m->prefix + which.str();
        auto source = symbols.lookup<ParamOp>(name);
        if (!source)
          return func.emitError()
                 << "cherry-moee-fuse: no cherry.param @" << name;
        if (fresh && !source.getCheckpoint())
          return source.emitOpError()
                 << "cherry-moee-fuse: @" << name
                 << " has no checkpoint tensor to read each expert from; "
                    "fuse imported models (cherry-translate --import-hf)";
        RankedTensorType t = source.getTensorType();
        auto stacked = RankedTensorType::get(
            {experts, t.getDimSize(0), t.getDimSize(1)}, t.getElementType());
        std::string stackedName = m->prefix + "experts." + which.str();
        OpBuilder b(source);
        Attribute init;
        StringAttr checkpoint;
        if (fresh) {
          SmallVector<Attribute> slices;
          for (int64_t e = 0; e < experts; ++e)
            slices.push_back(FlatSymbolRefAttr::get(
                makeSource(b, source, e, symbols).getSymNameAttr()));
          init = StackOfInitAttr::get(ctx, ArrayAttr::get(ctx, slices));
        } else {
          checkpoint = b.getStringAttr(stackedName);
        }
        auto p =
            ParamOp::create(b, source.getLoc(), b.getStringAttr(stackedName),
                            TypeAttr::get(stacked), init, checkpoint,
                            /*trainable=*/b.getBoolAttr(true),
                            /*weight_source=*/nullptr);
        symbols.insert(p, Block::iterator(source));
        newParams[name] = p;
      }
      ParamOp gate = symbols.lookup<ParamOp>(m->prefix + kGate.str());
      int64_t hidden = gate.getTensorType().getDimSize(1);
      std::string routerName = m->prefix + "router.weight";
      if (Operation *existing = symbols.lookup(routerName))
        return existing->emitOpError() << "cherry-moee-fuse: @" << routerName
                                       << " exists already (a fused model?)";
      OpBuilder b(gate);
      auto router = ParamOp::create(
          b, gate.getLoc(), b.getStringAttr(routerName),
          TypeAttr::get(RankedTensorType::get(
              {experts, hidden}, gate.getTensorType().getElementType())),
          fresh
              ? Attribute(NormalInitAttr::get(ctx, APFloat(double(routerStd))))
              : Attribute(),
          fresh ? StringAttr() : b.getStringAttr(routerName),
          /*trainable=*/b.getBoolAttr(true), /*weight_source=*/nullptr);
      symbols.insert(router, Block::iterator(gate));
      newParams[routerName] = router;
    }

    for (Mlp &m : mlps)
      rewrite(m, newParams);

    // The old MLP weights are read no more.
    for (StringRef name : routed.keys())
      if (auto p = symbols.lookup<ParamOp>(name))
        symbols.erase(p);

    // The other parameters: the sources' mean, or one source's.
    if (fresh) {
      SmallVector<ParamOp> rest;
      for (ParamOp p : module.getOps<ParamOp>())
        if (p.getCheckpoint() && !newParams.count(p.getSymName()) &&
            !p.getSymName().starts_with("source."))
          rest.push_back(p);
      for (ParamOp p : rest) {
        if (p.getWeightSource() != 0)
          return p.emitOpError()
                 << "cherry-moee-fuse: @" << p.getSymName()
                 << " reads weight source " << p.getWeightSource()
                 << " already (a fused model?)";
        if (sharedSource) {
          p.setWeightSource(*sharedSource);
          continue;
        }
        OpBuilder b(p);
        SmallVector<Attribute> sources;
        for (int64_t e = 0; e < experts; ++e)
          sources.push_back(FlatSymbolRefAttr::get(
              makeSource(b, p, e, symbols).getSymNameAttr()));
        p.setInitAttr(MeanOfInitAttr::get(ctx, ArrayAttr::get(ctx, sources)));
        p.removeCheckpointAttr();
      }
    }

    return updateHfConfig(
        module, "cherry-moee-fuse", [&](llvm::json::Object &config) {
          cherrySection(config)["moee"] =
              llvm::json::Object{{"experts", int64_t(experts)},
                                 {"top_k", int64_t(topK)},
                                 {"renormalize", bool(renormalize)},
                                 {"balance_coeff", double(balance)},
                                 {"z_coeff", double(zLoss)},
                                 {"shared", shared},
                                 {"router_std", double(routerStd)},
                                 {"routing", "token"}};
        });
  }

  /// `source.{e}.<name>`: `p`'s checkpoint tensor read from weight source
  /// `e`, load-only (made once per parameter and source).
  ParamOp makeSource(OpBuilder &b, ParamOp p, int64_t e, SymbolTable &symbols) {
    std::string name =
        "source." + std::to_string(e) + "." + p.getSymName().str();
    if (auto existing = symbols.lookup<ParamOp>(name))
      return existing;
    auto source = ParamOp::create(
        b, p.getLoc(), b.getStringAttr(name), TypeAttr::get(p.getType()),
        /*init=*/Attribute(), p.getCheckpointAttr(),
        /*trainable=*/b.getBoolAttr(false), b.getI64IntegerAttr(e));
    symbols.insert(source, Block::iterator(p));
    return source;
  }

  /// Replaces one MLP by the routed MLP reading `params`.
  void rewrite(Mlp &m, llvm::StringMap<ParamOp> &params) {
    OpBuilder b(m.down);
    Location loc = m.act.getLoc();
    Value x = m.gate.getInput();
    auto xType = cast<RankedTensorType>(x.getType());
    auto ref = [&](StringRef name) {
      ParamOp p = params.lookup(name);
      return ParamRefOp::create(b, loc, p.getTensorType(),
                                FlatSymbolRefAttr::get(p.getSymNameAttr()))
          .getResult();
    };
    Value router = ref(m.prefix + "router.weight");
    SmallVector<int64_t> perToken(xType.getShape());
    perToken.back() = experts;
    auto logitsType = RankedTensorType::get(perToken, xType.getElementType());
    Value logits = LinearOp::create(b, loc, logitsType, x, router, Value());
    perToken.back() = topK;
    int64_t tokens = xType.getNumElements() / xType.getShape().back();
    Type i32 = b.getI32Type();
    auto route = MoeRouteOp::create(
        b, loc, logitsType, RankedTensorType::get(perToken, i32),
        RankedTensorType::get(perToken, xType.getElementType()),
        RankedTensorType::get({tokens * topK}, i32),
        RankedTensorType::get({experts}, i32), logits,
        b.getI64IntegerAttr(topK), b.getBoolAttr(renormalize),
        b.getF64FloatAttr(balance), b.getF64FloatAttr(zLoss));
    auto dispatch = MoeDispatchOp::create(
        b, loc,
        RankedTensorType::get({tokens * topK, xType.getShape().back()},
                              xType.getElementType()),
        x, route.getSlotRow(), b.getI64IntegerAttr(topK));
    auto grouped = [&](Value input, StringRef which) {
      Value w = ref(m.prefix + which.str());
      auto wType = cast<RankedTensorType>(w.getType());
      auto inType = cast<RankedTensorType>(input.getType());
      return MoeGroupedLinearOp::create(
                 b, loc,
                 RankedTensorType::get(
                     {inType.getDimSize(0), wType.getDimSize(1)},
                     inType.getElementType()),
                 input, w, route.getCounts())
          .getResult();
    };
    Value g = grouped(dispatch, kGate);
    Value u = grouped(dispatch, kUp);
    Value a = SwiGLUOp::create(b, loc, g.getType(), g, u);
    Value yp = grouped(a, kDown);
    auto y = MoeCombineOp::create(b, loc, m.down.getType(), yp,
                                  route.getSlotRow(), route.getGate());
    m.down.getResult().replaceAllUsesWith(y.getResult());
    for (Operation *op : {m.down.getOperation(), m.act.getOperation(),
                          m.gate.getOperation(), m.up.getOperation()})
      op->erase();
    for (ParamRefOp r : {m.gateRef, m.upRef, m.downRef})
      if (r->use_empty())
        r->erase();
  }

  std::optional<int64_t> sharedSource;
};

} // namespace
