//===- CpuDevice.cpp - The CPU device -------------------------------------===//
//
// Runs each kernel of the ABI (Kernels.def) with the CPU kernels
// (CpuKernels.h). Operands and attributes arrive in Kernels.def order.
//
//===----------------------------------------------------------------------===//

#include "cherry/Runtime/CpuKernels.h"
#include "cherry/Runtime/Device.h"
#include "cherry/Runtime/Sgt.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace cherry::runtime {
namespace {

//===----------------------------------------------------------------------===//
// Kernel calls
//===----------------------------------------------------------------------===//

float *f32(std::byte *p) { return reinterpret_cast<float *>(p); }
int32_t *i32(std::byte *p) { return reinterpret_cast<int32_t *>(p); }

// Attribute values are in Kernels.def order: call.ints[0] is the first name
// of the kernel's int list.

/// The kernels that work in place (rope, add_rms_norm, ...) write into
/// output 0, which starts as a copy of input 0 when they differ.
void startFromInput(const KernelCall &s) {
  if (s.out[0] != s.in[0])
    std::memmove(s.out[0], s.in[0], s.outBytes[0]);
}

Status run_embedding(const KernelCall &s) { // n, vocab, dim
  return cpu::embedding(i32(s.in[0]), s.ints[0], f32(s.in[1]), s.ints[1],
                        s.ints[2], f32(s.out[0]));
}

Status run_rms_norm(const KernelCall &s) { // rows, dim; eps
  cpu::rmsNorm(f32(s.in[0]), f32(s.in[1]), f32(s.out[0]), s.ints[0], s.ints[1],
               static_cast<float>(s.floats[0]));
  return Status::success();
}

Status run_add_rms_norm(const KernelCall &s) { // rows, dim; eps
  // The kernel updates the residual in place: the sum output starts as the
  // residual input.
  startFromInput(s);
  cpu::addRmsNorm(f32(s.out[0]), f32(s.in[1]), f32(s.in[2]), f32(s.out[1]),
                  s.ints[0], s.ints[1], static_cast<float>(s.floats[0]));
  return Status::success();
}

Status run_linear(const KernelCall &s) { // m, n, k
  cpu::linear(f32(s.in[0]), f32(s.in[1]), f32(s.out[0]), s.ints[0], s.ints[1],
              s.ints[2]);
  return Status::success();
}

Status run_rope(const KernelCall &s) {
  // batch, seq, heads, head_dim, position_offset; theta. In place on y.
  startFromInput(s);
  cpu::rope(f32(s.out[0]), s.ints[0], s.ints[1], s.ints[2], s.ints[3],
            s.floats[0], s.ints[4]);
  return Status::success();
}

Status run_attention(const KernelCall &s) {
  // batch, q_len, kv_len, kv_batch_stride, heads, kv_heads, head_dim,
  // q_position_offset, causal
  cpu::attention(f32(s.in[0]), f32(s.in[1]), f32(s.in[2]), f32(s.out[0]),
                 s.ints[0], s.ints[1], s.ints[2], s.ints[3], s.ints[4],
                 s.ints[5], s.ints[6], s.ints[7], s.ints[8] != 0);
  return Status::success();
}

Status run_swiglu(const KernelCall &s) { // n
  cpu::swiglu(f32(s.in[0]), f32(s.in[1]), f32(s.out[0]), s.ints[0]);
  return Status::success();
}

Status run_add(const KernelCall &s) { // n
  cpu::add(f32(s.in[0]), f32(s.in[1]), f32(s.out[0]), s.ints[0]);
  return Status::success();
}

Status run_head_cross_entropy(const KernelCall &s) {
  // rows, vocab, dim, ignore_index
  cpu::LossSum loss;
  Status status =
      cpu::headCrossEntropy(f32(s.in[0]), f32(s.in[1]), i32(s.in[2]), s.ints[0],
                            s.ints[1], s.ints[2], s.ints[3], nullptr, loss);
  if (!status.ok())
    return status;
  *f32(s.out[0]) = static_cast<float>(loss.mean());
  return Status::success();
}

/// The position a decoding kernel reads from its i32[1] operand, checked
/// against the cache: 0 <= position and position + seq <= capacity.
Status cachePosition(const char *kernel, const std::byte *operand, int64_t seq,
                     int64_t capacity, int64_t &position) {
  position = *reinterpret_cast<const int32_t *>(operand);
  if (position < 0 || position + seq > capacity)
    return Status::error(std::string(kernel) + ": position " +
                         std::to_string(position) + " + seq " +
                         std::to_string(seq) + " is outside the cache of " +
                         std::to_string(capacity) + " rows");
  return Status::success();
}

Status run_kv_append(const KernelCall &s) { // batch, seq, capacity, width
  const int64_t batch = s.ints[0], seq = s.ints[1], capacity = s.ints[2],
                width = s.ints[3];
  int64_t position = 0;
  if (Status st = cachePosition("kv_append", s.in[1], seq, capacity, position);
      !st.ok())
    return st;
  const float *src = f32(s.in[0]);
  float *cache = f32(s.out[0]);
  for (int64_t b = 0; b < batch; ++b)
    std::memcpy(cache + (b * capacity + position) * width,
                src + b * seq * width,
                static_cast<size_t>(seq * width) * sizeof(float));
  return Status::success();
}

Status run_rope_at(const KernelCall &s) { // batch, seq, heads, head_dim; theta
  const int64_t position = *reinterpret_cast<const int32_t *>(s.in[1]);
  if (position < 0)
    return Status::error("rope_at: position " + std::to_string(position) +
                         " is negative");
  startFromInput(s);
  cpu::rope(f32(s.out[0]), s.ints[0], s.ints[1], s.ints[2], s.ints[3],
            s.floats[0], position);
  return Status::success();
}

Status run_attention_at(const KernelCall &s) {
  // batch, seq, capacity, heads, kv_heads, head_dim
  const int64_t seq = s.ints[1], capacity = s.ints[2];
  int64_t position = 0;
  if (Status st =
          cachePosition("attention_at", s.in[3], seq, capacity, position);
      !st.ok())
    return st;
  cpu::attention(f32(s.in[0]), f32(s.in[1]), f32(s.in[2]), f32(s.out[0]),
                 s.ints[0], seq, position + seq, capacity, s.ints[3], s.ints[4],
                 s.ints[5], position, /*causal=*/true);
  return Status::success();
}

//===----------------------------------------------------------------------===//
// Training
//===----------------------------------------------------------------------===//

Status run_head_cross_entropy_grad(const KernelCall &s) {
  // rows, vocab, dim, ignore_index; scale
  return cpu::headCrossEntropyGrad(
      f32(s.in[0]), f32(s.in[1]), i32(s.in[2]), static_cast<float>(s.floats[0]),
      f32(s.out[0]), f32(s.out[1]), s.ints[0], s.ints[1], s.ints[2], s.ints[3],
      /*accumulateDw=*/false);
}

Status run_linear_grad_input(const KernelCall &s) { // m, n, k
  cpu::linearGradInput(f32(s.in[0]), f32(s.in[1]), f32(s.out[0]), s.ints[0],
                       s.ints[1], s.ints[2], /*accumulate=*/false);
  return Status::success();
}

Status run_linear_grad_weight(const KernelCall &s) { // m, n, k
  cpu::linearGradWeight(f32(s.in[0]), f32(s.in[1]), f32(s.out[0]), s.ints[0],
                        s.ints[1], s.ints[2], /*accumulate=*/false);
  return Status::success();
}

Status run_embedding_grad(const KernelCall &s) { // n, vocab, dim
  return cpu::embeddingGrad(i32(s.in[0]), f32(s.in[1]), f32(s.out[0]),
                            s.ints[0], s.ints[1], s.ints[2],
                            /*accumulate=*/false);
}

Status run_rms_norm_grad(const KernelCall &s) { // rows, dim; eps
  cpu::rmsNormGrad(f32(s.in[0]), f32(s.in[1]), f32(s.in[2]), f32(s.out[0]),
                   f32(s.out[1]), s.ints[0], s.ints[1],
                   static_cast<float>(s.floats[0]), false, false);
  return Status::success();
}

Status run_rope_grad(const KernelCall &s) {
  // batch, seq, heads, head_dim, position_offset; theta. In place on the
  // output, which starts as a copy of dy.
  startFromInput(s);
  cpu::ropeGrad(f32(s.out[0]), s.ints[0], s.ints[1], s.ints[2], s.ints[3],
                s.floats[0], s.ints[4]);
  return Status::success();
}

Status run_attention_grad(const KernelCall &s) {
  // batch, seq, heads, kv_heads, head_dim, causal
  cpu::attentionGrad(f32(s.in[0]), f32(s.in[1]), f32(s.in[2]), f32(s.in[3]),
                     f32(s.in[4]), f32(s.out[0]), f32(s.out[1]), f32(s.out[2]),
                     s.ints[0], s.ints[1], s.ints[2], s.ints[3], s.ints[4],
                     s.ints[5] != 0);
  return Status::success();
}

Status run_swiglu_grad(const KernelCall &s) { // n
  cpu::swigluGrad(f32(s.in[0]), f32(s.in[1]), f32(s.in[2]), f32(s.out[0]),
                  f32(s.out[1]), s.ints[0]);
  return Status::success();
}

Status run_grad_sq_norm(const KernelCall &s) { // n, accumulate
  double sum = s.ints[1] ? static_cast<double>(*f32(s.out[0])) : 0.0;
  cpu::addSquaredNorm(f32(s.in[0]), s.ints[0], &sum);
  *f32(s.out[0]) = static_cast<float>(sum);
  return Status::success();
}

/// The runtime scalars of an update: [lr, beta1, beta2, eps, weight_decay,
/// step, max_grad_norm, 0].
struct Hyper {
  float lr, beta1, beta2, eps, weightDecay;
  int64_t step;
  float clip; // the factor the gradient is scaled by
};

Status readHyper(const KernelCall &s, Hyper &h) {
  const float *p = f32(s.in[1]);
  h = {p[0],
       p[1],
       p[2],
       p[3],
       s.ints[1] ? p[4] : 0.0f,
       static_cast<int64_t>(p[5]),
       1.0f};
  if (h.step < 1 || static_cast<float>(h.step) != p[5])
    return Status::error("optimizer step " + std::to_string(p[5]) +
                         " is not a positive integer");
  // torch.nn.utils.clip_grad_norm_: scale by min(1, max / (norm + 1e-6)).
  if (p[6] > 0) {
    double norm = std::sqrt(static_cast<double>(*f32(s.in[2])));
    h.clip = static_cast<float>(
        std::min(1.0, static_cast<double>(p[6]) / (norm + 1e-6)));
  }
  return Status::success();
}

Status run_adamw(const KernelCall &s) { // n, decay
  Hyper h;
  if (Status st = readHyper(s, h); !st.ok())
    return st;
  float *grad = f32(s.in[0]);
  if (h.clip != 1.0f)
    cpu::scale(grad, h.clip, s.ints[0]);
  cpu::adamw(f32(s.out[0]), grad, f32(s.out[1]), f32(s.out[2]), s.ints[0], h.lr,
             h.beta1, h.beta2, h.eps, h.weightDecay, h.step);
  return Status::success();
}

Status run_sgd(const KernelCall &s) { // n, decay
  Hyper h;
  if (Status st = readHyper(s, h); !st.ok())
    return st;
  float *grad = f32(s.in[0]);
  if (h.clip != 1.0f)
    cpu::scale(grad, h.clip, s.ints[0]);
  cpu::sgd(f32(s.out[0]), grad, s.ints[0], h.lr, h.weightDecay);
  return Status::success();
}

/// The tensors of an adamw_multi or sgd_multi launch: inputs hyper,
/// grad_sq_norm, grad_0 .. grad_{count-1}; `perTensor` outputs each
/// (param, m, v or param); the first `decayed` get weight decay.
std::vector<cpu::ParamUpdate> listedUpdates(const KernelCall &s,
                                            int perTensor) {
  const int64_t count = s.ints[0], decayed = s.ints[1];
  std::vector<cpu::ParamUpdate> updates(count);
  for (int64_t t = 0; t < count; ++t) {
    cpu::ParamUpdate &u = updates[t];
    u.grad = f32(s.in[2 + t]);
    u.param = f32(s.out[perTensor * t]);
    u.m = perTensor > 1 ? f32(s.out[perTensor * t + 1]) : nullptr;
    u.v = perTensor > 2 ? f32(s.out[perTensor * t + 2]) : nullptr;
    u.n = static_cast<int64_t>(s.inBytes[2 + t] / sizeof(float));
    u.decay = t < decayed;
  }
  return updates;
}

/// readHyper for the list kernels, whose hyper and norm come first.
Status readListHyper(const KernelCall &s, Hyper &h) {
  KernelCall view;
  view.in = {nullptr, s.in[0], s.in[1]};
  view.ints = {0, 1}; // decay read per tensor
  return readHyper(view, h);
}

Status run_adamw_multi(const KernelCall &s) { // count, decayed
  Hyper h;
  if (Status st = readListHyper(s, h); !st.ok())
    return st;
  cpu::adamwMany(listedUpdates(s, 3), h.clip, h.lr, h.beta1, h.beta2, h.eps,
                 h.weightDecay, h.step);
  return Status::success();
}

Status run_sgd_multi(const KernelCall &s) { // count, decayed
  Hyper h;
  if (Status st = readListHyper(s, h); !st.ok())
    return st;
  cpu::sgdMany(listedUpdates(s, 1), h.clip, h.lr, h.weightDecay);
  return Status::success();
}

//===----------------------------------------------------------------------===//
// Selective ground-truth token training
//===----------------------------------------------------------------------===//

/// Checks the positions of a gather: each row's k positions in [0, seq).
Status checkPositions(const int32_t *pos, int64_t batch, int64_t k,
                      int64_t seq) {
  for (int64_t i = 0; i < batch * k; ++i)
    if (pos[i] < 0 || pos[i] >= seq)
      return Status::error("position " + std::to_string(pos[i]) + " at row " +
                           std::to_string(i / k) + " is outside [0, " +
                           std::to_string(seq) + ")");
  return Status::success();
}

Status run_gather_rows(const KernelCall &s) { // batch, seq, k, width
  const int64_t batch = s.ints[0], seq = s.ints[1], k = s.ints[2],
                width = s.ints[3];
  const int32_t *pos = i32(s.in[1]);
  if (Status st = checkPositions(pos, batch, k, seq); !st.ok())
    return st;
  const float *x = f32(s.in[0]);
  float *y = f32(s.out[0]);
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t j = 0; j < k; ++j)
      std::memcpy(y + (b * k + j) * width,
                  x + (b * seq + pos[b * k + j]) * width,
                  static_cast<size_t>(width) * sizeof(float));
  return Status::success();
}

Status run_gather_ids(const KernelCall &s) { // batch, seq, k
  const int64_t batch = s.ints[0], seq = s.ints[1], k = s.ints[2];
  const int32_t *pos = i32(s.in[1]);
  if (Status st = checkPositions(pos, batch, k, seq); !st.ok())
    return st;
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t j = 0; j < k; ++j)
      i32(s.out[0])[b * k + j] = i32(s.in[0])[b * seq + pos[b * k + j]];
  return Status::success();
}

Status run_gather_rows_grad(const KernelCall &s) { // batch, seq, k, width
  const int64_t batch = s.ints[0], seq = s.ints[1], k = s.ints[2],
                width = s.ints[3];
  const int32_t *pos = i32(s.in[1]);
  if (Status st = checkPositions(pos, batch, k, seq); !st.ok())
    return st;
  const float *dy = f32(s.in[0]);
  float *dx = f32(s.out[0]);
  std::memset(dx, 0, s.outBytes[0]);
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t j = 0; j < k; ++j) {
      float *row = dx + (b * seq + pos[b * k + j]) * width;
      const float *src = dy + (b * k + j) * width;
      for (int64_t e = 0; e < width; ++e)
        row[e] += src[e];
    }
  return Status::success();
}

Status run_sgt_select_uniform(const KernelCall &s) { // batch, seq, k
  sgt::selectUniform(s.ints[0], s.ints[1], s.ints[2], i32(s.out[0]));
  sgt::equalWeights(s.ints[0], s.ints[2], f32(s.out[1]));
  return Status::success();
}

Status run_sgt_select_score(const KernelCall &s) { // batch, seq, k, vocab
  sgt::equalWeights(s.ints[0], s.ints[2], f32(s.out[1]));
  return sgt::selectByScore(i32(s.in[0]), f32(s.in[1]), s.ints[0], s.ints[1],
                            s.ints[2], s.ints[3], i32(s.out[0]));
}

/// The training step a selection is drawn for: hyper[5], so every step
/// draws anew and a resumed run draws what the uninterrupted one did.
uint64_t stepOf(const std::byte *hyper) {
  return static_cast<uint64_t>(reinterpret_cast<const float *>(hyper)[5]);
}

Status run_sgt_select_random(const KernelCall &s) { // batch, seq, k, seed
  sgt::selectRandom(static_cast<uint64_t>(s.ints[3]), stepOf(s.in[1]),
                    s.ints[0], s.ints[1], s.ints[2], i32(s.out[0]));
  sgt::equalWeights(s.ints[0], s.ints[2], f32(s.out[1]));
  return Status::success();
}

Status run_sgt_select_surprisal(const KernelCall &s) {
  // batch, seq, k, vocab, seed
  return sgt::selectSurprisal(i32(s.in[0]), f32(s.in[1]), s.ints[3],
                              static_cast<uint64_t>(s.ints[4]), stepOf(s.in[2]),
                              s.ints[0], s.ints[1], s.ints[2], i32(s.out[0]),
                              f32(s.out[1]));
}

Status run_sgt_select_loss(const KernelCall &s) { // batch, seq, k
  sgt::selectLossTopk(f32(s.in[0]), s.ints[0], s.ints[1], s.ints[2],
                      i32(s.out[0]), f32(s.out[1]));
  return Status::success();
}

Status run_sgt_select_mask(const KernelCall &s) { // batch, seq, k, seed
  return sgt::selectMask(i32(s.in[0]), static_cast<uint64_t>(s.ints[3]),
                         stepOf(s.in[1]), s.ints[0], s.ints[1], s.ints[2],
                         i32(s.out[0]), f32(s.out[1]));
}

Status run_head_cross_entropy_weighted(const KernelCall &s) {
  // rows, vocab, dim: sum of weights * row losses; rows of weight 0 are
  // ignored, so their targets are not read.
  const int64_t rows = s.ints[0];
  const float *weights = f32(s.in[3]);
  const int32_t *targets = i32(s.in[2]);
  std::vector<int32_t> kept(rows);
  std::vector<float> rowLoss(rows);
  constexpr int64_t kSkip = -1;
  for (int64_t r = 0; r < rows; ++r) {
    if (!std::isfinite(weights[r]))
      return Status::error("head_cross_entropy_weighted: row " +
                           std::to_string(r) + " has a non-finite weight");
    kept[r] = weights[r] != 0.0f ? targets[r] : kSkip;
  }
  cpu::LossSum unused;
  Status status = cpu::headCrossEntropy(f32(s.in[0]), f32(s.in[1]), kept.data(),
                                        rows, s.ints[1], s.ints[2], kSkip,
                                        rowLoss.data(), unused);
  if (!status.ok())
    return status;
  double sum = 0;
  for (int64_t r = 0; r < rows; ++r)
    sum += static_cast<double>(weights[r]) * rowLoss[r];
  *f32(s.out[0]) = static_cast<float>(sum);
  return Status::success();
}

Status run_head_cross_entropy_weighted_grad(const KernelCall &s) {
  // rows, vocab, dim; scale
  return cpu::headCrossEntropyWeightedGrad(
      f32(s.in[0]), f32(s.in[1]), i32(s.in[2]), f32(s.in[3]),
      static_cast<float>(s.floats[0]), f32(s.out[0]), f32(s.out[1]), s.ints[0],
      s.ints[1], s.ints[2]);
}

Status run_head_cross_entropy_rows(const KernelCall &s) {
  // rows, vocab, dim, ignore_index: the mean and every row's loss.
  cpu::LossSum loss;
  Status status = cpu::headCrossEntropy(
      f32(s.in[0]), f32(s.in[1]), i32(s.in[2]), s.ints[0], s.ints[1], s.ints[2],
      s.ints[3], f32(s.out[1]), loss);
  if (!status.ok())
    return status;
  *f32(s.out[0]) = static_cast<float>(loss.mean());
  return Status::success();
}

class CpuDevice final : public HostMemoryDevice {
public:
  const char *name() const override { return "cpu"; }

  Status launch(const KernelCall &call) override {
    switch (call.kernel) {
#define CHERRY_KERNEL(name, inputs, outputs, ints, floats)                     \
  case KernelId::name:                                                         \
    return run_##name(call);
#include "cherry/Runtime/Kernels.def"
    }
    return Status::error("unknown kernel id " +
                         std::to_string(static_cast<int>(call.kernel)));
  }
};

} // namespace

std::unique_ptr<Device> createCpuDevice() {
  return std::make_unique<CpuDevice>();
}

} // namespace cherry::runtime
