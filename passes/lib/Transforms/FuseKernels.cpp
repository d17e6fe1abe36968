//===- FuseKernels.cpp - Fuse kernel chains -------------------------------===//
//
// Rewrites `add` followed by `rms_norm` of its sum (the residual connection
// feeding the next norm) into one `add_rms_norm` launch that reads the two
// summands once and writes both the sum and the normalized rows: the sum is
// still needed as the next residual, but no kernel reads it back just to
// normalize it. And a training step's head loss and head gradient into one
// `head_cross_entropy_train` launch that computes the logits once (the
// weighted pair of a selective step into `head_cross_entropy_weighted_train`).
//
//===----------------------------------------------------------------------===//

#include "cherry/Dialect/Kernel/IR/KernelDialect.h"
#include "cherry/Transforms/Passes.h"

#include "cherry/Runtime/KernelAbi.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/SmallPtrSet.h"

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

/// True when no launch strictly between `first` and `second` (one block)
/// writes any of `values`.
bool unwrittenBetween(ValueRange values, Operation *first, Operation *second) {
  for (Operation *op = first->getNextNode(); op && op != second;
       op = op->getNextNode())
    if (auto launch = dyn_cast<ck::LaunchOp>(op))
      for (Value out : launch.getOutputs())
        if (llvm::is_contained(values, out))
          return false;
  return true;
}

/// A fused launch takes the place, and so the layer (cherry_kernel.layer),
/// of the launch it replaces last.
void keepLayer(Operation *fused, Operation *replaced) {
  if (Attribute layer = replaced->getAttr(ck::kLayerAttr))
    fused->setAttr(ck::kLayerAttr, layer);
}

struct FuseKernelsPass
    : public mlir::cherry::impl::CherryFuseKernelsPassBase<FuseKernelsPass> {
  using Base::Base;

  void runOnOperation() override {
    fuseAddRmsNorm();
    fuseHeadTrain();
    fuseAttentionLse();
    fuseGradAdds();
  }

  /// A gradient kernel whose first output can be added, by the kernel
  /// itself, to a sum so far: the fused kernel takes that sum as its last
  /// input and starts its first output from it.
  struct Accumulating {
    KernelId product, fused;
    SmallVector<StringRef> attrs;
    int64_t (*elements)(Operation *); // of the first output
  };

  /// add(acc, t), in either order, where t is a temporary that only a
  /// linear_grad_input(dy, w) (or rms_norm_grad(x, w, dy), t its dx; or
  /// embedding_grad(ids, dy), a tied embedding's) earlier in the block
  /// writes and only the add reads: one linear_grad_input_add(dy, w, acc)
  /// (rms_norm_grad_add(x, w, dy, acc), embedding_grad_add(ids, dy, acc))
  /// at the add's place, the gradient accumulated into acc's copy. When acc
  /// is a temporary nothing uses after the add and the add's output a
  /// temporary nothing uses before it, the launch updates acc itself and acc
  /// replaces the output: no copy at all.
  void fuseGradAdds() {
    const Accumulating kinds[] = {
        {KernelId::linear_grad_input,
         KernelId::linear_grad_input_add,
         {"m", "n", "k"},
         [](Operation *op) { return intAttr(op, "m") * intAttr(op, "k"); }},
        {KernelId::rms_norm_grad,
         KernelId::rms_norm_grad_add,
         {"rows", "dim", "eps"},
         [](Operation *op) {
           return intAttr(op, "rows") * intAttr(op, "dim");
         }},
        {KernelId::embedding_grad,
         KernelId::embedding_grad_add,
         {"n", "vocab", "dim"},
         [](Operation *op) {
           return intAttr(op, "vocab") * intAttr(op, "dim");
         }},
    };
    struct Match {
      ck::LaunchOp product, add;
      unsigned acc; // the add's operand that is the sum so far
      const Accumulating *kind;
    };
    SmallVector<Match> matches;
    llvm::SmallPtrSet<Operation *, 16> taken;
    getOperation().walk([&](ck::LaunchOp add) {
      if (add.getKernel() != kernelName(KernelId::add))
        return;
      for (unsigned side : {1u, 0u}) {
        Value t = add.getInputs()[side], acc = add.getInputs()[1 - side];
        if (t == acc || t.getType() != acc.getType() ||
            !t.getDefiningOp<ck::BufferOp>())
          continue;
        ck::LaunchOp product;
        const Accumulating *kind = nullptr;
        bool other = false;
        for (Operation *user : t.getUsers()) {
          auto launch = dyn_cast<ck::LaunchOp>(user);
          if (user == add.getOperation())
            continue;
          const Accumulating *k = nullptr;
          for (const Accumulating &candidate : kinds)
            if (launch && launch.getKernel() == kernelName(candidate.product))
              k = &candidate;
          if (k && !product && launch.getOutputs()[0] == t) {
            product = launch;
            kind = k;
          } else {
            other = true;
          }
        }
        if (!product || other || taken.contains(product) ||
            product->getBlock() != add->getBlock() ||
            !product->isBeforeInBlock(add) ||
            intAttr(add, "n") != kind->elements(product) ||
            !unwrittenBetween(product.getInputs(), product, add) ||
            !unwrittenBetween(product.getOutputs().drop_front(), product,
                              add) ||
            !llvm::all_of(product.getOutputs().drop_front(), [&](Value out) {
              return unusedBetween(out, product, add);
            }))
          continue;
        taken.insert(product);
        matches.push_back({product, add, 1 - side, kind});
        return;
      }
    });

    for (Match &m : matches) {
      Value acc = m.add.getInputs()[m.acc], out = m.add.getOutputs()[0];
      Value t = m.product.getOutputs()[0];
      const bool inPlace = out != acc && acc.getType() == out.getType() &&
                           acc.getDefiningOp<ck::BufferOp>() &&
                           out.getDefiningOp<ck::BufferOp>() &&
                           usedOnlyUpTo(acc, m.add) && usedOnlyFrom(out, m.add);
      OpBuilder b(m.add);
      SmallVector<Value> inputs(m.product.getInputs());
      inputs.push_back(acc);
      SmallVector<Value> outputs = {inPlace ? acc : out};
      llvm::append_range(outputs, m.product.getOutputs().drop_front());
      auto fused = ck::LaunchOp::create(
          b, FusedLoc::get(&getContext(), {m.product.getLoc(), m.add.getLoc()}),
          kernelName(m.kind->fused), inputs, outputs);
      for (StringRef attr : m.kind->attrs)
        fused->setAttr(attr, m.product->getAttr(attr));
      keepLayer(fused, m.add);
      m.add.erase();
      m.product.erase();
      if (inPlace) {
        out.replaceAllUsesWith(acc);
        out.getDefiningOp()->erase();
      }
      if (t.use_empty())
        t.getDefiningOp()->erase();
      ++numGradAdds;
    }
  }

  /// Every use of `value` is at or before `op` (in op's block).
  static bool usedOnlyUpTo(Value value, Operation *op) {
    for (Operation *user : value.getUsers()) {
      Operation *at = op->getBlock()->findAncestorOpInBlock(*user);
      if (!at || (at != op && !at->isBeforeInBlock(op)))
        return false;
    }
    return true;
  }

  /// Every use of `value` is at or after `op` (in op's block).
  static bool usedOnlyFrom(Value value, Operation *op) {
    for (Operation *user : value.getUsers()) {
      Operation *at = op->getBlock()->findAncestorOpInBlock(*user);
      if (!at || (at != op && at->isBeforeInBlock(op)))
        return false;
    }
    return true;
  }

  /// attention(q, k, v) -> o of a training step's shape, later
  /// attention_grad(q, k, v, o, dout): attention_lse writes the rows'
  /// log-sum-exp into a new buffer that attention_grad_lse reads, instead of
  /// the gradient recomputing it (a pass over every score).
  void fuseAttentionLse() {
    SmallVector<std::pair<ck::LaunchOp, ck::LaunchOp>> pairs;
    llvm::SmallPtrSet<Operation *, 16> taken;
    getOperation().walk([&](ck::LaunchOp grad) {
      if (grad.getKernel() != kernelName(KernelId::attention_grad))
        return;
      ValueRange in = grad.getInputs(); // q, k, v, o, dout
      ck::LaunchOp writer;
      for (Operation *user : in[3].getUsers()) {
        auto launch = dyn_cast<ck::LaunchOp>(user);
        if (launch && launch.getKernel() == kernelName(KernelId::attention) &&
            launch.getOutputs()[0] == in[3] &&
            launch->getBlock() == grad->getBlock() &&
            launch->isBeforeInBlock(grad) &&
            (!writer || writer->isBeforeInBlock(launch)))
          writer = launch;
      }
      if (!writer || writer.getInputs() != in.take_front(3))
        return;
      const int64_t seq = intAttr(grad, "seq");
      if (intAttr(writer, "q_len") != seq || intAttr(writer, "kv_len") != seq ||
          intAttr(writer, "kv_batch_stride") != seq ||
          intAttr(writer, "q_position_offset") != 0)
        return;
      for (StringRef attr :
           {"batch", "heads", "kv_heads", "head_dim", "causal"})
        if (writer->getAttr(attr) != grad->getAttr(attr))
          return;
      // One gradient per forward (a second one keeps recomputing its lse).
      if (!unwrittenBetween(in.take_front(4), writer, grad) ||
          !taken.insert(writer).second)
        return;
      pairs.push_back({writer, grad});
    });

    for (auto [forward, grad] : pairs) {
      OpBuilder b(forward);
      auto lseType =
          MemRefType::get({intAttr(grad, "batch"), intAttr(grad, "heads"),
                           intAttr(grad, "seq")},
                          b.getF32Type());
      Value lse =
          ck::BufferOp::create(b, forward.getLoc(), lseType, IntegerAttr());
      SmallVector<StringRef> attrs = {"batch",    "seq",      "heads",
                                      "kv_heads", "head_dim", "causal"};
      Value fwdOutputs[] = {forward.getOutputs()[0], lse};
      auto fwd = ck::LaunchOp::create(b, forward.getLoc(),
                                      kernelName(KernelId::attention_lse),
                                      forward.getInputs(), fwdOutputs);
      for (StringRef attr : attrs)
        fwd->setAttr(attr, grad->getAttr(attr));
      keepLayer(fwd, forward);

      b.setInsertionPoint(grad);
      ValueRange in = grad.getInputs();
      Value gradInputs[] = {in[0], in[1], in[2], in[3], lse, in[4]};
      auto bwd = ck::LaunchOp::create(b, grad.getLoc(),
                                      kernelName(KernelId::attention_grad_lse),
                                      gradInputs, grad.getOutputs());
      for (StringRef attr : attrs)
        bwd->setAttr(attr, grad->getAttr(attr));
      keepLayer(bwd, grad);
      forward.erase();
      grad.erase();
      ++numAttentionLse;
    }
  }

  void fuseHeadTrain() {
    fuseHeadTrain(KernelId::head_cross_entropy,
                  KernelId::head_cross_entropy_grad,
                  KernelId::head_cross_entropy_train,
                  {"rows", "vocab", "dim", "ignore_index"});
    fuseHeadTrain(KernelId::head_cross_entropy_weighted,
                  KernelId::head_cross_entropy_weighted_grad,
                  KernelId::head_cross_entropy_weighted_train,
                  {"rows", "vocab", "dim"});
  }

  /// head_cross_entropy(h, w, t) -> loss, later head_cross_entropy_grad(h,
  /// w, t) -> dh, dw: one head_cross_entropy_train at the gradient's place
  /// (and the same for the weighted pair, whose inputs add the weights).
  void fuseHeadTrain(KernelId lossKernel, KernelId gradKernel,
                     KernelId trainKernel, ArrayRef<StringRef> attrs) {
    SmallVector<std::pair<ck::LaunchOp, ck::LaunchOp>> pairs;
    llvm::SmallPtrSet<Operation *, 4> taken;
    getOperation().walk([&](ck::LaunchOp grad) {
      if (grad.getKernel() != kernelName(gradKernel))
        return;
      ValueRange in = grad.getInputs();
      ck::LaunchOp forward;
      for (Operation *user : in[0].getUsers()) {
        auto launch = dyn_cast<ck::LaunchOp>(user);
        if (launch && launch.getKernel() == kernelName(lossKernel) &&
            launch.getInputs() == in &&
            launch->getBlock() == grad->getBlock() &&
            launch->isBeforeInBlock(grad))
          forward = launch;
      }
      if (!forward)
        return;
      for (StringRef attr : attrs)
        if (forward->getAttr(attr) != grad->getAttr(attr))
          return;
      Value loss = forward.getOutputs()[0];
      // One gradient per loss launch (fused, the loss launch is gone).
      if (!unwrittenBetween(in, forward, grad) ||
          !unusedBetween(loss, forward, grad) || !taken.insert(forward).second)
        return;
      pairs.push_back({forward, grad});
    });

    for (auto [forward, grad] : pairs) {
      OpBuilder b(grad);
      Value outputs[] = {forward.getOutputs()[0], grad.getOutputs()[0],
                         grad.getOutputs()[1]};
      auto fused = ck::LaunchOp::create(
          b, FusedLoc::get(&getContext(), {forward.getLoc(), grad.getLoc()}),
          kernelName(trainKernel), grad.getInputs(), outputs);
      for (StringRef attr : attrs)
        fused->setAttr(attr, grad->getAttr(attr));
      fused->setAttr("scale", grad->getAttr("scale"));
      keepLayer(fused, grad);
      forward.erase();
      grad.erase();
      ++numHeadsFused;
    }
  }

  void fuseAddRmsNorm() {
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
      keepLayer(fused, norm);
      add.erase();
      norm.erase();
      ++numFused;
    }
  }
};

} // namespace
