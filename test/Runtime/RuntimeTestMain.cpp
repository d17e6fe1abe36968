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
#include <cstdlib>

int main(int argc, char **argv) {
  using namespace cherry::runtime::cpu;
  // A value that names no variant is an error; a variant this CPU lacks is
  // a skip.
  const char *env = std::getenv("CHERRY_CPU_VARIANT");
  CpuVariant variant;
  cherry::runtime::Status st = parseCpuVariant(env ? env : "", variant);
  if (!st.ok()) {
    std::fprintf(stderr, "error: %s\n", st.message.c_str());
    return 2;
  }
  if (!cpuSupports(variant)) {
    std::printf("skipped: this CPU cannot run %s (the best it runs is %s)\n",
                cpuVariantName(variant), cpuVariantName(detectedCpuVariant()));
    return 77;
  }
  std::printf("%s\n", cpuDescription().c_str());
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
