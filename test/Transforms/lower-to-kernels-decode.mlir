// RUN: cherry-opt %s --cherry-specialize-shapes="batch=1 seq=1" --cherry-lower-to-kernels="mode=decode name=decode_step capacity=16" | FileCheck %s
// RUN: not cherry-opt %s --cherry-lower-to-kernels="mode=decode capacity=3" 2>&1 | FileCheck %s --check-prefix=SMALL
// RUN: not cherry-opt %s --cherry-lower-to-kernels="mode=beam" 2>&1 | FileCheck %s --check-prefix=MODE

// One decoding step: RoPE and attention read the position, each attention
// gets a K and a V cache (state kept across calls), the head writes logits.
// CHECK-LABEL: func.func @decode_step
// CHECK-SAME: (%[[IDS:.*]]: memref<1x1xi32> {cherry_kernel.binding = "ids"}, %[[POS:.*]]: memref<1xi32> {cherry_kernel.binding = "position"}, %[[LOGITS:.*]]: memref<1x1x32xf32> {cherry_kernel.binding = "logits", cherry_kernel.output}, %[[KC:.*]]: memref<1x16x4xf32> {cherry_kernel.binding = "cache.0.k", cherry_kernel.state}, %[[VC:.*]]: memref<1x16x4xf32> {cherry_kernel.binding = "cache.0.v", cherry_kernel.state})
// CHECK: cherry_kernel.launch "rope_at"(%{{.*}}, %[[POS]] : memref<1x1x8xf32>, memref<1xi32>) outs(%[[Q:[0-9]+]] : {{.*}}) {batch = 1 : i64, head_dim = 4 : i64, heads = 2 : i64, seq = 1 : i64, theta = 1.000000e+04 : f64}
// CHECK: cherry_kernel.launch "rope_at"(%{{.*}}, %[[POS]] {{.*}} outs(%[[K:[0-9]+]] : {{.*}}) {batch = 1 : i64, head_dim = 4 : i64, heads = 1 : i64, seq = 1 : i64, theta = 1.000000e+04 : f64}
// CHECK: cherry_kernel.launch "kv_append"(%[[K]], %[[POS]] : memref<1x1x4xf32>, memref<1xi32>) outs(%[[KC]] : memref<1x16x4xf32>) {batch = 1 : i64, capacity = 16 : i64, seq = 1 : i64, width = 4 : i64}
// CHECK: cherry_kernel.launch "kv_append"(%{{.*}}, %[[POS]] {{.*}} outs(%[[VC]] : memref<1x16x4xf32>)
// CHECK: cherry_kernel.launch "attention_at"(%[[Q]], %[[KC]], %[[VC]], %[[POS]] : {{.*}}) outs(%{{.*}}) {batch = 1 : i64, capacity = 16 : i64, head_dim = 4 : i64, heads = 2 : i64, kv_heads = 1 : i64, seq = 1 : i64}
// CHECK: cherry_kernel.launch "linear"(%{{.*}}, %{{.*}} : memref<1x1x8xf32>, memref<32x8xf32>) outs(%[[LOGITS]] : memref<1x1x32xf32>) {k = 8 : i64, m = 1 : i64, n = 32 : i64}
// CHECK-NOT: head_cross_entropy
// SMALL: error: cherry-lower-to-kernels: capacity 3 is smaller than the step's sequence length 7
// MODE: for the --mode option: Cannot find option named 'beam'!
module {
  cherry.param @emb : tensor<32x8xf32> init(#cherry.normal<std = 0.02>)
  cherry.param @wk : tensor<4x8xf32> init(#cherry.normal<std = 0.02>)
  func.func @forward(%ids: tensor<2x7xi32>, %targets: tensor<2x7xi32>) -> tensor<f32> {
    %table = cherry.param_ref @emb : tensor<32x8xf32>
    %h = cherry.embedding %ids, %table : tensor<2x7xi32>, tensor<32x8xf32> -> tensor<2x7x8xf32>
    %wk = cherry.param_ref @wk : tensor<4x8xf32>
    %k = cherry.linear %h, %wk : tensor<2x7x8xf32>, tensor<4x8xf32> -> tensor<2x7x4xf32>
    %qr = cherry.rope %h {head_dim = 4 : i64} : tensor<2x7x8xf32>
    %kr = cherry.rope %k {head_dim = 4 : i64} : tensor<2x7x4xf32>
    %a = cherry.attention %qr, %kr, %k {num_heads = 2 : i64, num_kv_heads = 1 : i64} : tensor<2x7x8xf32>, tensor<2x7x4xf32>
    %logits = cherry.linear %a, %table : tensor<2x7x8xf32>, tensor<32x8xf32> -> tensor<2x7x32xf32>
    %loss = cherry.cross_entropy %logits, %targets : tensor<2x7x32xf32>, tensor<2x7xi32>
    return %loss : tensor<f32>
  }
}
