// RUN: cherry-opt %s --split-input-file --cherry-lower-to-kernels="mode=decode capacity=16" --verify-diagnostics

// A decoding step attends from the new rows' own positions: ops on gathered
// rows (cherry-sgt-sparsify's) are refused, not run at the wrong position.
module {
  cherry.param @w : tensor<4x8xf32> init(#cherry.normal<std = 0.02>)
  func.func @forward(%ids: tensor<1x1xi32>, %targets: tensor<1x1xi32>) -> tensor<f32> {
    %w = cherry.param_ref @w : tensor<4x8xf32>
    %h = cherry.embedding %ids, %w : tensor<1x1xi32>, tensor<4x8xf32> -> tensor<1x1x8xf32>
    // expected-error @+1 {{'cherry.rope' op with positions cannot be lowered for decoding}}
    %r = cherry.rope %h positions(%ids : tensor<1x1xi32>) {head_dim = 4 : i64} : tensor<1x1x8xf32>
    %logits = cherry.linear %r, %w : tensor<1x1x8xf32>, tensor<4x8xf32> -> tensor<1x1x4xf32>
    %loss = cherry.cross_entropy %logits, %targets : tensor<1x1x4xf32>, tensor<1x1xi32>
    return %loss : tensor<f32>
  }
}

// -----

module {
  cherry.param @w : tensor<4x8xf32> init(#cherry.normal<std = 0.02>)
  func.func @forward(%ids: tensor<1x1xi32>, %targets: tensor<1x1xi32>) -> tensor<f32> {
    %w = cherry.param_ref @w : tensor<4x8xf32>
    %h = cherry.embedding %ids, %w : tensor<1x1xi32>, tensor<4x8xf32> -> tensor<1x1x8xf32>
    // expected-error @+1 {{'cherry.attention' op with query positions cannot be lowered for decoding}}
    %a = cherry.attention %h, %h, %h positions(%ids : tensor<1x1xi32>) {num_heads = 2 : i64, num_kv_heads = 2 : i64} : tensor<1x1x8xf32>, tensor<1x1x8xf32>
    %logits = cherry.linear %a, %w : tensor<1x1x8xf32>, tensor<4x8xf32> -> tensor<1x1x4xf32>
    %loss = cherry.cross_entropy %logits, %targets : tensor<1x1x4xf32>, tensor<1x1xi32>
    return %loss : tensor<f32>
  }
}
