//===- CherryDialect.h - The cherry dialect ---------------------*- C++ -*-===//

#ifndef CHERRY_DIALECT_CHERRY_IR_CHERRYDIALECT_H
#define CHERRY_DIALECT_CHERRY_IR_CHERRYDIALECT_H

#include "mlir/IR/Dialect.h"

#include "cherry/Dialect/Cherry/IR/CherryDialect.h.inc"

#endif // CHERRY_DIALECT_CHERRY_IR_CHERRYDIALECT_H
