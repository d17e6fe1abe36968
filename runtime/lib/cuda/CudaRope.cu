//===- CudaRope.cu - Rotary position embedding and its gradient -----------===//
//
// In place on rows [batch * seq, heads * head_dim]; the angle of pair i at
// position p is p * theta^(-2i / head_dim) in float, as in the CPU's tables:
// the inverse frequencies are the CPU's, computed on the host with the same
// std::pow (CUDA's powf may differ by ulps, which an angle of thousands of
// radians magnifies) and cached on the device per (head_dim, theta). rope_at
// reads its position from the device, rope_rows each row's.
//
//===----------------------------------------------------------------------===//

#include "CudaCommon.cuh"

#include <cmath>
#include <cstring>
#include <vector>

namespace cherry::runtime::cuda {
namespace {

constexpr int kThreads = 256;

/// `inverse`: the gradient (the inverse rotation). With `rowPositions`
/// (rope_rows, rope_grad_rows: gathered rows, `kernel`), row r is at
/// rowPositions[r].
__global__ void ropeKernel(float *x, int64_t batch, int64_t seq, int64_t heads,
                           int64_t headDim, const float *invFreqs,
                           int64_t offset, const int32_t *positionOperand,
                           const int32_t *rowPositions, KernelId kernel,
                           bool inverse, ErrorRecord *err) {
  if (positionOperand) {
    offset = *positionOperand;
    if (offset < 0) {
      if (blockIdx.x == 0 && threadIdx.x == 0)
        raise(err, kNegativePosition, KernelId::rope_at, offset);
      return;
    }
  }
  const int64_t half = headDim / 2;
  const int64_t pairs = batch * seq * heads * half;
  for (int64_t p = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; p < pairs;
       p += int64_t(gridDim.x) * blockDim.x) {
    const int64_t i = p % half, rh = p / half; // rh = row * heads + head
    const int64_t row = rh / heads;
    const float invFreq = invFreqs[i];
    int64_t at = offset + row % seq;
    if (rowPositions) {
      at = rowPositions[row];
      if (at < 0) {
        if (i == 0)
          raise(err, kNegativePosition, kernel, at);
        continue;
      }
    }
    const float pos = static_cast<float>(at);
    const float angle = pos * invFreq;
    const float c = cosf(angle), s = sinf(angle);
    float *x1 = x + rh * headDim + i, *x2 = x1 + half;
    const float a = *x1, b = *x2;
    if (inverse) {
      *x1 = a * c + b * s;
      *x2 = b * c - a * s;
    } else {
      *x1 = a * c - b * s;
      *x2 = b * c + a * s;
    }
  }
}

/// 1 / theta^(2i / head_dim) for i < head_dim / 2, as the CPU's ropeTables
/// computes it, on the device.
Status inverseFrequencies(Context &ctx, int64_t headDim, double theta,
                          const float *&out) {
  uint64_t bits;
  std::memcpy(&bits, &theta, sizeof bits);
  const std::vector<const void *> key = {
      "rope", reinterpret_cast<const void *>(static_cast<uintptr_t>(headDim)),
      reinterpret_cast<const void *>(static_cast<uintptr_t>(bits))};
  auto it = ctx.tables.find(key);
  if (it == ctx.tables.end()) {
    if (Status s = ctx.notCapturable("RoPE's frequency table is made", false);
        !s.ok())
      return s;
    const int64_t half = headDim / 2;
    std::vector<float> inv(half);
    const float base = static_cast<float>(theta);
    for (int64_t i = 0; i < half; ++i)
      inv[i] = 1.0f / std::pow(base, static_cast<float>(2 * i) /
                                         static_cast<float>(headDim));
    void *table = nullptr;
    if (cudaError_t e = cudaMalloc(&table, half * sizeof(float));
        e != cudaSuccess)
      return cudaFailure("rope frequencies", e);
    if (cudaError_t e = cudaMemcpyAsync(table, inv.data(), half * sizeof(float),
                                        cudaMemcpyHostToDevice, ctx.stream);
        e != cudaSuccess)
      return cudaFailure("rope frequencies", e);
    it = ctx.tables.emplace(key, table).first;
  }
  out = static_cast<const float *>(it->second);
  return Status::success();
}

Status launchRope(Context &ctx, float *x, int64_t batch, int64_t seq,
                  int64_t heads, int64_t headDim, double theta, int64_t offset,
                  const int32_t *position, bool inverse,
                  const int32_t *rowPositions = nullptr,
                  KernelId kernel = KernelId::rope) {
  const int64_t pairs = batch * seq * heads * (headDim / 2);
  if (pairs <= 0)
    return Status::success();
  const float *invFreqs = nullptr;
  if (Status s = inverseFrequencies(ctx, headDim, theta, invFreqs); !s.ok())
    return s;
  ropeKernel<<<blocksFor(pairs, kThreads), kThreads, 0, ctx.stream>>>(
      x, batch, seq, heads, headDim, invFreqs, offset, position, rowPositions,
      kernel, inverse, ctx.error);
  return Status::success();
}

} // namespace

Status run(Context &ctx, const RopeArgs &a) { // y starts as x
  return launchRope(ctx, a.y, a.batch, a.seq, a.heads, a.head_dim, a.theta,
                    a.position_offset, nullptr, false);
}

Status run(Context &ctx, const RopeAtArgs &a) {
  return launchRope(ctx, a.y, a.batch, a.seq, a.heads, a.head_dim, a.theta, 0,
                    a.position, false);
}

Status run(Context &ctx, const RopeGradArgs &a) { // dx starts as dy
  return launchRope(ctx, a.dx, a.batch, a.seq, a.heads, a.head_dim, a.theta,
                    a.position_offset, nullptr, true);
}

Status run(Context &ctx, const RopeRowsArgs &a) { // y starts as x
  return launchRope(ctx, a.y, a.batch, a.rows, a.heads, a.head_dim, a.theta, 0,
                    nullptr, false, a.positions, KernelId::rope_rows);
}

Status run(Context &ctx, const RopeGradRowsArgs &a) { // dx starts as dy
  return launchRope(ctx, a.dx, a.batch, a.rows, a.heads, a.head_dim, a.theta, 0,
                    nullptr, true, a.positions, KernelId::rope_grad_rows);
}

} // namespace cherry::runtime::cuda
