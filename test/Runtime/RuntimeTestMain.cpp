//===- RuntimeTestMain.cpp - main() of the runtime tests ------------------===//
//
// GoogleTest's main, preceded by the CPU code path the kernels will take
// (printed once, so that a failure report says where it happened), and by
// a skip (exit code 77, ctest's SKIP_RETURN_CODE) when CHERRY_CPU_VARIANT
// forces a variant this CPU cannot run: ctest registers one run per variant
// and each machine runs the ones it can.
//
//===----------------------------------------------------------------------===//

#include "cherry/Runtime/CpuKernels.h"

#include <gtest/gtest.h>

#include <cstdio>

int main(int argc, char **argv) {
  using namespace cherry::runtime::cpu;
  CpuVariant variant;
  cherry::runtime::Status st = requestedCpuVariant(variant);
  if (!st.ok()) {
    std::printf("skipped: %s\n", st.message.c_str());
    return 77;
  }
  std::printf("%s\n", cpuDescription().c_str());
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
