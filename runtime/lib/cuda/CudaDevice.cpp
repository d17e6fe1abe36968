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
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

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
    if (Status s = ctx.notCapturable("a workspace grows", false); !s.ok())
      return s;
    // Graphs recorded before point at the old area.
    ++ctx.memoryGeneration;
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

Status Context::notCapturable(const std::string &why, bool permanent) {
  if (!capturing)
    return Status::success();
  if (uncapturable.empty()) {
    uncapturable = why;
    uncapturablePermanent = permanent;
  }
  return Status::error("cannot be recorded in a CUDA graph: " + why);
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
  case kShareWeight: {
    float weight;
    const uint32_t bits = static_cast<uint32_t>(r.a);
    std::memcpy(&weight, &bits, sizeof weight);
    return k + ": hyper[7] (the rank's supervised tokens) is " +
           std::to_string(weight) + ", not a finite non-negative count";
  }
  case kCountSum:
    return k + ": the expert counts sum to " + s(r.a) + ", expected " + s(r.b) +
           " rows";
  case kLocalRows:
    return k + ": local expert " + s(r.a) + " receives " + s(r.b) + " rows";
  case kSourceRows:
    return k + ": the rows rank " + s(r.a) + " sent local expert " + s(r.b) +
           " (" + s(r.c) + ") do not fit the capacity of " + s(r.d);
  }
  return k + ": error " + s(r.code);
}

class CudaDevice final : public Device {
public:
  ~CudaDevice() override {
    if (ctx_.stream)
      cudaStreamSynchronize(ctx_.stream);
    if (copyStream_)
      cudaStreamSynchronize(copyStream_);
    if (ctx_.commStream)
      cudaStreamSynchronize(ctx_.commStream);
    ctx_.forgetInFlight();
    for (cudaEvent_t e : ctx_.freeEvents)
      cudaEventDestroy(e);
    for (cudaEvent_t e : {ctx_.forkEvent, ctx_.joinEvent})
      if (e)
        cudaEventDestroy(e);
    if (ctx_.commStream)
      cudaStreamDestroy(ctx_.commStream);
    for (auto &entry : graphs_)
      if (entry.second.exec)
        cudaGraphExecDestroy(entry.second.exec);
    for (PrefetchSlot &p : prefetchSlots_) {
      for (cudaEvent_t e : {p.ready, p.consumed})
        if (e)
          cudaEventDestroy(e);
      if (p.host)
        cudaFreeHost(p.host);
      if (p.device)
        cudaFree(p.device);
    }
    if (copyStream_)
      cudaStreamDestroy(copyStream_);
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

  Status init(int index, MatmulMode mode, bool graphs) {
    recording_ = graphs;
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
    // Prefetched uploads (the next batch) copy on their own stream.
    if (cudaError_t e =
            cudaStreamCreateWithFlags(&copyStream_, cudaStreamNonBlocking);
        e != cudaSuccess)
      return cudaFailure("cudaStreamCreate", e);
    // Overlapped reductions (all_reduce_start) run on their own stream, of
    // the highest priority: the kernels wait for them at their waits only.
    int leastPriority = 0, greatestPriority = 0;
    if (cudaError_t e =
            cudaDeviceGetStreamPriorityRange(&leastPriority, &greatestPriority);
        e != cudaSuccess)
      return cudaFailure("cudaDeviceGetStreamPriorityRange", e);
    if (cudaError_t e = cudaStreamCreateWithPriority(
            &ctx_.commStream, cudaStreamNonBlocking, greatestPriority);
        e != cudaSuccess)
      return cudaFailure("cudaStreamCreate", e);
    for (cudaEvent_t *e : {&ctx_.forkEvent, &ctx_.joinEvent})
      if (cudaError_t rc = cudaEventCreateWithFlags(e, cudaEventDisableTiming);
          rc != cudaSuccess)
        return cudaFailure("cudaEventCreate", rc);
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
      cudaStreamSynchronize(ctx_.commStream);
      cudaStreamSynchronize(ctx_.stream);
      // A reduction of its tensors is over (a failed function's).
      ctx_.forgetInFlight(memory.address, memory.address + memory.bytes);
      cudaFree(memory.address);
      // Graphs recorded on it would point at freed memory.
      ++ctx_.memoryGeneration;
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
    // The reductions in flight (a test's all_reduce_start) are read done.
    if (Status s = ctx_.joinComm("copy to the host"); !s.ok())
      return s;
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
    // No launch but a wait touches the tensors of a reduction in flight.
    if (!ctx_.inFlight.empty() && call.kernel != KernelId::all_reduce_wait)
      if (Status s = ctx_.checkInFlight(call); !s.ok())
        return s;
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
    ctx_.communicator = communicator();
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

  Status synchronize() override {
    if (Status s = ctx_.joinComm(name_.c_str()); !s.ok())
      return s;
    return ctx_.takeError();
  }

  void *nativeQueue() const override { return ctx_.stream; }

  void setRecording(bool enabled) override { recording_ = enabled; }

  // CUDA graphs. A function's first call runs plainly (the warm-up: it
  // grows the workspaces, makes the GEMM plans and the tables); its second
  // is captured on the stream, instantiated and launched; later calls
  // launch the graph. What a graph cannot hold fails the capture through
  // Context::notCapturable; the Program then runs the call plainly, and
  // the function is captured again at its next call (a first-time setup)
  // or never (it reads device data on the host). Freed memory a graph may
  // point at (memoryGeneration) has it captured again.
  Status beginFunction(int function, const std::string &name,
                       Recording &mode) override {
    mode = Recording::Plain;
    // Every all_reduce_start has its wait within its function: what is in
    // flight now is a failed function's, waited for and forgotten.
    if (!ctx_.inFlight.empty()) {
      if (Status s = ctx_.joinComm("a function's start"); !s.ok())
        return s;
      ctx_.forgetInFlight();
    }
    if (!recording_)
      return Status::success();
    FunctionGraph &g = graphs_[function];
    g.name = name;
    switch (g.state) {
    case FunctionGraph::Plain:
      return Status::success();
    case FunctionGraph::Cold:
      g.state = FunctionGraph::Warm;
      return Status::success();
    case FunctionGraph::Captured:
      if (g.generation == ctx_.memoryGeneration) {
        if (cudaError_t e = cudaGraphLaunch(g.exec, ctx_.stream);
            e != cudaSuccess)
          return cudaFailure("cudaGraphLaunch", e);
        mode = Recording::Replayed;
        return Status::success();
      }
      cudaGraphExecDestroy(g.exec);
      g.exec = nullptr;
      g.state = FunctionGraph::Warm;
      break;
    case FunctionGraph::Warm:
      break;
    }
    if (cudaError_t e = cudaStreamBeginCapture(
            ctx_.stream, cudaStreamCaptureModeThreadLocal);
        e != cudaSuccess) {
      cudaGetLastError();
      runPlain(g,
               std::string("cudaStreamBeginCapture: ") + cudaGetErrorString(e));
      return Status::success();
    }
    ctx_.capturing = true;
    ctx_.commForked = false;
    ctx_.uncapturable.clear();
    mode = Recording::Record;
    return Status::success();
  }

  Status endFunction(int function, Status launched, bool &rerun) override {
    rerun = true; // unless the graph is made and launched below
    FunctionGraph &g = graphs_[function];
    // The communication stream, forked from the stream by an
    // all_reduce_start, is joined back before the capture ends (each wait
    // joined it already, unless the launches stopped early).
    if (ctx_.commForked && !ctx_.joinComm("the end of a capture").ok())
      cudaGetLastError();
    ctx_.commForked = false;
    ctx_.forgetInFlight();
    ctx_.capturing = false;
    cudaGraph_t graph = nullptr;
    const cudaError_t ended = cudaStreamEndCapture(ctx_.stream, &graph);
    auto drop = [&] {
      if (graph)
        cudaGraphDestroy(graph);
      cudaGetLastError(); // a capture's failure is not sticky
    };
    if (!ctx_.uncapturable.empty()) {
      drop();
      const std::string why = ctx_.uncapturable;
      ctx_.uncapturable.clear();
      if (ctx_.uncapturablePermanent || ++g.retries >= kRetries)
        runPlain(g, why);
      return Status::success();
    }
    if (!launched.ok()) {
      // Run plainly: the same error then comes as it would without graphs.
      drop();
      runPlain(g, "a launch failed while recording: " + launched.message);
      return Status::success();
    }
    if (ended != cudaSuccess || !graph) {
      drop();
      runPlain(g, std::string("cudaStreamEndCapture: ") +
                      cudaGetErrorString(ended));
      return Status::success();
    }
    size_t nodes = 0;
    if (cudaGraphGetNodes(graph, nullptr, &nodes) != cudaSuccess)
      nodes = 0;
    cudaGraphExec_t exec = nullptr;
    const cudaError_t made = cudaGraphInstantiate(&exec, graph, 0);
    drop();
    if (made != cudaSuccess) {
      runPlain(g, std::string("cudaGraphInstantiate: ") +
                      cudaGetErrorString(made));
      return Status::success();
    }
    g.exec = exec;
    g.state = FunctionGraph::Captured;
    g.generation = ctx_.memoryGeneration;
    ++g.captures;
    if (g.captures == 1 || g.captures % 16 == 0)
      std::fprintf(stderr,
                   "cherry-run: %s: function '%s' recorded as a CUDA graph "
                   "of %zu nodes (capture %d), replayed from now on\n",
                   name_.c_str(), g.name.c_str(), nodes, g.captures);
    rerun = false;
    if (cudaError_t e = cudaGraphLaunch(exec, ctx_.stream); e != cudaSuccess)
      return cudaFailure("cudaGraphLaunch", e);
    return Status::success();
  }

  // Prefetched uploads: the host bytes go to a pinned buffer and, on the
  // copy stream, to a device buffer of the slot while the step runs; the
  // commit waits for that copy on the stream and copies device to device
  // into the arena. Events keep each buffer until its last reader is done.
  Status prefetch(int slot, const void *src, uint64_t bytes) override {
    if (slot < 0)
      return Status::error("prefetch: slot " + std::to_string(slot) +
                           " is negative");
    if (prefetchSlots_.size() <= static_cast<size_t>(slot))
      prefetchSlots_.resize(slot + 1);
    PrefetchSlot &p = prefetchSlots_[slot];
    if (!p.ready) {
      for (cudaEvent_t *e : {&p.ready, &p.consumed})
        if (cudaError_t rc =
                cudaEventCreateWithFlags(e, cudaEventDisableTiming);
            rc != cudaSuccess)
          return cudaFailure("prefetch: cudaEventCreate", rc);
    }
    // The previous upload from the pinned buffer has left it, and the
    // previous commit has read the device buffer (both events are complete
    // when never recorded).
    if (cudaError_t e = cudaEventSynchronize(p.ready); e != cudaSuccess)
      return cudaFailure("prefetch", e);
    if (cudaError_t e = cudaEventSynchronize(p.consumed); e != cudaSuccess)
      return cudaFailure("prefetch", e);
    if (bytes > p.capacity) {
      if (p.host)
        cudaFreeHost(p.host);
      if (p.device)
        cudaFree(p.device);
      p.host = nullptr;
      p.device = nullptr;
      p.capacity = 0;
      if (cudaError_t e = cudaHostAlloc(&p.host, bytes, cudaHostAllocDefault);
          e != cudaSuccess)
        return cudaFailure("prefetch: cudaHostAlloc", e);
      if (cudaError_t e = cudaMalloc(&p.device, bytes); e != cudaSuccess)
        return cudaFailure("prefetch: cudaMalloc", e);
      p.capacity = bytes;
    }
    p.bytes = bytes;
    p.full = false;
    if (bytes == 0) {
      p.full = true;
      return Status::success();
    }
    std::memcpy(p.host, src, bytes);
    if (cudaError_t e = cudaMemcpyAsync(p.device, p.host, bytes,
                                        cudaMemcpyHostToDevice, copyStream_);
        e != cudaSuccess)
      return cudaFailure("prefetch", e);
    if (cudaError_t e = cudaEventRecord(p.ready, copyStream_); e != cudaSuccess)
      return cudaFailure("prefetch", e);
    p.full = true;
    return Status::success();
  }

  Status commitPrefetch(int slot, const DeviceMemory &dst,
                        uint64_t offset) override {
    if (slot < 0 || prefetchSlots_.size() <= static_cast<size_t>(slot) ||
        !prefetchSlots_[slot].full)
      return Status::error("prefetch: slot " + std::to_string(slot) +
                           " holds nothing");
    PrefetchSlot &p = prefetchSlots_[slot];
    p.full = false;
    if (p.bytes == 0)
      return Status::success();
    if (cudaError_t e = cudaStreamWaitEvent(ctx_.stream, p.ready, 0);
        e != cudaSuccess)
      return cudaFailure("prefetch", e);
    if (cudaError_t e = cudaMemcpyAsync(dst.address + offset, p.device, p.bytes,
                                        cudaMemcpyDeviceToDevice, ctx_.stream);
        e != cudaSuccess)
      return cudaFailure("prefetch", e);
    if (cudaError_t e = cudaEventRecord(p.consumed, ctx_.stream);
        e != cudaSuccess)
      return cudaFailure("prefetch", e);
    return Status::success();
  }

private:
  struct FunctionGraph {
    enum State { Cold, Warm, Captured, Plain } state = Cold;
    cudaGraphExec_t exec = nullptr;
    uint64_t generation = 0;
    int retries = 0, captures = 0;
    std::string name;
  };
  /// Captures abandoned for a first-time setup before a function runs
  /// plainly for good.
  static constexpr int kRetries = 3;

  /// Function `g` runs without a graph from now on, for `why` (said once).
  void runPlain(FunctionGraph &g, const std::string &why) {
    g.state = FunctionGraph::Plain;
    std::fprintf(stderr,
                 "cherry-run: %s: function '%s' runs without a CUDA graph: "
                 "%s\n",
                 name_.c_str(), g.name.c_str(), why.c_str());
  }

  struct PrefetchSlot {
    void *host = nullptr, *device = nullptr;
    uint64_t capacity = 0, bytes = 0;
    bool full = false;
    cudaEvent_t ready = nullptr, consumed = nullptr;
  };

  bool recording_ = true;
  std::map<int, FunctionGraph> graphs_;
  cudaStream_t copyStream_ = nullptr;
  std::vector<PrefetchSlot> prefetchSlots_;

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
  // CUDA graphs (cherry-run --cuda-graphs sets it per run).
  bool graphs = true;
  if (const char *env = std::getenv("CHERRY_CUDA_GRAPHS"); env && *env) {
    if (std::string(env) == "0")
      graphs = false;
    else if (std::string(env) != "1")
      return Status::error(std::string("CHERRY_CUDA_GRAPHS is '") + env +
                           "', expected 0 or 1");
  }
  auto device = std::make_unique<cuda::CudaDevice>();
  if (Status s = device->init(index, mode, graphs); !s.ok())
    return Status::error("device '" + name + "': " + s.message);
  out = std::move(device);
  return Status::success();
}

int cudaDeviceCount() {
  int count = 0;
  return cudaGetDeviceCount(&count) == cudaSuccess ? count : 0;
}

} // namespace cherry::runtime
