//===- CudaKernelsTest.cpp - Every CUDA kernel against the CPU kernel -----===//
//
// Each kernel the CUDA device implements runs on the CPU device and on the
// CUDA device with the same random inputs, at odd sizes (no multiple of a
// warp, a vector width or a block), and the outputs are compared:
//   - fp32 GEMM mode: ||cuda - cpu|| / ||cpu|| <= 1e-5 per output (the two
//     sum in different orders; both are float32 arithmetic);
//   - integer outputs, data movement (embedding, gathers, the cache append)
//     and the optimizer updates (the CUDA kernels do the CPU's operations in
//     the CPU's order, without contraction): bit-identical;
//   - bf16 GEMM mode (inputs rounded to bf16, fp32 accumulation): element by
//     element |cuda - cpu| <= (2 u + k 2^-24) sum_i |a_i| |b_i| + 1e-30 with
//     u = 2^-8, bf16's unit roundoff. Each product of two rounded inputs is
//     off by at most 2u + u^2 relative; the fp32 sum of k terms adds at most
//     k 2^-24 of sum |terms| (a first-order bound, for the CPU's sum as well
//     as the GPU's: the 2^-24 term covers both sums' rounding).
// Outputs that overwrite start as NaN on both devices, so an element a
// kernel does not write fails the comparison. Kernels the CUDA device lacks
// are refused with one line (UnsupportedKernels).
//
// Without a CUDA device the binary prints "skipped: no CUDA device" and
// exits 77 (ctest's SKIP_RETURN_CODE).
//
//===----------------------------------------------------------------------===//

#include "cherry/Runtime/Communicator.h"
#include "cherry/Runtime/Device.h"
#include "cherry/Runtime/KernelAbi.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

using namespace cherry::runtime;
using cherry::abi::KernelId;

namespace {

/// Values in [lo, hi) (xorshift).
std::vector<float> randomFloats(int64_t n, uint64_t seed, float lo = -1.0f,
                                float hi = 1.0f) {
  uint64_t s = seed * 0x9E3779B97F4A7C15ull + 1;
  std::vector<float> v(n);
  for (float &x : v) {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    x = static_cast<float>(
        lo + (hi - lo) * (static_cast<double>(s >> 11) / 9007199254740992.0));
  }
  return v;
}

std::vector<int32_t> randomInts(int64_t n, uint64_t seed, int32_t lo,
                                int32_t hi) { // [lo, hi)
  std::vector<float> u = randomFloats(n, seed, 0.0f, 1.0f);
  std::vector<int32_t> v(n);
  for (int64_t i = 0; i < n; ++i)
    v[i] = lo + std::min<int32_t>(hi - lo - 1,
                                  static_cast<int32_t>(u[i] * (hi - lo)));
  return v;
}

/// One operand's bytes (f32 or i32 elements).
struct Tensor {
  std::vector<std::byte> bytes;
  static Tensor of(const std::vector<float> &v) {
    Tensor t;
    t.bytes.resize(v.size() * 4);
    std::memcpy(t.bytes.data(), v.data(), t.bytes.size());
    return t;
  }
  static Tensor of(const std::vector<int32_t> &v) {
    Tensor t;
    t.bytes.resize(v.size() * 4);
    std::memcpy(t.bytes.data(), v.data(), t.bytes.size());
    return t;
  }
  static Tensor nan(int64_t n) {
    return of(std::vector<float>(n, std::numeric_limits<float>::quiet_NaN()));
  }
  std::vector<float> floats() const {
    std::vector<float> v(bytes.size() / 4);
    std::memcpy(v.data(), bytes.data(), bytes.size());
    return v;
  }
  std::vector<int32_t> ints() const {
    std::vector<int32_t> v(bytes.size() / 4);
    std::memcpy(v.data(), bytes.data(), bytes.size());
    return v;
  }
};

struct Case {
  KernelId kernel;
  std::vector<int64_t> ints;
  std::vector<double> floats;
  std::vector<Tensor> in;
  /// Initial outputs; a missing one is NaN-filled (outputs from an input
  /// start as a copy of it).
  std::vector<Tensor> out;
  /// Sizes of list outputs (list kernels), else from the ABI.
};

/// Elements of operand `op` from the ABI's factors.
int64_t elementsOf(const cherry::abi::OperandSpec &op,
                   const std::vector<int64_t> &ints) {
  int64_t n = 1;
  for (const cherry::abi::Factor &f : op.factors)
    n *= f.attr >= 0 ? ints[f.attr] : f.literal;
  return n;
}

/// Runs `c` on `device`: outputs (or the error) come back. `inPlace`: an
/// output that updates an input is that input's slice (as the loader may
/// place it), else its own slice starting as a copy.
Status runOn(Device &device, const Case &c, std::vector<Tensor> &outs,
             bool inPlace = false) {
  const cherry::abi::KernelSpec &spec = cherry::abi::kernelSpec(c.kernel);
  std::vector<Tensor> init;
  if (spec.isList()) {
    init = c.out; // list kernels: every output given
  } else {
    for (int o = 0; o < spec.outputs.size; ++o) {
      if (o < static_cast<int>(c.out.size()) && !c.out[o].bytes.empty())
        init.push_back(c.out[o]);
      else if (spec.outputs[o].source >= 0)
        init.push_back(c.in[spec.outputs[o].source]);
      else
        init.push_back(Tensor::nan(elementsOf(spec.outputs[o], c.ints)));
    }
  }
  uint64_t total = 0;
  std::vector<uint64_t> inAt, outAt;
  for (const Tensor &t : c.in) {
    inAt.push_back(total);
    total += (t.bytes.size() + 255) / 256 * 256 + 256;
  }
  for (const Tensor &t : init) {
    outAt.push_back(total);
    total += (t.bytes.size() + 255) / 256 * 256 + 256;
  }
  DeviceMemory mem;
  if (Status s = device.allocate(total, mem); !s.ok())
    return s;
  KernelCall call;
  call.kernel = c.kernel;
  call.ints = c.ints;
  call.floats = c.floats;
  Status s;
  for (size_t i = 0; i < c.in.size() && s.ok(); ++i) {
    s = device.copyToDevice(mem, inAt[i], c.in[i].bytes.data(),
                            c.in[i].bytes.size());
    call.in.push_back(mem.address + inAt[i]);
    call.inBytes.push_back(c.in[i].bytes.size());
  }
  for (size_t o = 0; o < init.size() && s.ok(); ++o) {
    const int source = spec.isList() ? -1 : spec.outputs[o].source;
    if (inPlace && source >= 0)
      outAt[o] = inAt[source];
    else
      s = device.copyToDevice(mem, outAt[o], init[o].bytes.data(),
                              init[o].bytes.size());
    call.out.push_back(mem.address + outAt[o]);
    call.outBytes.push_back(init[o].bytes.size());
  }
  if (s.ok())
    s = device.supports(c.kernel);
  if (s.ok())
    s = device.launch(call);
  Status synced = device.synchronize();
  if (s.ok())
    s = synced;
  outs = init;
  for (size_t o = 0; o < init.size() && s.ok(); ++o)
    s = device.copyToHost(outs[o].bytes.data(), mem, outAt[o],
                          outs[o].bytes.size());
  device.release(mem);
  return s;
}

std::unique_ptr<Device> cudaDevice(const char *mode = "fp32") {
  setenv("CHERRY_CUDA_MATMUL", mode, 1);
  std::unique_ptr<Device> d;
  Status s = createCudaDevice(0, d);
  unsetenv("CHERRY_CUDA_MATMUL");
  EXPECT_TRUE(s.ok()) << s.message;
  return d;
}

/// A run of one rank over host memory, for the CPU device's collectives
/// without MPI: the sum over one rank is the tensor itself, an all-to-all
/// sends the one block to itself.
class HostSelfCommunicator final : public Communicator {
public:
  const char *name() const override { return "host-self"; }
  int rank() const override { return 0; }
  int size() const override { return 1; }
  Status allReduceSum(const std::vector<Tensor> &) override {
    return Status::success();
  }
  Status allGatherShards(const std::vector<Tensor> &) override {
    return Status::success();
  }
  Status allToAll(const int32_t *send, int32_t *receive,
                  size_t perRank) override {
    std::memmove(receive, send, perRank * sizeof(int32_t));
    return Status::success();
  }
  Status allToAllv(const float *send, const std::vector<uint64_t> &sendCounts,
                   const std::vector<uint64_t> &sendOffsets, float *receive,
                   const std::vector<uint64_t> &receiveCounts,
                   const std::vector<uint64_t> &receiveOffsets) override {
    if (sendCounts[0] != receiveCounts[0])
      return Status::error("host-self: sends " + std::to_string(sendCounts[0]) +
                           ", receives " + std::to_string(receiveCounts[0]));
    std::memmove(receive + receiveOffsets[0], send + sendOffsets[0],
                 sendCounts[0] * sizeof(float));
    return Status::success();
  }
  Status allReduceHostSum(double *, size_t) override {
    return Status::success();
  }
  Status gatherHost(const void *send, size_t bytes, void *receive,
                    int) override {
    std::memmove(receive, send, bytes);
    return Status::success();
  }
  Status broadcastHost(void *, size_t, int) override {
    return Status::success();
  }
  [[noreturn]] void abort(int code) override { std::_Exit(code); }
};

/// A CUDA device with a one-rank NCCL communicator (createSelfCommunicator).
std::unique_ptr<Device> cudaDeviceOfOneRank() {
  std::unique_ptr<Device> gpu = cudaDevice();
  if (!gpu)
    return gpu;
  std::unique_ptr<Communicator> comm;
  Status made = createSelfCommunicator(*gpu, comm);
  EXPECT_TRUE(made.ok()) << made.message;
  if (!made.ok())
    return nullptr;
  gpu->setCommunicator(std::move(comm));
  return gpu;
}

enum class Compare { Relative, Exact };

/// Runs `c` on the CPU and CUDA devices given and compares every output.
void expectSameOn(Device &cpu, Device &gpu, const Case &c, Compare how,
                  double tol) {
  const char *name = cherry::abi::kernelName(c.kernel);
  std::vector<Tensor> want, got;
  Status sc = runOn(cpu, c, want);
  ASSERT_TRUE(sc.ok()) << name << " on the CPU: " << sc.message;
  Status sg = runOn(gpu, c, got);
  ASSERT_TRUE(sg.ok()) << name << " on CUDA: " << sg.message;
  const cherry::abi::KernelSpec &spec = cherry::abi::kernelSpec(c.kernel);
  // Deterministic: a second run gives the same bits; and an output updated
  // in place in its input's slice equals the one in its own slice.
  for (bool inPlace : {false, true}) {
    std::vector<Tensor> again;
    Status s2 = runOn(gpu, c, again, inPlace);
    ASSERT_TRUE(s2.ok()) << name << " on CUDA: " << s2.message;
    for (size_t o = 0; o < got.size(); ++o)
      EXPECT_EQ(0, std::memcmp(got[o].bytes.data(), again[o].bytes.data(),
                               got[o].bytes.size()))
          << name << " output " << o
          << (inPlace ? ": in place differs from its own slice"
                      : ": differs run to run");
  }
  for (size_t o = 0; o < want.size(); ++o) {
    const int specIndex =
        spec.isList() ? 0
                      : static_cast<int>(std::min<size_t>(
                            o, static_cast<size_t>(spec.outputs.size - 1)));
    const bool isInt =
        spec.outputs[specIndex].elem == cherry::abi::ElemType::I32;
    const std::string what = std::string(name) + " output " +
                             std::to_string(o) + " (" +
                             spec.outputs[specIndex].name + ")";
    if (isInt || how == Compare::Exact) {
      EXPECT_EQ(0, std::memcmp(want[o].bytes.data(), got[o].bytes.data(),
                               want[o].bytes.size()))
          << what << " differs bitwise";
      if (!isInt) {
        std::vector<float> w = want[o].floats(), g = got[o].floats();
        int shown = 0;
        for (size_t i = 0; i < w.size() && shown < 3; ++i)
          if (std::memcmp(&w[i], &g[i], 4) != 0 && ++shown)
            ADD_FAILURE() << what << " element " << i << ": cpu " << w[i]
                          << ", cuda " << g[i];
      }
      continue;
    }
    std::vector<float> w = want[o].floats(), g = got[o].floats();
    double diff = 0, norm = 0;
    bool finite = true;
    for (size_t i = 0; i < w.size(); ++i) {
      finite = finite && std::isfinite(g[i]) == std::isfinite(w[i]);
      diff += (double(g[i]) - w[i]) * (double(g[i]) - w[i]);
      norm += double(w[i]) * w[i];
    }
    EXPECT_TRUE(finite) << what << ": a non-finite element (unwritten?)";
    const double rel = norm > 0 ? std::sqrt(diff / norm) : std::sqrt(diff);
    EXPECT_LE(rel, tol) << what << ": relative error " << rel;
  }
}

/// Runs `c` on both devices (new ones) and compares every output.
void expectSame(const Case &c, Compare how = Compare::Relative,
                double tol = 1e-5) {
  std::unique_ptr<Device> cpu = createCpuDevice(), gpu = cudaDevice();
  ASSERT_TRUE(gpu);
  expectSameOn(*cpu, *gpu, c, how, tol);
}

Case linearCase(KernelId id, int64_t m, int64_t n, int64_t k, uint64_t seed) {
  Case c{id, {m, n, k}, {}, {}, {}};
  switch (id) {
  case KernelId::linear: // x[m, k], w[n, k]
    c.in = {Tensor::of(randomFloats(m * k, seed)),
            Tensor::of(randomFloats(n * k, seed + 1))};
    break;
  case KernelId::linear_grad_input: // dy[m, n], w[n, k]
    c.in = {Tensor::of(randomFloats(m * n, seed)),
            Tensor::of(randomFloats(n * k, seed + 1))};
    break;
  case KernelId::linear_grad_input_add: // dy[m, n], w[n, k], acc[m, k]
    c.in = {Tensor::of(randomFloats(m * n, seed)),
            Tensor::of(randomFloats(n * k, seed + 1)),
            Tensor::of(randomFloats(m * k, seed + 2))};
    break;
  default: // linear_grad_weight: dy[m, n], x[m, k]
    c.in = {Tensor::of(randomFloats(m * n, seed)),
            Tensor::of(randomFloats(m * k, seed + 1))};
  }
  return c;
}

TEST(CudaKernels, Linear) {
  for (KernelId id :
       {KernelId::linear, KernelId::linear_grad_input,
        KernelId::linear_grad_input_add, KernelId::linear_grad_weight})
    for (auto [m, n, k] : {std::tuple<int64_t, int64_t, int64_t>{33, 47, 129},
                           {1, 5, 3},
                           {257, 130, 65}})
      expectSame(linearCase(id, m, n, k, 7 + m));
}

/// bf16 mode against the CPU's fp32 GEMM, with the bound derived in the
/// file comment, element by element.
TEST(CudaKernels, LinearBf16Bound) {
  const double u = std::ldexp(1.0, -8);
  for (KernelId id : {KernelId::linear, KernelId::linear_grad_input,
                      KernelId::linear_grad_weight}) {
    const int64_t m = 65, n = 33, k = 300;
    Case c = linearCase(id, m, n, k, 99);
    std::unique_ptr<Device> cpu = createCpuDevice(), gpu = cudaDevice("bf16");
    ASSERT_TRUE(gpu);
    std::vector<Tensor> want, got;
    ASSERT_TRUE(runOn(*cpu, c, want).ok());
    Status s = runOn(*gpu, c, got);
    ASSERT_TRUE(s.ok()) << s.message;
    const std::vector<float> a = c.in[0].floats(), b = c.in[1].floats();
    const std::vector<float> w = want[0].floats(), g = got[0].floats();
    // sum_i |a_i| |b_i| for each output element, in each kernel's layout.
    int64_t rows = m, cols = n, inner = k;
    if (id == KernelId::linear_grad_input)
      rows = m, cols = k, inner = n;
    if (id == KernelId::linear_grad_weight)
      rows = n, cols = k, inner = m;
    int bad = 0;
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t col = 0; col < cols; ++col) {
        double mag = 0;
        for (int64_t i = 0; i < inner; ++i) {
          double x, y;
          if (id == KernelId::linear)
            x = a[r * k + i], y = b[col * k + i];
          else if (id == KernelId::linear_grad_input)
            x = a[r * n + i], y = b[i * k + col];
          else
            x = a[i * n + r], y = b[i * k + col];
          mag += std::abs(x * y);
        }
        const double bound =
            (2 * u + u * u + inner * std::ldexp(1.0, -24)) * mag + 1e-30;
        const double err =
            std::abs(double(g[r * cols + col]) - w[r * cols + col]);
        if (!(err <= bound) && bad++ < 5)
          ADD_FAILURE() << cherry::abi::kernelName(id) << " [" << r << ", "
                        << col << "]: |cuda - cpu| = " << err << " > bound "
                        << bound;
      }
  }
}

TEST(CudaKernels, Elementwise) {
  const int64_t n = 1001;
  Tensor a = Tensor::of(randomFloats(n, 1, -4, 4)),
         b = Tensor::of(randomFloats(n, 2)), d = Tensor::of(randomFloats(n, 3));
  expectSame({KernelId::add, {n}, {}, {a, b}, {}}, Compare::Exact);
  expectSame({KernelId::scale, {n}, {0.37}, {a}, {}}, Compare::Exact);
  expectSame({KernelId::swiglu, {n}, {}, {a, b}, {}});
  expectSame({KernelId::swiglu_grad, {n}, {}, {a, b, d}, {}});
}

TEST(CudaKernels, Embedding) {
  for (auto [n, vocab, dim] :
       {std::tuple<int64_t, int64_t, int64_t>{37, 53, 19},
        {301, 37, 45},
        {1, 1, 1}}) {
    Tensor ids = Tensor::of(randomInts(n, n, 0, vocab));
    expectSame({KernelId::embedding,
                {n, vocab, dim},
                {},
                {ids, Tensor::of(randomFloats(vocab * dim, 5))},
                {}},
               Compare::Exact);
    // Sums of repeated ids in ascending position: the CPU's order.
    expectSame({KernelId::embedding_grad,
                {n, vocab, dim},
                {},
                {ids, Tensor::of(randomFloats(n * dim, 6))},
                {}},
               Compare::Exact);
    // Added to a sum so far (a tied head's dw): each run's sum, added once.
    expectSame({KernelId::embedding_grad_add,
                {n, vocab, dim},
                {},
                {ids, Tensor::of(randomFloats(n * dim, 6)),
                 Tensor::of(randomFloats(vocab * dim, 7))},
                {}},
               Compare::Exact);
  }
}

TEST(CudaKernels, BadIdFailsWithOneLine) {
  std::unique_ptr<Device> gpu = cudaDevice();
  ASSERT_TRUE(gpu);
  std::vector<int32_t> ids = {0, 3, 9, 1};
  Case c{KernelId::embedding,
         {4, 5, 2},
         {},
         {Tensor::of(ids), Tensor::of(randomFloats(10, 1))},
         {}};
  std::vector<Tensor> out;
  Status s = runOn(*gpu, c, out);
  EXPECT_EQ(s.message,
            "embedding: id 9 at position 2 is outside the vocabulary [0, 5)");
  // The device goes on working after a data error.
  ids[2] = 4;
  c.in[0] = Tensor::of(ids);
  EXPECT_TRUE(runOn(*gpu, c, out).ok());
}

TEST(CudaKernels, Norms) {
  for (auto [rows, dim] :
       {std::pair<int64_t, int64_t>{7, 301}, {131, 97}, {1, 2048}, {3, 5}}) {
    Tensor x = Tensor::of(randomFloats(rows * dim, 11, -2, 2)),
           delta = Tensor::of(randomFloats(rows * dim, 12)),
           w = Tensor::of(randomFloats(dim, 13, 0.5, 1.5)),
           dy = Tensor::of(randomFloats(rows * dim, 14));
    expectSame({KernelId::rms_norm, {rows, dim}, {1e-5}, {x, w}, {}});
    expectSame(
        {KernelId::add_rms_norm, {rows, dim}, {1e-5}, {x, delta, w}, {}});
    expectSame({KernelId::rms_norm_grad, {rows, dim}, {1e-5}, {x, w, dy}, {}});
    expectSame({KernelId::rms_norm_grad_add,
                {rows, dim},
                {1e-5},
                {x, w, dy, delta},
                {}});
  }
}

TEST(CudaKernels, Rope) {
  const int64_t batch = 2, seq = 9, heads = 3, hd = 10;
  Tensor x = Tensor::of(randomFloats(batch * seq * heads * hd, 21));
  expectSame({KernelId::rope, {batch, seq, heads, hd, 5}, {10000.0}, {x}, {}});
  expectSame(
      {KernelId::rope_grad, {batch, seq, heads, hd, 700}, {500000.0}, {x}, {}});
  expectSame({KernelId::rope_at,
              {batch, seq, heads, hd},
              {10000.0},
              {x, Tensor::of(std::vector<int32_t>{3})},
              {}});
}

TEST(CudaKernels, Attention) {
  struct Shape {
    int64_t batch, qLen, kvLen, stride, heads, kvHeads, hd, offset, causal;
  };
  for (Shape s : {Shape{2, 7, 11, 13, 4, 2, 24, 4, 1},
                  Shape{2, 7, 11, 13, 4, 2, 24, 0, 0},
                  Shape{1, 70, 70, 70, 3, 1, 80, 0, 1},
                  Shape{3, 1, 40, 41, 2, 2, 33, 39, 1},
                  Shape{1, 33, 33, 33, 2, 2, 256, 0, 1}}) {
    Tensor q = Tensor::of(
        randomFloats(s.batch * s.qLen * s.heads * s.hd, s.hd, -2, 2));
    Tensor k = Tensor::of(
        randomFloats(s.batch * s.stride * s.kvHeads * s.hd, s.hd + 1, -2, 2));
    Tensor v = Tensor::of(
        randomFloats(s.batch * s.stride * s.kvHeads * s.hd, s.hd + 2));
    expectSame({KernelId::attention,
                {s.batch, s.qLen, s.kvLen, s.stride, s.heads, s.kvHeads, s.hd,
                 s.offset, s.causal},
                {},
                {q, k, v},
                {}});
  }
}

TEST(CudaKernels, AttentionAtCache) {
  const int64_t batch = 2, seq = 3, capacity = 10, heads = 4, kvHeads = 2,
                hd = 16;
  expectSame({KernelId::attention_at,
              {batch, seq, capacity, heads, kvHeads, hd},
              {},
              {Tensor::of(randomFloats(batch * seq * heads * hd, 31)),
               Tensor::of(randomFloats(batch * capacity * kvHeads * hd, 32)),
               Tensor::of(randomFloats(batch * capacity * kvHeads * hd, 33)),
               Tensor::of(std::vector<int32_t>{5})},
              {}});
  const int64_t width = 10;
  expectSame({KernelId::kv_append,
              {batch, seq, capacity, width},
              {},
              {Tensor::of(randomFloats(batch * seq * width, 34)),
               Tensor::of(std::vector<int32_t>{4})},
              {Tensor::of(randomFloats(batch * capacity * width, 35))}},
             Compare::Exact);
}

TEST(CudaKernels, AttentionGrad) {
  struct Shape {
    int64_t batch, seq, heads, kvHeads, hd, causal;
  };
  for (Shape s : {Shape{2, 37, 4, 2, 24, 1}, Shape{2, 37, 4, 2, 24, 0},
                  Shape{1, 65, 2, 1, 64, 1}, Shape{1, 5, 3, 3, 130, 1}}) {
    const int64_t qn = s.batch * s.seq * s.heads * s.hd,
                  kn = s.batch * s.seq * s.kvHeads * s.hd;
    Tensor q = Tensor::of(randomFloats(qn, 41, -2, 2)),
           k = Tensor::of(randomFloats(kn, 42, -2, 2)),
           v = Tensor::of(randomFloats(kn, 43));
    // o: the forward's output (on the CPU), as the training step has it.
    Case fwd{
        KernelId::attention,
        {s.batch, s.seq, s.seq, s.seq, s.heads, s.kvHeads, s.hd, 0, s.causal},
        {},
        {q, k, v},
        {}};
    std::vector<Tensor> o;
    std::unique_ptr<Device> cpu = createCpuDevice();
    ASSERT_TRUE(runOn(*cpu, fwd, o).ok());
    Tensor dout = Tensor::of(randomFloats(qn, 44));
    expectSame({KernelId::attention_grad,
                {s.batch, s.seq, s.heads, s.kvHeads, s.hd, s.causal},
                {},
                {q, k, v, o[0], dout},
                {}});
    // The training step's fused pair: the forward's o and lse, then the
    // gradient reading the (CPU's) lse.
    const Case lseForward{KernelId::attention_lse,
                          {s.batch, s.seq, s.heads, s.kvHeads, s.hd, s.causal},
                          {},
                          {q, k, v},
                          {}};
    expectSame(lseForward);
    std::vector<Tensor> withLse;
    ASSERT_TRUE(runOn(*cpu, lseForward, withLse).ok());
    expectSame({KernelId::attention_grad_lse,
                {s.batch, s.seq, s.heads, s.kvHeads, s.hd, s.causal},
                {},
                {q, k, v, withLse[0], withLse[1], dout},
                {}});
  }
}

TEST(CudaKernels, GatheredQueryRows) {
  // cherry-sgt-sparsify's last layer: rope and attention of the selected
  // rows at their positions (ascending, and one batch's out of order, as a
  // mask selection's unused slots are), and their gradients.
  struct Shape {
    int64_t batch, rows, seq, heads, kvHeads, hd, causal;
  };
  for (Shape s : {Shape{2, 5, 37, 4, 2, 24, 1}, Shape{2, 5, 37, 4, 2, 24, 0},
                  Shape{3, 38, 70, 2, 1, 64, 1}}) {
    std::vector<int32_t> pos;
    for (int64_t b = 0; b < s.batch; ++b)
      for (int64_t i = 0; i < s.rows; ++i)
        pos.push_back(static_cast<int32_t>((i * s.seq) / s.rows + b % 2));
    std::reverse(pos.begin(), pos.begin() + s.rows);
    Tensor positions = Tensor::of(pos);
    const int64_t qn = s.batch * s.rows * s.heads * s.hd,
                  kn = s.batch * s.seq * s.kvHeads * s.hd;
    Tensor q = Tensor::of(randomFloats(qn, 45, -2, 2)),
           k = Tensor::of(randomFloats(kn, 46, -2, 2)),
           v = Tensor::of(randomFloats(kn, 47));
    expectSame({KernelId::rope_rows,
                {s.batch, s.rows, s.heads, s.hd},
                {10000.0},
                {q, positions},
                {}});
    expectSame({KernelId::rope_grad_rows,
                {s.batch, s.rows, s.heads, s.hd},
                {500000.0},
                {q, positions},
                {}});
    const Case forward{
        KernelId::attention_rows,
        {s.batch, s.rows, s.seq, s.heads, s.kvHeads, s.hd, s.causal},
        {},
        {q, k, v, positions},
        {}};
    expectSame(forward);
    std::vector<Tensor> out;
    std::unique_ptr<Device> cpu = createCpuDevice();
    ASSERT_TRUE(runOn(*cpu, forward, out).ok());
    expectSame(
        {KernelId::attention_grad_rows,
         {s.batch, s.rows, s.seq, s.heads, s.kvHeads, s.hd, s.causal},
         {},
         {q, k, v, positions, out[0], out[1], Tensor::of(randomFloats(qn, 48))},
         {}});
  }
}

/// Targets with some rows ignored (-100).
std::vector<int32_t> targetsWithIgnored(int64_t rows, int64_t vocab,
                                        uint64_t seed) {
  std::vector<int32_t> t = randomInts(rows, seed, 0, vocab);
  for (int64_t r = 0; r < rows; r += 7)
    t[r] = -100;
  return t;
}

TEST(CudaKernels, HeadCrossEntropy) {
  for (auto [rows, vocab, dim] :
       {std::tuple<int64_t, int64_t, int64_t>{45, 301, 33},
        {5, 9000, 16},
        {1, 2, 1}}) {
    Tensor h = Tensor::of(randomFloats(rows * dim, 51, -2, 2)),
           w = Tensor::of(randomFloats(vocab * dim, 52, -2, 2)),
           t = Tensor::of(targetsWithIgnored(rows, vocab, 53));
    std::vector<float> weights = randomFloats(rows, 54, 0, 1);
    std::vector<int32_t> wt = randomInts(rows, 55, 0, vocab);
    for (int64_t r = 0; r < rows; r += 3) {
      weights[r] = 0.0f;
      wt[r] = -5; // not read: weight 0
    }
    Tensor wts = Tensor::of(weights), wtargets = Tensor::of(wt);
    const std::vector<int64_t> ints = {rows, vocab, dim, -100};
    expectSame({KernelId::head_cross_entropy, ints, {}, {h, w, t}, {}});
    expectSame({KernelId::head_cross_entropy_rows, ints, {}, {h, w, t}, {}});
    expectSame({KernelId::head_cross_entropy_grad, ints, {0.7}, {h, w, t}, {}});
    expectSame(
        {KernelId::head_cross_entropy_train, ints, {0.7}, {h, w, t}, {}});
    expectSame({KernelId::head_cross_entropy_weighted,
                {rows, vocab, dim},
                {},
                {h, w, wtargets, wts},
                {}});
    expectSame({KernelId::head_cross_entropy_weighted_grad,
                {rows, vocab, dim},
                {1.3},
                {h, w, wtargets, wts},
                {}});
    expectSame({KernelId::head_cross_entropy_weighted_train,
                {rows, vocab, dim},
                {1.3},
                {h, w, wtargets, wts},
                {}});
  }
}

TEST(CudaKernels, BadTargetFailsWithOneLine) {
  std::unique_ptr<Device> gpu = cudaDevice();
  ASSERT_TRUE(gpu);
  std::vector<Tensor> out;
  Status s =
      runOn(*gpu,
            {KernelId::head_cross_entropy,
             {3, 4, 2, -1},
             {},
             {Tensor::of(randomFloats(6, 1)), Tensor::of(randomFloats(8, 2)),
              Tensor::of(std::vector<int32_t>{1, 7, -1})},
             {}},
            out);
  EXPECT_EQ(s.message, "head_cross_entropy: row 1 has target 7, outside the "
                       "vocabulary [0, 4) and not the ignore index -1");
}

std::vector<float> hyper(float step, float maxNorm) {
  return {1e-3f, 0.9f, 0.95f, 1e-8f, 0.1f, step, maxNorm, 0.0f};
}

TEST(CudaKernels, Optimizer) {
  const int64_t n = 100003;
  Tensor g = Tensor::of(randomFloats(n, 61));
  expectSame({KernelId::grad_sq_norm, {n, 0}, {}, {g}, {}});
  expectSame({KernelId::grad_sq_norm,
              {n, 1},
              {},
              {g},
              {Tensor::of(std::vector<float>{2.5f})}});
  const int64_t m = 1003;
  Tensor grad = Tensor::of(randomFloats(m, 62)),
         param = Tensor::of(randomFloats(m, 63)),
         mom = Tensor::of(randomFloats(m, 64, -0.1f, 0.1f)),
         var = Tensor::of(randomFloats(m, 65, 0.0f, 0.01f)),
         sq = Tensor::of(std::vector<float>{4.0f});
  for (float clip : {0.0f, 1.0f})
    for (int64_t decay : {0, 1}) {
      Tensor hy = Tensor::of(hyper(3, clip));
      expectSame(
          {KernelId::adamw, {m, decay}, {}, {grad, hy, sq}, {param, mom, var}},
          Compare::Exact);
      expectSame({KernelId::sgd, {m, decay}, {}, {grad, hy, sq}, {param}},
                 Compare::Exact);
    }
  // Several tensors, one launch: the first `decayed` get weight decay.
  std::vector<int64_t> sizes = {5000, 17, 4096};
  Case adam{KernelId::adamw_multi, {3, 2}, {}, {}, {}};
  Case sgd{KernelId::sgd_multi, {3, 2}, {}, {}, {}};
  for (Case *c : {&adam, &sgd})
    c->in = {Tensor::of(hyper(7, 1.0f)), sq};
  for (size_t t = 0; t < sizes.size(); ++t) {
    Tensor gt = Tensor::of(randomFloats(sizes[t], 70 + t));
    adam.in.push_back(gt);
    sgd.in.push_back(gt);
    Tensor p = Tensor::of(randomFloats(sizes[t], 80 + t));
    adam.out.push_back(p);
    adam.out.push_back(Tensor::of(randomFloats(sizes[t], 90 + t, -0.1f, 0.1f)));
    adam.out.push_back(Tensor::of(randomFloats(sizes[t], 95 + t, 0.0f, 0.01f)));
    sgd.out.push_back(p);
  }
  expectSame(adam, Compare::Exact);
  expectSame(sgd, Compare::Exact);
}

TEST(CudaKernels, BadStepFailsWithOneLine) {
  std::unique_ptr<Device> gpu = cudaDevice();
  ASSERT_TRUE(gpu);
  std::vector<Tensor> out;
  const int64_t m = 10;
  Status s = runOn(*gpu,
                   {KernelId::sgd,
                    {m, 0},
                    {},
                    {Tensor::of(randomFloats(m, 1)), Tensor::of(hyper(0.5, 0)),
                     Tensor::of(std::vector<float>{1.0f})},
                    {Tensor::of(randomFloats(m, 2))}},
                   out);
  EXPECT_EQ(s.message, "optimizer step 0.500000 is not a positive integer");
}

TEST(CudaKernels, SelectiveTraining) {
  const int64_t batch = 3, seq = 17, k = 6, width = 11;
  std::vector<int32_t> pos = randomInts(batch * k, 101, 0, seq);
  pos[1] = pos[0]; // a repeated position: its rows are summed
  Tensor positions = Tensor::of(pos);
  expectSame({KernelId::gather_rows,
              {batch, seq, k, width},
              {},
              {Tensor::of(randomFloats(batch * seq * width, 102)), positions},
              {}},
             Compare::Exact);
  Tensor ids = Tensor::of(randomInts(batch * seq, 103, 0, 1000));
  expectSame({KernelId::gather_ids, {batch, seq, k}, {}, {ids, positions}, {}},
             Compare::Exact);
  expectSame({KernelId::shift_targets, {batch, seq, 2, -100}, {}, {ids}, {}},
             Compare::Exact);
  expectSame({KernelId::gather_rows_grad,
              {batch, seq, k, width},
              {},
              {Tensor::of(randomFloats(batch * k * width, 104)), positions},
              {}},
             Compare::Exact);
  expectSame({KernelId::sgt_select_uniform, {batch, seq, k}, {}, {ids}, {}},
             Compare::Exact);
  // The other selections: the CPU's algorithms row by row (CudaSgtRows.h,
  // checked on the host by cherry-cuda-sgt-rows), so the same bits.
  const int64_t vocab = 40;
  Tensor targets = Tensor::of(randomInts(batch * seq, 105, 0, vocab));
  std::vector<float> scoreValues = randomFloats(vocab, 106, 0, 8);
  scoreValues[2] = scoreValues[3]; // a tie
  Tensor scores = Tensor::of(scoreValues);
  for (float step : {1.0f, 12.0f}) {
    Tensor hy = Tensor::of(hyper(step, 0));
    expectSame({KernelId::sgt_select_score,
                {batch, seq, k, vocab},
                {},
                {targets, scores},
                {}},
               Compare::Exact);
    expectSame({KernelId::sgt_select_random,
                {batch, seq, k, 7},
                {},
                {targets, hy},
                {}},
               Compare::Exact);
    expectSame({KernelId::sgt_select_surprisal,
                {batch, seq, k, vocab, 7},
                {},
                {targets, scores, hy},
                {}},
               Compare::Exact);
    expectSame({KernelId::sgt_select_loss,
                {batch, seq, k},
                {},
                {Tensor::of(randomFloats(batch * seq, 107, 0, 5))},
                {}},
               Compare::Exact);
    std::vector<int32_t> mask = randomInts(batch * seq, 108, 0, 2);
    for (int64_t t = 0; t < seq; ++t)
      mask[t] = 1; // a row with more marked positions than k
    expectSame({KernelId::sgt_select_mask,
                {batch, seq, k, 7},
                {},
                {Tensor::of(mask), hy},
                {}},
               Compare::Exact);
  }
}

/// A random permutation of 0 .. n - 1 (Fisher-Yates on xorshift values).
std::vector<int32_t> permutation(int64_t n, uint64_t seed) {
  std::vector<int32_t> p(n);
  for (int64_t i = 0; i < n; ++i)
    p[i] = static_cast<int32_t>(i);
  std::vector<float> u = randomFloats(n, seed, 0.0f, 1.0f);
  for (int64_t i = n - 1; i > 0; --i)
    std::swap(p[i],
              p[std::min<int64_t>(i, static_cast<int64_t>(u[i] * (i + 1)))]);
  return p;
}

TEST(CudaKernels, MixtureOfExperts) {
  const int64_t tokens = 37, experts = 5, topK = 2, dim = 19, n = 23;
  const int64_t slots = tokens * topK;
  Tensor logits = Tensor::of(randomFloats(tokens * experts, 111, -3, 3));
  for (int64_t renorm : {0, 1}) {
    const Case topk{
        KernelId::moe_topk, {tokens, experts, topK, renorm}, {}, {logits}, {}};
    expectSame(topk);
    std::vector<Tensor> routed; // probs, expert, gate from the CPU
    std::unique_ptr<Device> cpu = createCpuDevice();
    ASSERT_TRUE(runOn(*cpu, topk, routed).ok());
    expectSame({KernelId::moe_topk_grad,
                {tokens, experts, topK, renorm},
                {},
                {routed[0], routed[1], routed[2],
                 Tensor::of(randomFloats(slots, 112))},
                {}});
  }
  Tensor expert = Tensor::of(randomInts(slots, 113, 0, experts));
  expectSame({KernelId::moe_permute, {tokens, experts, topK}, {}, {expert}, {}},
             Compare::Exact);
  Tensor slotRow = Tensor::of(permutation(slots, 114));
  Tensor gate = Tensor::of(randomFloats(slots, 115, 0, 1));
  expectSame({KernelId::moe_gather_rows,
              {tokens, topK, dim},
              {},
              {Tensor::of(randomFloats(tokens * dim, 116)), slotRow},
              {}},
             Compare::Exact);
  expectSame({KernelId::moe_gather_rows_grad,
              {tokens, topK, dim},
              {},
              {Tensor::of(randomFloats(slots * dim, 117)), slotRow},
              {}});
  Tensor yp = Tensor::of(randomFloats(slots * dim, 118));
  expectSame({KernelId::moe_unpermute,
              {tokens, topK, dim},
              {},
              {yp, slotRow, gate},
              {}});
  expectSame({KernelId::moe_unpermute_grad,
              {tokens, topK, dim},
              {},
              {Tensor::of(randomFloats(tokens * dim, 119)), yp, slotRow, gate},
              {}});
  // Counts summing to the rows, one expert empty.
  const int64_t m = slots;
  std::vector<int32_t> counts = {20, 0, 31, 9, 14};
  Tensor c = Tensor::of(counts);
  Tensor w = Tensor::of(randomFloats(experts * n * dim, 120));
  expectSame({KernelId::moe_grouped_linear,
              {m, n, dim, experts},
              {},
              {Tensor::of(randomFloats(m * dim, 121)), w, c},
              {}});
  expectSame({KernelId::moe_grouped_linear_grad_input,
              {m, n, dim, experts},
              {},
              {Tensor::of(randomFloats(m * n, 122)), w, c},
              {}});
  expectSame({KernelId::moe_grouped_linear_grad_weight,
              {m, n, dim, experts},
              {},
              {Tensor::of(randomFloats(m * n, 123)),
               Tensor::of(randomFloats(m * dim, 124)), c},
              {}});
  // Counts summing to fewer rows (an expert-parallel receive buffer): the
  // rows past them zero, as on the CPU.
  Tensor fewer = Tensor::of(std::vector<int32_t>{12, 0, 20, 9, 14});
  expectSame({KernelId::moe_grouped_linear,
              {m, n, dim, experts},
              {},
              {Tensor::of(randomFloats(m * dim, 126)), w, fewer},
              {}});
  expectSame({KernelId::moe_grouped_linear_grad_input,
              {m, n, dim, experts},
              {},
              {Tensor::of(randomFloats(m * n, 127)), w, fewer},
              {}});
  expectSame({KernelId::moe_grouped_linear_grad_weight,
              {m, n, dim, experts},
              {},
              {Tensor::of(randomFloats(m * n, 128)),
               Tensor::of(randomFloats(m * dim, 129)), fewer},
              {}});
  Tensor probs = Tensor::of(randomFloats(tokens * experts, 125, 0, 1));
  expectSame({KernelId::moe_balance_loss,
              {tokens, experts, topK},
              {0.01},
              {probs, c},
              {}});
  expectSame({KernelId::moe_balance_loss_grad,
              {tokens, experts, topK},
              {0.01},
              {probs, c},
              {}});
  // The balance loss over ranks: statistics, and the loss and gradient
  // from statistics (summed over two ranks: every count doubled).
  expectSame({KernelId::moe_balance_stats,
              {tokens, experts, topK},
              {},
              {probs, c},
              {}});
  std::vector<float> summed = randomFloats(2 * experts, 130, 0, 8);
  for (int64_t e = 0; e < experts; ++e)
    summed[e] = static_cast<float>(2 * counts[e]);
  Tensor stats = Tensor::of(summed);
  expectSame(
      {KernelId::moe_balance_loss_stats, {experts, topK}, {0.01}, {stats}, {}});
  expectSame({KernelId::moe_balance_loss_stats_grad,
              {tokens, experts},
              {0.01},
              {probs, stats},
              {}});
  expectSame({KernelId::moe_z_loss, {tokens, experts}, {0.001}, {logits}, {}});
  expectSame(
      {KernelId::moe_z_loss_grad, {tokens, experts}, {0.001}, {logits}, {}});
}

TEST(CudaKernels, BadRoutingFailsWithOneLine) {
  std::unique_ptr<Device> gpu = cudaDevice();
  ASSERT_TRUE(gpu);
  std::vector<Tensor> out;
  Status s = runOn(*gpu,
                   {KernelId::moe_permute,
                    {2, 3, 2},
                    {},
                    {Tensor::of(std::vector<int32_t>{0, 2, 3, 1})},
                    {}},
                   out);
  EXPECT_EQ(s.message, "moe_permute: expert 3 at slot 2 is outside [0, 3)");
  s = runOn(*gpu,
            {KernelId::moe_grouped_linear,
             {4, 2, 2, 2},
             {},
             {Tensor::of(randomFloats(8, 1)), Tensor::of(randomFloats(8, 2)),
              Tensor::of(std::vector<int32_t>{3, 2})},
             {}},
            out);
  EXPECT_EQ(s.message,
            "moe_grouped_linear: the expert counts sum to 5, more than the 4 "
            "rows");
}

/// The collectives through NCCL at world size 1 (a communicator of one
/// rank, no MPI: createSelfCommunicator), on the device's stream: the sum
/// over one rank is the tensor itself, the mean scales it by the share
/// (one float multiply), rank_share is hyper[7] / hyper[7] = 1, all_gather
/// of one shard is the tensor, and adamw_shard of the one shard is the
/// whole adamw update, bit for bit the CPU's.
TEST(CudaKernels, NcclWorldSizeOne) {
  std::unique_ptr<Device> gpu = cudaDevice();
  ASSERT_TRUE(gpu);
  {
    std::vector<Tensor> out;
    Status s = runOn(*gpu,
                     {KernelId::rank_share,
                      {1},
                      {},
                      {Tensor::of(std::vector<float>(8, 1.0f))},
                      {}},
                     out);
    EXPECT_EQ(s.message, "rank_share: the executable reduces across 1 ranks, "
                         "but this run has one (start it with mpirun -np 1)");
  }
  std::unique_ptr<Communicator> comm;
  Status made = createSelfCommunicator(*gpu, comm);
  ASSERT_TRUE(made.ok()) << made.message;
  EXPECT_STREQ(comm->name(), "nccl");
  EXPECT_EQ(comm->size(), 1);
  gpu->setCommunicator(std::move(comm));

  std::vector<float> hy = hyper(3, 1.0f);
  hy[7] = 37.0f;
  std::vector<Tensor> out;
  Status s =
      runOn(*gpu, {KernelId::rank_share, {1}, {}, {Tensor::of(hy)}, {}}, out);
  ASSERT_TRUE(s.ok()) << s.message;
  EXPECT_EQ(out[0].floats(), std::vector<float>{1.0f});

  const std::vector<int64_t> sizes = {1000, 3, 4097};
  for (int64_t mean : {0, 1})
    for (KernelId kernel : {KernelId::all_reduce, KernelId::all_reduce_start}) {
      Case c{kernel,
             {1, 3, mean},
             {},
             {Tensor::of(std::vector<float>{0.25f})},
             {}};
      std::vector<std::vector<float>> want;
      for (size_t t = 0; t < sizes.size(); ++t) {
        std::vector<float> x = randomFloats(sizes[t], 300 + t);
        c.in.push_back(Tensor::of(x));
        c.out.push_back(Tensor::nan(sizes[t]));
        if (mean)
          for (float &v : x)
            v *= 0.25f;
        want.push_back(x);
      }
      for (bool inPlace : {false, true}) {
        s = runOn(*gpu, c, out, inPlace);
        ASSERT_TRUE(s.ok()) << s.message;
        for (size_t t = 0; t < sizes.size(); ++t)
          EXPECT_EQ(out[t].floats(), want[t])
              << cherry::abi::kernelName(kernel) << " mean " << mean
              << " tensor " << t;
      }
    }
  Case gather{KernelId::all_gather, {1, 3}, {}, {}, {}};
  for (size_t t = 0; t < sizes.size(); ++t) {
    gather.in.push_back(Tensor::of(randomFloats(sizes[t], 400 + t)));
    gather.out.push_back(Tensor::nan(sizes[t]));
  }
  s = runOn(*gpu, gather, out);
  ASSERT_TRUE(s.ok()) << s.message;
  for (size_t t = 0; t < sizes.size(); ++t)
    EXPECT_EQ(out[t].floats(), gather.in[t].floats()) << "all_gather " << t;

  const int64_t n = 1003;
  Tensor grad = Tensor::of(randomFloats(n, 62)),
         param = Tensor::of(randomFloats(n, 63)),
         mom = Tensor::of(randomFloats(n, 64, -0.1f, 0.1f)),
         var = Tensor::of(randomFloats(n, 65, 0.0f, 0.01f)),
         sq = Tensor::of(std::vector<float>{4.0f});
  for (int64_t decay : {0, 1}) {
    Tensor h = Tensor::of(hyper(3, 1.0f));
    std::unique_ptr<Device> cpu = createCpuDevice();
    std::vector<Tensor> want, got;
    s = runOn(
        *cpu,
        {KernelId::adamw, {n, decay}, {}, {grad, h, sq}, {param, mom, var}},
        want);
    ASSERT_TRUE(s.ok()) << s.message;
    s = runOn(*gpu,
              {KernelId::adamw_shard,
               {n, n, 1, decay},
               {},
               {grad, h, sq},
               {param, mom, var}},
              got);
    ASSERT_TRUE(s.ok()) << s.message;
    for (size_t o = 0; o < want.size(); ++o)
      EXPECT_EQ(0, std::memcmp(want[o].bytes.data(), got[o].bytes.data(),
                               want[o].bytes.size()))
          << "adamw_shard output " << o << " (decay " << decay
          << ") differs from the CPU's adamw";
  }
}

/// Runs `c` on the CPU and CUDA devices given: both fail with `line`.
void expectFailureOn(Device &cpu, Device &gpu, const Case &c,
                     const std::string &line) {
  std::vector<Tensor> out;
  EXPECT_EQ(runOn(cpu, c, out).message, line) << "on the CPU";
  EXPECT_EQ(runOn(gpu, c, out).message, line) << "on CUDA";
}

/// Expert parallelism's kernels (CudaExchange.cu) at world size 1, bit for
/// bit the CPU's (HostSelfCommunicator on the CPU, NCCL's one-rank
/// communicator on the GPU), at odd sizes with an empty expert and a
/// receive buffer larger than the rows: the shares (1 for the one rank, 0
/// when no rank has tokens); the counts exchange (received and local counts
/// are this rank's counts); dispatch (the permuted rows, then zero rows);
/// combine (the first `rows` received rows back); the rows scaled by their
/// source rank's share, also for 3 source ranks with empty segments (it reads
/// the counts only, no communicator). Each output is also checked against
/// that independent expectation. Bad weights and counts fail with the CPU's
/// line on both devices.
TEST(CudaKernels, ExpertParallelExchange) {
  std::unique_ptr<Device> cpu = createCpuDevice(), gpu = cudaDeviceOfOneRank();
  ASSERT_TRUE(gpu);
  cpu->setCommunicator(std::make_unique<HostSelfCommunicator>());
  auto same = [&](const Case &c) {
    expectSameOn(*cpu, *gpu, c, Compare::Exact, 0);
  };
  std::vector<Tensor> out;
  for (float weight : {37.0f, 0.0f}) {
    std::vector<float> hy = hyper(3, 1.0f);
    hy[7] = weight;
    const Case shares{KernelId::rank_shares, {1}, {}, {Tensor::of(hy)}, {}};
    same(shares);
    ASSERT_TRUE(runOn(*gpu, shares, out).ok());
    EXPECT_EQ(out[0].floats(), std::vector<float>{weight > 0 ? 1.0f : 0.0f});
  }
  struct Shape {
    int64_t tokens, experts, topK, dim, extra;
  };
  for (const Shape &sh : {Shape{37, 5, 2, 19, 3}, Shape{1, 1, 1, 1, 0},
                          Shape{70, 7, 3, 130, 11}}) {
    const int64_t rows = sh.tokens * sh.topK, capacity = rows + sh.extra;
    const int64_t e = sh.experts, d = sh.dim;
    // Each slot's expert at random, expert 1 (if any) left empty.
    std::vector<int32_t> counts(e, 0);
    for (int32_t x : randomInts(rows, 900 + d, 0, static_cast<int32_t>(e)))
      ++counts[x == 1 ? 0 : x];
    const Tensor countsT = Tensor::of(counts);

    const Case exchangeCounts{
        KernelId::moe_exchange_counts, {e, 1, e}, {}, {countsT}, {}};
    same(exchangeCounts);
    ASSERT_TRUE(runOn(*gpu, exchangeCounts, out).ok());
    EXPECT_EQ(out[0].ints(), counts);
    EXPECT_EQ(out[1].ints(), counts);

    const std::vector<float> xp = randomFloats(rows * d, 910 + d);
    const Case dispatch{KernelId::moe_exchange_dispatch,
                        {rows, d, e, 1, e, capacity},
                        {},
                        {Tensor::of(xp), countsT, countsT},
                        {}};
    same(dispatch);
    ASSERT_TRUE(runOn(*gpu, dispatch, out).ok());
    std::vector<float> xr = xp;
    xr.resize(capacity * d, 0.0f);
    EXPECT_EQ(out[0].floats(), xr);

    const std::vector<float> yr = randomFloats(capacity * d, 920 + d);
    const Case combine{KernelId::moe_exchange_combine,
                       {rows, d, e, 1, e, capacity},
                       {},
                       {Tensor::of(yr), countsT, countsT},
                       {}};
    same(combine);
    ASSERT_TRUE(runOn(*gpu, combine, out).ok());
    EXPECT_EQ(out[0].floats(),
              std::vector<float>(yr.begin(), yr.begin() + rows * d));

    const std::vector<float> x = randomFloats(capacity * d, 930 + d);
    const Case scale{
        KernelId::moe_scale_source_rows,
        {capacity, d, 1, e},
        {},
        {Tensor::of(x), countsT, Tensor::of(std::vector<float>{0.37f})},
        {}};
    same(scale);
    ASSERT_TRUE(runOn(*gpu, scale, out).ok());
    std::vector<float> y(capacity * d, 0.0f);
    for (int64_t i = 0; i < rows * d; ++i)
      y[i] = 0.37f * x[i];
    EXPECT_EQ(out[0].floats(), y);
  }
  {
    // 3 source ranks, 2 local experts: received[p, l], rows grouped by l,
    // then p; rank 1 sends expert 0 nothing, and 4 rows of tail.
    const int64_t ranks = 3, local = 2, d = 33;
    const std::vector<int32_t> received = {5, 2, 0, 7, 3, 1};
    const int64_t capacity = 18 + 4;
    const std::vector<float> x = randomFloats(capacity * d, 940),
                             shares = {0.5f, 0.125f, 0.375f};
    const Case scale{KernelId::moe_scale_source_rows,
                     {capacity, d, ranks, local},
                     {},
                     {Tensor::of(x), Tensor::of(received), Tensor::of(shares)},
                     {}};
    same(scale);
    ASSERT_TRUE(runOn(*gpu, scale, out).ok());
    std::vector<float> y(capacity * d, 0.0f);
    int64_t row = 0;
    for (int64_t l = 0; l < local; ++l)
      for (int64_t p = 0; p < ranks; ++p)
        for (int32_t i = 0; i < received[p * local + l]; ++i, ++row)
          for (int64_t j = 0; j < d; ++j)
            y[row * d + j] = shares[p] * x[row * d + j];
    EXPECT_EQ(out[0].floats(), y);
  }
  std::vector<float> hy = hyper(3, 1.0f);
  hy[7] = -1.0f;
  expectFailureOn(*cpu, *gpu,
                  {KernelId::rank_shares, {1}, {}, {Tensor::of(hy)}, {}},
                  "rank_shares: hyper[7] (the rank's supervised tokens) is "
                  "-1.000000, not a finite non-negative count");
  expectFailureOn(*cpu, *gpu,
                  {KernelId::moe_exchange_counts,
                   {3, 1, 3},
                   {},
                   {Tensor::of(std::vector<int32_t>{2, -1, 3})},
                   {}},
                  "moe_exchange_counts: expert 1 has a negative count -1");
  const Tensor bad = Tensor::of(std::vector<int32_t>{2, 3});
  expectFailureOn(*cpu, *gpu,
                  {KernelId::moe_exchange_dispatch,
                   {6, 2, 2, 1, 2, 6},
                   {},
                   {Tensor::of(randomFloats(12, 950)), bad, bad},
                   {}},
                  "moe_exchange_dispatch: the expert counts sum to 5, expected "
                  "6 rows");
  expectFailureOn(*cpu, *gpu,
                  {KernelId::moe_scale_source_rows,
                   {6, 2, 1, 2},
                   {},
                   {Tensor::of(randomFloats(12, 951)),
                    Tensor::of(std::vector<int32_t>{4, 3}),
                    Tensor::of(std::vector<float>{1.0f})},
                   {}},
                  "moe_scale_source_rows: the rows rank 0 sent local expert 1 "
                  "(3) do not fit the capacity of 6");
}

/// A function's launches on `device`, as Program::run issues them:
/// beginFunction, the launches unless replayed, endFunction when recording
/// (launched again plainly when it says so), then a synchronize.
Status runFunction(Device &device, int function,
                   const std::vector<KernelCall> &calls,
                   Device::Recording &mode) {
  if (Status s = device.beginFunction(function, "f", mode); !s.ok())
    return s;
  auto launchAll = [&] {
    for (const KernelCall &c : calls)
      if (Status s = device.launch(c); !s.ok())
        return s;
    return Status::success();
  };
  if (mode != Device::Recording::Replayed) {
    Status launched = launchAll();
    if (mode == Device::Recording::Record) {
      bool rerun = false;
      launched = device.endFunction(function, launched, rerun);
      if (rerun)
        launched = launchAll();
    }
    if (!launched.ok())
      return launched;
  }
  return device.synchronize();
}

/// CUDA graphs: a function of a GEMM (its plan made at the first call), an
/// add and an AdamW update (a chunk table made at the first call, the
/// step's scalars from `hyper` read on the device) runs plainly at its first
/// call, is recorded at its second and replayed after; with new inputs written
/// between calls (as the trainer writes a batch and `hyper`), every call's
/// outputs are bit-identical to a device launching every kernel. A function
/// with a grouped GEMM (expert counts read on the host) is never recorded and
/// still computes the plain results.
TEST(CudaKernels, GraphReplayIsBitIdentical) {
  const int64_t m = 37, n = 65, k = 33;
  const int64_t xAt = 0, wAt = 8192, yAt = 20480, bAt = 32768, zAt = 45056,
                hyAt = 57344, pAt = 57600, mAt = 67072, vAt = 76544,
                gAt = 86016, sqAt = 95488, total = 96000;
  auto calls = [&](std::byte *base) {
    std::vector<KernelCall> c(3);
    c[0].kernel = KernelId::linear;
    c[0].in = {base + xAt, base + wAt};
    c[0].inBytes = {uint64_t(m * k * 4), uint64_t(n * k * 4)};
    c[0].out = {base + yAt};
    c[0].outBytes = {uint64_t(m * n * 4)};
    c[0].ints = {m, n, k};
    c[1].kernel = KernelId::add;
    c[1].in = {base + yAt, base + bAt};
    c[1].inBytes = {uint64_t(m * n * 4), uint64_t(m * n * 4)};
    c[1].out = {base + zAt};
    c[1].outBytes = {uint64_t(m * n * 4)};
    c[1].ints = {m * n};
    const int64_t p = 2000;
    c[2].kernel = KernelId::adamw_multi;
    c[2].in = {base + hyAt, base + sqAt, base + gAt};
    c[2].inBytes = {32, 4, uint64_t(p * 4)};
    c[2].out = {base + pAt, base + mAt, base + vAt};
    c[2].outBytes = {uint64_t(p * 4), uint64_t(p * 4), uint64_t(p * 4)};
    c[2].ints = {1, 1};
    return c;
  };
  auto inputs = [&](Device &d, DeviceMemory &mem, int call) {
    auto put = [&](int64_t at, const std::vector<float> &v) {
      return d.copyToDevice(mem, at, v.data(), v.size() * 4);
    };
    Status s = put(xAt, randomFloats(m * k, 500 + call));
    if (s.ok() && call == 0)
      s = put(wAt, randomFloats(n * k, 600));
    if (s.ok())
      s = put(bAt, randomFloats(m * n, 700 + call));
    if (s.ok())
      s = put(hyAt, hyper(static_cast<float>(call + 1), 1.0f));
    if (s.ok())
      s = put(gAt, randomFloats(2000, 800 + call));
    if (s.ok())
      s = put(sqAt, {float(call + 2)});
    if (s.ok() && call == 0) {
      s = put(pAt, randomFloats(2000, 900));
      if (s.ok())
        s = put(mAt, std::vector<float>(2000, 0.0f));
      if (s.ok())
        s = put(vAt, std::vector<float>(2000, 0.0f));
    }
    return s;
  };
  std::unique_ptr<Device> plain = cudaDevice(), graphs = cudaDevice();
  ASSERT_TRUE(plain && graphs);
  plain->setRecording(false);
  graphs->setRecording(true);
  DeviceMemory pm, gm;
  ASSERT_TRUE(plain->allocate(total, pm).ok());
  ASSERT_TRUE(graphs->allocate(total, gm).ok());
  const std::vector<KernelCall> pc = calls(pm.address), gc = calls(gm.address);
  const Device::Recording expected[] = {
      Device::Recording::Plain, Device::Recording::Record,
      Device::Recording::Replayed, Device::Recording::Replayed};
  for (int call = 0; call < 4; ++call) {
    ASSERT_TRUE(inputs(*plain, pm, call).ok());
    ASSERT_TRUE(inputs(*graphs, gm, call).ok());
    Device::Recording pmode, gmode;
    Status s = runFunction(*plain, 0, pc, pmode);
    ASSERT_TRUE(s.ok()) << s.message;
    s = runFunction(*graphs, 0, gc, gmode);
    ASSERT_TRUE(s.ok()) << "call " << call << ": " << s.message;
    EXPECT_EQ(pmode, Device::Recording::Plain);
    EXPECT_EQ(gmode, expected[call]) << "call " << call;
    std::vector<std::byte> a(total), b(total);
    ASSERT_TRUE(plain->copyToHost(a.data(), pm, 0, total).ok());
    ASSERT_TRUE(graphs->copyToHost(b.data(), gm, 0, total).ok());
    EXPECT_EQ(0, std::memcmp(a.data(), b.data(), total))
        << "call " << call << ": the replayed outputs differ";
  }
  plain->release(pm);
  graphs->release(gm);

  // Expert counts read on the host: never recorded, plain results.
  std::unique_ptr<Device> cpu = createCpuDevice();
  Case grouped{KernelId::moe_grouped_linear,
               {4, 2, 3, 2},
               {},
               {Tensor::of(randomFloats(12, 1)),
                Tensor::of(randomFloats(12, 2)),
                Tensor::of(std::vector<int32_t>{1, 3})},
               {}};
  std::vector<Tensor> want;
  ASSERT_TRUE(runOn(*cpu, grouped, want).ok());
  DeviceMemory mem;
  ASSERT_TRUE(graphs->allocate(4096, mem).ok());
  KernelCall c;
  c.kernel = KernelId::moe_grouped_linear;
  c.in = {mem.address, mem.address + 256, mem.address + 512};
  c.inBytes = {48, 48, 8};
  c.out = {mem.address + 1024};
  c.outBytes = {32};
  c.ints = grouped.ints;
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(graphs
                    ->copyToDevice(mem, i * 256, grouped.in[i].bytes.data(),
                                   grouped.in[i].bytes.size())
                    .ok());
  for (int call = 0; call < 3; ++call) {
    Device::Recording mode;
    Status s = runFunction(*graphs, 1, {c}, mode);
    ASSERT_TRUE(s.ok()) << s.message;
    EXPECT_NE(mode, Device::Recording::Replayed);
    std::vector<std::byte> got(32);
    ASSERT_TRUE(graphs->copyToHost(got.data(), mem, 1024, 32).ok());
    EXPECT_EQ(0, std::memcmp(got.data(), want[0].bytes.data(), 32))
        << "moe_grouped_linear call " << call;
  }
  graphs->release(mem);
}

/// Overlapped reductions through a one-rank NCCL communicator: a function
/// that starts two buckets (all_reduce_start: the all-reduce on the
/// communication stream), runs a GEMM on other buffers meanwhile, and uses
/// each bucket after its all_reduce_wait gives, at every call, the bits of
/// the same function with blocking all_reduce calls: run plainly, recorded
/// as a CUDA graph (the capture forks the communication stream from the
/// stream and joins it back), replayed, and on a device without graphs.
/// The mean over one rank is each tensor times its share, one float
/// multiply, checked too. A launch touching a tensor in flight, and a wait
/// without its start, fail with the CPU device's lines.
TEST(CudaKernels, OverlappedReductionIsBitIdentical) {
  const int64_t m = 37, n = 65, k = 33;
  const std::vector<int64_t> sizes = {1000, 3, 4097};
  uint64_t total = 0;
  auto place = [&](int64_t floats) {
    const uint64_t at = total;
    total += (floats * 4 + 255) / 256 * 256;
    return at;
  };
  const uint64_t shareAt = place(1);
  std::vector<uint64_t> tAt;
  for (int64_t size : sizes)
    tAt.push_back(place(size));
  const uint64_t xAt = place(m * k), wAt = place(n * k), yAt = place(m * n),
                 cAt = place(sizes[0]), uAt = place(sizes[0]),
                 vAt = place(sizes[2]);
  auto bytes = [](int64_t floats) { return static_cast<uint64_t>(floats * 4); };
  auto calls = [&](std::byte *base, bool overlap) {
    KernelCall lin;
    lin.kernel = KernelId::linear;
    lin.in = {base + xAt, base + wAt};
    lin.inBytes = {bytes(m * k), bytes(n * k)};
    lin.out = {base + yAt};
    lin.outBytes = {bytes(m * n)};
    lin.ints = {m, n, k};
    // A bucket's tensors, reduced in place (as the compiler emits them).
    auto reduce = [&](KernelId id, const std::vector<int> &bucket) {
      KernelCall c;
      c.kernel = id;
      if (id != KernelId::all_reduce_wait) {
        c.in.push_back(base + shareAt);
        c.inBytes.push_back(4);
      }
      for (int t : bucket) {
        c.in.push_back(base + tAt[t]);
        c.inBytes.push_back(bytes(sizes[t]));
        c.out.push_back(base + tAt[t]);
        c.outBytes.push_back(bytes(sizes[t]));
      }
      const int64_t count = static_cast<int64_t>(bucket.size());
      c.ints = id == KernelId::all_reduce_wait
                   ? std::vector<int64_t>{count}
                   : std::vector<int64_t>{1, count, 1};
      return c;
    };
    auto add = [&](uint64_t a, uint64_t b, uint64_t out, int64_t len) {
      KernelCall c;
      c.kernel = KernelId::add;
      c.in = {base + a, base + b};
      c.inBytes = {bytes(len), bytes(len)};
      c.out = {base + out};
      c.outBytes = {bytes(len)};
      c.ints = {len};
      return c;
    };
    const std::vector<int> bucketA = {0, 1}, bucketB = {2};
    const KernelCall useA = add(tAt[0], cAt, uAt, sizes[0]),
                     useB = add(tAt[2], tAt[2], vAt, sizes[2]);
    if (!overlap)
      return std::vector<KernelCall>{reduce(KernelId::all_reduce, bucketA), lin,
                                     reduce(KernelId::all_reduce, bucketB),
                                     useA, useB};
    return std::vector<KernelCall>{reduce(KernelId::all_reduce_start, bucketA),
                                   lin,
                                   reduce(KernelId::all_reduce_start, bucketB),
                                   reduce(KernelId::all_reduce_wait, bucketA),
                                   useA,
                                   reduce(KernelId::all_reduce_wait, bucketB),
                                   useB};
  };
  // New inputs at every call, as the trainer writes new gradients' inputs.
  auto inputs = [&](Device &dev, DeviceMemory &mem, int call) {
    auto put = [&](uint64_t at, const std::vector<float> &v) {
      return dev.copyToDevice(mem, at, v.data(), v.size() * 4);
    };
    Status s = put(shareAt, {0.25f * static_cast<float>(call + 1)});
    for (size_t t = 0; t < sizes.size() && s.ok(); ++t)
      s = put(tAt[t], randomFloats(sizes[t], 1000 + 10 * call + t));
    if (s.ok())
      s = put(xAt, randomFloats(m * k, 1100 + call));
    if (s.ok())
      s = put(wAt, randomFloats(n * k, 1200));
    if (s.ok())
      s = put(cAt, randomFloats(sizes[0], 1300 + call));
    return s;
  };
  std::unique_ptr<Device> blocking = cudaDeviceOfOneRank(),
                          overlapped = cudaDeviceOfOneRank(),
                          plain = cudaDeviceOfOneRank();
  ASSERT_TRUE(blocking && overlapped && plain);
  blocking->setRecording(true);
  overlapped->setRecording(true);
  plain->setRecording(false);
  Device *devices[] = {blocking.get(), overlapped.get(), plain.get()};
  DeviceMemory mem[3];
  std::vector<KernelCall> fn[3];
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(devices[i]->allocate(total, mem[i]).ok());
    fn[i] = calls(mem[i].address, /*overlap=*/i > 0);
  }
  const Device::Recording expected[] = {
      Device::Recording::Plain, Device::Recording::Record,
      Device::Recording::Replayed, Device::Recording::Replayed};
  for (int call = 0; call < 4; ++call) {
    std::vector<std::byte> got[3];
    for (int i = 0; i < 3; ++i) {
      ASSERT_TRUE(inputs(*devices[i], mem[i], call).ok());
      Device::Recording mode;
      Status s = runFunction(*devices[i], 0, fn[i], mode);
      ASSERT_TRUE(s.ok()) << "device " << i << " call " << call << ": "
                          << s.message;
      EXPECT_EQ(mode, i == 2 ? Device::Recording::Plain : expected[call])
          << "device " << i << " call " << call;
      got[i].resize(total);
      ASSERT_TRUE(devices[i]->copyToHost(got[i].data(), mem[i], 0, total).ok());
    }
    for (int i = 1; i < 3; ++i)
      EXPECT_EQ(0, std::memcmp(got[0].data(), got[i].data(), total))
          << "call " << call << ": the overlapped reductions "
          << (i == 1 ? "with" : "without") << " graphs differ from all_reduce";
    const float share = 0.25f * static_cast<float>(call + 1);
    for (size_t t = 0; t < sizes.size(); ++t) {
      std::vector<float> want = randomFloats(sizes[t], 1000 + 10 * call + t),
                         reduced(sizes[t]);
      for (float &v : want)
        v *= share;
      std::memcpy(reduced.data(), got[1].data() + tAt[t], sizes[t] * 4);
      EXPECT_EQ(reduced, want) << "call " << call << " tensor " << t;
    }
  }
  // In flight: no launch but its wait may touch the tensors.
  KernelCall start = fn[2][0], wait = fn[2][3], useA = fn[2][4];
  ASSERT_TRUE(plain->launch(start).ok());
  EXPECT_EQ(plain->launch(useA).message,
            "add: input 0 is a tensor of an all_reduce_start still in flight "
            "(its all_reduce_wait must come first)");
  EXPECT_TRUE(plain->launch(wait).ok());
  EXPECT_TRUE(plain->launch(useA).ok());
  EXPECT_EQ(plain->launch(wait).message,
            "all_reduce_wait: no all_reduce_start of these 2 tensors is in "
            "flight");
  EXPECT_TRUE(plain->synchronize().ok());
  for (int i = 0; i < 3; ++i)
    devices[i]->release(mem[i]);
}

/// CUDA graphs with the expert-parallel kernels, through one-rank NCCL
/// communicators: a function of rank_shares, moe_exchange_counts and
/// moe_scale_source_rows (nothing read on the host) is recorded at its
/// second call and replayed after, and a function of moe_exchange_dispatch
/// (the counts read on the host) is never recorded; with new counts and
/// rows at every call, both give the bits of a device without graphs.
TEST(CudaKernels, ExpertParallelGraphs) {
  const int64_t e = 5, d = 19, rows = 41, capacity = 46;
  uint64_t total = 0;
  auto place = [&](int64_t elements) {
    const uint64_t at = total;
    total += (elements * 4 + 255) / 256 * 256;
    return at;
  };
  const uint64_t hyAt = place(8), sharesAt = place(1), countsAt = place(e),
                 receivedAt = place(e), localAt = place(e),
                 xAt = place(capacity * d), yAt = place(capacity * d),
                 xpAt = place(rows * d), xrAt = place(capacity * d);
  auto call = [](KernelId id, std::vector<int64_t> ints,
                 std::vector<std::pair<std::byte *, int64_t>> in,
                 std::vector<std::pair<std::byte *, int64_t>> out) {
    KernelCall c;
    c.kernel = id;
    c.ints = std::move(ints);
    for (auto &[p, n] : in) {
      c.in.push_back(p);
      c.inBytes.push_back(static_cast<uint64_t>(n * 4));
    }
    for (auto &[p, n] : out) {
      c.out.push_back(p);
      c.outBytes.push_back(static_cast<uint64_t>(n * 4));
    }
    return c;
  };
  auto functions = [&](std::byte *b) {
    std::vector<KernelCall> routed = {
        call(KernelId::rank_shares, {1}, {{b + hyAt, 8}}, {{b + sharesAt, 1}}),
        call(KernelId::moe_exchange_counts, {e, 1, e}, {{b + countsAt, e}},
             {{b + receivedAt, e}, {b + localAt, e}}),
        call(KernelId::moe_scale_source_rows, {capacity, d, 1, e},
             {{b + xAt, capacity * d}, {b + receivedAt, e}, {b + sharesAt, 1}},
             {{b + yAt, capacity * d}})};
    std::vector<KernelCall> dispatch = {
        call(KernelId::moe_exchange_dispatch, {rows, d, e, 1, e, capacity},
             {{b + xpAt, rows * d}, {b + countsAt, e}, {b + receivedAt, e}},
             {{b + xrAt, capacity * d}})};
    return std::make_pair(routed, dispatch);
  };
  auto inputs = [&](Device &dev, DeviceMemory &mem, int n) {
    std::vector<float> hy = hyper(3, 1.0f);
    hy[7] = static_cast<float>(n % 2); // a share of 0, then of 1
    std::vector<int32_t> counts(e, 0);
    for (int32_t x : randomInts(rows, 1500 + n, 0, static_cast<int32_t>(e)))
      ++counts[x];
    Status s = dev.copyToDevice(mem, hyAt, hy.data(), 32);
    if (s.ok())
      s = dev.copyToDevice(mem, countsAt, counts.data(), e * 4);
    for (auto [at, len, seed] :
         {std::tuple<uint64_t, int64_t, uint64_t>{xAt, capacity * d, 1600},
          {xpAt, rows * d, 1700}})
      if (s.ok()) {
        const std::vector<float> v = randomFloats(len, seed + n);
        s = dev.copyToDevice(mem, at, v.data(), len * 4);
      }
    return s;
  };
  std::unique_ptr<Device> graphs = cudaDeviceOfOneRank(),
                          plain = cudaDeviceOfOneRank();
  ASSERT_TRUE(graphs && plain);
  graphs->setRecording(true);
  plain->setRecording(false);
  DeviceMemory gm, pm;
  ASSERT_TRUE(graphs->allocate(total, gm).ok());
  ASSERT_TRUE(plain->allocate(total, pm).ok());
  const auto gf = functions(gm.address), pf = functions(pm.address);
  const Device::Recording expected[] = {
      Device::Recording::Plain, Device::Recording::Record,
      Device::Recording::Replayed, Device::Recording::Replayed};
  for (int n = 0; n < 4; ++n) {
    ASSERT_TRUE(inputs(*graphs, gm, n).ok());
    ASSERT_TRUE(inputs(*plain, pm, n).ok());
    Device::Recording mode;
    Status s = runFunction(*plain, 0, pf.first, mode);
    ASSERT_TRUE(s.ok()) << s.message;
    s = runFunction(*plain, 1, pf.second, mode);
    ASSERT_TRUE(s.ok()) << s.message;
    s = runFunction(*graphs, 0, gf.first, mode);
    ASSERT_TRUE(s.ok()) << "call " << n << ": " << s.message;
    EXPECT_EQ(mode, expected[n]) << "call " << n;
    s = runFunction(*graphs, 1, gf.second, mode);
    ASSERT_TRUE(s.ok()) << "call " << n << ": " << s.message;
    EXPECT_NE(mode, Device::Recording::Replayed) << "call " << n;
    std::vector<std::byte> a(total), b(total);
    ASSERT_TRUE(plain->copyToHost(a.data(), pm, 0, total).ok());
    ASSERT_TRUE(graphs->copyToHost(b.data(), gm, 0, total).ok());
    EXPECT_EQ(0, std::memcmp(a.data(), b.data(), total))
        << "call " << n << ": the outputs with graphs differ";
    // The share is hyper[7] over its sum: 0 when no rank has tokens.
    float share = -1;
    std::memcpy(&share, b.data() + sharesAt, 4);
    EXPECT_EQ(share, n % 2 ? 1.0f : 0.0f) << "call " << n;
  }
  graphs->release(gm);
  plain->release(pm);
}

/// Prefetched uploads land where commitPrefetch puts them, after what was
/// issued before, on the CUDA device as on the CPU device.
TEST(CudaKernels, Prefetch) {
  std::unique_ptr<Device> gpu = cudaDevice();
  ASSERT_TRUE(gpu);
  DeviceMemory mem;
  ASSERT_TRUE(gpu->allocate(1 << 20, mem).ok());
  std::vector<float> a = randomFloats(70001, 11), b = randomFloats(70001, 12);
  const std::vector<float> want = a;
  ASSERT_TRUE(gpu->prefetch(0, a.data(), a.size() * 4).ok());
  a.assign(a.size(), -1.0f); // the host buffer may be reused at once
  ASSERT_TRUE(gpu->copyToDevice(mem, 4096, b.data(), b.size() * 4).ok());
  ASSERT_TRUE(gpu->commitPrefetch(0, mem, 4096).ok());
  std::vector<float> got(a.size());
  ASSERT_TRUE(gpu->copyToHost(got.data(), mem, 4096, got.size() * 4).ok());
  EXPECT_EQ(got, want);
  Status s = gpu->commitPrefetch(0, mem, 0);
  EXPECT_EQ(s.message, "prefetch: slot 0 holds nothing");
  gpu->release(mem);
}

/// Every kernel of the ABI either runs on the CUDA device or is refused
/// with one line when an executable is loaded.
TEST(CudaKernels, UnsupportedKernels) {
  std::unique_ptr<Device> gpu = cudaDevice();
  ASSERT_TRUE(gpu);
  int unsupported = 0;
  for (int i = 0; i < cherry::abi::kNumKernels; ++i) {
    const KernelId id = static_cast<KernelId>(i);
    Status s = gpu->supports(id);
    if (s.ok())
      continue;
    ++unsupported;
    EXPECT_EQ(s.message.rfind(std::string("kernel ") +
                                  cherry::abi::kernelName(id) +
                                  " has no CUDA implementation",
                              0),
              0u)
        << s.message;
    std::printf("unsupported on CUDA: %s\n", cherry::abi::kernelName(id));
  }
  for (KernelId id :
       {KernelId::attention_grad, KernelId::rank_shares,
        KernelId::moe_exchange_counts, KernelId::moe_exchange_dispatch,
        KernelId::moe_exchange_combine, KernelId::moe_scale_source_rows,
        KernelId::moe_balance_stats, KernelId::moe_balance_loss_stats,
        KernelId::moe_balance_loss_stats_grad})
    EXPECT_TRUE(gpu->supports(id).ok()) << cherry::abi::kernelName(id);
  std::printf("%d of %d kernels have no CUDA implementation\n", unsupported,
              cherry::abi::kNumKernels);
}

} // namespace

int main(int argc, char **argv) {
  if (cudaDeviceCount() == 0) {
    std::printf("skipped: no CUDA device\n");
    return 77;
  }
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
