//===- CherryAttrs.cpp - cherry attributes and enums ----------------------===//

#include "cherry/Dialect/Cherry/IR/CherryAttrs.h"
#include "cherry/Dialect/Cherry/IR/CherryDialect.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>

using namespace mlir;
using namespace mlir::cherry;

#include "cherry/Dialect/Cherry/IR/CherryEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "cherry/Dialect/Cherry/IR/CherryAttrs.cpp.inc"

void CherryDialect::registerAttributes() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "cherry/Dialect/Cherry/IR/CherryAttrs.cpp.inc"
      >();
}

LogicalResult
NormalInitAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                       APFloat std) {
  if (!(std.convertToDouble() > 0.0))
    return emitError() << "#cherry.normal: std must be positive, got "
                       << std.convertToDouble();
  return success();
}

LogicalResult
LoraSvdInitAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                        FlatSymbolRefAttr, FlatSymbolRefAttr, int64_t rank,
                        StringAttr factor, APFloat scale) {
  if (rank <= 0)
    return emitError() << "#cherry.lora_svd: rank must be positive, got "
                       << rank;
  if (factor.getValue() != "A" && factor.getValue() != "B")
    return emitError() << "#cherry.lora_svd: factor must be \"A\" or "
                          "\"B\", got "
                       << factor;
  double s = scale.convertToDouble();
  if (!(s > 0.0) || !std::isfinite(s))
    return emitError()
           << "#cherry.lora_svd: scale must be a positive number, got " << s;
  return success();
}

LogicalResult
UniformInitAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                        APFloat bound) {
  if (!(bound.convertToDouble() > 0.0))
    return emitError() << "#cherry.uniform: bound must be positive, got "
                       << bound.convertToDouble();
  return success();
}

LogicalResult
StackOfInitAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                        ArrayAttr sources) {
  if (sources.empty())
    return emitError() << "#cherry.stack_of: needs at least one source";
  for (auto [i, source] : llvm::enumerate(sources))
    if (!isa<FlatSymbolRefAttr>(source))
      return emitError() << "#cherry.stack_of: source #" << i
                         << " must be a parameter symbol (@name), got "
                         << source;
  return success();
}

LogicalResult
MeanOfInitAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                       ArrayAttr sources) {
  if (sources.empty())
    return emitError() << "#cherry.mean_of: needs at least one source";
  for (auto [i, source] : llvm::enumerate(sources))
    if (!isa<FlatSymbolRefAttr>(source))
      return emitError() << "#cherry.mean_of: source #" << i
                         << " must be a parameter symbol (@name), got "
                         << source;
  return success();
}
