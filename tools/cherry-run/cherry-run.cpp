//===- cherry-run.cpp - Run compiled CHERRY executables -------------------===//
//
// Loads an Executable and runs it on the runtime; the command logic lives in
// CherryRunMain.cpp.
//
//===----------------------------------------------------------------------===//

#include "CherryRunMain.h"

#include <cstdlib>
#include <unistd.h>

int main(int argc, char **argv) {
  // OpenMP threads that spin while they wait take the cores OpenBLAS and the
  // other kernels need as soon as anything else runs on the machine: measured
  // 5x slower training with one busy core, against a few percent on an idle
  // machine for sleeping waits. libgomp reads its wait policy when it is
  // loaded, before main, so choose passive waiting by running again with it
  // set, unless the user chose a policy.
  if (!std::getenv("OMP_WAIT_POLICY") && !std::getenv("GOMP_SPINCOUNT")) {
    ::setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
    ::execv("/proc/self/exe", argv);
    // Running again failed: go on with the default policy.
  }
  return cherry::run::cherryRunMain(argc, argv, CHERRY_VERSION_STRING);
}
