module attributes {cherry.hf_config = "{\22a\FF\22}"} {
  cherry.param @a : tensor<32x8xf32> init(#cherry.normal<std = 0.02>)
  func.func @forward(%ids: tensor<1x4xi32>, %targets: tensor<1x4xi32>) -> tensor<f32> {
    %table = cherry.param_ref @a : tensor<32x8xf32>
    %h = cherry.embedding %ids, %table : tensor<1x4xi32>, tensor<32x8xf32> -> tensor<1x4x8xf32>
    %logits = cherry.linear %h, %table : tensor<1x4x8xf32>, tensor<32x8xf32> -> tensor<1x4x32xf32>
    %loss = cherry.cross_entropy %logits, %targets : tensor<1x4x32xf32>, tensor<1x4xi32>
    return %loss : tensor<f32>
  }
}
// -----
module {
  cherry.param @a : tensor<32x8xf32> init(#cherry.normal<std = 0.02>) checkpoint("w\FF")
  func.func @forward(%ids: tensor<1x4xi32>, %targets: tensor<1x4xi32>) -> tensor<f32> {
    %table = cherry.param_ref @a : tensor<32x8xf32>
    %h = cherry.embedding %ids, %table : tensor<1x4xi32>, tensor<32x8xf32> -> tensor<1x4x8xf32>
    %logits = cherry.linear %h, %table : tensor<1x4x8xf32>, tensor<32x8xf32> -> tensor<1x4x32xf32>
    %loss = cherry.cross_entropy %logits, %targets : tensor<1x4x32xf32>, tensor<1x4xi32>
    return %loss : tensor<f32>
  }
}
