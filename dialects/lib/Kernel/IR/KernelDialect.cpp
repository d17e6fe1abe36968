//===- KernelDialect.cpp - The cherry_kernel dialect ----------------------===//

#include "cherry/Dialect/Kernel/IR/KernelDialect.h"

#include "cherry/Dialect/Cherry/IR/CherryOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"

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

static SmallVector<StringRef> splitNames(StringRef list) {
  SmallVector<StringRef> names;
  SmallVector<StringRef> parts;
  list.split(parts, ',', /*MaxSplit=*/-1, /*KeepEmpty=*/false);
  for (StringRef part : parts)
    names.push_back(part.trim());
  return names;
}

const KernelSignature *mlir::cherry::kernel::lookupKernel(StringRef name) {
  static const llvm::StringMap<KernelSignature> table = [] {
    llvm::StringMap<KernelSignature> kernels;
#define CHERRY_KERNEL(NAME, INPUTS, OUTPUTS, INTS, FLOATS)                     \
  kernels[#NAME] = KernelSignature{#NAME, INPUTS, OUTPUTS, splitNames(INTS),   \
                                   splitNames(FLOATS)};
#include "cherry/Runtime/Kernels.def"
    return kernels;
  }();
  auto it = table.find(name);
  return it == table.end() ? nullptr : &it->second;
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

int64_t BufferOp::getSizeInBytes() {
  MemRefType type = getBuffer().getType();
  return type.getNumElements() *
         llvm::divideCeil(type.getElementTypeBitWidth(), 8);
}

LogicalResult BufferOp::verify() {
  if (std::optional<uint64_t> offset = getOffset(); offset && *offset % 64)
    return emitOpError() << "offset " << *offset
                         << " is not a multiple of 64 bytes";
  if (!getBuffer().getType().getLayout().isIdentity())
    return emitOpError() << "must have the identity layout";
  return success();
}

LogicalResult LaunchOp::verify() {
  const KernelSignature *kernel = lookupKernel(getKernel());
  if (!kernel)
    return emitOpError() << "unknown kernel '" << getKernel()
                         << "' (not in runtime/include/cherry/Runtime/"
                            "Kernels.def)";
  int64_t wantInputs = kernel->numInputs, wantOutputs = kernel->numOutputs;
  if (wantInputs < 0) {
    // A list of `count` tensors after -numInputs fixed inputs.
    auto count = llvm::dyn_cast_or_null<IntegerAttr>(
        (*this)->getDiscardableAttr("count"));
    if (!count || count.getInt() < 1)
      return emitOpError() << "kernel '" << getKernel()
                           << "' needs a positive integer attribute 'count'";
    wantInputs = -wantInputs + count.getInt();
    wantOutputs = -wantOutputs * count.getInt();
  }
  if (int64_t(getInputs().size()) != wantInputs ||
      int64_t(getOutputs().size()) != wantOutputs)
    return emitOpError() << "kernel '" << getKernel() << "' takes "
                         << wantInputs << " inputs and " << wantOutputs
                         << " outputs, found " << getInputs().size() << " and "
                         << getOutputs().size();
  for (StringRef name : kernel->intAttrs)
    if (!llvm::isa_and_nonnull<IntegerAttr>((*this)->getDiscardableAttr(name)))
      return emitOpError() << "kernel '" << getKernel()
                           << "' needs integer attribute '" << name << "'";
  for (StringRef name : kernel->floatAttrs)
    if (!llvm::isa_and_nonnull<FloatAttr>((*this)->getDiscardableAttr(name)))
      return emitOpError() << "kernel '" << getKernel()
                           << "' needs float attribute '" << name << "'";
  for (NamedAttribute attr : (*this)->getDiscardableAttrs()) {
    StringRef name = attr.getName();
    if (!llvm::is_contained(kernel->intAttrs, name) &&
        !llvm::is_contained(kernel->floatAttrs, name))
      return emitOpError() << "kernel '" << getKernel()
                           << "' has no attribute '" << name << "' (expected: "
                           << llvm::join(
                                  llvm::concat<const StringRef>(
                                      kernel->intAttrs, kernel->floatAttrs),
                                  ", ")
                           << ")";
  }
  return success();
}

#define GET_OP_CLASSES
#include "cherry/Dialect/Kernel/IR/KernelOps.cpp.inc"
