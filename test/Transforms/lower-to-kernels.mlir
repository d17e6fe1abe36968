// RUN: cherry-opt %s --split-input-file --cherry-lower-to-kernels --verify-diagnostics | FileCheck %s

// One launch per op, decoder layer inlined, head + loss fused, the loss
// written straight into the output argument.
// CHECK-LABEL: func.func @eval_step
// CHECK-SAME: (%[[IDS:.*]]: memref<2x7xi32> {cherry_kernel.binding = "ids"}, %[[TGT:.*]]: memref<2x7xi32> {cherry_kernel.binding = "targets"}, %[[LOSS:.*]]: memref<f32> {cherry_kernel.binding = "loss", cherry_kernel.output}, %[[TOK:.*]]: memref<2x7xf32> {cherry_kernel.binding = "token_losses", cherry_kernel.output})
// CHECK: %[[EMB:.*]] = cherry_kernel.param @emb : memref<32x8xf32>
// CHECK: %[[H:.*]] = cherry_kernel.buffer : memref<2x7x8xf32>
// CHECK: cherry_kernel.launch "embedding"(%[[IDS]], %[[EMB]] : {{.*}}) outs(%[[H]] : memref<2x7x8xf32>) {dim = 8 : i64, n = 14 : i64, vocab = 32 : i64}
// CHECK: cherry_kernel.launch "rms_norm"(%[[H]], {{.*}} {dim = 8 : i64, eps = 1.000000e-05 : f64, rows = 14 : i64}
// CHECK: cherry_kernel.launch "linear"({{.*}}) {k = 8 : i64, m = 14 : i64, n = 8 : i64}
// CHECK: cherry_kernel.launch "linear"({{.*}}) {k = 8 : i64, m = 14 : i64, n = 4 : i64}
// CHECK: cherry_kernel.launch "rope"({{.*}}) {batch = 2 : i64, head_dim = 4 : i64, heads = 2 : i64, position_offset = 0 : i64, seq = 7 : i64, theta = 1.000000e+04 : f64}
// CHECK: cherry_kernel.launch "rope"({{.*}}) {batch = 2 : i64, head_dim = 4 : i64, heads = 1 : i64, position_offset = 0 : i64, seq = 7 : i64, theta = 1.000000e+04 : f64}
// CHECK: cherry_kernel.launch "attention"({{.*}}) {batch = 2 : i64, causal = 1 : i64, head_dim = 4 : i64, heads = 2 : i64, kv_batch_stride = 7 : i64, kv_heads = 1 : i64, kv_len = 7 : i64, q_len = 7 : i64, q_position_offset = 0 : i64}
// CHECK: cherry_kernel.launch "swiglu"({{.*}}) {n = 112 : i64}
// CHECK: %[[OUT:.*]] = cherry_kernel.buffer : memref<2x7x8xf32>
// CHECK: cherry_kernel.launch "add"(%[[H]], {{.*}}) outs(%[[OUT]] : memref<2x7x8xf32>) {n = 112 : i64}
// CHECK-NOT: "linear"
// CHECK: cherry_kernel.launch "head_cross_entropy_rows"(%[[OUT]], %[[EMB]], %[[TGT]] : memref<2x7x8xf32>, memref<32x8xf32>, memref<2x7xi32>) outs(%[[LOSS]], %[[TOK]] : memref<f32>, memref<2x7xf32>) {dim = 8 : i64, ignore_index = -100 : i64, rows = 14 : i64, vocab = 32 : i64}
// CHECK-NEXT: return
// CHECK-NOT: func.func @forward
module {
  cherry.param @emb : tensor<32x8xf32> init(#cherry.normal<std = 0.02>)
  cherry.param @norm : tensor<8xf32> init(#cherry.constant<1.0>)
  cherry.param @wq : tensor<8x8xf32> init(#cherry.normal<std = 0.02>)
  cherry.param @wk : tensor<4x8xf32> init(#cherry.normal<std = 0.02>)
  func.func @forward(%ids: tensor<2x7xi32>, %targets: tensor<2x7xi32>) -> tensor<f32> {
    %table = cherry.param_ref @emb : tensor<32x8xf32>
    %h = cherry.embedding %ids, %table : tensor<2x7xi32>, tensor<32x8xf32> -> tensor<2x7x8xf32>
    %out = cherry.decoder_layer %h {index = 0 : i64} : tensor<2x7x8xf32> {
    ^bb0(%x: tensor<2x7x8xf32>):
      %g = cherry.param_ref @norm : tensor<8xf32>
      %n = cherry.rms_norm %x, %g : tensor<2x7x8xf32>, tensor<8xf32>
      %wq = cherry.param_ref @wq : tensor<8x8xf32>
      %q = cherry.linear %n, %wq : tensor<2x7x8xf32>, tensor<8x8xf32> -> tensor<2x7x8xf32>
      %wk = cherry.param_ref @wk : tensor<4x8xf32>
      %k = cherry.linear %n, %wk : tensor<2x7x8xf32>, tensor<4x8xf32> -> tensor<2x7x4xf32>
      %qr = cherry.rope %q {head_dim = 4 : i64} : tensor<2x7x8xf32>
      %kr = cherry.rope %k {head_dim = 4 : i64} : tensor<2x7x4xf32>
      %a = cherry.attention %qr, %kr, %k {num_heads = 2 : i64, num_kv_heads = 1 : i64} : tensor<2x7x8xf32>, tensor<2x7x4xf32>
      %s = cherry.swiglu %a, %q : tensor<2x7x8xf32>
      %r = cherry.add %x, %s : tensor<2x7x8xf32>
      cherry.yield %r : tensor<2x7x8xf32>
    }
    %logits = cherry.linear %out, %table : tensor<2x7x8xf32>, tensor<32x8xf32> -> tensor<2x7x32xf32>
    %loss = cherry.cross_entropy %logits, %targets : tensor<2x7x32xf32>, tensor<2x7xi32>
    return %loss : tensor<f32>
  }
}

// -----

module {
  cherry.param @w : tensor<4x8xf32> init(#cherry.normal<std = 0.02>)
  cherry.param @b : tensor<4xf32> init(#cherry.constant<0.0>)
  func.func @forward(%ids: tensor<2x7xi32>, %targets: tensor<2x7xi32>) -> tensor<f32> {
    %w = cherry.param_ref @w : tensor<4x8xf32>
    %b = cherry.param_ref @b : tensor<4xf32>
    %h = cherry.embedding %ids, %w : tensor<2x7xi32>, tensor<4x8xf32> -> tensor<2x7x8xf32>
    // expected-error @+1 {{'cherry.linear' op with a bias cannot be lowered to kernels yet (no biased linear kernel)}}
    %logits = cherry.linear %h, %w, %b : tensor<2x7x8xf32>, tensor<4x8xf32>, tensor<4xf32> -> tensor<2x7x4xf32>
    %loss = cherry.cross_entropy %logits, %targets : tensor<2x7x4xf32>, tensor<2x7xi32>
    return %loss : tensor<f32>
  }
}

// -----

module {
  cherry.param @w : tensor<4x8xf32> init(#cherry.normal<std = 0.02>)
  func.func @forward(%ids: tensor<2x7xi32>, %targets: tensor<2x7xi32>) -> tensor<f32> {
    %w = cherry.param_ref @w : tensor<4x8xf32>
    %h = cherry.embedding %ids, %w : tensor<2x7xi32>, tensor<4x8xf32> -> tensor<2x7x8xf32>
    // expected-error @+1 {{'cherry.scale' op cannot be lowered: the scale kernel takes a positive factor, found -2.000000e+00}}
    %s = cherry.scale %h {factor = -2.0 : f64} : tensor<2x7x8xf32>
    %logits = cherry.linear %s, %w : tensor<2x7x8xf32>, tensor<4x8xf32> -> tensor<2x7x4xf32>
    %loss = cherry.cross_entropy %logits, %targets : tensor<2x7x4xf32>, tensor<2x7xi32>
    return %loss : tensor<f32>
  }
}

// -----

// The gradient of an attention with query positions reads its forward's row
// log-sum-exp: its output operand must be that attention's result.
module {
  cherry.param @w : tensor<4x8xf32> init(#cherry.normal<std = 0.02>)
  func.func @forward(%ids: tensor<2x7xi32>, %targets: tensor<2x7xi32>) -> tensor<f32> {
    %w = cherry.param_ref @w : tensor<4x8xf32>
    %h = cherry.embedding %ids, %w : tensor<2x7xi32>, tensor<4x8xf32> -> tensor<2x7x8xf32>
    %pos = cherry.gather %ids, %ids : tensor<2x7xi32>, tensor<2x7xi32> -> tensor<2x7xi32>
    // expected-error @+1 {{'cherry.attention_grad' op with query positions cannot be lowered: its output operand must be the result of the attention it differentiates}}
    %dq, %dk, %dv = cherry.attention_grad %h, %h, %h, %h, %h positions(%pos : tensor<2x7xi32>) {num_heads = 2 : i64, num_kv_heads = 2 : i64} : tensor<2x7x8xf32>, tensor<2x7x8xf32>
    %logits = cherry.linear %dq, %w : tensor<2x7x8xf32>, tensor<4x8xf32> -> tensor<2x7x4xf32>
    %loss = cherry.cross_entropy %logits, %targets : tensor<2x7x4xf32>, tensor<2x7xi32>
    return %loss : tensor<f32>
  }
}
