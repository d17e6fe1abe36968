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

#endif // CHERRY_DIALECT_CHERRY_IR_CHERRYOPS_H
