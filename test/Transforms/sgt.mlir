// RUN: cherry-opt %s --cherry-sgt="ratio=0.15 policy=random seed=7" | FileCheck %s --check-prefix=SGT
// RUN: cherry-opt %s --cherry-sgt="ratio=0.15 policy=score" --cherry-sgt-sparsify | FileCheck %s --check-prefix=SPARSE
// RUN: cherry-opt %s --cherry-sgt="ratio=0.15 policy=score" --cherry-sgt-sparsify="hoist=0" | FileCheck %s --check-prefix=NOHOIST
// RUN: not cherry-opt %s --cherry-sgt="ratio=0" 2>&1 | FileCheck %s --check-prefix=RATIO
// RUN: not cherry-opt %s --cherry-sgt="policy=rarest" 2>&1 | FileCheck %s --check-prefix=POLICY
// RUN: cherry-opt %s --cherry-sgt="ratio=0.15" --cherry-sgt-sparsify | FileCheck %s --check-prefix=SURPRISAL
// RUN: cherry-opt %s --cherry-sgt="ratio=0.15 policy=loss-topk" --cherry-sgt-sparsify | FileCheck %s --check-prefix=LOSS
// RUN: cherry-opt %s --cherry-sgt="ratio=0.15 policy=mask" | FileCheck %s --check-prefix=MASK

// 15% of 20 positions: k = 3 per sequence.
// SGT: %[[POS:.*]], %[[POSW:.*]] = cherry.sgt_select %arg1 policy(random) {seed = 7 : i64} : tensor<2x20xi32> -> tensor<2x3xi32>, tensor<2x3xf32>
// SGT: %[[L:.*]] = cherry.selective_cross_entropy %{{.*}}, %arg1, %[[POS]], %[[POSW]] : tensor<2x20x32xf32>, tensor<2x20xi32>, tensor<2x3xi32>, tensor<2x3xf32>
// SGT: return %[[L]]

// The score policy reads the @sgt.scores table; the head then runs on the
// gathered rows only, and so does every row-wise op whose only reader is the
// gather: here the final norm, computed on 3 rows per sequence instead of 20.
// SPARSE: cherry.param @sgt.scores : tensor<32xf32> init(#cherry.constant<0.000000e+00>) checkpoint("sgt.scores") {trainable = false}
// SPARSE: %[[E:.*]] = cherry.embedding
// SPARSE: %[[S:.*]] = cherry.param_ref @sgt.scores : tensor<32xf32>
// SPARSE: %[[POS:.*]], %[[POSW:.*]] = cherry.sgt_select %arg1 scores(%[[S]] : tensor<32xf32>) policy(score) : tensor<2x20xi32> -> tensor<2x3xi32>, tensor<2x3xf32>
// SPARSE: %[[G:.*]] = cherry.gather %[[E]], %[[POS]] : tensor<2x20x8xf32>, tensor<2x3xi32> -> tensor<2x3x8xf32>
// SPARSE: %[[H:.*]] = cherry.rms_norm %[[G]], %{{.*}} : tensor<2x3x8xf32>, tensor<8xf32>
// SPARSE: %[[T:.*]] = cherry.gather %arg1, %[[POS]] : tensor<2x20xi32>, tensor<2x3xi32> -> tensor<2x3xi32>
// SPARSE: %[[LOGITS:.*]] = cherry.linear %[[H]], %{{.*}} : tensor<2x3x8xf32>, tensor<32x8xf32> -> tensor<2x3x32xf32>
// SPARSE: cherry.cross_entropy %[[LOGITS]], %[[T]] weights(%[[POSW]] : tensor<2x3xf32>) : tensor<2x3x32xf32>, tensor<2x3xi32>
// SPARSE-NOT: selective_cross_entropy

// Without hoisting the gather stays at the head's input.
// NOHOIST: %[[N:.*]] = cherry.rms_norm %{{.*}}, %{{.*}} : tensor<2x20x8xf32>, tensor<8xf32>
// NOHOIST: cherry.gather %[[N]], %{{.*}} : tensor<2x20x8xf32>, tensor<2x3xi32> -> tensor<2x3x8xf32>

// The default policy draws by surprisal from the same table, with weights.
// SURPRISAL: %[[S:.*]] = cherry.param_ref @sgt.scores : tensor<32xf32>
// SURPRISAL: %[[POS:.*]], %[[W:.*]] = cherry.sgt_select %arg1 scores(%[[S]] : tensor<32xf32>) policy(surprisal) : tensor<2x20xi32> -> tensor<2x3xi32>, tensor<2x3xf32>
// SURPRISAL: cherry.cross_entropy %{{.*}}, %{{.*}} weights(%[[W]] : tensor<2x3xf32>)

// loss-topk keeps the full head, forward only, for every position's loss;
// the supervised loss runs its own head on the gathered rows.
// LOSS: %[[FULL:.*]] = cherry.linear %{{.*}}, %{{.*}} : tensor<2x20x8xf32>, tensor<32x8xf32> -> tensor<2x20x32xf32>
// LOSS: %[[TL:.*]] = cherry.token_cross_entropy %[[FULL]], %arg1 : tensor<2x20x32xf32>, tensor<2x20xi32> -> tensor<2x20xf32>
// LOSS: %[[POS:.*]], %[[W:.*]] = cherry.sgt_select %arg1 scores(%[[TL]] : tensor<2x20xf32>) policy(loss_topk) : tensor<2x20xi32> -> tensor<2x3xi32>, tensor<2x3xf32>
// LOSS: cherry.linear %{{.*}}, %{{.*}} : tensor<2x3x8xf32>, tensor<32x8xf32> -> tensor<2x3x32xf32>

// The mask comes in as a new argument, named for the runtime.
// MASK: func.func @forward(%{{.*}}: tensor<2x20xi32>, %{{.*}}: tensor<2x20xi32>, %[[M:.*]]: tensor<2x20xi32> {cherry.input = "sgt_mask"})
// MASK: cherry.sgt_select %arg1 scores(%[[M]] : tensor<2x20xi32>) policy(mask) : tensor<2x20xi32> -> tensor<2x3xi32>, tensor<2x3xf32>

// RATIO: error: cherry-sgt: ratio must be in (0, 1], found 0.000000e+00
// POLICY: error: cherry-sgt: unknown policy 'rarest' (expected surprisal, random, topk-surprisal, loss-topk, mask, uniform or score)
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
