//===- CudaSgt.cu - Selective training's score, random, loss and mask ----===//
//
// The selections other than uniform (which is CudaElementwise.cu's): one
// thread per row running CudaSgtRows.h, the CPU's algorithm for that row
// (sorts, std::mt19937_64 streams), on scratch rows in the workspace. Rows
// are few (the batch), each a short sequential pass. Bad targets, scores and
// mask values fail with the CPU's line.
//
//===----------------------------------------------------------------------===//

#include "CudaCommon.cuh"
#include "CudaSgtRows.h"

namespace cherry::runtime::cuda {
namespace {

using namespace sgtrows;

constexpr int kRowThreads = 32;

__device__ inline float equalWeight(int64_t batch, int64_t k) {
  return static_cast<float>(1.0 / static_cast<double>(batch * k));
}

/// Each row's targets checked against the score table and their scores
/// gathered into keys; false (and the error recorded) on a bad target.
__device__ bool gatherScores(const int32_t *targets, const float *scores,
                             int64_t b, int64_t seq, int64_t vocab,
                             KernelId kernel, float *keys, ErrorRecord *err) {
  const int32_t *row = targets + b * seq;
  for (int64_t t = 0; t < seq; ++t) {
    if (row[t] < 0 || row[t] >= vocab) {
      raise(err, kScoreTarget, kernel, row[t], b, vocab);
      return false;
    }
    keys[t] = scores[row[t]];
  }
  return true;
}

__global__ void selectScoreKernel(const int32_t *targets, const float *scores,
                                  int64_t batch, int64_t seq, int64_t k,
                                  int64_t vocab, float *keys, int32_t *order,
                                  int32_t *tmp, int32_t *positions,
                                  float *weights, ErrorRecord *err) {
  const int64_t b = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (b >= batch)
    return;
  for (int64_t j = 0; j < k; ++j)
    weights[b * k + j] = equalWeight(batch, k);
  if (!gatherScores(targets, scores, b, seq, vocab, KernelId::sgt_select_score,
                    keys + b * seq, err))
    return;
  selectTopRow(keys + b * seq, seq, k, order + b * seq, tmp + b * seq,
               positions + b * k);
}

__global__ void selectLossKernel(const float *losses, int64_t batch,
                                 int64_t seq, int64_t k, int32_t *order,
                                 int32_t *tmp, int32_t *positions,
                                 float *weights) {
  const int64_t b = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (b >= batch)
    return;
  selectTopRow(losses + b * seq, seq, k, order + b * seq, tmp + b * seq,
               positions + b * k);
  for (int64_t j = 0; j < k; ++j)
    weights[b * k + j] = equalWeight(batch, k);
}

__global__ void selectRandomKernel(const float *hyper, uint64_t seed,
                                   int64_t batch, int64_t seq, int64_t k,
                                   int32_t *order, int32_t *tmp, Mt64 *rngs,
                                   int32_t *positions, float *weights,
                                   int64_t firstRow) {
  const int64_t b = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (b >= batch)
    return;
  const uint64_t step = static_cast<uint64_t>(hyper[5]);
  selectRandomRow(seed, step, firstRow + b, seq, k, order + b * seq,
                  tmp + b * seq, positions + b * k, rngs[b]);
  for (int64_t j = 0; j < k; ++j)
    weights[b * k + j] = equalWeight(batch, k);
}

__global__ void checkScoresKernel(const float *scores, int64_t vocab,
                                  ErrorRecord *err) {
  for (int64_t v = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; v < vocab;
       v += int64_t(gridDim.x) * blockDim.x)
    if (!(scores[v] >= 0) || !isfinite(scores[v]))
      raise(err, kBadScore, KernelId::sgt_select_surprisal, v,
            __float_as_uint(scores[v]));
}

struct SurprisalScratch {
  float *keys;
  double *s, *pi;
  int32_t *order, *tmp;
  char *taken;
  Mt64 *rngs;
};

__global__ void selectSurprisalKernel(const int32_t *targets,
                                      const float *scores, const float *hyper,
                                      uint64_t seed, int64_t batch, int64_t seq,
                                      int64_t k, int64_t vocab,
                                      SurprisalScratch w, int32_t *positions,
                                      float *weights, int64_t firstRow,
                                      ErrorRecord *err) {
  const int64_t b = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (b >= batch)
    return;
  for (int64_t v = 0; v < vocab; ++v)
    if (!(scores[v] >= 0) || !isfinite(scores[v]))
      return; // checkScoresKernel reported it
  if (!gatherScores(targets, scores, b, seq, vocab,
                    KernelId::sgt_select_surprisal, w.keys + b * seq, err))
    return;
  const uint64_t step = static_cast<uint64_t>(hyper[5]);
  selectSurprisalRow(w.keys + b * seq, seed, step, firstRow + b, batch, seq, k,
                     w.s + b * seq, w.pi + b * seq, w.order + b * seq,
                     w.tmp + b * seq, w.taken + b * seq, positions + b * k,
                     weights + b * k, w.rngs[b]);
}

/// Checks the mask (0 or 1) and counts its marked positions.
__global__ void maskTotalKernel(const int32_t *mask, int64_t n, int64_t seq,
                                long long *total, ErrorRecord *err) {
  __shared__ double scratch[32];
  double count = 0;
  for (int64_t i = threadIdx.x; i < n; i += blockDim.x) {
    if (mask[i] != 0 && mask[i] != 1)
      raise(err, kMaskValue, KernelId::sgt_select_mask, mask[i], i / seq,
            i % seq);
    count += mask[i] == 1;
  }
  count = blockSum(count, scratch);
  if (threadIdx.x == 0)
    *total = static_cast<long long>(count);
}

__global__ void selectMaskKernel(const int32_t *mask, const float *hyper,
                                 uint64_t seed, int64_t batch, int64_t seq,
                                 int64_t k, const long long *total,
                                 int32_t *marked, int32_t *tmp, Mt64 *rngs,
                                 int32_t *positions, float *weights,
                                 int64_t firstRow) {
  const int64_t b = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (b >= batch)
    return;
  const uint64_t step = static_cast<uint64_t>(hyper[5]);
  selectMaskRow(mask + b * seq, seed, step, firstRow + b, seq, k, *total,
                marked + b * seq, tmp + b * seq, positions + b * k,
                weights + b * k, rngs[b]);
}

/// The first row of this rank's batch in the global batch (the row streams
/// are seeded by it, as on the CPU device).
int64_t firstRow(const Context &ctx, int64_t batch) {
  return ctx.communicator ? ctx.communicator->rank() * batch : 0;
}

/// Carves the workspace into consecutive arrays, each 256-byte aligned.
class Carver {
public:
  explicit Carver(void *base) : base_(static_cast<char *>(base)) {}
  template <class T> T *take(int64_t count) {
    T *p = reinterpret_cast<T *>(base_ + used_);
    used_ += (static_cast<uint64_t>(count) * sizeof(T) + 255) / 256 * 256;
    return p;
  }
  uint64_t used() const { return used_; }

private:
  char *base_;
  uint64_t used_ = 0;
};

/// Bytes of the scratch a selection of `batch` rows of `seq` takes.
uint64_t scratchBytes(int64_t batch, int64_t seq) {
  Carver c(nullptr);
  c.take<float>(batch * seq);
  c.take<double>(batch * seq);
  c.take<double>(batch * seq);
  c.take<int32_t>(batch * seq);
  c.take<int32_t>(batch * seq);
  c.take<char>(batch * seq);
  c.take<Mt64>(batch);
  c.take<long long>(1);
  return c.used();
}

Status scratch(Context &ctx, int64_t batch, int64_t seq, SurprisalScratch &w,
               long long *&total) {
  void *ws = nullptr;
  if (Status s = ctx.workspace(scratchBytes(batch, seq), ws); !s.ok())
    return s;
  Carver c(ws);
  w.keys = c.take<float>(batch * seq);
  w.s = c.take<double>(batch * seq);
  w.pi = c.take<double>(batch * seq);
  w.order = c.take<int32_t>(batch * seq);
  w.tmp = c.take<int32_t>(batch * seq);
  w.taken = c.take<char>(batch * seq);
  w.rngs = c.take<Mt64>(batch);
  total = c.take<long long>(1);
  return Status::success();
}

} // namespace

Status run(Context &ctx, const SgtSelectScoreArgs &a) {
  if (a.batch <= 0)
    return Status::success();
  SurprisalScratch w;
  long long *total;
  if (Status s = scratch(ctx, a.batch, a.seq, w, total); !s.ok())
    return s;
  selectScoreKernel<<<blocksFor(a.batch, kRowThreads), kRowThreads, 0,
                      ctx.stream>>>(a.targets, a.scores, a.batch, a.seq, a.k,
                                    a.vocab, w.keys, w.order, w.tmp,
                                    a.positions, a.weights, ctx.error);
  return Status::success();
}

Status run(Context &ctx, const SgtSelectLossArgs &a) {
  if (a.batch <= 0)
    return Status::success();
  SurprisalScratch w;
  long long *total;
  if (Status s = scratch(ctx, a.batch, a.seq, w, total); !s.ok())
    return s;
  selectLossKernel<<<blocksFor(a.batch, kRowThreads), kRowThreads, 0,
                     ctx.stream>>>(a.losses, a.batch, a.seq, a.k, w.order,
                                   w.tmp, a.positions, a.weights);
  return Status::success();
}

Status run(Context &ctx, const SgtSelectRandomArgs &a) {
  if (a.batch <= 0)
    return Status::success();
  SurprisalScratch w;
  long long *total;
  if (Status s = scratch(ctx, a.batch, a.seq, w, total); !s.ok())
    return s;
  selectRandomKernel<<<blocksFor(a.batch, kRowThreads), kRowThreads, 0,
                       ctx.stream>>>(
      a.hyper, static_cast<uint64_t>(a.seed), a.batch, a.seq, a.k, w.order,
      w.tmp, w.rngs, a.positions, a.weights, firstRow(ctx, a.batch));
  return Status::success();
}

Status run(Context &ctx, const SgtSelectSurprisalArgs &a) {
  SurprisalScratch w;
  long long *total;
  if (Status s = scratch(ctx, std::max<int64_t>(a.batch, 1), a.seq, w, total);
      !s.ok())
    return s;
  checkScoresKernel<<<blocksFor(a.vocab, 256), 256, 0, ctx.stream>>>(
      a.scores, a.vocab, ctx.error);
  if (a.batch > 0)
    selectSurprisalKernel<<<blocksFor(a.batch, kRowThreads), kRowThreads, 0,
                            ctx.stream>>>(
        a.targets, a.scores, a.hyper, static_cast<uint64_t>(a.seed), a.batch,
        a.seq, a.k, a.vocab, w, a.positions, a.weights, firstRow(ctx, a.batch),
        ctx.error);
  return Status::success();
}

Status run(Context &ctx, const SgtSelectMaskArgs &a) {
  SurprisalScratch w;
  long long *total;
  if (Status s = scratch(ctx, std::max<int64_t>(a.batch, 1), a.seq, w, total);
      !s.ok())
    return s;
  maskTotalKernel<<<1, 1024, 0, ctx.stream>>>(a.mask, a.batch * a.seq, a.seq,
                                              total, ctx.error);
  if (a.batch > 0)
    selectMaskKernel<<<blocksFor(a.batch, kRowThreads), kRowThreads, 0,
                       ctx.stream>>>(
        a.mask, a.hyper, static_cast<uint64_t>(a.seed), a.batch, a.seq, a.k,
        total, w.order, w.tmp, w.rngs, a.positions, a.weights,
        firstRow(ctx, a.batch));
  return Status::success();
}

} // namespace cherry::runtime::cuda
