//===- DataLoader.cpp - Batches from uint16 token files -------------------===//

#include "cherry/Runtime/DataLoader.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <utility>

namespace cherry::runtime {

TokenFile::TokenFile() = default;

TokenFile::~TokenFile() {
  if (mappedBytes_)
    ::munmap(const_cast<unsigned char *>(bytes_), mappedBytes_);
}

TokenFile::TokenFile(TokenFile &&other) noexcept
    : path_(std::move(other.path_)), bytes_(other.bytes_),
      numTokens_(other.numTokens_), mappedBytes_(other.mappedBytes_) {
  other.bytes_ = nullptr;
  other.numTokens_ = 0;
  other.mappedBytes_ = 0;
}

TokenFile &TokenFile::operator=(TokenFile &&other) noexcept {
  if (this != &other) {
    if (mappedBytes_)
      ::munmap(const_cast<unsigned char *>(bytes_), mappedBytes_);
    path_ = std::move(other.path_);
    bytes_ = other.bytes_;
    numTokens_ = other.numTokens_;
    mappedBytes_ = other.mappedBytes_;
    other.bytes_ = nullptr;
    other.numTokens_ = 0;
    other.mappedBytes_ = 0;
  }
  return *this;
}

Status TokenFile::open(const std::string &path, TokenFile &out) {
  // O_NONBLOCK: opening a FIFO would otherwise wait for a writer forever
  // before fstat could refuse it; regular files ignore the flag.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0)
    return Status::error(path + ": cannot open: " + std::strerror(errno));
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return Status::error(path + ": cannot stat: " + std::strerror(err));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status::error(path + ": not a regular file");
  }
  uint64_t size = static_cast<uint64_t>(st.st_size);
  if (size % 2 != 0) {
    ::close(fd);
    return Status::error(path + ": " + std::to_string(size) +
                         " bytes is not a whole number of uint16 tokens");
  }
  TokenFile file;
  file.path_ = path;
  file.numTokens_ = size / 2;
  if (size > 0) {
    void *addr = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (addr == MAP_FAILED) {
      int err = errno;
      ::close(fd);
      return Status::error(path + ": cannot map: " + std::strerror(err));
    }
    file.bytes_ = static_cast<const unsigned char *>(addr);
    file.mappedBytes_ = size;
  }
  ::close(fd);
  out = std::move(file);
  return Status::success();
}

Status DataLoader::open(const std::string &path, int64_t batch, int64_t seq,
                        int64_t batches, DataLoader &out) {
  if (batch <= 0 || seq <= 0)
    return Status::error(path + ": batch " + std::to_string(batch) +
                         " and sequence length " + std::to_string(seq) +
                         " must be positive");
  if (batches < 0)
    return Status::error(path + ": negative batch count " +
                         std::to_string(batches));
  TokenFile file;
  if (Status s = TokenFile::open(path, file); !s.ok())
    return s;
  uint64_t perBatch = 0, needed = 0;
  if (__builtin_mul_overflow(static_cast<uint64_t>(batch),
                             static_cast<uint64_t>(seq), &perBatch) ||
      __builtin_mul_overflow(perBatch, static_cast<uint64_t>(batches),
                             &needed) ||
      __builtin_add_overflow(needed, batches > 0 ? 1 : 0, &needed))
    return Status::error(path + ": " + std::to_string(batches) +
                         " batches of " + std::to_string(batch) + "x" +
                         std::to_string(seq) + " tokens overflow");
  if (file.numTokens() < needed)
    return Status::error(path + ": " + std::to_string(file.numTokens()) +
                         " tokens, too few for " + std::to_string(batches) +
                         (batches == 1 ? " batch" : " batches") + " of " +
                         std::to_string(batch) + "x" + std::to_string(seq) +
                         " tokens (needs " + std::to_string(needed) + ")");
  out.file_ = std::move(file);
  out.batch_ = batch;
  out.seq_ = seq;
  return Status::success();
}

int64_t DataLoader::availableBatches() const {
  uint64_t n = file_.numTokens();
  if (n == 0)
    return 0;
  return static_cast<int64_t>(
      (n - 1) / (static_cast<uint64_t>(batch_) * static_cast<uint64_t>(seq_)));
}

Status DataLoader::read(int64_t k, int32_t *inputs, int32_t *targets) const {
  if (k < 0 || k >= availableBatches())
    return Status::error(file_.path() + ": batch " + std::to_string(k) +
                         " is past the end (the file holds " +
                         std::to_string(availableBatches()) + " batches of " +
                         std::to_string(batch_) + "x" + std::to_string(seq_) +
                         " tokens)");
  const uint64_t n =
      static_cast<uint64_t>(batch_) * static_cast<uint64_t>(seq_);
  const uint64_t begin = static_cast<uint64_t>(k) * n;
  for (uint64_t i = 0; i < n; ++i) {
    inputs[i] = file_.token(begin + i);
    targets[i] = file_.token(begin + i + 1);
  }
  return Status::success();
}

Status MaskFile::open(const std::string &path, const TokenFile &tokens,
                      MaskFile &out) {
  // Only a regular file of one byte per token: a FIFO would block, a device
  // such as /dev/zero never ends.
  struct stat st;
  if (::stat(path.c_str(), &st) != 0)
    return Status::error(path + ": cannot open: " + std::strerror(errno));
  if (!S_ISREG(st.st_mode))
    return Status::error(path + ": not a regular file");
  if (static_cast<uint64_t>(st.st_size) != tokens.numTokens())
    return Status::error(path + ": " + std::to_string(st.st_size) +
                         " mask bytes, but " + tokens.path() + " holds " +
                         std::to_string(tokens.numTokens()) +
                         " tokens (one byte per token)");
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return Status::error(path + ": cannot open: " + std::strerror(errno));
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
  if (in.bad())
    return Status::error(path + ": read error");
  if (bytes.size() != tokens.numTokens())
    return Status::error(path + ": " + std::to_string(bytes.size()) +
                         " mask bytes, but " + tokens.path() + " holds " +
                         std::to_string(tokens.numTokens()) +
                         " tokens (one byte per token)");
  for (size_t i = 0; i < bytes.size(); ++i)
    if (bytes[i] > 1)
      return Status::error(path + ": byte " + std::to_string(i) + " is " +
                           std::to_string(bytes[i]) + ", not 0 or 1");
  out.path_ = path;
  out.bytes_ = std::move(bytes);
  return Status::success();
}

Status MaskFile::read(const DataLoader &loader, int64_t k,
                      int32_t *mask) const {
  if (k < 0 || k >= loader.availableBatches())
    return Status::error(path_ + ": batch " + std::to_string(k) +
                         " is past the end");
  const uint64_t n = static_cast<uint64_t>(loader.batchSize()) *
                     static_cast<uint64_t>(loader.seqLen());
  const uint64_t begin = static_cast<uint64_t>(k) * n;
  for (uint64_t i = 0; i < n; ++i)
    mask[i] = bytes_[begin + i + 1];
  return Status::success();
}

} // namespace cherry::runtime
