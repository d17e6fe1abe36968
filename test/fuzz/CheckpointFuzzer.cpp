//===- CheckpointFuzzer.cpp - libFuzzer target: checkpoint JSON readers ---===//
//
// A checkpoint directory whose trainer_state.json and config.json are the
// input (split at the first NUL byte), beside valid, empty safetensors
// files: loadCheckpoint must answer with a Status, whatever the JSON says.
//
//===----------------------------------------------------------------------===//

#include "cherry/Runtime/Training.h"

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>

namespace {

void writeFile(const std::string &path, const std::string &bytes) {
  if (FILE *f = std::fopen(path.c_str(), "wb")) {
    std::fwrite(bytes.data(), 1, bytes.size(), f);
    std::fclose(f);
  }
}

/// A safetensors file with no tensors: an 8-byte length and "{}" padded.
std::string emptySafeTensors() {
  std::string header = "{}      ";
  std::string out(8, '\0');
  out[0] = static_cast<char>(header.size());
  return out + header;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  using namespace cherry::runtime;
  static const std::string dir =
      "/tmp/cherry-fuzz-ckpt-" + std::to_string(::getpid()) + "/checkpoint-3";
  static bool made = [] {
    std::filesystem::create_directories(dir);
    writeFile(dir + "/model.safetensors", emptySafeTensors());
    writeFile(dir + "/optimizer.safetensors", emptySafeTensors());
    return true;
  }();
  (void)made;
  const std::string input(reinterpret_cast<const char *>(data), size);
  const size_t cut = input.find('\0');
  writeFile(dir + "/trainer_state.json", input.substr(0, cut));
  writeFile(dir + "/config.json",
            cut == std::string::npos ? "{}" : input.substr(cut + 1));
  Checkpoint checkpoint;
  (void)loadCheckpoint(dir, checkpoint);
  return 0;
}
