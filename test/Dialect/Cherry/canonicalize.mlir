// RUN: cherry-opt %s -canonicalize -split-input-file | FileCheck %s

// Selecting every position (k == seq) is 0..seq-1 under any policy: the
// selection becomes `uniform` and no longer reads the score table, and a
// gather through it folds away.

// CHECK-LABEL: func.func @select_all
// CHECK-SAME: (%[[H:.*]]: tensor<2x4x8xf32>, %[[T:.*]]: tensor<2x4xi32>, %[[S:.*]]: tensor<32xf32>)
// CHECK: %[[P:.*]], %[[PW:.*]] = cherry.sgt_select %[[T]] policy(uniform) : tensor<2x4xi32> -> tensor<2x4xi32>, tensor<2x4xf32>
// CHECK-NOT: cherry.gather
// CHECK: return %[[H]], %[[P]]
func.func @select_all(%h: tensor<2x4x8xf32>, %t: tensor<2x4xi32>, %s: tensor<32xf32>) -> (tensor<2x4x8xf32>, tensor<2x4xi32>) {
  %p, %p_w = cherry.sgt_select %t scores(%s : tensor<32xf32>) policy(score) : tensor<2x4xi32> -> tensor<2x4xi32>, tensor<2x4xf32>
  %g = cherry.gather %h, %p : tensor<2x4x8xf32>, tensor<2x4xi32> -> tensor<2x4x8xf32>
  return %g, %p : tensor<2x4x8xf32>, tensor<2x4xi32>
}

// -----

// CHECK-LABEL: func.func @random_all
// CHECK: cherry.sgt_select %{{.*}} policy(uniform) : tensor<2x4xi32> -> tensor<2x4xi32>, tensor<2x4xf32>
func.func @random_all(%t: tensor<2x4xi32>) -> tensor<2x4xi32> {
  %p, %p_w = cherry.sgt_select %t policy(random) {seed = 3 : i64} : tensor<2x4xi32> -> tensor<2x4xi32>, tensor<2x4xf32>
  return %p : tensor<2x4xi32>
}

// -----

// A true subset is left alone: the policy decides which positions win.
// CHECK-LABEL: func.func @subset
// CHECK: %[[P:.*]], %[[PW:.*]] = cherry.sgt_select %{{.*}} scores(%{{.*}} : tensor<32xf32>) policy(score) : tensor<2x4xi32> -> tensor<2x1xi32>, tensor<2x1xf32>
// CHECK: cherry.gather %{{.*}}, %[[P]]
func.func @subset(%h: tensor<2x4x8xf32>, %t: tensor<2x4xi32>, %s: tensor<32xf32>) -> tensor<2x1x8xf32> {
  %p, %p_w = cherry.sgt_select %t scores(%s : tensor<32xf32>) policy(score) : tensor<2x4xi32> -> tensor<2x1xi32>, tensor<2x1xf32>
  %g = cherry.gather %h, %p : tensor<2x4x8xf32>, tensor<2x1xi32> -> tensor<2x1x8xf32>
  return %g : tensor<2x1x8xf32>
}

// -----

// Gathering every position from positions that are not known to be 0..seq-1
// (a function argument) is not folded.
// CHECK-LABEL: func.func @unknown_positions
// CHECK: cherry.gather
func.func @unknown_positions(%h: tensor<2x4x8xf32>, %p: tensor<2x4xi32>) -> tensor<2x4x8xf32> {
  %g = cherry.gather %h, %p : tensor<2x4x8xf32>, tensor<2x4xi32> -> tensor<2x4x8xf32>
  return %g : tensor<2x4x8xf32>
}
