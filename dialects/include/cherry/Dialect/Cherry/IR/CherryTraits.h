//===- CherryTraits.h - cherry op traits ------------------------*- C++ -*-===//

#ifndef CHERRY_DIALECT_CHERRY_IR_CHERRYTRAITS_H
#define CHERRY_DIALECT_CHERRY_IR_CHERRYTRAITS_H

#include "mlir/IR/OpDefinition.h"

namespace mlir::cherry::OpTrait {

namespace detail {
LogicalResult verifyStrictAttributes(Operation *op,
                                     ArrayRef<StringRef> inherentNames);
} // namespace detail

/// Every attribute on the op is either inherent (declared in ODS) or carries a
/// dialect prefix (`dialect.name`). Anything else is almost surely a typo.
template <typename ConcreteType>
class StrictAttributes
    : public mlir::OpTrait::TraitBase<ConcreteType, StrictAttributes> {
public:
  static LogicalResult verifyTrait(Operation *op) {
    return detail::verifyStrictAttributes(
        op, cast<ConcreteType>(op).getAttributeNames());
  }
};

} // namespace mlir::cherry::OpTrait

#endif // CHERRY_DIALECT_CHERRY_IR_CHERRYTRAITS_H
