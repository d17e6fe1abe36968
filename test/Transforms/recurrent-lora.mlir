// RUN: cherry-opt %s --cherry-recurrent=steps=3 --cherry-recurrent-unroll="lora-rank=2 lora-alpha=6" | FileCheck %s
// RUN: not cherry-opt %s --cherry-recurrent=steps=3 --cherry-recurrent-unroll=lora-rank=5 2>&1 | FileCheck %s --check-prefix=RANK
// RUN: not cherry-opt %s --cherry-recurrent=steps=3 --cherry-recurrent-unroll="lora-rank=2 lora-alpha=-1" 2>&1 | FileCheck %s --check-prefix=ALPHA
// RUN: not cherry-opt %s --cherry-recurrent=steps=3 --cherry-recurrent-unroll="lora-rank=2 lora-init=svd" 2>&1 | FileCheck %s --check-prefix=SVD

// Per-step LoRA: every step gets A_s [r, in] (Kaiming-uniform, bound
// 1/sqrt(in) = 1/sqrt(4)) and B_s [out, r] (zero) for its projection, and
// computes y = x W^T + linear(scale(linear(x, A_s), alpha / r), B_s): the
// shared weight is still the one GEMM of full size. Non-projection
// parameters (the norm gain) get no adapter.

// CHECK-DAG: cherry.param @model.recurrent.steps.0.mlp.down_proj.lora_A.weight : tensor<2x4xf32> init(#cherry.uniform<bound = 5.000000e-01>)
// CHECK-DAG: cherry.param @model.recurrent.steps.0.mlp.down_proj.lora_B.weight : tensor<4x2xf32> init(#cherry.constant<0.000000e+00>)
// CHECK-DAG: cherry.param @model.recurrent.steps.2.mlp.down_proj.lora_A.weight : tensor<2x4xf32>
// CHECK-NOT: input_layernorm.lora
// CHECK-LABEL: func.func @forward
// CHECK: cherry.decoder_layer %arg0 {index = 0 : i64}
// CHECK: %[[W:.*]] = cherry.param_ref @model.layers.0.mlp.down_proj.weight
// CHECK: %[[Y:.*]] = cherry.linear %[[N:.*]], %[[W]] : tensor<2x3x4xf32>, tensor<4x4xf32> -> tensor<2x3x4xf32>
// CHECK: %[[A:.*]] = cherry.param_ref @model.recurrent.steps.0.mlp.down_proj.lora_A.weight
// CHECK: %[[U:.*]] = cherry.linear %[[N]], %[[A]] : tensor<2x3x4xf32>, tensor<2x4xf32> -> tensor<2x3x2xf32>
// CHECK: %[[S:.*]] = cherry.scale %[[U]] {factor = 3.000000e+00 : f64} : tensor<2x3x2xf32>
// CHECK: %[[B:.*]] = cherry.param_ref @model.recurrent.steps.0.mlp.down_proj.lora_B.weight
// CHECK: %[[D:.*]] = cherry.linear %[[S]], %[[B]] : tensor<2x3x2xf32>, tensor<4x2xf32> -> tensor<2x3x4xf32>
// CHECK: %[[SUM:.*]] = cherry.add %[[Y]], %[[D]]
// CHECK: %[[R:.*]] = cherry.add %arg1, %[[SUM]]
// CHECK: cherry.yield %[[R]]
// CHECK: cherry.decoder_layer %{{.*}} {index = 1 : i64}
// CHECK: cherry.param_ref @model.recurrent.steps.1.mlp.down_proj.lora_A.weight
// CHECK: cherry.decoder_layer %{{.*}} {index = 2 : i64}
// CHECK: cherry.param_ref @model.layers.1.mlp.down_proj.weight
// CHECK: cherry.param_ref @model.recurrent.steps.2.mlp.down_proj.lora_A.weight

// RANK: error: cherry-recurrent-unroll: lora-rank 5 exceeds the smaller dimension (4) of @model.layers.0.mlp.down_proj.weight 'tensor<4x4xf32>'
// SVD: error: cherry-recurrent-unroll: lora-init=svd needs layers averaged by cherry-layer-average, but @model.layers.0.mlp.down_proj.weight is not a mean of source layers
// ALPHA: error: cherry-recurrent-unroll: lora-alpha must be a finite number >= 0, found -1.00

module {
  cherry.param @model.layers.0.input_layernorm.weight : tensor<4xf32> init(#cherry.constant<1.0>)
  cherry.param @model.layers.0.mlp.down_proj.weight : tensor<4x4xf32> init(#cherry.normal<std = 0.02>)
  cherry.param @model.layers.1.input_layernorm.weight : tensor<4xf32> init(#cherry.constant<1.0>)
  cherry.param @model.layers.1.mlp.down_proj.weight : tensor<4x4xf32> init(#cherry.normal<std = 0.02>)
  func.func @forward(%h0: tensor<2x3x4xf32>) -> tensor<2x3x4xf32> {
    %h1 = cherry.decoder_layer %h0 {index = 0 : i64} : tensor<2x3x4xf32> {
    ^bb0(%x: tensor<2x3x4xf32>):
      %g = cherry.param_ref @model.layers.0.input_layernorm.weight : tensor<4xf32>
      %n = cherry.rms_norm %x, %g {eps = 1.0e-6 : f64} : tensor<2x3x4xf32>, tensor<4xf32>
      %w = cherry.param_ref @model.layers.0.mlp.down_proj.weight : tensor<4x4xf32>
      %y = cherry.linear %n, %w : tensor<2x3x4xf32>, tensor<4x4xf32> -> tensor<2x3x4xf32>
      %r = cherry.add %x, %y : tensor<2x3x4xf32>
      cherry.yield %r : tensor<2x3x4xf32>
    }
    %h2 = cherry.decoder_layer %h1 {index = 1 : i64} : tensor<2x3x4xf32> {
    ^bb0(%x: tensor<2x3x4xf32>):
      %g = cherry.param_ref @model.layers.1.input_layernorm.weight : tensor<4xf32>
      %n = cherry.rms_norm %x, %g {eps = 1.0e-6 : f64} : tensor<2x3x4xf32>, tensor<4xf32>
      %w = cherry.param_ref @model.layers.1.mlp.down_proj.weight : tensor<4x4xf32>
      %y = cherry.linear %n, %w : tensor<2x3x4xf32>, tensor<4x4xf32> -> tensor<2x3x4xf32>
      %r = cherry.add %x, %y : tensor<2x3x4xf32>
      cherry.yield %r : tensor<2x3x4xf32>
    }
    %o = cherry.param_ref @model.layers.1.mlp.down_proj.weight : tensor<4x4xf32>
    %out = cherry.linear %h2, %o : tensor<2x3x4xf32>, tensor<4x4xf32> -> tensor<2x3x4xf32>
    return %out : tensor<2x3x4xf32>
  }
}
