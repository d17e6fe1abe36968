//===- PlanMemory.cpp - Place temporaries in one scratch arena ------------===//
//
// Liveness-based placement of every `cherry_kernel.buffer` of a function in
// one arena, in the manner of XLA's heap simulator: a buffer is live from the
// first to the last launch that touches it; buffers are placed largest
// first, each at the lowest 64-byte-aligned offset where it overlaps no
// already placed buffer whose lifetime intersects its own.
//
// A `cherry_kernel.loop` counts as its iterations' launches in order: a slot
// operand of iteration i is live where iteration i's body uses it. A
// temporary only the body uses (from above: one buffer for every
// iteration) is live in each iteration from its first to its last use in
// the body, and free in between, as each iteration's copy of it was in the
// launches the loop replaced.
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
  /// Where it is live, when that is not all of [first, last]: sorted,
  /// disjoint ranges (a loop body's temporary, once per iteration).
  SmallVector<std::pair<int64_t, int64_t>> windows;

  bool liveWith(const Interval &other) const {
    if (first > other.last || other.first > last)
      return false;
    if (windows.empty() && other.windows.empty())
      return true;
    std::pair<int64_t, int64_t> whole[] = {{first, last}},
                                otherWhole[] = {{other.first, other.last}};
    ArrayRef<std::pair<int64_t, int64_t>> a = windows, b = other.windows;
    if (a.empty())
      a = whole;
    if (b.empty())
      b = otherWhole;
    for (size_t i = 0, j = 0; i < a.size() && j < b.size();) {
      if (a[i].first <= b[j].second && b[j].first <= a[i].second)
        return true;
      if (a[i].second < b[j].second)
        ++i;
      else
        ++j;
    }
    return false;
  }
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
    // Schedule positions: a loop of T trips over B launches takes T * B.
    llvm::DenseMap<Operation *, int64_t> position;
    int64_t index = 0;
    for (Operation &op : func.getBody().front()) {
      position[&op] = index;
      if (auto loop = dyn_cast<ck::LoopOp>(op)) {
        int64_t body = 0;
        for (Operation &inner : loop.getBody().front())
          position[&inner] = body++;
        index += loop.getTrips() * std::max<int64_t>(body, 1);
      } else {
        ++index;
      }
    }
    // The first and last positions of one use of a buffer.
    auto usePositions = [&](OpOperand &use) -> std::pair<int64_t, int64_t> {
      Operation *user = use.getOwner();
      if (auto loop = dyn_cast<ck::LoopOp>(user)) {
        int64_t base = position[loop];
        int64_t body =
            std::max<int64_t>(1, std::distance(loop.getBody().front().begin(),
                                               loop.getBody().front().end()));
        unsigned perTrip = loop.getNumSlotsPerTrip();
        int64_t trip = use.getOperandNumber() / perTrip;
        BlockArgument arg =
            loop.getBody().getArgument(use.getOperandNumber() % perTrip);
        int64_t first = body - 1, last = 0;
        for (Operation *inner : arg.getUsers()) {
          first = std::min(first, position[inner]);
          last = std::max(last, position[inner]);
        }
        return {base + trip * body + std::min(first, last),
                base + trip * body + last};
      }
      if (auto loop = dyn_cast<ck::LoopOp>(user->getParentOp())) {
        int64_t base = position[loop];
        int64_t body = std::distance(loop.getBody().front().begin(),
                                     loop.getBody().front().end());
        return {base + position[user],
                base + (loop.getTrips() - 1) * body + position[user]};
      }
      return {position[user], position[user]};
    };
    // The windows of a temporary that only the body of one loop uses.
    auto bodyWindows =
        [&](ck::BufferOp buffer) -> SmallVector<std::pair<int64_t, int64_t>> {
      ck::LoopOp loop;
      int64_t first = std::numeric_limits<int64_t>::max(), last = -1;
      for (Operation *user : buffer->getUsers()) {
        auto parent = dyn_cast<ck::LoopOp>(user->getParentOp());
        if (!parent || (loop && parent != loop))
          return {};
        loop = parent;
        first = std::min(first, position[user]);
        last = std::max(last, position[user]);
      }
      if (!loop)
        return {};
      int64_t base = position[loop];
      int64_t body = std::distance(loop.getBody().front().begin(),
                                   loop.getBody().front().end());
      SmallVector<std::pair<int64_t, int64_t>> windows;
      for (int64_t t = 0; t < loop.getTrips(); ++t)
        windows.push_back({base + t * body + first, base + t * body + last});
      return windows;
    };

    SmallVector<Interval> intervals;
    for (auto buffer : func.getBody().front().getOps<ck::BufferOp>()) {
      // Live from the first to the last launch that touches it (not from
      // where the buffer op happens to sit).
      Interval interval{
          buffer, int64_t(llvm::alignTo(buffer.getSizeInBytes(), kAlignment)),
          std::numeric_limits<int64_t>::max(), -1};
      for (OpOperand &use : buffer->getUses()) {
        Operation *user = use.getOwner();
        Operation *top =
            user->getBlock() == buffer->getBlock() ? user : user->getParentOp();
        if (top->getBlock() != buffer->getBlock() ||
            (top != user && !isa<ck::LoopOp>(top)))
          return user->emitOpError()
                 << "uses a buffer outside its block; the planner handles "
                    "flat schedules and cherry_kernel.loop bodies only";
        auto [first, last] = usePositions(use);
        interval.first = std::min(interval.first, first);
        interval.last = std::max(interval.last, last);
      }
      if (buffer->use_empty())
        interval.size = 0;
      interval.windows = bodyWindows(buffer);
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
        if (p->size && p->liveWith(*i))
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
