//===- CudaElementwise.cu - Elementwise, embedding and gather kernels -----===//
//
// add, scale, swiglu (forward and backward), the embedding and its gradient,
// the KV-cache append, and selective training's gathers, target shift and
// uniform selection. Each element is computed as the CPU kernel computes it;
// sums run in the CPU's order (the embedding gradient adds a token's rows in
// ascending position, after a stable sort of the ids), with no atomics.
//
//===----------------------------------------------------------------------===//

#include "CudaCommon.cuh"

#include <cub/device/device_radix_sort.cuh>

namespace cherry::runtime::cuda {
namespace {

constexpr int kThreads = 256;

__device__ inline float expf32(float x) { return expf(x); }

__global__ void addKernel(const float *a, const float *b, float *y, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x)
    y[i] = a[i] + b[i];
}

__global__ void scaleKernel(const float *x, float factor, float *y, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x)
    y[i] = factor * x[i];
}

__global__ void swigluKernel(const float *gate, const float *up, float *y,
                             int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    const float g = gate[i];
    y[i] = __fdiv_rn(g, 1.0f + expf32(-g)) * up[i];
  }
}

__global__ void swigluGradKernel(const float *gate, const float *up,
                                 const float *dy, float *dgate, float *dup,
                                 int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    const float g = gate[i], e = expf32(-g);
    const float sig = 1.0f / (1.0f + e);
    const float silu = g / (1.0f + e);
    dgate[i] = (dy[i] * up[i]) * (sig * (1.0f + g * (1.0f - sig)));
    dup[i] = dy[i] * silu;
  }
}

__global__ void embeddingKernel(const int32_t *ids, const float *table,
                                float *y, int64_t n, int64_t vocab, int64_t dim,
                                ErrorRecord *err) {
  for (int64_t r = blockIdx.x; r < n; r += gridDim.x) {
    const int32_t id = ids[r];
    if (id < 0 || id >= vocab) {
      if (threadIdx.x == 0)
        raise(err, kIdOutsideVocab, KernelId::embedding, id, r, vocab);
      continue;
    }
    const float *src = table + int64_t(id) * dim;
    float *dst = y + r * dim;
    for (int64_t e = threadIdx.x; e < dim; e += blockDim.x)
      dst[e] = src[e];
  }
}

__global__ void iotaKeysKernel(const int32_t *ids, int32_t *keys,
                               int32_t *order, int64_t n, int64_t vocab,
                               KernelId kernel, ErrorRecord *err) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    const int32_t id = ids[i];
    if (id < 0 || id >= vocab) {
      raise(err, kIdOutsideVocab, kernel, id, i, vocab);
      keys[i] = static_cast<int32_t>(vocab); // sorts last, then skipped
    } else {
      keys[i] = id;
    }
    order[i] = static_cast<int32_t>(i);
  }
}

/// One block per run of equal ids in the sorted order: the run's dy rows,
/// in ascending position, summed from zero and stored in the id's row of
/// dtable, or added to it once when `add` (the table rows no id hits are
/// zeroed before, or keep what they hold).
__global__ void embeddingGradKernel(const int32_t *sortedKeys,
                                    const int32_t *order, const float *dy,
                                    float *dtable, int64_t n, int64_t vocab,
                                    int64_t dim, bool add) {
  for (int64_t p = blockIdx.x; p < n; p += gridDim.x) {
    const int32_t id = sortedKeys[p];
    if (id >= vocab || (p > 0 && sortedKeys[p - 1] == id))
      continue;
    int64_t end = p + 1;
    while (end < n && sortedKeys[end] == id)
      ++end;
    float *row = dtable + int64_t(id) * dim;
    for (int64_t e = threadIdx.x; e < dim; e += blockDim.x) {
      float acc = 0.0f;
      for (int64_t q = p; q < end; ++q)
        acc += dy[int64_t(order[q]) * dim + e];
      row[e] = add ? row[e] + acc : acc;
    }
  }
}

__global__ void kvAppendKernel(const float *src, const int32_t *position,
                               float *cache, int64_t batch, int64_t seq,
                               int64_t capacity, int64_t width,
                               ErrorRecord *err) {
  const int64_t pos = *position;
  if (pos < 0 || pos + seq > capacity) {
    if (blockIdx.x == 0 && threadIdx.x == 0)
      raise(err, kCachePosition, KernelId::kv_append, pos, seq, capacity);
    return;
  }
  const int64_t total = batch * seq * width;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total;
       i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t b = i / (seq * width), rest = i % (seq * width);
    cache[(b * capacity + pos) * width + rest] = src[i];
  }
}

/// Checks one gather position, reporting the first bad one.
__device__ inline bool goodPosition(int32_t p, int64_t row, int64_t seq,
                                    KernelId kernel, ErrorRecord *err) {
  if (p >= 0 && p < seq)
    return true;
  raise(err, kGatherPosition, kernel, p, row, seq);
  return false;
}

__global__ void gatherRowsKernel(const float *x, const int32_t *positions,
                                 float *y, int64_t batch, int64_t seq,
                                 int64_t k, int64_t width, ErrorRecord *err) {
  for (int64_t r = blockIdx.x; r < batch * k; r += gridDim.x) {
    const int32_t p = positions[r];
    const int64_t b = r / k;
    if (!goodPosition(p, b, seq, KernelId::gather_rows, err))
      continue;
    const float *src = x + (b * seq + p) * width;
    for (int64_t e = threadIdx.x; e < width; e += blockDim.x)
      y[r * width + e] = src[e];
  }
}

__global__ void gatherIdsKernel(const int32_t *ids, const int32_t *positions,
                                int32_t *y, int64_t batch, int64_t seq,
                                int64_t k, ErrorRecord *err) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
       i < batch * k; i += int64_t(gridDim.x) * blockDim.x) {
    const int32_t p = positions[i];
    const int64_t b = i / k;
    if (goodPosition(p, b, seq, KernelId::gather_ids, err))
      y[i] = ids[b * seq + p];
  }
}

__global__ void shiftTargetsKernel(const int32_t *ids, int32_t *y,
                                   int64_t batch, int64_t seq, int64_t shift,
                                   int32_t fill) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
       i < batch * seq; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t t = i % seq;
    y[i] = t + shift < seq ? ids[i + shift] : fill;
  }
}

/// One block per output row (b, t): the dy rows of the positions equal to
/// t, in ascending j (the CPU's order).
__global__ void gatherRowsGradKernel(const float *dy, const int32_t *positions,
                                     float *dx, int64_t batch, int64_t seq,
                                     int64_t k, int64_t width,
                                     ErrorRecord *err) {
  for (int64_t r = blockIdx.x; r < batch * seq; r += gridDim.x) {
    const int64_t b = r / seq, t = r % seq;
    const int32_t *pos = positions + b * k;
    if (t == 0 && threadIdx.x == 0)
      for (int64_t j = 0; j < k; ++j)
        goodPosition(pos[j], b, seq, KernelId::gather_rows_grad, err);
    for (int64_t e = threadIdx.x; e < width; e += blockDim.x) {
      float acc = 0.0f;
      for (int64_t j = 0; j < k; ++j)
        if (pos[j] == t)
          acc += dy[(b * k + j) * width + e];
      dx[r * width + e] = acc;
    }
  }
}

__global__ void selectUniformKernel(int32_t *positions, float *weights,
                                    int64_t batch, int64_t seq, int64_t k) {
  const float w = static_cast<float>(1.0 / static_cast<double>(batch * k));
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
       i < batch * k; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t j = i % k;
    positions[i] = static_cast<int32_t>(((2 * j + 1) * seq) / (2 * k));
    weights[i] = w;
  }
}

} // namespace

Status run(Context &ctx, const AddArgs &a) {
  addKernel<<<blocksFor(a.n, kThreads), kThreads, 0, ctx.stream>>>(a.a, a.b,
                                                                   a.y, a.n);
  return Status::success();
}

Status run(Context &ctx, const ScaleArgs &a) {
  scaleKernel<<<blocksFor(a.n, kThreads), kThreads, 0, ctx.stream>>>(
      a.x, static_cast<float>(a.factor), a.y, a.n);
  return Status::success();
}

Status run(Context &ctx, const SwigluArgs &a) {
  swigluKernel<<<blocksFor(a.n, kThreads), kThreads, 0, ctx.stream>>>(
      a.gate, a.up, a.y, a.n);
  return Status::success();
}

Status run(Context &ctx, const SwigluGradArgs &a) {
  swigluGradKernel<<<blocksFor(a.n, kThreads), kThreads, 0, ctx.stream>>>(
      a.gate, a.up, a.dy, a.dgate, a.dup, a.n);
  return Status::success();
}

Status run(Context &ctx, const EmbeddingArgs &a) {
  if (a.n <= 0)
    return Status::success();
  embeddingKernel<<<blocksFor(a.n, 1), 128, 0, ctx.stream>>>(
      a.ids, a.table, a.y, a.n, a.vocab, a.dim, ctx.error);
  return Status::success();
}

namespace {

/// embedding_grad's scatter: the ids sorted (stably) by cub, one block per
/// run of equal ids; `add` adds each run's sum to dtable instead of storing
/// it into the zeroed table.
Status embeddingGradScatter(Context &ctx, const int32_t *ids, const float *dy,
                            float *dtable, int64_t count, int64_t vocab,
                            int64_t dim, bool add) {
  const KernelId kernel =
      add ? KernelId::embedding_grad_add : KernelId::embedding_grad;
  if (count <= 0)
    return Status::success();
  // keys, order, sorted keys, sorted order, then cub's temporary storage.
  const size_t n = static_cast<size_t>(count);
  size_t tempBytes = 0;
  cub::DeviceRadixSort::SortPairs(nullptr, tempBytes, (int32_t *)nullptr,
                                  (int32_t *)nullptr, (int32_t *)nullptr,
                                  (int32_t *)nullptr, static_cast<int>(n), 0,
                                  32, ctx.stream);
  const size_t arrays = 4 * ((n * sizeof(int32_t) + 255) / 256 * 256);
  void *ws = nullptr;
  if (Status s = ctx.workspace(arrays + tempBytes, ws); !s.ok())
    return s;
  auto *base = static_cast<char *>(ws);
  const size_t stride = arrays / 4;
  auto *keys = reinterpret_cast<int32_t *>(base);
  auto *order = reinterpret_cast<int32_t *>(base + stride);
  auto *sortedKeys = reinterpret_cast<int32_t *>(base + 2 * stride);
  auto *sortedOrder = reinterpret_cast<int32_t *>(base + 3 * stride);
  iotaKeysKernel<<<blocksFor(count, kThreads), kThreads, 0, ctx.stream>>>(
      ids, keys, order, count, vocab, kernel, ctx.error);
  // A stable sort: equal ids keep ascending positions.
  if (cudaError_t e = cub::DeviceRadixSort::SortPairs(
          base + arrays, tempBytes, keys, sortedKeys, order, sortedOrder,
          static_cast<int>(n), 0, 32, ctx.stream);
      e != cudaSuccess)
    return cudaFailure(
        add ? "embedding_grad_add: sort" : "embedding_grad: sort", e);
  embeddingGradKernel<<<blocksFor(count, 1), 128, 0, ctx.stream>>>(
      sortedKeys, sortedOrder, dy, dtable, count, vocab, dim, add);
  return Status::success();
}

} // namespace

Status run(Context &ctx, const EmbeddingGradArgs &a) {
  if (a.vocab <= 0 || a.dim <= 0)
    return Status::success();
  if (cudaError_t e = cudaMemsetAsync(
          a.dtable, 0, static_cast<size_t>(a.vocab * a.dim) * sizeof(float),
          ctx.stream);
      e != cudaSuccess)
    return cudaFailure("embedding_grad", e);
  return embeddingGradScatter(ctx, a.ids, a.dy, a.dtable, a.n, a.vocab, a.dim,
                              /*add=*/false);
}

Status run(Context &ctx,
           const EmbeddingGradAddArgs &a) { // dtable starts as acc
  if (a.vocab <= 0 || a.dim <= 0)
    return Status::success();
  return embeddingGradScatter(ctx, a.ids, a.dy, a.dtable, a.n, a.vocab, a.dim,
                              /*add=*/true);
}

Status run(Context &ctx, const KvAppendArgs &a) {
  kvAppendKernel<<<blocksFor(a.batch * a.seq * a.width, kThreads), kThreads, 0,
                   ctx.stream>>>(a.new_, a.position, a.cache, a.batch, a.seq,
                                 a.capacity, a.width, ctx.error);
  return Status::success();
}

Status run(Context &ctx, const GatherRowsArgs &a) {
  if (a.batch * a.k <= 0)
    return Status::success();
  gatherRowsKernel<<<blocksFor(a.batch * a.k, 1), 128, 0, ctx.stream>>>(
      a.x, a.positions, a.y, a.batch, a.seq, a.k, a.width, ctx.error);
  return Status::success();
}

Status run(Context &ctx, const GatherIdsArgs &a) {
  gatherIdsKernel<<<blocksFor(a.batch * a.k, kThreads), kThreads, 0,
                    ctx.stream>>>(a.ids, a.positions, a.y, a.batch, a.seq, a.k,
                                  ctx.error);
  return Status::success();
}

Status run(Context &ctx, const ShiftTargetsArgs &a) {
  if (a.shift < 0)
    return Status::error("shift_targets: negative shift " +
                         std::to_string(a.shift));
  shiftTargetsKernel<<<blocksFor(a.batch * a.seq, kThreads), kThreads, 0,
                       ctx.stream>>>(a.ids, a.y, a.batch, a.seq, a.shift,
                                     static_cast<int32_t>(a.fill));
  return Status::success();
}

Status run(Context &ctx, const GatherRowsGradArgs &a) {
  if (a.batch * a.seq <= 0)
    return Status::success();
  gatherRowsGradKernel<<<blocksFor(a.batch * a.seq, 1), 128, 0, ctx.stream>>>(
      a.dy, a.positions, a.dx, a.batch, a.seq, a.k, a.width, ctx.error);
  return Status::success();
}

Status run(Context &ctx, const SgtSelectUniformArgs &a) {
  selectUniformKernel<<<blocksFor(a.batch * a.k, kThreads), kThreads, 0,
                        ctx.stream>>>(a.positions, a.weights, a.batch, a.seq,
                                      a.k);
  return Status::success();
}

} // namespace cherry::runtime::cuda
