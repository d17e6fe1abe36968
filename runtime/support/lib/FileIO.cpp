//===- FileIO.cpp - Complete writes and atomic file replacement -----------===//

#include "cherry/Support/FileIO.h"

#include <atomic>
#include <cerrno>
#include <fcntl.h>
#include <unistd.h>

namespace cherry::support {

namespace {

/// The directory holding `path`, for the fsync that makes the rename durable.
std::string parentDir(const std::string &path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos)
    return ".";
  if (slash == 0)
    return "/";
  return path.substr(0, slash);
}

/// A name no other writer uses: the pid separates processes, the counter
/// separates threads and successive calls of this one.
std::string temporaryName(const std::string &path) {
  static std::atomic<unsigned> counter{0};
  return path + ".tmp." + std::to_string(::getpid()) + "." +
         std::to_string(counter.fetch_add(1));
}

/// Writes, syncs and closes the new temporary file `tmp` open as `fd`.
std::optional<FileError> fillTemporary(int fd, const std::string &tmp,
                                       const std::vector<ByteChunk> &chunks) {
  for (const ByteChunk &chunk : chunks)
    if (!writeAll(fd, chunk.data, chunk.size)) {
      int err = errno;
      ::close(fd);
      return FileError{FileError::Step::Write, err, tmp};
    }
  if (::fsync(fd) != 0) {
    int err = errno;
    ::close(fd);
    return FileError{FileError::Step::Sync, err, tmp};
  }
  if (::close(fd) != 0)
    return FileError{FileError::Step::Close, errno, tmp};
  return std::nullopt;
}

/// Renames the complete, synced `tmp` over `path` (removing `tmp` when that
/// fails), then syncs the directory: without that the rename itself may be
/// lost in a crash.
std::optional<FileError> renameOver(const std::string &tmp,
                                    const std::string &path) {
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return FileError{FileError::Step::Rename, err, tmp};
  }
  return syncDirectory(parentDir(path));
}

} // namespace

bool writeAll(int fd, const void *data, size_t size) {
  const char *p = static_cast<const char *>(data);
  while (size > 0) {
    ssize_t n = ::write(fd, p, size);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return false;
    p += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

bool readAll(int fd, std::string &out) {
  char buffer[1 << 16];
  while (true) {
    ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return false;
    if (n == 0)
      return true;
    out.append(buffer, static_cast<size_t>(n));
  }
}

std::optional<FileError> syncDirectory(const std::string &dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return FileError{FileError::Step::OpenDirectory, errno, dir};
  if (::fsync(fd) != 0 && errno != EINVAL) {
    int err = errno;
    ::close(fd);
    return FileError{FileError::Step::SyncDirectory, err, dir};
  }
  ::close(fd);
  return std::nullopt;
}

std::optional<FileError>
replaceFileAtomically(const std::string &path,
                      const std::vector<ByteChunk> &chunks) {
  std::string tmp = temporaryName(path);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0)
    return FileError{FileError::Step::CreateTemporary, errno, tmp};
  if (std::optional<FileError> error = fillTemporary(fd, tmp, chunks)) {
    ::unlink(tmp.c_str());
    return error;
  }
  return renameOver(tmp, path);
}

std::optional<FileError> moveIntoPlace(const std::string &tmp,
                                       const std::string &path) {
  int fd = ::open(tmp.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 || ::fsync(fd) != 0) {
    int err = errno;
    if (fd >= 0)
      ::close(fd);
    ::unlink(tmp.c_str());
    return FileError{FileError::Step::Sync, err, tmp};
  }
  ::close(fd);
  return renameOver(tmp, path);
}

} // namespace cherry::support
