//===- cpu_kernels_bench.cpp - Throughput of the CPU kernels --------------===//
//
// Each kernel on the shapes it runs at in the `tiny` model (batch 8 x seq 128
// = 1024 rows, hidden 256, intermediate 688, 8 heads / 4 kv heads of 32,
// vocab 2048) and in the benchmark configuration (batch 8 x seq 256 = 2048
// rows, hidden 256, vocab 8192, same layer shapes). Counters:
//   flops             FLOP/s of the arithmetic (GEMMs, attention, loss head)
//   bytes_per_second  bytes each kernel must read and write, once
//   items_per_second  rows (tokens) per second; elements for add and swiglu
// The mixture-of-experts kernels run a 2-expert top-1 and an 8-expert top-2
// layer of the benchmark configuration: BM_MoeGroupedLinear against
// BM_Linear of the same rows, n and k (the same FLOPs) is the cost of
// grouping, BM_MoeDispatchCombine all of a routed layer but its GEMMs.
// Wall-clock time throughout: the kernels run on every core (OMP_NUM_THREADS
// to change that; the context line `cherry_threads` says how many).
//
//   cherry-kernel-bench --benchmark_repetitions=5
//       --benchmark_report_aggregates_only=true
//
//===----------------------------------------------------------------------===//

#include "cherry/Runtime/CpuKernels.h"

#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <vector>

using namespace cherry::runtime::cpu;

namespace {

std::vector<float> filled(int64_t n, float scale = 1.0f) {
  std::vector<float> v(n);
  uint32_t s = 12345;
  for (auto &x : v) {
    s = s * 1664525u + 1013904223u;
    x = scale * (static_cast<float>(s >> 8) / 16777216.0f - 0.5f);
  }
  return v;
}

void setFlops(benchmark::State &state, double flopsPerIteration) {
  state.counters["flops"] = benchmark::Counter(
      flopsPerIteration, benchmark::Counter::kIsIterationInvariantRate);
}

void setTraffic(benchmark::State &state, int64_t rows, int64_t bytes) {
  state.SetItemsProcessed(state.iterations() * rows);
  state.SetBytesProcessed(state.iterations() * bytes);
}

// Arguments: m (rows), n (out features), k (in features).
void BM_Linear(benchmark::State &state) {
  const int64_t m = state.range(0), n = state.range(1), k = state.range(2);
  auto x = filled(m * k), w = filled(n * k);
  std::vector<float> y(m * n);
  for (auto _ : state) {
    linear(x.data(), w.data(), y.data(), m, n, k);
    benchmark::DoNotOptimize(y.data());
  }
  setFlops(state, 2.0 * m * n * k);
  setTraffic(state, m, 4 * (m * k + n * k + m * n));
}

// Arguments: n tokens, vocab, dim.
void BM_Embedding(benchmark::State &state) {
  const int64_t n = state.range(0), vocab = state.range(1),
                dim = state.range(2);
  auto table = filled(vocab * dim);
  std::vector<int32_t> ids(n);
  for (int64_t i = 0; i < n; ++i)
    ids[i] = static_cast<int32_t>((i * 7919) % vocab);
  std::vector<float> out(n * dim);
  for (auto _ : state) {
    auto st = embedding(ids.data(), n, table.data(), vocab, dim, out.data());
    benchmark::DoNotOptimize(st);
  }
  setTraffic(state, n, 4 * n + 2 * 4 * n * dim);
}

// Arguments: rows, dim.
void BM_RmsNorm(benchmark::State &state) {
  const int64_t rows = state.range(0), dim = state.range(1);
  auto x = filled(rows * dim), w = filled(dim);
  std::vector<float> y(rows * dim);
  for (auto _ : state) {
    rmsNorm(x.data(), w.data(), y.data(), rows, dim, 1e-5f);
    benchmark::DoNotOptimize(y.data());
  }
  setTraffic(state, rows, 2 * 4 * rows * dim);
}

// Arguments: rows, dim.
void BM_AddRmsNorm(benchmark::State &state) {
  const int64_t rows = state.range(0), dim = state.range(1);
  auto residual = filled(rows * dim), delta = filled(rows * dim, 1e-3f),
       w = filled(dim);
  std::vector<float> y(rows * dim);
  for (auto _ : state) {
    addRmsNorm(residual.data(), delta.data(), w.data(), y.data(), rows, dim,
               1e-5f);
    benchmark::DoNotOptimize(y.data());
  }
  // residual read and written, delta read, y written.
  setTraffic(state, rows, 4 * 4 * rows * dim);
}

// Arguments: batch, seq, heads, headDim.
void BM_Rope(benchmark::State &state) {
  const int64_t batch = state.range(0), seq = state.range(1),
                heads = state.range(2), headDim = state.range(3);
  auto x = filled(batch * seq * heads * headDim);
  for (auto _ : state) {
    rope(x.data(), batch, seq, heads, headDim, 10000.0);
    benchmark::DoNotOptimize(x.data());
  }
  setTraffic(state, batch * seq, 2 * 4 * batch * seq * heads * headDim);
}

// Arguments: batch, seq, heads, kvHeads, headDim, causal.
void BM_Attention(benchmark::State &state) {
  const int64_t batch = state.range(0), seq = state.range(1),
                heads = state.range(2), kvHeads = state.range(3),
                headDim = state.range(4);
  const bool causal = state.range(5) != 0;
  auto q = filled(batch * seq * heads * headDim);
  auto k = filled(batch * seq * kvHeads * headDim);
  auto v = filled(batch * seq * kvHeads * headDim);
  std::vector<float> out(q.size());
  for (auto _ : state) {
    attention(q.data(), k.data(), v.data(), out.data(), batch, seq, seq, seq,
              heads, kvHeads, headDim, 0, causal);
    benchmark::DoNotOptimize(out.data());
  }
  // QK^T and PV, 2 FLOPs per multiply-add, over the (query, key) pairs seen.
  const double pairs = causal ? seq * (seq + 1) / 2.0 : double(seq) * seq;
  setFlops(state, 4.0 * batch * heads * headDim * pairs);
  setTraffic(state, batch * seq,
             4 * batch * seq * headDim * (2 * heads + 2 * kvHeads));
}

// Arguments: n elements.
void BM_Swiglu(benchmark::State &state) {
  const int64_t n = state.range(0);
  auto gate = filled(n, 8.0f), up = filled(n);
  std::vector<float> out(n);
  for (auto _ : state) {
    swiglu(gate.data(), up.data(), out.data(), n);
    benchmark::DoNotOptimize(out.data());
  }
  setTraffic(state, n, 3 * 4 * n);
}

// Arguments: n elements.
void BM_Add(benchmark::State &state) {
  const int64_t n = state.range(0);
  auto a = filled(n), b = filled(n);
  std::vector<float> out(n);
  for (auto _ : state) {
    add(a.data(), b.data(), out.data(), n);
    benchmark::DoNotOptimize(out.data());
  }
  setTraffic(state, n, 3 * 4 * n);
}

// Arguments: rows, vocab, dim.
void BM_HeadCrossEntropy(benchmark::State &state) {
  const int64_t rows = state.range(0), vocab = state.range(1),
                dim = state.range(2);
  auto h = filled(rows * dim), w = filled(vocab * dim, 0.1f);
  std::vector<int32_t> targets(rows);
  for (int64_t r = 0; r < rows; ++r)
    targets[r] = static_cast<int32_t>((r * 7919) % vocab);
  std::vector<float> rowLoss(rows);
  for (auto _ : state) {
    LossSum loss;
    auto st = headCrossEntropy(h.data(), w.data(), targets.data(), rows, vocab,
                               dim, -100, rowLoss.data(), loss);
    benchmark::DoNotOptimize(st);
    benchmark::DoNotOptimize(loss);
  }
  setFlops(state, 2.0 * rows * vocab * dim);
  setTraffic(state, rows, 4 * (rows * dim + vocab * dim + rows));
}

//===----------------------------------------------------------------------===//
// Backward kernels and optimizers
//===----------------------------------------------------------------------===//

// Arguments: m (rows), n (out features), k (in features) of the forward.
void BM_LinearGradInput(benchmark::State &state) {
  const int64_t m = state.range(0), n = state.range(1), k = state.range(2);
  auto dy = filled(m * n), w = filled(n * k);
  std::vector<float> dx(m * k);
  for (auto _ : state) {
    linearGradInput(dy.data(), w.data(), dx.data(), m, n, k, false);
    benchmark::DoNotOptimize(dx.data());
  }
  setFlops(state, 2.0 * m * n * k);
  setTraffic(state, m, 4 * (m * n + n * k + m * k));
}

// Arguments: m (rows), n (out features), k (in features) of the forward.
// Arguments: m tokens, n outputs, k inputs, and the copies of x the
// iterations take in turn: 1 keeps x in cache; 24 (48 MiB and more, past
// the L3) reads it from memory, as a training step's backward does (x was
// written in the forward, the layers' activations ago).
void BM_LinearGradWeight(benchmark::State &state) {
  const int64_t m = state.range(0), n = state.range(1), k = state.range(2),
                copies = state.range(3);
  auto dy = filled(m * n), x = filled(copies * m * k);
  std::vector<float> dw(n * k);
  int64_t next = 0;
  for (auto _ : state) {
    linearGradWeight(dy.data(), x.data() + next * m * k, dw.data(), m, n, k,
                     false);
    next = (next + 1) % copies;
    benchmark::DoNotOptimize(dw.data());
  }
  setFlops(state, 2.0 * m * n * k);
  setTraffic(state, m, 4 * (m * n + m * k + n * k));
}

// Arguments: n tokens, vocab, dim.
void BM_EmbeddingGrad(benchmark::State &state) {
  const int64_t n = state.range(0), vocab = state.range(1),
                dim = state.range(2);
  auto dy = filled(n * dim);
  std::vector<int32_t> ids(n);
  for (int64_t i = 0; i < n; ++i)
    ids[i] = static_cast<int32_t>((i * 7919) % vocab);
  std::vector<float> dtable(vocab * dim);
  for (auto _ : state) {
    auto st = embeddingGrad(ids.data(), dy.data(), dtable.data(), n, vocab, dim,
                            false);
    benchmark::DoNotOptimize(st);
  }
  // ids and dy read, the whole table written.
  setTraffic(state, n, 4 * n + 4 * n * dim + 4 * vocab * dim);
}

// Arguments: rows, dim.
void BM_RmsNormGrad(benchmark::State &state) {
  const int64_t rows = state.range(0), dim = state.range(1);
  auto x = filled(rows * dim), w = filled(dim), dy = filled(rows * dim);
  std::vector<float> dx(rows * dim), dw(dim);
  for (auto _ : state) {
    rmsNormGrad(x.data(), w.data(), dy.data(), dx.data(), dw.data(), rows, dim,
                1e-5f, false, false);
    benchmark::DoNotOptimize(dx.data());
  }
  // x and dy read, dx written.
  setTraffic(state, rows, 3 * 4 * rows * dim);
}

// Arguments: batch, seq, heads, headDim.
void BM_RopeGrad(benchmark::State &state) {
  const int64_t batch = state.range(0), seq = state.range(1),
                heads = state.range(2), headDim = state.range(3);
  auto dy = filled(batch * seq * heads * headDim);
  for (auto _ : state) {
    ropeGrad(dy.data(), batch, seq, heads, headDim, 10000.0);
    benchmark::DoNotOptimize(dy.data());
  }
  setTraffic(state, batch * seq, 2 * 4 * batch * seq * heads * headDim);
}

// Arguments: batch, seq, heads, kvHeads, headDim, causal, lse (1: the
// forward's row log-sum-exp given, as attention_grad_lse has it), and the
// percentage of query rows whose dout is nonzero (every 100/pct-th row,
// about: a selective step's last layer).
void BM_AttentionGrad(benchmark::State &state) {
  const int64_t batch = state.range(0), seq = state.range(1),
                heads = state.range(2), kvHeads = state.range(3),
                headDim = state.range(4);
  const bool causal = state.range(5) != 0, withLse = state.range(6) != 0;
  const int64_t percent = state.range(7);
  auto q = filled(batch * seq * heads * headDim);
  auto k = filled(batch * seq * kvHeads * headDim);
  auto v = filled(batch * seq * kvHeads * headDim);
  auto dout = filled(q.size());
  int64_t kept = 0;
  for (int64_t r = 0; r < batch * seq; ++r) {
    const int64_t t = r % seq;
    if (t * percent / 100 != (t + 1) * percent / 100) {
      ++kept;
      continue;
    }
    std::fill_n(dout.data() + r * heads * headDim, heads * headDim, 0.0f);
  }
  std::vector<float> o(q.size()), dq(q.size()), dk(k.size()), dv(v.size()),
      lse(batch * heads * seq);
  attention(q.data(), k.data(), v.data(), o.data(), batch, seq, seq, seq, heads,
            kvHeads, headDim, 0, causal, lse.data());
  for (auto _ : state) {
    attentionGrad(q.data(), k.data(), v.data(), o.data(), dout.data(),
                  dq.data(), dk.data(), dv.data(), batch, seq, heads, kvHeads,
                  headDim, causal, withLse ? lse.data() : nullptr);
    benchmark::DoNotOptimize(dq.data());
  }
  // The backward proper: dP = dout V^T, dV += P^T dout, dQ += dS K,
  // dK += dS^T Q (the usual 2.5x of the forward's two products, recomputing
  // the scores not counted), over the (query, key) pairs seen.
  // With selected rows, the pairs of the kept rows only.
  double pairs = 0;
  for (int64_t t = 0; t < seq; ++t)
    if (t * percent / 100 != (t + 1) * percent / 100)
      pairs += causal ? t + 1 : seq;
  setFlops(state, 8.0 * batch * heads * headDim * pairs);
  setTraffic(state, kept,
             4 * batch * seq * headDim * (5 * heads + 4 * kvHeads));
}

// Arguments: n elements.
void BM_SwigluGrad(benchmark::State &state) {
  const int64_t n = state.range(0);
  auto gate = filled(n, 8.0f), up = filled(n), dout = filled(n);
  std::vector<float> dgate(n), dup(n);
  for (auto _ : state) {
    swigluGrad(gate.data(), up.data(), dout.data(), dgate.data(), dup.data(),
               n);
    benchmark::DoNotOptimize(dgate.data());
  }
  setTraffic(state, n, 5 * 4 * n);
}

// Arguments: rows, vocab, dim.
void BM_HeadCrossEntropyGrad(benchmark::State &state) {
  const int64_t rows = state.range(0), vocab = state.range(1),
                dim = state.range(2);
  auto h = filled(rows * dim), w = filled(vocab * dim, 0.1f);
  std::vector<int32_t> targets(rows);
  for (int64_t r = 0; r < rows; ++r)
    targets[r] = static_cast<int32_t>((r * 7919) % vocab);
  std::vector<float> dh(rows * dim), dw(vocab * dim);
  for (auto _ : state) {
    auto st = headCrossEntropyGrad(h.data(), w.data(), targets.data(), 1.0f,
                                   dh.data(), dw.data(), rows, vocab, dim, -100,
                                   false);
    benchmark::DoNotOptimize(st);
  }
  // Logits recomputed, dh = G w, dw = G^T h: three GEMMs of the forward's.
  setFlops(state, 3 * 2.0 * rows * vocab * dim);
  setTraffic(state, rows, 4 * (2 * rows * dim + 2 * vocab * dim + rows));
}

// Arguments: rows, vocab, dim. The selective step's head: every fifth row
// weight 0 (padding).
void BM_HeadCrossEntropyWeightedTrain(benchmark::State &state) {
  const int64_t rows = state.range(0), vocab = state.range(1),
                dim = state.range(2);
  auto h = filled(rows * dim), w = filled(vocab * dim, 0.1f);
  std::vector<int32_t> targets(rows);
  std::vector<float> weights(rows);
  for (int64_t r = 0; r < rows; ++r) {
    targets[r] = static_cast<int32_t>((r * 7919) % vocab);
    weights[r] = r % 5 == 4 ? 0.0f : 1.0f / static_cast<float>(rows);
  }
  std::vector<float> dh(rows * dim), dw(vocab * dim);
  float loss = 0;
  for (auto _ : state) {
    auto st = headCrossEntropyWeightedTrain(
        h.data(), w.data(), targets.data(), weights.data(), 1.0f, &loss,
        dh.data(), dw.data(), rows, vocab, dim);
    benchmark::DoNotOptimize(st);
  }
  // Logits once, dh = G w, dw = G^T h.
  setFlops(state, 3 * 2.0 * rows * vocab * dim);
  setTraffic(state, rows, 4 * (2 * rows * dim + 2 * vocab * dim + 2 * rows));
}

// Arguments: n parameters.
void BM_AdamW(benchmark::State &state) {
  const int64_t n = state.range(0);
  auto param = filled(n), grad = filled(n, 1e-2f);
  std::vector<float> m(n), v(n);
  int64_t step = 0;
  for (auto _ : state) {
    adamw(param.data(), grad.data(), m.data(), v.data(), n, 1e-3f, 0.9f, 0.95f,
          1e-8f, 0.1f, ++step);
    benchmark::DoNotOptimize(param.data());
  }
  // param, m, v read and written; grad read.
  setTraffic(state, n, 7 * 4 * n);
}

// The counts of m rows over `experts` experts, as even as can be (the first
// ones one more).
std::vector<int32_t> evenCounts(int64_t m, int64_t experts) {
  std::vector<int32_t> counts(experts);
  for (int64_t e = 0; e < experts; ++e)
    counts[e] = static_cast<int32_t>(m / experts + (e < m % experts ? 1 : 0));
  return counts;
}

// Arguments: m (permuted rows), n, k, experts. Compare with BM_Linear at the
// same m, n, k: the same FLOPs in `experts` GEMMs of m / experts rows.
void BM_MoeGroupedLinear(benchmark::State &state) {
  const int64_t m = state.range(0), n = state.range(1), k = state.range(2),
                experts = state.range(3);
  auto x = filled(m * k), w = filled(experts * n * k);
  auto counts = evenCounts(m, experts);
  std::vector<float> y(m * n);
  for (auto _ : state) {
    auto st = moeGroupedLinear(x.data(), w.data(), counts.data(), m, n, k,
                               experts, y.data());
    benchmark::DoNotOptimize(st);
  }
  setFlops(state, 2.0 * m * n * k);
  setTraffic(state, m, 4 * (m * k + experts * n * k + m * n));
}

// Arguments: tokens, top_k, dim, experts. Router (softmax + top-k), the
// permutation, dispatch (gather) and combine (unpermute): everything of a
// routed layer but its GEMMs.
void BM_MoeDispatchCombine(benchmark::State &state) {
  const int64_t tokens = state.range(0), topK = state.range(1),
                dim = state.range(2), experts = state.range(3);
  const int64_t slots = tokens * topK;
  auto logits = filled(tokens * experts, 4.0f), x = filled(tokens * dim);
  std::vector<float> probs(tokens * experts), gate(slots), xp(slots * dim),
      y(tokens * dim);
  std::vector<int32_t> expert(slots), slotRow(slots), counts(experts);
  for (auto _ : state) {
    moeTopk(logits.data(), tokens, experts, topK, true, probs.data(),
            expert.data(), gate.data());
    auto st = moePermute(expert.data(), tokens, experts, topK, slotRow.data(),
                         counts.data());
    st = moeGatherRows(x.data(), slotRow.data(), tokens, topK, dim, xp.data());
    // Combine the gathered rows themselves (an expert's output is as wide).
    st = moeUnpermute(xp.data(), slotRow.data(), gate.data(), tokens, topK, dim,
                      y.data());
    benchmark::DoNotOptimize(st);
  }
  // x read, xp written, xp read, y written.
  setTraffic(state, tokens, 4 * (2 * tokens * dim + 2 * slots * dim));
}

// tiny: 1024 rows; benchmark config: 2048 rows. Hidden 256, inter 688.
BENCHMARK(BM_Linear)
    ->ArgNames({"m", "n", "k"})
    ->Args({1024, 256, 256})  // q_proj, o_proj
    ->Args({1024, 128, 256})  // k_proj, v_proj
    ->Args({1024, 688, 256})  // gate_proj, up_proj
    ->Args({1024, 256, 688})  // down_proj
    ->Args({1024, 2048, 256}) // lm_head (tiny)
    ->Args({2048, 256, 256})
    ->Args({2048, 688, 256})
    ->Args({2048, 256, 688})
    ->Args({2048, 8192, 256})  // lm_head (benchmark config)
    ->Args({4096, 688, 256})   // the permuted rows of 8 experts top-2
    ->Args({2048, 2048, 2048}) // the sgemm peak (test/bench/train_bench.py)
    ->Args({304, 256, 256})    // an SGT-15% step's last layer: 304 rows
    ->Args({304, 688, 256})
    ->Args({304, 256, 688})
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Embedding)
    ->ArgNames({"n", "vocab", "dim"})
    ->Args({1024, 2048, 256})
    ->Args({2048, 8192, 256})
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_RmsNorm)
    ->ArgNames({"rows", "dim"})
    ->Args({1024, 256})
    ->Args({2048, 256})
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_AddRmsNorm)
    ->ArgNames({"rows", "dim"})
    ->Args({1024, 256})
    ->Args({2048, 256})
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Rope)
    ->ArgNames({"batch", "seq", "heads", "hd"})
    ->Args({8, 128, 8, 32}) // q, tiny
    ->Args({8, 128, 4, 32}) // k, tiny
    ->Args({8, 256, 8, 32}) // q, benchmark config
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Attention)
    ->ArgNames({"batch", "seq", "heads", "kv", "hd", "causal"})
    ->Args({8, 128, 8, 4, 32, 1})
    ->Args({8, 256, 8, 4, 32, 1})
    ->Args({8, 256, 8, 4, 32, 0})
    ->Args({8, 256, 4, 4, 64, 1}) // training benchmark config
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Swiglu)
    ->ArgNames({"n"})
    ->Arg(1024 * 688)
    ->Arg(2048 * 688)
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Add)
    ->ArgNames({"n"})
    ->Arg(1024 * 256)
    ->Arg(2048 * 256)
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_HeadCrossEntropy)
    ->ArgNames({"rows", "vocab", "dim"})
    ->Args({1024, 2048, 256})
    ->Args({2048, 8192, 256})
    ->Args({304, 8192, 256})
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

BENCHMARK(BM_LinearGradInput)
    ->ArgNames({"m", "n", "k"})
    ->Args({1024, 256, 256})
    ->Args({1024, 128, 256})
    ->Args({1024, 688, 256})
    ->Args({1024, 256, 688})
    ->Args({2048, 256, 256})
    ->Args({2048, 688, 256})
    ->Args({2048, 256, 688})
    ->Args({304, 256, 256}) // an SGT-15% step's last layer
    ->Args({304, 688, 256})
    ->Args({304, 256, 688})
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_LinearGradWeight)
    ->ArgNames({"m", "n", "k", "copies"})
    ->Args({1024, 256, 256, 1})
    ->Args({1024, 128, 256, 1})
    ->Args({1024, 688, 256, 1})
    ->Args({1024, 256, 688, 1})
    ->Args({2048, 256, 256, 1})
    ->Args({2048, 688, 256, 1})
    ->Args({2048, 256, 688, 1})
    ->Args({2048, 256, 256, 24})
    ->Args({2048, 688, 256, 24})
    ->Args({2048, 256, 688, 24})
    ->Args({304, 256, 256, 1}) // an SGT-15% step's last layer
    ->Args({304, 688, 256, 1})
    ->Args({304, 256, 688, 1})
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_EmbeddingGrad)
    ->ArgNames({"n", "vocab", "dim"})
    ->Args({1024, 2048, 256})
    ->Args({2048, 8192, 256})
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_RmsNormGrad)
    ->ArgNames({"rows", "dim"})
    ->Args({1024, 256})
    ->Args({2048, 256})
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_RopeGrad)
    ->ArgNames({"batch", "seq", "heads", "hd"})
    ->Args({8, 128, 8, 32})
    ->Args({8, 128, 4, 32})
    ->Args({8, 256, 8, 32})
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_AttentionGrad)
    ->ArgNames({"batch", "seq", "heads", "kv", "hd", "causal", "lse", "pct"})
    ->Args({8, 128, 8, 4, 32, 1, 0, 100})
    ->Args({8, 256, 8, 4, 32, 1, 0, 100})
    ->Args({8, 256, 8, 4, 32, 0, 0, 100})
    ->Args({8, 256, 4, 4, 64, 1, 0, 100}) // training benchmark config
    ->Args({8, 256, 4, 4, 64, 1, 1,
            100})                        // the same, as a training step runs it
    ->Args({8, 256, 4, 4, 64, 1, 1, 15}) // an SGT-15% step's last layer
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_SwigluGrad)
    ->ArgNames({"n"})
    ->Arg(1024 * 688)
    ->Arg(2048 * 688)
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_HeadCrossEntropyGrad)
    ->ArgNames({"rows", "vocab", "dim"})
    ->Args({1024, 2048, 256})
    ->Args({2048, 8192, 256})
    ->Args({304, 8192, 256})
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);
// 304 rows: the benchmark config's 15% selection (8 x 38).
BENCHMARK(BM_HeadCrossEntropyWeightedTrain)
    ->ArgNames({"rows", "vocab", "dim"})
    ->Args({304, 8192, 256})
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);
// The embedding table (tiny, benchmark config) and a gate_proj weight.
BENCHMARK(BM_AdamW)
    ->ArgNames({"n"})
    ->Arg(2048 * 256)
    ->Arg(8192 * 256)
    ->Arg(688 * 256)
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

BENCHMARK(BM_MoeGroupedLinear)
    ->ArgNames({"m", "n", "k", "experts"})
    ->Args({2048, 688, 256, 2}) // gate_proj, 2 experts top-1 (bench config)
    ->Args({2048, 256, 688, 2}) // down_proj
    ->Args({4096, 688, 256, 8}) // 8 experts top-2
    ->Args({4096, 688, 256, 1}) // one expert: the grouping's own overhead
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_MoeDispatchCombine)
    ->ArgNames({"tokens", "top_k", "dim", "experts"})
    ->Args({2048, 1, 256, 2})
    ->Args({2048, 2, 256, 8})
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

} // namespace

int main(int argc, char **argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv))
    return 1;
  benchmark::AddCustomContext("cherry_threads", std::to_string(numThreads()));
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
