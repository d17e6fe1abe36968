// RUN: cherry-opt %s --split-input-file --cherry-fuse-kernels | FileCheck %s

// The residual add feeding the next norm becomes one add_rms_norm launch
// that writes both the sum and the normalized rows.
// CHECK-LABEL: func.func @fused
// CHECK-NOT: "add"
// CHECK: cherry_kernel.launch "add_rms_norm"(%arg0, %arg1, %arg2 : memref<3x8xf32>, memref<3x8xf32>, memref<8xf32>) outs(%[[SUM:.*]], %[[Y:.*]] : memref<3x8xf32>, memref<3x8xf32>) {dim = 8 : i64, eps = 1.000000e-05 : f64, rows = 3 : i64}
// CHECK-NOT: "rms_norm"
// CHECK: cherry_kernel.launch "add"(%[[SUM]], %[[Y]]
func.func @fused(%a: memref<3x8xf32> {cherry_kernel.binding = "a"}, %b: memref<3x8xf32> {cherry_kernel.binding = "b"},
                 %w: memref<8xf32> {cherry_kernel.binding = "w"}, %out: memref<3x8xf32> {cherry_kernel.binding = "out", cherry_kernel.output}) {
  %sum = cherry_kernel.buffer : memref<3x8xf32>
  cherry_kernel.launch "add"(%a, %b : memref<3x8xf32>, memref<3x8xf32>) outs(%sum : memref<3x8xf32>) {n = 24 : i64}
  %y = cherry_kernel.buffer : memref<3x8xf32>
  cherry_kernel.launch "rms_norm"(%sum, %w : memref<3x8xf32>, memref<8xf32>) outs(%y : memref<3x8xf32>) {rows = 3 : i64, dim = 8 : i64, eps = 1.0e-05 : f64}
  cherry_kernel.launch "add"(%sum, %y : memref<3x8xf32>, memref<3x8xf32>) outs(%out : memref<3x8xf32>) {n = 24 : i64}
  return
}

// -----

// Not fused: the sum is read between the add and the norm.
// CHECK-LABEL: func.func @read_between
// CHECK: "add"
// CHECK: "swiglu"
// CHECK: "rms_norm"
// CHECK-NOT: "add_rms_norm"
func.func @read_between(%a: memref<3x8xf32> {cherry_kernel.binding = "a"}, %b: memref<3x8xf32> {cherry_kernel.binding = "b"},
                        %w: memref<8xf32> {cherry_kernel.binding = "w"}, %out: memref<3x8xf32> {cherry_kernel.binding = "out", cherry_kernel.output}) {
  %sum = cherry_kernel.buffer : memref<3x8xf32>
  cherry_kernel.launch "add"(%a, %b : memref<3x8xf32>, memref<3x8xf32>) outs(%sum : memref<3x8xf32>) {n = 24 : i64}
  %t = cherry_kernel.buffer : memref<3x8xf32>
  cherry_kernel.launch "swiglu"(%sum, %a : memref<3x8xf32>, memref<3x8xf32>) outs(%t : memref<3x8xf32>) {n = 24 : i64}
  cherry_kernel.launch "rms_norm"(%sum, %w : memref<3x8xf32>, memref<8xf32>) outs(%out : memref<3x8xf32>) {rows = 3 : i64, dim = 8 : i64, eps = 1.0e-05 : f64}
  return
}
