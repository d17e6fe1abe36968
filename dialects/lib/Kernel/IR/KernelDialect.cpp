//===- KernelDialect.cpp - The cherry_kernel dialect ----------------------===//

#include "cherry/Dialect/Kernel/IR/KernelDialect.h"

#include "cherry/Dialect/Cherry/IR/CherryOps.h"
#include "cherry/Runtime/KernelAbi.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/StringExtras.h"

using namespace mlir;
using namespace mlir::cherry::kernel;

#include "cherry/Dialect/Kernel/IR/KernelDialect.cpp.inc"

void CherryKernelDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "cherry/Dialect/Kernel/IR/KernelOps.cpp.inc"
      >();
}

//===----------------------------------------------------------------------===//
// The kernel ABI
//===----------------------------------------------------------------------===//

const ::cherry::abi::KernelSpec *
mlir::cherry::kernel::lookupKernel(StringRef name) {
  std::optional<::cherry::abi::KernelId> id =
      ::cherry::abi::findKernel(std::string_view(name.data(), name.size()));
  return id ? &::cherry::abi::kernelSpec(*id) : nullptr;
}

//===----------------------------------------------------------------------===//
// Ops
//===----------------------------------------------------------------------===//

LogicalResult ParamOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  auto param = symbolTable.lookupNearestSymbolFrom<cherry::ParamOp>(
      *this, getParamAttr());
  if (!param)
    return emitOpError() << "references undefined parameter " << getParamAttr();
  auto tensor = param.getTensorType();
  auto buffer = getBuffer().getType();
  if (tensor.getShape() != buffer.getShape() ||
      tensor.getElementType() != buffer.getElementType())
    return emitOpError() << "buffer " << buffer << " does not match parameter "
                         << getParamAttr() << " of type " << tensor;
  return success();
}

/// Buffers above 2^48 bytes are refused: no machine holds one, and every
/// product of their dimensions then fits in int64 without wrapping.
static constexpr uint64_t kMaxBufferBytes = uint64_t(1) << 48;

/// The bytes of `type`, or nothing when the product of its dimensions
/// exceeds kMaxBufferBytes (checked factor by factor, so it cannot wrap).
static std::optional<uint64_t> boundedBytes(MemRefType type) {
  uint64_t bytes = llvm::divideCeil(type.getElementTypeBitWidth(), 8);
  for (int64_t d : type.getShape()) {
    if (d < 0 || (d && bytes > kMaxBufferBytes / uint64_t(d)))
      return std::nullopt;
    bytes *= uint64_t(d);
  }
  return bytes;
}

int64_t BufferOp::getSizeInBytes() {
  MemRefType type = getBuffer().getType();
  return type.getNumElements() *
         llvm::divideCeil(type.getElementTypeBitWidth(), 8);
}

LogicalResult BufferOp::verify() {
  if (!boundedBytes(getBuffer().getType()))
    return emitOpError() << "of type " << getBuffer().getType()
                         << " holds more than 2^48 bytes (a dimension or "
                            "the batch is too large)";
  if (std::optional<uint64_t> offset = getOffset(); offset && *offset % 64)
    return emitOpError() << "offset " << *offset
                         << " is not a multiple of 64 bytes";
  if (!getBuffer().getType().getLayout().isIdentity())
    return emitOpError() << "must have the identity layout";
  return success();
}

/// Whether `op` (a launch, or a loop and its body) uses one of `buffers`.
static bool touchesAny(Operation *op, ArrayRef<Value> buffers) {
  WalkResult found = op->walk([&](Operation *inner) {
    for (Value v : inner->getOperands())
      if (llvm::is_contained(buffers, v))
        return WalkResult::interrupt();
    return WalkResult::advance();
  });
  return found.wasInterrupted();
}

/// An all_reduce_start and its all_reduce_wait: the wait finishes the
/// start's outputs in place, and no op between them touches those buffers.
static LogicalResult verifyInFlight(LaunchOp launch) {
  const bool start = launch.getKernel() == "all_reduce_start";
  SmallVector<Value> buffers(start ? launch.getOutputs() : launch.getInputs());
  auto same = [&](LaunchOp other, StringRef kernel) {
    if (other.getKernel() != kernel)
      return false;
    auto theirs =
        kernel == "all_reduce_wait" ? other.getInputs() : other.getOutputs();
    return llvm::equal(theirs, buffers);
  };
  if (!start) {
    if (!llvm::equal(launch.getOutputs(), launch.getInputs()))
      return launch.emitOpError()
             << "kernel 'all_reduce_wait' must have its inputs as its "
                "outputs (a wait finishes its start's buffers in place)";
    for (Operation *op = launch->getPrevNode(); op; op = op->getPrevNode()) {
      if (!touchesAny(op, buffers))
        continue;
      auto previous = dyn_cast<LaunchOp>(op);
      if (previous && same(previous, "all_reduce_start"))
        return success();
      return launch.emitOpError()
             << "kernel 'all_reduce_wait' has no all_reduce_start of its "
                "buffers before it (the last op to touch them is '"
             << (previous ? previous.getKernel() : op->getName().getStringRef())
             << "')";
    }
    return launch.emitOpError() << "kernel 'all_reduce_wait' has no "
                                   "all_reduce_start of its buffers before it";
  }
  for (Operation *op = launch->getNextNode(); op; op = op->getNextNode()) {
    if (!touchesAny(op, buffers))
      continue;
    auto next = dyn_cast<LaunchOp>(op);
    if (next && same(next, "all_reduce_wait"))
      return success();
    return launch.emitOpError()
           << "kernel 'all_reduce_start': its outputs are touched by '"
           << (next ? next.getKernel() : op->getName().getStringRef())
           << "' before an all_reduce_wait of them";
  }
  return launch.emitOpError() << "kernel 'all_reduce_start' has no "
                                 "all_reduce_wait of its outputs after it";
}

LogicalResult LaunchOp::verify() {
  const ::cherry::abi::KernelSpec *kernel = lookupKernel(getKernel());
  if (!kernel)
    return emitOpError() << "unknown kernel '" << getKernel()
                         << "' (not in runtime/abi/Kernels.abi)";
  int64_t wantInputs = kernel->inputs.size, wantOutputs = kernel->outputs.size;
  if (kernel->isList()) {
    // A list of `count` tensors after the fixed inputs, the outputs per
    // tensor.
    StringRef length = kernel->ints[kernel->listLength].name;
    auto count = llvm::dyn_cast_or_null<IntegerAttr>(
        (*this)->getDiscardableAttr(length));
    if (!count || count.getInt() < 1)
      return emitOpError() << "kernel '" << getKernel()
                           << "' needs a positive integer attribute '" << length
                           << "'";
    wantInputs = kernel->inputs.size - 1 + count.getInt();
    wantOutputs = kernel->outputs.size * count.getInt();
  }
  if (int64_t(getInputs().size()) != wantInputs ||
      int64_t(getOutputs().size()) != wantOutputs)
    return emitOpError() << "kernel '" << getKernel() << "' takes "
                         << wantInputs << " inputs and " << wantOutputs
                         << " outputs, found " << getInputs().size() << " and "
                         << getOutputs().size();
  SmallVector<StringRef> intNames, floatNames;
  for (const ::cherry::abi::IntAttrSpec &attr : kernel->ints)
    intNames.push_back(attr.name);
  for (const char *name : kernel->floats)
    floatNames.push_back(name);
  for (StringRef name : intNames)
    if (!llvm::isa_and_nonnull<IntegerAttr>((*this)->getDiscardableAttr(name)))
      return emitOpError() << "kernel '" << getKernel()
                           << "' needs integer attribute '" << name << "'";
  for (StringRef name : floatNames)
    if (!llvm::isa_and_nonnull<FloatAttr>((*this)->getDiscardableAttr(name)))
      return emitOpError() << "kernel '" << getKernel()
                           << "' needs float attribute '" << name << "'";
  for (NamedAttribute attr : (*this)->getDiscardableAttrs()) {
    StringRef name = attr.getName();
    // The dialect's own annotations (kLayerAttr) are no kernel attributes.
    if (name.starts_with("cherry_kernel."))
      continue;
    if (!llvm::is_contained(intNames, name) &&
        !llvm::is_contained(floatNames, name))
      return emitOpError() << "kernel '" << getKernel()
                           << "' has no attribute '" << name << "' (expected: "
                           << llvm::join(
                                  llvm::concat<StringRef>(intNames, floatNames),
                                  ", ")
                           << ")";
  }
  if (getKernel() == "all_reduce_start" || getKernel() == "all_reduce_wait")
    return verifyInFlight(*this);
  return success();
}

LogicalResult LoopOp::verify() {
  if (getTrips() < 1)
    return emitOpError() << "has trip count " << getTrips()
                         << ", expected at least 1";
  unsigned perTrip = getNumSlotsPerTrip();
  if (getSlots().size() != uint64_t(getTrips()) * perTrip)
    return emitOpError() << "has " << getSlots().size() << " slot operands, "
                         << "expected trips * block arguments = " << getTrips()
                         << " * " << perTrip;
  for (auto [i, slot] : llvm::enumerate(getSlots()))
    if (slot.getType() != getBody().getArgument(i % perTrip).getType())
      return emitOpError() << "slot operand " << i << " of type "
                           << slot.getType() << " does not match body argument "
                           << i % perTrip << " of type "
                           << getBody().getArgument(i % perTrip).getType();
  // The runtime's bound on a loop's kernel calls (kMaxLoopCalls).
  constexpr uint64_t kMaxCalls = uint64_t(1) << 24;
  uint64_t calls =
      std::distance(getBody().front().begin(), getBody().front().end());
  if (calls && uint64_t(getTrips()) > kMaxCalls / calls)
    return emitOpError() << "runs " << getTrips() << " trips of " << calls
                         << " launches, more than the limit of " << kMaxCalls;
  for (Operation &op : getBody().front())
    if (!isa<LaunchOp>(op))
      return op.emitOpError()
             << "cannot be in the body of a cherry_kernel.loop (only "
                "launches are)";
  return success();
}

#define GET_OP_CLASSES
#include "cherry/Dialect/Kernel/IR/KernelOps.cpp.inc"
