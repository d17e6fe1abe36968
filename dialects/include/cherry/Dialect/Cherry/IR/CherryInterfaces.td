//===- CherryInterfaces.td - cherry op interfaces -----------*- tablegen -*-===//

#ifndef CHERRY_INTERFACES_TD
#define CHERRY_INTERFACES_TD

include "mlir/IR/OpBase.td"

def Cherry_CostOpInterface : OpInterface<"CostOpInterface"> {
  let cppNamespace = "::mlir::cherry";
  let description = [{
    The arithmetic cost of one execution of an op with its static shapes.
    Region ops sum their bodies (a `recurrent` op once per scheduled step).
    `cherry-cost-report` and fusion decisions read costs only through this
    interface. FLOP conventions are listed in docs/CostModel.md.
  }];
  let methods = [
    InterfaceMethod<
      "FLOPs of one forward execution of this op.",
      "int64_t", "getForwardFlops">,
    InterfaceMethod<
      "FLOPs of the op's vector-Jacobian product (all operand gradients). "
      "Defaults to twice the forward FLOPs, the usual count for matmuls "
      "(one product for the input gradient, one for the weight gradient).",
      "int64_t", "getBackwardFlops", (ins), "",
      "return 2 * $_op.getForwardFlops();">,
    InterfaceMethod<
      "Number of parameter elements this op defines (non-zero only for "
      "cherry.param).",
      "int64_t", "getParameterCount", (ins), "", "return 0;">,
  ];
}

def Cherry_DifferentiableOpInterface : OpInterface<"DifferentiableOpInterface"> {
  let cppNamespace = "::mlir::cherry";
  let description = [{
    An op that can build its own vector-Jacobian product. `cherry-autodiff`
    walks a function backwards and asks each op for the cotangents of its
    operands given the cotangents of its results; there is no switch over op
    names anywhere in the autodiff pass.
  }];
  let methods = [
    InterfaceMethod<
      "Builds the VJP at the builder's insertion point. `resultCotangents` "
      "has one entry per result, null where the result does not reach the "
      "loss. Returns one entry per operand, null for operands that carry no "
      "gradient (token ids, positions).",
      "::llvm::FailureOr<::llvm::SmallVector<::mlir::Value>>", "buildVJP",
      (ins "::mlir::OpBuilder &":$builder,
           "::mlir::ValueRange":$resultCotangents)>,
  ];
}

def Cherry_ShapeInferenceOpInterface
    : OpInterface<"ShapeInferenceOpInterface"> {
  let cppNamespace = "::mlir::cherry";
  let description = [{
    Computes an op's result types from its operand types. Shape
    specialization (`cherry-specialize-shapes`) changes a function's argument
    shapes and re-infers every op in order through this interface; region
    ops also retype their entry-block arguments from their operands before
    their bodies are visited. Unlike `InferTypeOpInterface`, nothing is
    checked against the declared types here: the op verifiers do that, with
    their own diagnostics.
  }];
  let methods = [
    InterfaceMethod<
      "Appends the result types implied by the current operand types (and, "
      "for region ops, by their terminators). The default gives the single "
      "result the type of operand 0.",
      "::llvm::LogicalResult", "inferResultTypes",
      (ins "::llvm::SmallVectorImpl<::mlir::Type> &":$types), "",
      "types.push_back($_op->getOperand(0).getType()); return ::mlir::success();">,
    InterfaceMethod<
      "Gives region entry-block arguments the types the operands imply "
      "(region ops only).",
      "void", "refineRegionArgumentTypes", (ins), "", "return;">,
  ];
}

#endif // CHERRY_INTERFACES_TD
