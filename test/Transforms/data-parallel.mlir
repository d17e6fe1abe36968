// cherry-data-parallel on a training step: the share first, buckets of
// gradients in the order the backward pass finishes them, each reduced right
// after its last gradient, the loss with the last bucket; the norm and the
// updates read the reduced gradients.
// RUN: cherry-opt %s --cherry-data-parallel="ranks=4 bucket-mb=0.0001" | FileCheck %s
// RUN: not cherry-opt %s --cherry-data-parallel="ranks=1" 2>&1 | FileCheck %s --check-prefix=ONE
// RUN: not cherry-opt %s --cherry-data-parallel="ranks=2 bucket-mb=0" 2>&1 | FileCheck %s --check-prefix=BUCKET
// RUN: not cherry-opt %s --cherry-data-parallel="ranks=2" --cherry-data-parallel="ranks=2" 2>&1 | FileCheck %s --check-prefix=TWICE
// ONE: cherry-data-parallel: ranks must be at least 2, found 1 (one rank needs no reduction)
// BUCKET: cherry-data-parallel: bucket-mb must be positive, found 0
// TWICE: cherry-data-parallel: @train_step already reduces across ranks

module {
  cherry.param @a : tensor<16x8xf32> init(#cherry.normal<std = 0.02>)
  cherry.param @b : tensor<8xf32> init(#cherry.constant<1.0>)
  cherry.param @c : tensor<8xf32> init(#cherry.constant<1.0>)
  // CHECK-LABEL: func.func @train_step
  func.func @train_step(%x: tensor<16x8xf32>, %y: tensor<8xf32>, %hyper: tensor<8xf32>) -> (tensor<f32>, tensor<f32>) {
    // CHECK: %[[SHARE:.*]] = cherry.rank_share %{{.*}} {ranks = 4 : i64}
    // CHECK: %[[LOSS:.*]] = arith.constant
    %loss = arith.constant dense<2.5> : tensor<f32>
    // CHECK: %[[GC:.*]] = cherry.scale
    %gc = cherry.scale %y {factor = 2.0 : f64} : tensor<8xf32>
    // CHECK-NEXT: %[[RC:.*]] = cherry.all_reduce %[[SHARE]], %[[GC]] {mean = true, ranks = 4 : i64} : tensor<8xf32> -> tensor<8xf32>
    // 512 bytes then 32 bytes, over a bucket of 104 bytes: one bucket each.
    // CHECK: %[[GA:.*]] = cherry.scale
    %ga = cherry.scale %x {factor = 3.0 : f64} : tensor<16x8xf32>
    // CHECK-NEXT: %[[RA:.*]] = cherry.all_reduce %[[SHARE]], %[[GA]] {mean = true, ranks = 4 : i64}
    // CHECK: %[[GB:.*]] = cherry.scale
    %gb = cherry.scale %y {factor = 4.0 : f64} : tensor<8xf32>
    // CHECK-NEXT: %[[RB:.*]]:2 = cherry.all_reduce %[[SHARE]], %[[GB]], %[[LOSS]] {mean = true, ranks = 4 : i64} : tensor<8xf32>, tensor<f32> -> tensor<8xf32>, tensor<f32>
    // CHECK: cherry.grad_sq_norm %[[RA]], %[[RB]]#0, %[[RC]]
    %sq = cherry.grad_sq_norm %ga, %gb, %gc : tensor<16x8xf32>, tensor<8xf32>, tensor<8xf32>
    cherry.adamw_update @a, @a, @a, %ga, %hyper, %sq : tensor<16x8xf32>
    // CHECK: cherry.sgd_update @b, %[[RB]]#0
    cherry.sgd_update @b, %gb, %hyper, %sq : tensor<8xf32>
    cherry.sgd_update @c, %gc, %hyper, %sq : tensor<8xf32>
    // CHECK: return %[[RB]]#1
    return %loss, %sq : tensor<f32>, tensor<f32>
  }
}
