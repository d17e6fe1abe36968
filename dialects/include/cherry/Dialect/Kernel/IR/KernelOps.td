//===- KernelOps.td - cherry_kernel dialect ----------------*- tablegen -*-===//
//
// The kernel-level IR: a flat schedule of kernel launches over buffers. It is
// what cherry-lower-to-kernels produces from the tensor-level `cherry`
// dialect, what cherry-plan-memory places in one arena, and what
// `cherry-translate --emit-executable` writes out as an Executable.
//
//===----------------------------------------------------------------------===//

#ifndef CHERRY_KERNEL_OPS_TD
#define CHERRY_KERNEL_OPS_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def CherryKernel_Dialect : Dialect {
  let name = "cherry_kernel";
  let cppNamespace = "::mlir::cherry::kernel";
  let summary = "Kernel launches over planned buffers";
  let description = [{
    After bufferization every value of a `cherry` program is a buffer
    (`memref`) and every op a launch of a runtime kernel named in
    `runtime/abi/Kernels.abi`, the description the runtime dispatches on.
    Functions take their inputs and outputs as `memref` arguments named by
    `cherry_kernel.binding` argument attributes (outputs also carry
    `cherry_kernel.output`) and return nothing. Temporaries are
    `cherry_kernel.buffer`s, which `cherry-plan-memory` places at offsets of
    one scratch arena; parameters are read with `cherry_kernel.param`.
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect"];
}

class CherryKernel_Op<string mnemonic, list<Trait> traits = []>
    : Op<CherryKernel_Dialect, mnemonic, traits>;

def CherryKernel_ParamOp : CherryKernel_Op<"param", [
    Pure, DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "The buffer holding a module-level parameter";
  let description = [{
    The buffer of the `cherry.param` named by `param`; its shape and element
    type must match the parameter's.

    ```mlir
    %w = cherry_kernel.param @model.norm.weight : memref<64xf32>
    ```
  }];
  let arguments = (ins FlatSymbolRefAttr:$param);
  let results = (outs AnyStaticShapeMemRef:$buffer);
  let assemblyFormat = "$param attr-dict `:` type($buffer)";
}

def CherryKernel_BufferOp : CherryKernel_Op<"buffer"> {
  let summary = "A temporary buffer, placed in the scratch arena";
  let description = [{
    A buffer that lives from its first to its last use in the function's
    schedule. `cherry-plan-memory` sets `offset`, its byte offset in the
    function's scratch arena; buffers whose lifetimes overlap never overlap
    in memory.

    ```mlir
    %t = cherry_kernel.buffer offset 4096 : memref<2x7x64xf32>
    ```
  }];
  let arguments = (ins OptionalAttr<I64Attr>:$offset);
  let results = (outs AnyStaticShapeMemRef:$buffer);
  let assemblyFormat = "(`offset` $offset^)? attr-dict `:` type($buffer)";
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// Bytes the buffer occupies.
    int64_t getSizeInBytes();
  }];
}

def CherryKernel_LaunchOp : CherryKernel_Op<"launch", [AttrSizedOperandSegments]> {
  let summary = "Runs one runtime kernel";
  let description = [{
    Runs kernel `kernel` (a name from `Kernels.abi`) on `inputs`, writing
    `outputs`. The kernel's integer and float attributes are the op's other
    attributes; the verifier checks the name, the operand counts and that
    exactly the kernel's attributes are present with the right types.

    ```mlir
    cherry_kernel.launch "linear"(%x, %w : memref<14x64xf32>, memref<32x64xf32>)
        outs(%y : memref<14x32xf32>) {k = 64 : i64, m = 14 : i64, n = 32 : i64}
    ```
  }];
  let arguments = (ins StrAttr:$kernel, Variadic<AnyStaticShapeMemRef>:$inputs,
                       Variadic<AnyStaticShapeMemRef>:$outputs);
  let assemblyFormat = [{
    $kernel `(` $inputs `:` type($inputs) `)`
    `outs` `(` $outputs `:` type($outputs) `)` attr-dict
  }];
  let hasVerifier = 1;
}

def CherryKernel_LoopOp : CherryKernel_Op<"loop", [SingleBlock, NoTerminator]> {
  let summary = "Runs a body of launches once per iteration";
  let description = [{
    Runs the launches of `body` `trips` times in order. The body's block
    arguments are its *slots*, the operands that differ from iteration to
    iteration: iteration `i` binds argument `k` to operand
    `slots[i * numArgs + k]`. Values used in the body but defined above it
    (parameters, temporaries) are the same in every iteration. Running the
    loop is running its iterations' bodies one after the other, so a loop
    is an exact, shorter spelling of the launches it replaces
    (cherry-layer-loop makes them from the layers of a recurrent model).

    ```mlir
    cherry_kernel.loop 2 slots(%x0, %x1, %x1, %x2 : memref<8xf32>, ...) {
    ^bb0(%in: memref<8xf32>, %out: memref<8xf32>):
      cherry_kernel.launch "add"(%in, %w : ...) outs(%out : ...) {n = 8 : i64}
    }
    ```
  }];
  let arguments = (ins I64Attr:$trips, Variadic<AnyStaticShapeMemRef>:$slots);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    $trips (`slots` `(` $slots^ `:` type($slots) `)`)? $body attr-dict
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The slots of the body (its block arguments), one set per iteration.
    unsigned getNumSlotsPerTrip() { return getBody().getNumArguments(); }
    /// The operands iteration `trip` binds the slots to.
    OperandRange getTripSlots(int64_t trip) {
      unsigned n = getNumSlotsPerTrip();
      return getSlots().slice(trip * n, n);
    }
  }];
}

#endif // CHERRY_KERNEL_OPS_TD
