module {
  cherry.param @emb : tensor<32x8xf32> init(#cherry.normal<std = 0.02>)
  cherry.param @extra : tensor<8xf32> init(#cherry.constant<1.0>) checkpoint("optimizer.m.emb")
  func.func @forward(%ids: tensor<1x4xi32>, %targets: tensor<1x4xi32>) -> tensor<f32> {
    %table = cherry.param_ref @emb : tensor<32x8xf32>
    %h = cherry.embedding %ids, %table : tensor<1x4xi32>, tensor<32x8xf32> -> tensor<1x4x8xf32>
    %g = cherry.param_ref @extra : tensor<8xf32>
    %n = cherry.rms_norm %h, %g : tensor<1x4x8xf32>, tensor<8xf32>
    %logits = cherry.linear %n, %table : tensor<1x4x8xf32>, tensor<32x8xf32> -> tensor<1x4x32xf32>
    %loss = cherry.cross_entropy %logits, %targets : tensor<1x4x32xf32>, tensor<1x4xi32>
    return %loss : tensor<f32>
  }
}
