//===- PlanMemory.cpp - Place temporaries in one scratch arena ------------===//
//
// Liveness-based placement of every `cherry_kernel.buffer` of a function in
// one arena, in the manner of XLA's heap simulator: a buffer is live from the
// first to the last launch that touches it; buffers are placed largest
// first, each at the lowest 64-byte-aligned offset where it overlaps no
// already placed buffer whose lifetime intersects its own.
//
//===----------------------------------------------------------------------===//

#include "cherry/Dialect/Kernel/IR/KernelDialect.h"
#include "cherry/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <limits>

namespace mlir::cherry {
#define GEN_PASS_DEF_CHERRYPLANMEMORYPASS
#include "cherry/Transforms/Passes.h.inc"
} // namespace mlir::cherry

using namespace mlir;
using namespace mlir::cherry;
namespace ck = mlir::cherry::kernel;

namespace {

constexpr int64_t kAlignment = 64;

struct Interval {
  ck::BufferOp buffer;
  int64_t size;
  int64_t first, last; // schedule positions (inclusive)
  int64_t offset = -1;
};

struct PlanMemoryPass
    : public mlir::cherry::impl::CherryPlanMemoryPassBase<PlanMemoryPass> {
  using Base::Base;

  void runOnOperation() override {
    for (auto func : getOperation().getOps<func::FuncOp>())
      if (failed(plan(func)))
        return signalPassFailure();
  }

  LogicalResult plan(func::FuncOp func) {
    if (func.isExternal())
      return success();
    // Schedule positions.
    llvm::DenseMap<Operation *, int64_t> position;
    int64_t index = 0;
    for (Operation &op : func.getBody().front())
      position[&op] = index++;

    SmallVector<Interval> intervals;
    for (auto buffer : func.getBody().front().getOps<ck::BufferOp>()) {
      // Live from the first to the last launch that touches it (not from
      // where the buffer op happens to sit).
      Interval interval{
          buffer, int64_t(llvm::alignTo(buffer.getSizeInBytes(), kAlignment)),
          std::numeric_limits<int64_t>::max(), -1};
      for (Operation *user : buffer->getUsers()) {
        if (user->getBlock() != buffer->getBlock())
          return user->emitOpError()
                 << "uses a buffer outside its block; the planner handles "
                    "flat schedules only";
        interval.first = std::min(interval.first, position[user]);
        interval.last = std::max(interval.last, position[user]);
      }
      if (buffer->use_empty())
        interval.size = 0;
      intervals.push_back(interval);
    }

    // Largest first (ties: earliest first, so the plan is deterministic).
    SmallVector<Interval *> order;
    for (Interval &i : intervals)
      order.push_back(&i);
    std::stable_sort(order.begin(), order.end(), [](Interval *a, Interval *b) {
      return a->size > b->size;
    });
    SmallVector<Interval *> placed;
    int64_t scratch = 0, naive = 0;
    for (Interval *i : order) {
      naive += i->size;
      // Occupied ranges of placed buffers live at the same time, by offset.
      SmallVector<std::pair<int64_t, int64_t>> busy;
      for (Interval *p : placed)
        if (p->first <= i->last && i->first <= p->last && p->size)
          busy.push_back({p->offset, p->offset + p->size});
      llvm::sort(busy);
      int64_t offset = 0;
      for (auto [begin, end] : busy) {
        if (offset + i->size <= begin)
          break;
        offset = std::max<int64_t>(offset, llvm::alignTo(end, kAlignment));
      }
      i->offset = offset;
      scratch = std::max(scratch, offset + i->size);
      placed.push_back(i);
    }

    Builder b(func.getContext());
    for (Interval &i : intervals)
      i.buffer.setOffsetAttr(b.getI64IntegerAttr(i.offset));
    func->setAttr(ck::kScratchSizeAttr, b.getI64IntegerAttr(scratch));
    if (report) {
      // One line on stderr (stdout carries the IR).
      llvm::errs() << llvm::formatv(
          "cherry-plan-memory: @{0}: {1} temporaries in {2} bytes of scratch "
          "({3:f2} MiB; {4} bytes without reuse, {5:f1}x more)\n",
          func.getName(), intervals.size(), scratch, scratch / 1048576.0, naive,
          scratch ? double(naive) / scratch : 1.0);
    }
    return success();
  }
};

} // namespace
