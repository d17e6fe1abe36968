//===- KernelDialect.h - The cherry_kernel dialect --------------*- C++ -*-===//

#ifndef CHERRY_DIALECT_KERNEL_IR_KERNELDIALECT_H
#define CHERRY_DIALECT_KERNEL_IR_KERNELDIALECT_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "cherry/Dialect/Kernel/IR/KernelDialect.h.inc"

#define GET_OP_CLASSES
#include "cherry/Dialect/Kernel/IR/KernelOps.h.inc"

namespace cherry::abi {
struct KernelSpec; // cherry/Runtime/KernelAbi.h, generated
} // namespace cherry::abi

namespace mlir::cherry::kernel {

/// The kernel launches of `name` run, from the runtime's ABI
/// (runtime/abi/Kernels.abi); null when the runtime has no such kernel.
const ::cherry::abi::KernelSpec *lookupKernel(llvm::StringRef name);

/// Argument attribute naming a function input or output (`"ids"`).
inline constexpr llvm::StringLiteral kBindingAttr = "cherry_kernel.binding";
/// Unit argument attribute marking an output.
inline constexpr llvm::StringLiteral kOutputAttr = "cherry_kernel.output";
/// Unit argument attribute marking state kept across calls (KV caches).
inline constexpr llvm::StringLiteral kStateAttr = "cherry_kernel.state";
/// Function attribute: bytes of scratch arena the function needs.
inline constexpr llvm::StringLiteral kScratchSizeAttr =
    "cherry_kernel.scratch_size";
/// Launch attribute (i64): the decoder layer (of a recurrent model: the
/// step) whose forward or backward pass the launch is part of. Set by the
/// lowering when asked for, read and removed by cherry-layer-loop; never a
/// kernel attribute.
inline constexpr llvm::StringLiteral kLayerAttr = "cherry_kernel.layer";

} // namespace mlir::cherry::kernel

#endif // CHERRY_DIALECT_KERNEL_IR_KERNELDIALECT_H
