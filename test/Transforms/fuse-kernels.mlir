// RUN: cherry-opt %s --split-input-file --cherry-fuse-kernels | FileCheck %s

// The residual add feeding the next norm becomes one add_rms_norm launch
// that writes both the sum and the normalized rows.
// CHECK-LABEL: func.func @fused
// CHECK-NOT: "add"
// CHECK: cherry_kernel.launch "add_rms_norm"(%arg0, %arg1, %arg2 : memref<3x8xf32>, memref<3x8xf32>, memref<8xf32>) outs(%[[SUM:.*]], %[[Y:.*]] : memref<3x8xf32>, memref<3x8xf32>) {dim = 8 : i64, eps = 1.000000e-05 : f64, rows = 3 : i64}
// CHECK-NOT: "rms_norm"
// CHECK: cherry_kernel.launch "add"(%[[SUM]], %[[Y]]
func.func @fused(%a: memref<3x8xf32> {cherry_kernel.binding = "a"}, %b: memref<3x8xf32> {cherry_kernel.binding = "b"},
                 %w: memref<8xf32> {cherry_kernel.binding = "w"}, %out: memref<3x8xf32> {cherry_kernel.binding = "out", cherry_kernel.output}) {
  %sum = cherry_kernel.buffer : memref<3x8xf32>
  cherry_kernel.launch "add"(%a, %b : memref<3x8xf32>, memref<3x8xf32>) outs(%sum : memref<3x8xf32>) {n = 24 : i64}
  %y = cherry_kernel.buffer : memref<3x8xf32>
  cherry_kernel.launch "rms_norm"(%sum, %w : memref<3x8xf32>, memref<8xf32>) outs(%y : memref<3x8xf32>) {rows = 3 : i64, dim = 8 : i64, eps = 1.0e-05 : f64}
  cherry_kernel.launch "add"(%sum, %y : memref<3x8xf32>, memref<3x8xf32>) outs(%out : memref<3x8xf32>) {n = 24 : i64}
  return
}

// -----

// Not fused: the sum is read between the add and the norm.
// CHECK-LABEL: func.func @read_between
// CHECK: "add"
// CHECK: "swiglu"
// CHECK: "rms_norm"
// CHECK-NOT: "add_rms_norm"
func.func @read_between(%a: memref<3x8xf32> {cherry_kernel.binding = "a"}, %b: memref<3x8xf32> {cherry_kernel.binding = "b"},
                        %w: memref<8xf32> {cherry_kernel.binding = "w"}, %out: memref<3x8xf32> {cherry_kernel.binding = "out", cherry_kernel.output}) {
  %sum = cherry_kernel.buffer : memref<3x8xf32>
  cherry_kernel.launch "add"(%a, %b : memref<3x8xf32>, memref<3x8xf32>) outs(%sum : memref<3x8xf32>) {n = 24 : i64}
  %t = cherry_kernel.buffer : memref<3x8xf32>
  cherry_kernel.launch "swiglu"(%sum, %a : memref<3x8xf32>, memref<3x8xf32>) outs(%t : memref<3x8xf32>) {n = 24 : i64}
  cherry_kernel.launch "rms_norm"(%sum, %w : memref<3x8xf32>, memref<8xf32>) outs(%out : memref<3x8xf32>) {rows = 3 : i64, dim = 8 : i64, eps = 1.0e-05 : f64}
  return
}

// -----

// A training step's head loss and head gradient of the same buffers become
// one head_cross_entropy_train launch at the gradient's place.
// CHECK-LABEL: func.func @head_train
// CHECK-NOT: "head_cross_entropy"(
// CHECK: "swiglu"
// CHECK: cherry_kernel.launch "head_cross_entropy_train"(%arg0, %arg1, %arg2 : memref<6x4xf32>, memref<10x4xf32>, memref<6xi32>) outs(%arg3, %[[DH:.*]], %[[DW:.*]] : memref<f32>, memref<6x4xf32>, memref<10x4xf32>) {dim = 4 : i64, ignore_index = -100 : i64, rows = 6 : i64, scale = 1.000000e+00 : f64, vocab = 10 : i64}
// CHECK-NOT: "head_cross_entropy_grad"
func.func @head_train(%h: memref<6x4xf32> {cherry_kernel.binding = "h"}, %w: memref<10x4xf32> {cherry_kernel.binding = "w"},
                      %t: memref<6xi32> {cherry_kernel.binding = "t"}, %loss: memref<f32> {cherry_kernel.binding = "loss", cherry_kernel.output},
                      %x: memref<3x8xf32> {cherry_kernel.binding = "x"}) {
  cherry_kernel.launch "head_cross_entropy"(%h, %w, %t : memref<6x4xf32>, memref<10x4xf32>, memref<6xi32>) outs(%loss : memref<f32>) {rows = 6 : i64, vocab = 10 : i64, dim = 4 : i64, ignore_index = -100 : i64}
  %s = cherry_kernel.buffer : memref<3x8xf32>
  cherry_kernel.launch "swiglu"(%x, %x : memref<3x8xf32>, memref<3x8xf32>) outs(%s : memref<3x8xf32>) {n = 24 : i64}
  %dh = cherry_kernel.buffer : memref<6x4xf32>
  %dw = cherry_kernel.buffer : memref<10x4xf32>
  cherry_kernel.launch "head_cross_entropy_grad"(%h, %w, %t : memref<6x4xf32>, memref<10x4xf32>, memref<6xi32>) outs(%dh, %dw : memref<6x4xf32>, memref<10x4xf32>) {rows = 6 : i64, vocab = 10 : i64, dim = 4 : i64, ignore_index = -100 : i64, scale = 1.0 : f64}
  cherry_kernel.launch "add"(%dh, %dh : memref<6x4xf32>, memref<6x4xf32>) outs(%dh : memref<6x4xf32>) {n = 24 : i64}
  return
}

// -----

// Not fused: the head weight is written between the two.
// CHECK-LABEL: func.func @head_written_between
// CHECK: "head_cross_entropy"(
// CHECK: "head_cross_entropy_grad"
func.func @head_written_between(%h: memref<6x4xf32> {cherry_kernel.binding = "h"}, %w: memref<10x4xf32> {cherry_kernel.binding = "w"},
                                %t: memref<6xi32> {cherry_kernel.binding = "t"}, %loss: memref<f32> {cherry_kernel.binding = "loss", cherry_kernel.output}) {
  cherry_kernel.launch "head_cross_entropy"(%h, %w, %t : memref<6x4xf32>, memref<10x4xf32>, memref<6xi32>) outs(%loss : memref<f32>) {rows = 6 : i64, vocab = 10 : i64, dim = 4 : i64, ignore_index = -100 : i64}
  cherry_kernel.launch "add"(%w, %w : memref<10x4xf32>, memref<10x4xf32>) outs(%w : memref<10x4xf32>) {n = 40 : i64}
  %dh = cherry_kernel.buffer : memref<6x4xf32>
  %dw = cherry_kernel.buffer : memref<10x4xf32>
  cherry_kernel.launch "head_cross_entropy_grad"(%h, %w, %t : memref<6x4xf32>, memref<10x4xf32>, memref<6xi32>) outs(%dh, %dw : memref<6x4xf32>, memref<10x4xf32>) {rows = 6 : i64, vocab = 10 : i64, dim = 4 : i64, ignore_index = -100 : i64, scale = 1.0 : f64}
  return
}

// -----

// A selective step's weighted head loss and its gradient (the same h, w,
// targets and weights) become one head_cross_entropy_weighted_train.
// CHECK-LABEL: func.func @weighted_head_train
// CHECK-NOT: "head_cross_entropy_weighted"(
// CHECK: cherry_kernel.launch "head_cross_entropy_weighted_train"(%arg0, %arg1, %arg2, %arg3 : memref<3x4xf32>, memref<10x4xf32>, memref<3xi32>, memref<3xf32>) outs(%arg4, %{{.*}}, %{{.*}} : memref<f32>, memref<3x4xf32>, memref<10x4xf32>) {dim = 4 : i64, rows = 3 : i64, scale = 5.000000e-01 : f64, vocab = 10 : i64}
// CHECK-NOT: "head_cross_entropy_weighted_grad"
func.func @weighted_head_train(%h: memref<3x4xf32> {cherry_kernel.binding = "h"}, %w: memref<10x4xf32> {cherry_kernel.binding = "w"},
                               %t: memref<3xi32> {cherry_kernel.binding = "t"}, %wt: memref<3xf32> {cherry_kernel.binding = "wt"},
                               %loss: memref<f32> {cherry_kernel.binding = "loss", cherry_kernel.output}) {
  cherry_kernel.launch "head_cross_entropy_weighted"(%h, %w, %t, %wt : memref<3x4xf32>, memref<10x4xf32>, memref<3xi32>, memref<3xf32>) outs(%loss : memref<f32>) {rows = 3 : i64, vocab = 10 : i64, dim = 4 : i64}
  %dh = cherry_kernel.buffer : memref<3x4xf32>
  %dw = cherry_kernel.buffer : memref<10x4xf32>
  cherry_kernel.launch "head_cross_entropy_weighted_grad"(%h, %w, %t, %wt : memref<3x4xf32>, memref<10x4xf32>, memref<3xi32>, memref<3xf32>) outs(%dh, %dw : memref<3x4xf32>, memref<10x4xf32>) {rows = 3 : i64, vocab = 10 : i64, dim = 4 : i64, scale = 0.5 : f64}
  return
}

// -----

// Not fused: the weights the gradient reads are written between the two
// (they are not the forward's any more).
// CHECK-LABEL: func.func @weighted_weights_written_between
// CHECK: "head_cross_entropy_weighted"(
// CHECK: "head_cross_entropy_weighted_grad"
func.func @weighted_weights_written_between(%h: memref<3x4xf32> {cherry_kernel.binding = "h"}, %w: memref<10x4xf32> {cherry_kernel.binding = "w"},
                                            %t: memref<3xi32> {cherry_kernel.binding = "t"}, %wt: memref<3xf32> {cherry_kernel.binding = "wt"},
                                            %loss: memref<f32> {cherry_kernel.binding = "loss", cherry_kernel.output}) {
  cherry_kernel.launch "head_cross_entropy_weighted"(%h, %w, %t, %wt : memref<3x4xf32>, memref<10x4xf32>, memref<3xi32>, memref<3xf32>) outs(%loss : memref<f32>) {rows = 3 : i64, vocab = 10 : i64, dim = 4 : i64}
  cherry_kernel.launch "scale"(%wt : memref<3xf32>) outs(%wt : memref<3xf32>) {n = 3 : i64, factor = 2.0 : f64}
  %dh = cherry_kernel.buffer : memref<3x4xf32>
  %dw = cherry_kernel.buffer : memref<10x4xf32>
  cherry_kernel.launch "head_cross_entropy_weighted_grad"(%h, %w, %t, %wt : memref<3x4xf32>, memref<10x4xf32>, memref<3xi32>, memref<3xf32>) outs(%dh, %dw : memref<3x4xf32>, memref<10x4xf32>) {rows = 3 : i64, vocab = 10 : i64, dim = 4 : i64, scale = 0.5 : f64}
  return
}

// -----

// A training step's attention and its gradient over the same q, k, v and
// output: the forward writes the rows' log-sum-exp into a new buffer that the
// gradient reads.
// CHECK-LABEL: func.func @attention_lse
// CHECK: %[[LSE:.*]] = cherry_kernel.buffer : memref<2x2x8xf32>
// CHECK: cherry_kernel.launch "attention_lse"(%arg0, %arg1, %arg2 : memref<2x8x16xf32>, memref<2x8x8xf32>, memref<2x8x8xf32>) outs(%[[O:.*]], %[[LSE]] : memref<2x8x16xf32>, memref<2x2x8xf32>) {batch = 2 : i64, causal = 1 : i64, head_dim = 8 : i64, heads = 2 : i64, kv_heads = 1 : i64, seq = 8 : i64}
// CHECK-NOT: "attention"(
// CHECK: "swiglu"
// CHECK: cherry_kernel.launch "attention_grad_lse"(%arg0, %arg1, %arg2, %[[O]], %[[LSE]], %arg3 : memref<2x8x16xf32>, memref<2x8x8xf32>, memref<2x8x8xf32>, memref<2x8x16xf32>, memref<2x2x8xf32>, memref<2x8x16xf32>) outs(%arg4, %arg5, %arg6 : memref<2x8x16xf32>, memref<2x8x8xf32>, memref<2x8x8xf32>) {batch = 2 : i64, causal = 1 : i64, head_dim = 8 : i64, heads = 2 : i64, kv_heads = 1 : i64, seq = 8 : i64}
// CHECK-NOT: "attention_grad"(
func.func @attention_lse(%q: memref<2x8x16xf32> {cherry_kernel.binding = "q"}, %k: memref<2x8x8xf32> {cherry_kernel.binding = "k"},
                         %v: memref<2x8x8xf32> {cherry_kernel.binding = "v"}, %dout: memref<2x8x16xf32> {cherry_kernel.binding = "dout"},
                         %dq: memref<2x8x16xf32> {cherry_kernel.binding = "dq", cherry_kernel.output}, %dk: memref<2x8x8xf32> {cherry_kernel.binding = "dk", cherry_kernel.output},
                         %dv: memref<2x8x8xf32> {cherry_kernel.binding = "dv", cherry_kernel.output}) {
  %o = cherry_kernel.buffer : memref<2x8x16xf32>
  cherry_kernel.launch "attention"(%q, %k, %v : memref<2x8x16xf32>, memref<2x8x8xf32>, memref<2x8x8xf32>) outs(%o : memref<2x8x16xf32>) {batch = 2 : i64, q_len = 8 : i64, kv_len = 8 : i64, kv_batch_stride = 8 : i64, heads = 2 : i64, kv_heads = 1 : i64, head_dim = 8 : i64, q_position_offset = 0 : i64, causal = 1 : i64}
  %s = cherry_kernel.buffer : memref<2x8x16xf32>
  cherry_kernel.launch "swiglu"(%o, %o : memref<2x8x16xf32>, memref<2x8x16xf32>) outs(%s : memref<2x8x16xf32>) {n = 256 : i64}
  cherry_kernel.launch "attention_grad"(%q, %k, %v, %o, %dout : memref<2x8x16xf32>, memref<2x8x8xf32>, memref<2x8x8xf32>, memref<2x8x16xf32>, memref<2x8x16xf32>) outs(%dq, %dk, %dv : memref<2x8x16xf32>, memref<2x8x8xf32>, memref<2x8x8xf32>) {batch = 2 : i64, seq = 8 : i64, heads = 2 : i64, kv_heads = 1 : i64, head_dim = 8 : i64, causal = 1 : i64}
  return
}

// -----

// Not fused: the output is written between the forward and the gradient,
// and an attention over other keys (a cache of 12 rows) is not the forward
// of the gradient that reads its output.
// CHECK-LABEL: func.func @attention_not_fused
// CHECK-NOT: attention_lse
// CHECK-NOT: attention_grad_lse
// CHECK: "attention"(
// CHECK: "attention_grad"(
// CHECK: "attention"(
// CHECK: "attention_grad"(
func.func @attention_not_fused(%q: memref<2x8x16xf32> {cherry_kernel.binding = "q"}, %k: memref<2x8x8xf32> {cherry_kernel.binding = "k"},
                               %v: memref<2x8x8xf32> {cherry_kernel.binding = "v"}, %dout: memref<2x8x16xf32> {cherry_kernel.binding = "dout"},
                               %kc: memref<2x12x8xf32> {cherry_kernel.binding = "kc"}, %vc: memref<2x12x8xf32> {cherry_kernel.binding = "vc"},
                               %dq: memref<2x8x16xf32> {cherry_kernel.binding = "dq", cherry_kernel.output}, %dk: memref<2x8x8xf32> {cherry_kernel.binding = "dk", cherry_kernel.output},
                               %dv: memref<2x8x8xf32> {cherry_kernel.binding = "dv", cherry_kernel.output}) {
  %o = cherry_kernel.buffer : memref<2x8x16xf32>
  cherry_kernel.launch "attention"(%q, %k, %v : memref<2x8x16xf32>, memref<2x8x8xf32>, memref<2x8x8xf32>) outs(%o : memref<2x8x16xf32>) {batch = 2 : i64, q_len = 8 : i64, kv_len = 8 : i64, kv_batch_stride = 8 : i64, heads = 2 : i64, kv_heads = 1 : i64, head_dim = 8 : i64, q_position_offset = 0 : i64, causal = 1 : i64}
  cherry_kernel.launch "swiglu"(%dout, %dout : memref<2x8x16xf32>, memref<2x8x16xf32>) outs(%o : memref<2x8x16xf32>) {n = 256 : i64}
  cherry_kernel.launch "attention_grad"(%q, %k, %v, %o, %dout : memref<2x8x16xf32>, memref<2x8x8xf32>, memref<2x8x8xf32>, memref<2x8x16xf32>, memref<2x8x16xf32>) outs(%dq, %dk, %dv : memref<2x8x16xf32>, memref<2x8x8xf32>, memref<2x8x8xf32>) {batch = 2 : i64, seq = 8 : i64, heads = 2 : i64, kv_heads = 1 : i64, head_dim = 8 : i64, causal = 1 : i64}
  %o2 = cherry_kernel.buffer : memref<2x8x16xf32>
  cherry_kernel.launch "attention"(%q, %kc, %vc : memref<2x8x16xf32>, memref<2x12x8xf32>, memref<2x12x8xf32>) outs(%o2 : memref<2x8x16xf32>) {batch = 2 : i64, q_len = 8 : i64, kv_len = 8 : i64, kv_batch_stride = 12 : i64, heads = 2 : i64, kv_heads = 1 : i64, head_dim = 8 : i64, q_position_offset = 0 : i64, causal = 1 : i64}
  cherry_kernel.launch "attention_grad"(%q, %k, %v, %o2, %dout : memref<2x8x16xf32>, memref<2x8x8xf32>, memref<2x8x8xf32>, memref<2x8x16xf32>, memref<2x8x16xf32>) outs(%dq, %dk, %dv : memref<2x8x16xf32>, memref<2x8x8xf32>, memref<2x8x8xf32>) {batch = 2 : i64, seq = 8 : i64, heads = 2 : i64, kv_heads = 1 : i64, head_dim = 8 : i64, causal = 1 : i64}
  return
}

// -----

// A layer input's gradient summed over two projections: the second product
// accumulates into the first in place (the sum is a temporary nothing reads
// after the add), and the sum replaces the add's output.
// CHECK-LABEL: func.func @grad_input_add
// CHECK: cherry_kernel.launch "linear_grad_input"(%arg0, %arg2 : memref<6x5xf32>, memref<5x4xf32>) outs(%[[SUM:.*]] : memref<6x4xf32>)
// CHECK-NOT: "add"
// CHECK: cherry_kernel.launch "linear_grad_input_add"(%arg1, %arg3, %[[SUM]] : memref<6x5xf32>, memref<5x4xf32>, memref<6x4xf32>) outs(%[[SUM]] : memref<6x4xf32>) {k = 4 : i64, m = 6 : i64, n = 5 : i64}
// CHECK: cherry_kernel.launch "swiglu"(%[[SUM]], %[[SUM]] : memref<6x4xf32>, memref<6x4xf32>) outs(%arg4 : memref<6x4xf32>)
func.func @grad_input_add(%dy1: memref<6x5xf32> {cherry_kernel.binding = "dy1"}, %dy2: memref<6x5xf32> {cherry_kernel.binding = "dy2"},
                          %w1: memref<5x4xf32> {cherry_kernel.binding = "w1"}, %w2: memref<5x4xf32> {cherry_kernel.binding = "w2"},
                          %out: memref<6x4xf32> {cherry_kernel.binding = "out", cherry_kernel.output}) {
  %a = cherry_kernel.buffer : memref<6x4xf32>
  cherry_kernel.launch "linear_grad_input"(%dy1, %w1 : memref<6x5xf32>, memref<5x4xf32>) outs(%a : memref<6x4xf32>) {m = 6 : i64, n = 5 : i64, k = 4 : i64}
  %b = cherry_kernel.buffer : memref<6x4xf32>
  cherry_kernel.launch "linear_grad_input"(%dy2, %w2 : memref<6x5xf32>, memref<5x4xf32>) outs(%b : memref<6x4xf32>) {m = 6 : i64, n = 5 : i64, k = 4 : i64}
  %s = cherry_kernel.buffer : memref<6x4xf32>
  cherry_kernel.launch "add"(%a, %b : memref<6x4xf32>, memref<6x4xf32>) outs(%s : memref<6x4xf32>) {n = 24 : i64}
  cherry_kernel.launch "swiglu"(%s, %s : memref<6x4xf32>, memref<6x4xf32>) outs(%out : memref<6x4xf32>) {n = 24 : i64}
  return
}

// -----

// The sum so far is an argument (not a temporary): fused, into the add's own
// output (the kernel starts it as a copy of the sum). Not fused: a product
// that something else also reads, and one whose weight is written between
// it and the add.
// CHECK-LABEL: func.func @grad_input_add_copy
// CHECK: cherry_kernel.launch "linear_grad_input_add"(%arg1, %arg3, %arg0 : memref<6x5xf32>, memref<5x4xf32>, memref<6x4xf32>) outs(%arg4 : memref<6x4xf32>)
// CHECK: "linear_grad_input"(%arg1
// CHECK: "swiglu"
// CHECK: "add"
// CHECK: "linear_grad_input"(%arg1
// CHECK: "scale"
// CHECK: "add"
func.func @grad_input_add_copy(%acc: memref<6x4xf32> {cherry_kernel.binding = "acc"}, %dy: memref<6x5xf32> {cherry_kernel.binding = "dy"},
                               %w: memref<5x4xf32> {cherry_kernel.binding = "w"}, %w2: memref<5x4xf32> {cherry_kernel.binding = "w2"},
                               %out: memref<6x4xf32> {cherry_kernel.binding = "out", cherry_kernel.output},
                               %out2: memref<6x4xf32> {cherry_kernel.binding = "out2", cherry_kernel.output},
                               %out3: memref<6x4xf32> {cherry_kernel.binding = "out3", cherry_kernel.output},
                               %out4: memref<6x4xf32> {cherry_kernel.binding = "out4", cherry_kernel.output}) {
  %t = cherry_kernel.buffer : memref<6x4xf32>
  cherry_kernel.launch "linear_grad_input"(%dy, %w2 : memref<6x5xf32>, memref<5x4xf32>) outs(%t : memref<6x4xf32>) {m = 6 : i64, n = 5 : i64, k = 4 : i64}
  cherry_kernel.launch "add"(%t, %acc : memref<6x4xf32>, memref<6x4xf32>) outs(%out : memref<6x4xf32>) {n = 24 : i64}
  %u = cherry_kernel.buffer : memref<6x4xf32>
  cherry_kernel.launch "linear_grad_input"(%dy, %w2 : memref<6x5xf32>, memref<5x4xf32>) outs(%u : memref<6x4xf32>) {m = 6 : i64, n = 5 : i64, k = 4 : i64}
  cherry_kernel.launch "swiglu"(%u, %u : memref<6x4xf32>, memref<6x4xf32>) outs(%out2 : memref<6x4xf32>) {n = 24 : i64}
  cherry_kernel.launch "add"(%acc, %u : memref<6x4xf32>, memref<6x4xf32>) outs(%out3 : memref<6x4xf32>) {n = 24 : i64}
  %v = cherry_kernel.buffer : memref<6x4xf32>
  cherry_kernel.launch "linear_grad_input"(%dy, %w : memref<6x5xf32>, memref<5x4xf32>) outs(%v : memref<6x4xf32>) {m = 6 : i64, n = 5 : i64, k = 4 : i64}
  cherry_kernel.launch "scale"(%w2 : memref<5x4xf32>) outs(%w : memref<5x4xf32>) {n = 20 : i64, factor = 2.0 : f64}
  cherry_kernel.launch "add"(%acc, %v : memref<6x4xf32>, memref<6x4xf32>) outs(%out4 : memref<6x4xf32>) {n = 24 : i64}
  return
}

// -----

// Two gradients of one forward: the first shares its lse, the second keeps
// recomputing it (the forward is fused once).
// CHECK-LABEL: func.func @attention_two_grads
// CHECK: "attention_lse"
// CHECK: "attention_grad_lse"
// CHECK: "attention_grad"(
func.func @attention_two_grads(%q: memref<2x8x16xf32> {cherry_kernel.binding = "q"}, %k: memref<2x8x8xf32> {cherry_kernel.binding = "k"},
                               %v: memref<2x8x8xf32> {cherry_kernel.binding = "v"}, %dout: memref<2x8x16xf32> {cherry_kernel.binding = "dout"},
                               %dq: memref<2x8x16xf32> {cherry_kernel.binding = "dq", cherry_kernel.output}, %dk: memref<2x8x8xf32> {cherry_kernel.binding = "dk", cherry_kernel.output},
                               %dv: memref<2x8x8xf32> {cherry_kernel.binding = "dv", cherry_kernel.output}) {
  %o = cherry_kernel.buffer : memref<2x8x16xf32>
  cherry_kernel.launch "attention"(%q, %k, %v : memref<2x8x16xf32>, memref<2x8x8xf32>, memref<2x8x8xf32>) outs(%o : memref<2x8x16xf32>) {batch = 2 : i64, q_len = 8 : i64, kv_len = 8 : i64, kv_batch_stride = 8 : i64, heads = 2 : i64, kv_heads = 1 : i64, head_dim = 8 : i64, q_position_offset = 0 : i64, causal = 1 : i64}
  cherry_kernel.launch "attention_grad"(%q, %k, %v, %o, %dout : memref<2x8x16xf32>, memref<2x8x8xf32>, memref<2x8x8xf32>, memref<2x8x16xf32>, memref<2x8x16xf32>) outs(%dq, %dk, %dv : memref<2x8x16xf32>, memref<2x8x8xf32>, memref<2x8x8xf32>) {batch = 2 : i64, seq = 8 : i64, heads = 2 : i64, kv_heads = 1 : i64, head_dim = 8 : i64, causal = 1 : i64}
  cherry_kernel.launch "attention_grad"(%q, %k, %v, %o, %q : memref<2x8x16xf32>, memref<2x8x8xf32>, memref<2x8x8xf32>, memref<2x8x16xf32>, memref<2x8x16xf32>) outs(%dq, %dk, %dv : memref<2x8x16xf32>, memref<2x8x8xf32>, memref<2x8x8xf32>) {batch = 2 : i64, seq = 8 : i64, heads = 2 : i64, kv_heads = 1 : i64, head_dim = 8 : i64, causal = 1 : i64}
  return
}

// -----

// The residual stream's gradient plus its norm's input gradient: the norm's
// gradient accumulates into the sum in place (its dw as before).
// CHECK-LABEL: func.func @rms_norm_grad_add
// CHECK-NOT: "add"
// CHECK: cherry_kernel.launch "rms_norm_grad_add"(%arg0, %arg1, %arg2, %[[SUM:.*]] : memref<3x8xf32>, memref<8xf32>, memref<3x8xf32>, memref<3x8xf32>) outs(%[[SUM]], %arg4 : memref<3x8xf32>, memref<8xf32>) {dim = 8 : i64, eps = 1.000000e-05 : f64, rows = 3 : i64}
// CHECK: cherry_kernel.launch "swiglu"(%[[SUM]], %[[SUM]]
func.func @rms_norm_grad_add(%x: memref<3x8xf32> {cherry_kernel.binding = "x"}, %w: memref<8xf32> {cherry_kernel.binding = "w"},
                             %dy: memref<3x8xf32> {cherry_kernel.binding = "dy"}, %r: memref<3x8xf32> {cherry_kernel.binding = "r"},
                             %dw: memref<8xf32> {cherry_kernel.binding = "dw", cherry_kernel.output},
                             %out: memref<3x8xf32> {cherry_kernel.binding = "out", cherry_kernel.output}) {
  %acc = cherry_kernel.buffer : memref<3x8xf32>
  cherry_kernel.launch "swiglu"(%r, %r : memref<3x8xf32>, memref<3x8xf32>) outs(%acc : memref<3x8xf32>) {n = 24 : i64}
  %dx = cherry_kernel.buffer : memref<3x8xf32>
  cherry_kernel.launch "rms_norm_grad"(%x, %w, %dy : memref<3x8xf32>, memref<8xf32>, memref<3x8xf32>) outs(%dx, %dw : memref<3x8xf32>, memref<8xf32>) {rows = 3 : i64, dim = 8 : i64, eps = 1.0e-05 : f64}
  %s = cherry_kernel.buffer : memref<3x8xf32>
  cherry_kernel.launch "add"(%acc, %dx : memref<3x8xf32>, memref<3x8xf32>) outs(%s : memref<3x8xf32>) {n = 24 : i64}
  cherry_kernel.launch "swiglu"(%s, %s : memref<3x8xf32>, memref<3x8xf32>) outs(%out : memref<3x8xf32>) {n = 24 : i64}
  return
}

// -----

// Not fused: the norm's dw is read between its gradient and the add (the
// fused launch would write it later).
// CHECK-LABEL: func.func @rms_norm_grad_dw_read
// CHECK: "rms_norm_grad"(
// CHECK: "scale"
// CHECK: "add"
func.func @rms_norm_grad_dw_read(%x: memref<3x8xf32> {cherry_kernel.binding = "x"}, %w: memref<8xf32> {cherry_kernel.binding = "w"},
                                 %dy: memref<3x8xf32> {cherry_kernel.binding = "dy"}, %acc: memref<3x8xf32> {cherry_kernel.binding = "acc"},
                                 %dws: memref<8xf32> {cherry_kernel.binding = "dws", cherry_kernel.output},
                                 %out: memref<3x8xf32> {cherry_kernel.binding = "out", cherry_kernel.output}) {
  %dx = cherry_kernel.buffer : memref<3x8xf32>
  %dw = cherry_kernel.buffer : memref<8xf32>
  cherry_kernel.launch "rms_norm_grad"(%x, %w, %dy : memref<3x8xf32>, memref<8xf32>, memref<3x8xf32>) outs(%dx, %dw : memref<3x8xf32>, memref<8xf32>) {rows = 3 : i64, dim = 8 : i64, eps = 1.0e-05 : f64}
  cherry_kernel.launch "scale"(%dw : memref<8xf32>) outs(%dws : memref<8xf32>) {n = 8 : i64, factor = 2.0 : f64}
  cherry_kernel.launch "add"(%acc, %dx : memref<3x8xf32>, memref<3x8xf32>) outs(%out : memref<3x8xf32>) {n = 24 : i64}
  return
}

// -----

// A tied embedding's gradient: the head's dw (a temporary) plus the
// embedding's scatter becomes one embedding_grad_add that scatter-adds into
// the head's dw in place, which then takes the add's output's place (the
// gradient norm reads it).
// CHECK-LABEL: func.func @tied_embedding_grad
// CHECK: cherry_kernel.launch "linear_grad_weight"(%arg1, %arg2 : memref<6x10xf32>, memref<6x4xf32>) outs(%[[DW:.*]] : memref<10x4xf32>)
// CHECK-NOT: "embedding_grad"(
// CHECK-NOT: "add"
// CHECK: cherry_kernel.launch "embedding_grad_add"(%arg0, %arg3, %[[DW]] : memref<6xi32>, memref<6x4xf32>, memref<10x4xf32>) outs(%[[DW]] : memref<10x4xf32>) {dim = 4 : i64, n = 6 : i64, vocab = 10 : i64}
// CHECK: cherry_kernel.launch "grad_sq_norm"(%[[DW]] : memref<10x4xf32>)
func.func @tied_embedding_grad(%ids: memref<6xi32> {cherry_kernel.binding = "ids"}, %dlogits: memref<6x10xf32> {cherry_kernel.binding = "dlogits"},
                               %h: memref<6x4xf32> {cherry_kernel.binding = "h"}, %dx: memref<6x4xf32> {cherry_kernel.binding = "dx"},
                               %norm: memref<f32> {cherry_kernel.binding = "norm", cherry_kernel.output}) {
  %dw = cherry_kernel.buffer : memref<10x4xf32>
  cherry_kernel.launch "linear_grad_weight"(%dlogits, %h : memref<6x10xf32>, memref<6x4xf32>) outs(%dw : memref<10x4xf32>) {m = 6 : i64, n = 10 : i64, k = 4 : i64}
  %de = cherry_kernel.buffer : memref<10x4xf32>
  cherry_kernel.launch "embedding_grad"(%ids, %dx : memref<6xi32>, memref<6x4xf32>) outs(%de : memref<10x4xf32>) {n = 6 : i64, vocab = 10 : i64, dim = 4 : i64}
  %g = cherry_kernel.buffer : memref<10x4xf32>
  cherry_kernel.launch "add"(%dw, %de : memref<10x4xf32>, memref<10x4xf32>) outs(%g : memref<10x4xf32>) {n = 40 : i64}
  cherry_kernel.launch "grad_sq_norm"(%g : memref<10x4xf32>) outs(%norm : memref<f32>) {n = 40 : i64, accumulate = 0 : i64}
  return
}
