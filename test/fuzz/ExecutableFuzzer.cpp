//===- ExecutableFuzzer.cpp - libFuzzer target: the Executable loader -----===//
//
// Any bytes as an executable: parse, verify, validate against the kernel
// ABI, and create the program when its arena is small. Every outcome must be
// a Status; a crash, a hang or a sanitizer report is a bug.
//
//===----------------------------------------------------------------------===//

#include "cherry/Runtime/Executable.h"
#include "cherry/Runtime/Program.h"

#include <google/protobuf/stubs/logging.h>

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  using namespace cherry::runtime;
  google::protobuf::LogSilencer quiet;
  cherry::executable::Executable exe;
  if (!exe.ParseFromArray(data, static_cast<int>(size)))
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
