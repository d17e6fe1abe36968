//===- CherryDialect.cpp - The cherry dialect -----------------------------===//

#include "cherry/Dialect/Cherry/IR/CherryDialect.h"
#include "cherry/Dialect/Cherry/IR/CherryAttrs.h"
#include "cherry/Dialect/Cherry/IR/CherryOps.h"

using namespace mlir;
using namespace mlir::cherry;

#include "cherry/Dialect/Cherry/IR/CherryDialect.cpp.inc"
#include "cherry/Dialect/Cherry/IR/CherryInterfaces.cpp.inc"

void CherryDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "cherry/Dialect/Cherry/IR/CherryOps.cpp.inc"
      >();
  registerAttributes();
}

LogicalResult mlir::cherry::OpTrait::detail::verifyStrictAttributes(
    Operation *op, ArrayRef<StringRef> inherentNames) {
  for (NamedAttribute attr : op->getDiscardableAttrs()) {
    StringRef name = attr.getName().strref();
    if (name.contains('.'))
      continue;
    InFlightDiagnostic diag = op->emitOpError("has unknown attribute '")
                              << name << "'";
    if (inherentNames.empty()) {
      diag << " (it takes no attributes)";
    } else {
      diag << " (expected one of:";
      for (StringRef known : inherentNames)
        diag << " " << known;
      diag << ")";
    }
    return diag;
  }
  return success();
}
