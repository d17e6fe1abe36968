//===- CudaContext.h - What the CUDA kernels launch with --------*- C++ -*-===//
//
// The CUDA device (CudaDevice.cpp) runs each kernel of the ABI on one stream
// through a Context: the stream, the device-visible error record kernels
// report bad data in, a scratch workspace and the cuBLASLt GEMM. The kernel
// families (CudaElementwise.cu, CudaNorm.cu, ...) implement one run()
// overload per kernel on its typed arguments (KernelArgs.h), as the CPU
// device does; a kernel with no overload has no CUDA implementation, and the
// device refuses an executable that calls it when it is loaded.
//
//===----------------------------------------------------------------------===//

#ifndef CHERRY_RUNTIME_LIB_CUDA_CUDACONTEXT_H
#define CHERRY_RUNTIME_LIB_CUDA_CUDACONTEXT_H

#include "cherry/Runtime/Communicator.h"
#include "cherry/Runtime/KernelArgs.h"
#include "cherry/Runtime/Status.h"

#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace cherry::runtime::cuda {

/// What a kernel found wrong in its data (the CPU kernels fail the call with
/// the same line). Kernels cannot return a Status: they record the first
/// error in a record in device memory, which the device reads back and
/// reports at the next synchronize or copyToHost.
enum ErrorCode : int {
  kNoError = 0,
  kIdOutsideVocab,     ///< a = id, b = position, c = vocab
  kTargetOutsideVocab, ///< a = row, b = target, c = vocab (d = ignore index)
  kWeightedTarget,     ///< a = row, b = target, c = vocab
  kNonFiniteWeight,    ///< a = row
  kCachePosition,      ///< a = position, b = seq, c = capacity
  kNegativePosition,   ///< a = position
  kBadStep,            ///< a = the step's bits (float)
  kGatherPosition,     ///< a = position, b = row, c = seq
  kExpertIndex,        ///< a = expert, b = slot, c = experts
  kSlotRow,            ///< a = slot, b = row, c = slots
  kSlotTaken,          ///< a = row
  kNegativeCount,      ///< a = expert, b = count
  kCountSum,           ///< a = total, b = rows expected
  kScoreTarget,        ///< a = target, b = row, c = vocab
  kBadScore,           ///< a = token, b = the score's bits (float)
  kMaskValue,          ///< a = value, b = row, c = position
  kShareWeight,        ///< a = hyper[7]'s bits (float)
  kLocalRows,          ///< a = local expert, b = rows received
  kSourceRows,         ///< a = rank, b = local expert, c = rows, d = capacity
};

struct ErrorRecord {
  int code;
  int kernel; ///< the KernelId
  long long a, b, c, d;
};

/// How GEMMs compute (CHERRY_CUDA_MATMUL): fp32 arithmetic (parity with the
/// CPU), tf32 tensor cores, or bf16 tensor cores (inputs rounded to bf16,
/// fp32 accumulation; every tensor stays f32 in memory, so the weights the
/// optimizer updates are fp32 master weights).
enum class MatmulMode { Fp32, Tf32, Bf16 };

const char *matmulModeName(MatmulMode mode);

class Gemm;

/// What kernels launch with. Not thread-safe: one device, one host thread.
struct Context {
  cudaStream_t stream = nullptr;
  /// The error record (device memory) and its pinned host copy.
  ErrorRecord *error = nullptr;
  ErrorRecord *errorHost = nullptr;
  /// Waits for the stream and reports (and clears) a kernel's recorded
  /// error: a CUDA error, or the first data error as the CPU words it.
  Status takeError();
  std::string deviceName;
  Gemm *gemm = nullptr;
  int multiprocessors = 1;

  /// Scratch device memory of at least `bytes`, valid until the next call
  /// (launches on the stream run in order, so each may reuse it). Growing
  /// it waits for the stream.
  Status workspace(uint64_t bytes, void *&out);
  void *workspaceBase = nullptr;
  uint64_t workspaceBytes = 0;

  /// A second scratch area, for kernels that need two at once.
  Status workspace2(uint64_t bytes, void *&out);
  void *workspace2Base = nullptr;
  uint64_t workspace2Bytes = 0;

  /// Recording a function as a CUDA graph (CudaDevice.cpp): set while the
  /// stream is capturing, when launches are recorded, not run. What a graph
  /// cannot hold (a host wait, an allocation, a host copy from pageable
  /// memory) calls notCapturable first: while capturing it fails the call
  /// and says why (`permanent`: the function reads device data on the host
  /// every call and never records; otherwise it is a first-time setup, and
  /// the function is recorded at a later call).
  bool capturing = false;
  std::string uncapturable;
  bool uncapturablePermanent = false;
  Status notCapturable(const std::string &why, bool permanent);
  /// Bumped when memory a recorded graph may point at is freed (a workspace
  /// grows, an allocation is released): graphs recorded before are
  /// recorded again.
  uint64_t memoryGeneration = 0;

  /// The device's communicator (collective kernels), or null.
  Communicator *communicator = nullptr;

  /// Overlapped reductions (all_reduce_start, CudaCollective.cu): each runs
  /// on the communication stream after the kernels issued before it (an
  /// event recorded on the stream, waited for on the communication
  /// stream), and its completion event is what its all_reduce_wait, and any
  /// other collective, makes the stream wait for. Inside a CUDA graph's
  /// capture the same waits fork the communication stream from the stream
  /// and join it back (commForked: endFunction joins it once more).
  cudaStream_t commStream = nullptr;
  struct Reduction {
    std::vector<Communicator::Tensor> tensors;
    cudaEvent_t done;
  };
  std::vector<Reduction> inFlight;
  std::vector<cudaEvent_t> freeEvents;
  cudaEvent_t forkEvent = nullptr, joinEvent = nullptr;
  bool commForked = false;
  /// The stream waits for the reductions in flight (the last one started:
  /// they finish in order). Before every collective but all_reduce_start.
  Status waitInFlight(const char *kernel);
  /// The stream waits for everything issued on the communication stream
  /// (before a host read; at the end of a capture that forked it).
  Status joinComm(const char *what);
  /// Forgets the reductions in flight whose tensors meet [begin, end) (all
  /// of them by default), their events back to freeEvents: at a function's
  /// boundaries (every start has its wait within the function, so only a
  /// failed function leaves some) and when memory is released.
  void forgetInFlight(const void *begin = nullptr, const void *end = nullptr);
  /// Fails when `call` touches a tensor of a reduction in flight (the CPU
  /// device's line).
  Status checkInFlight(const KernelCall &call) const;

  /// Device tables of the multi-tensor launches (the chunks of every
  /// tensor), made on a launch's first run and kept: an executable launches
  /// the same operands every step. Keyed by the operand addresses.
  std::map<std::vector<const void *>, void *> tables;
};

/// `C[m, n] = op(A) op(B) + beta C` on row-major matrices, as the CPU's
/// gridGemm: op(A) is A[m, k] (lda) or, with transA, A^T of A[k, m]; op(B)
/// is B[k, n] (ldb) or, with transB, B^T of B[n, k].
Status gemm(Context &ctx, bool transA, bool transB, int64_t m, int64_t n,
            int64_t k, const float *a, int64_t lda, const float *b, int64_t ldb,
            float *c, int64_t ldc, float beta);

/// A failed CUDA call as one line: "what: cudaErrorName: string".
Status cudaFailure(const char *what, cudaError_t error);

/// The launch that just happened failed to start (bad configuration).
Status checkLaunch(const char *kernel);

/// The communicator of a collective compiled for `ranks` ranks, with the
/// CPU device's errors (collectiveCommunicator in Communicator.h).
inline Status collectiveCommunicator(Context &ctx, const char *kernel,
                                     int64_t ranks, Communicator *&out) {
  return ::cherry::runtime::collectiveCommunicator(ctx.communicator, kernel,
                                                   ranks, out);
}

/// Blocks for `n` items of `perBlock`, capped for grid-stride loops.
inline unsigned blocksFor(int64_t n, int perBlock, int64_t cap = 65535) {
  int64_t b = (n + perBlock - 1) / perBlock;
  return static_cast<unsigned>(b < 1 ? 1 : (b > cap ? cap : b));
}

// One run() per kernel the CUDA device implements. The device finds them by
// overload resolution: kernels not declared here have no CUDA
// implementation.
#define CHERRY_CUDA_KERNEL(Args) Status run(Context &ctx, const Args &a);
// CudaElementwise.cu
CHERRY_CUDA_KERNEL(EmbeddingArgs)
CHERRY_CUDA_KERNEL(EmbeddingGradArgs)
CHERRY_CUDA_KERNEL(EmbeddingGradAddArgs)
CHERRY_CUDA_KERNEL(SwigluArgs)
CHERRY_CUDA_KERNEL(SwigluGradArgs)
CHERRY_CUDA_KERNEL(AddArgs)
CHERRY_CUDA_KERNEL(ScaleArgs)
CHERRY_CUDA_KERNEL(KvAppendArgs)
CHERRY_CUDA_KERNEL(GatherRowsArgs)
CHERRY_CUDA_KERNEL(GatherIdsArgs)
CHERRY_CUDA_KERNEL(ShiftTargetsArgs)
CHERRY_CUDA_KERNEL(GatherRowsGradArgs)
CHERRY_CUDA_KERNEL(SgtSelectUniformArgs)
// CudaNorm.cu
CHERRY_CUDA_KERNEL(RmsNormArgs)
CHERRY_CUDA_KERNEL(AddRmsNormArgs)
CHERRY_CUDA_KERNEL(RmsNormGradArgs)
CHERRY_CUDA_KERNEL(RmsNormGradAddArgs)
// CudaRope.cu
CHERRY_CUDA_KERNEL(RopeArgs)
CHERRY_CUDA_KERNEL(RopeAtArgs)
CHERRY_CUDA_KERNEL(RopeGradArgs)
CHERRY_CUDA_KERNEL(RopeRowsArgs)
CHERRY_CUDA_KERNEL(RopeGradRowsArgs)
// CudaAttention.cu
CHERRY_CUDA_KERNEL(AttentionArgs)
CHERRY_CUDA_KERNEL(AttentionAtArgs)
CHERRY_CUDA_KERNEL(AttentionGradArgs)
CHERRY_CUDA_KERNEL(AttentionLseArgs)
CHERRY_CUDA_KERNEL(AttentionGradLseArgs)
CHERRY_CUDA_KERNEL(AttentionRowsArgs)
CHERRY_CUDA_KERNEL(AttentionGradRowsArgs)
// CudaGemm.cpp
CHERRY_CUDA_KERNEL(LinearArgs)
CHERRY_CUDA_KERNEL(LinearGradInputArgs)
CHERRY_CUDA_KERNEL(LinearGradInputAddArgs)
CHERRY_CUDA_KERNEL(LinearGradWeightArgs)
// CudaLoss.cu
CHERRY_CUDA_KERNEL(HeadCrossEntropyArgs)
CHERRY_CUDA_KERNEL(HeadCrossEntropyRowsArgs)
CHERRY_CUDA_KERNEL(HeadCrossEntropyWeightedArgs)
CHERRY_CUDA_KERNEL(HeadCrossEntropyGradArgs)
CHERRY_CUDA_KERNEL(HeadCrossEntropyTrainArgs)
CHERRY_CUDA_KERNEL(HeadCrossEntropyWeightedGradArgs)
CHERRY_CUDA_KERNEL(HeadCrossEntropyWeightedTrainArgs)
// CudaOptimizer.cu
CHERRY_CUDA_KERNEL(GradSqNormArgs)
CHERRY_CUDA_KERNEL(AdamwArgs)
CHERRY_CUDA_KERNEL(SgdArgs)
CHERRY_CUDA_KERNEL(AdamwMultiArgs)
CHERRY_CUDA_KERNEL(SgdMultiArgs)
// CudaSgt.cu
CHERRY_CUDA_KERNEL(SgtSelectScoreArgs)
CHERRY_CUDA_KERNEL(SgtSelectRandomArgs)
CHERRY_CUDA_KERNEL(SgtSelectSurprisalArgs)
CHERRY_CUDA_KERNEL(SgtSelectLossArgs)
CHERRY_CUDA_KERNEL(SgtSelectMaskArgs)
// CudaMoe.cu
CHERRY_CUDA_KERNEL(MoeTopkArgs)
CHERRY_CUDA_KERNEL(MoeTopkGradArgs)
CHERRY_CUDA_KERNEL(MoePermuteArgs)
CHERRY_CUDA_KERNEL(MoeGatherRowsArgs)
CHERRY_CUDA_KERNEL(MoeGatherRowsGradArgs)
CHERRY_CUDA_KERNEL(MoeGroupedLinearArgs)
CHERRY_CUDA_KERNEL(MoeGroupedLinearGradInputArgs)
CHERRY_CUDA_KERNEL(MoeGroupedLinearGradWeightArgs)
CHERRY_CUDA_KERNEL(MoeUnpermuteArgs)
CHERRY_CUDA_KERNEL(MoeUnpermuteGradArgs)
CHERRY_CUDA_KERNEL(MoeBalanceLossArgs)
CHERRY_CUDA_KERNEL(MoeBalanceLossGradArgs)
CHERRY_CUDA_KERNEL(MoeBalanceStatsArgs)
CHERRY_CUDA_KERNEL(MoeBalanceLossStatsArgs)
CHERRY_CUDA_KERNEL(MoeBalanceLossStatsGradArgs)
CHERRY_CUDA_KERNEL(MoeZLossArgs)
CHERRY_CUDA_KERNEL(MoeZLossGradArgs)
// CudaCollective.cu
CHERRY_CUDA_KERNEL(RankShareArgs)
CHERRY_CUDA_KERNEL(AllReduceArgs)
CHERRY_CUDA_KERNEL(AdamwShardArgs)
CHERRY_CUDA_KERNEL(AllGatherArgs)
CHERRY_CUDA_KERNEL(AllReduceStartArgs)
CHERRY_CUDA_KERNEL(AllReduceWaitArgs)
// CudaExchange.cu
CHERRY_CUDA_KERNEL(RankSharesArgs)
CHERRY_CUDA_KERNEL(MoeExchangeCountsArgs)
CHERRY_CUDA_KERNEL(MoeExchangeDispatchArgs)
CHERRY_CUDA_KERNEL(MoeExchangeCombineArgs)
CHERRY_CUDA_KERNEL(MoeScaleSourceRowsArgs)
#undef CHERRY_CUDA_KERNEL

} // namespace cherry::runtime::cuda

#endif // CHERRY_RUNTIME_LIB_CUDA_CUDACONTEXT_H
