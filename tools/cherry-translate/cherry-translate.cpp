//===- cherry-translate.cpp - Translations into and out of cherry IR ------===//
//
// mlir-translate with CHERRY's translations:
//   --import-hf DIR      Hugging Face Llama model directory -> cherry IR
//
// A translation whose input is a model directory reads DIR/config.json (and
// finds the weights beside it), so a directory argument stands for its
// config.json.
//
//===----------------------------------------------------------------------===//

#include "cherry/Frontend/HFImport.h"

#include "mlir/Tools/mlir-translate/MlirTranslateMain.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <string>
#include <vector>

int main(int argc, char **argv) {
  llvm::cl::SetVersionPrinter([](llvm::raw_ostream &os) {
    os << "cherry-translate " CHERRY_VERSION_STRING
          " (MLIR " LLVM_VERSION_STRING ")\n";
  });
  mlir::cherry::registerImportHFTranslation();

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
  std::vector<char *> args;
  for (std::string &s : storage)
    args.push_back(s.data());
  args.push_back(nullptr);

  return mlir::failed(mlir::mlirTranslateMain(argc, args.data(),
                                              "CHERRY translation driver\n"))
             ? 1
             : 0;
}
