//===- CherryDialect.td - The cherry dialect ----------------*- tablegen -*-===//
//
// Tensor-level dialect for compute-efficient language-model training.
//
//===----------------------------------------------------------------------===//

#ifndef CHERRY_DIALECT_TD
#define CHERRY_DIALECT_TD

include "mlir/IR/OpBase.td"

def Cherry_Dialect : Dialect {
  let name = "cherry";
  let cppNamespace = "::mlir::cherry";
  let summary = "Transformer training graphs for compute-efficient LMs";
  let description = [{
    The `cherry` dialect describes a language model as a dataflow graph of
    coarse, value-semantic tensor ops: the pieces a transformer is made of
    (`embedding`, `rms_norm`, `linear`, `rope`, `attention`, `swiglu`,
    `cross_entropy`), region ops that group them into the units the CHERRY
    rewrites work on (`decoder_layer`, `recurrent`, `moee`, `mtp_head`), and
    the ops of selective ground-truth token training (`sgt_select`, `gather`,
    `selective_cross_entropy`).

    Weights are module-level `cherry.param` symbols that carry shape, dtype,
    initializer and the checkpoint (safetensors) key they load from; functions
    read them with `cherry.param_ref`. The compiler never holds weight values.

    All tensors have static shapes: every CHERRY program is compiled to a
    fixed schedule over a planned arena.
  }];
  let useDefaultAttributePrinterParser = 1;
  let usePropertiesForAttributes = 1;
  let extraClassDeclaration = [{
    void registerAttributes();
  }];
}

#endif // CHERRY_DIALECT_TD
