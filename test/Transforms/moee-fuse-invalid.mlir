// RUN: cherry-opt %s --split-input-file --cherry-moee-fuse="experts=2" --verify-diagnostics
// Bad options: one line each, non-zero exit.
// RUN: not cherry-opt %S/moee-fuse.mlir --cherry-moee-fuse="experts=0" 2>&1 | FileCheck %s --check-prefix=EXPERTS
// EXPERTS: error: cherry-moee-fuse: experts must be at least 1, found 0
// RUN: not cherry-opt %S/moee-fuse.mlir --cherry-moee-fuse="experts=2 top-k=3" 2>&1 | FileCheck %s --check-prefix=TOPK
// TOPK: error: cherry-moee-fuse: top-k must be in [1, 2] (the experts), found 3
// RUN: not cherry-opt %S/moee-fuse.mlir --cherry-moee-fuse="top-k=0" 2>&1 | FileCheck %s --check-prefix=TOPK0
// TOPK0: error: cherry-moee-fuse: top-k must be in [1, 2] (the experts), found 0
// RUN: not cherry-opt %S/moee-fuse.mlir --cherry-moee-fuse="balance=-0.1" 2>&1 | FileCheck %s --check-prefix=BALANCE
// BALANCE: error: cherry-moee-fuse: balance must be a finite number >= 0 (0 leaves the loss out), found -1.000000e-01
// RUN: not cherry-opt %S/moee-fuse.mlir --cherry-moee-fuse="z-loss=-1" 2>&1 | FileCheck %s --check-prefix=ZLOSS
// ZLOSS: error: cherry-moee-fuse: z-loss must be a finite number >= 0 (0 leaves the loss out), found -1.000000e+00
// RUN: not cherry-opt %S/moee-fuse.mlir --cherry-moee-fuse="router-std=0" 2>&1 | FileCheck %s --check-prefix=STD
// STD: error: cherry-moee-fuse: router-std must be a positive number, found 0.000000e+00
// RUN: not cherry-opt %S/moee-fuse.mlir --cherry-moee-fuse="weights=both" 2>&1 | FileCheck %s --check-prefix=WEIGHTS
// WEIGHTS: error: cherry-moee-fuse: weights must be sources or fused, found 'both'
// RUN: not cherry-opt %S/moee-fuse.mlir --cherry-moee-fuse="shared=2" 2>&1 | FileCheck %s --check-prefix=SHARED
// SHARED: error: cherry-moee-fuse: shared must be mean or a source index in [0, 2), found '2'
// RUN: not cherry-opt %S/moee-fuse.mlir --cherry-moee-fuse="function=train" 2>&1 | FileCheck %s --check-prefix=FUNC
// FUNC: error: cherry-moee-fuse: no function @train

cherry.param @model.layers.0.self_attn.o_proj.weight : tensor<8x8xf32> checkpoint("o")
// expected-error @+1 {{cherry-moee-fuse: @forward has no SwiGLU MLP of plain linears (down_proj(swiglu(gate_proj(x), up_proj(x)))) to route}}
func.func @forward(%x: tensor<2x4x8xf32>) -> tensor<2x4x8xf32> {
  %w = cherry.param_ref @model.layers.0.self_attn.o_proj.weight : tensor<8x8xf32>
  %y = cherry.linear %x, %w : tensor<2x4x8xf32>, tensor<8x8xf32> -> tensor<2x4x8xf32>
  return %y : tensor<2x4x8xf32>
}

// -----

// A MLP with per-step LoRA on gate_proj (gate = W x + B A x) cannot be routed.
cherry.param @model.layers.0.mlp.gate_proj.weight : tensor<16x8xf32> checkpoint("g")
cherry.param @model.layers.0.mlp.up_proj.weight : tensor<16x8xf32> checkpoint("u")
cherry.param @model.layers.0.mlp.down_proj.weight : tensor<8x16xf32> checkpoint("d")
cherry.param @model.layers.1.mlp.gate_proj.weight : tensor<16x8xf32> checkpoint("g1")
func.func @forward(%x: tensor<2x4x8xf32>) -> tensor<2x4x8xf32> {
  %wg = cherry.param_ref @model.layers.0.mlp.gate_proj.weight : tensor<16x8xf32>
  %a = cherry.linear %x, %wg : tensor<2x4x8xf32>, tensor<16x8xf32> -> tensor<2x4x16xf32>
  %wu = cherry.param_ref @model.layers.0.mlp.up_proj.weight : tensor<16x8xf32>
  %b = cherry.linear %x, %wu : tensor<2x4x8xf32>, tensor<16x8xf32> -> tensor<2x4x16xf32>
  %s = cherry.swiglu %a, %b : tensor<2x4x16xf32>
  %wd = cherry.param_ref @model.layers.0.mlp.down_proj.weight : tensor<8x16xf32>
  %d = cherry.linear %s, %wd : tensor<2x4x16xf32>, tensor<8x16xf32> -> tensor<2x4x8xf32>
  // expected-error @+1 {{cherry-moee-fuse: @model.layers.1.mlp.gate_proj.weight is read outside a plain SwiGLU MLP (per-step LoRA on the MLP?); only plain MLPs become experts}}
  %w1 = cherry.param_ref @model.layers.1.mlp.gate_proj.weight : tensor<16x8xf32>
  %e = cherry.linear %x, %w1 : tensor<2x4x8xf32>, tensor<16x8xf32> -> tensor<2x4x16xf32>
  %f = cherry.add %e, %e : tensor<2x4x16xf32>
  return %d : tensor<2x4x8xf32>
}

// -----

// expected-error @+1 {{cherry-moee-fuse: @model.layers.0.mlp.gate_proj.weight has no checkpoint tensor to read each expert from; fuse imported models (cherry-translate --import-hf)}}
cherry.param @model.layers.0.mlp.gate_proj.weight : tensor<16x8xf32> init(#cherry.normal<std = 0.02>)
cherry.param @model.layers.0.mlp.up_proj.weight : tensor<16x8xf32> checkpoint("u")
cherry.param @model.layers.0.mlp.down_proj.weight : tensor<8x16xf32> checkpoint("d")
func.func @forward(%x: tensor<2x4x8xf32>) -> tensor<2x4x8xf32> {
  %wg = cherry.param_ref @model.layers.0.mlp.gate_proj.weight : tensor<16x8xf32>
  %a = cherry.linear %x, %wg : tensor<2x4x8xf32>, tensor<16x8xf32> -> tensor<2x4x16xf32>
  %wu = cherry.param_ref @model.layers.0.mlp.up_proj.weight : tensor<16x8xf32>
  %b = cherry.linear %x, %wu : tensor<2x4x8xf32>, tensor<16x8xf32> -> tensor<2x4x16xf32>
  %s = cherry.swiglu %a, %b : tensor<2x4x16xf32>
  %wd = cherry.param_ref @model.layers.0.mlp.down_proj.weight : tensor<8x16xf32>
  %d = cherry.linear %s, %wd : tensor<2x4x16xf32>, tensor<8x16xf32> -> tensor<2x4x8xf32>
  return %d : tensor<2x4x8xf32>
}

// -----

// A fused model cannot be fused again.
cherry.param @model.layers.0.mlp.gate_proj.weight : tensor<16x8xf32> checkpoint("g")
// expected-error @+1 {{cherry-moee-fuse: @model.layers.0.mlp.router.weight exists already (a fused model?)}}
cherry.param @model.layers.0.mlp.router.weight : tensor<2x8xf32> checkpoint("r")
cherry.param @model.layers.0.mlp.up_proj.weight : tensor<16x8xf32> checkpoint("u")
cherry.param @model.layers.0.mlp.down_proj.weight : tensor<8x16xf32> checkpoint("d")
func.func @forward(%x: tensor<2x4x8xf32>) -> tensor<2x4x8xf32> {
  %wg = cherry.param_ref @model.layers.0.mlp.gate_proj.weight : tensor<16x8xf32>
  %a = cherry.linear %x, %wg : tensor<2x4x8xf32>, tensor<16x8xf32> -> tensor<2x4x16xf32>
  %wu = cherry.param_ref @model.layers.0.mlp.up_proj.weight : tensor<16x8xf32>
  %b = cherry.linear %x, %wu : tensor<2x4x8xf32>, tensor<16x8xf32> -> tensor<2x4x16xf32>
  %s = cherry.swiglu %a, %b : tensor<2x4x16xf32>
  %wd = cherry.param_ref @model.layers.0.mlp.down_proj.weight : tensor<8x16xf32>
  %d = cherry.linear %s, %wd : tensor<2x4x16xf32>, tensor<8x16xf32> -> tensor<2x4x8xf32>
  return %d : tensor<2x4x8xf32>
}
