//===- ProgramTest.cpp - The Executable interpreter and the data loader ---===//
//
// Executables are built by hand with the protobuf API: a few numbers worked
// out in comments, every check of the loader, parameters from safetensors
// and from initializers, and the token file convention.
//
//===----------------------------------------------------------------------===//

#include "cherry/Runtime/Program.h"
#include "cherry/Runtime/Communicator.h"
#include "cherry/Runtime/CpuKernels.h"
#include "cherry/Runtime/DataLoader.h"
#include "cherry/Runtime/Executable.h"
#include "cherry/Runtime/SafeTensors.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>

using namespace cherry::runtime;
namespace ex = cherry::executable;

#define EXPECT_CONTAINS(text, part)                                            \
  EXPECT_NE(std::string(text).find(part), std::string::npos)                   \
      << "'" << (text) << "' does not contain '" << (part) << "'"

namespace {

/// Builds executables: every buffer gets its own 64-byte aligned range of
/// the arena, every slice covers its whole buffer.
struct Builder {
  ex::Executable exe;
  uint64_t end = 0;

  Builder() {
    exe.set_version(kExecutableVersion);
    exe.set_producer("ProgramTest");
  }

  uint32_t buffer(ex::DType dtype, std::vector<int64_t> shape) {
    uint64_t elems = 1;
    for (int64_t d : shape)
      elems *= d;
    auto *b = exe.add_buffers();
    uint32_t id = exe.buffers_size() - 1;
    b->set_id(id);
    b->set_size_bytes(elems * 4);
    b->set_alignment(64);
    b->set_arena_offset(end);
    b->set_dtype(dtype);
    for (int64_t d : shape)
      b->add_shape(d);
    end = (end + elems * 4 + 63) / 64 * 64;
    exe.set_arena_size_bytes(end);
    return id;
  }

  ex::Function *function(const std::string &name) {
    for (ex::Function &f : *exe.mutable_functions())
      if (f.name() == name)
        return &f;
    auto *f = exe.add_functions();
    f->set_name(name);
    return f;
  }

  ex::Instruction *
  inst(const std::string &fn, const std::string &kernel,
       std::vector<uint32_t> ins, std::vector<uint32_t> outs,
       std::vector<std::pair<std::string, int64_t>> ints,
       std::vector<std::pair<std::string, double>> floats = {}) {
    auto *i = function(fn)->add_instructions();
    i->set_kernel(kernel);
    for (uint32_t b : ins)
      slice(i->add_inputs(), b);
    for (uint32_t b : outs)
      slice(i->add_outputs(), b);
    for (auto &[name, v] : ints) {
      auto *a = i->add_attributes();
      a->set_name(name);
      a->set_i(v);
    }
    for (auto &[name, v] : floats) {
      auto *a = i->add_attributes();
      a->set_name(name);
      a->set_f(v);
    }
    return i;
  }

  void slice(ex::BufferSlice *s, uint32_t b) {
    s->set_buffer(b);
    s->set_offset_bytes(0);
    s->set_size_bytes(exe.buffers(b).size_bytes());
  }

  void input(const std::string &fn, const std::string &name, uint32_t b) {
    auto *bind = function(fn)->add_inputs();
    bind->set_name(name);
    bind->set_buffer(b);
  }

  void output(const std::string &fn, const std::string &name, uint32_t b) {
    auto *bind = function(fn)->add_outputs();
    bind->set_name(name);
    bind->set_buffer(b);
  }

  /// A parameter in a new buffer, read from checkpoint tensor `key`.
  ex::Parameter *param(const std::string &name, std::vector<int64_t> shape,
                       const std::string &key = "") {
    uint32_t b = buffer(ex::F32, shape);
    auto *p = exe.add_parameters();
    p->set_name(name);
    for (int64_t d : shape)
      p->add_shape(d);
    p->set_dtype(ex::F32);
    p->set_checkpoint_key(key.empty() ? name : key);
    p->set_buffer(b);
    return p;
  }

  Program build() {
    Program program;
    Status s = Program::create(exe, program);
    EXPECT_TRUE(s.ok()) << s.message;
    return program;
  }

  std::string error() {
    Program program;
    Status s = Program::create(exe, program);
    EXPECT_FALSE(s.ok());
    return s.message;
  }
};

float *f32(Program &p, uint32_t b) {
  return reinterpret_cast<float *>(p.hostData(b));
}
int32_t *i32(Program &p, uint32_t b) {
  return reinterpret_cast<int32_t *>(p.hostData(b));
}

std::string tempPath(const std::string &name) {
  return (std::filesystem::temp_directory_path() /
          ("cherry_program_" + std::to_string(::getpid()) + "_" + name))
      .string();
}

std::vector<float> randomFloats(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<float> out(n);
  for (float &v : out)
    v = static_cast<float>(rng() % 2001) / 1000.0f - 1.0f;
  return out;
}

//===----------------------------------------------------------------------===//
// Running
//===----------------------------------------------------------------------===//

/// embedding -> rms_norm -> head_cross_entropy on a vocabulary of 5 and
/// dim 2:
///   table rows e0 = [1, 1], e1 = [2, 2], e2 = [3, -3], e3 = [-1, -1],
///   e4 = [0.5, -0.5]; RMSNorm (eps 1e-6, negligible) scales each row to
///   mean square 1: e0, e1 -> [1, 1], e2, e4 -> [1, -1], e3 -> [-1, -1];
///   times the norm weight [2, 1]: [2, 1], [2, -1], [-2, -1].
///   Head rows [1, 0], [0, 1], [0, 0], [-1, 0], [0, -1] give logits
///   h=[2, 1]: [2, 1, 0, -2, -1]; h=[2, -1]: [2, -1, 0, -2, 1];
///   h=[-2, -1]: [-2, -1, 0, 2, 1] -- always a permutation of
///   {2, 1, 0, -1, -2}, so logsumexp = log(e^2 + e + 1 + e^-1 + e^-2)
///   = log(11.6105527) = 2.4519144.
///   ids [0, 2, 3, 1], targets [1, 4, 3, -100] (ignore_index -100):
///   target logits 1 (row 0), 1 (row 1), 2 (row 2), row 3 ignored, so the
///   loss is 2.4519144 - (1 + 1 + 2) / 3 = 1.1185811.
TEST(ProgramRun, EmbeddingNormHeadLoss) {
  Builder b;
  uint32_t table = b.param("embed", {5, 2})->buffer();
  uint32_t norm = b.param("norm", {2})->buffer();
  uint32_t head = b.param("head", {5, 2})->buffer();
  uint32_t ids = b.buffer(ex::I32, {1, 4});
  uint32_t targets = b.buffer(ex::I32, {1, 4});
  uint32_t x = b.buffer(ex::F32, {4, 2});
  uint32_t h = b.buffer(ex::F32, {4, 2});
  uint32_t loss = b.buffer(ex::F32, {});
  b.inst("eval_step", "embedding", {ids, table}, {x},
         {{"n", 4}, {"vocab", 5}, {"dim", 2}});
  b.inst("eval_step", "rms_norm", {x, norm}, {h}, {{"rows", 4}, {"dim", 2}},
         {{"eps", 1e-6}});
  b.inst("eval_step", "head_cross_entropy", {h, head, targets}, {loss},
         {{"rows", 4}, {"vocab", 5}, {"dim", 2}, {"ignore_index", -100}});
  b.input("eval_step", "ids", ids);
  b.input("eval_step", "targets", targets);
  b.output("eval_step", "loss", loss);
  Program p = b.build();

  const float tableV[] = {1, 1, 2, 2, 3, -3, -1, -1, 0.5f, -0.5f};
  const float normV[] = {2, 1};
  const float headV[] = {1, 0, 0, 1, 0, 0, -1, 0, 0, -1};
  std::memcpy(f32(p, table), tableV, sizeof(tableV));
  std::memcpy(f32(p, norm), normV, sizeof(normV));
  std::memcpy(f32(p, head), headV, sizeof(headV));
  const int32_t idsV[] = {0, 2, 3, 1}, targetsV[] = {1, 4, 3, -100};
  int fn = p.findFunction("eval_step");
  ASSERT_EQ(fn, 0);
  ASSERT_EQ(p.inputBuffer(fn, "ids")->id(), ids);
  ASSERT_EQ(p.inputBuffer(fn, "targets")->id(), targets);
  ASSERT_EQ(p.outputBuffer(fn, "loss")->id(), loss);
  EXPECT_EQ(p.inputBuffer(fn, "loss"), nullptr);
  std::memcpy(i32(p, ids), idsV, sizeof(idsV));
  std::memcpy(i32(p, targets), targetsV, sizeof(targetsV));
  Status s = p.run(fn);
  ASSERT_TRUE(s.ok()) << s.message;
  EXPECT_NEAR(*f32(p, loss), 1.1185811, 1e-5);
  EXPECT_NEAR(*f32(p, loss),
              std::log(std::exp(2.0) + std::exp(1.0) + 1 + std::exp(-1.0) +
                       std::exp(-2.0)) -
                  4.0 / 3.0,
              1e-5);

  // A kernel's error comes back naming the function and instruction.
  i32(p, ids)[2] = 7;
  s = p.run("eval_step");
  EXPECT_CONTAINS(s.message,
                  ("function 'eval_step' instruction 0: embedding: id 7 "
                   "at position 2"));
  i32(p, ids)[2] = 3;
  i32(p, targets)[1] = 5;
  s = p.run("eval_step");
  EXPECT_CONTAINS(s.message, ("function 'eval_step' instruction 2: "));
  EXPECT_CONTAINS(s.message, ("target 5"));
  EXPECT_EQ(p.run("train_step").message,
            "the executable has no function 'train_step'");
}

/// y = x w^T: x = [[1, 2, 3], [4, 5, 6]], w = [[1, 0, -1], [.5, .5, .5]]
/// -> y = [[1 - 3, (1 + 2 + 3) / 2], [4 - 6, (4 + 5 + 6) / 2]]
///      = [[-2, 3], [-2, 7.5]].
TEST(ProgramRun, LinearKnownNumbers) {
  Builder b;
  uint32_t x = b.buffer(ex::F32, {2, 3});
  uint32_t w = b.buffer(ex::F32, {2, 3});
  uint32_t y = b.buffer(ex::F32, {2, 2});
  b.inst("f", "linear", {x, w}, {y}, {{"m", 2}, {"n", 2}, {"k", 3}});
  Program p = b.build();
  const float xV[] = {1, 2, 3, 4, 5, 6}, wV[] = {1, 0, -1, .5f, .5f, .5f};
  std::memcpy(f32(p, x), xV, sizeof(xV));
  std::memcpy(f32(p, w), wV, sizeof(wV));
  ASSERT_TRUE(p.run("f").ok());
  EXPECT_FLOAT_EQ(f32(p, y)[0], -2);
  EXPECT_FLOAT_EQ(f32(p, y)[1], 3);
  EXPECT_FLOAT_EQ(f32(p, y)[2], -2);
  EXPECT_FLOAT_EQ(f32(p, y)[3], 7.5);
}

TEST(ProgramRun, ArenaIsAlignedAndZeroed) {
  Builder b;
  uint32_t x = b.buffer(ex::F32, {3});
  b.inst("f", "add", {x, x}, {x}, {{"n", 3}});
  Program p = b.build();
  EXPECT_EQ(reinterpret_cast<uintptr_t>(p.hostData(x)) % 64, 0u);
  EXPECT_EQ(p.arenaSize(), 64u);
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(f32(p, x)[i], 0.0f);
  EXPECT_EQ(p.hostData(99), nullptr);
}

/// Explicit transfers: write then read back a range, and ranges outside
/// the buffer or unknown buffers refused with the buffer named.
TEST(ProgramRun, TransfersAreCheckedAndRoundTrip) {
  Builder b;
  uint32_t x = b.buffer(ex::F32, {4});
  b.inst("f", "add", {x, x}, {x}, {{"n", 4}});
  Program p = b.build();
  const float in[2] = {1.5f, -2.0f};
  ASSERT_TRUE(p.write(x, in, sizeof(in), 8).ok());
  std::vector<float> all;
  ASSERT_TRUE(p.read(x, all).ok());
  EXPECT_EQ(all, (std::vector<float>{0.0f, 0.0f, 1.5f, -2.0f}));
  ASSERT_TRUE(p.run("f").ok());
  float out[2];
  ASSERT_TRUE(p.read(x, out, sizeof(out), 8).ok());
  EXPECT_EQ(out[0], 3.0f);
  EXPECT_EQ(out[1], -4.0f);
  EXPECT_EQ(p.write(x, in, sizeof(in), 12).message,
            "bytes [12, +8) are outside buffer " + std::to_string(x) +
                " of 16 bytes");
  EXPECT_EQ(p.read(99, out, 4).message, "no buffer 99");
}

/// start + finish is run; a prefetch (the device's default: the bytes held
/// on the host) lands at the commit, not before, and a slot commits once;
/// a prefetch must be the buffer's size.
TEST(ProgramRun, StartFinishAndPrefetch) {
  Builder b;
  uint32_t x = b.buffer(ex::F32, {2});
  b.inst("f", "add", {x, x}, {x}, {{"n", 2}});
  Program p = b.build();
  const float a[2] = {1.0f, -3.0f};
  ASSERT_TRUE(p.write(x, a, sizeof(a)).ok());
  const int f = p.findFunction("f");
  ASSERT_TRUE(p.start(f).ok());
  const float next[2] = {0.25f, 8.0f};
  ASSERT_TRUE(p.prefetch(3, x, next, sizeof(next)).ok());
  ASSERT_TRUE(p.finish(f).ok());
  EXPECT_EQ(f32(p, x)[0], 2.0f); // the prefetch is not there yet
  EXPECT_EQ(f32(p, x)[1], -6.0f);
  ASSERT_TRUE(p.commitPrefetch(3, x).ok());
  ASSERT_TRUE(p.run(f).ok());
  EXPECT_EQ(f32(p, x)[0], 0.5f);
  EXPECT_EQ(f32(p, x)[1], 16.0f);
  EXPECT_EQ(p.prefetch(0, x, next, 4).message,
            "prefetch of 4 bytes into buffer " + std::to_string(x) +
                " of 8 bytes");
  EXPECT_EQ(p.commitPrefetch(3, x).message, "prefetch: slot 3 holds nothing");
  EXPECT_EQ(p.commitPrefetch(7, x).message, "prefetch: slot 7 holds nothing");
  EXPECT_EQ(p.start(5).message, "no function #5");
}

/// add_rms_norm with separate input and output slices: residual
/// [[1, 2], [3, 4]] + delta [[1, 0], [0, -4]] = [[2, 2], [3, 0]]; w = 1:
/// y = [[1, 1], [3 / sqrt(4.5), 0]]. The residual input stays as it was.
TEST(ProgramRun, AddRmsNormOutOfPlace) {
  Builder b;
  uint32_t res = b.buffer(ex::F32, {2, 2});
  uint32_t delta = b.buffer(ex::F32, {2, 2});
  uint32_t w = b.buffer(ex::F32, {2});
  uint32_t sum = b.buffer(ex::F32, {2, 2});
  uint32_t y = b.buffer(ex::F32, {2, 2});
  b.inst("f", "add_rms_norm", {res, delta, w}, {sum, y},
         {{"rows", 2}, {"dim", 2}}, {{"eps", 1e-6}});
  Program p = b.build();
  const float resV[] = {1, 2, 3, 4}, deltaV[] = {1, 0, 0, -4}, wV[] = {1, 1};
  std::memcpy(f32(p, res), resV, sizeof(resV));
  std::memcpy(f32(p, delta), deltaV, sizeof(deltaV));
  std::memcpy(f32(p, w), wV, sizeof(wV));
  ASSERT_TRUE(p.run("f").ok());
  const float sumV[] = {2, 2, 3, 0};
  const float yV[] = {1, 1, static_cast<float>(3 / std::sqrt(4.5)), 0};
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(f32(p, res)[i], resV[i]);
    EXPECT_EQ(f32(p, sum)[i], sumV[i]);
    EXPECT_NEAR(f32(p, y)[i], yV[i], 1e-5);
  }
}

TEST(ProgramRun, AddRmsNormInPlace) {
  Builder b;
  uint32_t res = b.buffer(ex::F32, {2, 2});
  uint32_t delta = b.buffer(ex::F32, {2, 2});
  uint32_t w = b.buffer(ex::F32, {2});
  uint32_t y = b.buffer(ex::F32, {2, 2});
  b.inst("f", "add_rms_norm", {res, delta, w}, {res, y},
         {{"rows", 2}, {"dim", 2}}, {{"eps", 1e-6}});
  Program p = b.build();
  const float resV[] = {1, 2, 3, 4}, deltaV[] = {1, 0, 0, -4}, wV[] = {1, 1};
  std::memcpy(f32(p, res), resV, sizeof(resV));
  std::memcpy(f32(p, delta), deltaV, sizeof(deltaV));
  std::memcpy(f32(p, w), wV, sizeof(wV));
  ASSERT_TRUE(p.run("f").ok());
  EXPECT_EQ(f32(p, res)[2], 3);
  EXPECT_EQ(f32(p, res)[3], 0);
  EXPECT_NEAR(f32(p, y)[0], 1, 1e-5);
}

/// `kernel` (rope or rope_grad) into another buffer: the output is what the
/// direct in-place call `direct` gives, and the input is left as it was.
template <typename Direct>
void expectOutOfPlaceRopeLeavesInput(const char *kernel, Direct direct,
                                     uint64_t seed) {
  Builder b;
  uint32_t in = b.buffer(ex::F32, {2, 3, 8});
  uint32_t out = b.buffer(ex::F32, {2, 3, 8});
  b.inst("f", kernel, {in}, {out},
         {{"batch", 2},
          {"seq", 3},
          {"heads", 2},
          {"head_dim", 4},
          {"position_offset", 5}},
         {{"theta", 100.0}});
  Program p = b.build();
  std::vector<float> inV = randomFloats(48, seed), want = inV;
  std::memcpy(f32(p, in), inV.data(), 48 * 4);
  direct(want.data(), 2, 3, 2, 4, 100.0, 5);
  ASSERT_TRUE(p.run("f").ok());
  for (int i = 0; i < 48; ++i) {
    EXPECT_EQ(f32(p, in)[i], inV[i]) << kernel << " input " << i;
    EXPECT_EQ(f32(p, out)[i], want[i]) << kernel << " output " << i;
  }
}

TEST(ProgramRun, RopeOutOfPlaceLeavesInput) {
  expectOutOfPlaceRopeLeavesInput("rope", cpu::rope, 1);
}

TEST(ProgramRun, RopeGradOutOfPlaceLeavesInput) {
  expectOutOfPlaceRopeLeavesInput("rope_grad", cpu::ropeGrad, 2);
}

/// Every kernel through the program gives what the direct call gives: the
/// attributes reach the kernel in the right order.
TEST(ProgramRun, DispatchMatchesDirectCalls) {
  // attention: distinct values everywhere so that a swap shows.
  const int64_t B = 2, Q = 2, KV = 3, S = 4, H = 4, KH = 2, D = 4, OFF = 1;
  Builder b;
  uint32_t q = b.buffer(ex::F32, {B, Q, H * D});
  uint32_t k = b.buffer(ex::F32, {B, S, KH * D});
  uint32_t v = b.buffer(ex::F32, {B, S, KH * D});
  uint32_t o = b.buffer(ex::F32, {B, Q, H * D});
  b.inst("f", "attention", {q, k, v}, {o},
         {{"batch", B},
          {"q_len", Q},
          {"kv_len", KV},
          {"kv_batch_stride", S},
          {"heads", H},
          {"kv_heads", KH},
          {"head_dim", D},
          {"q_position_offset", OFF},
          {"causal", 1}});
  const int64_t N = 10;
  uint32_t g = b.buffer(ex::F32, {N});
  uint32_t u = b.buffer(ex::F32, {N});
  uint32_t sw = b.buffer(ex::F32, {N});
  uint32_t sum = b.buffer(ex::F32, {N});
  b.inst("f", "swiglu", {g, u}, {sw}, {{"n", N}});
  b.inst("f", "add", {g, sw}, {sum}, {{"n", N}});
  uint32_t rx = b.buffer(ex::F32, {3, 5});
  uint32_t rw = b.buffer(ex::F32, {5});
  b.inst("f", "rms_norm", {rx, rw}, {rx}, {{"rows", 3}, {"dim", 5}},
         {{"eps", 0.25}});
  Program p = b.build();

  std::vector<float> qV = randomFloats(B * Q * H * D, 2);
  std::vector<float> kV = randomFloats(B * S * KH * D, 3);
  std::vector<float> vV = randomFloats(B * S * KH * D, 4);
  std::vector<float> gV = randomFloats(N, 5), uV = randomFloats(N, 6);
  std::vector<float> rxV = randomFloats(15, 7), rwV = randomFloats(5, 8);
  std::memcpy(f32(p, q), qV.data(), qV.size() * 4);
  std::memcpy(f32(p, k), kV.data(), kV.size() * 4);
  std::memcpy(f32(p, v), vV.data(), vV.size() * 4);
  std::memcpy(f32(p, g), gV.data(), N * 4);
  std::memcpy(f32(p, u), uV.data(), N * 4);
  std::memcpy(f32(p, rx), rxV.data(), 15 * 4);
  std::memcpy(f32(p, rw), rwV.data(), 5 * 4);
  Status s = p.run("f");
  ASSERT_TRUE(s.ok()) << s.message;

  std::vector<float> oWant(B * Q * H * D);
  cpu::attention(qV.data(), kV.data(), vV.data(), oWant.data(), B, Q, KV, S, H,
                 KH, D, OFF, true);
  for (size_t i = 0; i < oWant.size(); ++i)
    EXPECT_EQ(f32(p, o)[i], oWant[i]) << i;
  std::vector<float> swWant(N), sumWant(N);
  cpu::swiglu(gV.data(), uV.data(), swWant.data(), N);
  cpu::add(gV.data(), swWant.data(), sumWant.data(), N);
  for (int i = 0; i < N; ++i) {
    EXPECT_EQ(f32(p, sw)[i], swWant[i]);
    EXPECT_EQ(f32(p, sum)[i], sumWant[i]);
  }
  std::vector<float> rWant(15);
  cpu::rmsNorm(rxV.data(), rwV.data(), rWant.data(), 3, 5, 0.25f);
  for (int i = 0; i < 15; ++i)
    EXPECT_EQ(f32(p, rx)[i], rWant[i]);
}

/// A top-1 layer of 2 experts and its backward from an executable, every
/// output bit for bit the direct calls'. logits [[1, 0], [0, 2], [3, 1],
/// [0, 0]] route tokens to experts [0, 1, 0, 0] (the tie to the lower
/// index): expert 0 takes slots 0, 2, 3 (rows 0, 1, 2), expert 1 slot 1
/// (row 3), so slot_row = [0, 3, 1, 2] and counts = [3, 1].
TEST(ProgramRun, MoeKernelsMatchDirectCalls) {
  const int64_t T = 4, E = 2, K = 1, D = 3, N = 2;
  Builder b;
  uint32_t logits = b.buffer(ex::F32, {T, E}), x = b.buffer(ex::F32, {T, D});
  uint32_t w = b.buffer(ex::F32, {E, N, D}), dy = b.buffer(ex::F32, {T, N});
  uint32_t probs = b.buffer(ex::F32, {T, E}), gate = b.buffer(ex::F32, {T, K});
  uint32_t expert = b.buffer(ex::I32, {T, K}), slotRow = b.buffer(ex::I32, {T});
  uint32_t counts = b.buffer(ex::I32, {E}), xp = b.buffer(ex::F32, {T, D});
  uint32_t yp = b.buffer(ex::F32, {T, N}), y = b.buffer(ex::F32, {T, N});
  uint32_t balance = b.buffer(ex::F32, {}), z = b.buffer(ex::F32, {});
  uint32_t dyp = b.buffer(ex::F32, {T, N}), dgate = b.buffer(ex::F32, {T, K});
  uint32_t dw = b.buffer(ex::F32, {E, N, D}), dxp = b.buffer(ex::F32, {T, D});
  uint32_t dx = b.buffer(ex::F32, {T, D}), dl = b.buffer(ex::F32, {T, E});
  uint32_t dlb = b.buffer(ex::F32, {T, E}), dlz = b.buffer(ex::F32, {T, E});
  const std::vector<std::pair<std::string, int64_t>> route = {
      {"tokens", T}, {"experts", E}, {"top_k", K}};
  const std::vector<std::pair<std::string, int64_t>> rows = {
      {"tokens", T}, {"top_k", K}, {"dim", D}};
  const std::vector<std::pair<std::string, int64_t>> rowsN = {
      {"tokens", T}, {"top_k", K}, {"dim", N}};
  const std::vector<std::pair<std::string, int64_t>> gemm = {
      {"m", T * K}, {"n", N}, {"k", D}, {"experts", E}};
  auto withRenorm = route;
  withRenorm.push_back({"renormalize", 0});
  b.inst("f", "moe_topk", {logits}, {probs, expert, gate}, withRenorm);
  b.inst("f", "moe_permute", {expert}, {slotRow, counts}, route);
  b.inst("f", "moe_gather_rows", {x, slotRow}, {xp}, rows);
  b.inst("f", "moe_grouped_linear", {xp, w, counts}, {yp}, gemm);
  b.inst("f", "moe_unpermute", {yp, slotRow, gate}, {y}, rowsN);
  b.inst("f", "moe_balance_loss", {probs, counts}, {balance}, route,
         {{"coeff", 0.01}});
  b.inst("f", "moe_z_loss", {logits}, {z}, {{"tokens", T}, {"experts", E}},
         {{"coeff", 0.001}});
  b.inst("f", "moe_unpermute_grad", {dy, yp, slotRow, gate}, {dyp, dgate},
         rowsN);
  b.inst("f", "moe_grouped_linear_grad_weight", {dyp, xp, counts}, {dw}, gemm);
  b.inst("f", "moe_grouped_linear_grad_input", {dyp, w, counts}, {dxp}, gemm);
  b.inst("f", "moe_gather_rows_grad", {dxp, slotRow}, {dx}, rows);
  b.inst("f", "moe_topk_grad", {probs, expert, gate, dgate}, {dl}, withRenorm);
  b.inst("f", "moe_balance_loss_grad", {probs, counts}, {dlb}, route,
         {{"coeff", 0.01}});
  b.inst("f", "moe_z_loss_grad", {logits}, {dlz},
         {{"tokens", T}, {"experts", E}}, {{"coeff", 0.001}});
  Program p = b.build();

  const std::vector<float> lV = {1, 0, 0, 2, 3, 1, 0, 0};
  const std::vector<float> xV = randomFloats(T * D, 20),
                           wV = randomFloats(E * N * D, 21),
                           dyV = randomFloats(T * N, 22);
  std::memcpy(f32(p, logits), lV.data(), lV.size() * 4);
  std::memcpy(f32(p, x), xV.data(), xV.size() * 4);
  std::memcpy(f32(p, w), wV.data(), wV.size() * 4);
  std::memcpy(f32(p, dy), dyV.data(), dyV.size() * 4);
  Status s = p.run("f");
  ASSERT_TRUE(s.ok()) << s.message;
  const int32_t expertWant[] = {0, 1, 0, 0}, slotWant[] = {0, 3, 1, 2},
                countsWant[] = {3, 1};
  for (int i = 0; i < T; ++i) {
    EXPECT_EQ(i32(p, expert)[i], expertWant[i]) << i;
    EXPECT_EQ(i32(p, slotRow)[i], slotWant[i]) << i;
  }
  EXPECT_EQ(i32(p, counts)[0], countsWant[0]);
  EXPECT_EQ(i32(p, counts)[1], countsWant[1]);

  // The same kernels called directly.
  std::vector<float> probsW(T * E), gateW(T), xpW(T * D), ypW(T * N), yW(T * N),
      dypW(T * N), dgateW(T), dwW(E * N * D), dxpW(T * D), dxW(T * D),
      dlW(T * E), dlbW(T * E), dlzW(T * E);
  std::vector<int32_t> expertW(T), slotW(T), countsW(E);
  cpu::moeTopk(lV.data(), T, E, K, false, probsW.data(), expertW.data(),
               gateW.data());
  ASSERT_TRUE(
      cpu::moePermute(expertW.data(), T, E, K, slotW.data(), countsW.data())
          .ok());
  ASSERT_TRUE(
      cpu::moeGatherRows(xV.data(), slotW.data(), T, K, D, xpW.data()).ok());
  ASSERT_TRUE(cpu::moeGroupedLinear(xpW.data(), wV.data(), countsW.data(), T, N,
                                    D, E, ypW.data())
                  .ok());
  ASSERT_TRUE(cpu::moeUnpermute(ypW.data(), slotW.data(), gateW.data(), T, K, N,
                                yW.data())
                  .ok());
  double balanceW = 0;
  ASSERT_TRUE(cpu::moeBalanceLoss(probsW.data(), countsW.data(), T, E, K, 0.01,
                                  balanceW)
                  .ok());
  const double zW = cpu::moeZLoss(lV.data(), T, E, 0.001);
  ASSERT_TRUE(cpu::moeUnpermuteGrad(dyV.data(), ypW.data(), slotW.data(),
                                    gateW.data(), T, K, N, dypW.data(),
                                    dgateW.data())
                  .ok());
  ASSERT_TRUE(cpu::moeGroupedLinearGradWeight(dypW.data(), xpW.data(),
                                              countsW.data(), T, N, D, E,
                                              dwW.data())
                  .ok());
  ASSERT_TRUE(cpu::moeGroupedLinearGradInput(dypW.data(), wV.data(),
                                             countsW.data(), T, N, D, E,
                                             dxpW.data())
                  .ok());
  ASSERT_TRUE(
      cpu::moeGatherRowsGrad(dxpW.data(), slotW.data(), T, K, D, dxW.data())
          .ok());
  ASSERT_TRUE(cpu::moeTopkGrad(probsW.data(), expertW.data(), gateW.data(),
                               dgateW.data(), T, E, K, false, dlW.data())
                  .ok());
  ASSERT_TRUE(cpu::moeBalanceLossGrad(probsW.data(), countsW.data(), T, E, K,
                                      0.01, dlbW.data())
                  .ok());
  cpu::moeZLossGrad(lV.data(), T, E, 0.001, dlzW.data());

  auto same = [&](uint32_t buffer, const std::vector<float> &want,
                  const char *what) {
    for (size_t i = 0; i < want.size(); ++i)
      EXPECT_EQ(f32(p, buffer)[i], want[i]) << what << " " << i;
  };
  same(probs, probsW, "probs");
  same(gate, gateW, "gate");
  same(xp, xpW, "xp");
  same(yp, ypW, "yp");
  same(y, yW, "y");
  same(dyp, dypW, "dyp");
  same(dgate, dgateW, "dgate");
  same(dw, dwW, "dw");
  same(dxp, dxpW, "dxp");
  same(dx, dxW, "dx");
  same(dl, dlW, "dlogits");
  same(dlb, dlbW, "balance dlogits");
  same(dlz, dlzW, "z dlogits");
  EXPECT_EQ(*f32(p, balance), static_cast<float>(balanceW));
  EXPECT_EQ(*f32(p, z), static_cast<float>(zW));

  // A kernel's error names the instruction: an expert index the router
  // could not have written.
  b.exe.mutable_functions(0)->mutable_instructions()->DeleteSubrange(0, 1);
  Program q = b.build();
  std::memcpy(i32(q, expert), expertWant, sizeof(expertWant));
  i32(q, expert)[2] = 2;
  EXPECT_CONTAINS(q.run("f").message,
                  "function 'f' instruction 0: moe_permute: expert 2 at slot "
                  "2 is outside [0, 2)");
}

TEST(ProgramRun, GatheredRowsRejectBadPositions) {
  // attention_rows and rope_rows of a selection's rows: a position outside
  // the keys (or negative, for rope) fails with one line naming the kernel,
  // before anything is written.
  const int64_t B = 2, K = 3, T = 5, H = 2, D = 4;
  Builder b;
  uint32_t q = b.buffer(ex::F32, {B, K, H * D}),
           kv = b.buffer(ex::F32, {B, T, H * D}),
           pos = b.buffer(ex::I32, {B, K}),
           o = b.buffer(ex::F32, {B, K, H * D}),
           lse = b.buffer(ex::F32, {B, H, K}),
           y = b.buffer(ex::F32, {B, K, H * D});
  b.inst("f", "attention_rows", {q, kv, kv, pos}, {o, lse},
         {{"batch", B},
          {"rows", K},
          {"seq", T},
          {"heads", H},
          {"kv_heads", H},
          {"head_dim", D},
          {"causal", 1}});
  b.inst("g", "rope_rows", {q, pos}, {y},
         {{"batch", B}, {"rows", K}, {"heads", H}, {"head_dim", D}},
         {{"theta", 10000.0}});
  Program p = b.build();
  const int32_t good[] = {0, 2, 4, 1, 1, 3};
  std::memcpy(i32(p, pos), good, sizeof(good));
  ASSERT_TRUE(p.run("f").ok());
  ASSERT_TRUE(p.run("g").ok());
  i32(p, pos)[4] = 5;
  EXPECT_CONTAINS(p.run("f").message, "function 'f' instruction 0: "
                                      "attention_rows: position 5 at row 1 is "
                                      "outside [0, 5)");
  i32(p, pos)[4] = -1;
  EXPECT_CONTAINS(p.run("g").message, "function 'g' instruction 0: "
                                      "rope_rows: position -1 at row 1 is "
                                      "negative");
}

TEST(ProgramCheck, MoeTopkNeedsTopKOfAtMostExperts) {
  Builder b;
  uint32_t logits = b.buffer(ex::F32, {4, 2}),
           probs = b.buffer(ex::F32, {4, 2});
  uint32_t expert = b.buffer(ex::I32, {4, 3}), gate = b.buffer(ex::F32, {4, 3});
  b.inst("f", "moe_topk", {logits}, {probs, expert, gate},
         {{"tokens", 4}, {"experts", 2}, {"top_k", 3}, {"renormalize", 1}});
  EXPECT_CONTAINS(b.error(), "top_k 3 exceeds experts 2");
}

/// adamw_multi updates every listed tensor in one launch exactly as one
/// adamw launch per tensor does (decay on the first `decayed`, clipping by
/// the shared norm), and the loader checks the list's counts and sizes.
TEST(ProgramRun, FusedAdamWMatchesPerTensorUpdates) {
  const std::vector<int64_t> sizes = {37, 5000, 3};
  auto build = [&](bool fused, std::vector<uint32_t> &state) {
    Builder b;
    uint32_t hyper = b.buffer(ex::F32, {8});
    uint32_t sq = b.buffer(ex::F32, {});
    std::vector<uint32_t> grads, outs;
    for (int64_t n : sizes) {
      grads.push_back(b.buffer(ex::F32, {n}));
      for (int j = 0; j < 3; ++j)
        outs.push_back(b.buffer(ex::F32, {n}));
    }
    if (fused) {
      std::vector<uint32_t> ins = {hyper, sq};
      ins.insert(ins.end(), grads.begin(), grads.end());
      b.inst("f", "adamw_multi", ins, outs,
             {{"count", static_cast<int64_t>(sizes.size())}, {"decayed", 2}});
    } else {
      for (size_t t = 0; t < sizes.size(); ++t)
        b.inst("f", "adamw", {grads[t], hyper, sq},
               {outs[3 * t], outs[3 * t + 1], outs[3 * t + 2]},
               {{"n", sizes[t]}, {"decay", t < 2 ? 1 : 0}});
    }
    state = {hyper, sq};
    state.insert(state.end(), grads.begin(), grads.end());
    state.insert(state.end(), outs.begin(), outs.end());
    return b;
  };
  std::vector<uint32_t> fusedIds, splitIds;
  Builder fb = build(true, fusedIds), sb = build(false, splitIds);
  Program fused = fb.build(), split = sb.build();
  // The same numbers in both: hyper (lr, betas, eps, wd, step 3, clip 0.5),
  // a norm that makes the clip bite, random gradients and state.
  const float hyper[8] = {1e-2f, 0.9f, 0.95f, 1e-8f, 0.1f, 3, 0.5f, 0};
  for (Program *p : {&fused, &split}) {
    const std::vector<uint32_t> &ids = p == &fused ? fusedIds : splitIds;
    std::memcpy(f32(*p, ids[0]), hyper, sizeof(hyper));
    *f32(*p, ids[1]) = 4.0f;
    for (size_t i = 2; i < ids.size(); ++i) {
      size_t t = i < 2 + sizes.size() ? i - 2 : (i - 2 - sizes.size()) / 3;
      std::vector<float> v = randomFloats(sizes[t], static_cast<uint32_t>(i));
      if (i >= 2 + sizes.size() && (i - 2 - sizes.size()) % 3 == 2)
        for (float &x : v) // second moments are non-negative
          x = x * x;
      std::memcpy(f32(*p, ids[i]), v.data(), v.size() * 4);
    }
    Status s = p->run("f");
    ASSERT_TRUE(s.ok()) << s.message;
  }
  for (size_t i = 2 + sizes.size(); i < fusedIds.size(); ++i) {
    size_t t = (i - 2 - sizes.size()) / 3;
    for (int64_t e = 0; e < sizes[t]; ++e)
      ASSERT_EQ(f32(fused, fusedIds[i])[e], f32(split, splitIds[i])[e])
          << "state buffer " << i << " element " << e;
  }

  // Counts and sizes are checked.
  Builder bad = build(true, fusedIds);
  bad.exe.mutable_functions(0)
      ->mutable_instructions(0)
      ->mutable_outputs()
      ->RemoveLast();
  EXPECT_EQ(bad.error(), "function 'f' instruction 0 (adamw_multi): takes 9 "
                         "outputs, got 8");
  Builder mismatch = build(true, fusedIds);
  mismatch.exe.mutable_functions(0)
      ->mutable_instructions(0)
      ->mutable_outputs(3)
      ->set_size_bytes(8);
  EXPECT_CONTAINS(mismatch.error(),
                  "output 3 (param) is 8 bytes, expected 20000");
}

/// The decoding kernels read the cache position from an i32[1] buffer:
/// kv_append writes rows position .. position + seq - 1 of each batch,
/// rope_at rotates at positions position + t, attention_at is causal
/// attention over cache rows 0 .. position + seq - 1.
TEST(ProgramRun, DecodeKernels) {
  const int64_t B = 2, S = 2, C = 5, H = 4, KH = 2, D = 4;
  Builder b;
  uint32_t pos = b.buffer(ex::I32, {1});
  uint32_t q = b.buffer(ex::F32, {B, S, H * D});
  uint32_t qr = b.buffer(ex::F32, {B, S, H * D});
  uint32_t k = b.buffer(ex::F32, {B, S, KH * D});
  uint32_t v = b.buffer(ex::F32, {B, S, KH * D});
  uint32_t kc = b.buffer(ex::F32, {B, C, KH * D});
  uint32_t vc = b.buffer(ex::F32, {B, C, KH * D});
  uint32_t o = b.buffer(ex::F32, {B, S, H * D});
  b.inst("decode_step", "rope_at", {q, pos}, {qr},
         {{"batch", B}, {"seq", S}, {"heads", H}, {"head_dim", D}},
         {{"theta", 500.0}});
  b.inst("decode_step", "kv_append", {k, pos}, {kc},
         {{"batch", B}, {"seq", S}, {"capacity", C}, {"width", KH * D}});
  b.inst("decode_step", "kv_append", {v, pos}, {vc},
         {{"batch", B}, {"seq", S}, {"capacity", C}, {"width", KH * D}});
  b.inst("decode_step", "attention_at", {qr, kc, vc, pos}, {o},
         {{"batch", B},
          {"seq", S},
          {"capacity", C},
          {"heads", H},
          {"kv_heads", KH},
          {"head_dim", D}});
  Program p = b.build();

  const int64_t W = KH * D;
  std::vector<float> qV = randomFloats(B * S * H * D, 11);
  std::vector<float> kV = randomFloats(B * S * W, 12);
  std::vector<float> vV = randomFloats(B * S * W, 13);
  std::vector<float> kcV = randomFloats(B * C * W, 14);
  std::vector<float> vcV = randomFloats(B * C * W, 15);
  std::memcpy(f32(p, q), qV.data(), qV.size() * 4);
  std::memcpy(f32(p, k), kV.data(), kV.size() * 4);
  std::memcpy(f32(p, v), vV.data(), vV.size() * 4);
  std::memcpy(f32(p, kc), kcV.data(), kcV.size() * 4);
  std::memcpy(f32(p, vc), vcV.data(), vcV.size() * 4);
  *i32(p, pos) = 2;
  Status s = p.run("decode_step");
  ASSERT_TRUE(s.ok()) << s.message;

  // Expected: the same through the kernels directly.
  std::vector<float> qWant = qV;
  cpu::rope(qWant.data(), B, S, H, D, 500.0, 2);
  for (int64_t bb = 0; bb < B; ++bb)
    for (int64_t t = 0; t < S; ++t)
      for (int64_t j = 0; j < W; ++j) {
        kcV[(bb * C + 2 + t) * W + j] = kV[(bb * S + t) * W + j];
        vcV[(bb * C + 2 + t) * W + j] = vV[(bb * S + t) * W + j];
      }
  std::vector<float> oWant(B * S * H * D);
  cpu::attention(qWant.data(), kcV.data(), vcV.data(), oWant.data(), B, S, 4, C,
                 H, KH, D, 2, true);
  for (size_t i = 0; i < qWant.size(); ++i)
    EXPECT_EQ(f32(p, qr)[i], qWant[i]) << i;
  for (size_t i = 0; i < kcV.size(); ++i) {
    EXPECT_EQ(f32(p, kc)[i], kcV[i]) << i;
    EXPECT_EQ(f32(p, vc)[i], vcV[i]) << i;
  }
  for (size_t i = 0; i < oWant.size(); ++i)
    EXPECT_EQ(f32(p, o)[i], oWant[i]) << i;

  // Position 4 + seq 2 does not fit in 5 rows.
  *i32(p, pos) = 4;
  EXPECT_EQ(p.run("decode_step").message,
            "function 'decode_step' instruction 1: kv_append: position 4 + "
            "seq 2 is outside the cache of 5 rows");
  *i32(p, pos) = -1;
  EXPECT_EQ(p.run("decode_step").message,
            "function 'decode_step' instruction 0: rope_at: position -1 is "
            "negative");
}

//===----------------------------------------------------------------------===//
// Checks before anything runs
//===----------------------------------------------------------------------===//

/// One linear instruction: x [2, 3], w [4, 3] -> y [2, 4].
Builder linearProgram() {
  Builder b;
  uint32_t x = b.buffer(ex::F32, {2, 3});
  uint32_t w = b.buffer(ex::F32, {4, 3});
  uint32_t y = b.buffer(ex::F32, {2, 4});
  b.inst("eval_step", "linear", {x, w}, {y}, {{"m", 2}, {"n", 4}, {"k", 3}});
  return b;
}

ex::Instruction *firstInst(Builder &b) {
  return b.exe.mutable_functions(0)->mutable_instructions(0);
}

/// A loop of 3 trips over one add, x_{t+1} = x_t + w (slots x_t, x_{t+1};
/// w from above), computes what the three adds unrolled do: x3 = x0 + 3w.
/// Each trip's instantiated body is checked against the ABI: a slot bound
/// to a buffer of the wrong size names the trip.
TEST(ProgramRun, LoopRunsEachTripOnItsSlots) {
  Builder b;
  uint32_t w = b.buffer(ex::F32, {4});
  std::vector<uint32_t> x;
  for (int t = 0; t < 4; ++t)
    x.push_back(b.buffer(ex::F32, {4}));
  ex::Loop *loop = b.function("f")->add_instructions()->mutable_loop();
  loop->set_trips(3);
  loop->set_num_slots(2);
  for (int t = 0; t < 3; ++t) {
    b.slice(loop->add_slots(), x[t]);
    b.slice(loop->add_slots(), x[t + 1]);
  }
  ex::Instruction *add = loop->add_body();
  add->set_kernel("add");
  add->add_inputs()->set_slot(1);
  b.slice(add->add_inputs(), w);
  add->add_outputs()->set_slot(2);
  auto *n = add->add_attributes();
  n->set_name("n");
  n->set_i(4);
  Program p = b.build();
  const float x0[4] = {1, 2, 3, 4}, wv[4] = {0.5f, -1, 0.25f, 2};
  std::memcpy(f32(p, x[0]), x0, sizeof(x0));
  std::memcpy(f32(p, w), wv, sizeof(wv));
  ASSERT_TRUE(p.run("f").ok());
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(f32(p, x[1])[i], x0[i] + wv[i]);
    EXPECT_EQ(f32(p, x[3])[i], x0[i] + wv[i] + wv[i] + wv[i]);
  }

  uint32_t wide = b.buffer(ex::F32, {8});
  b.slice(
      b.function("f")->mutable_instructions(0)->mutable_loop()->mutable_slots(
          3),
      wide);
  EXPECT_EQ(b.error(), "function 'f' instruction 0 (loop) iteration 1 body "
                       "instruction 0 (add): output 0 (y) is 32 bytes, "
                       "expected 16 (n = 4 elements of 4 bytes)");
}

/// Two ranks holding the same values, reducing only when waited for: a
/// started bucket is still unreduced while later launches run.
class DeferredTwoRanks final : public Communicator {
public:
  const char *name() const override { return "deferred"; }
  int rank() const override { return 0; }
  int size() const override { return 2; }
  Status allReduceSum(const std::vector<Tensor> &tensors) override {
    for (const Tensor &t : tensors)
      for (uint64_t i = 0; i < t.count; ++i)
        t.data[i] *= 2;
    return Status::success();
  }
  Status allReduceSumStart(const std::vector<Tensor> &tensors,
                           uint64_t &ticket) override {
    pending.push_back(tensors);
    ticket = pending.size();
    return Status::success();
  }
  Status allReduceSumWait(uint64_t ticket) override {
    for (; done < ticket; ++done)
      if (Status s = allReduceSum(pending[done]); !s.ok())
        return s;
    ++waits;
    return Status::success();
  }
  Status allGatherShards(const std::vector<Tensor> &) override {
    return Status::error("unused");
  }
  Status allReduceHostSum(double *, size_t) override {
    return Status::error("unused");
  }
  Status gatherHost(const void *, size_t, void *, int) override {
    return Status::error("unused");
  }
  Status allToAll(const int32_t *, int32_t *, size_t) override {
    return Status::error("unused");
  }
  Status allToAllv(const float *, const std::vector<uint64_t> &,
                   const std::vector<uint64_t> &, float *,
                   const std::vector<uint64_t> &,
                   const std::vector<uint64_t> &) override {
    return Status::error("unused");
  }
  Status broadcastHost(void *, size_t, int) override {
    return Status::error("unused");
  }
  [[noreturn]] void abort(int code) override { std::_Exit(code); }

  std::vector<std::vector<Tensor>> pending;
  uint64_t done = 0;
  int waits = 0;
};

/// all_reduce_start scales by the share and issues the reduction; the
/// launches up to its all_reduce_wait run with the bucket in flight
/// (untouched), the wait finishes it. A launch touching a tensor in flight
/// and a wait without a start are refused with one line.
TEST(ProgramRun, OverlappedReductionFinishesAtItsWait) {
  Builder b;
  uint32_t share = b.buffer(ex::F32, {});
  uint32_t g = b.buffer(ex::F32, {4});
  uint32_t h = b.buffer(ex::F32, {3});
  uint32_t other = b.buffer(ex::F32, {4});
  b.inst("f", "all_reduce_start", {share, g, h}, {g, h},
         {{"ranks", 2}, {"count", 2}, {"mean", 1}});
  b.inst("f", "scale", {other}, {other}, {{"n", 4}}, {{"factor", 3.0}});
  b.inst("f", "all_reduce_wait", {g, h}, {g, h}, {{"count", 2}});
  Program p = b.build();
  auto owned = std::make_unique<DeferredTwoRanks>();
  DeferredTwoRanks *comm = owned.get();
  p.device().setCommunicator(std::move(owned));
  *f32(p, share) = 0.25f;
  const float gv[4] = {1, 2, 3, 4}, hv[3] = {8, -4, 2}, ov[4] = {1, 1, 2, 2};
  std::memcpy(f32(p, g), gv, sizeof(gv));
  std::memcpy(f32(p, h), hv, sizeof(hv));
  std::memcpy(f32(p, other), ov, sizeof(ov));
  Status s = p.run("f");
  ASSERT_TRUE(s.ok()) << s.message;
  EXPECT_EQ(comm->pending.size(), 1u);
  EXPECT_EQ(comm->waits, 1);
  // Each of two ranks contributes share * x = x / 4: the reduction x / 2.
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(f32(p, g)[i], gv[i] / 2);
    EXPECT_EQ(f32(p, other)[i], 3 * ov[i]);
  }
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(f32(p, h)[i], hv[i] / 2);

  Builder touch;
  share = touch.buffer(ex::F32, {});
  g = touch.buffer(ex::F32, {4});
  touch.inst("f", "all_reduce_start", {share, g}, {g},
             {{"ranks", 2}, {"count", 1}, {"mean", 0}});
  touch.inst("f", "scale", {g}, {g}, {{"n", 4}}, {{"factor", 3.0}});
  touch.inst("f", "all_reduce_wait", {g}, {g}, {{"count", 1}});
  Program q = touch.build();
  q.device().setCommunicator(std::make_unique<DeferredTwoRanks>());
  EXPECT_EQ(q.run("f").message,
            "function 'f' instruction 1: scale: input 0 is a tensor of an "
            "all_reduce_start still in flight (its all_reduce_wait must come "
            "first)");

  Builder lone;
  g = lone.buffer(ex::F32, {4});
  lone.inst("f", "all_reduce_wait", {g}, {g}, {{"count", 1}});
  Program r = lone.build();
  r.device().setCommunicator(std::make_unique<DeferredTwoRanks>());
  EXPECT_EQ(r.run("f").message,
            "function 'f' instruction 0: all_reduce_wait: no all_reduce_start "
            "of these 1 tensors is in flight");
}

/// A list kernel takes its tensors' sizes from its slices: a loop's trips
/// share one call, so a trip binding tensors of other sizes is refused.
TEST(ProgramCheck, LoopTripsShareOperandSizes) {
  Builder b;
  uint32_t hyper = b.buffer(ex::F32, {8});
  uint32_t norm = b.buffer(ex::F32, {1});
  uint32_t g4 = b.buffer(ex::F32, {4}), p4 = b.buffer(ex::F32, {4});
  uint32_t g8 = b.buffer(ex::F32, {8}), p8 = b.buffer(ex::F32, {8});
  ex::Loop *loop = b.function("f")->add_instructions()->mutable_loop();
  loop->set_trips(2);
  loop->set_num_slots(2);
  for (uint32_t id : {g4, p4, g8, p8})
    b.slice(loop->add_slots(), id);
  ex::Instruction *sgd = loop->add_body();
  sgd->set_kernel("sgd_multi");
  b.slice(sgd->add_inputs(), hyper);
  b.slice(sgd->add_inputs(), norm);
  sgd->add_inputs()->set_slot(1);
  sgd->add_outputs()->set_slot(2);
  for (auto [name, v] :
       {std::pair<const char *, int64_t>{"count", 1}, {"decayed", 0}}) {
    auto *a = sgd->add_attributes();
    a->set_name(name);
    a->set_i(v);
  }
  EXPECT_EQ(b.error(), "function 'f' instruction 0 (loop) iteration 1 body "
                       "instruction 0: its operand sizes differ from "
                       "iteration 0's");
}

TEST(ProgramCheck, ValidLinearPasses) {
  Builder b = linearProgram();
  EXPECT_TRUE(validateProgram(b.exe).ok());
}

TEST(ProgramCheck, UnknownKernel) {
  Builder b = linearProgram();
  for (int i = 0; i < 12; ++i)
    b.inst("eval_step", "add", {2, 2}, {2}, {{"n", 8}});
  b.exe.mutable_functions(0)->mutable_instructions(12)->set_kernel("foo");
  EXPECT_EQ(b.error(), "function 'eval_step' instruction 12: unknown kernel "
                       "'foo'");
  EXPECT_EQ(validateProgram(b.exe).message,
            "function 'eval_step' instruction 12: unknown kernel 'foo'");
}

TEST(ProgramCheck, OperandCounts) {
  Builder b = linearProgram();
  firstInst(b)->mutable_inputs()->RemoveLast();
  EXPECT_EQ(b.error(),
            "function 'eval_step' instruction 0 (linear): takes 2 inputs, got "
            "1");
  Builder c = linearProgram();
  c.slice(firstInst(c)->add_outputs(), 2);
  EXPECT_EQ(c.error(),
            "function 'eval_step' instruction 0 (linear): takes 1 output, got "
            "2");
}

TEST(ProgramCheck, Attributes) {
  const std::string at = "function 'eval_step' instruction 0 (linear): ";
  {
    Builder b = linearProgram();
    firstInst(b)->mutable_attributes()->RemoveLast();
    EXPECT_EQ(b.error(), at + "missing attribute 'k'");
  }
  {
    Builder b = linearProgram();
    auto *a = firstInst(b)->add_attributes();
    a->set_name("bias");
    a->set_i(1);
    EXPECT_EQ(b.error(),
              at + "unknown attribute 'bias' (linear takes m, n, k)");
  }
  {
    Builder b = linearProgram();
    firstInst(b)->mutable_attributes(0)->set_f(2.0);
    EXPECT_EQ(b.error(), at + "attribute 'm' must be an integer "
                              "(Attribute.i), got a float (Attribute.f)");
  }
  {
    Builder b = linearProgram();
    auto *a = firstInst(b)->add_attributes();
    a->set_name("m");
    a->set_i(2);
    EXPECT_EQ(b.error(), at + "attribute 'm' is given twice");
  }
  {
    Builder b = linearProgram();
    firstInst(b)->mutable_attributes(1)->set_i(0);
    EXPECT_EQ(b.error(),
              at + "attribute 'n' is 0, expected a positive integer");
  }
  {
    // A float attribute given as an integer.
    Builder b;
    uint32_t x = b.buffer(ex::F32, {2, 4});
    uint32_t w = b.buffer(ex::F32, {4});
    b.inst("f", "rms_norm", {x, w}, {x}, {{"rows", 2}, {"dim", 4}, {"eps", 1}});
    EXPECT_EQ(b.error(), "function 'f' instruction 0 (rms_norm): attribute "
                         "'eps' must be a float (Attribute.f), got an integer "
                         "(Attribute.i)");
    b.exe.mutable_functions(0)
        ->mutable_instructions(0)
        ->mutable_attributes(2)
        ->set_f(-1);
    EXPECT_EQ(b.error(), "function 'f' instruction 0 (rms_norm): attribute "
                         "'eps' is -1.000000, expected a positive number");
    b.exe.mutable_functions(0)
        ->mutable_instructions(0)
        ->mutable_attributes()
        ->RemoveLast();
    EXPECT_EQ(b.error(),
              "function 'f' instruction 0 (rms_norm): missing attribute 'eps'");
  }
}

TEST(ProgramCheck, KernelSpecificValues) {
  {
    Builder b;
    uint32_t x = b.buffer(ex::F32, {1, 2, 5});
    b.inst("f", "rope", {x}, {x},
           {{"batch", 1},
            {"seq", 2},
            {"heads", 1},
            {"head_dim", 5},
            {"position_offset", 0}},
           {{"theta", 10000.0}});
    EXPECT_EQ(b.error(), "function 'f' instruction 0 (rope): attribute "
                         "'head_dim' is 5, expected an even number");
  }
  {
    Builder b;
    uint32_t q = b.buffer(ex::F32, {1, 2, 3 * 2});
    uint32_t k = b.buffer(ex::F32, {1, 2, 2 * 2});
    uint32_t o = b.buffer(ex::F32, {1, 2, 3 * 2});
    b.inst("f", "attention", {q, k, k}, {o},
           {{"batch", 1},
            {"q_len", 2},
            {"kv_len", 2},
            {"kv_batch_stride", 2},
            {"heads", 3},
            {"kv_heads", 2},
            {"head_dim", 2},
            {"q_position_offset", 0},
            {"causal", 2}});
    EXPECT_EQ(b.error(), "function 'f' instruction 0 (attention): attribute "
                         "'causal' is 2, expected 0 or 1");
    b.exe.mutable_functions(0)
        ->mutable_instructions(0)
        ->mutable_attributes(8)
        ->set_i(1);
    EXPECT_EQ(b.error(), "function 'f' instruction 0 (attention): heads 3 is "
                         "not a multiple of kv_heads 2");
  }
}

TEST(ProgramCheck, SliceSizes) {
  Builder b = linearProgram();
  firstInst(b)->mutable_inputs(0)->set_size_bytes(20);
  EXPECT_EQ(b.error(), "function 'eval_step' instruction 0 (linear): input 0 "
                       "(x) is 20 bytes, expected 24 (m*k = 6 elements of 4 "
                       "bytes)");
  Builder c = linearProgram();
  firstInst(c)->mutable_attributes(1)->set_i(3); // n = 3: w and y shrink
  EXPECT_EQ(c.error(), "function 'eval_step' instruction 0 (linear): input 1 "
                       "(w) is 48 bytes, expected 36 (n*k = 9 elements of 4 "
                       "bytes)");
  // Embedding ids: n * 4 bytes of I32; a scalar loss: 4 bytes.
  Builder e;
  uint32_t ids = e.buffer(ex::I32, {3});
  uint32_t table = e.buffer(ex::F32, {5, 2});
  uint32_t y = e.buffer(ex::F32, {4, 2});
  e.inst("f", "embedding", {ids, table}, {y},
         {{"n", 4}, {"vocab", 5}, {"dim", 2}});
  EXPECT_EQ(e.error(), "function 'f' instruction 0 (embedding): input 0 (ids) "
                       "is 12 bytes, expected 16 (n = 4 elements of 4 bytes)");
}

TEST(ProgramCheck, DTypesAlignmentOverlapDevice) {
  {
    Builder b;
    uint32_t ids = b.buffer(ex::F32, {4});
    uint32_t table = b.buffer(ex::F32, {5, 2});
    uint32_t y = b.buffer(ex::F32, {4, 2});
    b.inst("f", "embedding", {ids, table}, {y},
           {{"n", 4}, {"vocab", 5}, {"dim", 2}});
    EXPECT_EQ(b.error(), "function 'f' instruction 0 (embedding): input 0 "
                         "(ids) is in buffer 0 of dtype F32, expected I32");
  }
  {
    Builder b = linearProgram();
    auto *big = b.exe.mutable_buffers(0);
    big->set_size_bytes(64);
    big->clear_shape();
    firstInst(b)->mutable_inputs(0)->set_offset_bytes(2);
    EXPECT_EQ(b.error(), "function 'eval_step' instruction 0 (linear): input 0 "
                         "(x) at arena offset 2 is not 4-byte aligned");
  }
  {
    // y [2, 4] written over w [4, 3]... made the same size: y = x w^T with
    // y on top of x is not in-place safe.
    Builder b;
    uint32_t x = b.buffer(ex::F32, {2, 2});
    uint32_t w = b.buffer(ex::F32, {2, 2});
    b.inst("f", "linear", {x, w}, {x}, {{"m", 2}, {"n", 2}, {"k", 2}});
    EXPECT_EQ(b.error(), "function 'f' instruction 0 (linear): output 0 (y) "
                         "overlaps input 0 (x)");
  }
  {
    // Elementwise kernels may run exactly in place, not half-overlapped.
    Builder b;
    uint32_t a = b.buffer(ex::F32, {32});
    b.inst("f", "add", {a, a}, {a}, {{"n", 16}});
    firstInst(b)->mutable_inputs(0)->set_size_bytes(64);
    firstInst(b)->mutable_inputs(1)->set_size_bytes(64);
    firstInst(b)->mutable_outputs(0)->set_size_bytes(64);
    EXPECT_TRUE(validateProgram(b.exe).ok());
    firstInst(b)->mutable_outputs(0)->set_offset_bytes(32);
    EXPECT_EQ(b.error(), "function 'f' instruction 0 (add): output 0 (y) "
                         "overlaps input 0 (a)");
  }
  {
    Builder b = linearProgram();
    firstInst(b)->set_device(ex::CUDA);
    EXPECT_EQ(b.error(), "function 'eval_step' instruction 0 (linear): runs on "
                         "device CUDA, but this runtime has only the CPU "
                         "backend");
  }
}

/// An output updating an input in place (Kernels.abi `from`) may be exactly
/// that input and overlaps no other; the other outputs of an elementwise
/// kernel may be exactly any input.
TEST(ProgramCheck, InPlaceOutputs) {
  auto build = [](bool sumOnDelta) {
    Builder b;
    uint32_t res = b.buffer(ex::F32, {2, 2});
    uint32_t delta = b.buffer(ex::F32, {2, 2});
    uint32_t w = b.buffer(ex::F32, {2});
    b.inst("f", "add_rms_norm", {res, delta, w},
           {sumOnDelta ? delta : res, sumOnDelta ? res : delta},
           {{"rows", 2}, {"dim", 2}}, {{"eps", 1e-6}});
    return b;
  };
  EXPECT_TRUE(validateProgram(build(false).exe).ok());
  EXPECT_EQ(build(true).error(), "function 'f' instruction 0 (add_rms_norm): "
                                 "output 0 (sum) overlaps input 1 (delta)");
}

/// List kernels: the count comes first, then the counts and sizes follow.
TEST(ProgramCheck, ListKernelCount) {
  Builder b;
  uint32_t hyper = b.buffer(ex::F32, {8});
  uint32_t sq = b.buffer(ex::F32, {});
  uint32_t g = b.buffer(ex::F32, {4});
  uint32_t p = b.buffer(ex::F32, {4});
  b.inst("f", "sgd_multi", {hyper, sq, g}, {p}, {{"count", 1}, {"decayed", 1}});
  EXPECT_TRUE(validateProgram(b.exe).ok());
  firstInst(b)->mutable_attributes(0)->set_i(0);
  EXPECT_EQ(b.error(), "function 'f' instruction 0 (sgd_multi): attribute "
                       "'count' is 0, expected 1 to 1048576");
}

TEST(ProgramCheck, Bindings) {
  {
    Builder b = linearProgram();
    b.input("eval_step", "x", 7);
    EXPECT_EQ(verifyExecutable(b.exe).message,
              "function 'eval_step' input 'x' names undefined buffer 7");
    EXPECT_EQ(b.error(),
              "function 'eval_step' input 'x' names undefined buffer 7");
  }
  {
    Builder b = linearProgram();
    b.output("eval_step", "y", 2);
    b.output("eval_step", "y", 1);
    EXPECT_EQ(b.error(), "function 'eval_step' output 'y' is bound twice");
  }
  {
    Builder b = linearProgram();
    auto *state = b.function("eval_step")->add_state();
    state->set_name("k_cache");
    state->set_buffer(9);
    EXPECT_EQ(b.error(),
              "function 'eval_step' state 'k_cache' names undefined buffer 9");
    state->set_buffer(2);
    Program p = b.build();
    EXPECT_EQ(p.stateBuffer(0, "k_cache")->id(), 2u);
    EXPECT_EQ(p.stateBuffer(0, "v_cache"), nullptr);
  }
  {
    // The same name as an input and an output is fine.
    Builder b = linearProgram();
    b.input("eval_step", "y", 2);
    b.output("eval_step", "y", 2);
    EXPECT_TRUE(validateProgram(b.exe).ok());
  }
  {
    Builder b = linearProgram();
    b.input("eval_step", "", 0);
    EXPECT_EQ(b.error(),
              "function 'eval_step' input binding on buffer 0 has no name");
  }
}

TEST(ProgramCheck, Parameters) {
  {
    Builder b = linearProgram();
    b.param("p", {2})->set_dtype(ex::BF16);
    EXPECT_EQ(b.error(), "parameter 'p' has dtype BF16; the CPU runtime holds "
                         "parameters in F32");
  }
  {
    Builder b = linearProgram();
    b.param("p", {2})->clear_checkpoint_key();
    EXPECT_EQ(b.error(),
              "parameter 'p' has neither a checkpoint key nor an initializer");
  }
  {
    Builder b = linearProgram();
    b.param("p", {2})->mutable_init()->mutable_mean_of()->add_parameters("q");
    EXPECT_EQ(b.error(), "parameter 'p': mean_of names unknown parameter 'q'");
  }
  {
    Builder b = linearProgram();
    b.param("p", {2})->mutable_init()->mutable_mean_of()->add_parameters("q");
    b.param("q", {3})->mutable_init()->set_constant(1);
    EXPECT_EQ(b.error(), "parameter 'p': mean_of parameter 'q' has shape [3], "
                         "expected [2]");
  }
  {
    Builder b = linearProgram();
    b.param("a", {2})->mutable_init()->mutable_mean_of()->add_parameters("b");
    b.param("b", {2})->mutable_init()->mutable_mean_of()->add_parameters("a");
    EXPECT_EQ(b.error(), "parameter 'a': initializer cycle: a -> b -> a");
  }
  {
    Builder b = linearProgram();
    b.param("p", {2, 2})
        ->mutable_init()
        ->mutable_stack_of()
        ->add_parameters("q");
    EXPECT_EQ(b.error(), "parameter 'p': stack_of names 1 parameters for shape "
                         "[2, 2] (one per slice of the first dimension)");
  }
  {
    Builder b = linearProgram();
    auto *stack = b.param("p", {2, 2})->mutable_init()->mutable_stack_of();
    stack->add_parameters("q");
    stack->add_parameters("r");
    b.param("q", {2})->mutable_init()->set_constant(1);
    EXPECT_EQ(b.error(), "parameter 'p': stack_of names unknown parameter 'r'");
  }
  {
    Builder b = linearProgram();
    auto *stack = b.param("p", {2, 2})->mutable_init()->mutable_stack_of();
    stack->add_parameters("q");
    stack->add_parameters("q");
    b.param("q", {3})->mutable_init()->set_constant(1);
    EXPECT_EQ(b.error(), "parameter 'p': stack_of parameter 'q' has shape [3], "
                         "expected [2]");
  }
  {
    Builder b = linearProgram();
    b.param("p", {1, 2})
        ->mutable_init()
        ->mutable_stack_of()
        ->add_parameters("p");
    EXPECT_EQ(b.error(), "parameter 'p': stack_of names the parameter itself");
  }
  {
    Builder b = linearProgram();
    b.param("p", {2})->mutable_init()->set_normal_std(-1);
    EXPECT_EQ(
        b.error(),
        "parameter 'p': normal_std -1.000000 is not a non-negative number");
  }
}

//===----------------------------------------------------------------------===//
// Parameters
//===----------------------------------------------------------------------===//

/// Two parameters: "w" [2, 3] and "n" [3].
Builder twoParams() {
  Builder b;
  b.param("w", {2, 3}, "model.w");
  b.param("n", {3}, "model.n");
  return b;
}

TEST(ProgramParams, LoadsF32AndCountsUnused) {
  std::string path = tempPath("f32.safetensors");
  const float w[] = {1, 2, 3, 4, 5, 6}, n[] = {7, 8, 9}, extra[] = {0};
  ASSERT_TRUE(writeSafeTensors(
                  path, {{"model.w", TensorDType::F32, {2, 3}, w},
                         {"model.n", TensorDType::F32, {3}, n},
                         {"rotary.inv_freq", TensorDType::F32, {1}, extra}})
                  .ok());
  SafeTensors st;
  ASSERT_TRUE(SafeTensors::open(path, st).ok());
  Program p = twoParams().build();
  Status s = p.loadParameters(&st, path, 0);
  ASSERT_TRUE(s.ok()) << s.message;
  for (int i = 0; i < 6; ++i)
    EXPECT_EQ(f32(p, 0)[i], w[i]);
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(f32(p, 1)[i], n[i]);
  EXPECT_EQ(p.unusedTensorCount(), 1u);
  EXPECT_EQ(p.parameterReport().unusedTensors,
            std::vector<std::string>{"rotary.inv_freq"});
  EXPECT_EQ(p.parameterReport().loaded, (std::vector<std::string>{"w", "n"}));
  EXPECT_TRUE(p.parameterReport().initialized.empty());
  std::filesystem::remove(path);
}

TEST(ProgramParams, BF16AndF16Converted) {
  std::string path = tempPath("bf16.safetensors");
  // bf16: the top half of the f32 bits. 1.5 = 0x3FC0, -2 = 0xC000,
  // 0.25 = 0x3E80, 3 = 0x4040, -0.5 = 0xBF00, 10 = 0x4120.
  const uint16_t w[] = {0x3FC0, 0xC000, 0x3E80, 0x4040, 0xBF00, 0x4120};
  // f16: 1 = 0x3C00, -2 = 0xC000, 0.5 = 0x3800.
  const uint16_t n[] = {0x3C00, 0xC000, 0x3800};
  ASSERT_TRUE(writeSafeTensors(path, {{"model.w", TensorDType::BF16, {2, 3}, w},
                                      {"model.n", TensorDType::F16, {3}, n}})
                  .ok());
  SafeTensors st;
  ASSERT_TRUE(SafeTensors::open(path, st).ok());
  Program p = twoParams().build();
  Status s = p.loadParameters(&st, path, 0);
  ASSERT_TRUE(s.ok()) << s.message;
  const float wantW[] = {1.5f, -2, 0.25f, 3, -0.5f, 10}, wantN[] = {1, -2, .5f};
  for (int i = 0; i < 6; ++i)
    EXPECT_EQ(f32(p, 0)[i], wantW[i]);
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(f32(p, 1)[i], wantN[i]);
  std::filesystem::remove(path);
}

TEST(ProgramParams, WrongShapeAndMissingTensor) {
  std::string path = tempPath("shape.safetensors");
  const float w[] = {1, 2, 3, 4, 5, 6};
  ASSERT_TRUE(
      writeSafeTensors(path, {{"model.w", TensorDType::F32, {3, 2}, w}}).ok());
  SafeTensors st;
  ASSERT_TRUE(SafeTensors::open(path, st).ok());
  Program p = twoParams().build();
  EXPECT_EQ(p.loadParameters(&st, path, 0).message,
            path + ": tensor 'model.w' has shape [3, 2] but parameter 'w' has "
                   "shape [2, 3]");
  std::filesystem::remove(path);

  ASSERT_TRUE(
      writeSafeTensors(path, {{"model.w", TensorDType::F32, {2, 3}, w}}).ok());
  ASSERT_TRUE(SafeTensors::open(path, st).ok());
  EXPECT_EQ(p.loadParameters(&st, "weights.safetensors", 0).message,
            "weights.safetensors: no tensor 'model.n' for parameter 'n', which "
            "has no initializer");
  EXPECT_EQ(p.loadParameters(nullptr, "", 0).message,
            "parameter 'w' has no initializer and no weights were given (it "
            "reads checkpoint tensor 'model.w')");

  // With an initializer, a tensor the checkpoint lacks is initialized.
  Builder b = twoParams();
  b.exe.mutable_parameters(1)->mutable_init()->set_constant(0.5);
  Program q = b.build();
  Status s = q.loadParameters(&st, path, 0);
  ASSERT_TRUE(s.ok()) << s.message;
  EXPECT_EQ(f32(q, 0)[5], 6);
  EXPECT_EQ(f32(q, 1)[2], 0.5f);
  EXPECT_EQ(q.parameterReport().loaded, std::vector<std::string>{"w"});
  EXPECT_EQ(q.parameterReport().initialized, std::vector<std::string>{"n"});
  std::filesystem::remove(path);
}

/// Parameters "a" (normal 0.02) and "b" (uniform 0.1) of 10000 elements,
/// declared in the given order.
Program initProgram(bool aFirst) {
  Builder b;
  for (int i = 0; i < 2; ++i) {
    bool isA = (i == 0) == aFirst;
    auto *p = b.param(isA ? "a" : "b", {100, 100});
    if (isA)
      p->mutable_init()->set_normal_std(0.02);
    else
      p->mutable_init()->set_uniform_bound(0.1);
  }
  return b.build();
}

std::vector<float> paramValues(Program &p, const std::string &name) {
  for (const ex::Parameter &param : p.executable().parameters())
    if (param.name() == name)
      return std::vector<float>(f32(p, param.buffer()),
                                f32(p, param.buffer()) + 10000);
  return {};
}

TEST(ProgramParams, InitReproducibleAndOrderIndependent) {
  Program p1 = initProgram(true), p2 = initProgram(false),
          p3 = initProgram(true);
  ASSERT_TRUE(p1.loadParameters(nullptr, "", 42).ok());
  ASSERT_TRUE(p2.loadParameters(nullptr, "", 42).ok());
  ASSERT_TRUE(p3.loadParameters(nullptr, "", 43).ok());
  std::vector<float> a1 = paramValues(p1, "a"), a2 = paramValues(p2, "a"),
                     a3 = paramValues(p3, "a");
  EXPECT_EQ(a1, a2);
  EXPECT_EQ(paramValues(p1, "b"), paramValues(p2, "b"));
  EXPECT_NE(a1, a3);
  EXPECT_NE(a1, paramValues(p1, "b"));
  EXPECT_EQ(p1.parameterReport().initialized,
            (std::vector<std::string>{"a", "b"}));

  // Normal(0, 0.02): sample mean and standard deviation of 10000 values.
  double sum = 0, sq = 0;
  for (float v : a1) {
    sum += v;
    sq += double(v) * v;
  }
  double mean = sum / 1e4, sd = std::sqrt(sq / 1e4 - mean * mean);
  EXPECT_NEAR(mean, 0, 0.001);
  EXPECT_NEAR(sd, 0.02, 0.001);
  for (float v : paramValues(p1, "b")) {
    EXPECT_LE(v, 0.1f);
    EXPECT_GE(v, -0.1f);
  }

  // Pinned values: the generator is specified exactly (mt19937_64 seeded
  // from (seed, name), Box-Muller written out, not std::normal_distribution),
  // so they hold with any standard library (up to libm's last bit).
  ex::Initializer init;
  init.set_normal_std(1.0);
  float normal[5];
  initializeValues(init, "a", 42, normal, 5);
  const float wantNormal[] = {1.41018939f, 0.587726295f, -0.329065621f,
                              -0.226562515f, -1.11797822f};
  for (int i = 0; i < 5; ++i) {
    EXPECT_NEAR(normal[i], wantNormal[i], 1e-6) << i;
    EXPECT_NEAR(normal[i], a1[i] / 0.02, 1e-4) << i;
  }
  init.set_uniform_bound(1.0);
  float uniform[3];
  initializeValues(init, "a", 42, uniform, 3);
  const float wantUniform[] = {0.377418697f, -0.874305725f, -0.846588373f};
  for (int i = 0; i < 3; ++i)
    EXPECT_NEAR(uniform[i], wantUniform[i], 1e-6) << i;
}

TEST(ProgramParams, ConstantAndMeanOf) {
  Builder b;
  // "avg" comes first but needs "x" (initialized) and "y" (loaded).
  auto *avg = b.param("avg", {4});
  avg->clear_checkpoint_key();
  avg->mutable_init()->mutable_mean_of()->add_parameters("x");
  avg->mutable_init()->mutable_mean_of()->add_parameters("y");
  auto *avg2 = b.param("avg2", {4});
  avg2->clear_checkpoint_key();
  avg2->mutable_init()->mutable_mean_of()->add_parameters("avg");
  avg2->mutable_init()->mutable_mean_of()->add_parameters("x");
  b.param("x", {4})->mutable_init()->set_constant(1.0);
  b.param("y", {4}, "model.y");
  Program p = b.build();

  std::string path = tempPath("meanof.safetensors");
  const float y[] = {3, 5, 7, 9};
  ASSERT_TRUE(
      writeSafeTensors(path, {{"model.y", TensorDType::F32, {4}, y}}).ok());
  SafeTensors st;
  ASSERT_TRUE(SafeTensors::open(path, st).ok());
  Status s = p.loadParameters(&st, path, 0);
  ASSERT_TRUE(s.ok()) << s.message;
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(f32(p, 2)[i], 1.0f);                        // x
    EXPECT_EQ(f32(p, 0)[i], (1.0f + y[i]) / 2);           // avg
    EXPECT_EQ(f32(p, 1)[i], ((1.0f + y[i]) / 2 + 1) / 2); // avg2
  }
  EXPECT_EQ(p.parameterReport().initialized,
            (std::vector<std::string>{"x", "avg", "avg2"}));
  std::filesystem::remove(path);
}

TEST(ProgramParams, StackOfAndWeightSources) {
  // "w" stacks "s0" (read from weight source 0) and "s1" (the same key from
  // source 1); "t" reads source 1 alone.
  Builder b;
  auto *w = b.param("w", {2, 3});
  w->clear_checkpoint_key();
  w->mutable_init()->mutable_stack_of()->add_parameters("s0");
  w->mutable_init()->mutable_stack_of()->add_parameters("s1");
  b.param("s0", {3}, "model.x");
  b.param("s1", {3}, "model.x")->set_weight_source(1);
  b.param("t", {3}, "model.t")->set_weight_source(1);
  Program p = b.build();

  std::string path0 = tempPath("source0.safetensors");
  std::string path1 = tempPath("source1.safetensors");
  const float x0[] = {1, 2, 3}, x1[] = {4, 5, 6}, t1[] = {7, 8, 9};
  ASSERT_TRUE(
      writeSafeTensors(path0, {{"model.x", TensorDType::F32, {3}, x0}}).ok());
  ASSERT_TRUE(writeSafeTensors(path1, {{"model.x", TensorDType::F32, {3}, x1},
                                       {"model.t", TensorDType::F32, {3}, t1}})
                  .ok());
  SafeTensors st0, st1;
  ASSERT_TRUE(SafeTensors::open(path0, st0).ok());
  ASSERT_TRUE(SafeTensors::open(path1, st1).ok());
  Status s = p.loadParameters({{&st0, path0}, {&st1, path1}}, 0);
  ASSERT_TRUE(s.ok()) << s.message;
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(f32(p, 0)[i], x0[i]);     // w[0]
    EXPECT_EQ(f32(p, 0)[3 + i], x1[i]); // w[1]
    EXPECT_EQ(f32(p, 3)[i], t1[i]);     // t
  }
  EXPECT_TRUE(p.parameterReport().unusedTensors.empty());
  // One source where two are read: one line naming the parameter.
  s = p.loadParameters({{&st0, path0}}, 0);
  EXPECT_EQ(s.message, "parameter 's1' reads tensor 'model.x' from weight "
                       "source 1, but 1 was given (pass one --weights per "
                       "source, in order)");
  std::filesystem::remove(path0);
  std::filesystem::remove(path1);
}

//===----------------------------------------------------------------------===//
// Data loader
//===----------------------------------------------------------------------===//

std::string writeTokens(const std::string &name,
                        const std::vector<uint16_t> &tokens) {
  std::string path = tempPath(name);
  std::ofstream out(path, std::ios::binary);
  for (uint16_t t : tokens) {
    char bytes[2] = {static_cast<char>(t & 0xFF), static_cast<char>(t >> 8)};
    out.write(bytes, 2);
  }
  return path;
}

TEST(DataLoaderTest, BatchConvention) {
  // 13 tokens 1000, 1001, ... (above 255: both bytes matter); B=2, T=3:
  // batch k reads tokens [6k, 6k + 7).
  std::vector<uint16_t> tokens;
  for (int i = 0; i < 13; ++i)
    tokens.push_back(static_cast<uint16_t>(1000 + i * 300));
  std::string path = writeTokens("tokens.bin", tokens);
  DataLoader loader;
  Status s = DataLoader::open(path, 2, 3, 2, loader);
  ASSERT_TRUE(s.ok()) << s.message;
  EXPECT_EQ(loader.file().numTokens(), 13u);
  EXPECT_EQ(loader.availableBatches(), 2);
  for (int k = 0; k < 2; ++k) {
    int32_t inputs[6], targets[6];
    ASSERT_TRUE(loader.read(k, inputs, targets).ok());
    for (int i = 0; i < 6; ++i) {
      EXPECT_EQ(inputs[i], tokens[6 * k + i]);
      EXPECT_EQ(targets[i], tokens[6 * k + i + 1]);
      if (i + 1 < 6) {
        EXPECT_EQ(targets[i], inputs[i + 1]);
      }
    }
  }
  int32_t inputs[6], targets[6];
  EXPECT_EQ(loader.read(2, inputs, targets).message,
            path + ": batch 2 is past the end (the file holds 2 batches of "
                   "2x3 tokens)");
  std::filesystem::remove(path);
}

TEST(DataLoaderTest, Errors) {
  std::string path = writeTokens("short.bin", std::vector<uint16_t>(13, 1));
  DataLoader loader;
  EXPECT_EQ(DataLoader::open(path, 2, 3, 3, loader).message,
            path + ": 13 tokens, too few for 3 batches of 2x3 tokens (needs "
                   "19)");
  EXPECT_EQ(DataLoader::open(path, 4, 4, 1, loader).message,
            path + ": 13 tokens, too few for 1 batch of 4x4 tokens (needs 17)");
  EXPECT_TRUE(DataLoader::open(path, 4, 3, 1, loader).ok()); // exactly 13
  {
    std::ofstream out(path, std::ios::binary | std::ios::app);
    out.put('x');
  }
  EXPECT_EQ(DataLoader::open(path, 2, 3, 1, loader).message,
            path + ": 27 bytes is not a whole number of uint16 tokens");
  std::filesystem::remove(path);
  EXPECT_EQ(DataLoader::open(path, 2, 3, 1, loader).message,
            path + ": cannot open: No such file or directory");

  std::string empty = writeTokens("empty.bin", {});
  ASSERT_TRUE(DataLoader::open(empty, 2, 3, 0, loader).ok());
  EXPECT_EQ(loader.availableBatches(), 0);
  EXPECT_EQ(DataLoader::open(empty, 2, 3, 1, loader).message,
            empty + ": 0 tokens, too few for 1 batch of 2x3 tokens (needs 7)");
  std::filesystem::remove(empty);
}

} // namespace
