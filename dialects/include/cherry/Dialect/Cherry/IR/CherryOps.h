//===- CherryOps.h - cherry operations --------------------------*- C++ -*-===//

#ifndef CHERRY_DIALECT_CHERRY_IR_CHERRYOPS_H
#define CHERRY_DIALECT_CHERRY_IR_CHERRYOPS_H

#include "cherry/Dialect/Cherry/IR/CherryAttrs.h"
#include "cherry/Dialect/Cherry/IR/CherryDialect.h"
#include "cherry/Dialect/Cherry/IR/CherryInterfaces.h"
#include "cherry/Dialect/Cherry/IR/CherryTraits.h"

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#define GET_OP_CLASSES
#include "cherry/Dialect/Cherry/IR/CherryOps.h.inc"

namespace mlir::cherry {
/// On a cherry.param: the parameter is this rank's slice of a tensor whose
/// dimension 0 is split evenly over this many ranks (expert parallelism:
/// rank r holds rows [r * n, (r + 1) * n) of the whole, n its own dim 0).
inline constexpr llvm::StringLiteral kExpertShardsAttr = "cherry.expert_shards";
} // namespace mlir::cherry

#endif // CHERRY_DIALECT_CHERRY_IR_CHERRYOPS_H
