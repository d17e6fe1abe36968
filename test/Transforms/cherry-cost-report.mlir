// RUN: cherry-opt %s -split-input-file --cherry-cost-report -o /dev/null | FileCheck %s
// RUN: cherry-opt %s -split-input-file --cherry-cost-report=format=json -o /dev/null | FileCheck %s --check-prefix=JSON
// RUN: cherry-opt %s -split-input-file --cherry-report -o /dev/null | FileCheck %s

// One Llama block, B=1 T=4 D=8 H=2 K=1 d=4 F=16 V=32, tied head; N=4 tokens.
// Closed form (each term from an independent count, not from the IR):
//   params/layer = 2D + D*H*d + 2*D*K*d + H*d*D + 3*D*F = 16+64+64+64+384 = 592
//   fwd/layer    = matmuls 2N(64+64+64+384) = 4608, rms_norm 2*4ND = 256,
//                  rope 3N(H*d+K*d) = 144, attention B*H*T(T+1)/2*(4d+5) = 420,
//                  swiglu 5NF = 320, residual adds 2ND = 64          -> 5812
//   per token: 5812/4 = 1453.0 forward, 3*5812/4 = 4359.0 forward+backward
//   outside: params V*D + D = 264; fwd norm 4ND=128 + head 2NDV=2048 + CE 4NV=512
//            = 2688 (672.0/token); bwd embedding ND=32 + 2*2688 = 5408
//            -> (2688+5408)/4 = 2024.0
//   total: 856 params, 8500/4 = 2125.0, (17436+8096)/4 = 6383.0

// CHECK-LABEL: cost report for @llama_block: 4 tokens per call (argument 0: tensor<1x4xi32>)
// CHECK-NEXT: scope{{ +}}params{{ +}}fwd FLOPs/token{{ +}}fwd+bwd FLOPs/token
// CHECK-NEXT: decoder_layer 0{{ +}}592{{ +}}1453.0{{ +}}4359.0
// CHECK-NEXT: outside layers{{ +}}264{{ +}}672.0{{ +}}2024.0
// CHECK-NEXT: total{{ +}}856{{ +}}2125.0{{ +}}6383.0
// CHECK-NEXT: module: 11 parameters, 856 elements (856 trainable)

// JSON: "function": "llama_block"
// JSON: "backward_flops": 11624
// JSON-NEXT: "forward_flops": 5812
// JSON-NEXT: "forward_flops_per_token": 1453
// JSON-NEXT: "kind": "decoder_layer"
// JSON-NEXT: "name": "decoder_layer 0"
// JSON-NEXT: "params": 592
// JSON-NEXT: "train_flops_per_token": 4359
// JSON: "tokens_per_call": 4
// JSON: "parameter_elements": 856

module {
  cherry.param @embed : tensor<32x8xf32> init(#cherry.normal<std = 0.02>)
  cherry.param @ln1 : tensor<8xf32> init(#cherry.constant<1.0>)
  cherry.param @wq : tensor<8x8xf32> init(#cherry.normal<std = 0.02>)
  cherry.param @wk : tensor<4x8xf32> init(#cherry.normal<std = 0.02>)
  cherry.param @wv : tensor<4x8xf32> init(#cherry.normal<std = 0.02>)
  cherry.param @wo : tensor<8x8xf32> init(#cherry.normal<std = 0.02>)
  cherry.param @ln2 : tensor<8xf32> init(#cherry.constant<1.0>)
  cherry.param @wg : tensor<16x8xf32> init(#cherry.normal<std = 0.02>)
  cherry.param @wu : tensor<16x8xf32> init(#cherry.normal<std = 0.02>)
  cherry.param @wd : tensor<8x16xf32> init(#cherry.normal<std = 0.02>)
  cherry.param @norm : tensor<8xf32> init(#cherry.constant<1.0>)

  func.func @llama_block(%ids: tensor<1x4xi32>, %targets: tensor<1x4xi32>) -> tensor<f32> {
    %emb = cherry.param_ref @embed : tensor<32x8xf32>
    %h0 = cherry.embedding %ids, %emb : tensor<1x4xi32>, tensor<32x8xf32> -> tensor<1x4x8xf32>
    %h1 = cherry.decoder_layer %h0 {index = 0 : i64} : tensor<1x4x8xf32> {
    ^bb0(%x: tensor<1x4x8xf32>):
      %g1 = cherry.param_ref @ln1 : tensor<8xf32>
      %n1 = cherry.rms_norm %x, %g1 : tensor<1x4x8xf32>, tensor<8xf32>
      %wq = cherry.param_ref @wq : tensor<8x8xf32>
      %wk = cherry.param_ref @wk : tensor<4x8xf32>
      %wv = cherry.param_ref @wv : tensor<4x8xf32>
      %q = cherry.linear %n1, %wq : tensor<1x4x8xf32>, tensor<8x8xf32> -> tensor<1x4x8xf32>
      %k = cherry.linear %n1, %wk : tensor<1x4x8xf32>, tensor<4x8xf32> -> tensor<1x4x4xf32>
      %v = cherry.linear %n1, %wv : tensor<1x4x8xf32>, tensor<4x8xf32> -> tensor<1x4x4xf32>
      %qr = cherry.rope %q {head_dim = 4 : i64} : tensor<1x4x8xf32>
      %kr = cherry.rope %k {head_dim = 4 : i64} : tensor<1x4x4xf32>
      %o = cherry.attention %qr, %kr, %v {num_heads = 2 : i64, num_kv_heads = 1 : i64} : tensor<1x4x8xf32>, tensor<1x4x4xf32>
      %wo = cherry.param_ref @wo : tensor<8x8xf32>
      %a = cherry.linear %o, %wo : tensor<1x4x8xf32>, tensor<8x8xf32> -> tensor<1x4x8xf32>
      %h = cherry.add %x, %a : tensor<1x4x8xf32>
      %g2 = cherry.param_ref @ln2 : tensor<8xf32>
      %n2 = cherry.rms_norm %h, %g2 : tensor<1x4x8xf32>, tensor<8xf32>
      %wg = cherry.param_ref @wg : tensor<16x8xf32>
      %wu = cherry.param_ref @wu : tensor<16x8xf32>
      %gate = cherry.linear %n2, %wg : tensor<1x4x8xf32>, tensor<16x8xf32> -> tensor<1x4x16xf32>
      %up = cherry.linear %n2, %wu : tensor<1x4x8xf32>, tensor<16x8xf32> -> tensor<1x4x16xf32>
      %s = cherry.swiglu %gate, %up : tensor<1x4x16xf32>
      %wd = cherry.param_ref @wd : tensor<8x16xf32>
      %d = cherry.linear %s, %wd : tensor<1x4x16xf32>, tensor<8x16xf32> -> tensor<1x4x8xf32>
      %out = cherry.add %h, %d : tensor<1x4x8xf32>
      cherry.yield %out : tensor<1x4x8xf32>
    }
    %gn = cherry.param_ref @norm : tensor<8xf32>
    %n = cherry.rms_norm %h1, %gn : tensor<1x4x8xf32>, tensor<8xf32>
    %logits = cherry.linear %n, %emb : tensor<1x4x8xf32>, tensor<32x8xf32> -> tensor<1x4x32xf32>
    %loss = cherry.cross_entropy %logits, %targets : tensor<1x4x32xf32>, tensor<1x4xi32>
    return %loss : tensor<f32>
  }
}

// -----

// Recurrent: shared layer 0 = rms_norm with the step's gain (4*N*D = 128 FLOPs),
// shared layer 1 = 8x8 linear (2*N*8*8 = 512); schedule [0, 1, 0]:
//   fwd = 2*128 + 512 = 768 (192.0/token), fwd+bwd = 3*768 = 2304 (576.0/token)
//   params: step gains 3x8 = 24 + shared W 64 = 88.

// CHECK-LABEL: cost report for @recurrent: 4 tokens per call
// CHECK: recurrent (2 shared, 3 steps){{ +}}88{{ +}}192.0{{ +}}576.0
// CHECK-NEXT: {{^}}    shared layer 0 x2{{ +}}0{{ +}}64.0{{ +}}192.0
// CHECK-NEXT: {{^}}    shared layer 1 x1{{ +}}64{{ +}}128.0{{ +}}384.0
// CHECK-NEXT: outside layers{{ +}}0{{ +}}0.0{{ +}}0.0
// CHECK-NEXT: total{{ +}}88{{ +}}192.0{{ +}}576.0

module {
  cherry.param @gains : tensor<3x8xf32> init(#cherry.constant<1.0>)
  cherry.param @w : tensor<8x8xf32> init(#cherry.normal<std = 0.02>)
  func.func @recurrent(%ids: tensor<1x4xi32>, %x: tensor<1x4x8xf32>) -> tensor<1x4x8xf32> {
    %g = cherry.param_ref @gains : tensor<3x8xf32>
    %y = cherry.recurrent %x step_params(%g : tensor<3x8xf32>) schedule [0, 1, 0] : tensor<1x4x8xf32> {
    ^bb0(%h: tensor<1x4x8xf32>, %s: tensor<8xf32>):
      %n = cherry.rms_norm %h, %s : tensor<1x4x8xf32>, tensor<8xf32>
      cherry.yield %n : tensor<1x4x8xf32>
    }, {
    ^bb0(%h: tensor<1x4x8xf32>, %s: tensor<8xf32>):
      %w = cherry.param_ref @w : tensor<8x8xf32>
      %l = cherry.linear %h, %w : tensor<1x4x8xf32>, tensor<8x8xf32> -> tensor<1x4x8xf32>
      cherry.yield %l : tensor<1x4x8xf32>
    }
    return %y : tensor<1x4x8xf32>
  }
}

// -----

// MoEE, 2 experts (each an 8->32 head: 2*N*8*32 = 2048), top-1, token routing:
//   router 2*N*D*E + 4*N*E = 128 + 32 = 160; experts top_k * mean = 2048;
//   combine 2 * top_k * numel(result) = 2*128 = 256 -> fwd 2464 (616.0/token)
//   bwd 2*160 + 2*2048 + 2*256 = 4928 -> (2464+4928)/4 = 1848.0
//   params: router 16 + 2 * 256 = 528

// CHECK-LABEL: cost report for @mixture: 4 tokens per call
// CHECK: moee (2 experts, top-1){{ +}}528{{ +}}616.0{{ +}}1848.0

module {
  cherry.param @router : tensor<2x8xf32> init(#cherry.normal<std = 0.02>)
  cherry.param @e0 : tensor<32x8xf32> init(#cherry.normal<std = 0.02>)
  cherry.param @e1 : tensor<32x8xf32> init(#cherry.normal<std = 0.02>)
  func.func @mixture(%ids: tensor<1x4xi32>, %x: tensor<1x4x8xf32>) -> tensor<1x4x32xf32> {
    %r = cherry.param_ref @router : tensor<2x8xf32>
    %y, %aux = cherry.moee %x, %r {top_k = 1 : i64} : tensor<1x4x8xf32>, tensor<2x8xf32> -> tensor<1x4x32xf32> {
    ^bb0(%h: tensor<1x4x8xf32>):
      %w = cherry.param_ref @e0 : tensor<32x8xf32>
      %l = cherry.linear %h, %w : tensor<1x4x8xf32>, tensor<32x8xf32> -> tensor<1x4x32xf32>
      cherry.yield %l : tensor<1x4x32xf32>
    }, {
    ^bb0(%h: tensor<1x4x8xf32>):
      %w = cherry.param_ref @e1 : tensor<32x8xf32>
      %l = cherry.linear %h, %w : tensor<1x4x8xf32>, tensor<32x8xf32> -> tensor<1x4x32xf32>
      cherry.yield %l : tensor<1x4x32xf32>
    }
    return %y : tensor<1x4x32xf32>
  }
}

// -----

// Ops without a cost model are named in a warning and counted as zero.
// RUN: cherry-opt %s -split-input-file --cherry-cost-report -o /dev/null 2>&1 | FileCheck %s --check-prefix=WARN
// WARN: warning: 'arith.addf' has no cost model; counted as 0 FLOPs
// WARN: cost report for @uncosted: tokens per call unknown (no integer tensor argument); FLOPs are per call
// WARN: total{{ +}}0{{ +}}32.0{{ +}}96.0
module {
  func.func @uncosted(%x: tensor<4x8xf32>, %s: f32) -> tensor<4x8xf32> {
    %t = arith.addf %s, %s : f32
    %y = cherry.add %x, %x : tensor<4x8xf32>
    return %y : tensor<4x8xf32>
  }
}

// -----

// Ops in every block of a function count, not only the entry block's.
// CHECK-LABEL: cost report for @blocks: 8 tokens per call
// CHECK: total{{ +}}0{{ +}}4.0{{ +}}12.0
module {
  func.func @blocks(%ids: tensor<2x4xi32>, %x: tensor<2x4x2xf32>) -> tensor<2x4x2xf32> {
    %a = cherry.add %x, %x : tensor<2x4x2xf32>
    cf.br ^next(%a : tensor<2x4x2xf32>)
  ^next(%y: tensor<2x4x2xf32>):
    %b = cherry.mul %y, %y : tensor<2x4x2xf32>
    return %b : tensor<2x4x2xf32>
  }
}

// -----

// Consecutive decoder layers of the same cost are one run: a row for the run
// (its distinct parameters, all its FLOPs) and one for a layer. Three layers,
// each one 8x8 linear (64 params, 2*N*64 = 512 FLOPs, 128.0/token, 384.0
// fwd+bwd), layers 0 and 2 reading the same weight: the run reads 2 x 64 = 128
// distinct parameters, 3 x 128.0 = 384.0 FLOPs/token (1152.0 fwd+bwd), and
// runs 2 weight sets (@w0 twice, @w1 once). @src is read by no function.
// CHECK-LABEL: cost report for @layers: 4 tokens per call
// CHECK-NEXT: scope
// CHECK-NEXT: {{^}}  decoder_layer 0-2 x3 (2 shared){{ +}}128{{ +}}384.0{{ +}}1152.0
// CHECK-NEXT: {{^}}    per layer{{ +}}64{{ +}}128.0{{ +}}384.0
// CHECK-NEXT: {{^}}  outside layers{{ +}}0{{ +}}0.0{{ +}}0.0
// CHECK-NEXT: {{^}}  total{{ +}}128{{ +}}384.0{{ +}}1152.0
// CHECK-NEXT: module: 3 parameters, 192 elements (128 trainable, 64 read by no function, only initializing others)

// JSON: "function": "layers"
// JSON-NEXT: "layer_runs": [
// JSON-NEXT: {
// JSON-NEXT: "backward_flops": 3072
// JSON-NEXT: "first_layer": 0
// JSON-NEXT: "forward_flops": 1536
// JSON-NEXT: "forward_flops_per_token": 384
// JSON-NEXT: "kind": "decoder_layers"
// JSON-NEXT: "last_layer": 2
// JSON-NEXT: "layers": 3
// JSON-NEXT: "params": 128
// JSON-NEXT: "per_layer": {
// JSON-NEXT: "backward_flops": 1024
// JSON-NEXT: "forward_flops": 512
// JSON-NEXT: "forward_flops_per_token": 128
// JSON-NEXT: "params": 64
// JSON-NEXT: "train_flops_per_token": 384
// JSON-NEXT: }
// JSON-NEXT: "train_flops_per_token": 1152
// JSON-NEXT: "weight_sets": 2
// The scopes keep every layer.
// JSON: "name": "decoder_layer 0"
// JSON: "name": "decoder_layer 1"
// JSON: "name": "decoder_layer 2"
// JSON: "unread_elements": 64

module {
  cherry.param @w0 : tensor<8x8xf32> init(#cherry.normal<std = 0.02>)
  cherry.param @w1 : tensor<8x8xf32> init(#cherry.normal<std = 0.02>)
  cherry.param @src : tensor<8x8xf32> init(#cherry.normal<std = 0.02>) {trainable = false}
  func.func @layers(%ids: tensor<1x4xi32>, %x: tensor<1x4x8xf32>) -> tensor<1x4x8xf32> {
    %h0 = cherry.decoder_layer %x {index = 0 : i64} : tensor<1x4x8xf32> {
    ^bb0(%a: tensor<1x4x8xf32>):
      %w = cherry.param_ref @w0 : tensor<8x8xf32>
      %l = cherry.linear %a, %w : tensor<1x4x8xf32>, tensor<8x8xf32> -> tensor<1x4x8xf32>
      cherry.yield %l : tensor<1x4x8xf32>
    }
    %h1 = cherry.decoder_layer %h0 {index = 1 : i64} : tensor<1x4x8xf32> {
    ^bb0(%a: tensor<1x4x8xf32>):
      %w = cherry.param_ref @w1 : tensor<8x8xf32>
      %l = cherry.linear %a, %w : tensor<1x4x8xf32>, tensor<8x8xf32> -> tensor<1x4x8xf32>
      cherry.yield %l : tensor<1x4x8xf32>
    }
    %h2 = cherry.decoder_layer %h1 {index = 2 : i64} : tensor<1x4x8xf32> {
    ^bb0(%a: tensor<1x4x8xf32>):
      %w = cherry.param_ref @w0 : tensor<8x8xf32>
      %l = cherry.linear %a, %w : tensor<1x4x8xf32>, tensor<8x8xf32> -> tensor<1x4x8xf32>
      cherry.yield %l : tensor<1x4x8xf32>
    }
    return %h2 : tensor<1x4x8xf32>
  }
}
