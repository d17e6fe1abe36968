//===- CudaDevice.cpp - The CUDA device -----------------------------------===//
//
// One GPU, one stream. The arena is one cudaMalloc; host transfers go
// through pinned staging buffers, so copyToDevice returns once the bytes are
// staged and the copy runs asynchronously on the stream; kernels are
// enqueued on the same stream, and their data errors (ids outside the
// vocabulary, ...) land in an error record that synchronize() and
// copyToHost() report. docs/CUDA.md describes the design.
//
//===----------------------------------------------------------------------===//

#include "CudaContext.h"

#include "cherry/Runtime/Device.h"
#include "cherry/Runtime/KernelArgs.h"

#include <cuda_runtime.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>
#include <type_traits>
#include <utility>

namespace cherry::runtime {
namespace cuda {

Status cudaFailure(const char *what, cudaError_t error) {
  return Status::error(std::string(what) + ": " + cudaGetErrorName(error) +
                       ": " + cudaGetErrorString(error));
}

Status checkLaunch(const char *kernel) {
  cudaError_t e = cudaGetLastError();
  if (e != cudaSuccess)
    return cudaFailure((std::string(kernel) + ": kernel launch").c_str(), e);
  return Status::success();
}

const char *matmulModeName(MatmulMode mode) {
  switch (mode) {
  case MatmulMode::Fp32:
    return "fp32";
  case MatmulMode::Tf32:
    return "tf32";
  case MatmulMode::Bf16:
    return "bf16";
  }
  return "?";
}

static Status grow(Context &ctx, void *&base, uint64_t &have, uint64_t bytes,
                   void *&out) {
  if (bytes > have) {
    // Launches still queued may use the old area.
    if (cudaError_t e = cudaStreamSynchronize(ctx.stream); e != cudaSuccess)
      return cudaFailure("workspace", e);
    if (base)
      cudaFree(base);
    base = nullptr;
    have = 0;
    const uint64_t want = std::max<uint64_t>(bytes, 1 << 20);
    if (cudaError_t e = cudaMalloc(&base, want); e != cudaSuccess)
      return cudaFailure(
          ("cannot allocate a workspace of " + std::to_string(want) + " bytes")
              .c_str(),
          e);
    have = want;
  }
  out = base;
  return Status::success();
}

Status Context::workspace(uint64_t bytes, void *&out) {
  return grow(*this, workspaceBase, workspaceBytes, bytes, out);
}

Status Context::workspace2(uint64_t bytes, void *&out) {
  return grow(*this, workspace2Base, workspace2Bytes, bytes, out);
}

// CudaGemm.cpp
Status createGemm(MatmulMode mode, cudaStream_t stream, Gemm *&out);
void destroyGemm(Gemm *gemm);

namespace {

/// Whether run(Context&, const Args&) is declared (CudaContext.h).
template <class Args, class = void> struct HasRun : std::false_type {};
template <class Args>
struct HasRun<Args, std::void_t<decltype(run(std::declval<Context &>(),
                                             std::declval<const Args &>()))>>
    : std::true_type {};

Status unsupported(KernelId kernel) {
  return Status::error(std::string("kernel ") + abi::kernelName(kernel) +
                       " has no CUDA implementation (docs/CUDA.md lists the "
                       "kernels the CUDA device runs)");
}

/// The message of a kernel's data error, as the CPU kernel words it.
std::string describe(const ErrorRecord &r) {
  const std::string k = abi::kernelName(static_cast<KernelId>(r.kernel));
  auto s = [](long long v) { return std::to_string(v); };
  switch (r.code) {
  case kIdOutsideVocab:
    return k + ": id " + s(r.a) + " at position " + s(r.b) +
           " is outside the vocabulary [0, " + s(r.c) + ")";
  case kTargetOutsideVocab:
    return k + ": row " + s(r.a) + " has target " + s(r.b) +
           ", outside the vocabulary [0, " + s(r.c) +
           ") and not the ignore index " + s(r.d);
  case kWeightedTarget:
    return k + ": row " + s(r.a) + " has target " + s(r.b) +
           ", outside the vocabulary [0, " + s(r.c) + ")";
  case kNonFiniteWeight:
    return k + ": row " + s(r.a) + " has a non-finite weight";
  case kCachePosition:
    return k + ": position " + s(r.a) + " + seq " + s(r.b) +
           " is outside the cache of " + s(r.c) + " rows";
  case kNegativePosition:
    return k + ": position " + s(r.a) + " is negative";
  case kBadStep: {
    float step;
    const uint32_t bits = static_cast<uint32_t>(r.a);
    std::memcpy(&step, &bits, sizeof step);
    return "optimizer step " + std::to_string(step) +
           " is not a positive integer";
  }
  case kGatherPosition:
    return k + ": position " + s(r.a) + " at row " + s(r.b) +
           " is outside [0, " + s(r.c) + ")";
  case kExpertIndex:
    return k + ": expert " + s(r.a) + " at slot " + s(r.b) +
           " is outside [0, " + s(r.c) + ")";
  case kSlotRow:
    return k + ": slot " + s(r.a) + " has row " + s(r.b) + ", outside [0, " +
           s(r.c) + ")";
  case kSlotTaken:
    return k + ": row " + s(r.a) +
           " is taken by two slots (slot_row is not a permutation)";
  case kNegativeCount:
    return k + ": expert " + s(r.a) + " has a negative count " + s(r.b);
  case kScoreTarget:
    return k + ": target " + s(r.a) + " at row " + s(r.b) +
           " is outside the score table of " + s(r.c);
  case kBadScore: {
    float score;
    const uint32_t bits = static_cast<uint32_t>(r.b);
    std::memcpy(&score, &bits, sizeof score);
    return k + ": score of token " + s(r.a) + " is " + std::to_string(score) +
           ", not a finite non-negative number";
  }
  case kMaskValue:
    return k + ": mask value " + s(r.a) + " at row " + s(r.b) + ", position " +
           s(r.c) + " is not 0 or 1";
  case kCountSum:
    return k + ": the expert counts sum to " + s(r.a) + ", expected " + s(r.b) +
           " rows";
  }
  return k + ": error " + s(r.code);
}

class CudaDevice final : public Device {
public:
  ~CudaDevice() override {
    if (ctx_.stream)
      cudaStreamSynchronize(ctx_.stream);
    destroyGemm(ctx_.gemm);
    for (void *p : {ctx_.workspaceBase, ctx_.workspace2Base})
      if (p)
        cudaFree(p);
    for (auto &entry : ctx_.tables)
      cudaFree(entry.second);
    for (int i = 0; i < 2; ++i) {
      if (stagingEvent_[i])
        cudaEventDestroy(stagingEvent_[i]);
      if (staging_[i])
        cudaFreeHost(staging_[i]);
    }
    if (ctx_.errorHost)
      cudaFreeHost(ctx_.errorHost);
    if (ctx_.error)
      cudaFree(ctx_.error);
    if (ctx_.stream)
      cudaStreamDestroy(ctx_.stream);
  }

  Status init(int index, MatmulMode mode) {
    name_ = "cuda:" + std::to_string(index);
    ctx_.deviceName = name_;
    if (cudaError_t e = cudaSetDevice(index); e != cudaSuccess)
      return cudaFailure(name_.c_str(), e);
    cudaDeviceProp prop{};
    if (cudaError_t e = cudaGetDeviceProperties(&prop, index); e != cudaSuccess)
      return cudaFailure(name_.c_str(), e);
    description_ = prop.name;
    ctx_.multiprocessors = prop.multiProcessorCount;
    if (cudaError_t e =
            cudaStreamCreateWithFlags(&ctx_.stream, cudaStreamNonBlocking);
        e != cudaSuccess)
      return cudaFailure("cudaStreamCreate", e);
    // The error record lives in device memory (atomics on mapped host
    // memory need PCIe atomics); synchronize() reads it back through
    // pinned memory.
    if (cudaError_t e = cudaHostAlloc(&ctx_.errorHost, sizeof(ErrorRecord),
                                      cudaHostAllocDefault);
        e != cudaSuccess)
      return cudaFailure("cudaHostAlloc (error record)", e);
    if (cudaError_t e = cudaMalloc(&ctx_.error, sizeof(ErrorRecord));
        e != cudaSuccess)
      return cudaFailure("cudaMalloc (error record)", e);
    if (cudaError_t e =
            cudaMemsetAsync(ctx_.error, 0, sizeof(ErrorRecord), ctx_.stream);
        e != cudaSuccess)
      return cudaFailure("cudaMemset (error record)", e);
    for (int i = 0; i < 2; ++i) {
      if (cudaError_t e =
              cudaHostAlloc(&staging_[i], kStagingBytes, cudaHostAllocDefault);
          e != cudaSuccess)
        return cudaFailure("cudaHostAlloc (staging)", e);
      if (cudaError_t e = cudaEventCreateWithFlags(&stagingEvent_[i],
                                                   cudaEventDisableTiming);
          e != cudaSuccess)
        return cudaFailure("cudaEventCreate", e);
    }
    return createGemm(mode, ctx_.stream, ctx_.gemm);
  }

  const char *name() const override { return name_.c_str(); }

  Status supports(KernelId kernel) const override {
    // A call with the kernel's operand and attribute counts, all zero, only
    // to find the kernel's argument type.
    const abi::KernelSpec &spec = abi::kernelSpec(kernel);
    KernelCall call;
    call.kernel = kernel;
    call.in.assign(spec.inputs.size, nullptr);
    call.inBytes.assign(spec.inputs.size, 0);
    call.out.assign(spec.outputs.size, nullptr);
    call.outBytes.assign(spec.outputs.size, 0);
    call.ints.assign(spec.ints.size, 0);
    call.floats.assign(spec.floats.size, 0.0);
    return dispatch(call, [&](const auto &args) {
      using Args = std::decay_t<decltype(args)>;
      return HasRun<Args>::value ? Status::success() : unsupported(kernel);
    });
  }

  Status allocate(uint64_t bytes, DeviceMemory &out) override {
    void *p = nullptr;
    if (cudaError_t e = cudaMalloc(&p, std::max<uint64_t>(bytes, 256));
        e != cudaSuccess)
      return cudaFailure(
          ("cannot allocate " + std::to_string(bytes) + " bytes on " + name_)
              .c_str(),
          e);
    if (cudaError_t e =
            cudaMemsetAsync(p, 0, std::max<uint64_t>(bytes, 256), ctx_.stream);
        e != cudaSuccess)
      return cudaFailure("cudaMemset", e);
    out = DeviceMemory{static_cast<std::byte *>(p), bytes, bytes};
    return Status::success();
  }

  void release(DeviceMemory &memory) override {
    if (memory.address) {
      cudaStreamSynchronize(ctx_.stream);
      cudaFree(memory.address);
    }
    memory = DeviceMemory{};
  }

  std::byte *hostPointer(const DeviceMemory &, uint64_t) const override {
    return nullptr;
  }

  Status copyToDevice(const DeviceMemory &dst, uint64_t offset, const void *src,
                      uint64_t bytes) override {
    const auto *from = static_cast<const std::byte *>(src);
    for (uint64_t done = 0; done < bytes;) {
      const uint64_t n = std::min(kStagingBytes, bytes - done);
      const int slot = next_;
      next_ ^= 1;
      // The slot's previous copy must have left it.
      if (cudaError_t e = cudaEventSynchronize(stagingEvent_[slot]);
          e != cudaSuccess)
        return cudaFailure("copy to the device", e);
      std::memcpy(staging_[slot], from + done, n);
      if (cudaError_t e =
              cudaMemcpyAsync(dst.address + offset + done, staging_[slot], n,
                              cudaMemcpyHostToDevice, ctx_.stream);
          e != cudaSuccess)
        return cudaFailure("copy to the device", e);
      if (cudaError_t e = cudaEventRecord(stagingEvent_[slot], ctx_.stream);
          e != cudaSuccess)
        return cudaFailure("copy to the device", e);
      done += n;
    }
    return Status::success();
  }

  Status copyToHost(void *dst, const DeviceMemory &src, uint64_t offset,
                    uint64_t bytes) override {
    auto *to = static_cast<std::byte *>(dst);
    for (uint64_t done = 0; done < bytes;) {
      const uint64_t n = std::min(kStagingBytes, bytes - done);
      if (cudaError_t e =
              cudaMemcpyAsync(staging_[0], src.address + offset + done, n,
                              cudaMemcpyDeviceToHost, ctx_.stream);
          e != cudaSuccess)
        return cudaFailure("copy to the host", e);
      if (cudaError_t e = cudaStreamSynchronize(ctx_.stream); e != cudaSuccess)
        return cudaFailure(name_.c_str(), e);
      std::memcpy(to + done, staging_[0], n);
      done += n;
    }
    // Everything issued before has finished: report a kernel's error.
    return synchronize();
  }

  Status launch(const KernelCall &call) override {
    // Outputs that update an input in place start as a copy of it when the
    // loader gave them another slice (as on the CPU device).
    const abi::KernelSpec &spec = abi::kernelSpec(call.kernel);
    for (int o = 0; o < spec.outputs.size; ++o) {
      const int source = spec.outputs[o].source;
      if (source >= 0 && call.out[o] != call.in[source])
        if (cudaError_t e =
                cudaMemcpyAsync(call.out[o], call.in[source], call.outBytes[o],
                                cudaMemcpyDeviceToDevice, ctx_.stream);
            e != cudaSuccess)
          return cudaFailure(abi::kernelName(call.kernel), e);
    }
    return dispatch(call, [&](const auto &args) -> Status {
      using Args = std::decay_t<decltype(args)>;
      if constexpr (HasRun<Args>::value) {
        if (Status s = cuda::run(ctx_, args); !s.ok())
          return s;
        return checkLaunch(abi::kernelName(call.kernel));
      } else {
        return unsupported(call.kernel);
      }
    });
  }

  Status synchronize() override { return ctx_.takeError(); }

private:
  static constexpr uint64_t kStagingBytes = uint64_t(16) << 20;
  std::string name_, description_;
  Context ctx_;
  void *staging_[2] = {nullptr, nullptr};
  cudaEvent_t stagingEvent_[2] = {nullptr, nullptr};
  int next_ = 0;
};

} // namespace

Status Context::takeError() {
  if (cudaError_t e = cudaMemcpyAsync(errorHost, error, sizeof(ErrorRecord),
                                      cudaMemcpyDeviceToHost, stream);
      e != cudaSuccess)
    return cudaFailure(deviceName.c_str(), e);
  if (cudaError_t e = cudaStreamSynchronize(stream); e != cudaSuccess)
    return cudaFailure(deviceName.c_str(), e);
  if (errorHost->code == kNoError)
    return Status::success();
  const ErrorRecord record = *errorHost;
  if (cudaError_t e = cudaMemsetAsync(error, 0, sizeof(ErrorRecord), stream);
      e != cudaSuccess)
    return cudaFailure(deviceName.c_str(), e);
  return Status::error(describe(record));
}

Status parseMatmulMode(MatmulMode &mode) {
  mode = MatmulMode::Fp32;
  const char *env = std::getenv("CHERRY_CUDA_MATMUL");
  if (!env || !*env || std::string(env) == "fp32")
    return Status::success();
  if (std::string(env) == "tf32")
    mode = MatmulMode::Tf32;
  else if (std::string(env) == "bf16")
    mode = MatmulMode::Bf16;
  else
    return Status::error(std::string("CHERRY_CUDA_MATMUL is '") + env +
                         "', expected fp32, tf32 or bf16");
  return Status::success();
}

} // namespace cuda

Status createCudaDevice(int index, std::unique_ptr<Device> &out) {
  const std::string name = "cuda:" + std::to_string(index);
  cuda::MatmulMode mode;
  if (Status s = cuda::parseMatmulMode(mode); !s.ok())
    return s;
  int count = 0;
  cudaError_t e = cudaGetDeviceCount(&count);
  if (e != cudaSuccess || count == 0)
    return Status::error("device '" + name + "': no CUDA device (" +
                         (e != cudaSuccess ? std::string(cudaGetErrorName(e)) +
                                                 ": " + cudaGetErrorString(e)
                                           : std::string("none found")) +
                         ")");
  if (index >= count)
    return Status::error("device '" + name + "': this machine has " +
                         std::to_string(count) + " CUDA device" +
                         (count == 1 ? "" : "s"));
  auto device = std::make_unique<cuda::CudaDevice>();
  if (Status s = device->init(index, mode); !s.ok())
    return Status::error("device '" + name + "': " + s.message);
  out = std::move(device);
  return Status::success();
}

int cudaDeviceCount() {
  int count = 0;
  return cudaGetDeviceCount(&count) == cudaSuccess ? count : 0;
}

} // namespace cherry::runtime
