//===- CherryInterfaces.h - cherry op interfaces ----------------*- C++ -*-===//

#ifndef CHERRY_DIALECT_CHERRY_IR_CHERRYINTERFACES_H
#define CHERRY_DIALECT_CHERRY_IR_CHERRYINTERFACES_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpDefinition.h"

#include "cherry/Dialect/Cherry/IR/CherryInterfaces.h.inc"

#endif // CHERRY_DIALECT_CHERRY_IR_CHERRYINTERFACES_H
