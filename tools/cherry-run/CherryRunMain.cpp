//===- CherryRunMain.cpp - The cherry-run command line --------------------===//
//
// The commands of cherry-run, one file each (Train.cpp, Eval.cpp,
// Generate.cpp, Export.cpp); this file dispatches to them. Every user error is
// one line "cherry-run: ..." on stderr and exit status 1.
//
//===----------------------------------------------------------------------===//

#include "CherryRunMain.h"

#include "Common.h"

#include "cherry/Runtime/Communicator.h"
#include "cherry/Runtime/CpuKernels.h"

#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

namespace cherry::run {

using namespace cherry::runtime;

namespace {

const char *const kMainUsage = R"(usage: cherry-run <command> [options]

Runs programs compiled by cherry-translate on the CHERRY runtime.

commands:
  train          train a compiled model: checkpoints, metrics, resume
  eval           mean loss of a model on the first batches of a token file
  generate       continue a prompt token by token (KV cache, greedy or sampled)
  export         write a compressed (recurrent) checkpoint as a plain Hugging
                 Face Llama with one layer per step

options:
  -h, --help     show this help ('cherry-run <command> --help' for a command)
  --version      show the version and the CPU code path the kernels take

environment:
  CHERRY_CPU_VARIANT   force the CPU kernels' instruction set: baseline,
                       x86-64-v3, x86-64-v4 (default: the best this CPU runs)
  OPENBLAS_CORETYPE    force OpenBLAS's kernels (e.g. Prescott, Haswell,
                       SkylakeX)
)";

int run(int argc, char **argv, const char *version) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty())
    throw RunError("missing command: train, eval, generate or export (see "
                   "'cherry-run --help')");
  std::string command = args[0];
  std::vector<std::string> rest(args.begin() + 1, args.end());
  if (command == "-h" || command == "--help" || command == "help") {
    writeStdout(kMainUsage);
    return 0;
  }
  if (command == "--version") {
    writeStdout(std::string("cherry-run version ") + version + "\n" +
                cpu::cpuDescription() + "\n" + "ranks: " +
                (builtWithMpi() ? builtWithNccl() ? "mpi, nccl" : "mpi"
                                : "one (built without MPI)") +
                "\n");
    return 0;
  }
  // A bad CHERRY_CPU_VARIANT or CHERRY_GEMM is refused before any file is
  // read.
  cpu::CpuVariant variant;
  check(cpu::requestedCpuVariant(variant));
  bool packedGemm;
  check(cpu::requestedPackedGemm(packedGemm));
  if (command == "eval")
    return runEval(rest);
  WorldInfo world;
  check(initWorld(world));
  if (world.size > 1 && (command == "generate" || command == "export"))
    throw RunError(command + " runs on one rank, not " +
                   std::to_string(world.size) + " (start it without mpirun)");
  if (command == "generate")
    return runGenerate(rest);
  if (command == "train")
    return runTrain(rest);
  if (command == "export")
    return runExport(rest);
  if (!command.empty() && command[0] == '-')
    throw RunError("unknown option '" + command +
                   "' (see 'cherry-run --help')");
  throw RunError("unknown command '" + command +
                 "': expected train, eval, generate or export");
}

} // namespace

int cherryRunMain(int argc, char **argv, const char *version) {
  // Under mpirun each process is one rank of the run (Communicator.h); its
  // errors name it, and a failing rank ends them all (MPI_Abort) rather
  // than leave the others waiting in a collective.
  WorldInfo world;
  if (Status s = initWorld(world); !s.ok()) {
    std::cerr << "cherry-run: " << tools::oneLine(s.message) << "\n";
    return 1;
  }
  const std::string tool =
      world.size > 1 ? "cherry-run: rank " + std::to_string(world.rank)
                     : std::string("cherry-run");
  int rc = tools::reportErrors(tool.c_str(),
                               [&] { return run(argc, argv, version); });
  if (rc != 0 && world.size > 1) {
    std::cerr.flush();
    abortWorld(rc);
  }
  finalizeWorld();
  return rc;
}

} // namespace cherry::run
