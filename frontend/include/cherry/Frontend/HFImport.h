//===- HFImport.h - Import Hugging Face Llama models ------------*- C++ -*-===//
//
// Turns a Hugging Face style model directory (config.json, optionally
// model.safetensors or a sharded model.safetensors.index.json) into the
// forward graph in the `cherry` dialect.
//
//===----------------------------------------------------------------------===//

#ifndef CHERRY_FRONTEND_HFIMPORT_H
#define CHERRY_FRONTEND_HFIMPORT_H

#include "cherry/Frontend/LlamaConfig.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

#include <cstdint>

namespace llvm {
class SourceMgr;
} // namespace llvm

namespace mlir::cherry {

struct HFImportOptions {
  /// The compiled shape; 0 takes the config's "cherry" section, else batch 1
  /// and seq = max_position_embeddings.
  int64_t batch = 0;
  int64_t seq = 0;
  /// Check the weights next to config.json, when there are any.
  bool checkWeights = true;
};

/// Builds the forward graph of `config`: one `cherry.param` per weight, named
/// after its Hugging Face tensor, and `func.func @forward(%ids, %targets) ->
/// tensor<f32>` returning the mean cross-entropy. Parameters get
/// initializers (normal(0, initializer_range) for matrices and embeddings,
/// ones for norms) unless `withInitializers` is false (the weights come from
/// a checkpoint). `loc` is where every op points (the config file).
OwningOpRef<ModuleOp> buildLlamaModule(MLIRContext *context,
                                       const LlamaConfig &config, int64_t batch,
                                       int64_t seq, bool withInitializers,
                                       Location loc);

/// Imports the model whose config.json is the main buffer of `sourceMgr`
/// (its identifier is the file path; the weights are looked for in the same
/// directory). Errors are emitted as diagnostics naming the file and field or
/// tensor; returns null on error.
OwningOpRef<ModuleOp> importHuggingFaceModel(llvm::SourceMgr &sourceMgr,
                                             MLIRContext *context,
                                             const HFImportOptions &options);

/// Registers the `--import-hf` translation and its `--batch` and `--seq`
/// options with mlir-translate's registry.
void registerImportHFTranslation();

} // namespace mlir::cherry

#endif // CHERRY_FRONTEND_HFIMPORT_H
