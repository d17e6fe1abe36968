//===- AtomicFile.h - Replace a file atomically -----------------*- C++ -*-===//
//
// Internal to the runtime: the one place that knows how to replace a file so
// that a crash or a full disk never leaves a torn file behind.
//
//===----------------------------------------------------------------------===//

#ifndef CHERRY_RUNTIME_LIB_ATOMICFILE_H
#define CHERRY_RUNTIME_LIB_ATOMICFILE_H

#include "cherry/Runtime/Status.h"

#include <cstddef>
#include <string>
#include <vector>

namespace cherry::runtime::detail {

/// A run of bytes to write; the caller keeps it alive during the call.
struct ByteChunk {
  const void *data = nullptr;
  size_t size = 0;
};

/// Writes the concatenation of `chunks` to `path`: a new temporary file in the
/// same directory, fsync, rename over `path`, fsync of the directory. On any
/// failure the temporary file is removed, `path` is left as it was, and the
/// one-line error names `path` and the system error.
Status writeFileAtomically(const std::string &path,
                           const std::vector<ByteChunk> &chunks);

} // namespace cherry::runtime::detail

#endif // CHERRY_RUNTIME_LIB_ATOMICFILE_H
