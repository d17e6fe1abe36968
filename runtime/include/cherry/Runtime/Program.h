//===- Program.h - A loaded, checked Executable ready to run ----*- C++ -*-===//
//
// The runtime's interpreter. A Program owns an Executable that has passed
// verifyExecutable and the kernel checks below, a Device, and the one arena
// (64-byte aligned, zero-filled, arena_size_bytes long) all its buffers live
// in, allocated on the device. Running a function launches its instructions
// in order on the device, each the kernel of the same name, on addresses in
// the arena; the host reads and writes buffers through explicit transfers
// (read, write), or in place where the device shares host memory
// (hostData).
//
// Everything is checked before anything runs, against the kernel ABI
// (runtime/abi/Kernels.abi): every instruction names a kernel with its
// operand counts, its attributes are exactly the ones the kernel takes with
// the right types (ints as Attribute.i, floats as Attribute.f) and values in
// their ranges, every slice has the size and element type the attributes
// imply and is 4-byte aligned, outputs do not overlap inputs (except the
// exact in-place aliasing the ABI allows), parameters are F32 and their
// initializers well formed. Errors are one line naming the function,
// instruction index, kernel and operand, or the parameter.
//
// Links no MLIR or LLVM.
//
//===----------------------------------------------------------------------===//

#ifndef CHERRY_RUNTIME_PROGRAM_H
#define CHERRY_RUNTIME_PROGRAM_H

#include "cherry/Runtime/Device.h"
#include "cherry/Runtime/Status.h"
#include "cherry/Runtime/proto/executable.pb.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace cherry::runtime {

class SafeTensors;

/// Everything Program::create checks, without allocating: verifyExecutable,
/// then kernel names, operand counts, attributes, slice sizes, alignment,
/// overlap, parameter dtypes and initializers.
Status validateProgram(const executable::Executable &exe);

/// What Program::loadParameters did.
struct ParameterReport {
  /// Parameters read from the checkpoint, in executable order.
  std::vector<std::string> loaded;
  /// Parameters made by their initializer, in the order they were made.
  std::vector<std::string> initialized;
  /// Checkpoint tensors that no parameter names (ignored), sorted.
  std::vector<std::string> unusedTensors;
};

class Program {
public:
  Program();
  ~Program();
  Program(Program &&) noexcept;
  Program &operator=(Program &&) noexcept;
  Program(const Program &) = delete;
  Program &operator=(const Program &) = delete;

  /// Verifies `exe` (verifyExecutable, then validateProgram), allocates its
  /// zero-filled arena on `device` (the CPU device when null) and prepares
  /// every function. On error `out` is left as it was.
  static Status create(executable::Executable exe, Program &out,
                       std::unique_ptr<Device> device = nullptr);

  const executable::Executable &executable() const;
  /// The device the program runs on and keeps its arena in.
  Device &device();

  uint64_t arenaSize() const;

  /// Buffer `id`, or null when there is none.
  const executable::Buffer *buffer(uint32_t id) const;

  /// Explicit transfers between host memory and buffer `id` (which lives on
  /// the program's device): `bytes` bytes at `offset` into the buffer. Fail
  /// naming the buffer when it does not exist or the range leaves it.
  Status write(uint32_t id, const void *src, uint64_t bytes,
               uint64_t offset = 0);
  Status read(uint32_t id, void *dst, uint64_t bytes,
              uint64_t offset = 0) const;
  /// The same for a whole buffer of T, resized to fit on read.
  template <typename T> Status read(uint32_t id, std::vector<T> &out) const {
    const executable::Buffer *b = buffer(id);
    out.resize(b ? b->size_bytes() / sizeof(T) : 0);
    return read(id, out.data(), out.size() * sizeof(T));
  }
  /// Buffer `id` in host memory, where the device shares it with the host
  /// (the CPU device): zero-copy access, e.g. for checkpoint writers. Null
  /// when the buffer does not exist or lives in device memory only.
  std::byte *hostData(uint32_t id);

  /// Index of the function called `name`, or -1.
  int findFunction(const std::string &name) const;
  /// The buffer bound to input (output) `name` of function `function`, or
  /// null when the function has no such binding.
  const executable::Buffer *inputBuffer(int function,
                                        const std::string &name) const;
  const executable::Buffer *outputBuffer(int function,
                                         const std::string &name) const;
  /// The buffer of state binding `name` (contents kept from one call to the
  /// next, e.g. a KV cache; zero when the program is created), or null.
  const executable::Buffer *stateBuffer(int function,
                                        const std::string &name) const;

  /// Runs the instructions of function `function` in order. A kernel's error
  /// comes back as "function 'F' instruction I: <kernel's message>".
  Status run(int function);
  /// Runs the function called `name` (an error when there is none).
  Status run(const std::string &name);
  /// run() in two halves: start issues the function's launches (or its
  /// recording, on a device that records: CUDA graphs) and may return
  /// before they ran; finish waits for them and reports their errors.
  /// Between the two the host may prepare the next call (prefetch).
  Status start(int function);
  Status finish(int function);

  /// The next call's input bytes for buffer `id`, taken now (`src` may be
  /// reused when this returns) into the device's staging slot `slot` and
  /// moved toward the device while the current call runs; commitPrefetch
  /// writes them into the buffer (as write() would), ordered after
  /// everything issued before. Fails naming the buffer when `bytes` is not
  /// its size.
  Status prefetch(int slot, uint32_t id, const void *src, uint64_t bytes);
  Status commitPrefetch(int slot, uint32_t id);

  /// Fills every parameter's buffer. A parameter whose checkpoint_key names
  /// a tensor of `weights` (may be null) is read from it (F32, BF16 or F16,
  /// converted to f32; the shape must equal the parameter's); any other is
  /// made by its initializer, seeded by (seed, parameter name) so that its
  /// values do not depend on the order of the parameters; mean_of ones after
  /// the parameters they average. A parameter neither provided nor
  /// initializable is an error naming it. `weightsName` names the weights in
  /// messages (e.g. the --weights path).
  Status loadParameters(const SafeTensors *weights,
                        const std::string &weightsName, uint64_t seed);
  /// One of several weight sources: `weights` and its name in messages.
  struct WeightSource {
    const SafeTensors *weights;
    std::string name;
  };
  /// As above with several sources (cherry-run --weights A --weights B): a
  /// parameter reads its checkpoint_key from source `weight_source` (0 is
  /// the first); naming a source past those given is an error naming the
  /// parameter. With no sources every parameter comes from its
  /// initializer. stack_of parameters are made from their slices after
  /// them, like mean_of ones.
  Status loadParameters(const std::vector<WeightSource> &sources,
                        uint64_t seed);
  /// What the last successful loadParameters did.
  const ParameterReport &parameterReport() const;
  /// Number of checkpoint tensors the last loadParameters ignored.
  size_t unusedTensorCount() const;

private:
  /// The launches of function `function`, in order (start's plain half).
  Status launchSteps(int function);
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// The values an initializer gives a parameter of `count` elements called
/// `name` (mean_of is not handled here: it needs the other parameters).
/// Exposed for tests. Normal values come from a Box-Muller transform of a
/// std::mt19937_64 stream, so they are the same with any standard library.
void initializeValues(const executable::Initializer &init,
                      const std::string &name, uint64_t seed, float *out,
                      size_t count);

} // namespace cherry::runtime

#endif // CHERRY_RUNTIME_PROGRAM_H
