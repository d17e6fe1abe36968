// RUN: cherry-opt %s --cherry-recurrent-unroll --verify-diagnostics

// Per-step slices have no op to take them from yet.
cherry.param @gains : tensor<3x8xf32> init(#cherry.constant<1.0>)
func.func @forward(%h: tensor<2x4x8xf32>) -> tensor<2x4x8xf32> {
  %gains = cherry.param_ref @gains : tensor<3x8xf32>
  // expected-error @+1 {{cherry-recurrent-unroll: step_params are not supported yet (slicing them needs an op the dialect does not have)}}
  %y = cherry.recurrent %h step_params(%gains : tensor<3x8xf32>) schedule [0, 0, 0] : tensor<2x4x8xf32> {
  ^bb0(%x: tensor<2x4x8xf32>, %s: tensor<8xf32>):
    %n = cherry.rms_norm %x, %s : tensor<2x4x8xf32>, tensor<8xf32>
    cherry.yield %n : tensor<2x4x8xf32>
  }
  return %y : tensor<2x4x8xf32>
}
