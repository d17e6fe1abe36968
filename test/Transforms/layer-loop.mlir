// RUN: cherry-opt %s --cherry-layer-loop | FileCheck %s
// RUN: cherry-opt %s --cherry-layer-loop --cherry-plan-memory | FileCheck %s --check-prefix=PLAN

// Three layers (cherry_kernel.layer 0-2) launch the same kernels: each adds
// the shared weight @w to its input into a temporary, then its own @s<i>.
// They become one loop of 3 trips. @w is read alike by every layer (one
// parameter op, used from above), the temporaries %t<i> are each used by
// their own layer only (one buffer for all), and the input, the per-step
// parameter and the output differ: three slots per trip. Layer 3 launches
// another kernel and stays out; the unlabelled launches break no rule.

// CHECK-LABEL: func.func @f
// CHECK-DAG: %[[E:.*]] = cherry_kernel.buffer : memref<8xf32>
// CHECK-DAG: %[[W:.*]] = cherry_kernel.param @w : memref<8xf32>
// CHECK-DAG: %[[S0:.*]] = cherry_kernel.param @s0 : memref<8xf32>
// CHECK-DAG: %[[T:.*]] = cherry_kernel.buffer : memref<8xf32>
// CHECK-DAG: %[[X1:.*]] = cherry_kernel.buffer : memref<8xf32>
// CHECK-DAG: %[[S1:.*]] = cherry_kernel.param @s1 : memref<8xf32>
// CHECK-DAG: %[[X2:.*]] = cherry_kernel.buffer : memref<8xf32>
// CHECK-DAG: %[[S2:.*]] = cherry_kernel.param @s2 : memref<8xf32>
// CHECK-DAG: %[[X3:.*]] = cherry_kernel.buffer : memref<8xf32>
// CHECK: cherry_kernel.launch "scale"
// CHECK-NEXT: cherry_kernel.loop 3 slots(%[[E]], %[[S0]], %[[X1]], %[[X1]], %[[S1]], %[[X2]], %[[X2]], %[[S2]], %[[X3]] :
// CHECK-NEXT: ^bb0(%[[IN:.*]]: memref<8xf32>, %[[S:.*]]: memref<8xf32>, %[[OUT:.*]]: memref<8xf32>):
// CHECK-NEXT: cherry_kernel.launch "add"(%[[IN]], %[[W]] : memref<8xf32>, memref<8xf32>) outs(%[[T]] : memref<8xf32>) {n = 8 : i64}
// CHECK-NEXT: cherry_kernel.launch "add"(%[[T]], %[[S]] : memref<8xf32>, memref<8xf32>) outs(%[[OUT]] : memref<8xf32>) {n = 8 : i64}
// CHECK-NEXT: }
// CHECK-NEXT: cherry_kernel.launch "scale"(%[[X3]] : memref<8xf32>) outs(%{{.*}} : memref<8xf32>) {factor = 2.000000e+00 : f64, n = 8 : i64}
// CHECK-NOT: cherry_kernel.layer

// The plan places the loop's launches per iteration: %e dies at trip 0's
// first launch, where %x1 is not yet written (both at 0); the body's
// temporary lives inside each trip only, so after the loop the last
// temporary reuses its place (64); %x2 dies before trip 2 writes %x3 (both
// at 128). 192 bytes, as the three unrolled layers would take.
// PLAN: cherry_kernel.scratch_size = 192
// PLAN-NEXT: %{{.*}} = cherry_kernel.buffer offset 0 :
// PLAN: %{{.*}} = cherry_kernel.buffer offset 64 :
// PLAN-NEXT: %{{.*}} = cherry_kernel.buffer offset 0 :
// PLAN: %{{.*}} = cherry_kernel.buffer offset 128 :
// PLAN: %{{.*}} = cherry_kernel.buffer offset 128 :
// PLAN-NEXT: %{{.*}} = cherry_kernel.buffer offset 64 :
module {
  cherry.param @w : tensor<8xf32> init(#cherry.constant<1.0>)
  cherry.param @s0 : tensor<8xf32> init(#cherry.constant<1.0>)
  cherry.param @s1 : tensor<8xf32> init(#cherry.constant<1.0>)
  cherry.param @s2 : tensor<8xf32> init(#cherry.constant<1.0>)
  func.func @f(%x: memref<8xf32> {cherry_kernel.binding = "x"},
               %y: memref<8xf32> {cherry_kernel.binding = "y", cherry_kernel.output}) {
    %e = cherry_kernel.buffer : memref<8xf32>
    cherry_kernel.launch "scale"(%x : memref<8xf32>) outs(%e : memref<8xf32>) {n = 8 : i64, factor = 2.0 : f64}
    %w0 = cherry_kernel.param @w : memref<8xf32>
    %s0 = cherry_kernel.param @s0 : memref<8xf32>
    %t0 = cherry_kernel.buffer : memref<8xf32>
    %x1 = cherry_kernel.buffer : memref<8xf32>
    cherry_kernel.launch "add"(%e, %w0 : memref<8xf32>, memref<8xf32>) outs(%t0 : memref<8xf32>) {n = 8 : i64, cherry_kernel.layer = 0 : i64}
    cherry_kernel.launch "add"(%t0, %s0 : memref<8xf32>, memref<8xf32>) outs(%x1 : memref<8xf32>) {n = 8 : i64, cherry_kernel.layer = 0 : i64}
    %w1 = cherry_kernel.param @w : memref<8xf32>
    %s1 = cherry_kernel.param @s1 : memref<8xf32>
    %t1 = cherry_kernel.buffer : memref<8xf32>
    %x2 = cherry_kernel.buffer : memref<8xf32>
    cherry_kernel.launch "add"(%x1, %w1 : memref<8xf32>, memref<8xf32>) outs(%t1 : memref<8xf32>) {n = 8 : i64, cherry_kernel.layer = 1 : i64}
    cherry_kernel.launch "add"(%t1, %s1 : memref<8xf32>, memref<8xf32>) outs(%x2 : memref<8xf32>) {n = 8 : i64, cherry_kernel.layer = 1 : i64}
    %w2 = cherry_kernel.param @w : memref<8xf32>
    %s2 = cherry_kernel.param @s2 : memref<8xf32>
    %t2 = cherry_kernel.buffer : memref<8xf32>
    %x3 = cherry_kernel.buffer : memref<8xf32>
    cherry_kernel.launch "add"(%x2, %w2 : memref<8xf32>, memref<8xf32>) outs(%t2 : memref<8xf32>) {n = 8 : i64, cherry_kernel.layer = 2 : i64}
    cherry_kernel.launch "add"(%t2, %s2 : memref<8xf32>, memref<8xf32>) outs(%x3 : memref<8xf32>) {n = 8 : i64, cherry_kernel.layer = 2 : i64}
    %t3 = cherry_kernel.buffer : memref<8xf32>
    cherry_kernel.launch "scale"(%x3 : memref<8xf32>) outs(%t3 : memref<8xf32>) {n = 8 : i64, factor = 2.0 : f64, cherry_kernel.layer = 3 : i64}
    cherry_kernel.launch "add"(%t3, %x1 : memref<8xf32>, memref<8xf32>) outs(%y : memref<8xf32>) {n = 8 : i64}
    return
  }
}
