// RUN: cherry-opt %s --cherry-sgt="ratio=0.15 policy=random seed=7" | FileCheck %s --check-prefix=SGT
// RUN: cherry-opt %s --cherry-sgt="ratio=0.15 policy=score" --cherry-sgt-sparsify | FileCheck %s --check-prefix=SPARSE
// RUN: not cherry-opt %s --cherry-sgt="ratio=0" 2>&1 | FileCheck %s --check-prefix=RATIO
// RUN: not cherry-opt %s --cherry-sgt="policy=rarest" 2>&1 | FileCheck %s --check-prefix=POLICY

// 15% of 20 positions: k = 3 per sequence.
// SGT: %[[POS:.*]] = cherry.sgt_select %arg1 policy(random) {seed = 7 : i64} : tensor<2x20xi32> -> tensor<2x3xi32>
// SGT: %[[L:.*]] = cherry.selective_cross_entropy %{{.*}}, %arg1, %[[POS]] : tensor<2x20x32xf32>, tensor<2x20xi32>, tensor<2x3xi32>
// SGT: return %[[L]]

// The score policy reads the @sgt.scores table; the head then runs on the
// gathered rows only.
// SPARSE: cherry.param @sgt.scores : tensor<32xf32> init(#cherry.constant<0.000000e+00>) checkpoint("sgt.scores") {trainable = false}
// SPARSE: %[[S:.*]] = cherry.param_ref @sgt.scores : tensor<32xf32>
// SPARSE: %[[POS:.*]] = cherry.sgt_select %arg1 scores(%[[S]] : tensor<32xf32>) policy(score) : tensor<2x20xi32> -> tensor<2x3xi32>
// SPARSE: %[[H:.*]] = cherry.gather %{{.*}}, %[[POS]] : tensor<2x20x8xf32>, tensor<2x3xi32> -> tensor<2x3x8xf32>
// SPARSE: %[[T:.*]] = cherry.gather %arg1, %[[POS]] : tensor<2x20xi32>, tensor<2x3xi32> -> tensor<2x3xi32>
// SPARSE: %[[LOGITS:.*]] = cherry.linear %[[H]], %{{.*}} : tensor<2x3x8xf32>, tensor<32x8xf32> -> tensor<2x3x32xf32>
// SPARSE: cherry.cross_entropy %[[LOGITS]], %[[T]] : tensor<2x3x32xf32>, tensor<2x3xi32>
// SPARSE-NOT: selective_cross_entropy

// RATIO: error: cherry-sgt: ratio must be in (0, 1], found 0.000000e+00
// POLICY: error: cherry-sgt: unknown policy 'rarest' (expected random, uniform, score or topk-surprisal)
module {
  cherry.param @emb : tensor<32x8xf32> init(#cherry.normal<std = 0.02>)
  cherry.param @norm : tensor<8xf32> init(#cherry.constant<1.0>)
  func.func @forward(%ids: tensor<2x20xi32>, %targets: tensor<2x20xi32>) -> tensor<f32> {
    %table = cherry.param_ref @emb : tensor<32x8xf32>
    %h = cherry.embedding %ids, %table : tensor<2x20xi32>, tensor<32x8xf32> -> tensor<2x20x8xf32>
    %g = cherry.param_ref @norm : tensor<8xf32>
    %n = cherry.rms_norm %h, %g : tensor<2x20x8xf32>, tensor<8xf32>
    %logits = cherry.linear %n, %table : tensor<2x20x8xf32>, tensor<32x8xf32> -> tensor<2x20x32xf32>
    %loss = cherry.cross_entropy %logits, %targets : tensor<2x20x32xf32>, tensor<2x20xi32>
    return %loss : tensor<f32>
  }
}
