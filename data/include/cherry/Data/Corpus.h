//===- Corpus.h - Text corpora to token files -------------------*- C++ -*-===//
//
// Turns text into training data: reads corpora (plain text or the fortune
// format), splits them into documents, shuffles and splits them into train
// and validation sets, trains or loads a SentencePiece tokenizer (the
// runtime's Tokenizer) and writes flat little-endian uint16 token files plus
// their statistics. The file formats are described in docs/Data.md. No MLIR
// or LLVM here.
//
//===----------------------------------------------------------------------===//

#ifndef CHERRY_DATA_CORPUS_H
#define CHERRY_DATA_CORPUS_H

#include "cherry/Runtime/Tokenizer.h"

#include <cstdint>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace cherry::data {

/// A user-facing error: the message names the file or flag and says what was
/// expected. The tool prints it as one line prefixed with "cherry-data: ".
class DataError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

//===----------------------------------------------------------------------===//
// Documents
//===----------------------------------------------------------------------===//

/// How a file is split into documents.
///  - Text: paragraphs separated by blank (empty or whitespace-only) lines.
///  - Fortune: records separated by lines that are exactly "%" (the format of
///    the Debian `fortunes` package); blank lines at the start and end of a
///    record are dropped.
/// In both, lines end at "\n" (a "\r" before it is dropped) and a document is
/// its lines joined by "\n" without a final newline. Empty documents are
/// dropped.
enum class CorpusFormat { Text, Fortune };

std::optional<CorpusFormat> parseCorpusFormat(std::string_view name);
const char *corpusFormatName(CorpusFormat format);

/// Splits the contents of one file into documents.
std::vector<std::string> splitDocuments(std::string_view text,
                                        CorpusFormat format);

/// Writes documents so that splitDocuments(joinDocuments(d)) == d: each
/// document followed by documentSeparator(format).
std::string joinDocuments(const std::vector<std::string> &documents,
                          CorpusFormat format);
/// "\n\n" for Text, "\n%\n" for Fortune.
std::string_view documentSeparator(CorpusFormat format);

/// Replaces each ill-formed UTF-8 sequence (maximal subpart, as Unicode and
/// Python's errors="replace" do) with U+FFFD. Returns how many were replaced.
size_t sanitizeUtf8(std::string &text);

/// One file read into a corpus.
struct InputFile {
  std::string path;
  uint64_t bytes = 0;
  uint64_t documents = 0;
  uint64_t invalidUtf8 = 0; // sequences replaced with U+FFFD
};

struct Corpus {
  std::vector<std::string> documents; // in input order
  std::vector<InputFile> files;
};

/// The files an --input names: a file itself, or every regular, non-symlink
/// file of a directory (not recursive) sorted by name, skipping "*.dat" (the
/// fortune index files).
std::vector<std::string> expandInput(const std::string &path);

/// Reads and splits every file of every input. Invalid UTF-8 is replaced
/// with U+FFFD and reported on `warnings` (one line per file). Throws
/// DataError for missing or unreadable inputs.
Corpus readCorpus(const std::vector<std::string> &inputs, CorpusFormat format,
                  std::ostream *warnings);

//===----------------------------------------------------------------------===//
// Seeded shuffles (same results on every platform and standard library)
//===----------------------------------------------------------------------===//

/// SplitMix64: tiny, fully specified, good enough for shuffling.
class Rng {
public:
  explicit Rng(uint64_t seed) : state(seed) {}
  uint64_t next();
  /// Uniform in [0, bound), bound > 0, without modulo bias.
  uint64_t below(uint64_t bound);

private:
  uint64_t state;
};

/// Independent streams derived from the user's seed, so that e.g. the word
/// shuffle does not change the document split.
enum class RngStream : uint64_t { Documents = 1, Words = 2 };
Rng makeRng(uint64_t seed, RngStream stream);

/// Fisher-Yates permutation of [0, n) drawn from `rng`.
std::vector<size_t> permutation(size_t n, Rng &rng);

/// Permutes the whitespace-separated words of every line of every document
/// (the word-shuffled control corpus). Whitespace runs stay where they were,
/// only the words move between them, so line lengths and line structure are
/// kept. Uses makeRng(seed, RngStream::Words) over the documents in order.
void shuffleWords(std::vector<std::string> &documents, uint64_t seed);

/// Number of validation documents of n: ceil(fraction * n) (products within
/// 1e-9 of an integer count as that integer), at most n - 1 so that training
/// keeps a document.
size_t validationCount(size_t numDocuments, double valFraction);

//===----------------------------------------------------------------------===//
// Tokenizer
//===----------------------------------------------------------------------===//

/// The largest vocabulary a uint16 token file can hold.
constexpr size_t kMaxVocabSize = 65536;
/// 3 special pieces + 256 byte-fallback pieces + at least one character.
constexpr size_t kMinVocabSize = 260;

struct TrainOptions {
  size_t vocabSize = 0;
  std::string modelType = "bpe"; // or "unigram"
  bool verbose = false;          // SentencePiece's own logging
};

using runtime::Tokenizer;

/// Loads the model file at `path` into `tokenizer` and returns the file's
/// bytes. Throws DataError naming `label` (default: the path) when it is
/// unreadable or not a model token files can use: at most kMaxVocabSize
/// pieces and an end-of-sequence piece.
std::string loadTokenizer(Tokenizer &tokenizer, const std::string &path,
                          std::string label = "");
/// Trains a model on `documents` (see docs/Data.md for the settings), loads
/// it into `tokenizer` and returns the bytes of its .model file.
std::string trainTokenizer(Tokenizer &tokenizer,
                           const std::vector<std::string> &documents,
                           const TrainOptions &options);

/// Encodes every document and appends eos after each; the result is in
/// document order whatever `threads` is (0: all cores).
std::vector<uint16_t> encodeDocuments(const Tokenizer &tokenizer,
                                      const std::vector<std::string> &documents,
                                      unsigned threads);
/// Text of the ids: each eos becomes `separator`, the pieces between are
/// decoded by SentencePiece.
std::string decodeTokens(const Tokenizer &tokenizer, const uint16_t *ids,
                         size_t count, std::string_view separator);

//===----------------------------------------------------------------------===//
// Files
//===----------------------------------------------------------------------===//

/// Writes `contents` to `path` through a temporary file in the same
/// directory, fsync and rename, so readers see the old file or the new one,
/// never a torn one.
void writeFileAtomically(const std::string &path, std::string_view contents);

/// Reads a whole regular file.
std::string readFile(const std::string &path);

/// Reads a flat little-endian uint16 token file.
std::vector<uint16_t> readTokenFile(const std::string &path);

/// The "counts" array of a token_counts.json (cherry-data prepare); throws
/// DataError naming the file when it is missing or malformed.
std::vector<uint64_t> readTokenCounts(const std::string &path);

/// The little-endian bytes of `tokens`.
std::string tokenFileBytes(const std::vector<uint16_t> &tokens);

/// Per-id counts of `tokens` (ids must be < vocabSize).
std::vector<uint64_t> countTokens(const std::vector<uint16_t> &tokens,
                                  size_t vocabSize);

//===----------------------------------------------------------------------===//
// prepare
//===----------------------------------------------------------------------===//

struct PrepareOptions {
  std::vector<std::string> inputs;
  CorpusFormat format = CorpusFormat::Text;
  std::string outDir;
  std::string tokenizerPath; // empty: train one
  size_t vocabSize = 0;      // when training
  std::string modelType = "bpe";
  double valFraction = 0.05;
  uint64_t seed = 0;
  bool shuffleWords = false;
  unsigned threads = 0; // 0: all cores
  bool verbose = false;
  std::string toolVersion; // recorded in data.json
};

struct SplitSummary {
  uint64_t documents = 0;
  uint64_t tokens = 0;
};

struct PrepareSummary {
  uint64_t files = 0;
  uint64_t documents = 0;
  SplitSummary train, val;
  size_t vocabSize = 0;
  bool trainedTokenizer = false;
};

/// Runs the whole preparation and writes DIR/{tokenizer.model, train.bin,
/// val.bin, token_counts.json, data.json}. Progress (with -v) and warnings go
/// to `log`.
PrepareSummary prepare(const PrepareOptions &options, std::ostream &log);

} // namespace cherry::data

#endif // CHERRY_DATA_CORPUS_H
