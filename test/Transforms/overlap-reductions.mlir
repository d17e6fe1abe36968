// RUN: cherry-opt %s --cherry-overlap-reductions | FileCheck %s

// Each all_reduce becomes an all_reduce_start where it was and an
// all_reduce_wait of its outputs right before the first later op touching
// one of them: the grad_sq_norm reading %g2 for the second bucket (with the
// loss), the loop whose body reads %g1 for the first; the launches in
// between (the second bucket's gradient, the unrelated add) run with the
// buckets in flight. A bucket nothing reads again is waited for before the
// return.

// CHECK-LABEL: func.func @step
// CHECK: launch "scale"(%arg0 : memref<4xf32>) outs(%[[G1:[0-9]+]] :
// CHECK-NEXT: launch "all_reduce_start"(%[[S:[0-9]+]], %[[G1]] : memref<f32>, memref<4xf32>) outs(%[[G1]] : memref<4xf32>) {count = 1 : i64, mean = 1 : i64, ranks = 2 : i64}
// CHECK-NEXT: launch "scale"(%arg0 : memref<4xf32>) outs(%[[G2:[0-9]+]] :
// CHECK-NEXT: launch "all_reduce_start"(%[[S]], %[[G2]], %arg1 : memref<f32>, memref<4xf32>, memref<f32>) outs(%[[G2]], %arg1 : memref<4xf32>, memref<f32>)
// CHECK-NEXT: launch "add"(%arg0, %arg0
// CHECK-NEXT: launch "all_reduce_wait"(%[[G2]], %arg1 : memref<4xf32>, memref<f32>) outs(%[[G2]], %arg1 : memref<4xf32>, memref<f32>) {count = 2 : i64}
// CHECK-NEXT: launch "grad_sq_norm"(%[[G2]] :
// CHECK-NEXT: launch "all_reduce_wait"(%[[G1]] : memref<4xf32>) outs(%[[G1]] : memref<4xf32>) {count = 1 : i64}
// CHECK-NEXT: cherry_kernel.loop 2
// CHECK: launch "scale"(%arg0 : memref<4xf32>) outs(%[[G3:[0-9]+]] :
// CHECK-NEXT: launch "all_reduce_start"(%[[S]], %[[G3]] :
// CHECK-NEXT: launch "all_reduce_wait"(%[[G3]] :
// CHECK-NEXT: return
func.func @step(%x: memref<4xf32>, %loss: memref<f32>, %n: memref<f32>) {
  %s = cherry_kernel.buffer : memref<f32>
  %g1 = cherry_kernel.buffer : memref<4xf32>
  %g2 = cherry_kernel.buffer : memref<4xf32>
  %g3 = cherry_kernel.buffer : memref<4xf32>
  %t = cherry_kernel.buffer : memref<4xf32>
  cherry_kernel.launch "scale"(%x : memref<4xf32>) outs(%g1 : memref<4xf32>) {n = 4 : i64, factor = 2.0 : f64}
  cherry_kernel.launch "all_reduce"(%s, %g1 : memref<f32>, memref<4xf32>) outs(%g1 : memref<4xf32>) {count = 1 : i64, mean = 1 : i64, ranks = 2 : i64}
  cherry_kernel.launch "scale"(%x : memref<4xf32>) outs(%g2 : memref<4xf32>) {n = 4 : i64, factor = 3.0 : f64}
  cherry_kernel.launch "all_reduce"(%s, %g2, %loss : memref<f32>, memref<4xf32>, memref<f32>) outs(%g2, %loss : memref<4xf32>, memref<f32>) {count = 2 : i64, mean = 1 : i64, ranks = 2 : i64}
  cherry_kernel.launch "add"(%x, %x : memref<4xf32>, memref<4xf32>) outs(%t : memref<4xf32>) {n = 4 : i64}
  cherry_kernel.launch "grad_sq_norm"(%g2 : memref<4xf32>) outs(%n : memref<f32>) {accumulate = 0 : i64, n = 4 : i64}
  cherry_kernel.loop 2 {
    cherry_kernel.launch "add"(%g1, %t : memref<4xf32>, memref<4xf32>) outs(%t : memref<4xf32>) {n = 4 : i64}
  }
  cherry_kernel.launch "scale"(%x : memref<4xf32>) outs(%g3 : memref<4xf32>) {n = 4 : i64, factor = 4.0 : f64}
  cherry_kernel.launch "all_reduce"(%s, %g3 : memref<f32>, memref<4xf32>) outs(%g3 : memref<4xf32>) {count = 1 : i64, mean = 0 : i64, ranks = 2 : i64}
  return
}
