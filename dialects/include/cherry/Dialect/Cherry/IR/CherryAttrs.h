//===- CherryAttrs.h - cherry attributes and enums --------------*- C++ -*-===//

#ifndef CHERRY_DIALECT_CHERRY_IR_CHERRYATTRS_H
#define CHERRY_DIALECT_CHERRY_IR_CHERRYATTRS_H

#include "mlir/IR/Attributes.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectImplementation.h"

#include "cherry/Dialect/Cherry/IR/CherryEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "cherry/Dialect/Cherry/IR/CherryAttrs.h.inc"

#endif // CHERRY_DIALECT_CHERRY_IR_CHERRYATTRS_H
