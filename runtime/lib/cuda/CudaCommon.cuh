//===- CudaCommon.cuh - Device helpers of the CUDA kernels ------*- CUDA
//-*-===//
//
// Error reporting from kernels, warp and block reductions in a fixed order
// (so every result is the same bits run to run), and the launch check.
//
//===----------------------------------------------------------------------===//

#ifndef CHERRY_RUNTIME_LIB_CUDA_CUDACOMMON_CUH
#define CHERRY_RUNTIME_LIB_CUDA_CUDACOMMON_CUH

#include "CudaContext.h"

#include <cuda_runtime.h>

namespace cherry::runtime::cuda {

/// Records the first error of a kernel call (later ones are dropped).
__device__ inline void raise(ErrorRecord *e, ErrorCode code, KernelId kernel,
                             long long a, long long b = 0, long long c = 0,
                             long long d = 0) {
  if (atomicCAS(&e->code, 0, static_cast<int>(code)) == 0) {
    e->kernel = static_cast<int>(kernel);
    e->a = a;
    e->b = b;
    e->c = c;
    e->d = d;
    __threadfence_system();
  }
}

template <class T> __device__ inline T warpSum(T v) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1)
    v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

__device__ inline float warpMax(float v) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1)
    v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
  return v;
}

/// The sum of `v` over the block (blockDim.x a multiple of 32, at most
/// 1024), returned to every thread. `scratch` holds 32 values.
template <class T> __device__ inline T blockSum(T v, T *scratch) {
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  v = warpSum(v);
  __syncthreads(); // scratch may still be read by a previous call
  if (lane == 0)
    scratch[warp] = v;
  __syncthreads();
  const int warps = blockDim.x >> 5;
  T total = lane < warps ? scratch[lane] : T(0);
  return warpSum(total);
}

__device__ inline float blockMax(float v, float *scratch) {
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  v = warpMax(v);
  __syncthreads();
  if (lane == 0)
    scratch[warp] = v;
  __syncthreads();
  const int warps = blockDim.x >> 5;
  float total = lane < warps ? scratch[lane] : -INFINITY;
  return warpMax(total);
}

} // namespace cherry::runtime::cuda

#endif // CHERRY_RUNTIME_LIB_CUDA_CUDACOMMON_CUH
