// Every cherry op round-trips through the custom and the generic form.
// RUN: cherry-opt %s | cherry-opt | FileCheck %s
// RUN: cherry-opt %s --mlir-print-op-generic | cherry-opt | FileCheck %s

// CHECK-LABEL: module
module {
  // CHECK: cherry.param @model.embed_tokens.weight : tensor<32x8xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.embed_tokens.weight")
  cherry.param @model.embed_tokens.weight : tensor<32x8xf32> init(#cherry.normal<std = 0.02>) checkpoint("model.embed_tokens.weight")
  // CHECK: cherry.param @norm : tensor<8xf32> init(#cherry.constant<1.000000e+00>)
  cherry.param @norm : tensor<8xf32> init(#cherry.constant<1.0>)
  // CHECK: cherry.param @wq : tensor<8x8xf32> init(#cherry.uniform<bound = 1.250000e-01>)
  cherry.param @wq : tensor<8x8xf32> init(#cherry.uniform<bound = 0.125>)
  // CHECK: cherry.param @wk : tensor<4x8xf32> checkpoint("model.layers.0.self_attn.k_proj.weight")
  cherry.param @wk : tensor<4x8xf32> checkpoint("model.layers.0.self_attn.k_proj.weight")
  cherry.param @wk1 : tensor<4x8xf32> checkpoint("model.layers.1.self_attn.k_proj.weight")
  // CHECK: cherry.param @wk.avg : tensor<4x8xf32> init(#cherry.mean_of<[@wk, @wk1]>)
  cherry.param @wk.avg : tensor<4x8xf32> init(#cherry.mean_of<[@wk, @wk1]>)
  // CHECK: cherry.param @scores : tensor<32xf32> init(#cherry.constant<0.000000e+00>) {trainable = false}
  cherry.param @scores : tensor<32xf32> init(#cherry.constant<0.0>) {trainable = false}
  cherry.param @b : tensor<4xf32> init(#cherry.constant<0.0>)
  cherry.param @gains : tensor<3x8xf32> init(#cherry.constant<1.0>)
  cherry.param @router : tensor<2x8xf32> init(#cherry.normal<std = 0.02>)

  // CHECK-LABEL: func.func @blocks
  func.func @blocks(%ids: tensor<2x4xi32>) -> tensor<2x4x8xf32> {
    // CHECK: %[[T:.*]] = cherry.param_ref @model.embed_tokens.weight : tensor<32x8xf32>
    %table = cherry.param_ref @model.embed_tokens.weight : tensor<32x8xf32>
    // CHECK: %[[H:.*]] = cherry.embedding %{{.*}}, %[[T]] : tensor<2x4xi32>, tensor<32x8xf32> -> tensor<2x4x8xf32>
    %h = cherry.embedding %ids, %table : tensor<2x4xi32>, tensor<32x8xf32> -> tensor<2x4x8xf32>
    %g = cherry.param_ref @norm : tensor<8xf32>
    // CHECK: cherry.rms_norm %[[H]], %{{.*}} : tensor<2x4x8xf32>, tensor<8xf32>
    %n = cherry.rms_norm %h, %g : tensor<2x4x8xf32>, tensor<8xf32>
    // CHECK: cherry.rms_norm %[[H]], %{{.*}} {eps = 9.9999999999999995E-7 : f64} : tensor<2x4x8xf32>, tensor<8xf32>
    %n2 = cherry.rms_norm %h, %g {eps = 1.0e-06 : f64} : tensor<2x4x8xf32>, tensor<8xf32>
    %wq = cherry.param_ref @wq : tensor<8x8xf32>
    %wk = cherry.param_ref @wk : tensor<4x8xf32>
    %bias = cherry.param_ref @b : tensor<4xf32>
    // CHECK: %[[Q:.*]] = cherry.linear %{{.*}}, %{{.*}} : tensor<2x4x8xf32>, tensor<8x8xf32> -> tensor<2x4x8xf32>
    %q = cherry.linear %n, %wq : tensor<2x4x8xf32>, tensor<8x8xf32> -> tensor<2x4x8xf32>
    // CHECK: %[[K:.*]] = cherry.linear %{{.*}}, %{{.*}}, %{{.*}} : tensor<2x4x8xf32>, tensor<4x8xf32>, tensor<4xf32> -> tensor<2x4x4xf32>
    %k = cherry.linear %n, %wk, %bias : tensor<2x4x8xf32>, tensor<4x8xf32>, tensor<4xf32> -> tensor<2x4x4xf32>
    // CHECK: %[[QR:.*]] = cherry.rope %[[Q]] {head_dim = 4 : i64} : tensor<2x4x8xf32>
    %qr = cherry.rope %q {head_dim = 4 : i64} : tensor<2x4x8xf32>
    // CHECK: cherry.rope %[[K]] {head_dim = 4 : i64, theta = 5.000000e+05 : f64} : tensor<2x4x4xf32>
    %kr = cherry.rope %k {head_dim = 4 : i64, theta = 500000.0 : f64} : tensor<2x4x4xf32>
    // CHECK: cherry.attention %[[QR]], %{{.*}}, %[[K]] {num_heads = 2 : i64, num_kv_heads = 1 : i64} : tensor<2x4x8xf32>, tensor<2x4x4xf32>
    %o = cherry.attention %qr, %kr, %k {num_heads = 2 : i64, num_kv_heads = 1 : i64} : tensor<2x4x8xf32>, tensor<2x4x4xf32>
    // CHECK: cherry.attention %{{.*}} {causal = false, num_heads = 2 : i64, num_kv_heads = 2 : i64} : tensor<2x4x8xf32>, tensor<2x4x8xf32>
    %o2 = cherry.attention %qr, %q, %q {causal = false, num_heads = 2 : i64, num_kv_heads = 2 : i64} : tensor<2x4x8xf32>, tensor<2x4x8xf32>
    // CHECK: cherry.swiglu %{{.*}}, %{{.*}} : tensor<2x4x8xf32>
    %s = cherry.swiglu %o, %o2 : tensor<2x4x8xf32>
    // CHECK: cherry.add %{{.*}}, %{{.*}} : tensor<2x4x8xf32>
    %a = cherry.add %s, %h : tensor<2x4x8xf32>
    // CHECK: cherry.scale %{{.*}} {factor = 2.500000e-01 : f64} : tensor<2x4x8xf32>
    %sc = cherry.scale %a {factor = 0.25 : f64} : tensor<2x4x8xf32>
    // CHECK: cherry.sub %{{.*}}, %{{.*}} : tensor<2x4x8xf32>
    %b = cherry.sub %a, %n2 : tensor<2x4x8xf32>
    // CHECK: cherry.mul %{{.*}}, %{{.*}} : tensor<2x4x8xf32>
    %c = cherry.mul %b, %a : tensor<2x4x8xf32>
    return %c : tensor<2x4x8xf32>
  }

  // CHECK-LABEL: func.func @losses
  func.func @losses(%h: tensor<2x4x8xf32>, %targets: tensor<2x4xi32>, %tw: tensor<2x4xf32>) -> (tensor<f32>, tensor<f32>, tensor<f32>) {
    %w = cherry.param_ref @model.embed_tokens.weight : tensor<32x8xf32>
    %logits = cherry.linear %h, %w : tensor<2x4x8xf32>, tensor<32x8xf32> -> tensor<2x4x32xf32>
    // CHECK: cherry.cross_entropy %{{.*}}, %{{.*}} : tensor<2x4x32xf32>, tensor<2x4xi32>
    %l = cherry.cross_entropy %logits, %targets : tensor<2x4x32xf32>, tensor<2x4xi32>
    %scores = cherry.param_ref @scores : tensor<32xf32>
    // CHECK: %[[P:.*]], %[[PW:.*]] = cherry.sgt_select %{{.*}} scores(%{{.*}} : tensor<32xf32>) policy(score) : tensor<2x4xi32> -> tensor<2x1xi32>, tensor<2x1xf32>
    %pos, %pos_w = cherry.sgt_select %targets scores(%scores : tensor<32xf32>) policy(score) : tensor<2x4xi32> -> tensor<2x1xi32>, tensor<2x1xf32>
    // CHECK: cherry.sgt_select %{{.*}} policy(random) {seed = 7 : i64} : tensor<2x4xi32> -> tensor<2x2xi32>, tensor<2x2xf32>
    %pos2, %pos2_w = cherry.sgt_select %targets policy(random) {seed = 7 : i64} : tensor<2x4xi32> -> tensor<2x2xi32>, tensor<2x2xf32>
    // CHECK: cherry.sgt_select %{{.*}} policy(uniform) : tensor<2x4xi32> -> tensor<2x2xi32>, tensor<2x2xf32>
    %pos3, %pos3_w = cherry.sgt_select %targets policy(uniform) : tensor<2x4xi32> -> tensor<2x2xi32>, tensor<2x2xf32>
    // CHECK: cherry.selective_cross_entropy %{{.*}}, %{{.*}}, %[[P]], %[[PW]] : tensor<2x4x32xf32>, tensor<2x4xi32>, tensor<2x1xi32>, tensor<2x1xf32>
    %sl = cherry.selective_cross_entropy %logits, %targets, %pos, %pos_w : tensor<2x4x32xf32>, tensor<2x4xi32>, tensor<2x1xi32>, tensor<2x1xf32>
    // CHECK: cherry.cross_entropy %{{.*}}, %{{.*}} weights(%{{.*}} : tensor<2x4xf32>) : tensor<2x4x32xf32>, tensor<2x4xi32>
    %wl = cherry.cross_entropy %logits, %targets weights(%tw : tensor<2x4xf32>) : tensor<2x4x32xf32>, tensor<2x4xi32>
    // CHECK: cherry.token_cross_entropy %{{.*}}, %{{.*}} : tensor<2x4x32xf32>, tensor<2x4xi32> -> tensor<2x4xf32>
    %tl = cherry.token_cross_entropy %logits, %targets : tensor<2x4x32xf32>, tensor<2x4xi32> -> tensor<2x4xf32>
    // CHECK: cherry.sgt_select %{{.*}} scores(%{{.*}} : tensor<2x4xf32>) policy(loss_topk) : tensor<2x4xi32> -> tensor<2x1xi32>, tensor<2x1xf32>
    %pos4, %pos4_w = cherry.sgt_select %targets scores(%tl : tensor<2x4xf32>) policy(loss_topk) : tensor<2x4xi32> -> tensor<2x1xi32>, tensor<2x1xf32>
    // CHECK: cherry.sgt_select %{{.*}} scores(%{{.*}} : tensor<32xf32>) policy(surprisal) {seed = 3 : i64} : tensor<2x4xi32> -> tensor<2x1xi32>, tensor<2x1xf32>
    %pos5, %pos5_w = cherry.sgt_select %targets scores(%scores : tensor<32xf32>) policy(surprisal) {seed = 3 : i64} : tensor<2x4xi32> -> tensor<2x1xi32>, tensor<2x1xf32>
    // CHECK: cherry.gather %{{.*}}, %[[P]] : tensor<2x4x8xf32>, tensor<2x1xi32> -> tensor<2x1x8xf32>
    %hs = cherry.gather %h, %pos : tensor<2x4x8xf32>, tensor<2x1xi32> -> tensor<2x1x8xf32>
    // CHECK: cherry.gather %{{.*}}, %[[P]] : tensor<2x4xi32>, tensor<2x1xi32> -> tensor<2x1xi32>
    %ts = cherry.gather %targets, %pos : tensor<2x4xi32>, tensor<2x1xi32> -> tensor<2x1xi32>
    %ls = cherry.linear %hs, %w : tensor<2x1x8xf32>, tensor<32x8xf32> -> tensor<2x1x32xf32>
    // CHECK: cherry.cross_entropy %{{.*}}, %{{.*}} {ignore_index = -1 : i64} : tensor<2x1x32xf32>, tensor<2x1xi32>
    %l2 = cherry.cross_entropy %ls, %ts {ignore_index = -1 : i64} : tensor<2x1x32xf32>, tensor<2x1xi32>
    // CHECK: cherry.shift_targets %{{.*}} {shift = 1 : i64} : tensor<2x4xi32>
    %t2 = cherry.shift_targets %targets {shift = 1 : i64} : tensor<2x4xi32>
    // CHECK: cherry.shift_targets %{{.*}} {fill = -1 : i64, shift = 2 : i64} : tensor<2x4xi32>
    %t3 = cherry.shift_targets %targets {fill = -1 : i64, shift = 2 : i64} : tensor<2x4xi32>
    return %l, %sl, %l2 : tensor<f32>, tensor<f32>, tensor<f32>
  }

  // CHECK-LABEL: func.func @structure
  func.func @structure(%h0: tensor<2x4x8xf32>) -> (tensor<2x4x32xf32>, tensor<f32>, tensor<2x4x32xf32>) {
    // CHECK: cherry.decoder_layer %{{.*}} {index = 3 : i64} : tensor<2x4x8xf32> {
    // CHECK-NEXT: ^bb0(%[[X:.*]]: tensor<2x4x8xf32>):
    // CHECK: cherry.yield %{{.*}} : tensor<2x4x8xf32>
    %h1 = cherry.decoder_layer %h0 {index = 3 : i64} : tensor<2x4x8xf32> {
    ^bb0(%x: tensor<2x4x8xf32>):
      %g = cherry.param_ref @norm : tensor<8xf32>
      %n = cherry.rms_norm %x, %g : tensor<2x4x8xf32>, tensor<8xf32>
      %r = cherry.add %x, %n : tensor<2x4x8xf32>
      cherry.yield %r : tensor<2x4x8xf32>
    }
    %gains = cherry.param_ref @gains : tensor<3x8xf32>
    // CHECK: cherry.recurrent %{{.*}} step_params(%{{.*}} : tensor<3x8xf32>) schedule [0, 1, 0] : tensor<2x4x8xf32> {
    // CHECK: ^bb0(%{{.*}}: tensor<2x4x8xf32>, %{{.*}}: tensor<8xf32>):
    // CHECK: }, {
    %h2 = cherry.recurrent %h1 step_params(%gains : tensor<3x8xf32>) schedule [0, 1, 0] : tensor<2x4x8xf32> {
    ^bb0(%x: tensor<2x4x8xf32>, %s: tensor<8xf32>):
      %n = cherry.rms_norm %x, %s : tensor<2x4x8xf32>, tensor<8xf32>
      cherry.yield %n : tensor<2x4x8xf32>
    }, {
    ^bb0(%x: tensor<2x4x8xf32>, %s: tensor<8xf32>):
      %y = cherry.decoder_layer %x {index = 1 : i64} : tensor<2x4x8xf32> {
      ^bb0(%z: tensor<2x4x8xf32>):
        cherry.yield %z : tensor<2x4x8xf32>
      }
      cherry.yield %y : tensor<2x4x8xf32>
    }
    %wr = cherry.param_ref @router : tensor<2x8xf32>
    // CHECK: cherry.moee %{{.*}}, %{{.*}} routing(sequence) {top_k = 1 : i64} : tensor<2x4x8xf32>, tensor<2x8xf32> -> tensor<2x4x32xf32> {
    %y, %aux = cherry.moee %h2, %wr routing(sequence) {top_k = 1 : i64} : tensor<2x4x8xf32>, tensor<2x8xf32> -> tensor<2x4x32xf32> {
    ^bb0(%x: tensor<2x4x8xf32>):
      %w = cherry.param_ref @model.embed_tokens.weight : tensor<32x8xf32>
      %l = cherry.linear %x, %w : tensor<2x4x8xf32>, tensor<32x8xf32> -> tensor<2x4x32xf32>
      cherry.yield %l : tensor<2x4x32xf32>
    }, {
    ^bb0(%x: tensor<2x4x8xf32>):
      %w = cherry.param_ref @model.embed_tokens.weight : tensor<32x8xf32>
      %l = cherry.linear %x, %w : tensor<2x4x8xf32>, tensor<32x8xf32> -> tensor<2x4x32xf32>
      cherry.yield %l : tensor<2x4x32xf32>
    }
    // CHECK: cherry.mtp_head %{{.*}} {offset = 2 : i64} : tensor<2x4x8xf32> -> tensor<2x4x32xf32> {
    %m = cherry.mtp_head %h2 {offset = 2 : i64} : tensor<2x4x8xf32> -> tensor<2x4x32xf32> {
    ^bb0(%x: tensor<2x4x8xf32>):
      %w = cherry.param_ref @model.embed_tokens.weight : tensor<32x8xf32>
      %l = cherry.linear %x, %w : tensor<2x4x8xf32>, tensor<32x8xf32> -> tensor<2x4x32xf32>
      cherry.yield %l : tensor<2x4x32xf32>
    }
    return %y, %aux, %m : tensor<2x4x32xf32>, tensor<f32>, tensor<2x4x32xf32>
  }

  // The fused head and the gradient ops.
  // CHECK-LABEL: func.func @gradients
  func.func @gradients(%h: tensor<2x4x8xf32>, %w: tensor<32x8xf32>, %t: tensor<2x4xi32>,
                       %k: tensor<2x4x4xf32>, %wk: tensor<4x8xf32>, %g: tensor<8xf32>) {
    // CHECK: cherry.head_cross_entropy %{{.*}}, %{{.*}}, %{{.*}} : tensor<2x4x8xf32>, tensor<32x8xf32>, tensor<2x4xi32>
    %loss = cherry.head_cross_entropy %h, %w, %t : tensor<2x4x8xf32>, tensor<32x8xf32>, tensor<2x4xi32>
    // CHECK: cherry.head_cross_entropy_grad %{{.*}} {ignore_index = 0 : i64, scale = 5.000000e-01 : f64} : tensor<2x4x8xf32>, tensor<32x8xf32>, tensor<2x4xi32>
    %dh, %dw = cherry.head_cross_entropy_grad %h, %w, %t {ignore_index = 0 : i64, scale = 0.5 : f64} : tensor<2x4x8xf32>, tensor<32x8xf32>, tensor<2x4xi32>
    // CHECK: cherry.linear_grad_input %{{.*}}, %{{.*}} : tensor<2x4x4xf32>, tensor<4x8xf32> -> tensor<2x4x8xf32>
    %dx = cherry.linear_grad_input %k, %wk : tensor<2x4x4xf32>, tensor<4x8xf32> -> tensor<2x4x8xf32>
    // CHECK: cherry.linear_grad_weight %{{.*}}, %{{.*}} : tensor<2x4x4xf32>, tensor<2x4x8xf32> -> tensor<4x8xf32>
    %dwk = cherry.linear_grad_weight %k, %h : tensor<2x4x4xf32>, tensor<2x4x8xf32> -> tensor<4x8xf32>
    // CHECK: cherry.embedding_grad %{{.*}}, %{{.*}} : tensor<2x4xi32>, tensor<2x4x8xf32> -> tensor<32x8xf32>
    %dt = cherry.embedding_grad %t, %h : tensor<2x4xi32>, tensor<2x4x8xf32> -> tensor<32x8xf32>
    // CHECK: cherry.rms_norm_grad %{{.*}}, %{{.*}}, %{{.*}} {eps = 9.9999999999999995E-7 : f64} : tensor<2x4x8xf32>, tensor<8xf32>
    %dn, %dg = cherry.rms_norm_grad %h, %g, %dh {eps = 1.0e-6 : f64} : tensor<2x4x8xf32>, tensor<8xf32>
    // CHECK: cherry.rope_grad %{{.*}} {head_dim = 4 : i64, theta = 5.000000e+05 : f64} : tensor<2x4x8xf32>
    %dr = cherry.rope_grad %h {head_dim = 4 : i64, theta = 500000.0 : f64} : tensor<2x4x8xf32>
    // CHECK: cherry.attention_grad %{{.*}} {num_heads = 2 : i64, num_kv_heads = 1 : i64} : tensor<2x4x8xf32>, tensor<2x4x4xf32>
    %dq, %dk, %dv = cherry.attention_grad %h, %k, %k, %h, %dh {num_heads = 2 : i64, num_kv_heads = 1 : i64} : tensor<2x4x8xf32>, tensor<2x4x4xf32>
    // CHECK: cherry.swiglu_grad %{{.*}}, %{{.*}}, %{{.*}} : tensor<2x4x8xf32>
    %dga, %du = cherry.swiglu_grad %h, %dh, %dn : tensor<2x4x8xf32>
    return
  }

  // The collectives of a data-parallel step.
  // CHECK-LABEL: func.func @collectives
  func.func @collectives(%hyper: tensor<8xf32>, %g: tensor<4x8xf32>, %b: tensor<8xf32>) -> (tensor<4x8xf32>, tensor<8xf32>) {
    // CHECK: cherry.rank_share %{{.*}} {ranks = 2 : i64} : tensor<8xf32>
    %share = cherry.rank_share %hyper {ranks = 2 : i64} : tensor<8xf32>
    // CHECK: cherry.all_reduce %{{.*}}, %{{.*}}, %{{.*}} {mean = true, ranks = 2 : i64} : tensor<4x8xf32>, tensor<8xf32> -> tensor<4x8xf32>, tensor<8xf32>
    %r:2 = cherry.all_reduce %share, %g, %b {mean = true, ranks = 2 : i64} : tensor<4x8xf32>, tensor<8xf32> -> tensor<4x8xf32>, tensor<8xf32>
    return %r#0, %r#1 : tensor<4x8xf32>, tensor<8xf32>
  }

  // The collectives of expert parallelism (4 experts on 2 ranks).
  // CHECK-LABEL: func.func @expert_collectives
  func.func @expert_collectives(%hyper: tensor<8xf32>, %xp: tensor<8x16xf32>, %counts: tensor<4xi32>) -> tensor<8x16xf32> {
    // CHECK: cherry.rank_shares %{{.*}} {ranks = 2 : i64} : tensor<8xf32> -> tensor<2xf32>
    %shares = cherry.rank_shares %hyper {ranks = 2 : i64} : tensor<8xf32> -> tensor<2xf32>
    // CHECK: cherry.moe_exchange_counts %{{.*}} {ranks = 2 : i64} : tensor<4xi32> -> tensor<2x2xi32>, tensor<2xi32>
    %recv, %local = cherry.moe_exchange_counts %counts {ranks = 2 : i64} : tensor<4xi32> -> tensor<2x2xi32>, tensor<2xi32>
    // CHECK: cherry.moe_exchange %{{.*}}, %{{.*}}, %{{.*}} {ranks = 2 : i64, reverse = false} : tensor<8x16xf32>, tensor<4xi32>, tensor<2x2xi32> -> tensor<16x16xf32>
    %xr = cherry.moe_exchange %xp, %counts, %recv {ranks = 2 : i64, reverse = false} : tensor<8x16xf32>, tensor<4xi32>, tensor<2x2xi32> -> tensor<16x16xf32>
    // CHECK: cherry.moe_scale_source_rows %{{.*}}, %{{.*}}, %{{.*}} : tensor<16x16xf32>, tensor<2x2xi32>, tensor<2xf32>
    %s = cherry.moe_scale_source_rows %xr, %recv, %shares : tensor<16x16xf32>, tensor<2x2xi32>, tensor<2xf32>
    %yp = cherry.moe_exchange %s, %counts, %recv {ranks = 2 : i64, reverse = true} : tensor<16x16xf32>, tensor<4xi32>, tensor<2x2xi32> -> tensor<8x16xf32>
    return %yp : tensor<8x16xf32>
  }

  // CHECK: cherry.param @moe.a : tensor<16x8xf32> checkpoint("w") {trainable = false, weight_source = 1 : i64}
  cherry.param @moe.a : tensor<16x8xf32> checkpoint("w") {trainable = false, weight_source = 1 : i64}
  // CHECK: cherry.param @moe.w : tensor<1x16x8xf32> init(#cherry.stack_of<[@moe.a]>)
  cherry.param @moe.w : tensor<1x16x8xf32> init(#cherry.stack_of<[@moe.a]>)

  // CHECK-LABEL: func.func @routed
  func.func @routed(%x: tensor<2x4x8xf32>, %z: tensor<2x4x3xf32>, %w: tensor<3x16x8xf32>, %dy: tensor<2x4x8xf32>) {
    // CHECK: cherry.moe_route %{{.*}} {balance_coeff = 1.000000e-02 : f64, renormalize = false, top_k = 2 : i64, z_coeff = 1.000000e-03 : f64} : tensor<2x4x3xf32> -> tensor<2x4x2xi32>, tensor<2x4x2xf32>, tensor<16xi32>, tensor<3xi32>
    %p, %e, %g, %rows, %counts = cherry.moe_route %z {top_k = 2 : i64, renormalize = false, balance_coeff = 0.01 : f64, z_coeff = 0.001 : f64} : tensor<2x4x3xf32> -> tensor<2x4x2xi32>, tensor<2x4x2xf32>, tensor<16xi32>, tensor<3xi32>
    // CHECK: cherry.moe_dispatch %{{.*}}, %{{.*}} {top_k = 2 : i64} : tensor<2x4x8xf32>, tensor<16xi32> -> tensor<16x8xf32>
    %xp = cherry.moe_dispatch %x, %rows {top_k = 2 : i64} : tensor<2x4x8xf32>, tensor<16xi32> -> tensor<16x8xf32>
    // CHECK: cherry.moe_grouped_linear %{{.*}}, %{{.*}}, %{{.*}} : tensor<16x8xf32>, tensor<3x16x8xf32>, tensor<3xi32> -> tensor<16x16xf32>
    %hp = cherry.moe_grouped_linear %xp, %w, %counts : tensor<16x8xf32>, tensor<3x16x8xf32>, tensor<3xi32> -> tensor<16x16xf32>
    // CHECK: cherry.moe_combine %{{.*}}, %{{.*}}, %{{.*}} : tensor<16x8xf32>, tensor<16xi32>, tensor<2x4x2xf32> -> tensor<2x4x8xf32>
    %y = cherry.moe_combine %xp, %rows, %g : tensor<16x8xf32>, tensor<16xi32>, tensor<2x4x2xf32> -> tensor<2x4x8xf32>
    // CHECK: cherry.moe_combine_grad %{{.*}} : tensor<16x8xf32>, tensor<16xi32>, tensor<2x4x2xf32>, tensor<2x4x8xf32>
    %dyp, %dg = cherry.moe_combine_grad %xp, %rows, %g, %dy : tensor<16x8xf32>, tensor<16xi32>, tensor<2x4x2xf32>, tensor<2x4x8xf32>
    // CHECK: cherry.moe_grouped_linear_grad %{{.*}} : tensor<16x8xf32>, tensor<3x16x8xf32>, tensor<3xi32>, tensor<16x16xf32>
    %dxp, %dw = cherry.moe_grouped_linear_grad %xp, %w, %counts, %hp : tensor<16x8xf32>, tensor<3x16x8xf32>, tensor<3xi32>, tensor<16x16xf32>
    // CHECK: cherry.moe_dispatch_grad %{{.*}}, %{{.*}} {top_k = 2 : i64} : tensor<16x8xf32>, tensor<16xi32> -> tensor<2x4x8xf32>
    %dx = cherry.moe_dispatch_grad %dxp, %rows {top_k = 2 : i64} : tensor<16x8xf32>, tensor<16xi32> -> tensor<2x4x8xf32>
    // CHECK: cherry.moe_route_grad %{{.*}} {top_k = 2 : i64} : tensor<2x4x3xf32>, tensor<2x4x2xi32>, tensor<2x4x2xf32>, tensor<3xi32>
    %dz = cherry.moe_route_grad %z, %p, %e, %g, %counts, %dg {top_k = 2 : i64} : tensor<2x4x3xf32>, tensor<2x4x2xi32>, tensor<2x4x2xf32>, tensor<3xi32>
    // CHECK: cherry.moe_balance_stats %{{.*}}, %{{.*}} {top_k = 2 : i64} : tensor<2x4x3xf32>, tensor<3xi32> -> tensor<2x3xf32>
    %s = cherry.moe_balance_stats %p, %counts {top_k = 2 : i64} : tensor<2x4x3xf32>, tensor<3xi32> -> tensor<2x3xf32>
    // CHECK: cherry.moe_route_grad %{{.*}} stats %{{.*}} : tensor<2x3xf32> {balance_coeff = 1.000000e-02 : f64, top_k = 2 : i64} : tensor<2x4x3xf32>, tensor<2x4x2xi32>, tensor<2x4x2xf32>, tensor<3xi32>
    %dzs = cherry.moe_route_grad %z, %p, %e, %g, %counts, %dg stats %s : tensor<2x3xf32> {top_k = 2 : i64, balance_coeff = 0.01 : f64} : tensor<2x4x3xf32>, tensor<2x4x2xi32>, tensor<2x4x2xf32>, tensor<3xi32>
    return
  }
}
