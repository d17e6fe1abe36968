//===- PipelineFuzzer.cpp - libFuzzer target: IR parser and pipelines -----===//
//
// Any bytes as cherry IR: parsed with the dialects registered and verified;
// a module that verifies is compiled by --cherry-train (batch 2, seq 8),
// --cherry-infer (batch 1, seq 4) and --cherry-decode (batch 1, capacity 8),
// in the loop form for inputs of odd length and the unrolled form for the
// others, and the planned result of each is emitted as an executable. Every
// outcome must be a diagnostic: a crash, an assertion, a hang or a sanitizer
// report is a bug, and so is an executable that the runtime's verifier refuses
// (the emitter calls that an internal error) or one that protobuf complains
// about while writing it.
//
//===----------------------------------------------------------------------===//

#include "cherry/Dialect/Cherry/IR/CherryDialect.h"
#include "cherry/Dialect/Kernel/IR/KernelDialect.h"
#include "cherry/Dialect/Kernel/Target/EmitExecutable.h"
#include "cherry/Transforms/Pipelines.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

#include <google/protobuf/stubs/logging.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>

using namespace mlir;

namespace {

/// CHERRY_FUZZ_VERBOSE=1 prints how far each input got (to check seeds).
bool verbose() {
  static bool on = std::getenv("CHERRY_FUZZ_VERBOSE") != nullptr;
  return on;
}

MLIRContext &context() {
  static MLIRContext *ctx = [] {
    DialectRegistry registry;
    registry.insert<
        mlir::cherry::CherryDialect, mlir::cherry::kernel::CherryKernelDialect,
        func::FuncDialect, arith::ArithDialect, memref::MemRefDialect>();
    auto *c = new MLIRContext(registry, MLIRContext::Threading::DISABLED);
    c->loadAllAvailableDialects();
    return c;
  }();
  return *ctx;
}

/// Runs the pipeline `build` adds on a copy of `module`, then emits the
/// result. An emitter's internal error is a finding.
void compile(ModuleOp module, const std::function<void(OpPassManager &)> &build,
             const char *name) {
  OwningOpRef<ModuleOp> copy = module.clone();
  auto pm = PassManager::on<ModuleOp>(&context());
  build(pm);
  if (failed(pm.run(*copy))) {
    if (verbose())
      std::fprintf(stderr, "PipelineFuzzer: %s failed\n", name);
    return;
  }
  std::string internal;
  {
    ScopedDiagnosticHandler check(&context(), [&](Diagnostic &diag) {
      std::string text = diag.str();
      if (llvm::StringRef(text).contains("internal error"))
        internal = text;
      return success();
    });
    std::string bytes;
    llvm::raw_string_ostream os(bytes);
    (void)mlir::cherry::kernel::emitExecutable(*copy, os);
  }
  if (verbose())
    std::fprintf(stderr, "PipelineFuzzer: %s compiled\n", name);
  if (!internal.empty()) {
    std::fprintf(stderr, "PipelineFuzzer: %s: %s\n", name, internal.c_str());
    std::abort();
  }
}

} // namespace

/// MLIR is not instrumented, our code is: LLVM's allocators poison their
/// free slab space when compiled with AddressSanitizer, so a slab our code
/// poisoned and MLIR's own copy of the allocator then hands out reads as a
/// use-after-poison that is none. Only that manual poisoning is turned off.
extern "C" const char *__asan_default_options() {
  return "allow_user_poisoning=0";
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static bool handler = [] {
    google::protobuf::SetLogHandler([](google::protobuf::LogLevel level,
                                       const char *file, int line,
                                       const std::string &message) {
      std::fprintf(stderr, "PipelineFuzzer: protobuf: %s:%d: %s\n", file, line,
                   message.c_str());
      if (level >= google::protobuf::LOGLEVEL_ERROR)
        std::abort();
    });
    return true;
  }();
  (void)handler;
  MLIRContext &ctx = context();
  // Parse and pass errors are expected; they are not printed.
  ScopedDiagnosticHandler quiet(&ctx, [](Diagnostic &) { return success(); });
  // MLIR's lexer stops at a NUL after the text, as in the buffers
  // cherry-opt reads files into; the fuzzer's bytes have none.
  const std::string text(reinterpret_cast<const char *>(data), size);
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(
      llvm::StringRef(text.c_str(), size),
      ParserConfig(&ctx, /*verifyAfterParse=*/true));
  if (!module) {
    if (verbose())
      std::fprintf(stderr, "PipelineFuzzer: does not parse\n");
    return 0;
  }
  const char *form = size % 2 ? "loop" : "unrolled";
  compile(
      *module,
      [form](OpPassManager &pm) {
        mlir::cherry::TrainPipelineOptions options;
        options.form = form;
        options.batch = 2;
        options.seq = 8;
        options.report = false;
        mlir::cherry::buildTrainPipeline(pm, options);
      },
      "--cherry-train");
  compile(
      *module,
      [form](OpPassManager &pm) {
        mlir::cherry::InferPipelineOptions options;
        options.form = form;
        options.batch = 1;
        options.seq = 4;
        options.report = false;
        mlir::cherry::buildInferPipeline(pm, options);
      },
      "--cherry-infer");
  compile(
      *module,
      [form](OpPassManager &pm) {
        mlir::cherry::DecodePipelineOptions options;
        options.form = form;
        options.batch = 1;
        options.capacity = 8;
        options.report = false;
        mlir::cherry::buildDecodePipeline(pm, options);
      },
      "--cherry-decode");
  return 0;
}
