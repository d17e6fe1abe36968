//===- CherryCost.h - Cost helpers over cherry regions ----------*- C++ -*-===//

#ifndef CHERRY_DIALECT_CHERRY_IR_CHERRYCOST_H
#define CHERRY_DIALECT_CHERRY_IR_CHERRYCOST_H

#include "mlir/IR/Region.h"

namespace mlir::cherry {

/// Forward and backward FLOPs of one execution of a block's ops, summed
/// through CostOpInterface. Ops without the interface count as zero.
struct FlopCount {
  int64_t forward = 0;
  int64_t backward = 0;
  FlopCount &operator+=(const FlopCount &other) {
    forward += other.forward;
    backward += other.backward;
    return *this;
  }
};

FlopCount getBlockFlops(Block &block);

} // namespace mlir::cherry

#endif // CHERRY_DIALECT_CHERRY_IR_CHERRYCOST_H
