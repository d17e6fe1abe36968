//===- cherry-data.cpp - Corpus and tokenizer tool ------------------------===//
//
// Option parsing and the commands (prepare, shuffle-words, decode, mask) of
// the cherry-data tool; the data logic lives in CherryData
// (cherry/Data/Corpus.h). Every user error is one line on stderr and exit
// code 1.
//
//===----------------------------------------------------------------------===//

#include "cherry/Data/Corpus.h"
#include "cherry/Tools/CommandLine.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <map>
#include <random>

namespace cherry::data {

namespace {

const char *const kMainUsage = R"(usage: cherry-data <command> [options]

Turns text into training data: a SentencePiece tokenizer and flat
little-endian uint16 token files (see docs/Data.md).

commands:
  prepare        split a corpus into train/val documents, train or load a
                 tokenizer, write DIR/{tokenizer.model, train.bin, val.bin,
                 token_counts.json, data.json}
  shuffle-words  write the word-shuffled control corpus as text
  decode         print the text of the tokens of a .bin file
  mask           write a per-token mask of a .bin file for the mask policy
                 of selective training

options:
  -h, --help     show this help ('cherry-data <command> --help' for a command)
  --version      show the version
)";

const char *const kPrepareUsage =
    R"(usage: cherry-data prepare --input PATH [--input PATH ...] --out DIR
                           (--tokenizer FILE.model | --vocab-size N) [options]

  --input PATH          a file, or a directory: its regular, non-symlink files
                        sorted by name, except *.dat (repeatable)
  --format text|fortune documents are paragraphs separated by blank lines
                        (text, default) or records separated by '%' lines
                        (fortune)
  --out DIR             output directory, created if needed
  --tokenizer FILE      use this SentencePiece model (copied to the output)
  --vocab-size N        train a tokenizer of N pieces (260 to 65536) on the
                        train documents
  --model-type bpe|unigram
                        tokenizer model when training (default bpe)
  --val-fraction F      fraction of documents held out for validation,
                        0 <= F < 1 (default 0.05)
  --seed S              seed of the document shuffle and of --shuffle-words
                        (default 0)
  --shuffle-words       permute the words of every line (control corpus)
  --threads N           encoding threads (default: all cores)
  -v, --verbose         timings and SentencePiece's log on stderr
  -h, --help            show this help
)";

const char *const kShuffleUsage =
    R"(usage: cherry-data shuffle-words --input PATH [--input PATH ...]
                                 [--format text|fortune] [--seed S] [-o OUT]

Writes the corpus with the words of every line permuted (whitespace stays in
place), documents separated as in --format. The same permutation as
'prepare --shuffle-words --seed S'.

  --input PATH          a file or a directory, as for prepare (repeatable)
  --format text|fortune input and output format (default text)
  --seed S              seed (default 0)
  -o, --output OUT      output file, written atomically (default: stdout)
  -h, --help            show this help
)";

const char *const kDecodeUsage =
    R"(usage: cherry-data decode --tokenizer FILE.model FILE.bin
                          [--offset I] [--count N] [--format text|fortune]
                          [--pieces]

Prints the text of tokens [I, I+N) of a uint16 token file.

  --tokenizer FILE      the SentencePiece model the file was written with
  --offset I            first token (default 0)
  --count N             number of tokens (default: up to the end)
  --format text|fortune how an end-of-document token is shown: a blank line
                        (text, default) or a '%' line (fortune), so that
                        decoding a whole file gives a corpus of that format
  --pieces              one token per line instead: position, id, piece
  -h, --help            show this help
)";

using tools::FlagSpec;
using tools::writeStdout;

/// The options of one cherry-data command.
class ParsedArgs : public tools::ParsedArgs {
public:
  ParsedArgs(const std::vector<std::string> &args,
             const std::vector<FlagSpec> &specs, const std::string &command,
             bool allowPositional)
      : tools::ParsedArgs(args, specs, "cherry-data", command,
                          allowPositional) {}
  using tools::ParsedArgs::required;
  std::string required(const std::string &name, const std::string &) const {
    return tools::ParsedArgs::required(name);
  }
};

uint64_t parseUnsigned(const std::string &flag, const std::string &text,
                       uint64_t min, uint64_t max) {
  uint64_t value = 0;
  const char *end = text.data() + text.size();
  auto [ptr, error] = std::from_chars(text.data(), end, value);
  if (text.empty() || ptr != end || error == std::errc::invalid_argument)
    throw DataError(flag + ": expected a non-negative integer, got '" + text +
                    "'");
  if (error == std::errc::result_out_of_range || value < min || value > max)
    throw DataError(flag + " " + text + " is out of range: expected " +
                    std::to_string(min) + " to " + std::to_string(max));
  return value;
}

double parseFraction(const std::string &flag, const std::string &text) {
  errno = 0;
  char *end = nullptr;
  double value = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() ||
      !std::isfinite(value) ||
      std::isspace(static_cast<unsigned char>(text[0])))
    throw DataError(flag + ": expected a number, got '" + text + "'");
  if (!(value >= 0 && value < 1))
    throw DataError(flag + " " + text +
                    " is out of range: expected 0 <= F < 1");
  return value;
}

CorpusFormat formatOption(const ParsedArgs &args) {
  std::optional<std::string> name = args.get("--format");
  if (!name)
    return CorpusFormat::Text;
  std::optional<CorpusFormat> format = parseCorpusFormat(*name);
  if (!format)
    throw DataError("--format " + *name + ": expected 'text' or 'fortune'");
  return *format;
}

int runPrepare(const std::vector<std::string> &argv, const char *version) {
  const std::string command = "prepare";
  ParsedArgs args(argv,
                  {{"--input", nullptr, true, true},
                   {"--format", nullptr, true, false},
                   {"--out", nullptr, true, false},
                   {"--tokenizer", nullptr, true, false},
                   {"--vocab-size", nullptr, true, false},
                   {"--model-type", nullptr, true, false},
                   {"--val-fraction", nullptr, true, false},
                   {"--seed", nullptr, true, false},
                   {"--shuffle-words", nullptr, false, false},
                   {"--threads", nullptr, true, false},
                   {"--verbose", "-v", false, false}},
                  command, /*allowPositional=*/false);
  if (args.help) {
    writeStdout(kPrepareUsage);
    return 0;
  }
  PrepareOptions options;
  options.inputs = args.all("--input");
  if (options.inputs.empty())
    throw DataError("prepare needs at least one --input (see 'cherry-data "
                    "prepare --help')");
  options.format = formatOption(args);
  options.outDir = args.required("--out", command);
  bool hasTokenizer = args.has("--tokenizer");
  bool hasVocab = args.has("--vocab-size");
  if (hasTokenizer == hasVocab)
    throw DataError(hasTokenizer
                        ? "--tokenizer and --vocab-size exclude each other: "
                          "use a tokenizer or train one"
                        : "prepare needs --tokenizer FILE.model (use a "
                          "tokenizer) or --vocab-size N (train one)");
  if (hasTokenizer) {
    options.tokenizerPath = *args.get("--tokenizer");
    if (args.has("--model-type"))
      throw DataError("--model-type applies only when training a tokenizer "
                      "(--vocab-size)");
  } else {
    options.vocabSize = parseUnsigned("--vocab-size", *args.get("--vocab-size"),
                                      kMinVocabSize, kMaxVocabSize);
    options.modelType = args.get("--model-type").value_or("bpe");
    if (options.modelType != "bpe" && options.modelType != "unigram")
      throw DataError("--model-type " + options.modelType +
                      ": expected 'bpe' or 'unigram'");
  }
  if (auto fraction = args.get("--val-fraction"))
    options.valFraction = parseFraction("--val-fraction", *fraction);
  if (auto seed = args.get("--seed"))
    options.seed = parseUnsigned("--seed", *seed, 0, UINT64_MAX);
  if (auto threads = args.get("--threads"))
    options.threads = parseUnsigned("--threads", *threads, 1, 1024);
  options.shuffleWords = args.has("--shuffle-words");
  options.verbose = args.has("--verbose");
  options.toolVersion = version;

  PrepareSummary summary = prepare(options, std::cerr);
  std::string out;
  out += "documents: " + std::to_string(summary.documents) + " from " +
         std::to_string(summary.files) +
         (summary.files == 1 ? " file" : " files") + " (train " +
         std::to_string(summary.train.documents) + ", val " +
         std::to_string(summary.val.documents) + ")\n";
  out +=
      "tokenizer: " +
      std::string(summary.trainedTokenizer ? "trained " + options.modelType
                                           : "from " + options.tokenizerPath) +
      ", vocab " + std::to_string(summary.vocabSize) + "\n";
  out += "train: " + std::to_string(summary.train.tokens) + " tokens\n";
  out += "val: " + std::to_string(summary.val.tokens) + " tokens\n";
  out += "wrote " + options.outDir +
         "/{tokenizer.model, train.bin, val.bin, token_counts.json, "
         "data.json}\n";
  writeStdout(out);
  return 0;
}

int runShuffleWords(const std::vector<std::string> &argv) {
  const std::string command = "shuffle-words";
  ParsedArgs args(argv,
                  {{"--input", nullptr, true, true},
                   {"--format", nullptr, true, false},
                   {"--seed", nullptr, true, false},
                   {"--output", "-o", true, false}},
                  command, /*allowPositional=*/false);
  if (args.help) {
    writeStdout(kShuffleUsage);
    return 0;
  }
  std::vector<std::string> inputs = args.all("--input");
  if (inputs.empty())
    throw DataError("shuffle-words needs at least one --input (see "
                    "'cherry-data shuffle-words --help')");
  CorpusFormat format = formatOption(args);
  uint64_t seed = 0;
  if (auto text = args.get("--seed"))
    seed = parseUnsigned("--seed", *text, 0, UINT64_MAX);
  std::string output = args.get("--output").value_or("-");
  if (output.empty())
    throw DataError("--output is empty");

  Corpus corpus = readCorpus(inputs, format, &std::cerr);
  shuffleWords(corpus.documents, seed);
  std::string text = joinDocuments(corpus.documents, format);
  if (output == "-") {
    writeStdout(text);
    return 0;
  }
  try {
    writeFileAtomically(output, text);
  } catch (const DataError &error) {
    throw DataError(std::string("--output ") + error.what());
  }
  return 0;
}

std::string escapePiece(const std::string &piece) {
  std::string out;
  for (char c : piece) {
    unsigned char byte = c;
    if (c == '\\') {
      out += "\\\\";
    } else if (byte < 0x20 || byte == 0x7F) {
      char buffer[8];
      std::snprintf(buffer, sizeof(buffer), "\\x%02X", byte);
      out += buffer;
    } else {
      out += c;
    }
  }
  return out;
}

int runDecode(const std::vector<std::string> &argv) {
  const std::string command = "decode";
  ParsedArgs args(argv,
                  {{"--tokenizer", nullptr, true, false},
                   {"--offset", nullptr, true, false},
                   {"--count", nullptr, true, false},
                   {"--format", nullptr, true, false},
                   {"--pieces", nullptr, false, false}},
                  command, /*allowPositional=*/true);
  if (args.help) {
    writeStdout(kDecodeUsage);
    return 0;
  }
  std::string tokenizerPath = args.required("--tokenizer", command);
  if (args.positional.size() != 1)
    throw DataError("decode needs exactly one token file, got " +
                    std::to_string(args.positional.size()) +
                    " (see 'cherry-data decode --help')");
  const std::string &binPath = args.positional[0];
  CorpusFormat format = formatOption(args);
  uint64_t offset = 0;
  if (auto text = args.get("--offset"))
    offset = parseUnsigned("--offset", *text, 0, UINT64_MAX);
  std::optional<uint64_t> count;
  if (auto text = args.get("--count"))
    count = parseUnsigned("--count", *text, 0, UINT64_MAX);

  Tokenizer tokenizer;
  loadTokenizer(tokenizer, tokenizerPath, "--tokenizer " + tokenizerPath);
  std::vector<uint16_t> tokens = readTokenFile(binPath);
  if (offset > tokens.size())
    throw DataError("--offset " + std::to_string(offset) +
                    " is past the end of " + binPath + " (" +
                    std::to_string(tokens.size()) + " tokens)");
  uint64_t available = tokens.size() - offset;
  if (count && *count > available)
    throw DataError("--count " + std::to_string(*count) +
                    " goes past the end of " + binPath + " (" +
                    std::to_string(available) + " tokens from offset " +
                    std::to_string(offset) + ")");
  uint64_t n = count.value_or(available);
  const uint16_t *ids = tokens.data() + offset;
  size_t vocab = tokenizer.pieceSize();
  for (uint64_t i = 0; i < n; ++i)
    if (ids[i] >= vocab)
      throw DataError(binPath + ": token " + std::to_string(ids[i]) +
                      " at position " + std::to_string(offset + i) +
                      " is not below the tokenizer's vocab size " +
                      std::to_string(vocab));

  std::string out;
  if (args.has("--pieces")) {
    for (uint64_t i = 0; i < n; ++i)
      out += std::to_string(offset + i) + "\t" + std::to_string(ids[i]) + "\t" +
             escapePiece(tokenizer.piece(ids[i])) + "\n";
  } else {
    out = decodeTokens(tokenizer, ids, n, documentSeparator(format));
    // A range that stops inside a document still ends its last line.
    if (n > 0 && ids[n - 1] != tokenizer.eosId() && !out.empty() &&
        out.back() != '\n')
      out += '\n';
  }
  writeStdout(out);
  return 0;
}

const char *const kMaskUsage =
    R"(usage: cherry-data mask --data FILE.bin --ratio R --out FILE.mask
                        [--rule rare|random] [--counts token_counts.json]
                        [--seed S]

Writes one byte per token of FILE.bin, 1 where the token (as a target) is to
be supervised by the mask policy of selective training (cherry-run train
--sgt-mask), 0 elsewhere; about a fraction R of the tokens are marked.

  --rule rare     the rarest token types of the corpus, by their counts in
                  --counts, taken whole until they cover R of the tokens: a
                  content-word mask (default)
  --rule random   every token independently with probability R, seeded by
                  --seed (default 0)
)";

int runMask(const std::vector<std::string> &argv) {
  const std::string command = "mask";
  ParsedArgs args(argv,
                  {{"--data", nullptr, true, false},
                   {"--ratio", nullptr, true, false},
                   {"--out", nullptr, true, false},
                   {"--rule", nullptr, true, false},
                   {"--counts", nullptr, true, false},
                   {"--seed", nullptr, true, false}},
                  command, /*allowPositional=*/false);
  if (args.help) {
    writeStdout(kMaskUsage);
    return 0;
  }
  const std::string dataPath = args.required("--data", command);
  const std::string outPath = args.required("--out", command);
  const std::string ratioText = args.required("--ratio", command);
  double ratio = parseFraction("--ratio", ratioText);
  if (!(ratio > 0))
    throw DataError("--ratio " + ratioText +
                    " is out of range: expected 0 < R < 1");
  const std::string rule = args.get("--rule").value_or("rare");
  if (rule != "rare" && rule != "random")
    throw DataError("--rule " + rule + ": expected 'rare' or 'random'");
  if (rule == "random" && args.has("--counts"))
    throw DataError("--counts applies to --rule rare only");
  if (rule == "rare" && args.has("--seed"))
    throw DataError("--seed applies to --rule random only (--rule rare "
                    "draws nothing)");
  uint64_t seed = 0;
  if (auto text = args.get("--seed"))
    seed = parseUnsigned("--seed", *text, 0, UINT64_MAX);

  std::vector<uint16_t> tokens = readTokenFile(dataPath);
  std::string mask(tokens.size(), '\0');
  if (rule == "random") {
    std::mt19937_64 rng(seed);
    for (size_t i = 0; i < tokens.size(); ++i)
      mask[i] = (rng() >> 11) * 0x1.0p-53 < ratio ? 1 : 0;
  } else {
    auto countsPath = args.get("--counts");
    if (!countsPath)
      throw DataError("--rule rare needs --counts DIR/token_counts.json "
                      "(written by cherry-data prepare)");
    std::vector<uint64_t> counts = readTokenCounts(*countsPath);
    // Token types from the rarest corpus-wide, ties to the lower id, taken
    // whole while they cover at most R of this file's tokens.
    std::vector<uint64_t> inFile(counts.size(), 0);
    for (size_t i = 0; i < tokens.size(); ++i) {
      if (tokens[i] >= counts.size())
        throw DataError(dataPath + ": token " + std::to_string(tokens[i]) +
                        " at position " + std::to_string(i) +
                        " is outside the " + std::to_string(counts.size()) +
                        " tokens of " + *countsPath);
      ++inFile[tokens[i]];
    }
    std::vector<size_t> order(counts.size());
    for (size_t t = 0; t < order.size(); ++t)
      order[t] = t;
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return counts[a] < counts[b]; });
    std::vector<char> marked(counts.size(), 0);
    const double budget = ratio * static_cast<double>(tokens.size());
    double covered = 0;
    for (size_t t : order) {
      if (covered + inFile[t] > budget)
        break;
      covered += inFile[t];
      marked[t] = 1;
    }
    for (size_t i = 0; i < tokens.size(); ++i)
      mask[i] = marked[tokens[i]];
  }
  writeFileAtomically(outPath, mask);
  size_t ones = 0;
  for (char c : mask)
    ones += c;
  std::cerr << "cherry-data: marked " << ones << " of " << tokens.size()
            << " tokens ("
            << (tokens.empty() ? 0.0 : 100.0 * ones / tokens.size()) << "%) in "
            << outPath << "\n";
  return 0;
}

int run(int argc, char **argv, const char *version) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty())
    throw DataError(
        "missing command: prepare, shuffle-words, decode or mask (see "
        "'cherry-data --help')");
  std::string command = args[0];
  std::vector<std::string> rest(args.begin() + 1, args.end());
  if (command == "-h" || command == "--help" || command == "help") {
    writeStdout(kMainUsage);
    return 0;
  }
  if (command == "--version") {
    writeStdout(std::string("cherry-data version ") + version + "\n");
    return 0;
  }
  if (command == "prepare")
    return runPrepare(rest, version);
  if (command == "shuffle-words")
    return runShuffleWords(rest);
  if (command == "decode")
    return runDecode(rest);
  if (command == "mask")
    return runMask(rest);
  if (!command.empty() && command[0] == '-')
    throw DataError("unknown option '" + command +
                    "' (see 'cherry-data --help')");
  throw DataError("unknown command '" + command +
                  "': expected prepare, shuffle-words, decode or mask");
}

} // namespace

} // namespace cherry::data

int main(int argc, char **argv) {
  using namespace cherry;
  return tools::reportErrors<data::DataError>("cherry-data", [&] {
    return data::run(argc, argv, CHERRY_VERSION_STRING);
  });
}
