//===- OverlapReductions.cpp - Reduce gradients while the step runs -------===//
//
// Splits every `all_reduce` launch of a kernel-level function into an
// `all_reduce_start` where it was (right after its bucket's last gradient)
// and an `all_reduce_wait` of its outputs right before the first later
// launch or loop that touches one of them: on the CPU device the bucket is
// reduced on the communicator's thread while the rest of the backward pass
// runs. The wait names the buffers, so cherry-plan-memory keeps them live
// while they are in flight. Launches inside a cherry_kernel.loop body stay
// blocking (a wait would have to come within the same iteration).
//
//===----------------------------------------------------------------------===//

#include "cherry/Dialect/Kernel/IR/KernelDialect.h"
#include "cherry/Transforms/Passes.h"

#include "cherry/Runtime/KernelAbi.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"

namespace mlir::cherry {
#define GEN_PASS_DEF_CHERRYOVERLAPREDUCTIONSPASS
#include "cherry/Transforms/Passes.h.inc"
} // namespace mlir::cherry

using namespace mlir;
using namespace mlir::cherry;
namespace ck = mlir::cherry::kernel;
using ::cherry::abi::KernelId;
using ::cherry::abi::kernelName;

namespace {

struct OverlapReductionsPass
    : public mlir::cherry::impl::CherryOverlapReductionsPassBase<
          OverlapReductionsPass> {
  using Base::Base;

  void runOnOperation() override {
    for (auto func : getOperation().getOps<func::FuncOp>())
      if (!func.isExternal())
        split(func.getBody().front());
  }

  void split(Block &block) {
    SmallVector<ck::LaunchOp> reduces;
    for (auto launch : block.getOps<ck::LaunchOp>())
      if (launch.getKernel() == kernelName(KernelId::all_reduce))
        reduces.push_back(launch);
    OpBuilder b(&getContext());
    for (ck::LaunchOp reduce : reduces) {
      // The first later op of the block that touches an output; the
      // terminator when none does (a reduced loss is read after the step).
      Operation *first = block.getTerminator();
      for (Value y : reduce.getOutputs())
        for (Operation *user : y.getUsers()) {
          Operation *top = block.findAncestorOpInBlock(*user);
          if (top && top != reduce && reduce->isBeforeInBlock(top) &&
              top->isBeforeInBlock(first))
            first = top;
        }
      reduce.setKernel(kernelName(KernelId::all_reduce_start));
      b.setInsertionPoint(first);
      SmallVector<Value> outputs(reduce.getOutputs());
      auto wait = ck::LaunchOp::create(b, reduce.getLoc(),
                                       kernelName(KernelId::all_reduce_wait),
                                       outputs, outputs);
      wait->setAttr("count", b.getI64IntegerAttr(int64_t(outputs.size())));
    }
  }
};

} // namespace
