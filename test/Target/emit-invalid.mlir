// Modules that verify but cannot become an executable: one line naming the
// op, never the emitter's "internal error" (found by PipelineFuzzer).

// Two parameters under one checkpoint name.
// RUN: cherry-opt %s --cherry-infer="batch=1 seq=4 report=0" -o %t.infer.mlir
// RUN: not cherry-translate --emit-executable %t.infer.mlir -o %t.cherry 2>&1 | FileCheck %s --check-prefix=DUP
// DUP: error: 'cherry.param' op parameter @b has the checkpoint name 'w' of parameter @a
// DUP-NOT: internal error
// RUN: not ls %t.cherry

// A checkpoint name that is the one the optimizer gives a moment.
// RUN: cherry-opt %S/Inputs/moment-key.mlir --cherry-train="batch=1 seq=4 report=0" -o %t.train.mlir
// RUN: not cherry-translate --emit-executable %t.train.mlir -o %t.cherry 2>&1 | FileCheck %s --check-prefix=MOMENT
// MOMENT: error: 'cherry.param' op parameter @optimizer.m.emb has the checkpoint name 'optimizer.m.emb' of parameter @extra

module {
  cherry.param @a : tensor<32x8xf32> init(#cherry.normal<std = 0.02>) checkpoint("w")
  cherry.param @b : tensor<8xf32> init(#cherry.constant<1.0>) checkpoint("w")
  func.func @forward(%ids: tensor<1x4xi32>, %targets: tensor<1x4xi32>) -> tensor<f32> {
    %table = cherry.param_ref @a : tensor<32x8xf32>
    %h = cherry.embedding %ids, %table : tensor<1x4xi32>, tensor<32x8xf32> -> tensor<1x4x8xf32>
    %g = cherry.param_ref @b : tensor<8xf32>
    %n = cherry.rms_norm %h, %g : tensor<1x4x8xf32>, tensor<8xf32>
    %logits = cherry.linear %n, %table : tensor<1x4x8xf32>, tensor<32x8xf32> -> tensor<1x4x32xf32>
    %loss = cherry.cross_entropy %logits, %targets : tensor<1x4x32xf32>, tensor<1x4xi32>
    return %loss : tensor<f32>
  }
}

// Strings that are not UTF-8 (MLIR strings and symbols hold any bytes; an
// Executable's strings are UTF-8): the config, a checkpoint name.
// RUN: cherry-opt %S/Inputs/not-utf8.mlir --split-input-file --cherry-infer="batch=1 seq=4 report=0" -o %t.utf8.mlir
// RUN: not cherry-translate --emit-executable %t.utf8.mlir --split-input-file -o %t.cherry 2>&1 | FileCheck %s --check-prefix=UTF8
// UTF8: error: cherry.hf_config is not valid UTF-8 (byte 3 of 6)
// UTF8: error: the checkpoint name of parameter @a is not valid UTF-8 (byte 1 of 2)
// UTF8-NOT: libprotobuf
// RUN: not ls %t.cherry
