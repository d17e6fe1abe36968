// One expected-error per verifier rule of the cherry dialect.
// RUN: cherry-opt %s -split-input-file -verify-diagnostics

// expected-error @+1 {{parameter @p needs an init(...) or a checkpoint(...)}}
cherry.param @p : tensor<4xf32>

// -----

// expected-error @+1 {{parameter @p has an empty checkpoint name}}
cherry.param @p : tensor<4xf32> checkpoint("")

// -----

// expected-error @+1 {{parameter @p has a zero-sized dimension in 'tensor<0x4xf32>'}}
cherry.param @p : tensor<0x4xf32> init(#cherry.constant<0.0>)

// -----

// expected-error @+1 {{type attribute of statically shaped tensor of floating-point values}}
cherry.param @p : tensor<4xi32> init(#cherry.constant<0.0>)

// -----

func.func @f() {
  // expected-error @+1 {{expects parent op 'builtin.module'}}
  cherry.param @p : tensor<4xf32> init(#cherry.constant<0.0>)
  return
}

// -----

// expected-error @+1 {{#cherry.normal: std must be positive, got -1}}
cherry.param @p : tensor<4xf32> init(#cherry.normal<std = -1.0>)

// -----

// expected-error @+1 {{#cherry.uniform: bound must be positive, got 0}}
cherry.param @p : tensor<4xf32> init(#cherry.uniform<bound = 0.0>)

// -----

// expected-error @+1 {{#cherry.mean_of: needs at least one source}}
cherry.param @p : tensor<4xf32> init(#cherry.mean_of<[]>)

// -----

// expected-error @+1 {{#cherry.mean_of: source #0 must be a parameter symbol (@name), got 3 : i64}}
cherry.param @p : tensor<4xf32> init(#cherry.mean_of<[3]>)

// -----

// expected-error @+1 {{init of @p averages undefined parameter @q}}
cherry.param @p : tensor<4xf32> init(#cherry.mean_of<[@q]>)

// -----

// expected-error @+1 {{init of @p averages itself}}
cherry.param @p : tensor<4xf32> init(#cherry.mean_of<[@p]>)

// -----

cherry.param @q : tensor<8xf32> checkpoint("q")
// expected-error @+1 {{init of @p averages @q of type 'tensor<8xf32>', expected 'tensor<4xf32>'}}
cherry.param @p : tensor<4xf32> init(#cherry.mean_of<[@q]>)

// -----

// expected-error @+1 {{#cherry.lora_svd: rank must be positive, got 0}}
cherry.param @a : tensor<2x4xf32> init(#cherry.lora_svd<original = @o, average = @m, rank = 0, factor = "A", scale = 1.0>)

// -----

// expected-error @+1 {{#cherry.lora_svd: factor must be "A" or "B", got "C"}}
cherry.param @a : tensor<2x4xf32> init(#cherry.lora_svd<original = @o, average = @m, rank = 2, factor = "C", scale = 1.0>)

// -----

// expected-error @+1 {{#cherry.lora_svd: scale must be a positive number, got 0}}
cherry.param @a : tensor<2x4xf32> init(#cherry.lora_svd<original = @o, average = @m, rank = 2, factor = "A", scale = 0.0>)

// -----

cherry.param @o : tensor<6x4xf32> checkpoint("o")
// expected-error @+1 {{init of @a: lora_svd names undefined parameter @m}}
cherry.param @a : tensor<2x4xf32> init(#cherry.lora_svd<original = @o, average = @m, rank = 2, factor = "A", scale = 1.0>)

// -----

cherry.param @o : tensor<6x4xf32> checkpoint("o")
cherry.param @m : tensor<6x4xf32> checkpoint("m")
// expected-error @+1 {{init of @a: lora_svd rank 5 exceeds the smaller dimension of 'tensor<6x4xf32>'}}
cherry.param @a : tensor<5x4xf32> init(#cherry.lora_svd<original = @o, average = @m, rank = 5, factor = "A", scale = 1.0>)

// -----

cherry.param @o : tensor<6x4xf32> checkpoint("o")
cherry.param @m : tensor<6x4xf32> checkpoint("m")
// expected-error @+1 {{init of @b: lora_svd factor "B" of 'tensor<6x4xf32>' must be [out, rank], found 'tensor<2x4xf32>'}}
cherry.param @b : tensor<2x4xf32> init(#cherry.lora_svd<original = @o, average = @m, rank = 2, factor = "B", scale = 1.0>)

// -----

cherry.param @o : tensor<6x4xf32> checkpoint("o")
cherry.param @m : tensor<6x5xf32> checkpoint("m")
// expected-error @+1 {{init of @a: lora_svd needs two matrices of one type, found 'tensor<6x4xf32>' and 'tensor<6x5xf32>'}}
cherry.param @a : tensor<2x4xf32> init(#cherry.lora_svd<original = @o, average = @m, rank = 2, factor = "A", scale = 1.0>)

// -----

func.func @f() {
  // expected-error @+1 {{references undefined parameter @nope}}
  %0 = cherry.param_ref @nope : tensor<4xf32>
  return
}

// -----

cherry.param @p : tensor<4xf32> checkpoint("p")
func.func @f() {
  // expected-error @+1 {{result type 'tensor<8xf32>' does not match parameter @p of type 'tensor<4xf32>'}}
  %0 = cherry.param_ref @p : tensor<8xf32>
  return
}

// -----

func.func @f(%x: tensor<2x4x8xf32>, %w: tensor<8xf32>) {
  // expected-error @+1 {{'cherry.rms_norm' op has unknown attribute 'epsilon' (expected one of: eps)}}
  %0 = cherry.rms_norm %x, %w {epsilon = 1.0e-6 : f64} : tensor<2x4x8xf32>, tensor<8xf32>
  return
}

// -----

func.func @f(%x: tensor<2x4x8xf32>) {
  // expected-error @+1 {{'cherry.scale' op factor must be finite, found INF}}
  %0 = cherry.scale %x {factor = 0x7FF0000000000000 : f64} : tensor<2x4x8xf32>
  return
}

// -----

func.func @f(%x: tensor<2x4x8xf32>) {
  // expected-error @+1 {{'cherry.add' op has unknown attribute 'fast' (it takes no attributes)}}
  %0 = cherry.add %x, %x {fast} : tensor<2x4x8xf32>
  return
}

// -----

func.func @f(%ids: tensor<2x4xi32>, %t: tensor<32x8x1xf32>) {
  // expected-error @+1 {{table must be [vocab, hidden], found 'tensor<32x8x1xf32>'}}
  %0 = cherry.embedding %ids, %t : tensor<2x4xi32>, tensor<32x8x1xf32> -> tensor<2x4x8xf32>
  return
}

// -----

func.func @f(%ids: tensor<2x4xi32>, %t: tensor<32x8xf32>) {
  // expected-error @+1 {{result must be 'tensor<2x4x8xf32>' (ids shape + hidden), found 'tensor<2x4x16xf32>'}}
  %0 = cherry.embedding %ids, %t : tensor<2x4xi32>, tensor<32x8xf32> -> tensor<2x4x16xf32>
  return
}

// -----

func.func @f(%ids: tensor<2x4xf32>, %t: tensor<32x8xf32>) {
  // expected-error @+1 {{operand #0 must be statically shaped tensor of signless integer values}}
  %0 = cherry.embedding %ids, %t : tensor<2x4xf32>, tensor<32x8xf32> -> tensor<2x4x8xf32>
  return
}

// -----

func.func @f(%ids: tensor<?x4xi32>, %t: tensor<32x8xf32>) {
  // expected-error @+1 {{operand #0 must be statically shaped tensor of signless integer values, but got 'tensor<?x4xi32>'}}
  %0 = cherry.embedding %ids, %t : tensor<?x4xi32>, tensor<32x8xf32> -> tensor<2x4x8xf32>
  return
}

// -----

func.func @f(%x: tensor<2x4x8xf32>, %w: tensor<4xf32>) {
  // expected-error @+1 {{weight must be [8] (the input's last dimension), found 'tensor<4xf32>'}}
  %0 = cherry.rms_norm %x, %w : tensor<2x4x8xf32>, tensor<4xf32>
  return
}

// -----

func.func @f(%x: tensor<2x4x8xf32>, %w: tensor<8xf16>) {
  // expected-error @+1 {{weight element type 'f16' differs from input element type 'f32'}}
  %0 = cherry.rms_norm %x, %w : tensor<2x4x8xf32>, tensor<8xf16>
  return
}

// -----

func.func @f(%x: tensor<2x4x8xf32>, %w: tensor<8xf32>) {
  // expected-error @+1 {{eps must be positive, found 0}}
  %0 = cherry.rms_norm %x, %w {eps = 0.0 : f64} : tensor<2x4x8xf32>, tensor<8xf32>
  return
}

// -----

func.func @f(%x: tensor<f32>, %w: tensor<1xf32>) {
  // expected-error @+1 {{input must have rank >= 1, found 'tensor<f32>'}}
  %0 = cherry.rms_norm %x, %w : tensor<f32>, tensor<1xf32>
  return
}

// -----

func.func @f(%x: tensor<2x4x8xf32>, %w: tensor<8xf32>) {
  // expected-error @+1 {{weight must be [out_features, in_features], found 'tensor<8xf32>'}}
  %0 = cherry.linear %x, %w : tensor<2x4x8xf32>, tensor<8xf32> -> tensor<2x4x8xf32>
  return
}

// -----

func.func @f(%x: tensor<2x4x8xf32>, %w: tensor<8x16xf32>) {
  // expected-error @+1 {{input features 8 do not match weight in_features 16 (weight 'tensor<8x16xf32>' is [out_features, in_features])}}
  %0 = cherry.linear %x, %w : tensor<2x4x8xf32>, tensor<8x16xf32> -> tensor<2x4x8xf32>
  return
}

// -----

func.func @f(%x: tensor<2x4x8xf32>, %w: tensor<16x8xbf16>) {
  // expected-error @+1 {{weight element type 'bf16' differs from input element type 'f32'}}
  %0 = cherry.linear %x, %w : tensor<2x4x8xf32>, tensor<16x8xbf16> -> tensor<2x4x16xf32>
  return
}

// -----

func.func @f(%x: tensor<2x4x8xf32>, %w: tensor<16x8xf32>, %b: tensor<8xf32>) {
  // expected-error @+1 {{bias must be [16] (out_features), found 'tensor<8xf32>'}}
  %0 = cherry.linear %x, %w, %b : tensor<2x4x8xf32>, tensor<16x8xf32>, tensor<8xf32> -> tensor<2x4x16xf32>
  return
}

// -----

func.func @f(%x: tensor<2x4x8xf32>, %w: tensor<16x8xf32>, %b: tensor<16xf16>) {
  // expected-error @+1 {{bias element type 'f16' differs from input element type 'f32'}}
  %0 = cherry.linear %x, %w, %b : tensor<2x4x8xf32>, tensor<16x8xf32>, tensor<16xf16> -> tensor<2x4x16xf32>
  return
}

// -----

func.func @f(%x: tensor<2x4x8xf32>, %w: tensor<16x8xf32>) {
  // expected-error @+1 {{result must be 'tensor<2x4x16xf32>', found 'tensor<2x4x8xf32>'}}
  %0 = cherry.linear %x, %w : tensor<2x4x8xf32>, tensor<16x8xf32> -> tensor<2x4x8xf32>
  return
}

// -----

func.func @f(%x: tensor<f32>, %w: tensor<1x1xf32>) {
  // expected-error @+1 {{input must have rank >= 1, found 'tensor<f32>'}}
  %0 = cherry.linear %x, %w : tensor<f32>, tensor<1x1xf32> -> tensor<1xf32>
  return
}

// -----

func.func @f(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{input must be [batch, seq, heads * head_dim], found 'tensor<4x8xf32>'}}
  %0 = cherry.rope %x {head_dim = 4 : i64} : tensor<4x8xf32>
  return
}

// -----

func.func @f(%x: tensor<2x4x8xf32>) {
  // expected-error @+1 {{head_dim must be positive and even, found 3}}
  %0 = cherry.rope %x {head_dim = 3 : i64} : tensor<2x4x8xf32>
  return
}

// -----

func.func @f(%x: tensor<2x4x8xf32>) {
  // expected-error @+1 {{input features 8 are not a multiple of head_dim 6}}
  %0 = cherry.rope %x {head_dim = 6 : i64} : tensor<2x4x8xf32>
  return
}

// -----

func.func @f(%x: tensor<2x4x8xf32>) {
  // expected-error @+1 {{theta must be positive, found -1}}
  %0 = cherry.rope %x {head_dim = 4 : i64, theta = -1.0 : f64} : tensor<2x4x8xf32>
  return
}

// -----

func.func @f(%x: tensor<2x4x8xf32>) {
  // expected-error @+1 {{requires attribute 'head_dim'}}
  %0 = cherry.rope %x : tensor<2x4x8xf32>
  return
}

// -----

func.func @f(%q: tensor<4x8xf32>, %k: tensor<2x4x8xf32>) {
  // expected-error @+1 {{query must be [batch, seq, num_heads * head_dim], found 'tensor<4x8xf32>'}}
  %0 = cherry.attention %q, %k, %k {num_heads = 2 : i64, num_kv_heads = 2 : i64} : tensor<4x8xf32>, tensor<2x4x8xf32>
  return
}

// -----

func.func @f(%q: tensor<2x4x8xf32>, %k: tensor<4x8xf32>) {
  // expected-error @+1 {{key must be [batch, seq, num_kv_heads * head_dim], found 'tensor<4x8xf32>'}}
  %0 = cherry.attention %q, %k, %k {num_heads = 2 : i64, num_kv_heads = 2 : i64} : tensor<2x4x8xf32>, tensor<4x8xf32>
  return
}

// -----

func.func @f(%q: tensor<2x4x8xf32>, %k: tensor<2x4x8xf16>) {
  // expected-error @+1 {{key element type 'f16' differs from query element type 'f32'}}
  %0 = cherry.attention %q, %k, %k {num_heads = 2 : i64, num_kv_heads = 2 : i64} : tensor<2x4x8xf32>, tensor<2x4x8xf16>
  return
}

// -----

func.func @f(%q: tensor<2x4x8xf32>, %k: tensor<3x4x8xf32>) {
  // expected-error @+1 {{key batch 3 differs from query batch 2}}
  %0 = cherry.attention %q, %k, %k {num_heads = 2 : i64, num_kv_heads = 2 : i64} : tensor<2x4x8xf32>, tensor<3x4x8xf32>
  return
}

// -----

func.func @f(%q: tensor<2x4x8xf32>, %k: tensor<2x5x8xf32>) {
  // expected-error @+1 {{causal attention needs key length 5 equal to query length 4}}
  %0 = cherry.attention %q, %k, %k {num_heads = 2 : i64, num_kv_heads = 2 : i64} : tensor<2x4x8xf32>, tensor<2x5x8xf32>
  return
}

// -----

func.func @f(%q: tensor<2x4x8xf32>, %k: tensor<2x5x8xf32>, %p: tensor<2x5xi32>) {
  // expected-error @+1 {{positions 'tensor<2x5xi32>' must be [batch, rows] = [2, 4]}}
  %0 = cherry.attention %q, %k, %k positions(%p : tensor<2x5xi32>) {num_heads = 2 : i64, num_kv_heads = 2 : i64} : tensor<2x4x8xf32>, tensor<2x5x8xf32>
  return
}

// -----

func.func @f(%x: tensor<2x4x8xf32>, %p: tensor<4xi32>) {
  // expected-error @+1 {{positions 'tensor<4xi32>' must be [batch, rows] = [2, 4]}}
  %0 = cherry.rope %x positions(%p : tensor<4xi32>) {head_dim = 4 : i64} : tensor<2x4x8xf32>
  return
}

// -----

func.func @f(%x: tensor<2x4x8xf32>, %p: tensor<2x4xf32>) {
  // expected-error @+1 {{operand #1 must be statically shaped tensor of signless integer values}}
  %0 = cherry.rope_grad %x positions(%p : tensor<2x4xf32>) {head_dim = 4 : i64} : tensor<2x4x8xf32>
  return
}

// -----

func.func @f(%q: tensor<2x3x8xf32>, %k: tensor<2x5x8xf32>, %p: tensor<2x4xi32>) {
  // expected-error @+1 {{positions 'tensor<2x4xi32>' must be [batch, rows] = [2, 3]}}
  %dq, %dk, %dv = cherry.attention_grad %q, %k, %k, %q, %q positions(%p : tensor<2x4xi32>) {num_heads = 2 : i64, num_kv_heads = 2 : i64} : tensor<2x3x8xf32>, tensor<2x5x8xf32>
  return
}

// -----

func.func @f(%q: tensor<2x4x8xf32>) {
  // expected-error @+1 {{num_heads (0) and num_kv_heads (2) must be positive}}
  %0 = cherry.attention %q, %q, %q {num_heads = 0 : i64, num_kv_heads = 2 : i64} : tensor<2x4x8xf32>, tensor<2x4x8xf32>
  return
}

// -----

func.func @f(%q: tensor<2x4x8xf32>) {
  // expected-error @+1 {{num_heads 4 is not a multiple of num_kv_heads 3}}
  %0 = cherry.attention %q, %q, %q {num_heads = 4 : i64, num_kv_heads = 3 : i64} : tensor<2x4x8xf32>, tensor<2x4x8xf32>
  return
}

// -----

func.func @f(%q: tensor<2x4x8xf32>) {
  // expected-error @+1 {{query features 8 are not divisible by num_heads 3}}
  %0 = cherry.attention %q, %q, %q {num_heads = 3 : i64, num_kv_heads = 3 : i64} : tensor<2x4x8xf32>, tensor<2x4x8xf32>
  return
}

// -----

func.func @f(%q: tensor<2x4x8xf32>, %k: tensor<2x4x6xf32>) {
  // expected-error @+1 {{key features 6 must be num_kv_heads (2) x head_dim (2) = 4}}
  %0 = cherry.attention %q, %k, %k {num_heads = 4 : i64, num_kv_heads = 2 : i64} : tensor<2x4x8xf32>, tensor<2x4x6xf32>
  return
}

// -----

func.func @f(%l: tensor<32xf32>, %t: tensor<1xi32>) {
  // expected-error @+1 {{logits must be [..., vocab] with rank >= 2, found 'tensor<32xf32>'}}
  %0 = cherry.cross_entropy %l, %t : tensor<32xf32>, tensor<1xi32>
  return
}

// -----

func.func @f(%l: tensor<2x4x32xf32>, %t: tensor<2x5xi32>) {
  // expected-error @+1 {{targets 'tensor<2x5xi32>' must have the logits' shape without vocab [2, 4]}}
  %0 = cherry.cross_entropy %l, %t : tensor<2x4x32xf32>, tensor<2x5xi32>
  return
}

// -----

func.func @f(%t: tensor<8xi32>) {
  // expected-error @+1 {{targets must be [batch, seq], found 'tensor<8xi32>'}}
  %p0, %w0 = cherry.sgt_select %t policy(uniform) : tensor<8xi32> -> tensor<1x2xi32>, tensor<1x2xf32>
  return
}

// -----

func.func @f(%t: tensor<2x8xi32>) {
  // expected-error @+1 {{positions must be [2, k], found 'tensor<3x2xi32>'}}
  %p0, %w0 = cherry.sgt_select %t policy(uniform) : tensor<2x8xi32> -> tensor<3x2xi32>, tensor<3x2xf32>
  return
}

// -----

func.func @f(%t: tensor<2x8xi32>) {
  // expected-error @+1 {{selects k = 9 positions per row, expected 1 <= k <= seq (8)}}
  %p0, %w0 = cherry.sgt_select %t policy(uniform) : tensor<2x8xi32> -> tensor<2x9xi32>, tensor<2x9xf32>
  return
}

// -----

func.func @f(%t: tensor<2x8xi32>) {
  // expected-error @+1 {{policy 'score' needs a scores(...) operand}}
  %p0, %w0 = cherry.sgt_select %t policy(score) : tensor<2x8xi32> -> tensor<2x2xi32>, tensor<2x2xf32>
  return
}

// -----

func.func @f(%t: tensor<2x8xi32>, %s: tensor<32xf32>) {
  // expected-error @+1 {{policy 'random' takes no scores operand}}
  %p0, %w0 = cherry.sgt_select %t scores(%s : tensor<32xf32>) policy(random) : tensor<2x8xi32> -> tensor<2x2xi32>, tensor<2x2xf32>
  return
}

// -----

func.func @f(%t: tensor<2x8xi32>, %s: tensor<4x8xf32>) {
  // expected-error @+1 {{policy 'score' needs an f32 [vocab] score table, found 'tensor<4x8xf32>'}}
  %p0, %w0 = cherry.sgt_select %t scores(%s : tensor<4x8xf32>) policy(score) : tensor<2x8xi32> -> tensor<2x2xi32>, tensor<2x2xf32>
  return
}

// -----

func.func @f(%t: tensor<2x8xi32>) {
  // expected-error @+1 {{expected string or keyword containing one of the following enum values for attribute 'policy' [score, random, uniform, surprisal, loss_topk, mask]}}
  %p0, %w0 = cherry.sgt_select %t policy(frequent) : tensor<2x8xi32> -> tensor<2x2xi32>, tensor<2x2xf32>
  return
}

// -----

func.func @f(%x: tensor<8xf32>, %p: tensor<1x2xi32>) {
  // expected-error @+1 {{input must be [batch, seq, ...], found 'tensor<8xf32>'}}
  %0 = cherry.gather %x, %p : tensor<8xf32>, tensor<1x2xi32> -> tensor<1x2xf32>
  return
}

// -----

func.func @f(%x: tensor<2x4x8xf32>, %p: tensor<3x2xi32>) {
  // expected-error @+1 {{positions must be [2, k], found 'tensor<3x2xi32>'}}
  %0 = cherry.gather %x, %p : tensor<2x4x8xf32>, tensor<3x2xi32> -> tensor<2x2x8xf32>
  return
}

// -----

func.func @f(%x: tensor<2x4x8xf32>, %p: tensor<2x2xi32>) {
  // expected-error @+1 {{result must be 'tensor<2x2x8xf32>', found 'tensor<2x2x8xf16>'}}
  %0 = cherry.gather %x, %p : tensor<2x4x8xf32>, tensor<2x2xi32> -> tensor<2x2x8xf16>
  return
}

// -----

func.func @f(%l: tensor<8x32xf32>, %t: tensor<8xi32>, %p: tensor<8x1xi32>, %w: tensor<8x1xf32>) {
  // expected-error @+1 {{logits must be [batch, seq, vocab], found 'tensor<8x32xf32>'}}
  %0 = cherry.selective_cross_entropy %l, %t, %p, %w : tensor<8x32xf32>, tensor<8xi32>, tensor<8x1xi32>, tensor<8x1xf32>
  return
}

// -----

func.func @f(%l: tensor<2x4x32xf32>, %t: tensor<2x3xi32>, %p: tensor<2x1xi32>, %w: tensor<2x1xf32>) {
  // expected-error @+1 {{targets 'tensor<2x3xi32>' must be [2, 4] (logits without vocab)}}
  %0 = cherry.selective_cross_entropy %l, %t, %p, %w : tensor<2x4x32xf32>, tensor<2x3xi32>, tensor<2x1xi32>, tensor<2x1xf32>
  return
}

// -----

func.func @f(%l: tensor<2x4x32xf32>, %t: tensor<2x4xi32>, %p: tensor<2x5xi32>, %w: tensor<2x5xf32>) {
  // expected-error @+1 {{positions must be [2, k] with k <= 4, found 'tensor<2x5xi32>'}}
  %0 = cherry.selective_cross_entropy %l, %t, %p, %w : tensor<2x4x32xf32>, tensor<2x4xi32>, tensor<2x5xi32>, tensor<2x5xf32>
  return
}

// -----

func.func @f(%l: tensor<2x4x32xf32>, %t: tensor<2x4xi32>, %p: tensor<2x1xi32>, %w: tensor<2x2xf32>) {
  // expected-error @+1 {{weights 'tensor<2x2xf32>' must be f32 with the targets' shape [2, 1]}}
  %0 = cherry.selective_cross_entropy %l, %t, %p, %w : tensor<2x4x32xf32>, tensor<2x4xi32>, tensor<2x1xi32>, tensor<2x2xf32>
  return
}

// -----

func.func @f(%l: tensor<2x4x32xf32>, %t: tensor<2x4xi32>, %w: tensor<2x4xf16>) {
  // expected-error @+1 {{weights 'tensor<2x4xf16>' must be f32 with the targets' shape [2, 4]}}
  %0 = cherry.cross_entropy %l, %t weights(%w : tensor<2x4xf16>) : tensor<2x4x32xf32>, tensor<2x4xi32>
  return
}

// -----

func.func @f(%t: tensor<2x8xi32>) {
  // expected-error @+1 {{weights must be f32 [2, 2] like the positions, found 'tensor<2x3xf32>'}}
  %p, %w = cherry.sgt_select %t policy(uniform) : tensor<2x8xi32> -> tensor<2x2xi32>, tensor<2x3xf32>
  return
}

// -----

func.func @f(%t: tensor<2x8xi32>, %s: tensor<2x8xf32>) {
  // expected-error @+1 {{policy 'mask' needs an i32 [2, 8] mask, found 'tensor<2x8xf32>'}}
  %p, %w = cherry.sgt_select %t scores(%s : tensor<2x8xf32>) policy(mask) : tensor<2x8xi32> -> tensor<2x2xi32>, tensor<2x2xf32>
  return
}

// -----

func.func @f(%t: tensor<2x8xi32>, %s: tensor<32xf32>) {
  // expected-error @+1 {{policy 'loss_topk' needs the f32 [2, 8] per-position losses, found 'tensor<32xf32>'}}
  %p, %w = cherry.sgt_select %t scores(%s : tensor<32xf32>) policy(loss_topk) : tensor<2x8xi32> -> tensor<2x2xi32>, tensor<2x2xf32>
  return
}

// -----

func.func @f(%t: tensor<2x8xi32>, %s: tensor<2x8xi32>) {
  // expected-error @+1 {{policy 'surprisal' needs an f32 [vocab] score table, found 'tensor<2x8xi32>'}}
  %p, %w = cherry.sgt_select %t scores(%s : tensor<2x8xi32>) policy(surprisal) : tensor<2x8xi32> -> tensor<2x2xi32>, tensor<2x2xf32>
  return
}

// -----

func.func @f(%l: tensor<2x4x32xf32>, %t: tensor<2x3xi32>) {
  // expected-error @+1 {{targets 'tensor<2x3xi32>' must have the logits' shape without vocab [2, 4]}}
  %0 = cherry.token_cross_entropy %l, %t : tensor<2x4x32xf32>, tensor<2x3xi32> -> tensor<2x3xf32>
  return
}

// -----

func.func @f(%t: tensor<8xi32>) {
  // expected-error @+1 {{targets must be [batch, seq], found 'tensor<8xi32>'}}
  %0 = cherry.shift_targets %t {shift = 1 : i64} : tensor<8xi32>
  return
}

// -----

func.func @f(%t: tensor<2x4xi32>) {
  // expected-error @+1 {{shift must be in [1, 4), found 4}}
  %0 = cherry.shift_targets %t {shift = 4 : i64} : tensor<2x4xi32>
  return
}

// -----

func.func @f(%x: tensor<2x4x8xf32>) {
  // expected-error @+1 {{index must be >= 0, found -1}}
  %0 = cherry.decoder_layer %x {index = -1 : i64} : tensor<2x4x8xf32> {
  ^bb0(%a: tensor<2x4x8xf32>):
    cherry.yield %a : tensor<2x4x8xf32>
  }
  return
}

// -----

func.func @f(%x: tensor<2x4x8xf32>) {
  // expected-error @+1 {{body must take 1 argument(s), found 2}}
  %0 = cherry.decoder_layer %x {index = 0 : i64} : tensor<2x4x8xf32> {
  ^bb0(%a: tensor<2x4x8xf32>, %b: tensor<2x4x8xf32>):
    cherry.yield %a : tensor<2x4x8xf32>
  }
  return
}

// -----

func.func @f(%x: tensor<2x4x8xf32>) {
  // expected-error @+1 {{body argument #0 must be 'tensor<2x4x8xf32>', found 'tensor<2x4x8xf16>'}}
  %0 = cherry.decoder_layer %x {index = 0 : i64} : tensor<2x4x8xf32> {
  ^bb0(%a: tensor<2x4x8xf16>):
    cherry.yield %x : tensor<2x4x8xf32>
  }
  return
}

// -----

func.func @f(%x: tensor<2x4x8xf32>) {
  // expected-error @+1 {{body must yield 1 value(s), found 0}}
  %0 = cherry.decoder_layer %x {index = 0 : i64} : tensor<2x4x8xf32> {
  ^bb0(%a: tensor<2x4x8xf32>):
    cherry.yield
  }
  return
}

// -----

func.func @f(%x: tensor<2x4x8xf32>, %w: tensor<16x8xf32>) {
  // expected-error @+1 {{body yields 'tensor<2x4x16xf32>' as value #0, expected 'tensor<2x4x8xf32>'}}
  %0 = cherry.decoder_layer %x {index = 0 : i64} : tensor<2x4x8xf32> {
  ^bb0(%a: tensor<2x4x8xf32>):
    %w2 = cherry.param_ref @w : tensor<16x8xf32>
    %y = cherry.linear %a, %w2 : tensor<2x4x8xf32>, tensor<16x8xf32> -> tensor<2x4x16xf32>
    cherry.yield %y : tensor<2x4x16xf32>
  }
  return
}
cherry.param @w : tensor<16x8xf32> checkpoint("w")

// -----

func.func @f(%x: tensor<2x4x8xf32>) {
  // expected-note @+1 {{required by region isolation constraints}}
  %0 = cherry.decoder_layer %x {index = 0 : i64} : tensor<2x4x8xf32> {
  ^bb0(%a: tensor<2x4x8xf32>):
    // expected-error @+1 {{using value defined outside the region}}
    cherry.yield %x : tensor<2x4x8xf32>
  }
  return
}

// -----

func.func @f(%x: tensor<2x4x8xf32>) {
  // expected-error @+1 {{'cherry.yield' op expects parent op to be one of}}
  cherry.yield %x : tensor<2x4x8xf32>
}

// -----

func.func @f(%x: tensor<2x4x8xf32>) {
  // expected-error @+1 {{needs at least one shared layer region}}
  %0 = cherry.recurrent %x schedule [0] : tensor<2x4x8xf32>
  return
}

// -----

func.func @f(%x: tensor<2x4x8xf32>) {
  // expected-error @+1 {{schedule must have at least one step}}
  %0 = cherry.recurrent %x schedule [] : tensor<2x4x8xf32> {
  ^bb0(%a: tensor<2x4x8xf32>):
    cherry.yield %a : tensor<2x4x8xf32>
  }
  return
}

// -----

func.func @f(%x: tensor<2x4x8xf32>) {
  // expected-error @+1 {{schedule step 1 names layer 1, but there are 1 shared layers}}
  %0 = cherry.recurrent %x schedule [0, 1] : tensor<2x4x8xf32> {
  ^bb0(%a: tensor<2x4x8xf32>):
    cherry.yield %a : tensor<2x4x8xf32>
  }
  return
}

// -----

func.func @f(%x: tensor<2x4x8xf32>) {
  // expected-error @+1 {{shared layer 1 never runs in the schedule}}
  %0 = cherry.recurrent %x schedule [0, 0] : tensor<2x4x8xf32> {
  ^bb0(%a: tensor<2x4x8xf32>):
    cherry.yield %a : tensor<2x4x8xf32>
  }, {
  ^bb0(%a: tensor<2x4x8xf32>):
    cherry.yield %a : tensor<2x4x8xf32>
  }
  return
}

// -----

func.func @f(%x: tensor<2x4x8xf32>, %g: tensor<3x8xf32>) {
  // expected-error @+1 {{step_params #0 'tensor<3x8xf32>' must have a leading dimension of 2 (one slice per step)}}
  %0 = cherry.recurrent %x step_params(%g : tensor<3x8xf32>) schedule [0, 0] : tensor<2x4x8xf32> {
  ^bb0(%a: tensor<2x4x8xf32>, %s: tensor<8xf32>):
    cherry.yield %a : tensor<2x4x8xf32>
  }
  return
}

// -----

func.func @f(%x: tensor<2x4x8xf32>, %g: tensor<2x8xf32>) {
  // expected-error @+1 {{shared layer 0 must take 2 argument(s), found 1}}
  %0 = cherry.recurrent %x step_params(%g : tensor<2x8xf32>) schedule [0, 0] : tensor<2x4x8xf32> {
  ^bb0(%a: tensor<2x4x8xf32>):
    cherry.yield %a : tensor<2x4x8xf32>
  }
  return
}

// -----

func.func @f(%x: tensor<8x8xf32>, %r: tensor<1x8xf32>) {
  // expected-error @+1 {{input must be [batch, seq, hidden], found 'tensor<8x8xf32>'}}
  %0, %1 = cherry.moee %x, %r {top_k = 1 : i64} : tensor<8x8xf32>, tensor<1x8xf32> -> tensor<8x8xf32> {
  ^bb0(%a: tensor<8x8xf32>):
    cherry.yield %a : tensor<8x8xf32>
  }
  return
}

// -----

func.func @f(%x: tensor<2x4x8xf32>, %r: tensor<1x8xf32>) {
  // expected-error @+1 {{needs at least one expert region}}
  %0, %1 = cherry.moee %x, %r {top_k = 1 : i64} : tensor<2x4x8xf32>, tensor<1x8xf32> -> tensor<2x4x8xf32>
  return
}

// -----

func.func @f(%x: tensor<2x4x8xf32>, %r: tensor<3x8xf32>) {
  // expected-error @+1 {{router must be [2, 8] (experts, hidden), found 'tensor<3x8xf32>'}}
  %0, %1 = cherry.moee %x, %r {top_k = 1 : i64} : tensor<2x4x8xf32>, tensor<3x8xf32> -> tensor<2x4x8xf32> {
  ^bb0(%a: tensor<2x4x8xf32>):
    cherry.yield %a : tensor<2x4x8xf32>
  }, {
  ^bb0(%a: tensor<2x4x8xf32>):
    cherry.yield %a : tensor<2x4x8xf32>
  }
  return
}

// -----

func.func @f(%x: tensor<2x4x8xf32>, %r: tensor<2x8xf32>) {
  // expected-error @+1 {{top_k must be in [1, 2], found 3}}
  %0, %1 = cherry.moee %x, %r {top_k = 3 : i64} : tensor<2x4x8xf32>, tensor<2x8xf32> -> tensor<2x4x8xf32> {
  ^bb0(%a: tensor<2x4x8xf32>):
    cherry.yield %a : tensor<2x4x8xf32>
  }, {
  ^bb0(%a: tensor<2x4x8xf32>):
    cherry.yield %a : tensor<2x4x8xf32>
  }
  return
}

// -----

func.func @f(%x: tensor<2x4x8xf32>, %r: tensor<1x8xf32>) {
  // expected-error @+1 {{result 'tensor<2x5x8xf32>' must keep the input's [batch, seq] = [2, 4]}}
  %0, %1 = cherry.moee %x, %r {top_k = 1 : i64} : tensor<2x4x8xf32>, tensor<1x8xf32> -> tensor<2x5x8xf32> {
  ^bb0(%a: tensor<2x4x8xf32>):
    cherry.yield %a : tensor<2x4x8xf32>
  }
  return
}

// -----

func.func @f(%x: tensor<2x4x8xf32>, %r: tensor<1x8xf32>) {
  // expected-error @+1 {{expert 0 yields 'tensor<2x4x8xf32>' as value #0, expected 'tensor<2x4x32xf32>'}}
  %0, %1 = cherry.moee %x, %r {top_k = 1 : i64} : tensor<2x4x8xf32>, tensor<1x8xf32> -> tensor<2x4x32xf32> {
  ^bb0(%a: tensor<2x4x8xf32>):
    cherry.yield %a : tensor<2x4x8xf32>
  }
  return
}

// -----

func.func @f(%x: tensor<2x4x8xf32>) {
  // expected-error @+1 {{offset must be >= 1 (1 is the next token), found 0}}
  %0 = cherry.mtp_head %x {offset = 0 : i64} : tensor<2x4x8xf32> -> tensor<2x4x8xf32> {
  ^bb0(%a: tensor<2x4x8xf32>):
    cherry.yield %a : tensor<2x4x8xf32>
  }
  return
}

// -----

func.func @f(%x: tensor<8x8xf32>) {
  // expected-error @+1 {{input must be [batch, seq, hidden], found 'tensor<8x8xf32>'}}
  %0 = cherry.mtp_head %x {offset = 1 : i64} : tensor<8x8xf32> -> tensor<8x8xf32> {
  ^bb0(%a: tensor<8x8xf32>):
    cherry.yield %a : tensor<8x8xf32>
  }
  return
}

// -----

func.func @f(%x: tensor<2x4x8xf32>) {
  // expected-error @+1 {{result must be [2, 4, vocab], found 'tensor<2x3x8xf32>'}}
  %0 = cherry.mtp_head %x {offset = 1 : i64} : tensor<2x4x8xf32> -> tensor<2x3x8xf32> {
  ^bb0(%a: tensor<2x4x8xf32>):
    cherry.yield %a : tensor<2x4x8xf32>
  }
  return
}

// -----

func.func @f(%x: tensor<2x4x8xf32>) {
  // expected-error @+1 {{body yields 'tensor<2x4x8xf32>' as value #0, expected 'tensor<2x4x32xf32>'}}
  %0 = cherry.mtp_head %x {offset = 1 : i64} : tensor<2x4x8xf32> -> tensor<2x4x32xf32> {
  ^bb0(%a: tensor<2x4x8xf32>):
    cherry.yield %a : tensor<2x4x8xf32>
  }
  return
}

// -----

func.func @f(%x: tensor<2x4x8xf32>, %r: tensor<2x8xf32>) {
  // expected-error @+1 {{top_k must be in [1, 2], found -1}}
  %0, %1 = cherry.moee %x, %r {top_k = -1 : i64} : tensor<2x4x8xf32>, tensor<2x8xf32> -> tensor<2x4x8xf32> {
  ^bb0(%a: tensor<2x4x8xf32>):
    cherry.yield %a : tensor<2x4x8xf32>
  }, {
  ^bb0(%a: tensor<2x4x8xf32>):
    cherry.yield %a : tensor<2x4x8xf32>
  }
  return
}

// -----

func.func @f(%x: tensor<2x4x8xf32>) {
  // expected-error @+1 {{offset must be >= 1 (1 is the next token), found -2}}
  %0 = cherry.mtp_head %x {offset = -2 : i64} : tensor<2x4x8xf32> -> tensor<2x4x8xf32> {
  ^bb0(%a: tensor<2x4x8xf32>):
    cherry.yield %a : tensor<2x4x8xf32>
  }
  return
}

// -----

func.func @f(%t: tensor<2x4xi32>) {
  // expected-error @+1 {{shift must be in [1, 4), found -1}}
  %0 = cherry.shift_targets %t {shift = -1 : i64} : tensor<2x4xi32>
  return
}

// -----

func.func @f(%x: tensor<2x4x8xf32>) {
  // expected-error @+1 {{head_dim must be positive and even, found -4}}
  %0 = cherry.rope %x {head_dim = -4 : i64} : tensor<2x4x8xf32>
  return
}

// -----

func.func @f(%q: tensor<2x4x8xf32>) {
  // expected-error @+1 {{num_heads (2) and num_kv_heads (-2) must be positive}}
  %0 = cherry.attention %q, %q, %q {num_heads = 2 : i64, num_kv_heads = -2 : i64} : tensor<2x4x8xf32>, tensor<2x4x8xf32>
  return
}

// -----

func.func @f(%x: tensor<2x4x8xf32>) {
  // expected-error @+1 {{region #0 ('body') failed to verify constraint: region with one block}}
  %0 = cherry.decoder_layer %x {index = 0 : i64} : tensor<2x4x8xf32> {}
  return
}

// -----

func.func @f(%x: tensor<2x4x8xf32>) {
  // expected-error @+1 {{body must end with cherry.yield}}
  %0 = cherry.decoder_layer %x {index = 0 : i64} : tensor<2x4x8xf32> {
  ^bb0(%a: tensor<2x4x8xf32>):
  }
  return
}

// -----

func.func @f(%x: tensor<2x4x8xf32>) {
  // expected-error @+1 {{shared layer 0 must end with cherry.yield}}
  %0 = cherry.recurrent %x schedule [0] : tensor<2x4x8xf32> {
  ^bb0(%a: tensor<2x4x8xf32>):
    %1 = cherry.add %a, %a : tensor<2x4x8xf32>
  }
  return
}

// -----

func.func @f(%x: tensor<*xf32>) {
  // expected-error @+1 {{invalid kind of type specified: expected builtin.tensor, but found 'tensor<*xf32>'}}
  %0 = cherry.add %x, %x : tensor<*xf32>
  return
}

// -----

// expected-error @+1 {{duplicate or unknown struct parameter name: sigma}}
cherry.param @p : tensor<4xf32> init(#cherry.normal<sigma = 1.0>)

// -----

func.func @f(%q: tensor<2x4x8xf32>) {
  // expected-error @+1 {{attribute 'num_heads' failed to satisfy constraint: 64-bit signless integer attribute}}
  %0 = cherry.attention %q, %q, %q {num_heads = "four", num_kv_heads = 2 : i64} : tensor<2x4x8xf32>, tensor<2x4x8xf32>
  return
}

// -----

// expected-error @+1 {{init of @a depends on itself through @b}}
cherry.param @a : tensor<4xf32> init(#cherry.mean_of<[@b]>)
cherry.param @b : tensor<4xf32> init(#cherry.mean_of<[@a]>)

// -----

func.func @f(%h: tensor<2x4x8xf32>, %w: tensor<32x6xf32>, %t: tensor<2x4xi32>) {
  // expected-error @+1 {{'cherry.head_cross_entropy' op weight must be [vocab, 8] for input 'tensor<2x4x8xf32>', found 'tensor<32x6xf32>'}}
  %0 = cherry.head_cross_entropy %h, %w, %t : tensor<2x4x8xf32>, tensor<32x6xf32>, tensor<2x4xi32>
  return
}

// -----

func.func @f(%h: tensor<2x4x8xf32>, %w: tensor<32x8xf32>, %t: tensor<2x5xi32>) {
  // expected-error @+1 {{'cherry.head_cross_entropy' op targets 'tensor<2x5xi32>' must have the input's shape without hidden [2, 4]}}
  %0 = cherry.head_cross_entropy %h, %w, %t : tensor<2x4x8xf32>, tensor<32x8xf32>, tensor<2x5xi32>
  return
}

// -----

func.func @f(%dy: tensor<2x4x5xf32>, %w: tensor<4x8xf32>) {
  // expected-error @+1 {{'cherry.linear_grad_input' op grad 'tensor<2x4x5xf32>' must end in out_features 4 of weight 'tensor<4x8xf32>'}}
  %0 = cherry.linear_grad_input %dy, %w : tensor<2x4x5xf32>, tensor<4x8xf32> -> tensor<2x4x8xf32>
  return
}

// -----

func.func @f(%dy: tensor<2x4x4xf32>, %w: tensor<4x8xf32>) {
  // expected-error @+1 {{'cherry.linear_grad_input' op result must be 'tensor<2x4x8xf32>' (grad rows x in_features), found 'tensor<2x4x4xf32>'}}
  %0 = cherry.linear_grad_input %dy, %w : tensor<2x4x4xf32>, tensor<4x8xf32> -> tensor<2x4x4xf32>
  return
}

// -----

func.func @f(%dy: tensor<2x4x4xf32>, %x: tensor<2x3x8xf32>) {
  // expected-error @+1 {{'cherry.linear_grad_weight' op grad 'tensor<2x4x4xf32>' and input 'tensor<2x3x8xf32>' must have the same rows}}
  %0 = cherry.linear_grad_weight %dy, %x : tensor<2x4x4xf32>, tensor<2x3x8xf32> -> tensor<4x8xf32>
  return
}

// -----

func.func @f(%ids: tensor<2x4xi32>, %dy: tensor<2x4x8xf32>) {
  // expected-error @+1 {{'cherry.embedding_grad' op result must be [vocab, 8], found 'tensor<32x6xf32>'}}
  %0 = cherry.embedding_grad %ids, %dy : tensor<2x4xi32>, tensor<2x4x8xf32> -> tensor<32x6xf32>
  return
}

// -----

func.func @f(%x: tensor<2x4x8xf32>, %w: tensor<6xf32>) {
  // expected-error @+1 {{'cherry.rms_norm_grad' op weight must be [8], found 'tensor<6xf32>'}}
  %0, %1 = cherry.rms_norm_grad %x, %w, %x : tensor<2x4x8xf32>, tensor<6xf32>
  return
}

// -----

func.func @f(%x: tensor<2x4x8xf32>) {
  // expected-error @+1 {{'cherry.rope_grad' op grad 'tensor<2x4x8xf32>' must be [batch, seq, heads * head_dim] with an even head_dim 3}}
  %0 = cherry.rope_grad %x {head_dim = 3 : i64} : tensor<2x4x8xf32>
  return
}

// -----

func.func @f(%q: tensor<2x4x8xf32>, %k: tensor<2x4x6xf32>) {
  // expected-error @+1 {{'cherry.attention_grad' op query 'tensor<2x4x8xf32>' and key 'tensor<2x4x6xf32>' do not fit num_heads 2 and num_kv_heads 1}}
  %0:3 = cherry.attention_grad %q, %k, %k, %q, %q {num_heads = 2 : i64, num_kv_heads = 1 : i64} : tensor<2x4x8xf32>, tensor<2x4x6xf32>
  return
}

// -----

func.func @f(%hyper: tensor<8xf32>) {
  // expected-error @+1 {{'cherry.rank_share' op ranks must be positive, found 0}}
  %0 = cherry.rank_share %hyper {ranks = 0 : i64} : tensor<8xf32>
  return
}

// -----

func.func @f(%hyper: tensor<8xf32>) {
  // expected-error @+1 {{'cherry.rank_shares' op ranks must be at least 2, found 1}}
  %0 = cherry.rank_shares %hyper {ranks = 1 : i64} : tensor<8xf32> -> tensor<1xf32>
  return
}

// -----

func.func @f(%hyper: tensor<8xf32>) {
  // expected-error @+1 {{'cherry.rank_shares' op shares must be [2], found 'tensor<3xf32>'}}
  %0 = cherry.rank_shares %hyper {ranks = 2 : i64} : tensor<8xf32> -> tensor<3xf32>
  return
}

// -----

func.func @f(%c: tensor<4xi32>) {
  // expected-error @+1 {{'cherry.moe_exchange_counts' op ranks must be at least 2, found 1}}
  %0:2 = cherry.moe_exchange_counts %c {ranks = 1 : i64} : tensor<4xi32> -> tensor<1x4xi32>, tensor<4xi32>
  return
}

// -----

func.func @f(%c: tensor<3xi32>) {
  // expected-error @+1 {{'cherry.moe_exchange_counts' op counts must be [experts] with experts a multiple of ranks 2, found 'tensor<3xi32>'}}
  %0:2 = cherry.moe_exchange_counts %c {ranks = 2 : i64} : tensor<3xi32> -> tensor<2x1xi32>, tensor<1xi32>
  return
}

// -----

func.func @f(%c: tensor<4xi32>) {
  // expected-error @+1 {{'cherry.moe_exchange_counts' op results must be [2, 2] and [2], found 'tensor<2x1xi32>' and 'tensor<2xi32>'}}
  %0:2 = cherry.moe_exchange_counts %c {ranks = 2 : i64} : tensor<4xi32> -> tensor<2x1xi32>, tensor<2xi32>
  return
}

// -----

func.func @f(%x: tensor<8x16xf32>, %c: tensor<4xi32>, %r: tensor<2x2xi32>) {
  // expected-error @+1 {{'cherry.moe_exchange' op input and result must be [rows, dim] of one dim, found 'tensor<8x16xf32>' and 'tensor<16x8xf32>'}}
  %0 = cherry.moe_exchange %x, %c, %r {ranks = 2 : i64, reverse = false} : tensor<8x16xf32>, tensor<4xi32>, tensor<2x2xi32> -> tensor<16x8xf32>
  return
}

// -----

func.func @f(%x: tensor<8x16xf32>, %c: tensor<4xi32>, %r: tensor<3x2xi32>) {
  // expected-error @+1 {{'cherry.moe_exchange' op received must be [ranks, local] and counts [ranks * local] for ranks 2, found 'tensor<3x2xi32>' and 'tensor<4xi32>'}}
  %0 = cherry.moe_exchange %x, %c, %r {ranks = 2 : i64, reverse = false} : tensor<8x16xf32>, tensor<4xi32>, tensor<3x2xi32> -> tensor<16x16xf32>
  return
}

// -----

cherry.param @a : tensor<16x8xf32> init(#cherry.constant<0.0>)
cherry.param @b : tensor<16x8xf32> init(#cherry.constant<0.0>)
// expected-error @+1 {{'cherry.param' op init of @w: stack_of 2 parameters needs a first dimension times cherry.expert_shards (2) of 2, found 'tensor<2x16x8xf32>'}}
cherry.param @w : tensor<2x16x8xf32> init(#cherry.stack_of<[@a, @b]>) {cherry.expert_shards = 2 : i64}

// -----

func.func @f(%s: tensor<f32>, %g: tensor<4x8xf32>) {
  // expected-error @+1 {{'cherry.all_reduce' op result 0 is 'tensor<8x4xf32>', its input 'tensor<4x8xf32>'}}
  %0 = cherry.all_reduce %s, %g {mean = true, ranks = 2 : i64} : tensor<4x8xf32> -> tensor<8x4xf32>
  return
}

// -----

cherry.param @w : tensor<4x8xf32> init(#cherry.constant<0.0>)
cherry.param @m : tensor<32xf32> init(#cherry.constant<0.0>)
cherry.param @v : tensor<32xf32> init(#cherry.constant<0.0>)
func.func @f(%g: tensor<4x8xf32>, %hyper: tensor<8xf32>, %sq: tensor<f32>) {
  // expected-error @+1 {{'cherry.adamw_update' op m @m has type 'tensor<32xf32>', a shard of 3 is 'tensor<11xf32>'}}
  cherry.adamw_update @w, @m, @v, %g, %hyper, %sq {shards = 3 : i64} : tensor<4x8xf32>
  return
}

// -----

// expected-error @+1 {{parameter @p has weight_source -1, expected an index >= 0}}
cherry.param @p : tensor<4xf32> checkpoint("p") {weight_source = -1 : i64}

// -----

// expected-error @+1 {{parameter @p has a weight_source but no checkpoint(...) to read from it}}
cherry.param @p : tensor<4xf32> init(#cherry.constant<0.0>) {weight_source = 1 : i64}

// -----

// expected-error @+1 {{#cherry.stack_of: needs at least one source}}
cherry.param @p : tensor<2x4xf32> init(#cherry.stack_of<[]>)

// -----

// expected-error @+1 {{#cherry.stack_of: source #0 must be a parameter symbol (@name), got 1 : i64}}
cherry.param @p : tensor<2x4xf32> init(#cherry.stack_of<[1]>)

// -----

cherry.param @a : tensor<4xf32> checkpoint("a")
// expected-error @+1 {{init of @p: stack_of 1 parameters needs a first dimension of 1, found 'tensor<2x4xf32>'}}
cherry.param @p : tensor<2x4xf32> init(#cherry.stack_of<[@a]>)

// -----

cherry.param @a : tensor<4xf32> checkpoint("a")
// expected-error @+1 {{init of @p stacks undefined parameter @b}}
cherry.param @p : tensor<2x4xf32> init(#cherry.stack_of<[@a, @b]>)

// -----

// expected-error @+1 {{init of @p stacks itself}}
cherry.param @p : tensor<1x4xf32> init(#cherry.stack_of<[@p]>)

// -----

cherry.param @a : tensor<4xf32> checkpoint("a")
cherry.param @b : tensor<5xf32> checkpoint("b")
// expected-error @+1 {{init of @p stacks @b of type 'tensor<5xf32>', expected 'tensor<4xf32>'}}
cherry.param @p : tensor<2x4xf32> init(#cherry.stack_of<[@a, @b]>)

// -----

func.func @f(%z: tensor<f32>) {
  // expected-error @+1 {{logits must be [..., experts], found 'tensor<f32>'}}
  %p, %e, %g, %r, %c = cherry.moe_route %z {top_k = 1 : i64} : tensor<f32> -> tensor<1xi32>, tensor<1xf32>, tensor<1xi32>, tensor<1xi32>
  return
}

// -----

func.func @f(%z: tensor<2x4x3xf32>) {
  // expected-error @+1 {{top_k must be in [1, 3] (the experts), found 4}}
  %p, %e, %g, %r, %c = cherry.moe_route %z {top_k = 4 : i64} : tensor<2x4x3xf32> -> tensor<2x4x4xi32>, tensor<2x4x4xf32>, tensor<32xi32>, tensor<3xi32>
  return
}

// -----

func.func @f(%p: tensor<2x4x3xf32>, %c: tensor<3xi32>) {
  // expected-error @+1 {{result must be [2, 3], found 'tensor<3x2xf32>'}}
  %s = cherry.moe_balance_stats %p, %c {top_k = 1 : i64} : tensor<2x4x3xf32>, tensor<3xi32> -> tensor<3x2xf32>
  return
}

// -----

func.func @f(%p: tensor<2x4x3xf32>, %c: tensor<4xi32>) {
  // expected-error @+1 {{counts must be tensor<3xi32> (one count per expert), found 'tensor<4xi32>'}}
  %s = cherry.moe_balance_stats %p, %c {top_k = 1 : i64} : tensor<2x4x3xf32>, tensor<4xi32> -> tensor<2x3xf32>
  return
}

// -----

func.func @f(%z: tensor<2x4x3xf32>, %e: tensor<2x4x1xi32>, %g: tensor<2x4x1xf32>, %c: tensor<3xi32>, %s: tensor<2x3xf32>) {
  // expected-error @+1 {{has balance_stats but no balance loss (balance_coeff is 0)}}
  %d = cherry.moe_route_grad %z, %z, %e, %g, %c, %g stats %s : tensor<2x3xf32> {top_k = 1 : i64} : tensor<2x4x3xf32>, tensor<2x4x1xi32>, tensor<2x4x1xf32>, tensor<3xi32>
  return
}

// -----

func.func @f(%z: tensor<2x4x3xf32>, %e: tensor<2x4x1xi32>, %g: tensor<2x4x1xf32>, %c: tensor<3xi32>, %s: tensor<2x4xf32>) {
  // expected-error @+1 {{balance_stats must be 'tensor<2x3xf32>' (cherry.moe_balance_stats), found 'tensor<2x4xf32>'}}
  %d = cherry.moe_route_grad %z, %z, %e, %g, %c, %g stats %s : tensor<2x4xf32> {top_k = 1 : i64, balance_coeff = 0.01 : f64} : tensor<2x4x3xf32>, tensor<2x4x1xi32>, tensor<2x4x1xf32>, tensor<3xi32>
  return
}

// -----

func.func @f(%z: tensor<2x4x3xf32>) {
  // expected-error @+1 {{balance_coeff must be a finite number >= 0 (0 leaves the loss out), found -1.000000e-02}}
  %p, %e, %g, %r, %c = cherry.moe_route %z {top_k = 1 : i64, balance_coeff = -0.01 : f64} : tensor<2x4x3xf32> -> tensor<2x4x1xi32>, tensor<2x4x1xf32>, tensor<8xi32>, tensor<3xi32>
  return
}

// -----

func.func @f(%z: tensor<2x4x3xf32>) {
  // expected-error @+1 {{expert must be 'tensor<2x4x1xi32>' (top_k per token), found 'tensor<2x4x2xi32>'}}
  %p, %e, %g, %r, %c = cherry.moe_route %z {top_k = 1 : i64} : tensor<2x4x3xf32> -> tensor<2x4x2xi32>, tensor<2x4x1xf32>, tensor<8xi32>, tensor<3xi32>
  return
}

// -----

func.func @f(%z: tensor<2x4x3xf32>) {
  // expected-error @+1 {{gate must be 'tensor<2x4x1xf32>' (top_k per token), found 'tensor<8x1xf32>'}}
  %p, %e, %g, %r, %c = cherry.moe_route %z {top_k = 1 : i64} : tensor<2x4x3xf32> -> tensor<2x4x1xi32>, tensor<8x1xf32>, tensor<8xi32>, tensor<3xi32>
  return
}

// -----

func.func @f(%z: tensor<2x4x3xf32>) {
  // expected-error @+1 {{slot_row must be tensor<16xi32> (one row per token-slot), found 'tensor<8xi32>'}}
  %p, %e, %g, %r, %c = cherry.moe_route %z {top_k = 2 : i64} : tensor<2x4x3xf32> -> tensor<2x4x2xi32>, tensor<2x4x2xf32>, tensor<8xi32>, tensor<3xi32>
  return
}

// -----

func.func @f(%z: tensor<2x4x3xf32>) {
  // expected-error @+1 {{counts must be tensor<3xi32> (one count per expert), found 'tensor<2xi32>'}}
  %p, %e, %g, %r, %c = cherry.moe_route %z {top_k = 1 : i64} : tensor<2x4x3xf32> -> tensor<2x4x1xi32>, tensor<2x4x1xf32>, tensor<8xi32>, tensor<2xi32>
  return
}

// -----

func.func @f(%x: tensor<f32>, %r: tensor<1xi32>) {
  // expected-error @+1 {{input must be [..., dim], found 'tensor<f32>'}}
  %0 = cherry.moe_dispatch %x, %r {top_k = 1 : i64} : tensor<f32>, tensor<1xi32> -> tensor<1x1xf32>
  return
}

// -----

func.func @f(%x: tensor<2x4x8xf32>, %r: tensor<8xi32>) {
  // expected-error @+1 {{top_k must be >= 1, found 0}}
  %0 = cherry.moe_dispatch %x, %r {top_k = 0 : i64} : tensor<2x4x8xf32>, tensor<8xi32> -> tensor<8x8xf32>
  return
}

// -----

func.func @f(%x: tensor<2x4x8xf32>, %r: tensor<8xi32>) {
  // expected-error @+1 {{slot_row must be tensor<16xi32> (tokens * top_k), found 'tensor<8xi32>'}}
  %0 = cherry.moe_dispatch %x, %r {top_k = 2 : i64} : tensor<2x4x8xf32>, tensor<8xi32> -> tensor<16x8xf32>
  return
}

// -----

func.func @f(%x: tensor<2x4x8xf32>, %r: tensor<8xi32>) {
  // expected-error @+1 {{result must be [8, 8] (tokens * top_k rows of the input), found 'tensor<2x4x8xf32>'}}
  %0 = cherry.moe_dispatch %x, %r {top_k = 1 : i64} : tensor<2x4x8xf32>, tensor<8xi32> -> tensor<2x4x8xf32>
  return
}

// -----

func.func @f(%x: tensor<2x4x8xf32>, %w: tensor<2x16x8xf32>, %c: tensor<2xi32>) {
  // expected-error @+1 {{input must be [rows, in_features], found 'tensor<2x4x8xf32>'}}
  %0 = cherry.moe_grouped_linear %x, %w, %c : tensor<2x4x8xf32>, tensor<2x16x8xf32>, tensor<2xi32> -> tensor<8x16xf32>
  return
}

// -----

func.func @f(%x: tensor<8x8xf32>, %w: tensor<16x8xf32>, %c: tensor<2xi32>) {
  // expected-error @+1 {{weight must be [experts, out_features, 8], found 'tensor<16x8xf32>'}}
  %0 = cherry.moe_grouped_linear %x, %w, %c : tensor<8x8xf32>, tensor<16x8xf32>, tensor<2xi32> -> tensor<8x16xf32>
  return
}

// -----

func.func @f(%x: tensor<8x8xf32>, %w: tensor<2x16x8xf64>, %c: tensor<2xi32>) {
  // expected-error @+1 {{weight element type 'f64' differs from input element type 'f32'}}
  %0 = cherry.moe_grouped_linear %x, %w, %c : tensor<8x8xf32>, tensor<2x16x8xf64>, tensor<2xi32> -> tensor<8x16xf32>
  return
}

// -----

func.func @f(%x: tensor<8x8xf32>, %w: tensor<2x16x8xf32>, %c: tensor<3xi32>) {
  // expected-error @+1 {{counts must be tensor<2xi32> (one count per expert), found 'tensor<3xi32>'}}
  %0 = cherry.moe_grouped_linear %x, %w, %c : tensor<8x8xf32>, tensor<2x16x8xf32>, tensor<3xi32> -> tensor<8x16xf32>
  return
}

// -----

func.func @f(%x: tensor<8x8xf32>, %w: tensor<2x16x8xf32>, %c: tensor<2xi32>) {
  // expected-error @+1 {{result must be [8, 16], found 'tensor<8x8xf32>'}}
  %0 = cherry.moe_grouped_linear %x, %w, %c : tensor<8x8xf32>, tensor<2x16x8xf32>, tensor<2xi32> -> tensor<8x8xf32>
  return
}

// -----

func.func @f(%y: tensor<2x4x8xf32>, %r: tensor<8xi32>, %g: tensor<2x4x1xf32>) {
  // expected-error @+1 {{input must be [tokens * top_k, dim], found 'tensor<2x4x8xf32>'}}
  %0 = cherry.moe_combine %y, %r, %g : tensor<2x4x8xf32>, tensor<8xi32>, tensor<2x4x1xf32> -> tensor<2x4x8xf32>
  return
}

// -----

func.func @f(%y: tensor<8x8xf32>, %r: tensor<8xi32>, %g: tensor<2x4x2xf32>) {
  // expected-error @+1 {{gate 'tensor<2x4x2xf32>' must be [..., top_k] with 8 elements (one per input row)}}
  %0 = cherry.moe_combine %y, %r, %g : tensor<8x8xf32>, tensor<8xi32>, tensor<2x4x2xf32> -> tensor<2x4x8xf32>
  return
}

// -----

func.func @f(%y: tensor<8x8xf32>, %r: tensor<8xi32>, %g: tensor<2x4x1xf64>) {
  // expected-error @+1 {{gate element type 'f64' differs from input element type 'f32'}}
  %0 = cherry.moe_combine %y, %r, %g : tensor<8x8xf32>, tensor<8xi32>, tensor<2x4x1xf64> -> tensor<2x4x8xf32>
  return
}

// -----

func.func @f(%y: tensor<8x8xf32>, %r: tensor<4xi32>, %g: tensor<2x4x1xf32>) {
  // expected-error @+1 {{slot_row must be tensor<8xi32> (one row per token-slot), found 'tensor<4xi32>'}}
  %0 = cherry.moe_combine %y, %r, %g : tensor<8x8xf32>, tensor<4xi32>, tensor<2x4x1xf32> -> tensor<2x4x8xf32>
  return
}

// -----

func.func @f(%y: tensor<8x8xf32>, %r: tensor<8xi32>, %g: tensor<2x4x1xf32>) {
  // expected-error @+1 {{result must be 'tensor<2x4x8xf32>' (the gate's tokens, the input's dim), found 'tensor<8x8xf32>'}}
  %0 = cherry.moe_combine %y, %r, %g : tensor<8x8xf32>, tensor<8xi32>, tensor<2x4x1xf32> -> tensor<8x8xf32>
  return
}
