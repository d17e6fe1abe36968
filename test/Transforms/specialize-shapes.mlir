// RUN: cherry-opt %s --split-input-file --cherry-specialize-shapes="batch=3 seq=5" --verify-diagnostics | FileCheck %s

// Every value of @forward is retyped for [3, 5]; the decoder layer's block
// argument follows its operand; weights keep their shapes.
// CHECK-LABEL: func.func @forward
// CHECK-SAME: (%arg0: tensor<3x5xi32>, %arg1: tensor<3x5xi32>) -> tensor<f32>
// CHECK: cherry.embedding {{.*}} -> tensor<3x5x8xf32>
// CHECK: cherry.decoder_layer %{{.*}} {index = 0 : i64} : tensor<3x5x8xf32>
// CHECK: ^bb0(%{{.*}}: tensor<3x5x8xf32>):
// CHECK: cherry.rms_norm {{.*}} : tensor<3x5x8xf32>, tensor<8xf32>
// CHECK: cherry.linear {{.*}} : tensor<3x5x8xf32>, tensor<4x8xf32> -> tensor<3x5x4xf32>
// CHECK: cherry.rope {{.*}} : tensor<3x5x8xf32>
// CHECK: cherry.attention {{.*}} : tensor<3x5x8xf32>, tensor<3x5x4xf32>
// CHECK: cherry.swiglu {{.*}} : tensor<3x5x8xf32>
// CHECK: cherry.linear {{.*}} -> tensor<3x5x32xf32>
// CHECK: cherry.cross_entropy {{.*}} : tensor<3x5x32xf32>, tensor<3x5xi32>
module {
  cherry.param @emb : tensor<32x8xf32> init(#cherry.normal<std = 0.02>)
  cherry.param @norm : tensor<8xf32> init(#cherry.constant<1.0>)
  cherry.param @wq : tensor<8x8xf32> init(#cherry.normal<std = 0.02>)
  cherry.param @wk : tensor<4x8xf32> init(#cherry.normal<std = 0.02>)
  func.func @forward(%ids: tensor<2x7xi32>, %targets: tensor<2x7xi32>) -> tensor<f32> {
    %table = cherry.param_ref @emb : tensor<32x8xf32>
    %h = cherry.embedding %ids, %table : tensor<2x7xi32>, tensor<32x8xf32> -> tensor<2x7x8xf32>
    %out = cherry.decoder_layer %h {index = 0 : i64} : tensor<2x7x8xf32> {
    ^bb0(%x: tensor<2x7x8xf32>):
      %g = cherry.param_ref @norm : tensor<8xf32>
      %n = cherry.rms_norm %x, %g : tensor<2x7x8xf32>, tensor<8xf32>
      %wq = cherry.param_ref @wq : tensor<8x8xf32>
      %q = cherry.linear %n, %wq : tensor<2x7x8xf32>, tensor<8x8xf32> -> tensor<2x7x8xf32>
      %wk = cherry.param_ref @wk : tensor<4x8xf32>
      %k = cherry.linear %n, %wk : tensor<2x7x8xf32>, tensor<4x8xf32> -> tensor<2x7x4xf32>
      %qr = cherry.rope %q {head_dim = 4 : i64} : tensor<2x7x8xf32>
      %kr = cherry.rope %k {head_dim = 4 : i64} : tensor<2x7x4xf32>
      %a = cherry.attention %qr, %kr, %k {num_heads = 2 : i64, num_kv_heads = 1 : i64} : tensor<2x7x8xf32>, tensor<2x7x4xf32>
      %s = cherry.swiglu %a, %q : tensor<2x7x8xf32>
      %r = cherry.add %x, %s : tensor<2x7x8xf32>
      cherry.yield %r : tensor<2x7x8xf32>
    }
    %logits = cherry.linear %out, %table : tensor<2x7x8xf32>, tensor<32x8xf32> -> tensor<2x7x32xf32>
    %loss = cherry.cross_entropy %logits, %targets : tensor<2x7x32xf32>, tensor<2x7xi32>
    return %loss : tensor<f32>
  }
}

// -----

// expected-error @+1 {{cherry-specialize-shapes: no function @forward}}
module {
  func.func @other(%ids: tensor<2x7xi32>) {
    return
  }
}

// -----

module {
  func.func @forward(%ids: tensor<2x7xi32>, %targets: tensor<2x7xi32>) -> tensor<f32> {
    // expected-error @+1 {{'cherry.sgt_select' op cannot be specialized to new shapes (it does not implement ShapeInferenceOpInterface)}}
    %pos, %pos_w = cherry.sgt_select %targets policy(random) : tensor<2x7xi32> -> tensor<2x2xi32>, tensor<2x2xf32>
    %f = arith.constant dense<0.0> : tensor<f32>
    return %f : tensor<f32>
  }
}
