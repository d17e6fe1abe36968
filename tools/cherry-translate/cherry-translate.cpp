//===- cherry-translate.cpp - Translations into and out of cherry IR ------===//
//
// mlir-translate with CHERRY's translations:
//   --import-hf DIR      Hugging Face Llama model directory -> cherry IR
//   --emit-executable    planned kernel IR -> protobuf Executable (cherry-run)
//
// A translation whose input is a model directory reads DIR/config.json (and
// finds the weights beside it), so a directory argument stands for its
// config.json.
//
//===----------------------------------------------------------------------===//

#include "cherry/Dialect/Kernel/Target/EmitExecutable.h"
#include "cherry/Frontend/HFImport.h"
#include "cherry/Support/FileIO.h"
#include "cherry/Tools/InputFiles.h"

#include "mlir/Tools/mlir-translate/MlirTranslateMain.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <unistd.h>
#include <vector>

/// The temporary output, removed when a write fails fatally.
static std::string temporaryOutput;

int main(int argc, char **argv) {
  if (std::optional<std::string> error =
          cherry::tools::checkInputFiles(argc, argv, /*directories=*/true)) {
    llvm::errs() << "cherry-translate: " << *error << "\n";
    return 1;
  }
  // LLVM reports a failed write of the output (a full disk, /dev/full) as a
  // fatal error; say it as one line of ours and leave no temporary behind.
  llvm::install_fatal_error_handler([](void *, const char *reason, bool) {
    if (!temporaryOutput.empty())
      ::unlink(temporaryOutput.c_str());
    llvm::errs() << "cherry-translate: " << reason << "\n";
    std::_Exit(1);
  });
  llvm::cl::SetVersionPrinter([](llvm::raw_ostream &os) {
    os << "cherry-translate " CHERRY_VERSION_STRING
          " (MLIR " LLVM_VERSION_STRING ")\n";
  });
  mlir::cherry::registerImportHFTranslation();
  mlir::cherry::kernel::registerEmitExecutableTranslation();

  // A positional argument naming a directory is the model directory: read
  // its config.json. (`-o DIR` is left alone and fails as an output.)
  std::vector<std::string> storage(argv, argv + argc);
  for (int i = 1; i < argc; ++i) {
    llvm::StringRef arg = argv[i];
    llvm::StringRef previous = argv[i - 1];
    if (arg.starts_with("-") || previous == "-o" ||
        !llvm::sys::fs::is_directory(arg))
      continue;
    llvm::SmallString<256> config(arg);
    llvm::sys::path::append(config, "config.json");
    storage[i] = std::string(config);
  }
  // Write `-o FILE` atomically: into a temporary file beside it, renamed
  // over FILE only when the translation succeeded, so a failed or
  // interrupted run never leaves a torn or half-written output behind.
  // Only regular files (or new ones) are replaced that way: `-o /dev/null`
  // or a pipe is written directly, never renamed over.
  auto replaceable = [](const std::string &path) {
    if (path == "-")
      return false;
    llvm::sys::fs::file_status status;
    if (llvm::sys::fs::status(path, status))
      return true; // does not exist yet
    return llvm::sys::fs::is_regular_file(status);
  };
  std::string output, temporary;
  for (size_t i = 1; i < storage.size(); ++i) {
    llvm::StringRef arg = storage[i];
    if ((arg == "-o" || arg == "--o") && i + 1 < storage.size()) {
      output = storage[i + 1];
      if (replaceable(output)) {
        temporary = output + ".tmp." + std::to_string(::getpid());
        storage[i + 1] = temporary;
      }
      break;
    }
    if (arg.consume_front("-o=") || arg.consume_front("--o=")) {
      output = arg.str();
      if (replaceable(output)) {
        temporary = output + ".tmp." + std::to_string(::getpid());
        storage[i] = "-o=" + temporary;
      }
      break;
    }
  }

  temporaryOutput = temporary;
  std::vector<char *> args;
  for (std::string &s : storage)
    args.push_back(s.data());
  args.push_back(nullptr);

  bool ok = mlir::succeeded(
      mlir::mlirTranslateMain(static_cast<int>(args.size()) - 1, args.data(),
                              "CHERRY translation driver\n"));
  if (!temporary.empty()) {
    if (!ok) {
      llvm::sys::fs::remove(temporary);
      return 1;
    }
    // Once renamed the output is complete; a directory that cannot be
    // synced does not fail the run.
    using Step = cherry::support::FileError::Step;
    std::optional<cherry::support::FileError> error =
        cherry::support::moveIntoPlace(temporary, output);
    if (error && error->step != Step::OpenDirectory &&
        error->step != Step::SyncDirectory) {
      llvm::errs() << "cherry-translate: cannot write '" << output
                   << "': " << std::strerror(error->error) << "\n";
      return 1;
    }
  }
  return ok ? 0 : 1;
}
