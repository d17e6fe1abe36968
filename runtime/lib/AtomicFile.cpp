//===- AtomicFile.cpp - Replace a file atomically -------------------------===//

#include "AtomicFile.h"

#include <cstring>

namespace cherry::runtime::detail {

namespace {

/// What went wrong, after "<path>: ".
std::string describe(const support::FileError &error) {
  using Step = support::FileError::Step;
  std::string cause = std::strerror(error.error);
  switch (error.step) {
  case Step::CreateTemporary:
    return "cannot create temporary file " + error.file + ": " + cause;
  case Step::Write:
    return "write to " + error.file + " failed: " + cause;
  case Step::Sync:
    return "fsync of " + error.file + " failed: " + cause;
  case Step::Close:
    return "close of " + error.file + " failed: " + cause;
  case Step::Rename:
    return "cannot rename " + error.file + " into place: " + cause;
  case Step::OpenDirectory:
    return "cannot open directory " + error.file + " to fsync it: " + cause;
  case Step::SyncDirectory:
    return "fsync of directory " + error.file + " failed: " + cause;
  }
  return cause;
}

} // namespace

Status writeFileAtomically(const std::string &path,
                           const std::vector<ByteChunk> &chunks) {
  if (std::optional<support::FileError> error =
          support::replaceFileAtomically(path, chunks))
    return Status::error(path + ": " + describe(*error));
  return Status::success();
}

} // namespace cherry::runtime::detail
