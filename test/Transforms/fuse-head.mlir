// RUN: cherry-opt %s --split-input-file --cherry-fuse-head | FileCheck %s

// CHECK-LABEL: func.func @fused
// CHECK-NOT: cherry.linear
// CHECK: %[[L:.*]] = cherry.head_cross_entropy %arg0, %arg1, %arg2 {ignore_index = 0 : i64} : tensor<2x7x8xf32>, tensor<32x8xf32>, tensor<2x7xi32>
// CHECK: return %[[L]]
func.func @fused(%h: tensor<2x7x8xf32>, %w: tensor<32x8xf32>, %t: tensor<2x7xi32>) -> tensor<f32> {
  %logits = cherry.linear %h, %w : tensor<2x7x8xf32>, tensor<32x8xf32> -> tensor<2x7x32xf32>
  %loss = cherry.cross_entropy %logits, %t {ignore_index = 0 : i64} : tensor<2x7x32xf32>, tensor<2x7xi32>
  return %loss : tensor<f32>
}

// -----

// The logits have another use: nothing to fuse.
// CHECK-LABEL: func.func @shared_logits
// CHECK: cherry.linear
// CHECK: cherry.cross_entropy
func.func @shared_logits(%h: tensor<2x7x8xf32>, %w: tensor<32x8xf32>, %t: tensor<2x7xi32>) -> (tensor<f32>, tensor<2x7x32xf32>) {
  %logits = cherry.linear %h, %w : tensor<2x7x8xf32>, tensor<32x8xf32> -> tensor<2x7x32xf32>
  %loss = cherry.cross_entropy %logits, %t : tensor<2x7x32xf32>, tensor<2x7xi32>
  return %loss, %logits : tensor<f32>, tensor<2x7x32xf32>
}
