//===- Tokenizer.h - SentencePiece models -----------------------*- C++ -*-===//
//
// Encodes and decodes text with a SentencePiece model, and trains one: the
// runtime encodes prompts and decodes generated ids, cherry-data trains
// tokenizers and writes token files. SentencePiece is loaded through a small
// shim library at run time (libcherry_sentencepiece.so, next to the
// binaries), isolated from the protobuf library the Executable reader links:
// Debian's SentencePiece carries its own protobuf, and the two cannot share a
// symbol scope.
//
//===----------------------------------------------------------------------===//

#ifndef CHERRY_RUNTIME_TOKENIZER_H
#define CHERRY_RUNTIME_TOKENIZER_H

#include "cherry/Runtime/Status.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cherry::runtime {

class Tokenizer {
public:
  Tokenizer() = default;
  ~Tokenizer();
  Tokenizer(const Tokenizer &) = delete;
  Tokenizer &operator=(const Tokenizer &) = delete;

  /// Loads a SentencePiece `.model`. Errors name the file.
  Status load(const std::string &path);
  /// Loads a model from the bytes of a `.model` file. The error does not
  /// name the model: the caller knows where the bytes came from.
  Status loadSerialized(const std::string &bytes);

  /// Trains a model with SentencePiece's trainer `settings` (name, value) on
  /// `sentences`, its random generator seeded with `seed`, and stores the
  /// serialized model in `model`. The error is SentencePiece's message.
  static Status
  train(const std::vector<std::pair<std::string, std::string>> &settings,
        unsigned seed, const std::vector<std::string_view> &sentences,
        std::string &model);

  /// Safe to call from several threads at once.
  Status encode(const std::string &text, std::vector<int32_t> &ids) const;
  Status decode(const std::vector<int32_t> &ids, std::string &text) const;
  int pieceSize() const;
  /// The piece of `id`, as stored in the model.
  std::string piece(int id) const;
  int unkId() const;
  int bosId() const;
  int eosId() const;
  int padId() const;

  /// The shim's entry points (defined in Tokenizer.cpp).
  struct Api;

private:
  /// Takes ownership of `model`, a handle of `shim`.
  void adopt(const Api *shim, void *model);

  const Api *api = nullptr;
  void *handle = nullptr;
};

} // namespace cherry::runtime

#endif // CHERRY_RUNTIME_TOKENIZER_H
