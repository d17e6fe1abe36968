//===- FileIO.h - Complete writes and atomic file replacement ---*- C++ -*-===//
//
// The one place that knows how to read and write a file completely and how to
// replace a file so that a crash or a full disk never leaves a torn file
// behind. Failures come back as the step and errno, not as a message: the
// runtime and the data tools each word their errors in their own way.
//
//===----------------------------------------------------------------------===//

#ifndef CHERRY_SUPPORT_FILEIO_H
#define CHERRY_SUPPORT_FILEIO_H

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace cherry::support {

/// Writes all `size` bytes at `data` to `fd`, resuming after short writes and
/// EINTR. Returns false with errno set on failure.
bool writeAll(int fd, const void *data, size_t size);

/// Appends everything left to read from `fd` to `out`, resuming after EINTR.
/// Returns false with errno set on failure.
bool readAll(int fd, std::string &out);

/// A run of bytes to write; the caller keeps it alive during the call.
struct ByteChunk {
  const void *data = nullptr;
  size_t size = 0;
};

/// The step at which a file operation failed.
struct FileError {
  enum class Step {
    CreateTemporary, ///< creating the temporary file
    Write,           ///< writing the temporary file
    Sync,            ///< fsync of the temporary file
    Close,           ///< closing the temporary file
    Rename,          ///< renaming the temporary file over the target
    OpenDirectory,   ///< opening the directory to fsync it
    SyncDirectory,   ///< fsync of the directory
  };
  Step step;
  /// errno of the failed call.
  int error = 0;
  /// The file or directory that step acted on.
  std::string file;
};

/// fsync of directory `dir`, so that entries created or renamed in it
/// persist. Some file systems cannot fsync a directory (EINVAL); their data
/// is safe regardless, so that is not a failure.
std::optional<FileError> syncDirectory(const std::string &dir);

/// Writes the concatenation of `chunks` to `path`: a new temporary file in
/// the same directory, fsync, rename over `path`, fsync of the directory.
/// When a step before the rename fails, the temporary file is removed and
/// `path` is left as it was; a failed directory fsync (the last step) leaves
/// the new contents in place.
std::optional<FileError>
replaceFileAtomically(const std::string &path,
                      const std::vector<ByteChunk> &chunks);

/// Replaces `path` by `tmp`, a complete file another writer produced beside
/// it: fsync of `tmp`, rename over `path`, fsync of the directory. When a
/// step before the rename fails, `tmp` is removed and `path` is left as it
/// was.
std::optional<FileError> moveIntoPlace(const std::string &tmp,
                                       const std::string &path);

} // namespace cherry::support

#endif // CHERRY_SUPPORT_FILEIO_H
