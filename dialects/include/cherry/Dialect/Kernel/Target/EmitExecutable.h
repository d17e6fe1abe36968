//===- EmitExecutable.h - Kernel IR -> protobuf Executable ------*- C++ -*-===//

#ifndef CHERRY_DIALECT_KERNEL_TARGET_EMITEXECUTABLE_H
#define CHERRY_DIALECT_KERNEL_TARGET_EMITEXECUTABLE_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/raw_ostream.h"

namespace mlir::cherry::kernel {

/// Serializes a planned kernel-level module (after cherry-plan-memory) as a
/// binary `cherry.executable.Executable`: parameters and function bindings
/// get buffers at the start of the arena, each function's temporaries the
/// scratch region after them (functions run one at a time and share it),
/// every launch becomes an instruction. The result is checked with the
/// runtime's own verifier before it is written.
LogicalResult emitExecutable(ModuleOp module, llvm::raw_ostream &os);

/// Registers the `--emit-executable` translation.
void registerEmitExecutableTranslation();

} // namespace mlir::cherry::kernel

#endif // CHERRY_DIALECT_KERNEL_TARGET_EMITEXECUTABLE_H
