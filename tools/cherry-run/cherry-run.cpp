//===- cherry-run.cpp - Run compiled CHERRY executables -------------------===//
//
// Loads an Executable and runs it on the runtime; the command logic lives in
// CherryRunMain.cpp.
//
//===----------------------------------------------------------------------===//

#include "CherryRunMain.h"

int main(int argc, char **argv) {
  return cherry::run::cherryRunMain(argc, argv, CHERRY_VERSION_STRING);
}
