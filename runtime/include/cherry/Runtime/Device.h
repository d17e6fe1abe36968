//===- Device.h - Where kernels run -----------------------------*- C++ -*-===//
//
// The runtime interprets an Executable as a list of kernel calls and hands
// each one to a Device, which also owns the memory the calls' operands live
// in (the Program's arena). A device implements every kernel of the ABI
// (runtime/abi/Kernels.abi) with the same semantics; the CPU device runs
// them with OpenBLAS and our own kernels (CpuKernels.h), the CUDA device
// (runtime/lib/cuda, docs/CUDA.md) with cuBLASLt and CUDA kernels.
//
//===----------------------------------------------------------------------===//

#ifndef CHERRY_RUNTIME_DEVICE_H
#define CHERRY_RUNTIME_DEVICE_H

#include "cherry/Runtime/Communicator.h"
#include "cherry/Runtime/KernelAbi.h"
#include "cherry/Runtime/Status.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace cherry::runtime {

using abi::KernelId;

/// One validated kernel call: operand pointers (and sizes in bytes) in the
/// order of the kernel's operands in Kernels.abi, and attribute values in
/// the order of its attributes there. KernelArgs.h reads them by name.
struct KernelCall {
  KernelId kernel{};
  std::vector<std::byte *> in, out;
  std::vector<uint64_t> inBytes, outBytes;
  std::vector<int64_t> ints;
  std::vector<double> floats;
};

/// Fails, naming the operand, when an operand of `call` overlaps a tensor of
/// an `all_reduce_start` not yet waited for. `inFlight` lists those tensors,
/// one list per started reduction; both devices refuse such launches alike.
inline Status refuseInFlight(
    const KernelCall &call,
    const std::vector<const std::vector<Communicator::Tensor> *> &inFlight) {
  auto touches = [&](const std::byte *p, uint64_t bytes) {
    for (const std::vector<Communicator::Tensor> *tensors : inFlight)
      for (const Communicator::Tensor &t : *tensors) {
        auto *begin = reinterpret_cast<const std::byte *>(t.data);
        if (p < begin + t.count * sizeof(float) && begin < p + bytes)
          return true;
      }
    return false;
  };
  for (int pass = 0; pass < 2; ++pass) {
    const auto &ptrs = pass ? call.out : call.in;
    const auto &sizes = pass ? call.outBytes : call.inBytes;
    for (size_t o = 0; o < ptrs.size(); ++o)
      if (touches(ptrs[o], sizes[o]))
        return Status::error(
            std::string(abi::kernelName(call.kernel)) + ": " +
            (pass ? "output " : "input ") + std::to_string(o) +
            " is a tensor of an all_reduce_start still in flight (its "
            "all_reduce_wait must come first)");
  }
  return Status::success();
}

/// Memory a device allocated. `address` is in the device's address space
/// (a host address only when the device shares host memory); only its
/// device dereferences it.
struct DeviceMemory {
  std::byte *address = nullptr;
  uint64_t bytes = 0;
  /// How the device keeps the allocation (e.g. the mapped length).
  uint64_t reserved = 0;
};

/// Where kernels run: a device owns its memory, moves bytes between it and
/// the host, and runs kernel calls in order on one queue. Modelled on a HAL
/// (IREE's hal/device.h): allocation, transfers, launch, synchronize.
///
/// Ordering: copies and launches take effect in the order they are issued.
/// copyToHost returns once the bytes are on the host (everything issued
/// before it has finished). launch may return before the call ran; a
/// kernel's error then surfaces at the next synchronize or copyToHost.
class Device {
public:
  virtual ~Device() = default;
  /// "cpu", "cuda:0", ...
  virtual const char *name() const = 0;

  /// Whether this device implements `kernel`; fails with one line naming
  /// it when not. Programs check every call when they are created, so an
  /// executable a device cannot run is refused before any work.
  virtual Status supports(KernelId kernel) const {
    (void)kernel;
    return Status::success();
  }

  /// Allocates `bytes` zero-filled bytes, aligned to at least 64.
  virtual Status allocate(uint64_t bytes, DeviceMemory &out) = 0;
  /// Frees memory from allocate; `memory` is left empty.
  virtual void release(DeviceMemory &memory) = 0;
  /// `memory` + `offset` as a host pointer when the device's memory is the
  /// host's (zero-copy access), else null.
  virtual std::byte *hostPointer(const DeviceMemory &memory,
                                 uint64_t offset) const = 0;

  /// Copies `bytes` host bytes to `dst` + `offset`. The host buffer may be
  /// reused as soon as this returns.
  virtual Status copyToDevice(const DeviceMemory &dst, uint64_t offset,
                              const void *src, uint64_t bytes) = 0;
  /// Copies `bytes` from `src` + `offset` to the host.
  virtual Status copyToHost(void *dst, const DeviceMemory &src, uint64_t offset,
                            uint64_t bytes) = 0;

  /// Runs (or enqueues) one call, its operands device addresses. The
  /// Program has checked names, operand counts, sizes and attributes;
  /// kernels still fail, with one line, on bad data (token ids outside the
  /// vocabulary, a position past a cache's capacity).
  virtual Status launch(const KernelCall &call) = 0;
  /// Waits for everything issued; the first error since the last call.
  virtual Status synchronize() = 0;

  /// Recording a function's launches once and replaying them (CUDA
  /// graphs). Program::run calls beginFunction before a function's
  /// launches: `Replayed`, the device issued its recording and the Program
  /// launches nothing; `Record`, the launches that follow are recorded, not
  /// run, and endFunction (given the launches' status) ends the recording
  /// and issues it, or sets `rerun` when it was abandoned (a kernel that
  /// cannot be recorded), and the Program launches the function again,
  /// plainly. The default, `Plain`, records nothing.
  enum class Recording { Plain, Record, Replayed };
  virtual Status beginFunction(int function, const std::string &name,
                               Recording &mode) {
    (void)function;
    (void)name;
    mode = Recording::Plain;
    return Status::success();
  }
  virtual Status endFunction(int function, Status launched, bool &rerun) {
    (void)function;
    rerun = false;
    return launched;
  }
  /// Whether the device may record and replay functions (cherry-run
  /// --cuda-graphs); a device that does not record ignores it.
  virtual void setRecording(bool enabled) { (void)enabled; }

  /// The device's queue as its native handle (the cudaStream_t of the CUDA
  /// device), on which a communicator enqueues its collectives; null for a
  /// device that runs kernels as they are launched.
  virtual void *nativeQueue() const { return nullptr; }

  /// Uploads started ahead of their use (the next batch while a step
  /// runs): prefetch takes `bytes` host bytes now (the host buffer may be
  /// reused when it returns) into staging slot `slot`, without touching
  /// device memory in use; commitPrefetch then places them at `dst` +
  /// `offset`, ordered after everything issued before, as copyToDevice
  /// would; a slot is committed once per prefetch. The default keeps the
  /// bytes on the host and copies them at the commit; the CUDA device copies
  /// them to the GPU on a second stream meanwhile.
  virtual Status prefetch(int slot, const void *src, uint64_t bytes);
  virtual Status commitPrefetch(int slot, const DeviceMemory &dst,
                                uint64_t offset);

  /// The communicator the collective kernels (rank_share, all_reduce)
  /// reduce through, over this device's memory (createCommunicator makes
  /// it); the device owns it. Null: a run of one rank, whose collectives
  /// fail.
  void setCommunicator(std::unique_ptr<Communicator> communicator) {
    communicator_ = std::move(communicator);
  }
  Communicator *communicator() const { return communicator_.get(); }

private:
  std::unique_ptr<Communicator> communicator_;
  /// The default prefetch's bytes per slot, and whether a slot holds some
  /// not committed yet.
  std::vector<std::vector<std::byte>> prefetched_;
  std::vector<bool> prefetchFull_;
};

/// A device whose memory is the host's: anonymous mappings (zero-filled,
/// page-aligned; only touched pages cost memory), transfers by memcpy,
/// kernels run as they are launched. Devices that compute on the host
/// (the CPU device) derive from it and implement launch().
class HostMemoryDevice : public Device {
public:
  Status allocate(uint64_t bytes, DeviceMemory &out) override;
  void release(DeviceMemory &memory) override;
  std::byte *hostPointer(const DeviceMemory &memory,
                         uint64_t offset) const override;
  Status copyToDevice(const DeviceMemory &dst, uint64_t offset, const void *src,
                      uint64_t bytes) override;
  Status copyToHost(void *dst, const DeviceMemory &src, uint64_t offset,
                    uint64_t bytes) override;
  Status synchronize() override { return Status::success(); }
};

/// The CPU device: OpenBLAS GEMMs and our vectorized, multi-threaded
/// kernels.
std::unique_ptr<Device> createCpuDevice();

/// The CUDA device on GPU `index` (runtime/lib/cuda); fails with one line
/// when the machine has no such GPU. Defined only where the runtime is built
/// with CUDA (builtDevices() lists "cuda").
Status createCudaDevice(int index, std::unique_ptr<Device> &out);

/// The number of CUDA devices this machine has; 0 without any, or where the
/// runtime is built without CUDA.
int cudaDeviceCount();

/// The devices this runtime was built with, as createDevice spells them.
std::vector<std::string> builtDevices();

/// Whether `name` names a device this runtime was built with; fails naming
/// the device and the devices built in. Creates nothing (a device may hold a
/// context), so tools check flags with it before any work.
Status checkDeviceName(const std::string &name);

/// The device called `name` ("cpu"; "cuda" or "cuda:N" where the CUDA
/// backend is built); fails as checkDeviceName.
Status createDevice(const std::string &name, std::unique_ptr<Device> &out);

} // namespace cherry::runtime

#endif // CHERRY_RUNTIME_DEVICE_H
