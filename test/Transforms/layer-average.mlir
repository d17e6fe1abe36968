// RUN: cherry-opt %s --cherry-layer-average=group-size=2 | FileCheck %s
// RUN: cherry-opt %s --cherry-layer-average=groups=0-1,2-3 | FileCheck %s
// RUN: cherry-opt %s --cherry-layer-average="groups=0,1-3" | FileCheck %s --check-prefix=UNEVEN
// RUN: not cherry-opt %s --cherry-layer-average=group-size=3 2>&1 | FileCheck %s --check-prefix=DIVIDE
// RUN: not cherry-opt %s --cherry-layer-average=groups=0-1,3-2 2>&1 | FileCheck %s --check-prefix=EMPTY
// RUN: not cherry-opt %s --cherry-layer-average=groups=0-2,2-3 2>&1 | FileCheck %s --check-prefix=OVERLAP
// RUN: not cherry-opt %s --cherry-layer-average=groups=0-1,2-4 2>&1 | FileCheck %s --check-prefix=RANGE
// RUN: not cherry-opt %s --cherry-layer-average=groups=2-3,0-1 2>&1 | FileCheck %s --check-prefix=ORDER
// RUN: not cherry-opt %s --cherry-layer-average=groups=0-1,2 2>&1 | FileCheck %s --check-prefix=COVER
// RUN: not cherry-opt %s --cherry-layer-average="groups=0-1,2-3 group-size=2" 2>&1 | FileCheck %s --check-prefix=BOTH

// Every parameter of merged layer g is the mean of its group's, norm gains
// included; the sources keep the dense checkpoint's keys and are frozen.
// CHECK-DAG: cherry.param @model.layers.0.input_layernorm.weight : tensor<8xf32> init(#cherry.mean_of<[@source.model.layers.0.input_layernorm.weight, @source.model.layers.1.input_layernorm.weight]>){{$}}
// CHECK-DAG: cherry.param @model.layers.0.mlp.down_proj.weight : tensor<8x8xf32> init(#cherry.mean_of<[@source.model.layers.0.mlp.down_proj.weight, @source.model.layers.1.mlp.down_proj.weight]>){{$}}
// CHECK-DAG: cherry.param @model.layers.1.input_layernorm.weight : tensor<8xf32> init(#cherry.mean_of<[@source.model.layers.2.input_layernorm.weight, @source.model.layers.3.input_layernorm.weight]>){{$}}
// CHECK-DAG: cherry.param @model.layers.1.mlp.down_proj.weight : tensor<8x8xf32> init(#cherry.mean_of<[@source.model.layers.2.mlp.down_proj.weight, @source.model.layers.3.mlp.down_proj.weight]>){{$}}
// CHECK-DAG: cherry.param @source.model.layers.3.mlp.down_proj.weight : tensor<8x8xf32> init(#cherry.normal<std = 2.000000e-02>) checkpoint("model.layers.3.mlp.down_proj.weight") {trainable = false}
// CHECK-DAG: cherry.param @source.model.layers.1.input_layernorm.weight : tensor<8xf32> init(#cherry.constant<1.000000e+00>) checkpoint("model.layers.1.input_layernorm.weight") {trainable = false}
// CHECK-NOT: cherry.param @model.layers.2
// CHECK-LABEL: func.func @forward
// CHECK: %[[L0:.*]] = cherry.decoder_layer %arg0 {index = 0 : i64}
// CHECK: cherry.param_ref @model.layers.0.input_layernorm.weight
// CHECK: cherry.param_ref @model.layers.0.mlp.down_proj.weight
// CHECK: %[[L1:.*]] = cherry.decoder_layer %[[L0]] {index = 1 : i64}
// CHECK: cherry.param_ref @model.layers.1.input_layernorm.weight
// CHECK: cherry.param_ref @model.layers.1.mlp.down_proj.weight
// CHECK-NOT: cherry.decoder_layer
// CHECK: return %[[L1]]

// Groups need not be of equal size.
// UNEVEN: cherry.param @model.layers.0.input_layernorm.weight : tensor<8xf32> init(#cherry.mean_of<[@source.model.layers.0.input_layernorm.weight]>)
// UNEVEN: cherry.param @model.layers.1.input_layernorm.weight : tensor<8xf32> init(#cherry.mean_of<[@source.model.layers.1.input_layernorm.weight, @source.model.layers.2.input_layernorm.weight, @source.model.layers.3.input_layernorm.weight]>)

// DIVIDE: cherry-layer-average: group-size 3 does not divide the 4 layers
// EMPTY: cherry-layer-average: groups: group '3-2' is empty
// OVERLAP: cherry-layer-average: groups: layer 2 is in more than one group
// RANGE: cherry-layer-average: groups: group '2-4' is out of range (0-3)
// ORDER: cherry-layer-average: groups: group '0-1' does not follow the previous group (groups must be adjacent and in layer order)
// COVER: cherry-layer-average: groups: the groups do not cover layers 0-3
// BOTH: cherry-layer-average: give group-size or groups, not both

module {
  cherry.param @model.layers.0.input_layernorm.weight : tensor<8xf32> init(#cherry.constant<1.0>) checkpoint("model.layers.0.input_layernorm.weight")
  cherry.param @model.layers.0.mlp.down_proj.weight : tensor<8x8xf32> init(#cherry.normal<std = 0.02>) checkpoint("model.layers.0.mlp.down_proj.weight")
  cherry.param @model.layers.1.input_layernorm.weight : tensor<8xf32> init(#cherry.constant<1.0>) checkpoint("model.layers.1.input_layernorm.weight")
  cherry.param @model.layers.1.mlp.down_proj.weight : tensor<8x8xf32> init(#cherry.normal<std = 0.02>) checkpoint("model.layers.1.mlp.down_proj.weight")
  cherry.param @model.layers.2.input_layernorm.weight : tensor<8xf32> init(#cherry.constant<1.0>) checkpoint("model.layers.2.input_layernorm.weight")
  cherry.param @model.layers.2.mlp.down_proj.weight : tensor<8x8xf32> init(#cherry.normal<std = 0.02>) checkpoint("model.layers.2.mlp.down_proj.weight")
  cherry.param @model.layers.3.input_layernorm.weight : tensor<8xf32> init(#cherry.constant<1.0>) checkpoint("model.layers.3.input_layernorm.weight")
  cherry.param @model.layers.3.mlp.down_proj.weight : tensor<8x8xf32> init(#cherry.normal<std = 0.02>) checkpoint("model.layers.3.mlp.down_proj.weight")
  func.func @forward(%h0: tensor<2x4x8xf32>) -> tensor<2x4x8xf32> {
    %h1 = cherry.decoder_layer %h0 {index = 0 : i64} : tensor<2x4x8xf32> {
    ^bb0(%x: tensor<2x4x8xf32>):
      %g = cherry.param_ref @model.layers.0.input_layernorm.weight : tensor<8xf32>
      %n = cherry.rms_norm %x, %g {eps = 1.0e-6 : f64} : tensor<2x4x8xf32>, tensor<8xf32>
      %w = cherry.param_ref @model.layers.0.mlp.down_proj.weight : tensor<8x8xf32>
      %y = cherry.linear %n, %w : tensor<2x4x8xf32>, tensor<8x8xf32> -> tensor<2x4x8xf32>
      %r = cherry.add %x, %y : tensor<2x4x8xf32>
      cherry.yield %r : tensor<2x4x8xf32>
    }
    %h2 = cherry.decoder_layer %h1 {index = 1 : i64} : tensor<2x4x8xf32> {
    ^bb0(%x: tensor<2x4x8xf32>):
      %g = cherry.param_ref @model.layers.1.input_layernorm.weight : tensor<8xf32>
      %n = cherry.rms_norm %x, %g {eps = 1.0e-6 : f64} : tensor<2x4x8xf32>, tensor<8xf32>
      %w = cherry.param_ref @model.layers.1.mlp.down_proj.weight : tensor<8x8xf32>
      %y = cherry.linear %n, %w : tensor<2x4x8xf32>, tensor<8x8xf32> -> tensor<2x4x8xf32>
      %r = cherry.add %x, %y : tensor<2x4x8xf32>
      cherry.yield %r : tensor<2x4x8xf32>
    }
    %h3 = cherry.decoder_layer %h2 {index = 2 : i64} : tensor<2x4x8xf32> {
    ^bb0(%x: tensor<2x4x8xf32>):
      %g = cherry.param_ref @model.layers.2.input_layernorm.weight : tensor<8xf32>
      %n = cherry.rms_norm %x, %g {eps = 1.0e-6 : f64} : tensor<2x4x8xf32>, tensor<8xf32>
      %w = cherry.param_ref @model.layers.2.mlp.down_proj.weight : tensor<8x8xf32>
      %y = cherry.linear %n, %w : tensor<2x4x8xf32>, tensor<8x8xf32> -> tensor<2x4x8xf32>
      %r = cherry.add %x, %y : tensor<2x4x8xf32>
      cherry.yield %r : tensor<2x4x8xf32>
    }
    %h4 = cherry.decoder_layer %h3 {index = 3 : i64} : tensor<2x4x8xf32> {
    ^bb0(%x: tensor<2x4x8xf32>):
      %g = cherry.param_ref @model.layers.3.input_layernorm.weight : tensor<8xf32>
      %n = cherry.rms_norm %x, %g {eps = 1.0e-6 : f64} : tensor<2x4x8xf32>, tensor<8xf32>
      %w = cherry.param_ref @model.layers.3.mlp.down_proj.weight : tensor<8x8xf32>
      %y = cherry.linear %n, %w : tensor<2x4x8xf32>, tensor<8x8xf32> -> tensor<2x4x8xf32>
      %r = cherry.add %x, %y : tensor<2x4x8xf32>
      cherry.yield %r : tensor<2x4x8xf32>
    }
    return %h4 : tensor<2x4x8xf32>
  }
}
