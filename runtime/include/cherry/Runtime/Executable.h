//===- Executable.h - Load, check and save Executables ----------*- C++ -*-===//
//
// The runtime side of the Executable schema (runtime/proto/executable.proto):
// reading it from disk, checking that it is consistent before anything runs,
// and writing it atomically.
//
//===----------------------------------------------------------------------===//

#ifndef CHERRY_RUNTIME_EXECUTABLE_H
#define CHERRY_RUNTIME_EXECUTABLE_H

#include "cherry/Runtime/Status.h"
#include "cherry/Runtime/proto/executable.pb.h"

#include <string>

namespace cherry::runtime {

/// The schema version this runtime reads and writes.
inline constexpr unsigned kExecutableVersion = 2;

/// Executables hold no weights; a larger file is refused before it is read.
inline constexpr uint64_t kMaxExecutableBytes = uint64_t(1) << 30;

/// Checks the invariants the loader relies on: version, buffer ids unique and
/// referenced ids defined, slices inside their buffers, buffers inside the
/// arena and aligned, parameter shapes positive, roles known, at most one
/// function per role, every gradient binding naming a parameter.
Status verifyExecutable(const executable::Executable &exe);

/// Reads `path` into `exe` and verifies it. Errors name the file.
Status loadExecutable(const std::string &path, executable::Executable &exe);

/// Writes `exe` to `path` atomically: a temporary file in the same directory,
/// fsync, then rename, so a crash never leaves a torn file behind.
Status saveExecutable(const executable::Executable &exe,
                      const std::string &path);

/// The index of the function with `role`, or -1 (verifyExecutable allows at
/// most one per role).
int findFunction(const executable::Executable &exe,
                 executable::FunctionRole role);

/// The binding of `fn` with `role` (its inputs, then outputs, then state),
/// or null.
const executable::Binding *findBinding(const executable::Function &fn,
                                       executable::BindingRole role);

/// "F32 [2, 16]": a buffer's dtype and shape, for messages.
std::string shapeString(const executable::Buffer &buffer);

/// Size in bytes of one element of `dtype`; 0 for DTYPE_UNSPECIFIED.
unsigned dtypeSize(executable::DType dtype);

} // namespace cherry::runtime

#endif // CHERRY_RUNTIME_EXECUTABLE_H
