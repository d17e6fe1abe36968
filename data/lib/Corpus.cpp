//===- Corpus.cpp - Text corpora to token files ---------------------------===//
//
// Reading and splitting corpora, seeded shuffles, the SentencePiece
// tokenizer, token files and the `prepare` pipeline. See docs/Data.md.
//
//===----------------------------------------------------------------------===//

#include "cherry/Data/Corpus.h"
#include "cherry/Support/FileIO.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

namespace cherry::data {

namespace {

std::string errnoText(int err) {
  // Lower case like the rest of our messages.
  if (err == ENOENT)
    return "no such file or directory";
  return std::strerror(err);
}

/// ASCII whitespace other than "\n" (lines never contain it): what Python's
/// bytes.split() and bytes.strip() use, so the test checkers agree.
bool isSpace(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

bool isBlank(std::string_view line) {
  return std::all_of(line.begin(), line.end(), isSpace);
}

std::string joinLines(const std::vector<std::string_view> &lines, size_t begin,
                      size_t end) {
  size_t size = 0;
  for (size_t i = begin; i < end; ++i)
    size += lines[i].size() + 1;
  std::string text;
  text.reserve(size);
  for (size_t i = begin; i < end; ++i) {
    if (i != begin)
      text += '\n';
    text += lines[i];
  }
  return text;
}

} // namespace

//===----------------------------------------------------------------------===//
// Documents
//===----------------------------------------------------------------------===//

std::optional<CorpusFormat> parseCorpusFormat(std::string_view name) {
  if (name == "text")
    return CorpusFormat::Text;
  if (name == "fortune")
    return CorpusFormat::Fortune;
  return std::nullopt;
}

const char *corpusFormatName(CorpusFormat format) {
  return format == CorpusFormat::Text ? "text" : "fortune";
}

std::string_view documentSeparator(CorpusFormat format) {
  return format == CorpusFormat::Text ? "\n\n" : "\n%\n";
}

std::vector<std::string> splitDocuments(std::string_view text,
                                        CorpusFormat format) {
  std::vector<std::string> documents;
  std::vector<std::string_view> lines;
  auto flush = [&] {
    size_t begin = 0, end = lines.size();
    while (begin < end && isBlank(lines[begin]))
      ++begin;
    while (end > begin && isBlank(lines[end - 1]))
      --end;
    if (begin < end)
      documents.push_back(joinLines(lines, begin, end));
    lines.clear();
  };
  size_t pos = 0;
  while (pos < text.size()) {
    size_t newline = text.find('\n', pos);
    size_t end = newline == std::string_view::npos ? text.size() : newline;
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    if (!line.empty() && line.back() == '\r')
      line.remove_suffix(1);
    bool separator = format == CorpusFormat::Text ? isBlank(line) : line == "%";
    if (separator)
      flush();
    else
      lines.push_back(line);
  }
  flush();
  return documents;
}

std::string joinDocuments(const std::vector<std::string> &documents,
                          CorpusFormat format) {
  std::string_view separator = documentSeparator(format);
  std::string text;
  for (const std::string &document : documents) {
    text += document;
    text += separator;
  }
  return text;
}

size_t sanitizeUtf8(std::string &text) {
  // Well-formed sequences after Unicode 15, table 3-7: the lead byte fixes
  // the length and the range of the second byte.
  auto wellFormedPrefix = [&](size_t i, size_t &length) -> size_t {
    unsigned char lead = text[i];
    unsigned char low = 0x80, high = 0xBF;
    if (lead < 0x80) {
      length = 1;
      return 1;
    }
    if (lead >= 0xC2 && lead <= 0xDF)
      length = 2;
    else if (lead == 0xE0)
      length = 3, low = 0xA0;
    else if ((lead >= 0xE1 && lead <= 0xEC) || lead == 0xEE || lead == 0xEF)
      length = 3;
    else if (lead == 0xED)
      length = 3, high = 0x9F;
    else if (lead == 0xF0)
      length = 4, low = 0x90;
    else if (lead >= 0xF1 && lead <= 0xF3)
      length = 4;
    else if (lead == 0xF4)
      length = 4, high = 0x8F;
    else {
      length = 1;
      return 0;
    }
    size_t k = 1;
    for (; k < length && i + k < text.size(); ++k) {
      unsigned char byte = text[i + k];
      if (byte < (k == 1 ? low : 0x80) || byte > (k == 1 ? high : 0xBF))
        break;
    }
    return k;
  };

  size_t replaced = 0;
  std::string out;
  size_t copiedUpTo = 0;
  for (size_t i = 0; i < text.size();) {
    size_t length = 0;
    size_t valid = wellFormedPrefix(i, length);
    if (valid == length) {
      i += length;
      continue;
    }
    // The maximal subpart (at least one byte) becomes one U+FFFD.
    if (replaced++ == 0)
      out.reserve(text.size() + 16);
    out.append(text, copiedUpTo, i - copiedUpTo);
    out += "\xEF\xBF\xBD";
    i += std::max<size_t>(valid, 1);
    copiedUpTo = i;
  }
  if (replaced) {
    out.append(text, copiedUpTo, std::string::npos);
    text = std::move(out);
  }
  return replaced;
}

std::vector<std::string> expandInput(const std::string &path) {
  struct stat info;
  if (::stat(path.c_str(), &info) != 0) {
    int err = errno;
    throw DataError("--input " + path + ": " + errnoText(err));
  }
  if (S_ISREG(info.st_mode))
    return {path};
  if (!S_ISDIR(info.st_mode))
    throw DataError("--input " + path + ": not a regular file or directory");

  DIR *dir = ::opendir(path.c_str());
  if (!dir)
    throw DataError("--input " + path +
                    ": cannot read directory: " + errnoText(errno));
  std::string prefix = path.back() == '/' ? path : path + "/";
  std::vector<std::string> names;
  while (const dirent *entry = ::readdir(dir)) {
    std::string name = entry->d_name;
    if (name == "." || name == "..")
      continue;
    if (name.size() >= 4 && name.compare(name.size() - 4, 4, ".dat") == 0)
      continue;
    struct stat entryInfo;
    if (::lstat((prefix + name).c_str(), &entryInfo) == 0 &&
        S_ISREG(entryInfo.st_mode))
      names.push_back(name);
  }
  ::closedir(dir);
  if (names.empty())
    throw DataError("--input " + path +
                    ": directory has no input files (regular, non-symlink, "
                    "not *.dat)");
  std::sort(names.begin(), names.end());
  std::vector<std::string> files;
  for (const std::string &name : names)
    files.push_back(prefix + name);
  return files;
}

namespace {

/// Reads a whole regular file; `label` names it in errors.
std::string readWholeFile(const std::string &path, const std::string &label) {
  // Checked before open(), which would block on a FIFO.
  struct stat before;
  if (::stat(path.c_str(), &before) != 0)
    throw DataError(label + ": " + errnoText(errno));
  if (!S_ISREG(before.st_mode))
    throw DataError(label + ": not a regular file");
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    throw DataError(label + ": cannot read: " + errnoText(errno));
  struct stat info;
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    ::close(fd);
    throw DataError(label + ": not a regular file");
  }
  std::string contents;
  contents.reserve(info.st_size);
  if (!support::readAll(fd, contents)) {
    int err = errno;
    ::close(fd);
    throw DataError(label + ": cannot read: " + errnoText(err));
  }
  ::close(fd);
  return contents;
}

} // namespace

std::string readFile(const std::string &path) {
  return readWholeFile(path, path);
}

Corpus readCorpus(const std::vector<std::string> &inputs, CorpusFormat format,
                  std::ostream *warnings) {
  if (inputs.empty())
    throw DataError("no --input given");
  // Check every input exists before reading any of them.
  std::vector<std::string> paths;
  for (const std::string &input : inputs)
    for (std::string &file : expandInput(input))
      paths.push_back(std::move(file));

  Corpus corpus;
  for (const std::string &path : paths) {
    std::string text = readFile(path);
    InputFile file;
    file.path = path;
    file.bytes = text.size();
    file.invalidUtf8 = sanitizeUtf8(text);
    if (file.invalidUtf8 && warnings)
      *warnings << "cherry-data: warning: " << path << ": " << file.invalidUtf8
                << " invalid UTF-8 sequence(s) replaced with U+FFFD\n";
    std::vector<std::string> documents = splitDocuments(text, format);
    file.documents = documents.size();
    for (std::string &document : documents)
      corpus.documents.push_back(std::move(document));
    corpus.files.push_back(std::move(file));
  }
  if (corpus.documents.empty())
    throw DataError("empty corpus: the --input files hold no documents "
                    "(format '" +
                    std::string(corpusFormatName(format)) + "')");
  return corpus;
}

//===----------------------------------------------------------------------===//
// Seeded shuffles
//===----------------------------------------------------------------------===//

uint64_t Rng::next() {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

uint64_t Rng::below(uint64_t bound) {
  // Lemire's multiply-and-reject: unbiased and the same everywhere.
  unsigned __int128 product = static_cast<unsigned __int128>(next()) * bound;
  uint64_t low = static_cast<uint64_t>(product);
  if (low < bound) {
    uint64_t threshold = (0 - bound) % bound;
    while (low < threshold) {
      product = static_cast<unsigned __int128>(next()) * bound;
      low = static_cast<uint64_t>(product);
    }
  }
  return static_cast<uint64_t>(product >> 64);
}

Rng makeRng(uint64_t seed, RngStream stream) {
  Rng mixer(seed ^ (static_cast<uint64_t>(stream) * 0xD1B54A32D192ED03ull));
  return Rng(mixer.next());
}

std::vector<size_t> permutation(size_t n, Rng &rng) {
  std::vector<size_t> order(n);
  for (size_t i = 0; i < n; ++i)
    order[i] = i;
  for (size_t i = n; i > 1; --i)
    std::swap(order[i - 1], order[rng.below(i)]);
  return order;
}

namespace {

/// Permutes the words of one line in place of each other.
void shuffleLine(std::string_view line, Rng &rng, std::string &out) {
  std::vector<std::pair<size_t, size_t>> words; // (begin, length)
  for (size_t i = 0; i < line.size();) {
    if (isSpace(line[i])) {
      ++i;
      continue;
    }
    size_t begin = i;
    while (i < line.size() && !isSpace(line[i]))
      ++i;
    words.push_back({begin, i - begin});
  }
  if (words.size() < 2) {
    out += line;
    return;
  }
  std::vector<size_t> order = permutation(words.size(), rng);
  size_t pos = 0;
  for (size_t slot = 0; slot < words.size(); ++slot) {
    out += line.substr(pos, words[slot].first - pos); // whitespace before
    auto [begin, length] = words[order[slot]];
    out += line.substr(begin, length);
    pos = words[slot].first + words[slot].second;
  }
  out += line.substr(pos);
}

} // namespace

void shuffleWords(std::vector<std::string> &documents, uint64_t seed) {
  Rng rng = makeRng(seed, RngStream::Words);
  for (std::string &document : documents) {
    std::string shuffled;
    shuffled.reserve(document.size());
    std::string_view text = document;
    size_t pos = 0;
    while (true) {
      size_t newline = text.find('\n', pos);
      size_t end = newline == std::string_view::npos ? text.size() : newline;
      shuffleLine(text.substr(pos, end - pos), rng, shuffled);
      if (newline == std::string_view::npos)
        break;
      shuffled += '\n';
      pos = newline + 1;
    }
    document = std::move(shuffled);
  }
}

size_t validationCount(size_t numDocuments, double valFraction) {
  if (numDocuments < 2 || !(valFraction > 0))
    return 0;
  double exact = valFraction * static_cast<double>(numDocuments);
  double nearest = std::round(exact);
  // 0.07 * 100 is 7.000000000000001 in binary: that is 7, not 8.
  if (std::fabs(exact - nearest) <= 1e-9 * std::max(1.0, exact))
    exact = nearest;
  size_t count = static_cast<size_t>(std::ceil(exact));
  return std::min(count, numDocuments - 1);
}

//===----------------------------------------------------------------------===//
// Tokenizer
//===----------------------------------------------------------------------===//

namespace {

/// Longest training "sentence" handed to SentencePiece; longer documents are
/// cut at line ends (and overlong lines at character boundaries).
constexpr size_t kMaxTrainingSentence = 1 << 14;
/// Fixed so that training gives the same model on every machine.
constexpr int kTrainerThreads = 8;
constexpr unsigned kTrainerSeed = 0x43485259; // "CHRY"

/// The documents cut into training "sentences" of at most
/// kMaxTrainingSentence bytes: at line ends (the newline itself is dropped),
/// overlong lines at character boundaries.
std::vector<std::string_view>
trainingSentences(const std::vector<std::string> &documents) {
  std::vector<std::string_view> sentences;
  for (std::string_view text : documents) {
    size_t begin = 0;
    do {
      size_t end = std::min(text.size(), begin + kMaxTrainingSentence);
      if (end < text.size()) {
        size_t newline = text.rfind('\n', end - 1);
        if (newline != std::string_view::npos && newline > begin) {
          end = newline;
        } else {
          // Never cut inside a UTF-8 sequence.
          while (end > begin + 1 &&
                 (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80)
            --end;
        }
      }
      sentences.push_back(text.substr(begin, end - begin));
      begin = end < text.size() && text[end] == '\n' ? end + 1 : end;
    } while (begin < text.size());
  }
  return sentences;
}

/// Loads `bytes` into `tokenizer` and checks that token files can use it.
void loadModel(Tokenizer &tokenizer, const std::string &bytes,
               const std::string &label) {
  runtime::Status status = tokenizer.loadSerialized(bytes);
  if (!status.ok())
    throw DataError(label + ": " + status.message);
  size_t pieces = tokenizer.pieceSize();
  if (pieces > kMaxVocabSize)
    throw DataError(label + ": tokenizer has " + std::to_string(pieces) +
                    " pieces, but token files hold uint16 ids (at most " +
                    std::to_string(kMaxVocabSize) + ")");
  if (tokenizer.eosId() < 0)
    throw DataError(label + ": tokenizer has no end-of-sequence piece "
                            "(eos_id), which separates documents");
}

/// The user-facing error of a failed training run with SentencePiece's
/// `message`.
DataError trainingError(const std::string &message,
                        const TrainOptions &options) {
  std::string vocab = "--vocab-size " + std::to_string(options.vocabSize);
  unsigned long have = 0, need = 0;
  if (message.find("smaller than required_chars") != std::string::npos &&
      std::sscanf(message.c_str() + message.find("required_chars.") + 15,
                  " %lu vs %lu", &have, &need) == 2)
    return DataError(vocab + " is too small for the train documents: their " +
                     std::to_string(need - 259) +
                     " distinct characters plus 259 special and byte "
                     "pieces need at least " +
                     std::to_string(need));
  size_t atMost = message.find("a value <= ");
  if (atMost != std::string::npos)
    return DataError(vocab + " is too large for this corpus with " +
                     "--model-type " + options.modelType + ": at most " +
                     std::to_string(std::strtoul(message.c_str() + atMost + 11,
                                                 nullptr, 10)));
  return DataError("tokenizer training failed (" + vocab + ", --model-type " +
                   options.modelType + "): " + message);
}

} // namespace

std::string loadTokenizer(Tokenizer &tokenizer, const std::string &path,
                          std::string label) {
  if (label.empty())
    label = path;
  std::string bytes = readWholeFile(path, label);
  loadModel(tokenizer, bytes, label);
  return bytes;
}

std::string trainTokenizer(Tokenizer &tokenizer,
                           const std::vector<std::string> &documents,
                           const TrainOptions &options) {
  if (options.modelType != "bpe" && options.modelType != "unigram")
    throw DataError("--model-type " + options.modelType +
                    ": expected 'bpe' or 'unigram'");
  std::vector<std::pair<std::string, std::string>> settings = {
      {"model_type", options.modelType},
      {"vocab_size", std::to_string(options.vocabSize)},
      // Every character is a piece or falls back to bytes: no <unk> ever.
      {"byte_fallback", "true"},
      {"character_coverage", "1.0"},
      // Decode(Encode(text)) == text: no NFKC, spaces kept as they are.
      {"normalization_rule_name", "identity"},
      {"remove_extra_whitespaces", "false"},
      {"add_dummy_prefix", "true"},
      {"allow_whitespace_only_pieces", "true"},
      {"split_digits", "true"},
      {"unk_id", "0"},
      {"bos_id", "1"},
      {"eos_id", "2"},
      {"pad_id", "-1"},
      {"num_threads", std::to_string(kTrainerThreads)},
      {"max_sentence_length", std::to_string(kMaxTrainingSentence)},
      {"input_sentence_size", "0"},
      {"shuffle_input_sentence", "false"},
      {"minloglevel", options.verbose ? "0" : "2"},
  };
  std::string model;
  runtime::Status status = Tokenizer::train(
      settings, kTrainerSeed, trainingSentences(documents), model);
  if (!status.ok())
    throw trainingError(status.message, options);
  loadModel(tokenizer, model, "trained tokenizer");
  return model;
}

std::vector<uint16_t> encodeDocuments(const Tokenizer &tokenizer,
                                      const std::vector<std::string> &docs,
                                      unsigned threads) {
  if (threads == 0)
    threads = std::max(1u, std::thread::hardware_concurrency());
  threads = std::max<size_t>(1, std::min<size_t>(threads, docs.size()));

  // Contiguous ranges of about equal bytes keep the output order trivial.
  uint64_t totalBytes = 0;
  for (const std::string &doc : docs)
    totalBytes += doc.size() + 1;
  std::vector<size_t> bounds = {0};
  uint64_t seen = 0;
  for (size_t i = 0; i < docs.size() && bounds.size() < threads; ++i) {
    seen += docs[i].size() + 1;
    if (seen * threads >= totalBytes * bounds.size())
      bounds.push_back(i + 1);
  }
  if (bounds.back() != docs.size())
    bounds.push_back(docs.size());

  size_t parts = bounds.size() - 1;
  std::vector<std::vector<uint16_t>> tokens(parts);
  std::vector<std::string> errors(parts);
  uint16_t eos = static_cast<uint16_t>(tokenizer.eosId());
  auto work = [&](size_t part) {
    std::vector<int32_t> ids;
    for (size_t i = bounds[part]; i < bounds[part + 1]; ++i) {
      runtime::Status status = tokenizer.encode(docs[i], ids);
      if (!status.ok()) {
        errors[part] = "cannot encode document " + std::to_string(i) + ": " +
                       status.message;
        return;
      }
      for (int32_t id : ids)
        tokens[part].push_back(static_cast<uint16_t>(id));
      tokens[part].push_back(eos);
    }
  };
  std::vector<std::thread> workers;
  for (size_t part = 1; part < parts; ++part)
    workers.emplace_back(work, part);
  if (parts > 0)
    work(0);
  for (std::thread &worker : workers)
    worker.join();
  for (const std::string &error : errors)
    if (!error.empty())
      throw DataError(error);

  std::vector<uint16_t> result;
  size_t total = 0;
  for (const auto &part : tokens)
    total += part.size();
  result.reserve(total);
  for (const auto &part : tokens)
    result.insert(result.end(), part.begin(), part.end());
  return result;
}

std::string decodeTokens(const Tokenizer &tokenizer, const uint16_t *ids,
                         size_t count, std::string_view separator) {
  std::string text;
  std::vector<int32_t> segment;
  auto flush = [&] {
    std::string piece;
    runtime::Status status = tokenizer.decode(segment, piece);
    if (!status.ok())
      throw DataError("cannot decode: " + status.message);
    text += piece;
    segment.clear();
  };
  int eos = tokenizer.eosId();
  for (size_t i = 0; i < count; ++i) {
    if (ids[i] == eos) {
      flush();
      text += separator;
    } else {
      segment.push_back(ids[i]);
    }
  }
  flush();
  return text;
}

//===----------------------------------------------------------------------===//
// Files
//===----------------------------------------------------------------------===//

void writeFileAtomically(const std::string &path, std::string_view contents) {
  std::optional<support::FileError> error = support::replaceFileAtomically(
      path, {{contents.data(), contents.size()}});
  // Once the rename is done the new file is complete; a directory that
  // cannot be synced does not fail the write.
  if (error && error->step != support::FileError::Step::OpenDirectory &&
      error->step != support::FileError::Step::SyncDirectory)
    throw DataError(path + ": cannot write: " + errnoText(error->error));
}

std::vector<uint16_t> readTokenFile(const std::string &path) {
  std::string bytes = readFile(path);
  if (bytes.size() % 2 != 0)
    throw DataError(path + ": odd length (" + std::to_string(bytes.size()) +
                    " bytes); a token file is uint16 ids");
  std::vector<uint16_t> tokens(bytes.size() / 2);
  const auto *data = reinterpret_cast<const unsigned char *>(bytes.data());
  for (size_t i = 0; i < tokens.size(); ++i)
    tokens[i] = static_cast<uint16_t>(data[2 * i] | (data[2 * i + 1] << 8));
  return tokens;
}

std::string tokenFileBytes(const std::vector<uint16_t> &tokens) {
  std::string bytes(tokens.size() * 2, '\0');
  for (size_t i = 0; i < tokens.size(); ++i) {
    bytes[2 * i] = static_cast<char>(tokens[i] & 0xFF);
    bytes[2 * i + 1] = static_cast<char>(tokens[i] >> 8);
  }
  return bytes;
}

std::vector<uint64_t> countTokens(const std::vector<uint16_t> &tokens,
                                  size_t vocabSize) {
  std::vector<uint64_t> counts(vocabSize, 0);
  for (uint16_t id : tokens) {
    if (id >= vocabSize)
      throw DataError("token id " + std::to_string(id) +
                      " is outside the vocabulary (" +
                      std::to_string(vocabSize) + ")");
    ++counts[id];
  }
  return counts;
}

//===----------------------------------------------------------------------===//
// prepare
//===----------------------------------------------------------------------===//

namespace {

class Timer {
public:
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                         start)
        .count();
  }

private:
  std::chrono::steady_clock::time_point start =
      std::chrono::steady_clock::now();
};

std::string fixed(double value, int digits) {
  std::ostringstream os;
  os.setf(std::ios::fixed);
  os.precision(digits);
  os << value;
  return os.str();
}

/// Checks, before any expensive work and without creating anything, that
/// `dir` is a writable directory or can be created: a failed run leaves no
/// empty output directory behind.
void checkOutDir(const std::string &dir) {
  if (dir.empty())
    throw DataError("--out is empty");
  struct stat info;
  if (::stat(dir.c_str(), &info) == 0) {
    if (!S_ISDIR(info.st_mode))
      throw DataError("--out " + dir + ": exists and is not a directory");
    if (::access(dir.c_str(), W_OK | X_OK) != 0)
      throw DataError("--out " + dir + ": not writable: " + errnoText(errno));
    return;
  }
  if (errno != ENOENT)
    throw DataError("--out " + dir +
                    ": cannot create directory: " + errnoText(errno));
  // The nearest existing ancestor must be a writable directory.
  std::filesystem::path ancestor = std::filesystem::absolute(dir);
  do {
    ancestor = ancestor.parent_path();
  } while (::stat(ancestor.c_str(), &info) != 0 && errno == ENOENT &&
           ancestor != ancestor.root_path());
  if (::access(ancestor.c_str(), W_OK | X_OK) != 0)
    throw DataError("--out " + dir + ": cannot create directory in " +
                    ancestor.string() + ": " + errnoText(errno));
}

void createOutDir(const std::string &dir) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error)
    throw DataError("--out " + dir +
                    ": cannot create directory: " + error.message());
}

/// The files of one prepare run, written into a hidden staging directory
/// inside the output directory and moved into place only when every one of
/// them is complete: a write that fails (a full disk) leaves the files an
/// earlier run wrote there as they were, not a mix of old and new.
class StagedOutput {
public:
  explicit StagedOutput(const std::string &dir) : dir(dir) {
    std::string pattern = dir + "/.cherry-data-staging-XXXXXX";
    if (!::mkdtemp(pattern.data()))
      throw DataError("--out " + dir + ": cannot create a staging directory: " +
                      errnoText(errno));
    staging = pattern;
  }
  StagedOutput(const StagedOutput &) = delete;
  StagedOutput &operator=(const StagedOutput &) = delete;
  ~StagedOutput() {
    std::error_code ignored;
    if (!staging.empty())
      std::filesystem::remove_all(staging, ignored);
  }

  /// Writes (and fsyncs) `name` in the staging directory; an error names the
  /// file of the output directory it is for.
  void write(const std::string &name, std::string_view contents) {
    std::optional<support::FileError> error = support::replaceFileAtomically(
        staging + "/" + name, {{contents.data(), contents.size()}});
    if (error && error->step != support::FileError::Step::OpenDirectory &&
        error->step != support::FileError::Step::SyncDirectory)
      throw DataError(dir + "/" + name +
                      ": cannot write: " + errnoText(error->error));
    names.push_back(name);
  }

  /// Renames every staged file into the output directory, in the order they
  /// were written, and removes the staging directory.
  void commit() {
    for (const std::string &name : names)
      if (::rename((staging + "/" + name).c_str(),
                   (dir + "/" + name).c_str()) != 0)
        throw DataError(dir + "/" + name +
                        ": cannot move into place: " + errnoText(errno));
    (void)support::syncDirectory(dir);
    ::rmdir(staging.c_str());
    staging.clear();
  }

private:
  std::string dir;
  std::string staging;
  std::vector<std::string> names;
};

std::string tokenCountsJson(const std::vector<uint64_t> &counts,
                            uint64_t tokens) {
  std::string json = "{\n";
  json += "  \"format\": \"cherry-token-counts\",\n";
  json += "  \"version\": 1,\n";
  json += "  \"vocab_size\": " + std::to_string(counts.size()) + ",\n";
  json += "  \"split\": \"train\",\n";
  json += "  \"tokens\": " + std::to_string(tokens) + ",\n";
  json += "  \"counts\": [";
  for (size_t i = 0; i < counts.size(); ++i) {
    if (i)
      json += ", ";
    json += std::to_string(counts[i]);
  }
  json += "]\n}\n";
  return json;
}

} // namespace

PrepareSummary prepare(const PrepareOptions &options, std::ostream &log) {
  Timer total;
  bool training = options.tokenizerPath.empty();
  if (training &&
      (options.vocabSize < kMinVocabSize || options.vocabSize > kMaxVocabSize))
    throw DataError("--vocab-size " + std::to_string(options.vocabSize) +
                    " is out of range: expected " +
                    std::to_string(kMinVocabSize) + " to " +
                    std::to_string(kMaxVocabSize));
  if (!(options.valFraction >= 0 && options.valFraction < 1))
    throw DataError("--val-fraction " + std::to_string(options.valFraction) +
                    " is out of range: expected 0 <= F < 1");

  checkOutDir(options.outDir);
  Tokenizer tokenizer;
  std::string modelBytes;
  if (!training)
    modelBytes = loadTokenizer(tokenizer, options.tokenizerPath,
                               "--tokenizer " + options.tokenizerPath);

  Timer phase;
  Corpus corpus = readCorpus(options.inputs, options.format, &log);
  size_t numDocuments = corpus.documents.size();
  if (options.verbose)
    log << "cherry-data: read " << numDocuments << " documents from "
        << corpus.files.size() << " file(s) in " << fixed(phase.seconds(), 2)
        << " s\n";
  if (options.shuffleWords)
    shuffleWords(corpus.documents, options.seed);

  Rng rng = makeRng(options.seed, RngStream::Documents);
  std::vector<size_t> order = permutation(numDocuments, rng);
  size_t numVal = validationCount(numDocuments, options.valFraction);
  std::vector<std::string> valDocs, trainDocs;
  valDocs.reserve(numVal);
  trainDocs.reserve(numDocuments - numVal);
  for (size_t i = 0; i < numDocuments; ++i)
    (i < numVal ? valDocs : trainDocs)
        .push_back(std::move(corpus.documents[order[i]]));
  corpus.documents.clear();

  if (training) {
    phase = Timer();
    modelBytes =
        trainTokenizer(tokenizer, trainDocs,
                       {options.vocabSize, options.modelType, options.verbose});
    if (options.verbose)
      log << "cherry-data: trained a " << options.modelType
          << " tokenizer with " << tokenizer.pieceSize() << " pieces in "
          << fixed(phase.seconds(), 2) << " s\n";
  }

  phase = Timer();
  std::vector<uint16_t> trainTokens =
      encodeDocuments(tokenizer, trainDocs, options.threads);
  std::vector<uint16_t> valTokens =
      encodeDocuments(tokenizer, valDocs, options.threads);
  if (options.verbose)
    log << "cherry-data: encoded " << trainTokens.size() + valTokens.size()
        << " tokens in " << fixed(phase.seconds(), 2) << " s\n";
  size_t vocabSize = tokenizer.pieceSize();
  std::vector<uint64_t> counts = countTokens(trainTokens, vocabSize);

  nlohmann::ordered_json data;
  data["format"] = "cherry-data";
  data["version"] = 1;
  data["tool_version"] = options.toolVersion;
  data["inputs"] = options.inputs;
  data["input_format"] = corpusFormatName(options.format);
  nlohmann::ordered_json files = nlohmann::ordered_json::array();
  for (const InputFile &file : corpus.files)
    files.push_back({{"path", file.path},
                     {"bytes", file.bytes},
                     {"documents", file.documents},
                     {"invalid_utf8", file.invalidUtf8}});
  data["files"] = files;
  data["seed"] = options.seed;
  data["val_fraction"] = options.valFraction;
  data["shuffle_words"] = options.shuffleWords;
  nlohmann::ordered_json tokenizerInfo;
  tokenizerInfo["file"] = "tokenizer.model";
  if (training) {
    tokenizerInfo["source"] = "trained";
    tokenizerInfo["model_type"] = options.modelType;
    tokenizerInfo["requested_vocab_size"] = options.vocabSize;
  } else {
    tokenizerInfo["source"] = options.tokenizerPath;
  }
  tokenizerInfo["vocab_size"] = vocabSize;
  tokenizerInfo["unk_id"] = tokenizer.unkId();
  tokenizerInfo["bos_id"] = tokenizer.bosId();
  tokenizerInfo["eos_id"] = tokenizer.eosId();
  tokenizerInfo["pad_id"] = tokenizer.padId();
  data["tokenizer"] = tokenizerInfo;
  data["dtype"] = "uint16";
  data["byte_order"] = "little";
  data["documents"] = numDocuments;
  data["splits"] = {{"train",
                     {{"file", "train.bin"},
                      {"documents", trainDocs.size()},
                      {"tokens", trainTokens.size()}}},
                    {"val",
                     {{"file", "val.bin"},
                      {"documents", valDocs.size()},
                      {"tokens", valTokens.size()}}}};
  data["token_counts"] = "token_counts.json";

  // Every file is staged first; data.json is moved into place last: once it
  // is there, the other files are complete.
  const std::string &dir = options.outDir;
  std::error_code exists;
  const bool created = !std::filesystem::exists(dir, exists);
  createOutDir(dir);
  try {
    StagedOutput out(dir);
    out.write("tokenizer.model", modelBytes);
    out.write("train.bin", tokenFileBytes(trainTokens));
    out.write("val.bin", tokenFileBytes(valTokens));
    out.write("token_counts.json", tokenCountsJson(counts, trainTokens.size()));
    out.write("data.json", data.dump(2, ' ', false,
                                     nlohmann::json::error_handler_t::replace) +
                               "\n");
    out.commit();
  } catch (const DataError &) {
    // A failed write (a full disk) leaves no directory this run made. One
    // that existed keeps what it held: nothing was moved into it.
    std::error_code ignored;
    if (created)
      std::filesystem::remove_all(dir, ignored);
    throw;
  }
  if (options.verbose)
    log << "cherry-data: done in " << fixed(total.seconds(), 2) << " s\n";

  PrepareSummary summary;
  summary.files = corpus.files.size();
  summary.documents = numDocuments;
  summary.train = {trainDocs.size(), trainTokens.size()};
  summary.val = {valDocs.size(), valTokens.size()};
  summary.vocabSize = vocabSize;
  summary.trainedTokenizer = training;
  return summary;
}

std::vector<uint64_t> readTokenCounts(const std::string &path) {
  std::ifstream in(path);
  if (!in)
    throw DataError(path + ": cannot read");
  nlohmann::json stats = nlohmann::json::parse(in, nullptr, false);
  if (stats.is_discarded() || !stats.is_object() || !stats.contains("counts") ||
      !stats["counts"].is_array())
    throw DataError(path + ": not a token_counts.json (no \"counts\" array)");
  std::vector<uint64_t> counts;
  for (const auto &c : stats["counts"]) {
    if (!c.is_number_unsigned())
      throw DataError(path + ": counts must be non-negative integers");
    counts.push_back(c.get<uint64_t>());
  }
  return counts;
}

} // namespace cherry::data
