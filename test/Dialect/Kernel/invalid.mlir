// RUN: cherry-opt %s --split-input-file --verify-diagnostics

func.func @unknown(%a: memref<4xf32>) {
  // expected-error @+1 {{'cherry_kernel.launch' op unknown kernel 'gelu' (not in runtime/abi/Kernels.abi)}}
  cherry_kernel.launch "gelu"(%a : memref<4xf32>) outs(%a : memref<4xf32>) {n = 4 : i64}
  return
}

// -----

func.func @operands(%a: memref<4xf32>) {
  // expected-error @+1 {{kernel 'add' takes 2 inputs and 1 outputs, found 1 and 1}}
  cherry_kernel.launch "add"(%a : memref<4xf32>) outs(%a : memref<4xf32>) {n = 4 : i64}
  return
}

// -----

func.func @missing_attr(%a: memref<4xf32>) {
  // expected-error @+1 {{kernel 'rms_norm' needs float attribute 'eps'}}
  cherry_kernel.launch "rms_norm"(%a, %a : memref<4xf32>, memref<4xf32>) outs(%a : memref<4xf32>) {rows = 1 : i64, dim = 4 : i64}
  return
}

// -----

func.func @wrong_type(%a: memref<4xf32>) {
  // expected-error @+1 {{kernel 'add' needs integer attribute 'n'}}
  cherry_kernel.launch "add"(%a, %a : memref<4xf32>, memref<4xf32>) outs(%a : memref<4xf32>) {n = 4.0 : f64}
  return
}

// -----

func.func @extra_attr(%a: memref<4xf32>) {
  // expected-error @+1 {{kernel 'add' has no attribute 'alpha' (expected: n)}}
  cherry_kernel.launch "add"(%a, %a : memref<4xf32>, memref<4xf32>) outs(%a : memref<4xf32>) {n = 4 : i64, alpha = 1 : i64}
  return
}

// -----

func.func @misaligned() {
  // expected-error @+1 {{'cherry_kernel.buffer' op offset 100 is not a multiple of 64 bytes}}
  %b = cherry_kernel.buffer offset 100 : memref<4xf32>
  return
}

// -----

func.func @too_large() {
  // expected-error @+1 {{'cherry_kernel.buffer' op of type 'memref<4611686018427387904x256xf32>' holds more than 2^48 bytes (a dimension or the batch is too large)}}
  %b = cherry_kernel.buffer : memref<4611686018427387904x256xf32>
  return
}

// -----

cherry.param @w : tensor<4xf32> init(#cherry.constant<1.0>)
func.func @param_mismatch() {
  // expected-error @+1 {{'cherry_kernel.param' op buffer 'memref<5xf32>' does not match parameter @w of type 'tensor<4xf32>'}}
  %w = cherry_kernel.param @w : memref<5xf32>
  return
}

// -----

// A kernel over a list of tensors: its counts follow its `count`.
func.func @list_count(%h: memref<8xf32>, %s: memref<f32>, %g: memref<4xf32>, %p: memref<4xf32>) {
  // expected-error @+1 {{'cherry_kernel.launch' op kernel 'sgd_multi' takes 4 inputs and 2 outputs, found 3 and 1}}
  cherry_kernel.launch "sgd_multi"(%h, %s, %g : memref<8xf32>, memref<f32>, memref<4xf32>) outs(%p : memref<4xf32>) {count = 2 : i64, decayed = 0 : i64}
  return
}

// -----

func.func @list_no_count(%h: memref<8xf32>, %s: memref<f32>, %g: memref<4xf32>, %p: memref<4xf32>) {
  // expected-error @+1 {{'cherry_kernel.launch' op kernel 'sgd_multi' needs a positive integer attribute 'count'}}
  cherry_kernel.launch "sgd_multi"(%h, %s, %g : memref<8xf32>, memref<f32>, memref<4xf32>) outs(%p : memref<4xf32>) {decayed = 0 : i64}
  return
}

// -----

func.func @loop_trips(%a: memref<4xf32>) {
  // expected-error @+1 {{'cherry_kernel.loop' op has trip count 0, expected at least 1}}
  cherry_kernel.loop 0 {
    cherry_kernel.launch "add"(%a, %a : memref<4xf32>, memref<4xf32>) outs(%a : memref<4xf32>) {n = 4 : i64}
  }
  return
}

// -----

func.func @loop_slot_count(%a: memref<4xf32>) {
  // expected-error @+1 {{'cherry_kernel.loop' op has 3 slot operands, expected trips * block arguments = 2 * 1}}
  cherry_kernel.loop 2 slots(%a, %a, %a : memref<4xf32>, memref<4xf32>, memref<4xf32>) {
  ^bb0(%x: memref<4xf32>):
    cherry_kernel.launch "add"(%x, %x : memref<4xf32>, memref<4xf32>) outs(%a : memref<4xf32>) {n = 4 : i64}
  }
  return
}

// -----

func.func @loop_slot_type(%a: memref<4xf32>, %b: memref<8xf32>) {
  // expected-error @+1 {{'cherry_kernel.loop' op slot operand 1 of type 'memref<8xf32>' does not match body argument 0 of type 'memref<4xf32>'}}
  cherry_kernel.loop 2 slots(%a, %b : memref<4xf32>, memref<8xf32>) {
  ^bb0(%x: memref<4xf32>):
    cherry_kernel.launch "add"(%x, %x : memref<4xf32>, memref<4xf32>) outs(%a : memref<4xf32>) {n = 4 : i64}
  }
  return
}

// -----

func.func @loop_body(%a: memref<4xf32>) {
  cherry_kernel.loop 1 {
    // expected-error @+1 {{'cherry_kernel.buffer' op cannot be in the body of a cherry_kernel.loop (only launches are)}}
    %t = cherry_kernel.buffer : memref<4xf32>
    cherry_kernel.launch "add"(%a, %a : memref<4xf32>, memref<4xf32>) outs(%t : memref<4xf32>) {n = 4 : i64}
  }
  return
}

// -----

func.func @loop_calls(%a: memref<4xf32>) {
  // expected-error @+1 {{'cherry_kernel.loop' op runs 16777217 trips of 1 launches, more than the limit of 16777216}}
  cherry_kernel.loop 16777217 {
    cherry_kernel.launch "add"(%a, %a : memref<4xf32>, memref<4xf32>) outs(%a : memref<4xf32>) {n = 4 : i64}
  }
  return
}

// -----

// An all_reduce_wait finishes the tensors of the all_reduce_start before it.
func.func @wait_without_start(%g: memref<4xf32>) {
  // expected-error @+1 {{kernel 'all_reduce_wait' has no all_reduce_start of its buffers before it}}
  cherry_kernel.launch "all_reduce_wait"(%g : memref<4xf32>) outs(%g : memref<4xf32>) {count = 1 : i64}
  return
}

// -----

func.func @wait_after_other(%s: memref<f32>, %g: memref<4xf32>) {
  cherry_kernel.launch "scale"(%g : memref<4xf32>) outs(%g : memref<4xf32>) {n = 4 : i64, factor = 2.0 : f64}
  // expected-error @+1 {{kernel 'all_reduce_wait' has no all_reduce_start of its buffers before it (the last op to touch them is 'scale')}}
  cherry_kernel.launch "all_reduce_wait"(%g : memref<4xf32>) outs(%g : memref<4xf32>) {count = 1 : i64}
  return
}

// -----

func.func @start_without_wait(%s: memref<f32>, %g: memref<4xf32>) {
  // expected-error @+1 {{kernel 'all_reduce_start' has no all_reduce_wait of its outputs after it}}
  cherry_kernel.launch "all_reduce_start"(%s, %g : memref<f32>, memref<4xf32>) outs(%g : memref<4xf32>) {count = 1 : i64, mean = 1 : i64, ranks = 2 : i64}
  return
}

// -----

// Nothing touches a tensor in flight.
func.func @touched_in_flight(%s: memref<f32>, %g: memref<4xf32>, %h: memref<4xf32>) {
  // expected-error @+1 {{kernel 'all_reduce_start': its outputs are touched by 'add' before an all_reduce_wait of them}}
  cherry_kernel.launch "all_reduce_start"(%s, %g : memref<f32>, memref<4xf32>) outs(%g : memref<4xf32>) {count = 1 : i64, mean = 1 : i64, ranks = 2 : i64}
  cherry_kernel.launch "add"(%g, %h : memref<4xf32>, memref<4xf32>) outs(%h : memref<4xf32>) {n = 4 : i64}
  cherry_kernel.launch "all_reduce_wait"(%g : memref<4xf32>) outs(%g : memref<4xf32>) {count = 1 : i64}
  return
}

// -----

// A wait finishes one start, once.
func.func @wait_twice(%s: memref<f32>, %g: memref<4xf32>, %h: memref<8xf32>) {
  cherry_kernel.launch "all_reduce_start"(%s, %g, %h : memref<f32>, memref<4xf32>, memref<8xf32>) outs(%g, %h : memref<4xf32>, memref<8xf32>) {count = 2 : i64, mean = 1 : i64, ranks = 2 : i64}
  cherry_kernel.launch "all_reduce_wait"(%g, %h : memref<4xf32>, memref<8xf32>) outs(%g, %h : memref<4xf32>, memref<8xf32>) {count = 2 : i64}
  // expected-error @+1 {{kernel 'all_reduce_wait' has no all_reduce_start of its buffers before it (the last op to touch them is 'all_reduce_wait')}}
  cherry_kernel.launch "all_reduce_wait"(%g : memref<4xf32>) outs(%g : memref<4xf32>) {count = 1 : i64}
  return
}

// -----

func.func @wait_not_in_place(%s: memref<f32>, %g: memref<4xf32>, %h: memref<4xf32>) {
  cherry_kernel.launch "all_reduce_start"(%s, %g : memref<f32>, memref<4xf32>) outs(%g : memref<4xf32>) {count = 1 : i64, mean = 1 : i64, ranks = 2 : i64}
  // expected-error @+1 {{kernel 'all_reduce_wait' must have its inputs as its outputs (a wait finishes its start's buffers in place)}}
  cherry_kernel.launch "all_reduce_wait"(%g : memref<4xf32>) outs(%h : memref<4xf32>) {count = 1 : i64}
  return
}
