//===- CudaRope.cu - Rotary position embedding and its gradient -----------===//
//
// In place on rows [batch * seq, heads * head_dim]; the angle of pair i at
// position p is p * theta^(-2i / head_dim), computed in float as the CPU's
// tables are. rope_at reads its position from the device.
//
//===----------------------------------------------------------------------===//

#include "CudaCommon.cuh"

namespace cherry::runtime::cuda {
namespace {

constexpr int kThreads = 256;

/// `inverse`: the gradient (the inverse rotation).
__global__ void ropeKernel(float *x, int64_t batch, int64_t seq, int64_t heads,
                           int64_t headDim, float base, int64_t offset,
                           const int32_t *positionOperand, bool inverse,
                           ErrorRecord *err) {
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
    const float invFreq = 1.0f / powf(base, static_cast<float>(2 * i) /
                                                static_cast<float>(headDim));
    const float pos = static_cast<float>(offset + row % seq);
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

Status launchRope(Context &ctx, float *x, int64_t batch, int64_t seq,
                  int64_t heads, int64_t headDim, double theta, int64_t offset,
                  const int32_t *position, bool inverse) {
  const int64_t pairs = batch * seq * heads * (headDim / 2);
  if (pairs <= 0)
    return Status::success();
  ropeKernel<<<blocksFor(pairs, kThreads), kThreads, 0, ctx.stream>>>(
      x, batch, seq, heads, headDim, static_cast<float>(theta), offset,
      position, inverse, ctx.error);
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

} // namespace cherry::runtime::cuda
