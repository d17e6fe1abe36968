//===- SafeTensors.cpp - Read and write safetensors files -----------------===//
//
// Reading maps each file read-only and checks the whole header before a view
// is handed out; writing goes through the runtime's atomic file replacement.
// Every error is one line: "<file>: tensor '<name>': <what>" when a tensor is
// at fault, else "<file>: <what>". Nothing throws out of this file.
//
//===----------------------------------------------------------------------===//

#include "cherry/Runtime/SafeTensors.h"

#include "AtomicFile.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <exception>
#include <fcntl.h>
#include <limits>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <unordered_set>
#include <utility>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "safetensors data is little-endian; this reader assumes a matching host"
#endif

namespace cherry::runtime {

using json = nlohmann::json;

namespace {

/// Headers larger than this are refused before any parsing: the format's own
/// reference implementation uses the same bound against hostile files.
constexpr uint64_t kMaxHeaderBytes = 100ull << 20;

constexpr const char *kMetadataKey = "__metadata__";

//===----------------------------------------------------------------------===//
// Messages
//===----------------------------------------------------------------------===//

/// Length of the well-formed UTF-8 sequence at `p`, or 0 if it is not one.
size_t utf8SequenceLength(const unsigned char *p, size_t left) {
  size_t n = p[0] < 0x80           ? 1
             : (p[0] >> 5) == 0x6  ? 2
             : (p[0] >> 4) == 0xe  ? 3
             : (p[0] >> 3) == 0x1e ? 4
                                   : 0;
  if (n == 0 || n > left)
    return 0;
  for (size_t i = 1; i < n; ++i)
    if ((p[i] & 0xc0) != 0x80)
      return 0;
  return n;
}

/// Errors must stay on one printable line even when a file or tensor name
/// holds control characters (JSON strings may contain "\n") or bytes that are
/// not UTF-8 (names handed to the writer, nlohmann's "last read" excerpt).
std::string oneLine(const std::string &text) {
  static const char *hex = "0123456789abcdef";
  auto bytes = reinterpret_cast<const unsigned char *>(text.data());
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    unsigned char c = bytes[i];
    size_t n = utf8SequenceLength(bytes + i, text.size() - i);
    if (c < 0x20 || c == 0x7f || n == 0) {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 0xf];
      ++i;
    } else {
      out.append(text, i, n);
      i += n;
    }
  }
  return out;
}

Status fileError(const std::string &path, const std::string &what) {
  return Status::error(oneLine(path + ": " + what));
}

Status tensorError(const std::string &path, const std::string &name,
                   const std::string &what) {
  return Status::error(oneLine(path + ": tensor '" + name + "': " + what));
}

std::string shapeText(const std::vector<int64_t> &shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

std::string rangeText(uint64_t begin, uint64_t end) {
  return "[" + std::to_string(begin) + ", " + std::to_string(end) + "]";
}

/// At most `limit` bytes of `text`, so a hostile header cannot produce a
/// megabyte-long message.
std::string clipped(const std::string &text, size_t limit = 64) {
  if (text.size() <= limit)
    return text;
  return text.substr(0, limit) + "...";
}

/// Names the JSON value for a message without dumping a large subtree.
std::string jsonText(const json &value) {
  if (value.is_primitive())
    return clipped(value.dump());
  return std::string("an ") + value.type_name();
}

/// nlohmann's what() starts with "[json.exception.parse_error.101] ".
std::string withoutJsonPrefix(const char *what) {
  std::string s = what;
  if (!s.empty() && s[0] == '[') {
    size_t close = s.find("] ");
    if (close != std::string::npos)
      return s.substr(close + 2);
  }
  return s;
}

//===----------------------------------------------------------------------===//
// Sizes
//===----------------------------------------------------------------------===//

/// Product of the dimensions times `elementSize`, false on overflow. Any zero
/// dimension makes the product zero whatever the others are.
bool byteSize(const std::vector<int64_t> &shape, size_t elementSize,
              uint64_t &bytes) {
  for (int64_t d : shape)
    if (d == 0) {
      bytes = 0;
      return true;
    }
  uint64_t n = elementSize;
  for (int64_t d : shape)
    if (d < 0 || __builtin_mul_overflow(n, static_cast<uint64_t>(d), &n))
      return false;
  bytes = n;
  return true;
}

uint64_t readLittleEndian64(const std::byte *p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i)
    v = (v << 8) | std::to_integer<uint64_t>(p[i]);
  return v;
}

uint16_t readLittleEndian16(const std::byte *p) {
  return static_cast<uint16_t>(std::to_integer<uint16_t>(p[0]) |
                               (std::to_integer<uint16_t>(p[1]) << 8));
}

float floatFromBits(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

/// IEEE binary16 to binary32; exact for every input (subnormals become
/// normal floats, infinities and NaN payloads are kept).
float halfToFloat(uint16_t h) {
  uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  uint32_t exponent = (h >> 10) & 0x1fu;
  uint32_t mantissa = h & 0x3ffu;
  if (exponent == 0x1f)
    return floatFromBits(sign | 0x7f800000u | (mantissa << 13));
  if (exponent != 0)
    return floatFromBits(sign | ((exponent + 127 - 15) << 23) |
                         (mantissa << 13));
  if (mantissa == 0)
    return floatFromBits(sign);
  // Subnormal: mantissa * 2^-24. Shift the leading one up to the implicit
  // bit; every shift lowers the exponent by one from 2^-14.
  int shifts = 0;
  while ((mantissa & 0x400u) == 0) {
    mantissa <<= 1;
    ++shifts;
  }
  uint32_t floatExponent = static_cast<uint32_t>(127 - 14 - shifts);
  return floatFromBits(sign | (floatExponent << 23) |
                       ((mantissa & 0x3ffu) << 13));
}

//===----------------------------------------------------------------------===//
// Files
//===----------------------------------------------------------------------===//

/// A whole file mapped read-only; unmapped on destruction. An empty file has
/// no mapping and a null data pointer.
class MappedFile {
public:
  MappedFile() = default;
  MappedFile(const MappedFile &) = delete;
  MappedFile &operator=(const MappedFile &) = delete;
  ~MappedFile() {
    if (addr_)
      ::munmap(addr_, size_);
  }

  /// Maps `path`; on failure returns what went wrong (without the path).
  std::string map(const std::string &path) {
    // O_NONBLOCK: a FIFO given by mistake must not hang the open.
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
      openErrno_ = errno;
      return std::string("cannot open: ") + std::strerror(openErrno_);
    }
    struct stat st;
    if (::fstat(fd, &st) != 0) {
      int err = errno;
      ::close(fd);
      return std::string("cannot stat: ") + std::strerror(err);
    }
    if (!S_ISREG(st.st_mode)) {
      ::close(fd);
      return S_ISDIR(st.st_mode) ? "is a directory, not a file"
                                 : "is not a regular file";
    }
    size_ = static_cast<size_t>(st.st_size);
    if (size_ > 0) {
      void *addr = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
      if (addr == MAP_FAILED) {
        int err = errno;
        ::close(fd);
        size_ = 0;
        return std::string("cannot map: ") + std::strerror(err);
      }
      addr_ = addr;
    }
    ::close(fd);
    return {};
  }

  const std::byte *data() const { return static_cast<std::byte *>(addr_); }
  size_t size() const { return size_; }
  /// errno of a failed open(), else 0.
  int openErrno() const { return openErrno_; }

private:
  int openErrno_ = 0;
  void *addr_ = nullptr;
  size_t size_ = 0;
};

/// The tensors of a file or of all shards of an index, before they move into
/// a SafeTensors.
struct Loaded {
  std::vector<std::unique_ptr<MappedFile>> files;
  std::vector<TensorView> tensors;
  std::map<std::string, std::string> metadata;
};

//===----------------------------------------------------------------------===//
// JSON with duplicate-key detection
//===----------------------------------------------------------------------===//

/// The first key that appeared twice in one object. nlohmann keeps only the
/// last value of a duplicated key, so this is caught while parsing.
struct DuplicateKey {
  bool found = false;
  int depth = 0;   // 1: a key of the top-level object
  std::string top; // the top-level key it is under (depth > 1)
  std::string key;
};

/// Parses [begin, end) into `out`; on a syntax error returns false and sets
/// `error` to nlohmann's message without its prefix.
bool parseJson(const char *begin, const char *end, json &out, DuplicateKey &dup,
               std::string &error) {
  std::vector<std::unordered_set<std::string>> keysPerObject;
  std::string currentTop;
  json::parser_callback_t callback = [&](int depth, json::parse_event_t event,
                                         json &parsed) {
    switch (event) {
    case json::parse_event_t::object_start:
      keysPerObject.emplace_back();
      break;
    case json::parse_event_t::object_end:
      keysPerObject.pop_back();
      break;
    case json::parse_event_t::key: {
      const auto &key = parsed.get_ref<const std::string &>();
      if (depth == 1)
        currentTop = key;
      if (!keysPerObject.back().insert(key).second && !dup.found)
        dup = {true, depth, currentTop, key};
      break;
    }
    default:
      break;
    }
    return true;
  };
  if (!begin)
    begin = end = ""; // an empty file has no mapping
  // nlohmann stops at a NUL byte as if the input ended there, which would
  // accept arbitrary bytes after it.
  if (const void *nul = std::memchr(begin, '\0', end - begin)) {
    error = "NUL byte at offset " +
            std::to_string(static_cast<const char *>(nul) - begin);
    return false;
  }
  try {
    out = json::parse(begin, end, callback);
  } catch (const json::exception &e) {
    error = withoutJsonPrefix(e.what());
    return false;
  }
  return true;
}

//===----------------------------------------------------------------------===//
// One safetensors file
//===----------------------------------------------------------------------===//

bool isNonNegativeInteger(const json &v) { return v.is_number_unsigned(); }

Status parseMetadata(const std::string &path, const json &value,
                     std::map<std::string, std::string> &metadata) {
  if (!value.is_object())
    return fileError(path, std::string(kMetadataKey) +
                               " must be an object of strings, found " +
                               jsonText(value));
  for (auto it = value.begin(); it != value.end(); ++it) {
    if (!it.value().is_string())
      return fileError(path, std::string(kMetadataKey) + " value of '" +
                                 it.key() + "' must be a string, found " +
                                 jsonText(it.value()));
    metadata[it.key()] = it.value().get<std::string>();
  }
  return Status::success();
}

/// A tensor entry as the header describes it, offsets still relative to the
/// data section.
struct Entry {
  TensorView view;
  uint64_t begin = 0;
  uint64_t end = 0;
};

Status parseEntry(const std::string &path, const std::string &name,
                  const json &value, uint64_t dataSize, Entry &entry) {
  if (name.empty())
    return fileError(path, "a tensor has an empty name");
  if (!value.is_object())
    return tensorError(path, name,
                       "entry must be an object with dtype, shape and "
                       "data_offsets, found " +
                           jsonText(value));
  for (auto it = value.begin(); it != value.end(); ++it)
    if (it.key() != "dtype" && it.key() != "shape" &&
        it.key() != "data_offsets")
      return tensorError(path, name,
                         "unexpected field '" + it.key() +
                             "' (expected dtype, shape, data_offsets)");
  for (const char *field : {"dtype", "shape", "data_offsets"})
    if (!value.contains(field))
      return tensorError(path, name,
                         std::string("missing field '") + field + "'");

  const json &dtype = value["dtype"];
  if (!dtype.is_string())
    return tensorError(path, name,
                       "dtype must be a string, found " + jsonText(dtype));
  if (!parseTensorDType(dtype.get<std::string>(), entry.view.dtype))
    return tensorError(path, name,
                       "unsupported dtype '" +
                           clipped(dtype.get<std::string>()) +
                           "' (supported: F32, BF16, F16)");

  const json &shape = value["shape"];
  if (!shape.is_array())
    return tensorError(path, name,
                       "shape must be an array, found " + jsonText(shape));
  for (size_t i = 0; i < shape.size(); ++i) {
    const json &d = shape[i];
    if (d.is_number_integer() && !d.is_number_unsigned())
      return tensorError(path, name,
                         "negative dimension " + d.dump() + " at index " +
                             std::to_string(i) + " of shape");
    if (!isNonNegativeInteger(d))
      return tensorError(path, name,
                         "shape element " + std::to_string(i) +
                             " must be a non-negative integer, found " +
                             jsonText(d));
    uint64_t dim = d.get<uint64_t>();
    if (dim > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
      return tensorError(path, name,
                         "dimension " + std::to_string(dim) + " at index " +
                             std::to_string(i) + " of shape is too large");
    entry.view.shape.push_back(static_cast<int64_t>(dim));
  }

  const json &offsets = value["data_offsets"];
  if (!offsets.is_array() || offsets.size() != 2 ||
      !isNonNegativeInteger(offsets[0]) || !isNonNegativeInteger(offsets[1]))
    return tensorError(
        path, name,
        "data_offsets must be [begin, end] with non-negative "
        "integers, found " +
            (offsets.is_array() ? clipped(offsets.dump()) : jsonText(offsets)));
  entry.begin = offsets[0].get<uint64_t>();
  entry.end = offsets[1].get<uint64_t>();
  if (entry.begin > entry.end)
    return tensorError(path, name,
                       "data_offsets " + rangeText(entry.begin, entry.end) +
                           " end before they begin");

  size_t elementSize = tensorDTypeSize(entry.view.dtype);
  uint64_t needed;
  if (!byteSize(entry.view.shape, elementSize, needed))
    return tensorError(path, name,
                       "shape " + shapeText(entry.view.shape) +
                           " is too large (byte size overflows)");
  if (entry.end - entry.begin != needed)
    return tensorError(path, name,
                       "data_offsets " + rangeText(entry.begin, entry.end) +
                           " hold " + std::to_string(entry.end - entry.begin) +
                           " bytes but shape " + shapeText(entry.view.shape) +
                           " of " + tensorDTypeName(entry.view.dtype) +
                           " needs " + std::to_string(needed));
  if (entry.end > dataSize)
    return tensorError(path, name,
                       "data_offsets " + rangeText(entry.begin, entry.end) +
                           " exceed the data section of " +
                           std::to_string(dataSize) + " bytes");
  entry.view.name = name;
  entry.view.nbytes = static_cast<size_t>(needed);
  entry.view.file = path;
  return Status::success();
}

/// The spec requires the tensors to tile the data section exactly: sorted by
/// offset, each starts where the previous one ends and the last one ends at
/// the end of the file.
Status checkCoverage(const std::string &path, std::vector<Entry> &entries,
                     uint64_t dataSize) {
  std::sort(entries.begin(), entries.end(), [](const Entry &a, const Entry &b) {
    return std::tie(a.begin, a.end, a.view.name) <
           std::tie(b.begin, b.end, b.view.name);
  });
  uint64_t covered = 0;
  const Entry *previous = nullptr;
  for (const Entry &e : entries) {
    if (e.begin < covered)
      return tensorError(path, e.view.name,
                         "data_offsets " + rangeText(e.begin, e.end) +
                             " overlap tensor '" + previous->view.name +
                             "' at " +
                             rangeText(previous->begin, previous->end));
    if (e.begin > covered)
      return tensorError(
          path, e.view.name,
          "data_offsets " + rangeText(e.begin, e.end) + " leave a hole of " +
              std::to_string(e.begin - covered) +
              " bytes before them (at offset " + std::to_string(covered) + ")");
    covered = e.end;
    previous = &e;
  }
  if (covered != dataSize)
    return fileError(path, std::to_string(dataSize - covered) +
                               " trailing bytes after the last tensor (the "
                               "data section has " +
                               std::to_string(dataSize) +
                               " bytes, tensors cover " +
                               std::to_string(covered) + ")");
  return Status::success();
}

/// Validates the header of the mapped `file` and appends its tensors, in name
/// order, to `tensors`.
Status parseSafeTensors(const std::string &path, const MappedFile &file,
                        std::vector<TensorView> &tensors,
                        std::map<std::string, std::string> &metadata) {
  uint64_t fileSize = file.size();
  if (fileSize < 8)
    return fileError(path, "file is " + std::to_string(fileSize) +
                               " bytes, too short for the 8-byte header "
                               "length");
  uint64_t headerSize = readLittleEndian64(file.data());
  if (headerSize == 0)
    return fileError(path, "header length is 0");
  if (headerSize > kMaxHeaderBytes)
    return fileError(path, "header length " + std::to_string(headerSize) +
                               " exceeds the limit of " +
                               std::to_string(kMaxHeaderBytes) +
                               " bytes (100 MiB)");
  if (headerSize > fileSize - 8)
    return fileError(path, "header length " + std::to_string(headerSize) +
                               " exceeds file size " +
                               std::to_string(fileSize));
  const char *headerBegin = reinterpret_cast<const char *>(file.data() + 8);
  json header;
  DuplicateKey dup;
  std::string parseError;
  if (!parseJson(headerBegin, headerBegin + headerSize, header, dup,
                 parseError))
    return fileError(path, "header is not valid JSON: " + parseError);
  if (!header.is_object())
    return fileError(path,
                     "header must be a JSON object, found " + jsonText(header));
  if (dup.found) {
    if (dup.depth == 1 && dup.key == kMetadataKey)
      return fileError(path, std::string(kMetadataKey) + " appears twice");
    if (dup.depth == 1)
      return tensorError(path, dup.key, "defined twice in the header");
    if (dup.top == kMetadataKey)
      return fileError(path, std::string(kMetadataKey) + " has key '" +
                                 dup.key + "' twice");
    return tensorError(path, dup.top, "field '" + dup.key + "' appears twice");
  }

  uint64_t dataStart = 8 + headerSize;
  uint64_t dataSize = fileSize - dataStart;
  std::vector<Entry> entries;
  for (auto it = header.begin(); it != header.end(); ++it) {
    if (it.key() == kMetadataKey) {
      if (Status s = parseMetadata(path, it.value(), metadata); !s.ok())
        return s;
      continue;
    }
    Entry entry;
    if (Status s = parseEntry(path, it.key(), it.value(), dataSize, entry);
        !s.ok())
      return s;
    entries.push_back(std::move(entry));
  }
  if (Status s = checkCoverage(path, entries, dataSize); !s.ok())
    return s;
  // checkCoverage left the entries in offset order; hand them out by name.
  std::sort(entries.begin(), entries.end(), [](const Entry &a, const Entry &b) {
    return a.view.name < b.view.name;
  });
  for (Entry &e : entries) {
    e.view.data = file.data() ? file.data() + dataStart + e.begin : nullptr;
    tensors.push_back(std::move(e.view));
  }
  return Status::success();
}

Status loadFile(const std::string &path, Loaded &out) {
  auto file = std::make_unique<MappedFile>();
  if (std::string err = file->map(path); !err.empty())
    return fileError(path, err);
  if (Status s = parseSafeTensors(path, *file, out.tensors, out.metadata);
      !s.ok())
    return s;
  out.files.push_back(std::move(file));
  return Status::success();
}

//===----------------------------------------------------------------------===//
// Sharded checkpoints
//===----------------------------------------------------------------------===//

std::string directoryOf(const std::string &path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos)
    return "";
  return path.substr(0, slash + 1);
}

bool endsWith(const std::string &s, const std::string &suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

/// One shard named by the index and what it holds.
struct Shard {
  std::string name; // as written in weight_map
  std::string path; // resolved against the index's directory
  std::string firstTensor;
  std::vector<TensorView> tensors;
  std::map<std::string, std::string> metadata;
};

Status loadIndex(const std::string &path, Loaded &out) {
  MappedFile indexFile;
  if (std::string err = indexFile.map(path); !err.empty())
    return fileError(path, err);
  const char *begin = reinterpret_cast<const char *>(indexFile.data());
  json index;
  DuplicateKey dup;
  std::string parseError;
  if (!parseJson(begin, begin + indexFile.size(), index, dup, parseError))
    return fileError(path, "index is not valid JSON: " + parseError);
  if (!index.is_object())
    return fileError(path,
                     "index must be a JSON object, found " + jsonText(index));
  if (dup.found) {
    if (dup.depth == 2 && dup.top == "weight_map")
      return tensorError(path, dup.key, "listed twice in weight_map");
    return fileError(
        path, "key '" + dup.key + "' appears twice" +
                  (dup.depth > 1 ? " in '" + dup.top + "'" : std::string()));
  }
  for (auto it = index.begin(); it != index.end(); ++it)
    if (it.key() != "weight_map" && it.key() != "metadata")
      return fileError(path, "unexpected key '" + it.key() +
                                 "' (an index has \"weight_map\" and an "
                                 "optional \"metadata\")");
  if (index.contains("metadata") && !index["metadata"].is_object())
    return fileError(path, "\"metadata\" must be an object, found " +
                               jsonText(index["metadata"]));
  if (!index.contains("weight_map"))
    return fileError(path, "index has no \"weight_map\"");
  const json &weightMap = index["weight_map"];
  if (!weightMap.is_object())
    return fileError(path, "\"weight_map\" must be an object, found " +
                               jsonText(weightMap));

  // Each distinct shard once, in file-name order; weight_map iterates in
  // tensor-name order, so firstTensor is the first name mapped to the shard.
  std::map<std::string, Shard> shards;
  std::string dir = directoryOf(path);
  for (auto it = weightMap.begin(); it != weightMap.end(); ++it) {
    const json &shardName = it.value();
    if (it.key().empty())
      return fileError(path, "weight_map has an empty tensor name");
    if (!shardName.is_string() || shardName.get<std::string>().empty())
      return tensorError(path, it.key(),
                         "shard file must be a non-empty string, found " +
                             jsonText(shardName));
    const std::string &name = shardName.get_ref<const std::string &>();
    if (name[0] == '/')
      return tensorError(path, it.key(),
                         "shard '" + name +
                             "' must be relative to the index's directory");
    auto [shard, inserted] = shards.try_emplace(name);
    if (inserted) {
      shard->second.name = name;
      shard->second.path = dir + name;
      shard->second.firstTensor = it.key();
    }
  }

  for (auto &[name, shard] : shards) {
    auto file = std::make_unique<MappedFile>();
    if (std::string err = file->map(shard.path); !err.empty())
      return tensorError(
          path, shard.firstTensor,
          "its shard " + shard.path + " " +
              (file->openErrno() == ENOENT ? "does not exist" : err));
    if (Status s =
            parseSafeTensors(shard.path, *file, shard.tensors, shard.metadata);
        !s.ok())
      return s;
    out.files.push_back(std::move(file));
  }

  // Every tensor in exactly one shard, and in the one the index names.
  std::map<std::string, const Shard *> owner;
  for (const auto &[name, shard] : shards)
    for (const TensorView &t : shard.tensors) {
      auto [it, inserted] = owner.emplace(t.name, &shard);
      if (!inserted)
        return tensorError(path, t.name,
                           "present in two shards, " + it->second->path +
                               " and " + shard.path);
    }
  for (const auto &[name, shard] : shards)
    for (const TensorView &t : shard.tensors) {
      auto listed = weightMap.find(t.name);
      if (listed == weightMap.end())
        return tensorError(shard.path, t.name,
                           "present in the shard but not listed in " + path);
      if (listed->get_ref<const std::string &>() != name)
        return tensorError(shard.path, t.name,
                           "present in the shard but " + path +
                               " maps it to shard '" +
                               listed->get_ref<const std::string &>() + "'");
    }
  for (auto it = weightMap.begin(); it != weightMap.end(); ++it)
    if (!owner.count(it.key())) {
      const Shard &shard = shards.at(it.value().get<std::string>());
      return tensorError(path, it.key(),
                         "listed for shard '" + shard.name + "' but " +
                             shard.path + " does not contain it");
    }

  for (auto &[name, shard] : shards)
    for (TensorView &t : shard.tensors)
      out.tensors.push_back(std::move(t));
  std::sort(
      out.tensors.begin(), out.tensors.end(),
      [](const TensorView &a, const TensorView &b) { return a.name < b.name; });
  if (!shards.empty())
    out.metadata = std::move(shards.begin()->second.metadata);
  return Status::success();
}

/// Catches what the standard library or nlohmann may still throw (e.g.
/// std::bad_alloc for a huge header), so no exception leaves the API.
template <typename Fn> Status guarded(const std::string &path, Fn &&fn) {
  try {
    return fn();
  } catch (const std::exception &e) {
    return fileError(path, withoutJsonPrefix(e.what()));
  } catch (...) {
    return fileError(path, "unexpected error");
  }
}

} // namespace

//===----------------------------------------------------------------------===//
// DTypes and views
//===----------------------------------------------------------------------===//

const char *tensorDTypeName(TensorDType dtype) {
  switch (dtype) {
  case TensorDType::F32:
    return "F32";
  case TensorDType::BF16:
    return "BF16";
  case TensorDType::F16:
    return "F16";
  }
  return "?";
}

size_t tensorDTypeSize(TensorDType dtype) {
  switch (dtype) {
  case TensorDType::F32:
    return 4;
  case TensorDType::BF16:
  case TensorDType::F16:
    return 2;
  }
  return 0;
}

bool parseTensorDType(const std::string &name, TensorDType &dtype) {
  for (TensorDType d : {TensorDType::F32, TensorDType::BF16, TensorDType::F16})
    if (name == tensorDTypeName(d)) {
      dtype = d;
      return true;
    }
  return false;
}

int64_t TensorView::numElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

void TensorView::toFloat32(float *out) const {
  size_t elementSize = tensorDTypeSize(dtype);
  if (elementSize == 0 || !data)
    return;
  // Never read past the view, whatever the shape says.
  size_t n = nbytes / elementSize;
  int64_t elements = numElements();
  if (elements >= 0 && static_cast<uint64_t>(elements) < n)
    n = static_cast<size_t>(elements);
  // The data may sit at any byte offset (padding the header is optional for
  // other writers), so every load goes through bytes.
  switch (dtype) {
  case TensorDType::F32:
    std::memcpy(out, data, n * sizeof(float));
    break;
  case TensorDType::BF16:
    for (size_t i = 0; i < n; ++i)
      out[i] = floatFromBits(
          static_cast<uint32_t>(readLittleEndian16(data + 2 * i)) << 16);
    break;
  case TensorDType::F16:
    for (size_t i = 0; i < n; ++i)
      out[i] = halfToFloat(readLittleEndian16(data + 2 * i));
    break;
  }
}

//===----------------------------------------------------------------------===//
// SafeTensors
//===----------------------------------------------------------------------===//

struct SafeTensors::Mapping {
  std::unique_ptr<MappedFile> file;
};

SafeTensors::SafeTensors() = default;
SafeTensors::~SafeTensors() = default;
SafeTensors::SafeTensors(SafeTensors &&) noexcept = default;
SafeTensors &SafeTensors::operator=(SafeTensors &&) noexcept = default;

Status SafeTensors::open(const std::string &path, SafeTensors &out) {
  return guarded(path, [&]() -> Status {
    Loaded loaded;
    Status s = endsWith(path, ".json") ? loadIndex(path, loaded)
                                       : loadFile(path, loaded);
    if (!s.ok())
      return s;
    SafeTensors result;
    for (auto &file : loaded.files)
      result.mappings_.push_back(
          std::make_unique<Mapping>(Mapping{std::move(file)}));
    result.tensors_ = std::move(loaded.tensors);
    result.metadata_ = std::move(loaded.metadata);
    out = std::move(result);
    return Status::success();
  });
}

Status SafeTensors::openModelDir(const std::string &dir, SafeTensors &out,
                                 bool &found) {
  found = false;
  return guarded(dir, [&]() -> Status {
    struct stat st;
    if (::stat(dir.c_str(), &st) != 0)
      return fileError(dir, std::string("cannot open model directory: ") +
                                std::strerror(errno));
    if (!S_ISDIR(st.st_mode))
      return fileError(dir, "is not a directory");
    std::string prefix = endsWith(dir, "/") ? dir : dir + "/";
    for (const char *name :
         {"model.safetensors", "model.safetensors.index.json"}) {
      std::string candidate = prefix + name;
      // lstat: a dangling symlink counts as present, so its error is
      // reported instead of silently falling back to the other file.
      if (::lstat(candidate.c_str(), &st) == 0) {
        found = true;
        return open(candidate, out);
      }
      if (errno != ENOENT)
        return fileError(candidate,
                         std::string("cannot stat: ") + std::strerror(errno));
    }
    return Status::success();
  });
}

const TensorView *SafeTensors::find(const std::string &name) const {
  auto it = std::lower_bound(
      tensors_.begin(), tensors_.end(), name,
      [](const TensorView &t, const std::string &n) { return t.name < n; });
  if (it == tensors_.end() || it->name != name)
    return nullptr;
  return &*it;
}

//===----------------------------------------------------------------------===//
// Writing
//===----------------------------------------------------------------------===//

namespace {

/// JSON string literal for `text`; throws json::type_error on invalid UTF-8.
std::string jsonString(const std::string &text) { return json(text).dump(); }

Status buildHeader(const std::string &path,
                   const std::vector<const TensorToWrite *> &tensors,
                   const std::vector<uint64_t> &sizes,
                   const std::map<std::string, std::string> &metadata,
                   std::string &header) {
  header = "{";
  if (!metadata.empty()) {
    header += std::string("\"") + kMetadataKey + "\":{";
    bool first = true;
    for (const auto &[key, value] : metadata) {
      try {
        header +=
            (first ? "" : ",") + jsonString(key) + ":" + jsonString(value);
      } catch (const json::exception &) {
        return fileError(path,
                         "metadata entry '" + key + "' is not valid UTF-8");
      }
      first = false;
    }
    header += "}";
  }
  uint64_t offset = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const TensorToWrite &t = *tensors[i];
    std::string name;
    try {
      name = jsonString(t.name);
    } catch (const json::exception &) {
      return tensorError(path, t.name, "name is not valid UTF-8");
    }
    std::string dims;
    for (size_t d = 0; d < t.shape.size(); ++d)
      dims += (d ? "," : "") + std::to_string(t.shape[d]);
    if (header.size() > 1)
      header += ",";
    header += name + ":{\"dtype\":\"" + tensorDTypeName(t.dtype) +
              "\",\"shape\":[" + dims + "],\"data_offsets\":[" +
              std::to_string(offset) + "," + std::to_string(offset + sizes[i]) +
              "]}";
    offset += sizes[i];
  }
  header += "}";
  // Spaces up to a multiple of 8 so the data section starts 8-byte aligned.
  header.append((8 - header.size() % 8) % 8, ' ');
  if (header.size() > kMaxHeaderBytes)
    return fileError(path, "header of " + std::to_string(header.size()) +
                               " bytes exceeds the limit of " +
                               std::to_string(kMaxHeaderBytes) +
                               " bytes (100 MiB)");
  return Status::success();
}

} // namespace

Status writeSafeTensors(const std::string &path,
                        const std::vector<TensorToWrite> &tensors,
                        const std::map<std::string, std::string> &metadata) {
  return guarded(path, [&]() -> Status {
    std::vector<const TensorToWrite *> sorted;
    for (const TensorToWrite &t : tensors)
      sorted.push_back(&t);
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](const TensorToWrite *a, const TensorToWrite *b) {
                       return a->name < b->name;
                     });

    std::vector<uint64_t> sizes;
    uint64_t total = 0;
    for (size_t i = 0; i < sorted.size(); ++i) {
      const TensorToWrite &t = *sorted[i];
      if (t.name.empty())
        return fileError(path, "a tensor has an empty name");
      if (t.name == kMetadataKey)
        return tensorError(path, t.name, "name is reserved for metadata");
      if (i > 0 && sorted[i - 1]->name == t.name)
        return tensorError(path, t.name, "defined twice");
      size_t elementSize = tensorDTypeSize(t.dtype);
      if (elementSize == 0)
        return tensorError(path, t.name, "unknown dtype");
      for (size_t d = 0; d < t.shape.size(); ++d)
        if (t.shape[d] < 0)
          return tensorError(path, t.name,
                             "negative dimension " +
                                 std::to_string(t.shape[d]) + " at index " +
                                 std::to_string(d) + " of shape " +
                                 shapeText(t.shape));
      uint64_t bytes;
      if (!byteSize(t.shape, elementSize, bytes) ||
          __builtin_add_overflow(total, bytes, &total))
        return tensorError(path, t.name,
                           "shape " + shapeText(t.shape) + " is too large");
      if (bytes > 0 && !t.data)
        return tensorError(path, t.name, "has no data");
      sizes.push_back(bytes);
    }

    std::string header;
    if (Status s = buildHeader(path, sorted, sizes, metadata, header); !s.ok())
      return s;
    unsigned char length[8];
    for (int i = 0; i < 8; ++i)
      length[i] = static_cast<unsigned char>(
          static_cast<uint64_t>(header.size()) >> (8 * i));
    std::vector<detail::ByteChunk> chunks = {{length, sizeof length},
                                             {header.data(), header.size()}};
    for (size_t i = 0; i < sorted.size(); ++i)
      if (sizes[i] > 0)
        chunks.push_back({sorted[i]->data, static_cast<size_t>(sizes[i])});
    return detail::writeFileAtomically(path, chunks);
  });
}

int64_t firstNonFinite(const float *values, size_t n) {
  for (size_t i = 0; i < n; ++i)
    if (!std::isfinite(values[i]))
      return static_cast<int64_t>(i);
  return -1;
}

} // namespace cherry::runtime
