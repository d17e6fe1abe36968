//===- Common.cpp - What the cherry-run commands share --------------------===//

#include "Common.h"

#include "cherry/Runtime/Communicator.h"
#include "cherry/Runtime/CpuKernels.h"
#include "cherry/Runtime/Executable.h"

#include <charconv>
#include <iostream>

namespace cherry::run {

using namespace cherry::runtime;

/// A decimal integer in [min, max]; `what` describes the range in errors.
int64_t parseInteger(const std::string &flag, const std::string &text,
                     int64_t min, int64_t max, const std::string &what) {
  int64_t value = 0;
  const char *end = text.data() + text.size();
  auto [ptr, error] = std::from_chars(text.data(), end, value);
  if (text.empty() || ptr != end || error == std::errc::invalid_argument)
    throw RunError(flag + ": expected an integer, got '" + text + "'");
  if (error == std::errc::result_out_of_range || value < min || value > max)
    throw RunError(flag + " " + text + " is out of range: expected " + what);
  return value;
}

uint64_t parseSeed(const std::string &text) {
  uint64_t value = 0;
  const char *end = text.data() + text.size();
  auto [ptr, error] = std::from_chars(text.data(), end, value);
  if (text.empty() || ptr != end || error == std::errc::invalid_argument)
    throw RunError("--seed: expected a non-negative integer, got '" + text +
                   "'");
  if (error == std::errc::result_out_of_range)
    throw RunError("--seed " + text +
                   " is out of range: expected 0 to 18446744073709551615");
  return value;
}

void check(const runtime::Status &status, const std::string &prefix) {
  if (!status.ok())
    throw RunError(prefix + status.message);
}

CpuFlags parseCpuFlags(const ParsedArgs &args) {
  if (args.has("--deterministic") && args.has("--no-deterministic"))
    throw RunError("--deterministic and --no-deterministic contradict each "
                   "other");
  CpuFlags flags;
  flags.deterministic = !args.has("--no-deterministic");
  if (auto device = args.get("--device")) {
    check(checkDeviceName(*device), "--device: ");
    flags.device = *device;
  }
  if (auto text = args.get("--cuda-graphs")) {
    flags.cudaGraphs =
        static_cast<int>(parseInteger("--cuda-graphs", *text, 0, 1, "0 or 1"));
    // Only a CUDA device records graphs: anywhere else the flag would do
    // nothing.
    if (flags.device.rfind("cuda", 0) != 0)
      throw RunError("--cuda-graphs: only a CUDA device records graphs, and "
                     "this run is on " +
                     flags.device + " (add --device cuda)");
  }
  if (auto text = args.get("--threads"))
    flags.threads = static_cast<int>(
        parseInteger("--threads", *text, 1, 4096, "1 to 4096"));
  return flags;
}

void applyCpuFlags(const CpuFlags &flags) {
  if (flags.threads > 0)
    cpu::setNumThreads(flags.threads);
  cpu::setDeterministic(flags.deterministic);
}

void loadProgram(const std::string &path, const CpuFlags &flags,
                 Program &program) {
  ex::Executable exe;
  check(loadExecutable(path, exe));
  std::unique_ptr<Device> device;
  check(createDevice(flags.device, device), "--device: ");
  if (flags.cudaGraphs >= 0)
    device->setRecording(flags.cudaGraphs == 1);
  // A run of several ranks reduces through the device's communicator.
  WorldInfo world;
  check(initWorld(world));
  if (world.size > 1) {
    std::unique_ptr<Communicator> communicator;
    check(createCommunicator(*device, communicator));
    device->setCommunicator(std::move(communicator));
  }
  check(Program::create(std::move(exe), program, std::move(device)),
        path + ": ");
}

void loadWeights(Program &program, const std::optional<std::string> &path,
                 uint64_t seed,
                 const std::function<void(const Program &)> &validate) {
  std::vector<std::string> paths;
  if (path)
    paths.push_back(*path);
  loadWeights(program, paths, seed, validate);
}

void loadWeights(Program &program, const std::vector<std::string> &paths,
                 uint64_t seed,
                 const std::function<void(const Program &)> &validate) {
  WeightsReport report;
  check(runtime::loadWeights(program, paths, seed, report));
  if (validate)
    validate(program);
  for (const std::string &note : report.notes)
    std::cerr << "cherry-run: " << tools::oneLine(note) << "\n";
}

} // namespace cherry::run
