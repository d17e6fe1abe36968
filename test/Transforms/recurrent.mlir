// RUN: cherry-opt %s --cherry-recurrent=steps=5 | FileCheck %s --check-prefix=SEQ
// RUN: cherry-opt %s --cherry-recurrent="steps=5 schedule=cycle" | FileCheck %s --check-prefix=CYCLE
// RUN: cherry-opt %s --cherry-recurrent="steps=4 schedule=1,0,0,1" | FileCheck %s --check-prefix=LIST
// RUN: cherry-opt %s --cherry-recurrent=steps=3 --cherry-recurrent-unroll | FileCheck %s --check-prefix=UNROLL
// RUN: not cherry-opt %s --cherry-recurrent=steps=1 2>&1 | FileCheck %s --check-prefix=FEW
// RUN: not cherry-opt %s --cherry-recurrent="steps=3 schedule=0,2,1" 2>&1 | FileCheck %s --check-prefix=NOLAYER
// RUN: not cherry-opt %s --cherry-recurrent="steps=3 schedule=0,1" 2>&1 | FileCheck %s --check-prefix=LENGTH
// RUN: not cherry-opt %s --cherry-recurrent="steps=3 schedule=0,0,0" 2>&1 | FileCheck %s --check-prefix=NEVER

// sequence: 5 steps over 2 layers, the remainder to the first layer.
// SEQ-LABEL: func.func @forward
// SEQ: %[[R:.*]] = cherry.recurrent %arg0 schedule [0, 0, 0, 1, 1] : tensor<2x4x8xf32> {
// SEQ: cherry.param_ref @model.layers.0.input_layernorm.weight
// SEQ: }, {
// SEQ: cherry.param_ref @model.layers.1.input_layernorm.weight
// SEQ-NOT: cherry.decoder_layer
// SEQ: return %[[R]]

// CYCLE: cherry.recurrent %arg0 schedule [0, 1, 0, 1, 0]
// LIST: cherry.recurrent %arg0 schedule [1, 0, 0, 1]

// Unrolled: one layer per step in schedule order, reading the shared
// parameters.
// UNROLL: %[[S0:.*]] = cherry.decoder_layer %arg0 {index = 0 : i64}
// UNROLL: cherry.param_ref @model.layers.0.mlp.down_proj.weight
// UNROLL: %[[S1:.*]] = cherry.decoder_layer %[[S0]] {index = 1 : i64}
// UNROLL: cherry.param_ref @model.layers.0.mlp.down_proj.weight
// UNROLL: %[[S2:.*]] = cherry.decoder_layer %[[S1]] {index = 2 : i64}
// UNROLL: cherry.param_ref @model.layers.1.mlp.down_proj.weight
// UNROLL-NOT: cherry.recurrent
// UNROLL: return %[[S2]]

// FEW: cherry-recurrent: steps 1 is fewer than the 2 layers (every layer must run)
// NOLAYER: cherry-recurrent: schedule: step 1 names layer 2, but there are 2 layers
// LENGTH: cherry-recurrent: schedule: 2 entries, but steps is 3
// NEVER: cherry-recurrent: schedule: layer 1 never runs

module {
  cherry.param @model.layers.0.input_layernorm.weight : tensor<8xf32> init(#cherry.constant<1.0>) checkpoint("model.layers.0.input_layernorm.weight")
  cherry.param @model.layers.0.mlp.down_proj.weight : tensor<8x8xf32> init(#cherry.normal<std = 0.02>) checkpoint("model.layers.0.mlp.down_proj.weight")
  cherry.param @model.layers.1.input_layernorm.weight : tensor<8xf32> init(#cherry.constant<1.0>) checkpoint("model.layers.1.input_layernorm.weight")
  cherry.param @model.layers.1.mlp.down_proj.weight : tensor<8x8xf32> init(#cherry.normal<std = 0.02>) checkpoint("model.layers.1.mlp.down_proj.weight")
  func.func @forward(%h0: tensor<2x4x8xf32>) -> tensor<2x4x8xf32> {
    %h1 = cherry.decoder_layer %h0 {index = 0 : i64} : tensor<2x4x8xf32> {
    ^bb0(%x: tensor<2x4x8xf32>):
      %g = cherry.param_ref @model.layers.0.input_layernorm.weight : tensor<8xf32>
      %n = cherry.rms_norm %x, %g {eps = 1.0e-6 : f64} : tensor<2x4x8xf32>, tensor<8xf32>
      %w = cherry.param_ref @model.layers.0.mlp.down_proj.weight : tensor<8x8xf32>
      %y = cherry.linear %n, %w : tensor<2x4x8xf32>, tensor<8x8xf32> -> tensor<2x4x8xf32>
      %r = cherry.add %x, %y : tensor<2x4x8xf32>
      cherry.yield %r : tensor<2x4x8xf32>
    }
    %h2 = cherry.decoder_layer %h1 {index = 1 : i64} : tensor<2x4x8xf32> {
    ^bb0(%x: tensor<2x4x8xf32>):
      %g = cherry.param_ref @model.layers.1.input_layernorm.weight : tensor<8xf32>
      %n = cherry.rms_norm %x, %g {eps = 1.0e-6 : f64} : tensor<2x4x8xf32>, tensor<8xf32>
      %w = cherry.param_ref @model.layers.1.mlp.down_proj.weight : tensor<8x8xf32>
      %y = cherry.linear %n, %w : tensor<2x4x8xf32>, tensor<8x8xf32> -> tensor<2x4x8xf32>
      %r = cherry.add %x, %y : tensor<2x4x8xf32>
      cherry.yield %r : tensor<2x4x8xf32>
    }
    return %h2 : tensor<2x4x8xf32>
  }
}
