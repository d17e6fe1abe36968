//===- AtomicFile.cpp - Replace a file atomically -------------------------===//

#include "AtomicFile.h"

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace cherry::runtime::detail {

namespace {

std::string errnoText(int err) { return std::strerror(err); }

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

} // namespace

Status writeFileAtomically(const std::string &path,
                           const std::vector<ByteChunk> &chunks) {
  std::string tmp = temporaryName(path);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0)
    return Status::error(path + ": cannot create temporary file " + tmp + ": " +
                         errnoText(errno));
  auto failWith = [&](const std::string &what, int err) {
    if (fd >= 0)
      ::close(fd);
    ::unlink(tmp.c_str());
    return Status::error(path + ": " + what + ": " + errnoText(err));
  };
  for (const ByteChunk &chunk : chunks)
    if (!writeAll(fd, chunk.data, chunk.size)) {
      int err = errno;
      return failWith("write to " + tmp + " failed", err);
    }
  if (::fsync(fd) != 0) {
    int err = errno;
    return failWith("fsync of " + tmp + " failed", err);
  }
  int closeResult = ::close(fd);
  int closeErr = errno;
  fd = -1;
  if (closeResult != 0)
    return failWith("close of " + tmp + " failed", closeErr);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    return failWith("cannot rename " + tmp + " into place", err);
  }

  // Without this the rename itself may be lost in a crash. Some file systems
  // cannot fsync a directory (EINVAL); the data is safe there regardless.
  std::string dir = parentDir(path);
  int dirFd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirFd < 0)
    return Status::error(path + ": cannot open directory " + dir +
                         " to fsync it: " + errnoText(errno));
  if (::fsync(dirFd) != 0 && errno != EINVAL) {
    int err = errno;
    ::close(dirFd);
    return Status::error(path + ": fsync of directory " + dir +
                         " failed: " + errnoText(err));
  }
  ::close(dirFd);
  return Status::success();
}

} // namespace cherry::runtime::detail
