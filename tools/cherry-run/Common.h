//===- Common.h - What the cherry-run commands share ------------*- C++ -*-===//
//
// Option parsing and error reporting of cherry-run's commands (Train.cpp,
// Eval.cpp, Generate.cpp, Export.cpp). Every user error is a RunError: one line
// "cherry-run: ..." on stderr and exit status 1.
//
//===----------------------------------------------------------------------===//

#ifndef CHERRY_TOOLS_CHERRYRUN_COMMON_H
#define CHERRY_TOOLS_CHERRYRUN_COMMON_H

#include "cherry/Tools/CommandLine.h"

#include "cherry/Runtime/Program.h"
#include "cherry/Runtime/Status.h"
#include "cherry/Runtime/Trainer.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace cherry::run {

namespace ex = cherry::executable;

/// A user error: reported as one line, exit status 1.
using RunError = tools::UsageError;
using tools::FlagSpec;
using tools::writeStdout;

/// The options of one cherry-run command.
class ParsedArgs : public tools::ParsedArgs {
public:
  ParsedArgs(const std::vector<std::string> &args,
             const std::vector<FlagSpec> &specs, const std::string &command)
      : tools::ParsedArgs(args, specs, "cherry-run", command) {}
  using tools::ParsedArgs::required;
  std::string required(const std::string &name, const std::string &) const {
    return tools::ParsedArgs::required(name);
  }
};

/// A decimal integer in [min, max]; `what` describes the range in errors.
int64_t parseInteger(const std::string &flag, const std::string &text,
                     int64_t min, int64_t max, const std::string &what);
/// A --seed value: any uint64.
uint64_t parseSeed(const std::string &text);
/// Throws a RunError with `prefix` and the message when `status` failed.
void check(const runtime::Status &status, const std::string &prefix = "");

/// The flags every command that runs kernels takes: --device NAME,
/// --threads N and --deterministic (the default) or --no-deterministic,
/// refused together. Checked when the arguments are parsed (the device
/// made then: an unknown or unbuilt one fails before any file is read);
/// applied by applyCpuFlags.
struct CpuFlags {
  std::string device = "cpu";
  int threads = 0; ///< 0: the default
  bool deterministic = true;
  /// --cuda-graphs: 1 records and replays CUDA graphs, 0 does not, -1 the
  /// device's default (CHERRY_CUDA_GRAPHS, else 1).
  int cudaGraphs = -1;
};
CpuFlags parseCpuFlags(const ParsedArgs &args);
void applyCpuFlags(const CpuFlags &flags);

/// Loads and checks `path` (loadExecutable, Program::create on the device
/// `flags` names).
void loadProgram(const std::string &path, const CpuFlags &flags,
                 runtime::Program &program);
/// Fills the program's parameters from --weights or the initializers,
/// printing what a user should hear about (unused tensors, initialized
/// parameters) on stderr; `validate`, when given, runs first (it throws
/// RunError for weights the command cannot use).
void loadWeights(
    runtime::Program &program, const std::optional<std::string> &path,
    uint64_t seed,
    const std::function<void(const runtime::Program &)> &validate = {});
/// As above from one --weights per weight source (a model fused from
/// several, docs/MoEE.md).
void loadWeights(
    runtime::Program &program, const std::vector<std::string> &paths,
    uint64_t seed,
    const std::function<void(const runtime::Program &)> &validate = {});

/// The commands; each returns the exit status.
int runTrain(const std::vector<std::string> &argv);
int runEval(const std::vector<std::string> &argv);
int runGenerate(const std::vector<std::string> &argv);
int runExport(const std::vector<std::string> &argv);

} // namespace cherry::run

#endif // CHERRY_TOOLS_CHERRYRUN_COMMON_H
