//===- Device.cpp - Host-memory devices and devices by name ---------------===//

#include "cherry/Runtime/Device.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>

namespace cherry::runtime {

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

std::vector<std::string> builtDevices() { return {"cpu"}; }

Status checkDeviceName(const std::string &name) {
  if (name == "cpu")
    return Status::success();
  std::string built;
  for (const std::string &d : builtDevices())
    built += (built.empty() ? "" : ", ") + d;
  if (name == "cuda" || name.rfind("cuda:", 0) == 0)
    return Status::error(
        "device '" + name +
        "': this runtime has no CUDA backend (devices: " + built + ")");
  return Status::error("unknown device '" + name + "' (devices: " + built +
                       ")");
}

Status createDevice(const std::string &name, std::unique_ptr<Device> &out) {
  if (Status s = checkDeviceName(name); !s.ok())
    return s;
  out = createCpuDevice(); // the only device built in (checkDeviceName)
  return Status::success();
}

} // namespace cherry::runtime
