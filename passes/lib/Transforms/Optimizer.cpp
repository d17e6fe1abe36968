//===- Optimizer.cpp - Turn gradients into parameter updates --------------===//
//
// Rewrites `train_step(ids, targets) -> (loss, grads...)` (cherry-autodiff)
// into `train_step(ids, targets, hyper) -> (loss, grad_sq_norm)` whose
// updates write the parameters: the squared global gradient norm first
// (gradient clipping needs all gradients before any update), then one
// AdamW or SGD update per parameter. AdamW's moments become parameters of
// their own (`optimizer.m.<name>`, `optimizer.v.<name>`: zero-initialized,
// not trainable, saved with the optimizer state). The learning rate, betas,
// eps, weight decay, step and clipping norm are runtime scalars (`hyper`),
// so one executable serves every schedule.
//
//===----------------------------------------------------------------------===//

#include "cherry/Dialect/Cherry/IR/CherryAttrs.h"
#include "cherry/Dialect/Cherry/IR/CherryOps.h"
#include "cherry/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"

namespace mlir::cherry {
#define GEN_PASS_DEF_CHERRYOPTIMIZERPASS
#include "cherry/Transforms/Passes.h.inc"
} // namespace mlir::cherry

using namespace mlir;
using namespace mlir::cherry;

namespace {

struct OptimizerPass
    : public mlir::cherry::impl::CherryOptimizerPassBase<OptimizerPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (optimizer != "adamw" && optimizer != "sgd") {
      emitError(module.getLoc())
          << "cherry-optimizer: optimizer must be adamw or "
             "sgd, found '"
          << optimizer << "'";
      return signalPassFailure();
    }
    auto func = module.lookupSymbol<func::FuncOp>(function);
    if (!func) {
      emitError(module.getLoc()) << "cherry-optimizer: no function @"
                                 << function << " (run cherry-autodiff first)";
      return signalPassFailure();
    }
    auto ret = cast<func::ReturnOp>(func.getBody().front().getTerminator());
    SmallVector<std::pair<ParamOp, Value>> grads;
    for (unsigned i = 1; i < func.getNumResults(); ++i) {
      auto sym =
          func.getResultAttrOfType<FlatSymbolRefAttr>(i, "cherry.grad_of");
      auto param = sym ? module.lookupSymbol<ParamOp>(sym) : ParamOp();
      if (!param) {
        emitError(func.getLoc())
            << "cherry-optimizer: result " << i << " of @" << function
            << " is not a gradient (no cherry.grad_of naming a "
               "parameter)";
        return signalPassFailure();
      }
      grads.push_back({param, ret.getOperand(i)});
    }

    // The runtime scalars come in as a new last argument.
    OpBuilder b(ret);
    auto hyperType = RankedTensorType::get({8}, b.getF32Type());
    unsigned hyperIndex = func.getNumArguments();
    if (failed(func.insertArgument(hyperIndex, hyperType, {}, func.getLoc())))
      return signalPassFailure();
    Value hyper = func.getArgument(hyperIndex);

    SmallVector<Value> gradValues;
    for (auto &[param, grad] : grads)
      gradValues.push_back(grad);
    Value sq = GradSquaredNormOp::create(
        b, func.getLoc(), RankedTensorType::get({}, b.getF32Type()),
        gradValues);

    // Moment parameters go after the last parameter of the module.
    Operation *lastParam = nullptr;
    for (auto param : module.getOps<ParamOp>())
      lastParam = param;
    OpBuilder paramBuilder(module.getContext());
    paramBuilder.setInsertionPointAfter(lastParam);
    Attribute zero =
        ConstantInitAttr::get(module.getContext(), llvm::APFloat(0.0));
    auto moment = [&](ParamOp param, StringRef kind) {
      std::string name = ("optimizer." + kind + "." + param.getSymName()).str();
      auto op = ParamOp::create(
          paramBuilder, param.getLoc(), paramBuilder.getStringAttr(name),
          TypeAttr::get(param.getType()), zero,
          paramBuilder.getStringAttr(name), paramBuilder.getBoolAttr(false));
      paramBuilder.setInsertionPointAfter(op);
      return FlatSymbolRefAttr::get(op.getSymNameAttr());
    };

    for (auto &[param, grad] : grads) {
      // Decoupled weight decay for matrices and embeddings, not for norms.
      BoolAttr decay = b.getBoolAttr(param.getTensorType().getRank() >= 2);
      auto sym = FlatSymbolRefAttr::get(param.getSymNameAttr());
      if (optimizer == "adamw") {
        FlatSymbolRefAttr m = moment(param, "m");
        FlatSymbolRefAttr v = moment(param, "v");
        AdamWUpdateOp::create(b, param.getLoc(), sym, m, v, grad, hyper, sq,
                              decay);
      } else
        SGDUpdateOp::create(b, param.getLoc(), sym, grad, hyper, sq, decay);
    }

    Value loss = ret.getOperand(0);
    func::ReturnOp::create(b, ret.getLoc(), ValueRange{loss, sq});
    ret.erase();
    SmallVector<Type> inputs(func.getArgumentTypes());
    func.setType(FunctionType::get(&getContext(), inputs,
                                   {loss.getType(), sq.getType()}));
    // The results changed (loss, then the squared gradient norm): the
    // attributes of the old ones do not carry over.
    func.removeResAttrsAttr();
  }
};

} // namespace
