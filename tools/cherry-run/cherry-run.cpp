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
  // How OpenMP workers wait between kernels. Sleeping at once (passive) made
  // each parallel region pay a wake-up, ~100-200 us on a 2-vCPU VM, on each
  // of a training step's ~200 launches; spinning without bound (active, or
  // libgomp's default of 300,000 spins, a few ms) took the cores other work
  // needed: with one core busy, 100,000 spins trained at 0.4-0.6x the speed
  // of passive waits. GOMP_SPINCOUNT=3000 spins about 50 us, the gap between
  // one kernel and the next, then sleeps: about 5% faster than passive on an
  // idle machine and 5% slower with a busy core. libgomp reads its wait
  // policy when it is loaded, before main, so run again with it set, unless
  // the user chose a policy.
  if (!std::getenv("OMP_WAIT_POLICY") && !std::getenv("GOMP_SPINCOUNT")) {
    ::setenv("GOMP_SPINCOUNT", "3000", 1);
    ::execv("/proc/self/exe", argv);
    // Running again failed: go on with the default policy.
  }
  return cherry::run::cherryRunMain(argc, argv, CHERRY_VERSION_STRING);
}
