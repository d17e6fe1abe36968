//===- LayerLoop.cpp - Runs of identical layers as kernel loops -----------===//
//
// The launches of a kernel-level function that belong to one decoder layer
// (`cherry_kernel.layer`, set by the lowering with tag-layers) form a
// segment. Consecutive segments that launch the same kernels with the same
// attributes on operands of the same types, wired the same way, become one
// `cherry_kernel.loop`: the body is the first segment's launches; what every
// segment reads alike (shared weights, hyper-parameters) is used from above;
// a temporary each segment makes and uses only itself becomes one buffer
// for all of them; everything else (per-step parameters, the residual
// stream, the values kept for the backward pass, per-step gradients) is a
// slot, bound per iteration. The loop runs exactly the launches it replaces,
// in their order, on the same values, so results are bit-identical.
//
// For a recurrent model unrolled by cherry-recurrent-unroll this is the
// loop form: one copy of a shared layer's kernels, the step selecting its
// operands. The first segment of a run that differs (the first layer's
// norm reads the embedding, not a residual sum; a weight's first gradient
// in the backward pass is not yet a sum) stays a plain segment before the
// loop.
//
//===----------------------------------------------------------------------===//

#include "cherry/Dialect/Kernel/IR/KernelDialect.h"
#include "cherry/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/StringMap.h"

namespace mlir::cherry {
#define GEN_PASS_DEF_CHERRYLAYERLOOPPASS
#include "cherry/Transforms/Passes.h.inc"
} // namespace mlir::cherry

using namespace mlir;
using namespace mlir::cherry;
namespace ck = mlir::cherry::kernel;

namespace {

/// The launches of one layer, consecutive in the schedule.
struct Segment {
  int64_t layer;
  // Mutable: op handles are values whose accessors are not const.
  mutable SmallVector<ck::LaunchOp> launches;
};

/// The launch's kernel attributes, without the layer annotation.
DictionaryAttr kernelAttributes(ck::LaunchOp launch) {
  NamedAttrList attrs(launch->getDiscardableAttrDictionary());
  attrs.erase(ck::kLayerAttr);
  return attrs.getDictionary(launch.getContext());
}

/// Whether `b` launches what `a` does: the same kernels with the same
/// attributes and operand types, its values in one-to-one correspondence
/// with `a`'s (so that the segments compute alike).
bool isomorphic(const Segment &a, const Segment &b) {
  if (a.launches.size() != b.launches.size())
    return false;
  llvm::DenseMap<Value, Value> forward, backward;
  for (auto [x, y] : llvm::zip_equal(a.launches, b.launches)) {
    if (x.getKernel() != y.getKernel() ||
        x.getInputs().size() != y.getInputs().size() ||
        x.getOutputs().size() != y.getOutputs().size() ||
        kernelAttributes(x) != kernelAttributes(y))
      return false;
    for (auto [u, v] : llvm::zip_equal(x->getOperands(), y->getOperands())) {
      if (u.getType() != v.getType())
        return false;
      auto [f, freshF] = forward.try_emplace(u, v);
      auto [g, freshG] = backward.try_emplace(v, u);
      if (f->second != v || g->second != u)
        return false;
    }
  }
  return true;
}

struct LayerLoopPass
    : public mlir::cherry::impl::CherryLayerLoopPassBase<LayerLoopPass> {
  using Base::Base;

  void runOnOperation() override {
    for (auto func : getOperation().getOps<func::FuncOp>())
      if (!func.isExternal())
        reroll(func);
  }

  void reroll(func::FuncOp func) {
    Block &block = func.getBody().front();
    hoistDefinitions(block);

    SmallVector<Segment> segments;
    for (Operation &op : block) {
      if (isa<ck::ParamOp, ck::BufferOp>(op))
        continue;
      auto launch = dyn_cast<ck::LaunchOp>(op);
      auto layer = launch ? launch->getAttrOfType<IntegerAttr>(ck::kLayerAttr)
                          : IntegerAttr();
      if (!layer) {
        // Anything else (an unmarked launch, a loop already there) ends a
        // run: a loop replaces consecutive launches only.
        segments.push_back({-1, {}});
        continue;
      }
      if (segments.empty() || segments.back().layer != layer.getInt() ||
          segments.back().launches.empty())
        segments.push_back({layer.getInt(), {}});
      segments.back().launches.push_back(launch);
    }
    for (size_t i = 0; i < segments.size();) {
      size_t j = i + 1;
      if (!segments[i].launches.empty())
        while (j < segments.size() && !segments[j].launches.empty() &&
               isomorphic(segments[i], segments[j]))
          ++j;
      if (j - i >= 2)
        makeLoop(ArrayRef(segments).slice(i, j - i));
      i = j;
    }
    func.walk([](ck::LaunchOp launch) { launch->removeAttr(ck::kLayerAttr); });
  }

  /// Moves every parameter and buffer definition to the top of the block
  /// (they have no operands, and the planner places buffers by their uses,
  /// not where they sit), one parameter op per parameter: every value a
  /// loop uses is then defined before it, and layers reading one shared
  /// weight read one value.
  void hoistDefinitions(Block &block) {
    SmallVector<Operation *> definitions;
    for (Operation &op : block)
      if (isa<ck::ParamOp, ck::BufferOp>(op))
        definitions.push_back(&op);
    llvm::StringMap<ck::ParamOp> params;
    Operation *anchor = nullptr;
    for (Operation *op : definitions) {
      if (auto param = dyn_cast<ck::ParamOp>(op)) {
        auto [it, fresh] = params.try_emplace(param.getParam(), param);
        if (!fresh && it->second.getType() == param.getType()) {
          param.getBuffer().replaceAllUsesWith(it->second.getBuffer());
          param.erase();
          continue;
        }
      }
      if (anchor)
        op->moveAfter(anchor);
      else
        op->moveBefore(&block, block.begin());
      anchor = op;
    }
  }

  /// Replaces the isomorphic consecutive `run` by one loop.
  void makeLoop(ArrayRef<Segment> run) {
    const Segment &first = run.front();
    const int64_t trips = run.size();
    // The values of each operand position in every iteration, by the first
    // iteration's value (isomorphic() made the correspondence one-to-one).
    llvm::MapVector<Value, SmallVector<Value>> classes;
    for (auto [t, segment] : llvm::enumerate(run))
      for (auto [x, y] : llvm::zip_equal(first.launches, segment.launches))
        for (auto [u, v] :
             llvm::zip_equal(x->getOperands(), y->getOperands())) {
          SmallVector<Value> &values = classes[u];
          if (values.size() == t)
            values.push_back(v);
        }

    SmallVector<Value> slots;      // first-iteration values bound per trip
    SmallVector<Value> mergedAway; // temporaries replaced by the first's
    for (auto &[value, values] : classes) {
      if (llvm::all_equal(values))
        continue; // the same in every iteration: used from above
      if (isLocal(values, run)) {
        mergedAway.append(values.begin() + 1, values.end());
        continue;
      }
      slots.push_back(value);
    }

    OpBuilder b(first.launches.front());
    SmallVector<Value> operands;
    for (int64_t t = 0; t < trips; ++t)
      for (Value slot : slots)
        operands.push_back(classes[slot][t]);
    auto loop = ck::LoopOp::create(b, first.launches.front().getLoc(),
                                   b.getI64IntegerAttr(trips), operands);
    Block *body = new Block();
    loop.getBody().push_back(body);
    IRMapping mapping;
    for (Value slot : slots)
      mapping.map(slot, body->addArgument(slot.getType(), slot.getLoc()));
    OpBuilder inner = OpBuilder::atBlockEnd(body);
    for (ck::LaunchOp launch : first.launches)
      inner.clone(*launch, mapping);

    for (const Segment &segment : run)
      for (ck::LaunchOp launch : segment.launches)
        launch.erase();
    for (Value value : mergedAway)
      if (value.use_empty())
        value.getDefiningOp()->erase();
    ++numLoops;
    numLaunchesRerolled += trips * first.launches.size();
  }

  /// Whether each of `values` (one per iteration) is a temporary that only
  /// its own iteration's launches use: then one buffer serves them all.
  static bool isLocal(ArrayRef<Value> values, ArrayRef<Segment> run) {
    for (auto [value, segment] : llvm::zip_equal(values, run)) {
      if (!value.getDefiningOp<ck::BufferOp>())
        return false;
      llvm::SmallPtrSet<Operation *, 32> own;
      for (ck::LaunchOp launch : segment.launches)
        own.insert(launch);
      for (Operation *user : value.getUsers())
        if (!own.contains(user))
          return false;
    }
    return true;
  }
};

} // namespace
