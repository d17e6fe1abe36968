// The cost of data parallelism in the cost report: a ring all-reduce of the
// f32 gradients sends 2 (R - 1) / R of their bytes per rank. models/tiny has
// 3426560 trainable elements (13706240 bytes): on 4 ranks each sends
// 1.5 x 13706240 = 20559360 bytes, 2.056 ms at 10 GB/s; with a measured
// compute time of 5 ms a step takes max(5, 2.056) = 5.0 ms overlapped,
// 7.056 ms not (100% and 5 / 7.056 = 71% of it computing).
// RUN: cherry-opt %cherry_src/models/tiny/model.mlir --cherry-report="ranks=4 link-gbps=10 step-ms=5" -o /dev/null | FileCheck %s
// CHECK: data parallel over 4 ranks: 0.021 GB sent per rank per step (ring all-reduce of 0.014 GB of f32 gradients); compute 5.0 ms per step (measured); at 10 GB/s: 2.1 ms of communication, a step of 5.0 ms (overlapped) to 7.1 ms (not), 100% to 71% of the time computing
// RUN: cherry-opt %cherry_src/models/tiny/model.mlir --cherry-report="format=json ranks=4 link-gbps=10 step-ms=5" -o /dev/null | FileCheck %s --check-prefix=JSON
// JSON: "data_parallel": {
// JSON-NEXT: "bytes_sent_per_rank": 20559360,
// JSON-NEXT: "communication_seconds": {{0\.002055936[0-9]*}},
// JSON-NEXT: "compute_seconds": {{0\.00500000000[0-9]*}},
// JSON-NEXT: "gradient_bytes": 13706240,
// JSON-NEXT: "link_gbps": 10,
// JSON-NEXT: "ranks": 4,
// JSON-NEXT: "step_seconds_overlapped": {{0\.00500000000[0-9]*}},
// JSON-NEXT: "step_seconds_serial": {{0\.00705593600[0-9]*}}
// RUN: not cherry-opt %cherry_src/models/tiny/model.mlir --cherry-report="ranks=0" -o /dev/null 2>&1 | FileCheck %s --check-prefix=BAD
// BAD: cherry-cost-report: ranks must be positive and link-gbps, step-ms and tflops non-negative numbers
