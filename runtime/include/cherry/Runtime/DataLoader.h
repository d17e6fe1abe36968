//===- DataLoader.h - Batches from uint16 token files -----------*- C++ -*-===//
//
// Training and evaluation data: flat little-endian uint16 token files (the
// nanoGPT/llm.c `.bin` convention, written by cherry-data), memory-mapped.
// Batch k of B rows of T tokens reads tokens [k*B*T, k*B*T + B*T + 1):
// inputs are the first B*T viewed as B rows of T, targets the same shifted
// by one. Links no MLIR or LLVM.
//
//===----------------------------------------------------------------------===//

#ifndef CHERRY_RUNTIME_DATALOADER_H
#define CHERRY_RUNTIME_DATALOADER_H

#include "cherry/Runtime/Status.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace cherry::runtime {

/// A memory-mapped token file. Move-only.
class TokenFile {
public:
  TokenFile();
  ~TokenFile();
  TokenFile(TokenFile &&) noexcept;
  TokenFile &operator=(TokenFile &&) noexcept;
  TokenFile(const TokenFile &) = delete;
  TokenFile &operator=(const TokenFile &) = delete;

  /// Maps `path`. Fails (one line naming the file) when it cannot be read,
  /// is not a regular file or has an odd number of bytes. On error `out` is
  /// left as it was.
  static Status open(const std::string &path, TokenFile &out);

  const std::string &path() const { return path_; }
  uint64_t numTokens() const { return numTokens_; }
  /// Token `i` (< numTokens()), read as little-endian on any host.
  uint16_t token(uint64_t i) const {
    return static_cast<uint16_t>(bytes_[2 * i] | (bytes_[2 * i + 1] << 8));
  }

private:
  std::string path_;
  const unsigned char *bytes_ = nullptr;
  uint64_t numTokens_ = 0;
  size_t mappedBytes_ = 0;
};

/// Batches of `batch` rows of `seq` tokens from a token file.
class DataLoader {
public:
  /// Opens `path` and checks that it holds at least `batches` batches (the
  /// last one reads up to token batches*B*T inclusive, so the file needs
  /// batches*B*T + 1 tokens); `batches` 0 checks nothing. `batch` and `seq`
  /// must be positive.
  static Status open(const std::string &path, int64_t batch, int64_t seq,
                     int64_t batches, DataLoader &out);

  int64_t batchSize() const { return batch_; }
  int64_t seqLen() const { return seq_; }
  const TokenFile &file() const { return file_; }
  /// Whole batches the file holds: (numTokens - 1) / (B*T), 0 when empty.
  int64_t availableBatches() const;

  /// Writes batch k (< availableBatches()) as int32: `inputs` and `targets`
  /// each get B*T tokens, row-major [B, T].
  Status read(int64_t k, int32_t *inputs, int32_t *targets) const;

private:
  TokenFile file_;
  int64_t batch_ = 0;
  int64_t seq_ = 0;
};

/// A per-token mask for the `mask` selection policy: one byte per token of
/// a token file, 0 or 1 (1: the token, as a target, is supervised). Byte i
/// belongs to token i, so batch k's targets [b, t] are masked by bytes
/// k*B*T + b*T + t + 1, like the tokens themselves.
class MaskFile {
public:
  /// Reads `path` and checks it against `tokens`: one byte per token, each
  /// 0 or 1. Fails with one line naming the file and the first bad byte.
  static Status open(const std::string &path, const TokenFile &tokens,
                     MaskFile &out);

  /// The mask of the targets of batch k of `loader` as int32 [B, T].
  Status read(const DataLoader &loader, int64_t k, int32_t *mask) const;

private:
  std::string path_;
  std::vector<uint8_t> bytes_;
};

} // namespace cherry::runtime

#endif // CHERRY_RUNTIME_DATALOADER_H
