//===- OneLineDiagnostics.h - file:line:col: error: message -----*- C++ -*-===//
//
// The tools print every error as one line naming the file, the position
// when there is one, and what was wrong; no source excerpt, no dump of the
// failing operation. Install a OneLineDiagnostics for the duration of a
// translation to get that.
//
//===----------------------------------------------------------------------===//

#ifndef CHERRY_SUPPORT_ONELINEDIAGNOSTICS_H
#define CHERRY_SUPPORT_ONELINEDIAGNOSTICS_H

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Location.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/raw_ostream.h"

namespace mlir::cherry {

/// Prints `diag` as "file:line:col: error: message" (no line and column
/// when 0, no file for an unknown location). Notes attached to the
/// diagnostic are dropped.
inline void printDiagnosticLine(Diagnostic &diag, llvm::raw_ostream &os) {
  if (auto file = diag.getLocation()->findInstanceOf<FileLineColLoc>()) {
    os << file.getFilename().getValue();
    if (file.getLine())
      os << ":" << file.getLine() << ":" << file.getColumn();
    os << ": ";
  }
  switch (diag.getSeverity()) {
  case DiagnosticSeverity::Error:
    os << "error: ";
    break;
  case DiagnosticSeverity::Warning:
    os << "warning: ";
    break;
  case DiagnosticSeverity::Remark:
    os << "remark: ";
    break;
  case DiagnosticSeverity::Note:
    os << "note: ";
    break;
  }
  os << diag << "\n";
}

/// While alive, every diagnostic of `context` is printed on stderr as one
/// line.
class OneLineDiagnostics : public ScopedDiagnosticHandler {
public:
  explicit OneLineDiagnostics(MLIRContext *context)
      : ScopedDiagnosticHandler(context, [](Diagnostic &diag) {
          printDiagnosticLine(diag, llvm::errs());
          return success();
        }) {}
};

} // namespace mlir::cherry

#endif // CHERRY_SUPPORT_ONELINEDIAGNOSTICS_H
