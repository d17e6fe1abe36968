//===- CudaExchange.cu - Expert parallelism's exchanges on the GPU --------===//
//
// rank_shares, moe_exchange_counts, moe_exchange_dispatch,
// moe_exchange_combine and moe_scale_source_rows (runtime/abi/Kernels.abi)
// on the CUDA device, with the CPU device's semantics, layout and lines
// (runtime/lib/cpu/CpuDevice.cpp):
//   - rank_shares and moe_exchange_counts stay on the device: the weights
//     and the counts are checked by one thread in the CPU's order (its
//     first error), reduced or exchanged by NCCL on the stream (an
//     all-reduce of the shares, an all-to-all of `local` counts per rank),
//     and summed by one thread in the CPU's order, the shares divided as
//     the CPU divides them; nothing waits on the host, so a CUDA graph can
//     hold them;
//   - moe_exchange_dispatch and moe_exchange_combine size their
//     all-to-alls on the host: they read the counts back (one small copy
//     and a wait, as the grouped GEMMs do, so a function with one is never
//     recorded as a graph) and run the CPU device's exchange
//     (ExpertExchange.h: one NCCL group of sends and receives per local
//     expert) on the stream;
//   - moe_scale_source_rows finds each row's source rank from the received
//     counts on the device (a prefix made by one thread, then a search per
//     row): one float multiply per element, the CPU's bits.
// Every collective first waits for the reductions in flight
// (Context::waitInFlight), as on the CPU.
//
//===----------------------------------------------------------------------===//

#include "../ExpertExchange.h"
#include "CudaCommon.cuh"

#include <climits>
#include <string>
#include <vector>

namespace cherry::runtime::cuda {
namespace {

constexpr int kThreads = 128;

/// shares = 0 but shares[rank] = hyper[7], checked.
__global__ void sharesWeightKernel(const float *hyper, float *shares,
                                   int64_t ranks, int64_t rank,
                                   ErrorRecord *err) {
  const float w = hyper[7];
  const bool bad = !isfinite(w) || w < 0;
  if (bad)
    raise(err, kShareWeight, KernelId::rank_shares, __float_as_uint(w));
  for (int64_t p = 0; p < ranks; ++p)
    shares[p] = p == rank && !bad ? w : 0.0f;
}

/// shares[p] / (their sum in rank order), 0 when it is 0.
__global__ void sharesDivideKernel(float *shares, int64_t ranks) {
  float total = 0.0f;
  for (int64_t p = 0; p < ranks; ++p)
    total += shares[p];
  for (int64_t p = 0; p < ranks; ++p)
    shares[p] = total > 0 ? shares[p] / total : 0.0f;
}

/// The first negative count, as the CPU finds it.
__global__ void checkCountsKernel(const int32_t *counts, int64_t experts,
                                  ErrorRecord *err) {
  for (int64_t e = 0; e < experts; ++e)
    if (counts[e] < 0) {
      raise(err, kNegativeCount, KernelId::moe_exchange_counts, e, counts[e]);
      return;
    }
}

/// local_counts[l] = sum over p of received[p, l].
__global__ void localCountsKernel(const int32_t *received, int64_t ranks,
                                  int64_t local, int32_t *localCounts,
                                  ErrorRecord *err) {
  for (int64_t l = 0; l < local; ++l) {
    long long sum = 0;
    for (int64_t p = 0; p < ranks; ++p)
      sum += received[p * local + l];
    if (sum > INT_MAX) {
      raise(err, kLocalRows, KernelId::moe_exchange_counts, l, sum);
      return;
    }
    localCounts[l] = static_cast<int32_t>(sum);
  }
}

/// at[s], s = l * ranks + p: the first row rank p sent local expert l, and
/// at[local * ranks] the rows filled; the first segment that does not fit
/// (or is negative) fails, as on the CPU, and ends the rows there.
__global__ void sourceRowsKernel(const int32_t *received, int64_t ranks,
                                 int64_t local, int64_t capacity, int64_t *at,
                                 ErrorRecord *err) {
  int64_t row = 0;
  bool failed = false;
  for (int64_t l = 0; l < local; ++l)
    for (int64_t p = 0; p < ranks; ++p) {
      const int64_t s = l * ranks + p;
      at[s] = row;
      const int32_t n = received[p * local + l];
      if (!failed && (n < 0 || row + n > capacity)) {
        raise(err, kSourceRows, KernelId::moe_scale_source_rows, p, l, n,
              capacity);
        failed = true;
      }
      if (!failed)
        row += n;
    }
  at[local * ranks] = row;
}

/// y = shares[p] * x on the rows rank p sent, zero past them: one block
/// per row (grid-stride), the segment found by a binary search of `at`.
__global__ void scaleRowsKernel(const float *x, const int64_t *at,
                                const float *shares, int64_t segments,
                                int64_t ranks, int64_t capacity, int64_t dim,
                                float *y) {
  for (int64_t r = blockIdx.x; r < capacity; r += gridDim.x) {
    float *out = y + r * dim;
    if (r >= at[segments]) {
      for (int64_t i = threadIdx.x; i < dim; i += blockDim.x)
        out[i] = 0.0f;
      continue;
    }
    // The last segment starting at or before r (empty ones share a start).
    int64_t lo = 0, hi = segments - 1;
    while (lo < hi) {
      const int64_t mid = (lo + hi + 1) / 2;
      if (at[mid] <= r)
        lo = mid;
      else
        hi = mid - 1;
    }
    const float share = shares[lo % ranks];
    const float *in = x + r * dim;
    for (int64_t i = threadIdx.x; i < dim; i += blockDim.x)
      out[i] = share * in[i];
  }
}

/// `n` ints of device memory on the host, after what the stream ran: a
/// host wait, so never in a CUDA graph; an earlier kernel's error first.
Status readInts(Context &ctx, const char *kernel, const int32_t *from,
                int64_t n, std::vector<int32_t> &out) {
  out.assign(n, 0);
  if (n > 0)
    if (cudaError_t e = cudaMemcpyAsync(out.data(), from, n * sizeof(int32_t),
                                        cudaMemcpyDeviceToHost, ctx.stream);
        e != cudaSuccess)
      return cudaFailure(kernel, e);
  return Status::success();
}

/// The counts and received counts of an exchange on the host.
Status hostLayout(Context &ctx, const char *kernel, const int32_t *counts,
                  int64_t experts, const int32_t *received, int64_t ranks,
                  int64_t local, std::vector<int32_t> &countsHost,
                  std::vector<int32_t> &receivedHost) {
  // The all-to-alls are sized on the host, every call.
  if (Status s = ctx.notCapturable(
          std::string(kernel) + " reads the expert counts on the host", true);
      !s.ok())
    return s;
  if (Status s = readInts(ctx, kernel, counts, experts, countsHost); !s.ok())
    return s;
  if (Status s = readInts(ctx, kernel, received, ranks * local, receivedHost);
      !s.ok())
    return s;
  // Waits for the copies; a kernel before this one may have failed (the
  // counts are then not written): its error comes first.
  return ctx.takeError();
}

template <class Args>
Status exchange(Context &ctx, const char *kernel, const Args &a,
                const float *from, float *to, bool back, int64_t &filled) {
  Communicator *c = nullptr;
  if (Status s = collectiveCommunicator(ctx, kernel, a.ranks, c); !s.ok())
    return s;
  std::vector<int32_t> counts, received;
  if (Status s = hostLayout(ctx, kernel, a.counts, a.experts, a.received,
                            a.ranks, a.local, counts, received);
      !s.ok())
    return s;
  if (Status s = ctx.waitInFlight(kernel); !s.ok())
    return s;
  return exchangeRows(c, kernel, counts.data(), received.data(), a.rows, a.dim,
                      a.experts, a.ranks, a.local, a.capacity, from, to, back,
                      filled);
}

} // namespace

Status run(Context &ctx, const RankSharesArgs &a) {
  Communicator *c = nullptr;
  if (Status s = collectiveCommunicator(ctx, "rank_shares", a.ranks, c);
      !s.ok())
    return s;
  sharesWeightKernel<<<1, 1, 0, ctx.stream>>>(a.hyper, a.shares, a.ranks,
                                              c->rank(), ctx.error);
  if (Status s = checkLaunch("rank_shares"); !s.ok())
    return s;
  if (Status s = ctx.waitInFlight("rank_shares"); !s.ok())
    return s;
  // Each rank's weight at its place, zero elsewhere: the sum is exact.
  if (Status s = c->allReduceSum({{a.shares, static_cast<uint64_t>(a.ranks)}});
      !s.ok())
    return Status::error("rank_shares: " + s.message);
  sharesDivideKernel<<<1, 1, 0, ctx.stream>>>(a.shares, a.ranks);
  return Status::success();
}

Status run(Context &ctx, const MoeExchangeCountsArgs &a) {
  Communicator *c = nullptr;
  if (Status s = collectiveCommunicator(ctx, "moe_exchange_counts", a.ranks, c);
      !s.ok())
    return s;
  checkCountsKernel<<<1, 1, 0, ctx.stream>>>(a.counts, a.experts, ctx.error);
  if (Status s = checkLaunch("moe_exchange_counts"); !s.ok())
    return s;
  if (Status s = ctx.waitInFlight("moe_exchange_counts"); !s.ok())
    return s;
  if (Status s = c->allToAll(a.counts, a.received, a.local); !s.ok())
    return Status::error("moe_exchange_counts: " + s.message);
  localCountsKernel<<<1, 1, 0, ctx.stream>>>(a.received, a.ranks, a.local,
                                             a.local_counts, ctx.error);
  return Status::success();
}

Status run(Context &ctx, const MoeExchangeDispatchArgs &a) {
  int64_t filled = 0;
  if (Status s = exchange(ctx, "moe_exchange_dispatch", a, a.xp, a.xr,
                          /*back=*/false, filled);
      !s.ok())
    return s;
  if (filled < a.capacity)
    if (cudaError_t e = cudaMemsetAsync(
            a.xr + filled * a.dim, 0,
            (a.capacity - filled) * a.dim * sizeof(float), ctx.stream);
        e != cudaSuccess)
      return cudaFailure("moe_exchange_dispatch", e);
  return Status::success();
}

Status run(Context &ctx, const MoeExchangeCombineArgs &a) {
  int64_t filled = 0;
  return exchange(ctx, "moe_exchange_combine", a, a.yr, a.yp, /*back=*/true,
                  filled);
}

Status run(Context &ctx, const MoeScaleSourceRowsArgs &a) {
  const int64_t segments = a.local * a.ranks;
  void *ws = nullptr;
  if (Status s = ctx.workspace((segments + 1) * sizeof(int64_t), ws); !s.ok())
    return s;
  auto *at = static_cast<int64_t *>(ws);
  sourceRowsKernel<<<1, 1, 0, ctx.stream>>>(a.received, a.ranks, a.local,
                                            a.capacity, at, ctx.error);
  if (Status s = checkLaunch("moe_scale_source_rows"); !s.ok())
    return s;
  if (a.capacity <= 0 || a.dim <= 0)
    return Status::success();
  if (segments == 0) {
    if (cudaError_t e = cudaMemsetAsync(
            a.y, 0, a.capacity * a.dim * sizeof(float), ctx.stream);
        e != cudaSuccess)
      return cudaFailure("moe_scale_source_rows", e);
    return Status::success();
  }
  scaleRowsKernel<<<blocksFor(a.capacity, 1), kThreads, 0, ctx.stream>>>(
      a.x, at, a.shares, segments, a.ranks, a.capacity, a.dim, a.y);
  return Status::success();
}

} // namespace cherry::runtime::cuda
