//===- RunFiles.h - Paths and whole-file reads for run directories -*- C++
//-*-===//
//
// Internal to the runtime: the small file helpers that checkpoints, runs and
// exports share.
//
//===----------------------------------------------------------------------===//

#ifndef CHERRY_RUNTIME_LIB_RUNFILES_H
#define CHERRY_RUNTIME_LIB_RUNFILES_H

#include <string>

namespace cherry::runtime::detail {

/// strerror(err) as a string.
std::string errnoText(int err);

/// `dir/name` (no doubled slash; `name` alone when `dir` is empty).
std::string joinPath(const std::string &dir, const std::string &name);

/// Reads all of a regular file into `out`. A FIFO, a device or a directory
/// is refused without blocking (`err` EISDIR or ENODEV); otherwise `err` is
/// the errno of the failure. `out` is unchanged on failure.
bool readWholeFile(const std::string &path, std::string &out, int &err);

bool isDirectory(const std::string &path);
bool isRegularFile(const std::string &path);

} // namespace cherry::runtime::detail

#endif // CHERRY_RUNTIME_LIB_RUNFILES_H
