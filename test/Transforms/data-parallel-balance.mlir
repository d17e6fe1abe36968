// cherry-data-parallel and a mixture's balance loss: each router with a
// balance loss sums its per-expert statistics over the ranks right after
// routing (moe_balance_stats, then an all_reduce with mean = false), and its
// moe_route_grad reads the sums; a copy recomputed for the backward pass
// reduces its own, and a router without a balance loss is left alone.
// RUN: cherry-opt %s --cherry-data-parallel="ranks=2" | FileCheck %s

module {
  cherry.param @a : tensor<8xf32> init(#cherry.constant<1.0>)
  // CHECK-LABEL: func.func @train_step
  func.func @train_step(%z: tensor<2x4x3xf32>, %dg: tensor<2x4x2xf32>, %y: tensor<8xf32>, %hyper: tensor<8xf32>) -> (tensor<f32>, tensor<f32>) {
    // CHECK: %[[SHARE:.*]] = cherry.rank_share
    %loss = arith.constant dense<2.5> : tensor<f32>
    // The forward router (its loss is reported from the sums).
    // CHECK: %[[P:[a-z_0-9]+]], %{{.*}}, %{{.*}}, %{{.*}}, %[[C:[a-z_0-9]+]] = cherry.moe_route %arg0 {balance_coeff = 1.000000e-02 : f64, top_k = 2 : i64}
    // CHECK-NEXT: %[[S:.*]] = cherry.moe_balance_stats %[[P]], %[[C]] {top_k = 2 : i64} : tensor<2x4x3xf32>, tensor<3xi32> -> tensor<2x3xf32>
    // CHECK-NEXT: cherry.all_reduce %[[SHARE]], %[[S]] {mean = false, ranks = 2 : i64} : tensor<2x3xf32> -> tensor<2x3xf32>
    %p, %e, %g, %rows, %counts = cherry.moe_route %z {top_k = 2 : i64, balance_coeff = 0.01 : f64} : tensor<2x4x3xf32> -> tensor<2x4x2xi32>, tensor<2x4x2xf32>, tensor<16xi32>, tensor<3xi32>
    // No balance loss: no statistics.
    // CHECK-NEXT: cherry.moe_route %arg0 {top_k = 2 : i64, z_coeff
    // CHECK-NEXT: cherry.moe_route_grad %arg0, {{[^ ]+}}, {{[^ ]+}}, {{[^ ]+}}, {{[^ ]+}}, %arg1 {top_k
    %q, %f, %h, %rows1, %counts1 = cherry.moe_route %z {top_k = 2 : i64, z_coeff = 0.001 : f64} : tensor<2x4x3xf32> -> tensor<2x4x2xi32>, tensor<2x4x2xf32>, tensor<16xi32>, tensor<3xi32>
    %dz1 = cherry.moe_route_grad %z, %q, %f, %h, %counts1, %dg {top_k = 2 : i64, z_coeff = 0.001 : f64} : tensor<2x4x3xf32>, tensor<2x4x2xi32>, tensor<2x4x2xf32>, tensor<3xi32>
    // The recomputed copy the gradient reads.
    // CHECK-NEXT: %[[P2:[a-z_0-9]+]], %{{.*}}, %{{.*}}, %{{.*}}, %[[C2:[a-z_0-9]+]] = cherry.moe_route %arg0 {balance_coeff = 1.000000e-02 : f64, cherry.recompute
    // CHECK-NEXT: %[[S2:.*]] = cherry.moe_balance_stats %[[P2]], %[[C2]]
    // CHECK-NEXT: %[[R2:.*]] = cherry.all_reduce %[[SHARE]], %[[S2]] {mean = false, ranks = 2 : i64}
    // CHECK-NEXT: cherry.moe_route_grad %arg0, %[[P2]], {{.*}}, %[[C2]], %arg1 stats %[[R2]] : tensor<2x3xf32> {balance_coeff = 1.000000e-02 : f64, top_k = 2 : i64}
    %p2, %e2, %g2, %rows2, %counts2 = cherry.moe_route %z {top_k = 2 : i64, balance_coeff = 0.01 : f64, cherry.recompute} : tensor<2x4x3xf32> -> tensor<2x4x2xi32>, tensor<2x4x2xf32>, tensor<16xi32>, tensor<3xi32>
    %dz = cherry.moe_route_grad %z, %p2, %e2, %g2, %counts2, %dg {top_k = 2 : i64, balance_coeff = 0.01 : f64} : tensor<2x4x3xf32>, tensor<2x4x2xi32>, tensor<2x4x2xf32>, tensor<3xi32>
    %ga = cherry.scale %y {factor = 2.0 : f64} : tensor<8xf32>
    %sq = cherry.grad_sq_norm %ga : tensor<8xf32>
    cherry.sgd_update @a, %ga, %hyper, %sq : tensor<8xf32>
    return %loss, %sq : tensor<f32>, tensor<f32>
  }
}
