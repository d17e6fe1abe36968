//===- Device.cpp - Host-memory devices and devices by name ---------------===//

#include "cherry/Runtime/Device.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <limits>

namespace cherry::runtime {

Status Device::prefetch(int slot, const void *src, uint64_t bytes) {
  if (slot < 0)
    return Status::error("prefetch: slot " + std::to_string(slot) +
                         " is negative");
  if (prefetched_.size() <= static_cast<size_t>(slot)) {
    prefetched_.resize(slot + 1);
    prefetchFull_.resize(slot + 1, false);
  }
  const auto *from = static_cast<const std::byte *>(src);
  prefetched_[slot].assign(from, from + bytes);
  prefetchFull_[slot] = true;
  return Status::success();
}

Status Device::commitPrefetch(int slot, const DeviceMemory &dst,
                              uint64_t offset) {
  if (slot < 0 || prefetched_.size() <= static_cast<size_t>(slot) ||
      !prefetchFull_[slot])
    return Status::error("prefetch: slot " + std::to_string(slot) +
                         " holds nothing");
  prefetchFull_[slot] = false;
  const std::vector<std::byte> &bytes = prefetched_[slot];
  return copyToDevice(dst, offset, bytes.data(), bytes.size());
}

Status HostMemoryDevice::allocate(uint64_t bytes, DeviceMemory &out) {
  const uint64_t page = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
  if (bytes > std::numeric_limits<size_t>::max() - page)
    return Status::error("cannot allocate " + std::to_string(bytes) +
                         " bytes on " + name());
  const uint64_t mapped = std::max(page, (bytes + page - 1) / page * page);
  void *p = ::mmap(nullptr, mapped, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED)
    return Status::error("cannot allocate " + std::to_string(bytes) +
                         " bytes on " + name() + ": " + std::strerror(errno));
#ifdef MADV_HUGEPAGE
  // Arenas are hundreds of MiB walked by every kernel: 2 MiB pages where the
  // kernel allows them (THP in madvise mode) save most of the TLB misses.
  // Advice only; a refusal leaves ordinary pages.
  if (mapped >= (8u << 20))
    ::madvise(p, mapped, MADV_HUGEPAGE);
#endif
  out = DeviceMemory{static_cast<std::byte *>(p), bytes, mapped};
  return Status::success();
}

void HostMemoryDevice::release(DeviceMemory &memory) {
  if (memory.address)
    ::munmap(memory.address, memory.reserved);
  memory = DeviceMemory{};
}

std::byte *HostMemoryDevice::hostPointer(const DeviceMemory &memory,
                                         uint64_t offset) const {
  return memory.address ? memory.address + offset : nullptr;
}

Status HostMemoryDevice::copyToDevice(const DeviceMemory &dst, uint64_t offset,
                                      const void *src, uint64_t bytes) {
  if (bytes)
    std::memcpy(dst.address + offset, src, bytes);
  return Status::success();
}

Status HostMemoryDevice::copyToHost(void *dst, const DeviceMemory &src,
                                    uint64_t offset, uint64_t bytes) {
  if (bytes)
    std::memcpy(dst, src.address + offset, bytes);
  return Status::success();
}

#ifdef CHERRY_HAVE_CUDA
std::vector<std::string> builtDevices() { return {"cpu", "cuda"}; }
#else
std::vector<std::string> builtDevices() { return {"cpu"}; }

int cudaDeviceCount() { return 0; }
#endif

#ifdef CHERRY_HAVE_CUDA
/// The GPU index of "cuda" (0) or "cuda:N"; -1 when `name` is neither.
static int cudaIndex(const std::string &name) {
  if (name == "cuda")
    return 0;
  if (name.rfind("cuda:", 0) != 0 || name.size() == 5 || name.size() > 9)
    return -1;
  int index = 0;
  for (char c : name.substr(5)) {
    if (c < '0' || c > '9')
      return -1;
    index = index * 10 + (c - '0');
  }
  return index;
}
#endif

Status checkDeviceName(const std::string &name) {
  if (name == "cpu")
    return Status::success();
  std::string built;
  for (const std::string &d : builtDevices())
    built += (built.empty() ? "" : ", ") + d;
  const bool cudaName = name == "cuda" || name.rfind("cuda:", 0) == 0;
#ifdef CHERRY_HAVE_CUDA
  if (cudaName && cudaIndex(name) >= 0)
    return Status::success();
  if (cudaName)
    return Status::error("device '" + name +
                         "': expected cuda or cuda:N, N a GPU index");
#else
  if (cudaName)
    return Status::error(
        "device '" + name +
        "': this runtime has no CUDA backend (devices: " + built + ")");
#endif
  return Status::error("unknown device '" + name + "' (devices: " + built +
                       ")");
}

Status createDevice(const std::string &name, std::unique_ptr<Device> &out) {
  if (Status s = checkDeviceName(name); !s.ok())
    return s;
#ifdef CHERRY_HAVE_CUDA
  if (name == "cuda") {
    // Under mpirun, each rank of a node its own GPU (NCCL refuses two ranks
    // on one): the node-local rank modulo the GPUs it sees.
    int index = 0;
    if (const char *local = std::getenv("OMPI_COMM_WORLD_LOCAL_RANK"))
      if (const int count = cudaDeviceCount(); count > 0)
        index = std::atoi(local) % count;
    return createCudaDevice(index, out);
  }
  if (name != "cpu")
    return createCudaDevice(cudaIndex(name), out);
#endif
  out = createCpuDevice();
  return Status::success();
}

} // namespace cherry::runtime
