//===- CpuDevice.cpp - The CPU device -------------------------------------===//
//
// Runs each kernel of the ABI (runtime/abi/Kernels.abi) with the CPU kernels
// (CpuKernels.h): one run() overload per kernel, on its typed arguments
// (KernelArgs.h).
//
//===----------------------------------------------------------------------===//

#include "../ExpertExchange.h"

#include "cherry/Runtime/CpuKernels.h"
#include "cherry/Runtime/Device.h"
#include "cherry/Runtime/KernelArgs.h"
#include "cherry/Runtime/Sgt.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

namespace cherry::runtime {
namespace {

//===----------------------------------------------------------------------===//
// Kernel calls
//===----------------------------------------------------------------------===//

Status run(const EmbeddingArgs &a) {
  return cpu::embedding(a.ids, a.n, a.table, a.vocab, a.dim, a.y);
}

Status run(const RmsNormArgs &a) {
  cpu::rmsNorm(a.x, a.w, a.y, a.rows, a.dim, static_cast<float>(a.eps));
  return Status::success();
}

Status run(const AddRmsNormArgs &a) { // reads residual itself (readsSources)
  cpu::addRmsNormInto(a.residual, a.delta, a.w, a.sum, a.y, a.rows, a.dim,
                      static_cast<float>(a.eps));
  return Status::success();
}

Status run(const LinearArgs &a) {
  cpu::linear(a.x, a.w, a.y, a.m, a.n, a.k);
  return Status::success();
}

Status run(const RopeArgs &a) { // reads x itself (readsSources)
  cpu::ropeInto(a.x, a.y, a.batch, a.seq, a.heads, a.head_dim, a.theta,
                a.position_offset);
  return Status::success();
}

Status run(const AttentionArgs &a) {
  cpu::attention(a.q, a.k, a.v, a.o, a.batch, a.q_len, a.kv_len,
                 a.kv_batch_stride, a.heads, a.kv_heads, a.head_dim,
                 a.q_position_offset, a.causal != 0);
  return Status::success();
}

Status run(const AttentionLseArgs &a) {
  cpu::attention(a.q, a.k, a.v, a.o, a.batch, a.seq, a.seq, a.seq, a.heads,
                 a.kv_heads, a.head_dim, 0, a.causal != 0, a.lse);
  return Status::success();
}

Status run(const SwigluArgs &a) {
  cpu::swiglu(a.gate, a.up, a.y, a.n);
  return Status::success();
}

Status run(const AddArgs &a) {
  cpu::add(a.a, a.b, a.y, a.n);
  return Status::success();
}

Status run(const ScaleArgs &a) {
  cpu::scale(a.x, a.factor, a.y, a.n);
  return Status::success();
}

Status run(const HeadCrossEntropyArgs &a) {
  cpu::LossSum loss;
  Status status = cpu::headCrossEntropy(a.h, a.w, a.targets, a.rows, a.vocab,
                                        a.dim, a.ignore_index, nullptr, loss);
  if (!status.ok())
    return status;
  *a.loss = static_cast<float>(loss.mean());
  return Status::success();
}

/// The position a decoding kernel reads from its i32[1] operand, checked
/// against the cache: 0 <= position and position + seq <= capacity.
Status cachePosition(KernelId kernel, const int32_t *operand, int64_t seq,
                     int64_t capacity, int64_t &position) {
  position = *operand;
  if (position < 0 || position + seq > capacity)
    return Status::error(std::string(abi::kernelName(kernel)) + ": position " +
                         std::to_string(position) + " + seq " +
                         std::to_string(seq) + " is outside the cache of " +
                         std::to_string(capacity) + " rows");
  return Status::success();
}

Status run(const KvAppendArgs &a) {
  int64_t position = 0;
  if (Status st = cachePosition(KernelId::kv_append, a.position, a.seq,
                                a.capacity, position);
      !st.ok())
    return st;
  for (int64_t b = 0; b < a.batch; ++b)
    std::memcpy(a.cache + (b * a.capacity + position) * a.width,
                a.new_ + b * a.seq * a.width,
                static_cast<size_t>(a.seq * a.width) * sizeof(float));
  return Status::success();
}

Status run(const RopeAtArgs &a) { // in place on y, which starts as x
  const int64_t position = *a.position;
  if (position < 0)
    return Status::error(std::string(abi::kernelName(KernelId::rope_at)) +
                         ": position " + std::to_string(position) +
                         " is negative");
  cpu::rope(a.y, a.batch, a.seq, a.heads, a.head_dim, a.theta, position);
  return Status::success();
}

Status run(const AttentionAtArgs &a) {
  int64_t position = 0;
  if (Status st = cachePosition(KernelId::attention_at, a.position, a.seq,
                                a.capacity, position);
      !st.ok())
    return st;
  cpu::attention(a.q, a.k_cache, a.v_cache, a.o, a.batch, a.seq,
                 position + a.seq, a.capacity, a.heads, a.kv_heads, a.head_dim,
                 position, /*causal=*/true);
  return Status::success();
}

//===----------------------------------------------------------------------===//
// Training
//===----------------------------------------------------------------------===//

Status run(const HeadCrossEntropyGradArgs &a) {
  return cpu::headCrossEntropyGrad(a.h, a.w, a.targets,
                                   static_cast<float>(a.scale), a.dh, a.dw,
                                   a.rows, a.vocab, a.dim, a.ignore_index,
                                   /*accumulateDw=*/false);
}

Status run(const HeadCrossEntropyTrainArgs &a) {
  return cpu::headCrossEntropyTrain(
      a.h, a.w, a.targets, static_cast<float>(a.scale), a.loss, a.dh, a.dw,
      a.rows, a.vocab, a.dim, a.ignore_index);
}

Status run(const LinearGradInputArgs &a) {
  cpu::linearGradInput(a.dy, a.w, a.dx, a.m, a.n, a.k, /*accumulate=*/false);
  return Status::success();
}

Status run(const LinearGradInputAddArgs &a) { // dx starts as acc
  cpu::linearGradInput(a.dy, a.w, a.dx, a.m, a.n, a.k, /*accumulate=*/true);
  return Status::success();
}

Status run(const LinearGradWeightArgs &a) {
  cpu::linearGradWeight(a.dy, a.x, a.dw, a.m, a.n, a.k, /*accumulate=*/false);
  return Status::success();
}

Status run(const EmbeddingGradArgs &a) {
  return cpu::embeddingGrad(a.ids, a.dy, a.dtable, a.n, a.vocab, a.dim,
                            /*accumulate=*/false);
}

Status run(const EmbeddingGradAddArgs &a) { // dtable starts as acc
  return cpu::embeddingGrad(a.ids, a.dy, a.dtable, a.n, a.vocab, a.dim,
                            /*accumulate=*/true);
}

Status run(const RmsNormGradArgs &a) {
  cpu::rmsNormGrad(a.x, a.w, a.dy, a.dx, a.dw, a.rows, a.dim,
                   static_cast<float>(a.eps), false, false);
  return Status::success();
}

Status run(const RmsNormGradAddArgs &a) { // dx starts as acc
  cpu::rmsNormGrad(a.x, a.w, a.dy, a.dx, a.dw, a.rows, a.dim,
                   static_cast<float>(a.eps), /*accumulateDx=*/true, false);
  return Status::success();
}

Status run(const RopeGradArgs &a) { // reads dy itself (readsSources)
  cpu::ropeGradInto(a.dy, a.dx, a.batch, a.seq, a.heads, a.head_dim, a.theta,
                    a.position_offset);
  return Status::success();
}

Status run(const AttentionGradArgs &a) {
  cpu::attentionGrad(a.q, a.k, a.v, a.o, a.dout, a.dq, a.dk, a.dv, a.batch,
                     a.seq, a.heads, a.kv_heads, a.head_dim, a.causal != 0);
  return Status::success();
}

Status run(const AttentionGradLseArgs &a) {
  cpu::attentionGrad(a.q, a.k, a.v, a.o, a.dout, a.dq, a.dk, a.dv, a.batch,
                     a.seq, a.heads, a.kv_heads, a.head_dim, a.causal != 0,
                     a.lse);
  return Status::success();
}

Status run(const SwigluGradArgs &a) {
  cpu::swigluGrad(a.gate, a.up, a.dy, a.dgate, a.dup, a.n);
  return Status::success();
}

Status run(const GradSqNormArgs &a) {
  double sum = a.accumulate ? static_cast<double>(*a.acc) : 0.0;
  cpu::addSquaredNorm(a.g, a.n, &sum);
  *a.acc = static_cast<float>(sum);
  return Status::success();
}

/// The runtime scalars of an update: [lr, beta1, beta2, eps, weight_decay,
/// step, max_grad_norm, tokens].
struct Hyper {
  float lr, beta1, beta2, eps, weightDecay;
  int64_t step;
  float clip; // the factor the gradient is scaled by
};

/// Reads `hyper` (weight decay only when `decay`) and the clipping factor
/// from the squared gradient norm.
Status readHyper(const float *p, const float *gradSqNorm, bool decay,
                 Hyper &h) {
  h = {p[0], p[1], p[2], p[3], decay ? p[4] : 0.0f, static_cast<int64_t>(p[5]),
       1.0f};
  if (h.step < 1 || static_cast<float>(h.step) != p[5])
    return Status::error("optimizer step " + std::to_string(p[5]) +
                         " is not a positive integer");
  // torch.nn.utils.clip_grad_norm_: scale by min(1, max / (norm + 1e-6)).
  if (p[6] > 0) {
    double norm = std::sqrt(static_cast<double>(*gradSqNorm));
    h.clip = static_cast<float>(
        std::min(1.0, static_cast<double>(p[6]) / (norm + 1e-6)));
  }
  return Status::success();
}

Status run(const AdamwArgs &a) {
  Hyper h;
  if (Status st = readHyper(a.hyper, a.grad_sq_norm, a.decay, h); !st.ok())
    return st;
  if (h.clip != 1.0f)
    cpu::scale(a.grad, h.clip, a.n);
  cpu::adamw(a.param, a.grad, a.m, a.v, a.n, h.lr, h.beta1, h.beta2, h.eps,
             h.weightDecay, h.step);
  return Status::success();
}

Status run(const SgdArgs &a) {
  Hyper h;
  if (Status st = readHyper(a.hyper, a.grad_sq_norm, a.decay, h); !st.ok())
    return st;
  if (h.clip != 1.0f)
    cpu::scale(a.grad, h.clip, a.n);
  cpu::sgd(a.param, a.grad, a.n, h.lr, h.weightDecay);
  return Status::success();
}

/// The tensors of an adamw_multi or sgd_multi launch; the first `decayed`
/// get weight decay.
template <class Args>
std::vector<cpu::ParamUpdate> listedUpdates(const Args &a) {
  std::vector<cpu::ParamUpdate> updates(a.count);
  for (int64_t t = 0; t < a.count; ++t) {
    cpu::ParamUpdate &u = updates[t];
    u.grad = a.grad[t].data;
    u.param = a.param[t].data;
    u.m = u.v = nullptr;
    if constexpr (std::is_same_v<Args, AdamwMultiArgs>) {
      u.m = a.m[t].data;
      u.v = a.v[t].data;
    }
    u.n = a.grad[t].size;
    u.decay = t < a.decayed;
  }
  return updates;
}

Status run(const AdamwMultiArgs &a) {
  Hyper h; // decay applies per tensor
  if (Status st = readHyper(a.hyper, a.grad_sq_norm, /*decay=*/true, h);
      !st.ok())
    return st;
  cpu::adamwMany(listedUpdates(a), h.clip, h.lr, h.beta1, h.beta2, h.eps,
                 h.weightDecay, h.step);
  return Status::success();
}

Status run(const SgdMultiArgs &a) {
  Hyper h; // decay applies per tensor
  if (Status st = readHyper(a.hyper, a.grad_sq_norm, /*decay=*/true, h);
      !st.ok())
    return st;
  cpu::sgdMany(listedUpdates(a), h.clip, h.lr, h.weightDecay);
  return Status::success();
}

//===----------------------------------------------------------------------===//
// Selective ground-truth token training
//===----------------------------------------------------------------------===//

/// Checks the positions of a gather (kernel `kernel`): each row's k
/// positions in [0, seq).
Status checkPositions(const char *kernel, const int32_t *pos, int64_t batch,
                      int64_t k, int64_t seq) {
  for (int64_t i = 0; i < batch * k; ++i)
    if (pos[i] < 0 || pos[i] >= seq)
      return Status::error(std::string(kernel) + ": position " +
                           std::to_string(pos[i]) + " at row " +
                           std::to_string(i / k) + " is outside [0, " +
                           std::to_string(seq) + ")");
  return Status::success();
}

/// Checks the positions of rope's gathered rows (kernel `kernel`): each >= 0.
Status checkRopePositions(const char *kernel, const int32_t *pos, int64_t batch,
                          int64_t rows) {
  for (int64_t i = 0; i < batch * rows; ++i)
    if (pos[i] < 0)
      return Status::error(std::string(kernel) + ": position " +
                           std::to_string(pos[i]) + " at row " +
                           std::to_string(i / rows) + " is negative");
  return Status::success();
}

Status run(const RopeRowsArgs &a) { // reads x itself (readsSources)
  if (Status st = checkRopePositions("rope_rows", a.positions, a.batch, a.rows);
      !st.ok())
    return st;
  cpu::ropeGathered(a.x, a.positions, a.y, a.batch * a.rows, a.heads,
                    a.head_dim, a.theta);
  return Status::success();
}

Status run(const RopeGradRowsArgs &a) { // reads dy itself (readsSources)
  if (Status st =
          checkRopePositions("rope_grad_rows", a.positions, a.batch, a.rows);
      !st.ok())
    return st;
  cpu::ropeGradGathered(a.dy, a.positions, a.dx, a.batch * a.rows, a.heads,
                        a.head_dim, a.theta);
  return Status::success();
}

Status run(const AttentionRowsArgs &a) {
  if (Status st =
          checkPositions("attention_rows", a.positions, a.batch, a.rows, a.seq);
      !st.ok())
    return st;
  cpu::attentionGathered(a.q, a.k, a.v, a.positions, a.o, a.lse, a.batch,
                         a.rows, a.seq, a.heads, a.kv_heads, a.head_dim,
                         a.causal != 0);
  return Status::success();
}

Status run(const AttentionGradRowsArgs &a) {
  if (Status st = checkPositions("attention_grad_rows", a.positions, a.batch,
                                 a.rows, a.seq);
      !st.ok())
    return st;
  cpu::attentionGradGathered(a.q, a.k, a.v, a.positions, a.o, a.lse, a.dout,
                             a.dq, a.dk, a.dv, a.batch, a.rows, a.seq, a.heads,
                             a.kv_heads, a.head_dim, a.causal != 0);
  return Status::success();
}

Status run(const GatherRowsArgs &a) {
  const int32_t *pos = a.positions;
  if (Status st = checkPositions("gather_rows", pos, a.batch, a.k, a.seq);
      !st.ok())
    return st;
  for (int64_t b = 0; b < a.batch; ++b)
    for (int64_t j = 0; j < a.k; ++j)
      std::memcpy(a.y + (b * a.k + j) * a.width,
                  a.x + (b * a.seq + pos[b * a.k + j]) * a.width,
                  static_cast<size_t>(a.width) * sizeof(float));
  return Status::success();
}

Status run(const ShiftTargetsArgs &a) {
  if (a.shift < 0)
    return Status::error("shift_targets: negative shift " +
                         std::to_string(a.shift));
  for (int64_t b = 0; b < a.batch; ++b)
    for (int64_t t = 0; t < a.seq; ++t)
      a.y[b * a.seq + t] = t + a.shift < a.seq ? a.ids[b * a.seq + t + a.shift]
                                               : static_cast<int32_t>(a.fill);
  return Status::success();
}

Status run(const GatherIdsArgs &a) {
  const int32_t *pos = a.positions;
  if (Status st = checkPositions("gather_ids", pos, a.batch, a.k, a.seq);
      !st.ok())
    return st;
  for (int64_t b = 0; b < a.batch; ++b)
    for (int64_t j = 0; j < a.k; ++j)
      a.y[b * a.k + j] = a.ids[b * a.seq + pos[b * a.k + j]];
  return Status::success();
}

Status run(const GatherRowsGradArgs &a) {
  const int32_t *pos = a.positions;
  if (Status st = checkPositions("gather_rows_grad", pos, a.batch, a.k, a.seq);
      !st.ok())
    return st;
  std::memset(a.dx, 0,
              static_cast<size_t>(a.batch * a.seq * a.width) * sizeof(float));
  for (int64_t b = 0; b < a.batch; ++b)
    for (int64_t j = 0; j < a.k; ++j) {
      float *row = a.dx + (b * a.seq + pos[b * a.k + j]) * a.width;
      const float *src = a.dy + (b * a.k + j) * a.width;
      for (int64_t e = 0; e < a.width; ++e)
        row[e] += src[e];
    }
  return Status::success();
}

Status run(const SgtSelectUniformArgs &a) {
  sgt::selectUniform(a.batch, a.seq, a.k, a.positions);
  sgt::equalWeights(a.batch, a.k, a.weights);
  return Status::success();
}

Status run(const SgtSelectScoreArgs &a) {
  sgt::equalWeights(a.batch, a.k, a.weights);
  return sgt::selectByScore(a.targets, a.scores, a.batch, a.seq, a.k, a.vocab,
                            a.positions);
}

/// The training step a selection is drawn for: hyper[5], so every step
/// draws anew and a resumed run draws what the uninterrupted one did.
uint64_t stepOf(const float *hyper) { return static_cast<uint64_t>(hyper[5]); }

// The seeded selections draw by the row's index in the global batch: on
// rank r of a data-parallel run, row b is row r * batch + b.
Status run(const SgtSelectRandomArgs &a, int64_t firstRow = 0) {
  sgt::selectRandom(static_cast<uint64_t>(a.seed), stepOf(a.hyper), a.batch,
                    a.seq, a.k, a.positions, firstRow);
  sgt::equalWeights(a.batch, a.k, a.weights);
  return Status::success();
}

Status run(const SgtSelectSurprisalArgs &a, int64_t firstRow = 0) {
  return sgt::selectSurprisal(
      a.targets, a.scores, a.vocab, static_cast<uint64_t>(a.seed),
      stepOf(a.hyper), a.batch, a.seq, a.k, a.positions, a.weights, firstRow);
}

Status run(const SgtSelectLossArgs &a) {
  sgt::selectLossTopk(a.losses, a.batch, a.seq, a.k, a.positions, a.weights);
  return Status::success();
}

Status run(const SgtSelectMaskArgs &a, int64_t firstRow = 0) {
  return sgt::selectMask(a.mask, static_cast<uint64_t>(a.seed), stepOf(a.hyper),
                         a.batch, a.seq, a.k, a.positions, a.weights, firstRow);
}

Status run(const HeadCrossEntropyWeightedArgs &a) {
  // The sum of weights * row losses; rows of weight 0 are ignored, so their
  // targets are not read.
  std::vector<int32_t> kept(a.rows);
  std::vector<float> rowLoss(a.rows);
  constexpr int64_t kSkip = -1;
  for (int64_t r = 0; r < a.rows; ++r) {
    if (!std::isfinite(a.weights[r]))
      return Status::error(
          std::string(abi::kernelName(KernelId::head_cross_entropy_weighted)) +
          ": row " + std::to_string(r) + " has a non-finite weight");
    kept[r] = a.weights[r] != 0.0f ? a.targets[r] : kSkip;
  }
  cpu::LossSum unused;
  Status status = cpu::headCrossEntropy(a.h, a.w, kept.data(), a.rows, a.vocab,
                                        a.dim, kSkip, rowLoss.data(), unused);
  if (!status.ok())
    return status;
  double sum = 0;
  for (int64_t r = 0; r < a.rows; ++r)
    sum += static_cast<double>(a.weights[r]) * rowLoss[r];
  *a.loss = static_cast<float>(sum);
  return Status::success();
}

Status run(const HeadCrossEntropyWeightedGradArgs &a) {
  return cpu::headCrossEntropyWeightedGrad(a.h, a.w, a.targets, a.weights,
                                           static_cast<float>(a.scale), a.dh,
                                           a.dw, a.rows, a.vocab, a.dim);
}

Status run(const HeadCrossEntropyWeightedTrainArgs &a) {
  return cpu::headCrossEntropyWeightedTrain(a.h, a.w, a.targets, a.weights,
                                            static_cast<float>(a.scale), a.loss,
                                            a.dh, a.dw, a.rows, a.vocab, a.dim);
}

Status run(const HeadCrossEntropyRowsArgs &a) {
  // The mean and every row's loss.
  cpu::LossSum loss;
  Status status =
      cpu::headCrossEntropy(a.h, a.w, a.targets, a.rows, a.vocab, a.dim,
                            a.ignore_index, a.row_losses, loss);
  if (!status.ok())
    return status;
  *a.loss = static_cast<float>(loss.mean());
  return Status::success();
}

//===----------------------------------------------------------------------===//
// Mixture of experts
//===----------------------------------------------------------------------===//

Status run(const MoeTopkArgs &a) {
  cpu::moeTopk(a.logits, a.tokens, a.experts, a.top_k, a.renormalize != 0,
               a.probs, a.expert, a.gate);
  return Status::success();
}

Status run(const MoeTopkGradArgs &a) {
  return cpu::moeTopkGrad(a.probs, a.expert, a.gate, a.dgate, a.tokens,
                          a.experts, a.top_k, a.renormalize != 0, a.dlogits);
}

Status run(const MoePermuteArgs &a) {
  return cpu::moePermute(a.expert, a.tokens, a.experts, a.top_k, a.slot_row,
                         a.counts);
}

Status run(const MoeGatherRowsArgs &a) {
  return cpu::moeGatherRows(a.x, a.slot_row, a.tokens, a.top_k, a.dim, a.xp);
}

Status run(const MoeGatherRowsGradArgs &a) {
  return cpu::moeGatherRowsGrad(a.dxp, a.slot_row, a.tokens, a.top_k, a.dim,
                                a.dx);
}

Status run(const MoeGroupedLinearArgs &a) {
  return cpu::moeGroupedLinear(a.xp, a.w, a.counts, a.m, a.n, a.k, a.experts,
                               a.yp);
}

Status run(const MoeGroupedLinearGradInputArgs &a) {
  return cpu::moeGroupedLinearGradInput(a.dyp, a.w, a.counts, a.m, a.n, a.k,
                                        a.experts, a.dxp);
}

Status run(const MoeGroupedLinearGradWeightArgs &a) {
  return cpu::moeGroupedLinearGradWeight(a.dyp, a.xp, a.counts, a.m, a.n, a.k,
                                         a.experts, a.dw);
}

Status run(const MoeUnpermuteArgs &a) {
  return cpu::moeUnpermute(a.yp, a.slot_row, a.gate, a.tokens, a.top_k, a.dim,
                           a.y);
}

Status run(const MoeUnpermuteGradArgs &a) {
  return cpu::moeUnpermuteGrad(a.dy, a.yp, a.slot_row, a.gate, a.tokens,
                               a.top_k, a.dim, a.dyp, a.dgate);
}

Status run(const MoeBalanceLossArgs &a) {
  double loss = 0.0;
  if (Status st = cpu::moeBalanceLoss(a.probs, a.counts, a.tokens, a.experts,
                                      a.top_k, a.coeff, loss);
      !st.ok())
    return st;
  *a.loss = static_cast<float>(loss);
  return Status::success();
}

Status run(const MoeBalanceLossGradArgs &a) {
  return cpu::moeBalanceLossGrad(a.probs, a.counts, a.tokens, a.experts,
                                 a.top_k, a.coeff, a.dlogits);
}

Status run(const MoeBalanceStatsArgs &a) {
  return cpu::moeBalanceStats(a.probs, a.counts, a.tokens, a.experts, a.top_k,
                              a.stats);
}

Status run(const MoeBalanceLossStatsArgs &a) {
  *a.loss = static_cast<float>(
      cpu::moeBalanceLossStats(a.stats, a.experts, a.top_k, a.coeff));
  return Status::success();
}

Status run(const MoeBalanceLossStatsGradArgs &a) {
  cpu::moeBalanceLossStatsGrad(a.probs, a.stats, a.tokens, a.experts, a.coeff,
                               a.dlogits);
  return Status::success();
}

Status run(const MoeZLossArgs &a) {
  *a.loss =
      static_cast<float>(cpu::moeZLoss(a.logits, a.tokens, a.experts, a.coeff));
  return Status::success();
}

Status run(const MoeZLossGradArgs &a) {
  cpu::moeZLossGrad(a.logits, a.tokens, a.experts, a.coeff, a.dlogits);
  return Status::success();
}

/// Kernels whose CPU run reads the sources of their outputs itself, in the
/// same pass that writes the outputs (the ropes, add_rms_norm), rather than
/// updating a copy in place.
bool readsSources(KernelId kernel) {
  return kernel == KernelId::rope || kernel == KernelId::rope_grad ||
         kernel == KernelId::rope_rows || kernel == KernelId::rope_grad_rows ||
         kernel == KernelId::add_rms_norm;
}

/// Other outputs that update an input in place (rope_at's y) start as a copy
/// of it when the loader gave them another slice.
void startFromSources(const KernelCall &call) {
  if (readsSources(call.kernel))
    return;
  const abi::KernelSpec &spec = abi::kernelSpec(call.kernel);
  for (int o = 0; o < spec.outputs.size; ++o) {
    int source = spec.outputs[o].source;
    if (source >= 0 && call.out[o] != call.in[source])
      std::memmove(call.out[o], call.in[source], call.outBytes[o]);
  }
}

//===----------------------------------------------------------------------===//
// Collectives across ranks
//===----------------------------------------------------------------------===//

/// The rank's weight in the mean, hyper[7] (its supervised tokens), checked.
Status rankWeight(const char *kernel, const float *hyper, float &weight) {
  weight = hyper[7];
  if (!std::isfinite(weight) || weight < 0)
    return Status::error(
        std::string(kernel) + ": hyper[7] (the rank's supervised tokens) is " +
        std::to_string(weight) + ", not a finite non-negative count");
  return Status::success();
}

Status runRankShare(Communicator *comm, const RankShareArgs &a) {
  Communicator *c = nullptr;
  if (Status s = collectiveCommunicator(comm, "rank_share", a.ranks, c);
      !s.ok())
    return s;
  float weight = 0;
  if (Status s = rankWeight("rank_share", a.hyper, weight); !s.ok())
    return s;
  *a.share = weight;
  if (Status s = c->allReduceSum({{a.share, 1}}); !s.ok())
    return Status::error("rank_share: " + s.message);
  const float total = *a.share;
  *a.share = total > 0 ? weight / total : 0.0f;
  return Status::success();
}

/// A collective's tensors, each output starting as its input: in place, or
/// copied into y from x. y_t aliasing another tensor's x is not something the
/// compiler emits (it would read a value already reduced), so it is refused.
Status collectiveTensors(const char *kernel, const char *verb,
                         const std::vector<TensorRef<const float>> &x,
                         const std::vector<TensorRef<float>> &y,
                         std::vector<Communicator::Tensor> &tensors) {
  for (size_t t = 0; t < y.size(); ++t) {
    for (size_t u = 0; u < x.size(); ++u)
      if (u != t && y[t].data == x[u].data)
        return Status::error(
            std::string(kernel) + ": output " + std::to_string(t) +
            " is input " + std::to_string(u) + " (only its own input may be " +
            verb + " in place)");
    if (y[t].data != x[t].data)
      std::memcpy(y[t].data, x[t].data, x[t].size * sizeof(float));
    tensors.push_back({y[t].data, static_cast<uint64_t>(y[t].size)});
  }
  return Status::success();
}

/// What all_reduce and all_reduce_start share before the collective: the
/// communicator, each y_i starting as x_i, scaled by the rank's share for a
/// mean. `Args` is AllReduceArgs or AllReduceStartArgs.
template <class Args>
Status prepareReduction(Communicator *comm, const char *kernel, const Args &a,
                        Communicator *&c,
                        std::vector<Communicator::Tensor> &tensors) {
  if (Status s = collectiveCommunicator(comm, kernel, a.ranks, c); !s.ok())
    return s;
  if (Status s = collectiveTensors(kernel, "reduced", a.x, a.y, tensors);
      !s.ok())
    return s;
  if (a.mean)
    for (const TensorRef<float> &y : a.y)
      cpu::scale(y.data, *a.share, y.size);
  return Status::success();
}

Status runAllReduce(Communicator *comm, const AllReduceArgs &a) {
  Communicator *c = nullptr;
  std::vector<Communicator::Tensor> tensors;
  if (Status s = prepareReduction(comm, "all_reduce", a, c, tensors); !s.ok())
    return s;
  if (Status s = c->allReduceSum(tensors); !s.ok())
    return Status::error("all_reduce: " + s.message);
  return Status::success();
}

/// The reductions started and not yet waited for (all_reduce_start,
/// all_reduce_wait): no other launch may touch their tensors.
class InFlight {
public:
  bool empty() const { return started_.empty(); }

  Status start(Communicator *comm, const AllReduceStartArgs &a) {
    Communicator *c = nullptr;
    std::vector<Communicator::Tensor> tensors;
    if (Status s = prepareReduction(comm, "all_reduce_start", a, c, tensors);
        !s.ok())
      return s;
    uint64_t ticket = 0;
    if (Status s = c->allReduceSumStart(tensors, ticket); !s.ok())
      return Status::error("all_reduce_start: " + s.message);
    started_.push_back({std::move(tensors), ticket, c});
    return Status::success();
  }

  Status wait(const AllReduceWaitArgs &a) {
    for (size_t t = 0; t < a.y.size(); ++t)
      if (a.y[t].data != a.x[t].data)
        return Status::error("all_reduce_wait: output " + std::to_string(t) +
                             " is not input " + std::to_string(t) +
                             " (a wait finishes its tensors in place)");
    for (auto it = started_.begin(); it != started_.end(); ++it) {
      bool same = it->tensors.size() == a.x.size();
      for (size_t t = 0; same && t < a.x.size(); ++t)
        same = it->tensors[t].data == a.x[t].data &&
               it->tensors[t].count == static_cast<uint64_t>(a.x[t].size);
      if (!same)
        continue;
      Started done = std::move(*it);
      started_.erase(it);
      if (Status s = done.comm->allReduceSumWait(done.ticket); !s.ok())
        return Status::error("all_reduce_wait: " + s.message);
      return Status::success();
    }
    return Status::error("all_reduce_wait: no all_reduce_start of these " +
                         std::to_string(a.x.size()) + " tensors is in flight");
  }

  /// Fails when `call` touches a tensor in flight.
  Status check(const KernelCall &call) const {
    std::vector<const std::vector<Communicator::Tensor> *> tensors;
    for (const Started &s : started_)
      tensors.push_back(&s.tensors);
    return refuseInFlight(call, tensors);
  }

private:
  struct Started {
    std::vector<Communicator::Tensor> tensors;
    uint64_t ticket;
    Communicator *comm;
  };
  std::vector<Started> started_;
};

Status runAdamwShard(Communicator *comm, const AdamwShardArgs &a) {
  Communicator *c = nullptr;
  if (Status s = collectiveCommunicator(comm, "adamw_shard", a.ranks, c);
      !s.ok())
    return s;
  Hyper h; // as adamw_multi: decay per tensor
  if (Status st = readHyper(a.hyper, a.grad_sq_norm, /*decay=*/true, h);
      !st.ok())
    return st;
  const int64_t begin = std::min<int64_t>(a.n, c->rank() * a.shard);
  const int64_t end = std::min<int64_t>(a.n, begin + a.shard);
  if (end > begin)
    cpu::adamwMany({{a.param + begin, a.grad + begin, a.m, a.v, end - begin,
                     a.decay != 0}},
                   h.clip, h.lr, h.beta1, h.beta2, h.eps, h.weightDecay,
                   h.step);
  return Status::success();
}

Status runAllGather(Communicator *comm, const AllGatherArgs &a) {
  Communicator *c = nullptr;
  if (Status s = collectiveCommunicator(comm, "all_gather", a.ranks, c);
      !s.ok())
    return s;
  std::vector<Communicator::Tensor> tensors;
  if (Status s = collectiveTensors("all_gather", "gathered", a.x, a.y, tensors);
      !s.ok())
    return s;
  if (Status s = c->allGatherShards(tensors); !s.ok())
    return Status::error("all_gather: " + s.message);
  return Status::success();
}

Status runRankShares(Communicator *comm, const RankSharesArgs &a) {
  Communicator *c = nullptr;
  if (Status s = collectiveCommunicator(comm, "rank_shares", a.ranks, c);
      !s.ok())
    return s;
  float weight = 0;
  if (Status s = rankWeight("rank_shares", a.hyper, weight); !s.ok())
    return s;
  // Each rank's weight at its place, zero elsewhere: the sum is exact.
  std::fill(a.shares, a.shares + a.ranks, 0.0f);
  a.shares[c->rank()] = weight;
  if (Status s = c->allReduceSum({{a.shares, static_cast<uint64_t>(a.ranks)}});
      !s.ok())
    return Status::error("rank_shares: " + s.message);
  float total = 0;
  for (int64_t p = 0; p < a.ranks; ++p)
    total += a.shares[p];
  for (int64_t p = 0; p < a.ranks; ++p)
    a.shares[p] = total > 0 ? a.shares[p] / total : 0.0f;
  return Status::success();
}

Status runMoeExchangeCounts(Communicator *comm,
                            const MoeExchangeCountsArgs &a) {
  Communicator *c = nullptr;
  if (Status s =
          collectiveCommunicator(comm, "moe_exchange_counts", a.ranks, c);
      !s.ok())
    return s;
  for (int64_t e = 0; e < a.experts; ++e)
    if (a.counts[e] < 0)
      return Status::error("moe_exchange_counts: expert " + std::to_string(e) +
                           " has a negative count " +
                           std::to_string(a.counts[e]));
  if (Status s = c->allToAll(a.counts, a.received, a.local); !s.ok())
    return Status::error("moe_exchange_counts: " + s.message);
  for (int64_t l = 0; l < a.local; ++l) {
    int64_t sum = 0;
    for (int64_t p = 0; p < a.ranks; ++p)
      sum += a.received[p * a.local + l];
    if (sum > std::numeric_limits<int32_t>::max())
      return Status::error("moe_exchange_counts: local expert " +
                           std::to_string(l) + " receives " +
                           std::to_string(sum) + " rows");
    a.local_counts[l] = static_cast<int32_t>(sum);
  }
  return Status::success();
}

Status runMoeExchangeDispatch(Communicator *comm,
                              const MoeExchangeDispatchArgs &a) {
  Communicator *c = nullptr;
  if (Status s =
          collectiveCommunicator(comm, "moe_exchange_dispatch", a.ranks, c);
      !s.ok())
    return s;
  int64_t filled = 0;
  if (Status s = exchangeRows(c, "moe_exchange_dispatch", a.counts, a.received,
                              a.rows, a.dim, a.experts, a.ranks, a.local,
                              a.capacity, a.xp, a.xr, /*back=*/false, filled);
      !s.ok())
    return s;
  std::fill(a.xr + filled * a.dim, a.xr + a.capacity * a.dim, 0.0f);
  return Status::success();
}

Status runMoeExchangeCombine(Communicator *comm,
                             const MoeExchangeCombineArgs &a) {
  Communicator *c = nullptr;
  if (Status s =
          collectiveCommunicator(comm, "moe_exchange_combine", a.ranks, c);
      !s.ok())
    return s;
  int64_t filled = 0;
  return exchangeRows(c, "moe_exchange_combine", a.counts, a.received, a.rows,
                      a.dim, a.experts, a.ranks, a.local, a.capacity, a.yr,
                      a.yp, /*back=*/true, filled);
}

Status run(const MoeScaleSourceRowsArgs &a) {
  int64_t row = 0;
  for (int64_t l = 0; l < a.local; ++l)
    for (int64_t p = 0; p < a.ranks; ++p) {
      const int32_t n = a.received[p * a.local + l];
      if (n < 0 || row + n > a.capacity)
        return Status::error("moe_scale_source_rows: the rows rank " +
                             std::to_string(p) + " sent local expert " +
                             std::to_string(l) + " (" + std::to_string(n) +
                             ") do not fit the capacity of " +
                             std::to_string(a.capacity));
      const float share = a.shares[p];
      for (int64_t i = row * a.dim; i < (row + n) * a.dim; ++i)
        a.y[i] = share * a.x[i];
      row += n;
    }
  std::fill(a.y + row * a.dim, a.y + a.capacity * a.dim, 0.0f);
  return Status::success();
}

class CpuDevice final : public HostMemoryDevice {
public:
  const char *name() const override { return "cpu"; }

  Status launch(const KernelCall &call) override {
    if (!inFlight_.empty() && call.kernel != KernelId::all_reduce_wait)
      if (Status s = inFlight_.check(call); !s.ok())
        return s;
    startFromSources(call);
    return dispatch(call, [this](const auto &args) { return runOn(args); });
  }

private:
  InFlight inFlight_;
  Status runOn(const AllReduceStartArgs &args) {
    return inFlight_.start(communicator(), args);
  }
  Status runOn(const AllReduceWaitArgs &args) { return inFlight_.wait(args); }
  template <class Args> Status runOn(const Args &args) { return run(args); }
  Status runOn(const RankShareArgs &args) {
    return runRankShare(communicator(), args);
  }
  Status runOn(const AllReduceArgs &args) {
    return runAllReduce(communicator(), args);
  }
  /// The first row of this rank's batch in the global batch.
  int64_t firstRow(int64_t batch) const {
    return communicator() ? communicator()->rank() * batch : 0;
  }
  Status runOn(const SgtSelectRandomArgs &args) {
    return run(args, firstRow(args.batch));
  }
  Status runOn(const SgtSelectSurprisalArgs &args) {
    return run(args, firstRow(args.batch));
  }
  Status runOn(const SgtSelectMaskArgs &args) {
    return run(args, firstRow(args.batch));
  }
  Status runOn(const AdamwShardArgs &args) {
    return runAdamwShard(communicator(), args);
  }
  Status runOn(const AllGatherArgs &args) {
    return runAllGather(communicator(), args);
  }
  Status runOn(const RankSharesArgs &args) {
    return runRankShares(communicator(), args);
  }
  Status runOn(const MoeExchangeCountsArgs &args) {
    return runMoeExchangeCounts(communicator(), args);
  }
  Status runOn(const MoeExchangeDispatchArgs &args) {
    return runMoeExchangeDispatch(communicator(), args);
  }
  Status runOn(const MoeExchangeCombineArgs &args) {
    return runMoeExchangeCombine(communicator(), args);
  }
};

} // namespace

std::unique_ptr<Device> createCpuDevice() {
  return std::make_unique<CpuDevice>();
}

} // namespace cherry::runtime
