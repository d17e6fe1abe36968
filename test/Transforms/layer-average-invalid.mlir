// RUN: cherry-opt %s --split-input-file --cherry-layer-average=group-size=2 --verify-diagnostics

cherry.param @model.layers.0.w : tensor<8x8xf32> checkpoint("model.layers.0.w")
cherry.param @model.layers.0.v : tensor<8x8xf32> checkpoint("model.layers.0.v")
cherry.param @model.layers.1.w : tensor<4x8xf32> checkpoint("model.layers.1.w")
cherry.param @model.layers.1.v : tensor<8x4xf32> checkpoint("model.layers.1.v")
func.func @forward(%h0: tensor<2x4x8xf32>) -> tensor<2x4x8xf32> {
  %h1 = cherry.decoder_layer %h0 {index = 0 : i64} : tensor<2x4x8xf32> {
  ^bb0(%x: tensor<2x4x8xf32>):
    %w = cherry.param_ref @model.layers.0.w : tensor<8x8xf32>
    %y = cherry.linear %x, %w : tensor<2x4x8xf32>, tensor<8x8xf32> -> tensor<2x4x8xf32>
    %v = cherry.param_ref @model.layers.0.v : tensor<8x8xf32>
    %z = cherry.linear %y, %v : tensor<2x4x8xf32>, tensor<8x8xf32> -> tensor<2x4x8xf32>
    cherry.yield %z : tensor<2x4x8xf32>
  }
  // expected-error @+1 {{cherry-layer-average: parameter w of layer 1 is 'tensor<4x8xf32>', but 'tensor<8x8xf32>' in layer 0 (the layers of a group must have the same shapes)}}
  %h2 = cherry.decoder_layer %h1 {index = 1 : i64} : tensor<2x4x8xf32> {
  ^bb0(%x: tensor<2x4x8xf32>):
    %w = cherry.param_ref @model.layers.1.w : tensor<4x8xf32>
    %y = cherry.linear %x, %w : tensor<2x4x8xf32>, tensor<4x8xf32> -> tensor<2x4x4xf32>
    %v = cherry.param_ref @model.layers.1.v : tensor<8x4xf32>
    %z = cherry.linear %y, %v : tensor<2x4x4xf32>, tensor<8x4xf32> -> tensor<2x4x8xf32>
    cherry.yield %z : tensor<2x4x8xf32>
  }
  return %h2 : tensor<2x4x8xf32>
}

// -----

cherry.param @model.layers.0.w : tensor<8x8xf32> checkpoint("model.layers.0.w")
cherry.param @model.layers.1.w : tensor<8x8xf32> checkpoint("model.layers.1.w")
func.func @forward(%h0: tensor<2x4x8xf32>) -> tensor<2x4x8xf32> {
  %h1 = cherry.decoder_layer %h0 {index = 0 : i64} : tensor<2x4x8xf32> {
  ^bb0(%x: tensor<2x4x8xf32>):
    // expected-error @+1 {{cherry-layer-average: layer 0 reads @model.layers.1.w, which is not one of its own parameters (model.layers.0.*)}}
    %w = cherry.param_ref @model.layers.1.w : tensor<8x8xf32>
    %y = cherry.linear %x, %w : tensor<2x4x8xf32>, tensor<8x8xf32> -> tensor<2x4x8xf32>
    cherry.yield %y : tensor<2x4x8xf32>
  }
  %h2 = cherry.decoder_layer %h1 {index = 1 : i64} : tensor<2x4x8xf32> {
  ^bb0(%x: tensor<2x4x8xf32>):
    %w = cherry.param_ref @model.layers.1.w : tensor<8x8xf32>
    %y = cherry.linear %x, %w : tensor<2x4x8xf32>, tensor<8x8xf32> -> tensor<2x4x8xf32>
    cherry.yield %y : tensor<2x4x8xf32>
  }
  return %h2 : tensor<2x4x8xf32>
}

// -----

cherry.param @model.layers.0.w : tensor<8x8xf32> checkpoint("model.layers.0.w")
cherry.param @model.layers.1.w : tensor<8x8xf32> checkpoint("model.layers.1.w")
func.func @forward(%h0: tensor<2x4x8xf32>) -> (tensor<2x4x8xf32>, tensor<2x4x8xf32>) {
  %h1 = cherry.decoder_layer %h0 {index = 0 : i64} : tensor<2x4x8xf32> {
  ^bb0(%x: tensor<2x4x8xf32>):
    %w = cherry.param_ref @model.layers.0.w : tensor<8x8xf32>
    %y = cherry.linear %x, %w : tensor<2x4x8xf32>, tensor<8x8xf32> -> tensor<2x4x8xf32>
    cherry.yield %y : tensor<2x4x8xf32>
  }
  // expected-error @+1 {{cherry-layer-average: layers 0 and 1 are not adjacent (the residual stream has another user)}}
  %h2 = cherry.decoder_layer %h1 {index = 1 : i64} : tensor<2x4x8xf32> {
  ^bb0(%x: tensor<2x4x8xf32>):
    %w = cherry.param_ref @model.layers.1.w : tensor<8x8xf32>
    %y = cherry.linear %x, %w : tensor<2x4x8xf32>, tensor<8x8xf32> -> tensor<2x4x8xf32>
    cherry.yield %y : tensor<2x4x8xf32>
  }
  return %h1, %h2 : tensor<2x4x8xf32>, tensor<2x4x8xf32>
}
