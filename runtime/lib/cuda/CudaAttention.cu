//===- CudaAttention.cu - Causal GQA attention, forward and backward ------===//
//
// Flash-style in its memory traffic: no [seq, seq] matrix ever reaches
// device memory. One warp per query row (forward, the gradient's row
// statistics and dq) or per key row (dk, dv): the 32 lanes score 32 keys
// (or queries) at once, an online softmax folds each block of 32 in, and
// each lane owns head_dim / 32 output columns. The backward pass recomputes
// the softmax from the row's log-sum-exp, as the CPU kernel does, and every
// sum runs in a fixed order (no atomics: dk and dv are summed over the
// query heads of a group by the warp that owns the key). head_dim is at most
// 256. This is the simple, correct kernel; a tensor-core (wgmma) version is
// docs/CUDA.md's next step.
//
//===----------------------------------------------------------------------===//

#include "CudaCommon.cuh"

#include <cmath>
#include <type_traits>

namespace cherry::runtime::cuda {
namespace {

constexpr int kWarps = 4; // warps per block
constexpr int kMaxHeadDim = 256;

struct Shape {
  int64_t batch, qLen, kvLen, kvBatchStride, heads, kvHeads, d;
  int64_t qOffset;
  bool causal;
  float scale;
  int64_t group;
  /// Gathered query rows (attention_rows): row t of batch b at position
  /// positions[b * qLen + t] instead of qOffset + t.
  const int32_t *positions;
  __host__ __device__ int64_t kvHeadOf(int64_t h) const {
    return h / group < kvHeads - 1 ? h / group : kvHeads - 1;
  }
};

/// The position of query row t of batch b.
__device__ inline int64_t queryPosition(const Shape &s, int64_t b, int64_t t) {
  return s.positions ? s.positions[b * s.qLen + t] : s.qOffset + t;
}

/// Query row t of batch b sees keys [0, visibleKeys).
__device__ inline int64_t visibleKeys(const Shape &s, int64_t b, int64_t t) {
  if (!s.causal)
    return s.kvLen;
  int64_t v = queryPosition(s, b, t) + 1;
  return v < 0 ? 0 : (v > s.kvLen ? s.kvLen : v);
}

/// Checks a gathered row's position (in [0, kvLen)), reporting the first
/// bad one as `kernel`'s.
__device__ inline bool goodRow(const Shape &s, int64_t b, int64_t t,
                               KernelId kernel, ErrorRecord *err) {
  if (!s.positions)
    return true;
  const int64_t p = s.positions[b * s.qLen + t];
  if (p >= 0 && p < s.kvLen)
    return true;
  raise(err, kGatherPosition, kernel, p, b, s.kvLen);
  return false;
}

__device__ inline float dotRow(const float *a, const float *b, int64_t d) {
  float acc = 0.0f;
  for (int64_t c = 0; c < d; ++c)
    acc += a[c] * b[c];
  return acc;
}

template <int kPer>
__global__ void __launch_bounds__(kWarps * 32)
    attentionKernel(const float *q, const float *k, const float *v, float *o,
                    float *lse, Shape s, const int32_t *position,
                    int64_t capacity, ErrorRecord *err) {
  __shared__ float qs[kWarps][kMaxHeadDim];
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  if (position) { // attention_at: the cache holds position + seq rows
    const int64_t p = *position;
    if (p < 0 || p + s.qLen > capacity) {
      if (blockIdx.x == 0 && threadIdx.x == 0)
        raise(err, kCachePosition, KernelId::attention_at, p, s.qLen, capacity);
      return;
    }
    s.qOffset = p;
    s.kvLen = p + s.qLen;
  }
  const int64_t w = blockIdx.x * int64_t(kWarps) + warp;
  if (w >= s.batch * s.heads * s.qLen)
    return;
  const int64_t t = w % s.qLen, bh = w / s.qLen;
  const int64_t h = bh % s.heads, b = bh / s.heads;
  if (!goodRow(s, b, t, KernelId::attention_rows, err))
    return;
  const int64_t d = s.d, qStride = s.heads * d, kvStride = s.kvHeads * d;
  const float *qrow = q + (b * s.qLen + t) * qStride + h * d;
  for (int64_t c = lane; c < d; c += 32)
    qs[warp][c] = qrow[c];
  __syncwarp();
  const int64_t kvOff = b * s.kvBatchStride * kvStride + s.kvHeadOf(h) * d;
  const float *kb = k + kvOff, *vb = v + kvOff;
  const int64_t visible = visibleKeys(s, b, t);
  float m = -INFINITY, l = 0.0f, acc[kPer];
#pragma unroll
  for (int e = 0; e < kPer; ++e)
    acc[e] = 0.0f;
  for (int64_t j0 = 0; j0 < visible; j0 += 32) {
    const int64_t j = j0 + lane;
    float sc = -INFINITY;
    if (j < visible)
      sc = dotRow(qs[warp], kb + j * kvStride, d) * s.scale;
    const float newM = fmaxf(m, warpMax(sc));
    const float p = j < visible ? expf(sc - newM) : 0.0f;
    const float alpha = expf(m - newM); // 0 on the first block
    l = l * alpha + warpSum(p);
#pragma unroll
    for (int e = 0; e < kPer; ++e)
      acc[e] *= alpha;
    const int n = static_cast<int>(visible - j0 < 32 ? visible - j0 : 32);
    for (int jj = 0; jj < n; ++jj) {
      const float pj = __shfl_sync(0xffffffffu, p, jj);
      const float *vrow = vb + (j0 + jj) * kvStride;
#pragma unroll
      for (int e = 0; e < kPer; ++e) {
        const int64_t c = lane + 32 * e;
        if (c < d)
          acc[e] += pj * vrow[c];
      }
    }
    m = newM;
  }
  // attention_lse: the row's log-sum-exp, as rowStatsKernel computes it
  // (the same loop), [batch, heads, seq].
  if (lse && lane == 0)
    lse[bh * s.qLen + t] = m + logf(l);
  const float inv = l > 0.0f ? 1.0f / l : 0.0f;
  float *orow = o + (b * s.qLen + t) * qStride + h * d;
#pragma unroll
  for (int e = 0; e < kPer; ++e) {
    const int64_t c = lane + 32 * e;
    if (c < d)
      orow[c] = acc[e] * inv;
  }
}

/// The gradient's row statistics: lse = log sum exp of the row's scores
/// (unless lse is null: attention_grad_lse has the forward's), dsum = dout .
/// o; [batch, heads, seq].
__global__ void __launch_bounds__(kWarps * 32)
    rowStatsKernel(const float *q, const float *k, const float *o,
                   const float *dout, float *lse, float *dsum, Shape s,
                   ErrorRecord *err) {
  __shared__ float qs[kWarps][kMaxHeadDim];
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  const int64_t w = blockIdx.x * int64_t(kWarps) + warp;
  if (w >= s.batch * s.heads * s.qLen)
    return;
  const int64_t t = w % s.qLen, bh = w / s.qLen;
  const int64_t h = bh % s.heads, b = bh / s.heads;
  if (h == 0 && !goodRow(s, b, t, KernelId::attention_grad_rows, err))
    return;
  const int64_t d = s.d, qStride = s.heads * d, kvStride = s.kvHeads * d;
  const int64_t rowOff = (b * s.qLen + t) * qStride + h * d;
  for (int64_t c = lane; c < d; c += 32)
    qs[warp][c] = q[rowOff + c];
  __syncwarp();
  const float *kb = k + b * s.kvBatchStride * kvStride + s.kvHeadOf(h) * d;
  const int64_t visible = lse ? visibleKeys(s, b, t) : 0;
  float m = -INFINITY, l = 0.0f;
  for (int64_t j0 = 0; j0 < visible; j0 += 32) {
    const int64_t j = j0 + lane;
    float sc = -INFINITY;
    if (j < visible)
      sc = dotRow(qs[warp], kb + j * kvStride, d) * s.scale;
    const float newM = fmaxf(m, warpMax(sc));
    const float p = j < visible ? expf(sc - newM) : 0.0f;
    l = l * expf(m - newM) + warpSum(p);
    m = newM;
  }
  float dot = 0.0f;
  for (int64_t c = lane; c < d; c += 32)
    dot += dout[rowOff + c] * o[rowOff + c];
  dot = warpSum(dot);
  if (lane == 0) {
    if (lse)
      lse[bh * s.qLen + t] = m + logf(l);
    dsum[bh * s.qLen + t] = dot;
  }
}

/// dq[t] = sum_j dS[t, j] k[j], dS = P (dP - dsum) scale, dP = dout v^T.
template <int kPer>
__global__ void __launch_bounds__(kWarps * 32)
    gradQueryKernel(const float *q, const float *k, const float *v,
                    const float *dout, const float *lse, const float *dsum,
                    float *dq, Shape s) {
  __shared__ float qs[kWarps][kMaxHeadDim], ds[kWarps][kMaxHeadDim];
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  const int64_t w = blockIdx.x * int64_t(kWarps) + warp;
  if (w >= s.batch * s.heads * s.qLen)
    return;
  const int64_t t = w % s.qLen, bh = w / s.qLen;
  const int64_t h = bh % s.heads, b = bh / s.heads;
  const int64_t d = s.d, qStride = s.heads * d, kvStride = s.kvHeads * d;
  const int64_t rowOff = (b * s.qLen + t) * qStride + h * d;
  for (int64_t c = lane; c < d; c += 32) {
    qs[warp][c] = q[rowOff + c];
    ds[warp][c] = dout[rowOff + c];
  }
  __syncwarp();
  const int64_t kvOff = b * s.kvBatchStride * kvStride + s.kvHeadOf(h) * d;
  const float *kb = k + kvOff, *vb = v + kvOff;
  const float rowLse = lse[bh * s.qLen + t], rowDsum = dsum[bh * s.qLen + t];
  const int64_t visible = visibleKeys(s, b, t);
  float acc[kPer];
#pragma unroll
  for (int e = 0; e < kPer; ++e)
    acc[e] = 0.0f;
  for (int64_t j0 = 0; j0 < visible; j0 += 32) {
    const int64_t j = j0 + lane;
    float dS = 0.0f;
    if (j < visible) {
      const float p =
          expf(dotRow(qs[warp], kb + j * kvStride, d) * s.scale - rowLse);
      const float dP = dotRow(ds[warp], vb + j * kvStride, d);
      dS = p * (dP - rowDsum) * s.scale;
    }
    const int n = static_cast<int>(visible - j0 < 32 ? visible - j0 : 32);
    for (int jj = 0; jj < n; ++jj) {
      const float g = __shfl_sync(0xffffffffu, dS, jj);
      const float *krow = kb + (j0 + jj) * kvStride;
#pragma unroll
      for (int e = 0; e < kPer; ++e) {
        const int64_t c = lane + 32 * e;
        if (c < d)
          acc[e] += g * krow[c];
      }
    }
  }
#pragma unroll
  for (int e = 0; e < kPer; ++e) {
    const int64_t c = lane + 32 * e;
    if (c < d)
      dq[rowOff + c] = acc[e];
  }
}

/// dv[j] = sum_t P[t, j] dout[t], dk[j] = sum_t dS[t, j] q[t], over the
/// query heads of the key's group in ascending head, then query.
template <int kPer>
__global__ void __launch_bounds__(kWarps * 32)
    gradKeyKernel(const float *q, const float *k, const float *v,
                  const float *dout, const float *lse, const float *dsum,
                  float *dk, float *dv, Shape s) {
  __shared__ float ks[kWarps][kMaxHeadDim], vs[kWarps][kMaxHeadDim];
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  const int64_t w = blockIdx.x * int64_t(kWarps) + warp;
  const int64_t keys = s.kvLen, queries = s.qLen;
  if (w >= s.batch * s.kvHeads * keys)
    return;
  const int64_t j = w % keys, bg = w / keys;
  const int64_t g = bg % s.kvHeads, b = bg / s.kvHeads;
  const int64_t d = s.d, qStride = s.heads * d, kvStride = s.kvHeads * d;
  const int64_t kvOff = (b * keys + j) * kvStride + g * d;
  for (int64_t c = lane; c < d; c += 32) {
    ks[warp][c] = k[kvOff + c];
    vs[warp][c] = v[kvOff + c];
  }
  __syncwarp();
  float accK[kPer], accV[kPer];
#pragma unroll
  for (int e = 0; e < kPer; ++e)
    accK[e] = accV[e] = 0.0f;
  // Queries at positions before the key do not see it under a causal mask:
  // rows t < j, or gathered rows at such positions (skipped by the mask).
  const int64_t tBegin = s.causal && !s.positions ? j : 0;
  for (int64_t h = 0; h < s.heads; ++h) {
    if (s.kvHeadOf(h) != g)
      continue;
    const float *qh = q + b * queries * qStride + h * d;
    const float *doh = dout + b * queries * qStride + h * d;
    const float *lseh = lse + (b * s.heads + h) * queries;
    const float *dsumh = dsum + (b * s.heads + h) * queries;
    for (int64_t t0 = tBegin; t0 < queries; t0 += 32) {
      const int64_t t = t0 + lane;
      float p = 0.0f, dS = 0.0f;
      if (t < queries && (!s.causal || queryPosition(s, b, t) >= j)) {
        p = expf(dotRow(qh + t * qStride, ks[warp], d) * s.scale - lseh[t]);
        const float dP = dotRow(doh + t * qStride, vs[warp], d);
        dS = p * (dP - dsumh[t]) * s.scale;
      }
      const int n = static_cast<int>(queries - t0 < 32 ? queries - t0 : 32);
      for (int tt = 0; tt < n; ++tt) {
        const float pt = __shfl_sync(0xffffffffu, p, tt);
        const float gt = __shfl_sync(0xffffffffu, dS, tt);
        const float *qrow = qh + (t0 + tt) * qStride;
        const float *dorow = doh + (t0 + tt) * qStride;
#pragma unroll
        for (int e = 0; e < kPer; ++e) {
          const int64_t c = lane + 32 * e;
          if (c < d) {
            accV[e] += pt * dorow[c];
            accK[e] += gt * qrow[c];
          }
        }
      }
    }
  }
#pragma unroll
  for (int e = 0; e < kPer; ++e) {
    const int64_t c = lane + 32 * e;
    if (c < d) {
      dk[kvOff + c] = accK[e];
      dv[kvOff + c] = accV[e];
    }
  }
}

Status checkHeadDim(const char *kernel, int64_t d) {
  if (d > kMaxHeadDim)
    return Status::error(
        std::string(kernel) + ": head_dim " + std::to_string(d) + " exceeds " +
        std::to_string(kMaxHeadDim) + ", the CUDA kernel's limit");
  return Status::success();
}

Shape shapeOf(int64_t batch, int64_t qLen, int64_t kvLen, int64_t stride,
              int64_t heads, int64_t kvHeads, int64_t d, int64_t offset,
              bool causal, const int32_t *positions = nullptr) {
  return Shape{batch,
               qLen,
               kvLen,
               stride,
               heads,
               kvHeads,
               d,
               offset,
               causal,
               static_cast<float>(std::pow(static_cast<double>(d), -0.5)),
               heads / kvHeads > 1 ? heads / kvHeads : 1,
               positions};
}

template <class F> void byHeadDim(int64_t d, F f) {
  if (d <= 32)
    f(std::integral_constant<int, 1>());
  else if (d <= 64)
    f(std::integral_constant<int, 2>());
  else if (d <= 128)
    f(std::integral_constant<int, 4>());
  else
    f(std::integral_constant<int, 8>());
}

Status launchForward(Context &ctx, const float *q, const float *k,
                     const float *v, float *o, float *lse, const Shape &s,
                     const int32_t *position, int64_t capacity) {
  const int64_t warps = s.batch * s.heads * s.qLen;
  if (warps <= 0 || s.d <= 0)
    return Status::success();
  const unsigned blocks = static_cast<unsigned>((warps + kWarps - 1) / kWarps);
  byHeadDim(s.d, [&](auto per) {
    attentionKernel<decltype(per)::value>
        <<<blocks, kWarps * 32, 0, ctx.stream>>>(q, k, v, o, lse, s, position,
                                                 capacity, ctx.error);
  });
  return Status::success();
}

} // namespace

Status run(Context &ctx, const AttentionArgs &a) {
  if (Status st = checkHeadDim("attention", a.head_dim); !st.ok())
    return st;
  return launchForward(ctx, a.q, a.k, a.v, a.o, nullptr,
                       shapeOf(a.batch, a.q_len, a.kv_len, a.kv_batch_stride,
                               a.heads, a.kv_heads, a.head_dim,
                               a.q_position_offset, a.causal != 0),
                       nullptr, 0);
}

Status run(Context &ctx, const AttentionAtArgs &a) {
  if (Status st = checkHeadDim("attention_at", a.head_dim); !st.ok())
    return st;
  // kv_len and the offset come from the position operand, on the device.
  return launchForward(ctx, a.q, a.k_cache, a.v_cache, a.o, nullptr,
                       shapeOf(a.batch, a.seq, a.seq, a.capacity, a.heads,
                               a.kv_heads, a.head_dim, 0, true),
                       a.position, a.capacity);
}

Status run(Context &ctx, const AttentionLseArgs &a) {
  if (Status st = checkHeadDim("attention_lse", a.head_dim); !st.ok())
    return st;
  return launchForward(ctx, a.q, a.k, a.v, a.o, a.lse,
                       shapeOf(a.batch, a.seq, a.seq, a.seq, a.heads,
                               a.kv_heads, a.head_dim, 0, a.causal != 0),
                       nullptr, 0);
}

Status run(Context &ctx, const AttentionRowsArgs &a) {
  if (Status st = checkHeadDim("attention_rows", a.head_dim); !st.ok())
    return st;
  return launchForward(ctx, a.q, a.k, a.v, a.o, a.lse,
                       shapeOf(a.batch, a.rows, a.seq, a.seq, a.heads,
                               a.kv_heads, a.head_dim, 0, a.causal != 0,
                               a.positions),
                       nullptr, 0);
}

namespace {

/// attention_grad, with the forward's lse (attention_grad_lse) or, when
/// lseIn is null, its own from rowStatsKernel; over `queries` query rows per
/// batch at `positions` (attention_grad_rows), or `seq` at 0 .. seq - 1.
Status launchGrad(Context &ctx, const char *kernel, const float *q,
                  const float *k, const float *v, const float *o,
                  const float *lseIn, const float *dout, float *dq, float *dk,
                  float *dv, int64_t batch, int64_t seq, int64_t heads,
                  int64_t kvHeads, int64_t headDim, bool causal,
                  int64_t queries = -1, const int32_t *positions = nullptr) {
  if (Status st = checkHeadDim(kernel, headDim); !st.ok())
    return st;
  if (queries < 0)
    queries = seq;
  const Shape s = shapeOf(batch, queries, seq, seq, heads, kvHeads, headDim, 0,
                          causal, positions);
  const int64_t rows = batch * heads * queries;
  if (rows <= 0 || headDim <= 0)
    return Status::success();
  // The workspace holds D, and the lse unless the forward's is given.
  void *ws = nullptr;
  if (Status st = ctx.workspace((lseIn ? 1 : 2) * rows * sizeof(float), ws);
      !st.ok())
    return st;
  float *dsum = static_cast<float *>(ws), *lse = lseIn ? nullptr : dsum + rows;
  const unsigned qBlocks = static_cast<unsigned>((rows + kWarps - 1) / kWarps);
  const int64_t keyRows = batch * kvHeads * seq;
  const unsigned kBlocks =
      static_cast<unsigned>((keyRows + kWarps - 1) / kWarps);
  rowStatsKernel<<<qBlocks, kWarps * 32, 0, ctx.stream>>>(q, k, o, dout, lse,
                                                          dsum, s, ctx.error);
  const float *rowLse = lseIn ? lseIn : lse;
  byHeadDim(headDim, [&](auto per) {
    constexpr int P = decltype(per)::value;
    gradQueryKernel<P><<<qBlocks, kWarps * 32, 0, ctx.stream>>>(
        q, k, v, dout, rowLse, dsum, dq, s);
    gradKeyKernel<P><<<kBlocks, kWarps * 32, 0, ctx.stream>>>(
        q, k, v, dout, rowLse, dsum, dk, dv, s);
  });
  return Status::success();
}

} // namespace

Status run(Context &ctx, const AttentionGradArgs &a) {
  return launchGrad(ctx, "attention_grad", a.q, a.k, a.v, a.o, nullptr, a.dout,
                    a.dq, a.dk, a.dv, a.batch, a.seq, a.heads, a.kv_heads,
                    a.head_dim, a.causal != 0);
}

Status run(Context &ctx, const AttentionGradLseArgs &a) {
  return launchGrad(ctx, "attention_grad_lse", a.q, a.k, a.v, a.o, a.lse,
                    a.dout, a.dq, a.dk, a.dv, a.batch, a.seq, a.heads,
                    a.kv_heads, a.head_dim, a.causal != 0);
}

Status run(Context &ctx, const AttentionGradRowsArgs &a) {
  return launchGrad(ctx, "attention_grad_rows", a.q, a.k, a.v, a.o, a.lse,
                    a.dout, a.dq, a.dk, a.dv, a.batch, a.seq, a.heads,
                    a.kv_heads, a.head_dim, a.causal != 0, a.rows, a.positions);
}

} // namespace cherry::runtime::cuda
