// RUN: cherry-opt %s --cherry-plan-memory | FileCheck %s
// RUN: cherry-opt %s --cherry-plan-memory=report -o /dev/null 2>&1 | FileCheck %s --check-prefix=REPORT

// Lifetimes (schedule positions of first and last use) and sizes:
//   %a: 1024 B (256 f32), launches 1-2      %b: 2048 B, launches 2-3
//   %c: 1024 B, launches 3-4                %d: 100 B -> 128 B aligned, launch 4
// Largest first: %b at 0. %a overlaps %b in time -> first gap after [0, 2048)
// is 2048. %c overlaps %b (3) but not %a -> 2048. %d overlaps %c only
// ([2048, 3072)) -> 0, since %b is dead by then. Scratch = 3072 bytes, while
// giving every buffer its own space would take 1024 + 2048 + 1024 + 128.

// CHECK-LABEL: func.func @f
// CHECK-SAME: cherry_kernel.scratch_size = 3072 : i64
// CHECK: %[[A:.*]] = cherry_kernel.buffer offset 2048 : memref<256xf32>
// CHECK: %[[B:.*]] = cherry_kernel.buffer offset 0 : memref<512xf32>
// CHECK: %[[C:.*]] = cherry_kernel.buffer offset 2048 : memref<256xf32>
// CHECK: %[[D:.*]] = cherry_kernel.buffer offset 0 : memref<25xf32>
// REPORT: cherry-plan-memory: @f: 4 temporaries in 3072 bytes of scratch (0.00 MiB; 4224 bytes without reuse, 1.4x more)
module {
  func.func @f(%x: memref<256xf32> {cherry_kernel.binding = "x"},
               %y: memref<25xf32> {cherry_kernel.binding = "y", cherry_kernel.output}) {
    %a = cherry_kernel.buffer : memref<256xf32>
    %b = cherry_kernel.buffer : memref<512xf32>
    %c = cherry_kernel.buffer : memref<256xf32>
    %d = cherry_kernel.buffer : memref<25xf32>
    cherry_kernel.launch "add"(%x, %x : memref<256xf32>, memref<256xf32>) outs(%a : memref<256xf32>) {n = 256 : i64}
    cherry_kernel.launch "linear"(%a, %x : memref<256xf32>, memref<256xf32>) outs(%b : memref<512xf32>) {m = 2 : i64, n = 256 : i64, k = 128 : i64}
    cherry_kernel.launch "linear"(%b, %x : memref<512xf32>, memref<256xf32>) outs(%c : memref<256xf32>) {m = 2 : i64, n = 128 : i64, k = 256 : i64}
    cherry_kernel.launch "linear"(%c, %x : memref<256xf32>, memref<256xf32>) outs(%d : memref<25xf32>) {m = 1 : i64, n = 25 : i64, k = 256 : i64}
    cherry_kernel.launch "add"(%d, %d : memref<25xf32>, memref<25xf32>) outs(%y : memref<25xf32>) {n = 25 : i64}
    return
  }
}
