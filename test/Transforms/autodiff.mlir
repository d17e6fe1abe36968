// RUN: cherry-opt %s --split-input-file --cherry-fuse-head --cherry-autodiff --canonicalize --verify-diagnostics | FileCheck %s

// A block with a tied head: each op's VJP in reverse order; the residual
// stream and the normalized input (read by q and k) sum their cotangents, and
// the tied embedding table sums its head and embedding gradients.
// The forward function is kept, train_step follows it.
// CHECK: func.func @forward(
// CHECK-LABEL: func.func @train_step
// CHECK-SAME: -> (tensor<f32>, tensor<32x8xf32> {cherry.grad_of = @emb}, tensor<8xf32> {cherry.grad_of = @norm}, tensor<8x8xf32> {cherry.grad_of = @wq}, tensor<4x8xf32> {cherry.grad_of = @wk})
// CHECK: %[[EMB:.*]] = cherry.param_ref @emb
// CHECK: %[[H0:.*]] = cherry.embedding %arg0, %[[EMB]]
// CHECK: %[[N:.*]] = cherry.rms_norm %[[H0]], %[[NORM:.*]] :
// CHECK: %[[Q:.*]] = cherry.linear %[[N]], %[[WQ:.*]] :
// CHECK: %[[K:.*]] = cherry.linear %[[N]], %[[WK:.*]] :
// CHECK: %[[QR:.*]] = cherry.rope %[[Q]]
// CHECK: %[[KR:.*]] = cherry.rope %[[K]]
// CHECK: %[[A:.*]] = cherry.attention %[[QR]], %[[KR]], %[[K]]
// CHECK: %[[S:.*]] = cherry.swiglu %[[A]], %[[Q]]
// CHECK: %[[H1:.*]] = cherry.add %[[H0]], %[[S]]
// CHECK: %[[LOSS:.*]] = cherry.head_cross_entropy %[[H1]], %[[EMB]], %arg1
// CHECK: %[[DH1:.*]], %[[DHEAD:.*]] = cherry.head_cross_entropy_grad %[[H1]], %[[EMB]], %arg1
// CHECK: %[[DA:.*]], %[[DQ1:.*]] = cherry.swiglu_grad %[[A]], %[[Q]], %[[DH1]]
// CHECK: %[[DQR:.*]], %[[DKR:.*]], %[[DV:.*]] = cherry.attention_grad %[[QR]], %[[KR]], %[[K]], %[[A]], %[[DA]] {num_heads = 2 : i64, num_kv_heads = 1 : i64}
// CHECK: %[[DK1:.*]] = cherry.rope_grad %[[DKR]] {head_dim = 4 : i64}
// CHECK: %[[DK:.*]] = cherry.add %[[DV]], %[[DK1]]
// CHECK: %[[DQ2:.*]] = cherry.rope_grad %[[DQR]] {head_dim = 4 : i64}
// CHECK: %[[DQ:.*]] = cherry.add %[[DQ1]], %[[DQ2]]
// CHECK: %[[DN1:.*]] = cherry.linear_grad_input %[[DK]], %[[WK]]
// CHECK: %[[DWK:.*]] = cherry.linear_grad_weight %[[DK]], %[[N]]
// CHECK: %[[DN2:.*]] = cherry.linear_grad_input %[[DQ]], %[[WQ]]
// CHECK: %[[DWQ:.*]] = cherry.linear_grad_weight %[[DQ]], %[[N]]
// CHECK: %[[DN:.*]] = cherry.add %[[DN1]], %[[DN2]]
// CHECK: %[[DH0A:.*]], %[[DNORM:.*]] = cherry.rms_norm_grad %[[H0]], %[[NORM]], %[[DN]]
// CHECK: %[[DH0:.*]] = cherry.add %[[DH1]], %[[DH0A]]
// CHECK: %[[DEMB:.*]] = cherry.embedding_grad %arg0, %[[DH0]] : tensor<2x7xi32>, tensor<2x7x8xf32> -> tensor<32x8xf32>
// CHECK: %[[DTABLE:.*]] = cherry.add %[[DHEAD]], %[[DEMB]]
// CHECK: return %[[LOSS]], %[[DTABLE]], %[[DNORM]], %[[DWQ]], %[[DWK]]
module {
  cherry.param @emb : tensor<32x8xf32> init(#cherry.normal<std = 0.02>)
  cherry.param @norm : tensor<8xf32> init(#cherry.constant<1.0>)
  cherry.param @wq : tensor<8x8xf32> init(#cherry.normal<std = 0.02>)
  cherry.param @wk : tensor<4x8xf32> init(#cherry.normal<std = 0.02>)
  cherry.param @frozen : tensor<8xf32> init(#cherry.constant<1.0>) {trainable = false}
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

// The logits are used twice: the head cannot be fused, and the unfused
// cross_entropy is refused rather than differentiated through [tokens, vocab].
module {
  cherry.param @w : tensor<4x8xf32> init(#cherry.normal<std = 0.02>)
  func.func @forward(%ids: tensor<2x7xi32>, %targets: tensor<2x7xi32>) -> tensor<f32> {
    %w = cherry.param_ref @w : tensor<4x8xf32>
    %h = cherry.embedding %ids, %w : tensor<2x7xi32>, tensor<4x8xf32> -> tensor<2x7x8xf32>
    %logits = cherry.linear %h, %w : tensor<2x7x8xf32>, tensor<4x8xf32> -> tensor<2x7x4xf32>
    %twice = cherry.add %logits, %logits : tensor<2x7x4xf32>
    // expected-error @+1 {{'cherry.cross_entropy' op must be fused with its head before differentiation (run cherry-fuse-head): its own gradient would materialize the logits}}
    %loss = cherry.cross_entropy %twice, %targets : tensor<2x7x4xf32>, tensor<2x7xi32>
    return %loss : tensor<f32>
  }
}

// -----

// expected-error @+1 {{cherry-autodiff: @forward must return one scalar loss}}
func.func @forward(%ids: tensor<2x7xi32>) -> tensor<2x7xi32> {
  return %ids : tensor<2x7xi32>
}
