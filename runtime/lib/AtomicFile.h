//===- AtomicFile.h - Replace a file atomically -----------------*- C++ -*-===//
//
// Internal to the runtime: cherry::support::replaceFileAtomically with its
// failures worded as the runtime's one-line Status.
//
//===----------------------------------------------------------------------===//

#ifndef CHERRY_RUNTIME_LIB_ATOMICFILE_H
#define CHERRY_RUNTIME_LIB_ATOMICFILE_H

#include "cherry/Runtime/Status.h"
#include "cherry/Support/FileIO.h"

#include <string>
#include <vector>

namespace cherry::runtime::detail {

using support::ByteChunk;

/// Writes the concatenation of `chunks` to `path`: a new temporary file in the
/// same directory, fsync, rename over `path`, fsync of the directory. On any
/// failure the temporary file is removed, `path` is left as it was, and the
/// one-line error names `path` and the system error.
Status writeFileAtomically(const std::string &path,
                           const std::vector<ByteChunk> &chunks);

} // namespace cherry::runtime::detail

#endif // CHERRY_RUNTIME_LIB_ATOMICFILE_H
