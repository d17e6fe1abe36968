// RUN: cherry-opt %s --cherry-sgt="ratio=0.15 policy=random" --cherry-sgt-sparsify | FileCheck %s
// RUN: cherry-opt %s --cherry-sgt="ratio=0.15 policy=random" --cherry-sgt-sparsify | cherry-opt | FileCheck %s
// RUN: cherry-opt %s --cherry-sgt="ratio=0.15 policy=random" --cherry-sgt-sparsify="hoist=0" | FileCheck %s --check-prefix=NOHOIST

// The selection moves through the attention's queries: the query
// projection, its rope and the attention run on the 3 selected rows of each
// sequence (the rope and the attention at their positions); the keys and
// values, and the norm the projections share, stay whole.
// CHECK: %[[N:.*]] = cherry.rms_norm %{{.*}}, %{{.*}} : tensor<2x20x8xf32>, tensor<8xf32>
// CHECK-DAG: %[[K:.*]] = cherry.linear %[[N]], %{{.*}} : tensor<2x20x8xf32>, tensor<8x8xf32> -> tensor<2x20x8xf32>
// CHECK-DAG: %[[KR:.*]] = cherry.rope %[[K]] {head_dim = 4 : i64} : tensor<2x20x8xf32>
// CHECK: %[[POS:.*]], %{{.*}} = cherry.sgt_select
// CHECK: %[[NS:.*]] = cherry.gather %[[N]], %[[POS]] : tensor<2x20x8xf32>, tensor<2x3xi32> -> tensor<2x3x8xf32>
// CHECK: %[[Q:.*]] = cherry.linear %[[NS]], %{{.*}} : tensor<2x3x8xf32>, tensor<8x8xf32> -> tensor<2x3x8xf32>
// CHECK: %[[QR:.*]] = cherry.rope %[[Q]] positions(%[[POS]] : tensor<2x3xi32>) {head_dim = 4 : i64} : tensor<2x3x8xf32>
// CHECK: %[[A:.*]] = cherry.attention %[[QR]], %[[KR]], %{{.*}} positions(%[[POS]] : tensor<2x3xi32>) {num_heads = 2 : i64, num_kv_heads = 2 : i64} : tensor<2x3x8xf32>, tensor<2x20x8xf32>
// CHECK: cherry.linear %[[A]], %{{.*}} : tensor<2x3x8xf32>, tensor<8x8xf32> -> tensor<2x3x8xf32>
// CHECK: cherry.cross_entropy %{{.*}}, %{{.*}} weights(%{{.*}} : tensor<2x3xf32>) : tensor<2x3x32xf32>, tensor<2x3xi32>

// NOHOIST: cherry.attention %{{.*}}, %{{.*}}, %{{.*}} {num_heads = 2 : i64, num_kv_heads = 2 : i64} : tensor<2x20x8xf32>, tensor<2x20x8xf32>
// NOHOIST-NOT: positions(
module {
  cherry.param @emb : tensor<32x8xf32> init(#cherry.normal<std = 0.02>)
  cherry.param @norm : tensor<8xf32> init(#cherry.constant<1.0>)
  cherry.param @wq : tensor<8x8xf32> init(#cherry.normal<std = 0.02>)
  cherry.param @wk : tensor<8x8xf32> init(#cherry.normal<std = 0.02>)
  cherry.param @wv : tensor<8x8xf32> init(#cherry.normal<std = 0.02>)
  cherry.param @wo : tensor<8x8xf32> init(#cherry.normal<std = 0.02>)
  func.func @forward(%ids: tensor<2x20xi32>, %targets: tensor<2x20xi32>) -> tensor<f32> {
    %table = cherry.param_ref @emb : tensor<32x8xf32>
    %g = cherry.param_ref @norm : tensor<8xf32>
    %wq = cherry.param_ref @wq : tensor<8x8xf32>
    %wk = cherry.param_ref @wk : tensor<8x8xf32>
    %wv = cherry.param_ref @wv : tensor<8x8xf32>
    %wo = cherry.param_ref @wo : tensor<8x8xf32>
    %h = cherry.embedding %ids, %table : tensor<2x20xi32>, tensor<32x8xf32> -> tensor<2x20x8xf32>
    %n = cherry.rms_norm %h, %g : tensor<2x20x8xf32>, tensor<8xf32>
    %q = cherry.linear %n, %wq : tensor<2x20x8xf32>, tensor<8x8xf32> -> tensor<2x20x8xf32>
    %k = cherry.linear %n, %wk : tensor<2x20x8xf32>, tensor<8x8xf32> -> tensor<2x20x8xf32>
    %v = cherry.linear %n, %wv : tensor<2x20x8xf32>, tensor<8x8xf32> -> tensor<2x20x8xf32>
    %qr = cherry.rope %q {head_dim = 4 : i64} : tensor<2x20x8xf32>
    %kr = cherry.rope %k {head_dim = 4 : i64} : tensor<2x20x8xf32>
    %a = cherry.attention %qr, %kr, %v {num_heads = 2 : i64, num_kv_heads = 2 : i64} : tensor<2x20x8xf32>, tensor<2x20x8xf32>
    %o = cherry.linear %a, %wo : tensor<2x20x8xf32>, tensor<8x8xf32> -> tensor<2x20x8xf32>
    %r = cherry.add %h, %o : tensor<2x20x8xf32>
    %logits = cherry.linear %r, %table : tensor<2x20x8xf32>, tensor<32x8xf32> -> tensor<2x20x32xf32>
    %loss = cherry.cross_entropy %logits, %targets : tensor<2x20x32xf32>, tensor<2x20xi32>
    return %loss : tensor<f32>
  }
}
