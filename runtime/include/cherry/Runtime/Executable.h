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

/// The schema version this runtime reads and writes (3: Loop instructions).
inline constexpr unsigned kExecutableVersion = 3;

/// The most kernel calls one Loop instruction may run (trips * body).
inline constexpr uint64_t kMaxLoopCalls = uint64_t(1) << 24;

/// Executables hold no weights; a larger file is refused before it is read.
inline constexpr uint64_t kMaxExecutableBytes = uint64_t(1) << 30;

/// Checks the invariants the loader relies on: version, buffer ids unique and
/// referenced ids defined, slices inside their buffers, buffers inside the
/// arena and aligned, parameter shapes positive, roles known, at most one
/// function per role, every gradient binding naming a parameter, loops with
/// a positive trip count, a full slot table and only kernel calls (naming
/// slots in range) in their body.
Status verifyExecutable(const executable::Executable &exe);

/// An executable file is a header and the serialized Executable (the
/// payload): the 8 bytes "CHERRYX1", the payload's length (u64,
/// little-endian) and its CRC-32 (u32, little-endian; IEEE 802.3, as
/// zlib.crc32), 20 bytes in all. The checksum turns any corruption of the
/// file (a flipped bit in an attribute would otherwise still parse and
/// silently change a result) into an error.
inline constexpr char kExecutableMagic[] = "CHERRYX1";
inline constexpr size_t kExecutableHeaderBytes = 20;

/// CRC-32 (IEEE 802.3, reflected, as zlib.crc32) of `size` bytes.
uint32_t crc32(const void *data, size_t size);

/// The file bytes for `payload` (header + payload).
std::string encodeExecutableFile(const std::string &payload);

/// The payload of executable file bytes, checked: the header, the length
/// and the checksum. The error says what is wrong, without the file name.
Status decodeExecutableFile(const std::string &file, std::string &payload);

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
