//===- cherry-opt.cpp - The cherry optimizer driver -----------------------===//
//
// mlir-opt with the cherry dialect, passes and named pipelines added.
//
//===----------------------------------------------------------------------===//

#include "cherry/Dialect/Cherry/IR/CherryDialect.h"
#include "cherry/Tools/InputFiles.h"
#include "cherry/Transforms/Passes.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>
#include <optional>
#include <string>

int main(int argc, char **argv) {
  if (std::optional<std::string> error =
          cherry::tools::checkInputFiles(argc, argv, /*directories=*/false)) {
    llvm::errs() << "cherry-opt: " << *error << "\n";
    return 1;
  }
  // LLVM reports a failed write of the output (a full disk, /dev/full) as a
  // fatal error; say it as one line of ours.
  llvm::install_fatal_error_handler([](void *, const char *reason, bool) {
    llvm::errs() << "cherry-opt: " << reason << "\n";
    std::_Exit(1);
  });
  llvm::cl::SetVersionPrinter([](llvm::raw_ostream &os) {
    os << "cherry-opt " CHERRY_VERSION_STRING " (MLIR " LLVM_VERSION_STRING
          ")\n";
  });

  mlir::registerAllPasses();
  mlir::cherry::registerAllCherryPasses();

  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  registry.insert<mlir::cherry::CherryDialect,
                  mlir::cherry::kernel::CherryKernelDialect>();

  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "CHERRY optimizer driver\n", registry));
}
