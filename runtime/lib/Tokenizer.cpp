//===- Tokenizer.cpp - SentencePiece models -------------------------------===//

#include "cherry/Runtime/Tokenizer.h"

#include <dlfcn.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <type_traits>

namespace cherry::runtime {

struct Tokenizer::Api {
  void *(*load)(const char *, char *, size_t);
  void *(*loadSerialized)(const char *, size_t, char *, size_t);
  int (*train)(const char *const *, const char *const *, size_t,
               const char *const *, const size_t *, size_t, unsigned,
               void (*)(void *, const char *, size_t), void *, char *, size_t);
  void (*free)(void *);
  int (*pieceSize)(void *);
  int (*unkId)(void *);
  int (*bosId)(void *);
  int (*eosId)(void *);
  int (*padId)(void *);
  long (*idToPiece)(void *, int, char *, size_t);
  long (*encode)(void *, const char *, size_t, int32_t *, size_t);
  long (*decode)(void *, const int32_t *, size_t, char *, size_t);
};

namespace {

/// The directory of the running executable.
std::string executableDir() {
  char path[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", path, sizeof(path) - 1);
  if (n <= 0)
    return ".";
  std::string full(path, static_cast<size_t>(n));
  size_t slash = full.rfind('/');
  return slash == std::string::npos ? "." : full.substr(0, slash);
}

/// Opens the shim once per process; null with `error` set on failure.
const Tokenizer::Api *openShim(std::string &error) {
  static std::string loadError;
  static const Tokenizer::Api *shim = []() -> const Tokenizer::Api * {
    const std::string name = "libcherry_sentencepiece.so";
    std::string dir = executableDir();
    void *lib = nullptr;
    for (const std::string &candidate :
         {dir + "/../lib/" + name, dir + "/" + name, name}) {
      lib = ::dlopen(candidate.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
      if (lib)
        break;
    }
    if (!lib) {
      const char *why = ::dlerror();
      loadError = "cannot load " + name + " (looked in " + dir +
                  "/../lib and " + dir + "): " + (why ? why : "unknown error");
      return nullptr;
    }
    static Tokenizer::Api api;
    bool ok = true;
    auto bind = [&](auto &fn, const char *symbol) {
      fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(
          ::dlsym(lib, symbol));
      ok = ok && fn;
    };
    bind(api.load, "cherry_spm_load");
    bind(api.loadSerialized, "cherry_spm_load_serialized");
    bind(api.train, "cherry_spm_train");
    bind(api.free, "cherry_spm_free");
    bind(api.pieceSize, "cherry_spm_piece_size");
    bind(api.unkId, "cherry_spm_unk_id");
    bind(api.bosId, "cherry_spm_bos_id");
    bind(api.eosId, "cherry_spm_eos_id");
    bind(api.padId, "cherry_spm_pad_id");
    bind(api.idToPiece, "cherry_spm_id_to_piece");
    bind(api.encode, "cherry_spm_encode");
    bind(api.decode, "cherry_spm_decode");
    if (!ok) {
      loadError = name + " lacks the cherry_spm_* functions";
      return nullptr;
    }
    return &api;
  }();
  error = loadError;
  return shim;
}

} // namespace

Tokenizer::~Tokenizer() {
  if (api && handle)
    api->free(handle);
}

void Tokenizer::adopt(const Api *shim, void *model) {
  if (api && handle)
    api->free(handle);
  api = shim;
  handle = model;
}

Status Tokenizer::load(const std::string &path) {
  // SentencePiece reads a directory or a FIFO as a stream and fails with a
  // standard-library message (or blocks); say what the path is instead.
  struct stat st;
  if (::stat(path.c_str(), &st) != 0)
    return Status::error(path + ": cannot open: " + std::strerror(errno));
  if (!S_ISREG(st.st_mode))
    return Status::error(path + ": not a regular file (a SentencePiece "
                                ".model file)");
  std::string error;
  const Api *shim = openShim(error);
  if (!shim)
    return Status::error(error);
  char message[512] = {};
  void *model = shim->load(path.c_str(), message, sizeof(message));
  if (!model)
    return Status::error(path + ": not a SentencePiece model (" + message +
                         ")");
  adopt(shim, model);
  return Status::success();
}

Status Tokenizer::loadSerialized(const std::string &bytes) {
  std::string error;
  const Api *shim = openShim(error);
  if (!shim)
    return Status::error(error);
  char message[512] = {};
  void *model = shim->loadSerialized(bytes.data(), bytes.size(), message,
                                     sizeof(message));
  if (!model)
    return Status::error(std::string("not a SentencePiece model (") +
                         (*message ? message : "it does not parse as one") +
                         ")");
  adopt(shim, model);
  return Status::success();
}

Status Tokenizer::train(
    const std::vector<std::pair<std::string, std::string>> &settings,
    unsigned seed, const std::vector<std::string_view> &sentences,
    std::string &model) {
  std::string error;
  const Api *shim = openShim(error);
  if (!shim)
    return Status::error(error);
  std::vector<const char *> keys, values, texts;
  for (const auto &[key, value] : settings) {
    keys.push_back(key.c_str());
    values.push_back(value.c_str());
  }
  std::vector<size_t> lengths;
  for (std::string_view sentence : sentences) {
    texts.push_back(sentence.data());
    lengths.push_back(sentence.size());
  }
  auto receive = [](void *context, const char *data, size_t size) {
    static_cast<std::string *>(context)->assign(data, size);
  };
  char message[4096] = {};
  if (shim->train(keys.data(), values.data(), keys.size(), texts.data(),
                  lengths.data(), texts.size(), seed, receive, &model, message,
                  sizeof(message)) != 0)
    return Status::error(message);
  return Status::success();
}

Status Tokenizer::encode(const std::string &text,
                         std::vector<int32_t> &ids) const {
  ids.assign(text.size() + 16, 0);
  long n =
      api->encode(handle, text.data(), text.size(), ids.data(), ids.size());
  if (n < 0)
    return Status::error("cannot encode the text");
  if (static_cast<size_t>(n) > ids.size()) {
    ids.assign(static_cast<size_t>(n), 0);
    n = api->encode(handle, text.data(), text.size(), ids.data(), ids.size());
  }
  ids.resize(static_cast<size_t>(n));
  return Status::success();
}

Status Tokenizer::decode(const std::vector<int32_t> &ids,
                         std::string &text) const {
  long n = api->decode(handle, ids.data(), ids.size(), nullptr, 0);
  if (n < 0)
    return Status::error("cannot decode the ids");
  text.assign(static_cast<size_t>(n), '\0');
  api->decode(handle, ids.data(), ids.size(), text.data(), text.size());
  return Status::success();
}

int Tokenizer::pieceSize() const { return api->pieceSize(handle); }
int Tokenizer::unkId() const { return api->unkId(handle); }
int Tokenizer::bosId() const { return api->bosId(handle); }
int Tokenizer::eosId() const { return api->eosId(handle); }
int Tokenizer::padId() const { return api->padId(handle); }

std::string Tokenizer::piece(int id) const {
  std::string text(static_cast<size_t>(api->idToPiece(handle, id, nullptr, 0)),
                   '\0');
  api->idToPiece(handle, id, text.data(), text.size());
  return text;
}

} // namespace cherry::runtime
