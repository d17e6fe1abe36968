//===- SentencePieceShim.cpp - SentencePiece behind a C interface ---------===//
//
// Debian's libsentencepiece carries its own copy of protobuf-lite and
// exports those symbols, which clash with the system libprotobuf the
// Executable reader uses: a process linking both crashes while loading. The
// runtime therefore never links SentencePiece; it dlopens this small shim
// with RTLD_LOCAL | RTLD_DEEPBIND, so SentencePiece and its protobuf copy
// resolve against each other and stay out of the global symbol scope.
//
//===----------------------------------------------------------------------===//

#include <sentencepiece_processor.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace {
void copyMessage(const std::string &message, char *out, size_t capacity) {
  if (!out || !capacity)
    return;
  size_t n = std::min(message.size(), capacity - 1);
  std::memcpy(out, message.data(), n);
  out[n] = '\0';
}
} // namespace

extern "C" {

__attribute__((visibility("default"))) void *
cherry_spm_load(const char *path, char *error, size_t errorCapacity) {
  auto *processor = new sentencepiece::SentencePieceProcessor();
  auto status = processor->Load(path);
  if (!status.ok()) {
    copyMessage(status.ToString(), error, errorCapacity);
    delete processor;
    return nullptr;
  }
  return processor;
}

__attribute__((visibility("default"))) void cherry_spm_free(void *handle) {
  delete static_cast<sentencepiece::SentencePieceProcessor *>(handle);
}

__attribute__((visibility("default"))) int cherry_spm_piece_size(void *handle) {
  return static_cast<sentencepiece::SentencePieceProcessor *>(handle)
      ->GetPieceSize();
}

__attribute__((visibility("default"))) int cherry_spm_eos_id(void *handle) {
  return static_cast<sentencepiece::SentencePieceProcessor *>(handle)->eos_id();
}

/// Encodes `text`; writes up to `capacity` ids and returns how many there
/// are (call again with a larger buffer when that exceeds `capacity`), or -1
/// on error.
__attribute__((visibility("default"))) long
cherry_spm_encode(void *handle, const char *text, size_t length, int32_t *ids,
                  size_t capacity) {
  std::vector<int> pieces;
  auto status =
      static_cast<sentencepiece::SentencePieceProcessor *>(handle)->Encode(
          std::string(text, length), &pieces);
  if (!status.ok())
    return -1;
  for (size_t i = 0; i < pieces.size() && i < capacity; ++i)
    ids[i] = pieces[i];
  return static_cast<long>(pieces.size());
}

/// Decodes `count` ids; writes up to `capacity` bytes of text and returns
/// its full length, or -1 on error.
__attribute__((visibility("default"))) long
cherry_spm_decode(void *handle, const int32_t *ids, size_t count, char *text,
                  size_t capacity) {
  std::vector<int> pieces(ids, ids + count);
  std::string out;
  auto status =
      static_cast<sentencepiece::SentencePieceProcessor *>(handle)->Decode(
          pieces, &out);
  if (!status.ok())
    return -1;
  if (text && capacity)
    std::memcpy(text, out.data(), std::min(out.size(), capacity));
  return static_cast<long>(out.size());
}

} // extern "C"
