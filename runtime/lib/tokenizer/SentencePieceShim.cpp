//===- SentencePieceShim.cpp - SentencePiece behind a C interface ---------===//
//
// Debian's libsentencepiece carries its own copy of protobuf-lite and
// exports those symbols, which clash with the system libprotobuf the
// Executable reader uses: a process linking both crashes while loading.
// Nothing therefore links SentencePiece; the tokenizer (cherry-run's and
// cherry-data's) dlopens this small shim with RTLD_LOCAL | RTLD_DEEPBIND, so
// SentencePiece and its protobuf copy resolve against each other and stay out
// of the global symbol scope.
//
//===----------------------------------------------------------------------===//

#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <unordered_map>
#include <vector>

namespace {
void copyMessage(const std::string &message, char *out, size_t capacity) {
  if (!out || !capacity)
    return;
  size_t n = std::min(message.size(), capacity - 1);
  std::memcpy(out, message.data(), n);
  out[n] = '\0';
}

/// SentencePiece's message without the "./src/x.cc(12) [condition]" prefix
/// of its checks and without trailing whitespace.
std::string plainMessage(const sentencepiece::util::Status &status) {
  std::string message = status.error_message();
  if (message.rfind("./src/", 0) == 0) {
    size_t bracket = message.find("] ");
    message = bracket == std::string::npos ? "" : message.substr(bracket + 2);
  }
  while (!message.empty() &&
         std::isspace(static_cast<unsigned char>(message.back())))
    message.pop_back();
  return message;
}

sentencepiece::SentencePieceProcessor *processorOf(void *handle) {
  return static_cast<sentencepiece::SentencePieceProcessor *>(handle);
}

/// Hands the trainer `count` sentences without a temporary file.
class SentenceArray : public sentencepiece::SentenceIterator {
public:
  SentenceArray(const char *const *texts, const size_t *lengths, size_t count)
      : texts(texts), lengths(lengths), count(count) {
    load();
  }
  bool done() const override { return index >= count; }
  void Next() override {
    ++index;
    load();
  }
  const std::string &value() const override { return current; }
  sentencepiece::util::Status status() const override {
    return sentencepiece::util::Status();
  }

private:
  void load() {
    if (index < count)
      current.assign(texts[index], lengths[index]);
  }

  const char *const *texts;
  const size_t *lengths;
  size_t count;
  size_t index = 0;
  std::string current;
};

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

/// Loads a model from the bytes of a .model file. On failure `error`
/// receives SentencePiece's plain message (possibly empty): the caller words
/// the error around it.
__attribute__((visibility("default"))) void *
cherry_spm_load_serialized(const char *bytes, size_t size, char *error,
                           size_t errorCapacity) {
  auto *processor = new sentencepiece::SentencePieceProcessor();
  auto status = processor->LoadFromSerializedProto(std::string(bytes, size));
  if (!status.ok()) {
    copyMessage(plainMessage(status), error, errorCapacity);
    delete processor;
    return nullptr;
  }
  return processor;
}

/// Trains a model with the trainer settings `keys[i]=values[i]` on `count`
/// sentences, seeding SentencePiece's random generator with `seed`. On
/// success passes the serialized model to `receive` and returns 0; on
/// failure writes SentencePiece's plain message to `error` and returns -1.
__attribute__((visibility("default"))) int
cherry_spm_train(const char *const *keys, const char *const *values,
                 size_t numSettings, const char *const *sentences,
                 const size_t *lengths, size_t count, unsigned seed,
                 void (*receive)(void *, const char *, size_t), void *context,
                 char *error, size_t errorCapacity) {
  std::unordered_map<std::string, std::string> settings;
  for (size_t i = 0; i < numSettings; ++i)
    settings[keys[i]] = values[i];
  sentencepiece::SetRandomGeneratorSeed(seed);
  SentenceArray iterator(sentences, lengths, count);
  std::string model;
  auto status =
      sentencepiece::SentencePieceTrainer::Train(settings, &iterator, &model);
  if (!status.ok()) {
    copyMessage(plainMessage(status), error, errorCapacity);
    return -1;
  }
  receive(context, model.data(), model.size());
  return 0;
}

__attribute__((visibility("default"))) void cherry_spm_free(void *handle) {
  delete processorOf(handle);
}

__attribute__((visibility("default"))) int cherry_spm_piece_size(void *handle) {
  return processorOf(handle)->GetPieceSize();
}

__attribute__((visibility("default"))) int cherry_spm_unk_id(void *handle) {
  return processorOf(handle)->unk_id();
}

__attribute__((visibility("default"))) int cherry_spm_bos_id(void *handle) {
  return processorOf(handle)->bos_id();
}

__attribute__((visibility("default"))) int cherry_spm_eos_id(void *handle) {
  return processorOf(handle)->eos_id();
}

__attribute__((visibility("default"))) int cherry_spm_pad_id(void *handle) {
  return processorOf(handle)->pad_id();
}

/// Writes up to `capacity` bytes of the piece of `id` and returns its full
/// length.
__attribute__((visibility("default"))) long
cherry_spm_id_to_piece(void *handle, int id, char *piece, size_t capacity) {
  const std::string &text = processorOf(handle)->IdToPiece(id);
  if (piece && capacity)
    std::memcpy(piece, text.data(), std::min(text.size(), capacity));
  return static_cast<long>(text.size());
}

/// Encodes `text`; writes up to `capacity` ids and returns how many there
/// are (call again with a larger buffer when that exceeds `capacity`), or -1
/// on error.
__attribute__((visibility("default"))) long
cherry_spm_encode(void *handle, const char *text, size_t length, int32_t *ids,
                  size_t capacity) {
  std::vector<int> pieces;
  auto status = processorOf(handle)->Encode(std::string(text, length), &pieces);
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
  auto status = processorOf(handle)->Decode(pieces, &out);
  if (!status.ok())
    return -1;
  if (text && capacity)
    std::memcpy(text, out.data(), std::min(out.size(), capacity));
  return static_cast<long>(out.size());
}

} // extern "C"
