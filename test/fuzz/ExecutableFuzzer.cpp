//===- ExecutableFuzzer.cpp - libFuzzer target: the Executable loader -----===//
//
// Any bytes as an executable file (the header checked) and, so that
// mutations reach the protobuf parser without having to fix the checksum,
// the same bytes as a bare payload: parse, verify, validate against the
// kernel ABI, and create the program when its arena is small. Every outcome
// must be a Status; a crash, a hang or a sanitizer report is a bug.
//
//===----------------------------------------------------------------------===//

#include "cherry/Runtime/Executable.h"
#include "cherry/Runtime/Program.h"

#include <google/protobuf/stubs/logging.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace {

int loadPayload(const std::string &payload) {
  using namespace cherry::runtime;
  google::protobuf::LogSilencer quiet;
  cherry::executable::Executable exe;
  if (!exe.ParseFromString(payload))
    return 0;
  if (!verifyExecutable(exe).ok() || !validateProgram(exe).ok())
    return 0;
  // Running it could take any time; creating it checks the rest. Arenas are
  // bounded so that the fuzzer's memory limit measures leaks, not requests.
  if (exe.arena_size_bytes() > (uint64_t(1) << 24))
    return 0;
  Program program;
  if (Program::create(std::move(exe), program).ok())
    (void)program.loadParameters(nullptr, "", 0);
  return 0;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const std::string bytes(reinterpret_cast<const char *>(data), size);
  std::string payload;
  if (cherry::runtime::decodeExecutableFile(bytes, payload).ok())
    return loadPayload(payload);
  return loadPayload(bytes);
}
