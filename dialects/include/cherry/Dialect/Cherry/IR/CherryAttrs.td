//===- CherryAttrs.td - cherry attributes and enums ---------*- tablegen -*-===//

#ifndef CHERRY_ATTRS_TD
#define CHERRY_ATTRS_TD

include "cherry/Dialect/Cherry/IR/CherryDialect.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"

/// A double printed in its shortest round-tripping form.
def Cherry_DoubleParameter : AttrOrTypeParameter<"::llvm::APFloat",
                                                  "a real number (f64)"> {
  let parser = [{ [&]() -> ::mlir::FailureOr<::llvm::APFloat> {
    double value;
    if ($_parser.parseFloat(value))
      return ::mlir::failure();
    return ::llvm::APFloat(value);
  }() }];
  let printer = [{ $_printer.printFloat($_self) }];
  let comparator = "$_lhs.bitwiseIsEqual($_rhs)";
}

class Cherry_Attr<string name, string attrMnemonic, list<Trait> traits = []>
    : AttrDef<Cherry_Dialect, name, traits> {
  let mnemonic = attrMnemonic;
}

//===----------------------------------------------------------------------===//
// Parameter initializers
//===----------------------------------------------------------------------===//

def Cherry_ConstantInitAttr : Cherry_Attr<"ConstantInit", "constant"> {
  let summary = "Initialise every element to one value";
  let description = [{
    Used for norm gains (`#cherry.constant<1.0>`) and biases or per-step
    parameters that start neutral (`#cherry.constant<0.0>`).
  }];
  let parameters = (ins Cherry_DoubleParameter:$value);
  let assemblyFormat = "`<` $value `>`";
}

def Cherry_NormalInitAttr : Cherry_Attr<"NormalInit", "normal"> {
  let summary = "Initialise from N(0, std^2)";
  let description = [{
    `#cherry.normal<std = 0.02>` draws each element from a zero-mean normal
    distribution with the given standard deviation (GPT-2 / Llama style).
  }];
  let parameters = (ins Cherry_DoubleParameter:$std);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

def Cherry_UniformInitAttr : Cherry_Attr<"UniformInit", "uniform"> {
  let summary = "Initialise from U(-bound, bound)";
  let parameters = (ins Cherry_DoubleParameter:$bound);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

def Cherry_MeanOfInitAttr : Cherry_Attr<"MeanOfInit", "mean_of"> {
  let summary = "Initialise as the element-wise mean of other parameters";
  let description = [{
    `#cherry.mean_of<[@model.layers.0.mlp.up_proj.weight,
    @model.layers.1.mlp.up_proj.weight]>` is how `cherry-layer-average`
    expresses a merged layer: the mean is computed by the program's `init`
    function when weights load, so the compiler never holds weight values.
    Every source must be a `cherry.param` of the same type.
  }];
  let parameters = (ins "::mlir::ArrayAttr":$sources);
  let assemblyFormat = "`<` $sources `>`";
  let genVerifyDecl = 1;
}

def Cherry_LoraSvdInitAttr : Cherry_Attr<"LoraSvdInit", "lora_svd"> {
  let summary = "Initialise a LoRA factor from the truncated SVD of a residual";
  let description = [{
    `#cherry.lora_svd<original = @source.model.layers.5.mlp.up_proj.weight,
    average = @model.layers.0.mlp.up_proj.weight, rank = 8, factor = "B",
    scale = 2.0>` makes one factor of a rank-`rank` adapter whose
    `scale * B * A` is the best rank-`rank` approximation (truncated SVD,
    Eckart-Young) of the residual `original - average`, both `[out, in]`
    parameters: with `R = U S V^T`, `B = U_r sqrt(S_r / scale)` (`[out,
    rank]`) and `A = sqrt(S_r / scale) V_r^T` (`[rank, in]`). So the
    adapted weight `average + scale * B * A` starts as close to `original`
    as the rank allows, and equals it when `rank` is the residual's rank.
    The runtime computes it when weights load (LAPACK's `dgesdd`, in
    double); the compiler never holds weight values. This is the
    initialization of Relaxed Recursive Transformers for an averaged layer
    standing in for the layer it replaced.
  }];
  let parameters = (ins "::mlir::FlatSymbolRefAttr":$original,
                        "::mlir::FlatSymbolRefAttr":$average,
                        "int64_t":$rank,
                        "::mlir::StringAttr":$factor,
                        Cherry_DoubleParameter:$scale);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

def Cherry_StackOfInitAttr : Cherry_Attr<"StackOfInit", "stack_of"> {
  let summary = "Initialise by stacking other parameters along a new first dimension";
  let description = [{
    `#cherry.stack_of<[@source.0.model.layers.0.mlp.up_proj.weight,
    @source.1.model.layers.0.mlp.up_proj.weight]>` makes an `[E, ...]`
    parameter whose slice `e` is the `e`-th source (each of type `[...]`):
    this is how `cherry-moee-fuse` turns the MLPs of E models into the
    stacked weights of one routed MLP's experts. Like `mean_of`, it is
    computed by the runtime when weights load.
  }];
  let parameters = (ins "::mlir::ArrayAttr":$sources);
  let assemblyFormat = "`<` $sources `>`";
  let genVerifyDecl = 1;
}

def Cherry_InitializerAttr : AnyAttrOf<[Cherry_ConstantInitAttr,
    Cherry_NormalInitAttr, Cherry_UniformInitAttr, Cherry_MeanOfInitAttr,
    Cherry_LoraSvdInitAttr, Cherry_StackOfInitAttr]>;

//===----------------------------------------------------------------------===//
// Enums
//===----------------------------------------------------------------------===//

def Cherry_SgtPolicy : I32EnumAttr<"SgtPolicy",
    "how cherry.sgt_select picks the supervised positions", [
      I32EnumAttrCase<"score", 0>,
      I32EnumAttrCase<"random", 1>,
      I32EnumAttrCase<"uniform", 2>,
      I32EnumAttrCase<"surprisal", 3>,
      I32EnumAttrCase<"loss_topk", 4>,
      I32EnumAttrCase<"mask", 5>
    ]> {
  let cppNamespace = "::mlir::cherry";
}

def Cherry_Routing : I32EnumAttr<"Routing",
    "the granularity at which cherry.moee routes", [
      I32EnumAttrCase<"token", 0>,
      I32EnumAttrCase<"sequence", 1>
    ]> {
  let cppNamespace = "::mlir::cherry";
}

#endif // CHERRY_ATTRS_TD
