//===- Tokenizer.h - SentencePiece for the runtime --------------*- C++ -*-===//
//
// Encodes prompts and decodes generated ids with a SentencePiece model. The
// runtime loads SentencePiece through a small shim library at run time
// (libcherry_sentencepiece.so, next to the runtime's binaries), isolated
// from the protobuf library the Executable reader links: Debian's
// SentencePiece carries its own protobuf, and the two cannot share a symbol
// scope.
//
//===----------------------------------------------------------------------===//

#ifndef CHERRY_RUNTIME_TOKENIZER_H
#define CHERRY_RUNTIME_TOKENIZER_H

#include "cherry/Runtime/Status.h"

#include <cstdint>
#include <string>
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

  Status encode(const std::string &text, std::vector<int32_t> &ids) const;
  Status decode(const std::vector<int32_t> &ids, std::string &text) const;
  int pieceSize() const;
  int eosId() const;

  /// The shim's entry points (defined in Tokenizer.cpp).
  struct Api;

private:
  const Api *api = nullptr;
  void *handle = nullptr;
};

} // namespace cherry::runtime

#endif // CHERRY_RUNTIME_TOKENIZER_H
