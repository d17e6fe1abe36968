// RUN: cherry-opt %s --split-input-file --cherry-lower-to-kernels --verify-diagnostics | FileCheck %s --check-prefix=EVAL
// RUN: cherry-opt %s --split-input-file --cherry-specialize-shapes="batch=1 seq=3" --cherry-lower-to-kernels="mode=decode name=verify_step capacity=16" --verify-diagnostics | FileCheck %s --check-prefix=DECODE

// A multi-token head's loss (a result marked cherry.mtp_head, as cherry-mtp
// objective=false returns it) is an output of its own: the evaluation step
// writes it to mtp_loss.<k>, and only the next-token loss writes the
// per-position losses.
// EVAL-LABEL: func.func @eval_step
// EVAL-SAME: %[[LOSS:[^:]*]]: memref<f32> {cherry_kernel.binding = "loss", cherry_kernel.output}, %[[HEAD:[^:]*]]: memref<f32> {cherry_kernel.binding = "mtp_loss.1", cherry_kernel.output}, %[[ROWS:[^:]*]]: memref<2x7xf32> {cherry_kernel.binding = "token_losses", cherry_kernel.output})
// EVAL: cherry_kernel.launch "head_cross_entropy_rows"({{.*}}) outs(%[[LOSS]], %[[ROWS]] : memref<f32>, memref<2x7xf32>)
// EVAL: %[[SHIFTED:.*]] = cherry_kernel.buffer : memref<2x7xi32>
// EVAL: cherry_kernel.launch "shift_targets"({{.*}}) outs(%[[SHIFTED]] : memref<2x7xi32>) {batch = 2 : i64, fill = -100 : i64, seq = 7 : i64, shift = 1 : i64}
// EVAL: cherry_kernel.launch "head_cross_entropy"({{.*}}, %[[SHIFTED]] : {{.*}}) outs(%[[HEAD]] : memref<f32>)

// Decoding outputs each returned head's logits (the verification step of
// self-speculative decoding); the shifted targets are not computed.
// DECODE-LABEL: func.func @verify_step
// DECODE-SAME: (%{{.*}}: memref<1x3xi32> {cherry_kernel.binding = "ids"}, %{{.*}}: memref<1xi32> {cherry_kernel.binding = "position"}, %[[LOGITS:[^:]*]]: memref<1x3x32xf32> {cherry_kernel.binding = "logits", cherry_kernel.output}, %[[HEAD:[^:]*]]: memref<1x3x32xf32> {cherry_kernel.binding = "mtp_logits.1", cherry_kernel.output})
// DECODE-NOT: shift_targets
// DECODE: cherry_kernel.launch "linear"({{.*}}) outs(%[[LOGITS]] : memref<1x3x32xf32>)
// DECODE-NOT: shift_targets
// DECODE: cherry_kernel.launch "linear"({{.*}}) outs(%[[HEAD]] : memref<1x3x32xf32>)
module {
  cherry.param @emb : tensor<32x8xf32> init(#cherry.normal<std = 0.02>)
  cherry.param @w : tensor<8x8xf32> init(#cherry.normal<std = 0.02>)
  func.func @forward(%ids: tensor<2x7xi32>, %targets: tensor<2x7xi32>) -> (tensor<f32>, tensor<f32> {cherry.mtp_head = 1 : i64}) {
    %table = cherry.param_ref @emb : tensor<32x8xf32>
    %h = cherry.embedding %ids, %table : tensor<2x7xi32>, tensor<32x8xf32> -> tensor<2x7x8xf32>
    %logits = cherry.linear %h, %table : tensor<2x7x8xf32>, tensor<32x8xf32> -> tensor<2x7x32xf32>
    %loss = cherry.cross_entropy %logits, %targets : tensor<2x7x32xf32>, tensor<2x7xi32>
    %w = cherry.param_ref @w : tensor<8x8xf32>
    %g = cherry.linear %h, %w : tensor<2x7x8xf32>, tensor<8x8xf32> -> tensor<2x7x8xf32>
    %head = cherry.linear %g, %table : tensor<2x7x8xf32>, tensor<32x8xf32> -> tensor<2x7x32xf32>
    %shifted = cherry.shift_targets %targets {shift = 1 : i64} : tensor<2x7xi32>
    %headLoss = cherry.cross_entropy %head, %shifted : tensor<2x7x32xf32>, tensor<2x7xi32>
    return %loss, %headLoss : tensor<f32>, tensor<f32>
  }
}

// -----

// Any other extra result is refused.
module {
  cherry.param @emb : tensor<32x8xf32> init(#cherry.normal<std = 0.02>)
  // expected-error @+1 {{cherry-lower-to-kernels: result 1 of @forward is not a multi-token head's loss (no cherry.mtp_head >= 1)}}
  func.func @forward(%ids: tensor<2x7xi32>, %targets: tensor<2x7xi32>) -> (tensor<f32>, tensor<f32>) {
    %table = cherry.param_ref @emb : tensor<32x8xf32>
    %h = cherry.embedding %ids, %table : tensor<2x7xi32>, tensor<32x8xf32> -> tensor<2x7x8xf32>
    %logits = cherry.linear %h, %table : tensor<2x7x8xf32>, tensor<32x8xf32> -> tensor<2x7x32xf32>
    %loss = cherry.cross_entropy %logits, %targets : tensor<2x7x32xf32>, tensor<2x7xi32>
    return %loss, %loss : tensor<f32>, tensor<f32>
  }
}
