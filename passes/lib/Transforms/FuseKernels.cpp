//===- FuseKernels.cpp - Fuse memory-bound kernel chains ------------------===//
//
// Rewrites `add` followed by `rms_norm` of its sum (the residual connection
// feeding the next norm) into one `add_rms_norm` launch that reads the two
// summands once and writes both the sum and the normalized rows: the sum is
// still needed as the next residual, but no kernel reads it back just to
// normalize it.
//
//===----------------------------------------------------------------------===//

#include "cherry/Dialect/Kernel/IR/KernelDialect.h"
#include "cherry/Transforms/Passes.h"

#include "cherry/Runtime/KernelAbi.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"

namespace mlir::cherry {
#define GEN_PASS_DEF_CHERRYFUSEKERNELSPASS
#include "cherry/Transforms/Passes.h.inc"
} // namespace mlir::cherry

using namespace mlir;
using namespace mlir::cherry;
namespace ck = mlir::cherry::kernel;
using ::cherry::abi::KernelId;
using ::cherry::abi::kernelName;

namespace {

int64_t intAttr(Operation *op, StringRef name) {
  return cast<IntegerAttr>(op->getAttr(name)).getInt();
}

/// True when `value` is written by `writer` and read by nothing between
/// `writer` and `reader` (both in the same block).
bool unusedBetween(Value value, Operation *writer, Operation *reader) {
  for (Operation *user : value.getUsers())
    if (user != writer && user != reader &&
        user->getBlock() == reader->getBlock() &&
        writer->isBeforeInBlock(user) && user->isBeforeInBlock(reader))
      return false;
  return true;
}

struct FuseKernelsPass
    : public mlir::cherry::impl::CherryFuseKernelsPassBase<FuseKernelsPass> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<std::pair<ck::LaunchOp, ck::LaunchOp>> pairs;
    getOperation().walk([&](ck::LaunchOp norm) {
      if (norm.getKernel() != kernelName(KernelId::rms_norm))
        return;
      Value sum = norm.getInputs()[0];
      // The add writing `sum`, earlier in the same block.
      ck::LaunchOp add;
      for (Operation *user : sum.getUsers()) {
        auto launch = dyn_cast<ck::LaunchOp>(user);
        if (launch && launch.getKernel() == kernelName(KernelId::add) &&
            launch.getOutputs()[0] == sum &&
            launch->getBlock() == norm->getBlock() &&
            launch->isBeforeInBlock(norm))
          add = launch;
      }
      if (!add ||
          intAttr(add, "n") != intAttr(norm, "rows") * intAttr(norm, "dim") ||
          !unusedBetween(sum, add, norm))
        return;
      pairs.push_back({add, norm});
    });

    for (auto [add, norm] : pairs) {
      OpBuilder b(norm);
      Value inputs[] = {add.getInputs()[0], add.getInputs()[1],
                        norm.getInputs()[1]};
      Value outputs[] = {add.getOutputs()[0], norm.getOutputs()[0]};
      auto fused = ck::LaunchOp::create(
          b, FusedLoc::get(&getContext(), {add.getLoc(), norm.getLoc()}),
          kernelName(KernelId::add_rms_norm), inputs, outputs);
      fused->setAttr("rows", norm->getAttr("rows"));
      fused->setAttr("dim", norm->getAttr("dim"));
      fused->setAttr("eps", norm->getAttr("eps"));
      add.erase();
      norm.erase();
      ++numFused;
    }
  }
};

} // namespace
