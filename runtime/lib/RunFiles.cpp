//===- RunFiles.cpp - Paths and whole-file reads for run directories ------===//

#include "RunFiles.h"

#include "cherry/Support/FileIO.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace cherry::runtime::detail {

std::string errnoText(int err) { return std::strerror(err); }

std::string joinPath(const std::string &dir, const std::string &name) {
  if (dir.empty())
    return name;
  if (dir.back() == '/')
    return dir + name;
  return dir + "/" + name;
}

bool readWholeFile(const std::string &path, std::string &out, int &err) {
  // Only regular files: O_NONBLOCK keeps a FIFO from blocking the open, and
  // a FIFO or a device (/dev/zero never ends) is refused.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    err = errno;
    return false;
  }
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    err = errno;
    ::close(fd);
    return false;
  }
  if (!S_ISREG(st.st_mode)) {
    // "not a regular file" has no errno of its own; EISDIR and ENODEV read
    // right for a directory and for a FIFO or a device.
    err = S_ISDIR(st.st_mode) ? EISDIR : ENODEV;
    ::close(fd);
    return false;
  }
  std::string text;
  if (!support::readAll(fd, text)) {
    err = errno;
    ::close(fd);
    return false;
  }
  ::close(fd);
  out = std::move(text);
  return true;
}

bool isDirectory(const std::string &path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool isRegularFile(const std::string &path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

} // namespace cherry::runtime::detail
