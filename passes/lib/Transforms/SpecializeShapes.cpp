//===- SpecializeShapes.cpp - Retype a function for a new [batch, seq] ----===//
//
// Every CHERRY program is compiled for static shapes. This pass changes the
// token arguments of one function to [batch, seq] and re-infers every value
// through ShapeInferenceOpInterface, so the same imported model compiles for
// any batch size and sequence length.
//
//===----------------------------------------------------------------------===//

#include "cherry/Dialect/Cherry/IR/CherryOps.h"
#include "cherry/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinTypes.h"

#include <cstdint>
#include <limits>

namespace mlir::cherry {
#define GEN_PASS_DEF_CHERRYSPECIALIZESHAPESPASS
#include "cherry/Transforms/Passes.h.inc"
} // namespace mlir::cherry

using namespace mlir;
using namespace mlir::cherry;

namespace {

/// `[batch, seq]` integer tensors: the token arguments.
bool isTokenTensor(Type type) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  return tensor && tensor.getRank() == 2 &&
         isa<IntegerType>(tensor.getElementType());
}

/// Re-infers the result types of every op in `block`, in order.
LogicalResult refineBlock(Block &block) {
  for (Operation &op : block) {
    if (op.hasTrait<mlir::OpTrait::IsTerminator>())
      continue;
    auto shaped = dyn_cast<ShapeInferenceOpInterface>(&op);
    if (op.getNumRegions()) {
      if (!shaped)
        return op.emitOpError()
               << "cannot be specialized to new shapes (it does not "
                  "implement ShapeInferenceOpInterface)";
      shaped.refineRegionArgumentTypes();
      for (Region &region : op.getRegions())
        for (Block &inner : region)
          if (failed(refineBlock(inner)))
            return failure();
    }
    if (op.getNumResults() == 0 || op.getNumOperands() == 0)
      continue; // Parameter reads and constants keep their types.
    if (!shaped)
      return op.emitOpError()
             << "cannot be specialized to new shapes (it does not implement "
                "ShapeInferenceOpInterface)";
    SmallVector<Type> types;
    if (failed(shaped.inferResultTypes(types)) ||
        types.size() != op.getNumResults())
      return op.emitOpError() << "could not infer its result types from "
                                 "the specialized operands";
    for (auto [result, type] : llvm::zip(op.getResults(), types))
      result.setType(type);
  }
  return success();
}

struct SpecializeShapesPass
    : public mlir::cherry::impl::CherrySpecializeShapesPassBase<
          SpecializeShapesPass> {
  using Base::Base;

  /// On the command line a size that is given is positive: `batch=0` is no
  /// batch size (leaving the option out keeps the function's). A pass built
  /// in code takes 0 as "keep".
  LogicalResult initializeOptions(
      StringRef options,
      function_ref<LogicalResult(const Twine &)> errorHandler) override {
    if (failed(Base::initializeOptions(options, errorHandler)))
      return failure();
    for (const auto *option : {&batch, &seq})
      if (option->hasValue() && *option <= 0)
        return errorHandler("cherry-specialize-shapes: " + option->ArgStr +
                            "=" + Twine(int64_t(*option)) +
                            ": expected a positive size (leave " +
                            option->ArgStr + " out to keep the function's)");
    return success();
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto func = module.lookupSymbol<func::FuncOp>(function);
    if (!func) {
      emitError(module.getLoc())
          << "cherry-specialize-shapes: no function @" << function;
      return signalPassFailure();
    }
    // A token count must fit the kernels' 32-bit row indices.
    constexpr int64_t kMaxTokens = std::numeric_limits<int32_t>::max();
    const int64_t b = batch, t = seq;
    if (b < 0 || t < 0 || b > kMaxTokens || t > kMaxTokens ||
        (b && t && b > kMaxTokens / t)) {
      emitError(func.getLoc())
          << "cherry-specialize-shapes: batch and seq must be positive with "
             "batch * seq at most "
          << kMaxTokens << ", found batch=" << b << " seq=" << t;
      return signalPassFailure();
    }
    Block &entry = func.getBody().front();
    bool any = false;
    for (BlockArgument arg : entry.getArguments()) {
      if (!isTokenTensor(arg.getType()))
        continue;
      auto tensor = cast<RankedTensorType>(arg.getType());
      int64_t b = batch ? int64_t(batch) : tensor.getDimSize(0);
      int64_t t = seq ? int64_t(seq) : tensor.getDimSize(1);
      arg.setType(RankedTensorType::get({b, t}, tensor.getElementType()));
      any = true;
    }
    if (!any) {
      emitError(func.getLoc())
          << "cherry-specialize-shapes: @" << function
          << " has no [batch, seq] integer tensor argument";
      return signalPassFailure();
    }
    if (failed(refineBlock(entry)))
      return signalPassFailure();

    Operation *terminator = entry.getTerminator();
    func.setType(FunctionType::get(&getContext(), entry.getArgumentTypes(),
                                   terminator->getOperandTypes()));
  }
};

} // namespace
