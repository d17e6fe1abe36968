// cherry-moee-fuse: each SwiGLU MLP becomes a routed MLP whose experts are
// that MLP in each source model (stacked from weight sources 0..E-1), with a
// router per MLP; the other parameters are the sources' mean (or one's).
// RUN: cherry-opt %s --cherry-moee-fuse="experts=2 top-k=1 balance=0.5 z-loss=0.25" | FileCheck %s
// RUN: cherry-opt %s --cherry-moee-fuse="experts=3 top-k=2 renormalize=0 shared=1" | FileCheck %s --check-prefix=FIRST
// RUN: cherry-opt %s --cherry-moee-fuse="experts=2 weights=fused" | FileCheck %s --check-prefix=FUSED

// CHECK: cherry.hf_config = "{\22cherry\22:{\22moee\22:{\22balance_coeff\22:0.5,\22experts\22:2,\22renormalize\22:true,\22router_std\22:0.02,\22routing\22:\22token\22,\22shared\22:\22mean\22,\22top_k\22:1,\22z_coeff\22:0.25}},\22hidden_size\22:8}"
// CHECK: cherry.param @source.0.model.norm.weight : tensor<8xf32> checkpoint("model.norm.weight") {trainable = false}
// CHECK: cherry.param @source.1.model.norm.weight : tensor<8xf32> checkpoint("model.norm.weight") {trainable = false, weight_source = 1 : i64}
// CHECK: cherry.param @model.norm.weight : tensor<8xf32> init(#cherry.mean_of<[@source.0.model.norm.weight, @source.1.model.norm.weight]>)
// CHECK: cherry.param @source.0.model.layers.0.mlp.gate_proj.weight : tensor<16x8xf32> checkpoint("model.layers.0.mlp.gate_proj.weight") {trainable = false}
// CHECK: cherry.param @source.1.model.layers.0.mlp.gate_proj.weight : tensor<16x8xf32> checkpoint("model.layers.0.mlp.gate_proj.weight") {trainable = false, weight_source = 1 : i64}
// CHECK: cherry.param @model.layers.0.mlp.experts.gate_proj.weight : tensor<2x16x8xf32> init(#cherry.stack_of<[@source.0.model.layers.0.mlp.gate_proj.weight, @source.1.model.layers.0.mlp.gate_proj.weight]>)
// CHECK: cherry.param @model.layers.0.mlp.router.weight : tensor<2x8xf32> init(#cherry.normal<std = 2.000000e-02>)
// CHECK: cherry.param @model.layers.0.mlp.experts.up_proj.weight : tensor<2x16x8xf32> init(#cherry.stack_of<
// CHECK: cherry.param @model.layers.0.mlp.experts.down_proj.weight : tensor<2x8x16xf32> init(#cherry.stack_of<
// CHECK-NOT: cherry.param @model.layers.0.mlp.gate_proj.weight
// CHECK-LABEL: func.func @forward
// CHECK: ^bb0(%[[X:.*]]: tensor<2x4x8xf32>):
// CHECK: %[[N:.*]] = cherry.rms_norm %[[X]]
// CHECK: %[[R:.*]] = cherry.param_ref @model.layers.0.mlp.router.weight : tensor<2x8xf32>
// CHECK: %[[Z:.*]] = cherry.linear %[[N]], %[[R]] : tensor<2x4x8xf32>, tensor<2x8xf32> -> tensor<2x4x2xf32>
// CHECK: %{{.*}}, %{{.*}}, %[[G:.*]], %[[ROWS:.*]], %[[C:.*]] = cherry.moe_route %[[Z]] {balance_coeff = 5.000000e-01 : f64, top_k = 1 : i64, z_coeff = 2.500000e-01 : f64} : tensor<2x4x2xf32> -> tensor<2x4x1xi32>, tensor<2x4x1xf32>, tensor<8xi32>, tensor<2xi32>
// CHECK: %[[XP:.*]] = cherry.moe_dispatch %[[N]], %[[ROWS]] {top_k = 1 : i64} : tensor<2x4x8xf32>, tensor<8xi32> -> tensor<8x8xf32>
// CHECK: %[[GP:.*]] = cherry.moe_grouped_linear %[[XP]], %{{.*}}, %[[C]] : tensor<8x8xf32>, tensor<2x16x8xf32>, tensor<2xi32> -> tensor<8x16xf32>
// CHECK: %[[UP:.*]] = cherry.moe_grouped_linear %[[XP]], %{{.*}}, %[[C]]
// CHECK: %[[A:.*]] = cherry.swiglu %[[GP]], %[[UP]] : tensor<8x16xf32>
// CHECK: %[[YP:.*]] = cherry.moe_grouped_linear %[[A]], %{{.*}}, %[[C]] : tensor<8x16xf32>, tensor<2x8x16xf32>, tensor<2xi32> -> tensor<8x8xf32>
// CHECK: %[[Y:.*]] = cherry.moe_combine %[[YP]], %[[ROWS]], %[[G]] : tensor<8x8xf32>, tensor<8xi32>, tensor<2x4x1xf32> -> tensor<2x4x8xf32>
// CHECK: cherry.add %[[X]], %[[Y]]
// The second step shares the first's MLP, so it shares its routed MLP.
// CHECK: cherry.decoder_layer
// CHECK: cherry.param_ref @model.layers.0.mlp.router.weight
// CHECK-NOT: @model.layers.1.mlp.router.weight

// shared=1: the other parameters read source 1; three experts, top 2.
// FIRST: cherry.param @model.norm.weight : tensor<8xf32> checkpoint("model.norm.weight") {weight_source = 1 : i64}
// FIRST: cherry.param @model.layers.0.mlp.experts.gate_proj.weight : tensor<3x16x8xf32> init(#cherry.stack_of<[@source.0.model.layers.0.mlp.gate_proj.weight, @source.1.model.layers.0.mlp.gate_proj.weight, @source.2.model.layers.0.mlp.gate_proj.weight]>)
// FIRST: cherry.moe_route %{{.*}} {balance_coeff = 1.000000e-02 : f64, renormalize = false, top_k = 2 : i64, z_coeff = 1.000000e-03 : f64} : tensor<2x4x3xf32> -> tensor<2x4x2xi32>, tensor<2x4x2xf32>, tensor<16xi32>, tensor<3xi32>

// weights=fused: a checkpoint of the fused model, every tensor by its name.
// FUSED: cherry.param @model.norm.weight : tensor<8xf32> checkpoint("model.norm.weight")
// FUSED: cherry.param @model.layers.0.mlp.experts.gate_proj.weight : tensor<2x16x8xf32> checkpoint("model.layers.0.mlp.experts.gate_proj.weight")
// FUSED: cherry.param @model.layers.0.mlp.router.weight : tensor<2x8xf32> checkpoint("model.layers.0.mlp.router.weight")
// FUSED-NOT: source.

module attributes {cherry.hf_config = "{\22hidden_size\22:8}"} {
  cherry.param @model.norm.weight : tensor<8xf32> checkpoint("model.norm.weight")
  cherry.param @model.layers.0.mlp.gate_proj.weight : tensor<16x8xf32> checkpoint("model.layers.0.mlp.gate_proj.weight")
  cherry.param @model.layers.0.mlp.up_proj.weight : tensor<16x8xf32> checkpoint("model.layers.0.mlp.up_proj.weight")
  cherry.param @model.layers.0.mlp.down_proj.weight : tensor<8x16xf32> checkpoint("model.layers.0.mlp.down_proj.weight")
  func.func @forward(%h: tensor<2x4x8xf32>) -> tensor<2x4x8xf32> {
    %0 = cherry.decoder_layer %h {index = 0 : i64} : tensor<2x4x8xf32> {
    ^bb0(%x: tensor<2x4x8xf32>):
      %g = cherry.param_ref @model.norm.weight : tensor<8xf32>
      %n = cherry.rms_norm %x, %g : tensor<2x4x8xf32>, tensor<8xf32>
      %wg = cherry.param_ref @model.layers.0.mlp.gate_proj.weight : tensor<16x8xf32>
      %a = cherry.linear %n, %wg : tensor<2x4x8xf32>, tensor<16x8xf32> -> tensor<2x4x16xf32>
      %wu = cherry.param_ref @model.layers.0.mlp.up_proj.weight : tensor<16x8xf32>
      %b = cherry.linear %n, %wu : tensor<2x4x8xf32>, tensor<16x8xf32> -> tensor<2x4x16xf32>
      %s = cherry.swiglu %a, %b : tensor<2x4x16xf32>
      %wd = cherry.param_ref @model.layers.0.mlp.down_proj.weight : tensor<8x16xf32>
      %d = cherry.linear %s, %wd : tensor<2x4x16xf32>, tensor<8x16xf32> -> tensor<2x4x8xf32>
      %y = cherry.add %x, %d : tensor<2x4x8xf32>
      cherry.yield %y : tensor<2x4x8xf32>
    }
    %1 = cherry.decoder_layer %0 {index = 1 : i64} : tensor<2x4x8xf32> {
    ^bb0(%x: tensor<2x4x8xf32>):
      %wg = cherry.param_ref @model.layers.0.mlp.gate_proj.weight : tensor<16x8xf32>
      %a = cherry.linear %x, %wg : tensor<2x4x8xf32>, tensor<16x8xf32> -> tensor<2x4x16xf32>
      %wu = cherry.param_ref @model.layers.0.mlp.up_proj.weight : tensor<16x8xf32>
      %b = cherry.linear %x, %wu : tensor<2x4x8xf32>, tensor<16x8xf32> -> tensor<2x4x16xf32>
      %s = cherry.swiglu %a, %b : tensor<2x4x16xf32>
      %wd = cherry.param_ref @model.layers.0.mlp.down_proj.weight : tensor<8x16xf32>
      %d = cherry.linear %s, %wd : tensor<2x4x16xf32>, tensor<8x16xf32> -> tensor<2x4x8xf32>
      %y = cherry.add %x, %d : tensor<2x4x8xf32>
      cherry.yield %y : tensor<2x4x8xf32>
    }
    return %1 : tensor<2x4x8xf32>
  }
}
