//===- SafeTensorsFuzzer.cpp - libFuzzer target: the safetensors reader ---===//
//
// Any bytes as a .safetensors file: open it and convert every tensor to
// float32. Every outcome must be a Status.
//
//===----------------------------------------------------------------------===//

#include "cherry/Runtime/SafeTensors.h"

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  using namespace cherry::runtime;
  static const std::string path =
      "/tmp/cherry-fuzz-" + std::to_string(::getpid()) + ".safetensors";
  if (FILE *f = std::fopen(path.c_str(), "wb")) {
    std::fwrite(data, 1, size, f);
    std::fclose(f);
  }
  SafeTensors tensors;
  if (SafeTensors::open(path, tensors).ok())
    for (const TensorView &t : tensors.tensors()) {
      std::vector<float> values(static_cast<size_t>(t.numElements()));
      t.toFloat32(values.data());
    }
  return 0;
}
