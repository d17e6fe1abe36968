//===- Device.h - Where kernels run -----------------------------*- C++ -*-===//
//
// The runtime interprets an Executable as a list of kernel calls and hands
// each one to a Device. A device implements every kernel of the ABI
// (runtime/abi/Kernels.abi) with the same semantics; the CPU device runs
// them with OpenBLAS and our own kernels (CpuKernels.h). A CUDA device slots
// in here.
//
//===----------------------------------------------------------------------===//

#ifndef CHERRY_RUNTIME_DEVICE_H
#define CHERRY_RUNTIME_DEVICE_H

#include "cherry/Runtime/KernelAbi.h"
#include "cherry/Runtime/Status.h"

#include <cstddef>
#include <cstdint>
#include <memory>
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

class Device {
public:
  virtual ~Device() = default;
  virtual const char *name() const = 0;
  /// Runs one call. The Program has checked names, operand counts and sizes
  /// and attributes; kernels still fail, with one line, on bad data (token
  /// ids outside the vocabulary, a position past a cache's capacity).
  virtual Status launch(const KernelCall &call) = 0;
};

/// The CPU device: OpenBLAS GEMMs and our vectorized, multi-threaded
/// kernels.
std::unique_ptr<Device> createCpuDevice();

} // namespace cherry::runtime

#endif // CHERRY_RUNTIME_DEVICE_H
