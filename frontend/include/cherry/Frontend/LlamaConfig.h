//===- LlamaConfig.h - Hugging Face Llama config.json -----------*- C++ -*-===//
//
// The subset of a Hugging Face `LlamaForCausalLM` config.json that decides
// the graph, read with Hugging Face's defaults for absent keys, and the list
// of weights (names and shapes) such a model has.
//
//===----------------------------------------------------------------------===//

#ifndef CHERRY_FRONTEND_LLAMACONFIG_H
#define CHERRY_FRONTEND_LLAMACONFIG_H

#include "mlir/Support/LLVM.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace mlir::cherry {

/// The `"cherry": {"recurrent": {...}}` section of a compressed model
/// (docs/Formats.md): `num_hidden_layers` shared layers run for `steps`
/// steps, step s running layer `schedule[s]`, with optional per-step RMSNorm
/// gains and LoRA adapters (`model.recurrent.steps.{s}.*`).
struct RecurrentConfig {
  int64_t steps = 0;
  llvm::SmallVector<int64_t> schedule;
  bool stepNorms = false;
  /// 0: no LoRA.
  int64_t loraRank = 0;
  double loraAlpha = 0;
  /// Projections with LoRA adapters: "q_proj", ..., "down_proj".
  llvm::SmallVector<std::string> loraTargets;
  /// How --cherry-compress initialized the adapters: "random" or "svd"
  /// (provenance; an import reads them from the checkpoint).
  std::string loraInit = "random";
  /// Provenance (the dense model's depth and the layers averaged into each
  /// shared layer); 0 / empty when absent.
  int64_t sourceLayers = 0;
  llvm::SmallVector<llvm::SmallVector<int64_t>> groups;
};

struct LlamaConfig {
  int64_t vocabSize = 32000;
  int64_t hiddenSize = 4096;
  int64_t intermediateSize = 11008;
  int64_t numLayers = 32;
  int64_t numHeads = 32;
  int64_t numKVHeads = 32;
  int64_t headDim = 128;
  int64_t maxPositions = 2048;
  double rmsNormEps = 1e-6;
  double ropeTheta = 10000.0;
  double initializerRange = 0.02;
  bool tieWordEmbeddings = false;
  /// "float32", "bfloat16" or "float16" when the config names the dtype of
  /// its checkpoint (`torch_dtype`, or `dtype` in newer configs).
  std::optional<std::string> dtype;
  /// The compiled training shape from the optional `"cherry": {"batch": B,
  /// "seq": T}` section; 0 when absent.
  int64_t batch = 0;
  int64_t seq = 0;
  /// The `"cherry": {"recurrent": ...}` section, when the model is a
  /// compressed (recurrent) one; `numLayers` is then its shared layers.
  std::optional<RecurrentConfig> recurrent;
};

/// Reports an error about the config; `key` is the offending field (possibly
/// dotted, like "cherry.seq"), empty when the file as a whole is at fault.
using ConfigErrorFn =
    std::function<void(llvm::StringRef key, const llvm::Twine &message)>;

/// Parses config.json text. Unsupported architectures and features
/// (`rope_scaling`, attention or MLP bias, activations other than silu,
/// heads not dividing the hidden size, ...) are errors naming the field.
std::optional<LlamaConfig> parseLlamaConfig(llvm::StringRef text,
                                            const ConfigErrorFn &emitError);

/// One weight of a Llama model: its Hugging Face name and [out, in] shape.
struct LlamaWeight {
  std::string name;
  llvm::SmallVector<int64_t, 2> shape;
  bool isNorm = false;
};

/// The weights of `config` in Hugging Face state_dict order: embeddings,
/// then each layer's attention, MLP and norms, the final norm, and
/// `lm_head.weight` unless the embeddings are tied.
llvm::SmallVector<LlamaWeight> llamaWeights(const LlamaConfig &config);

/// The weight names of one decoder layer, relative to `model.layers.<i>.`.
llvm::SmallVector<LlamaWeight> llamaLayerWeights(const LlamaConfig &config);

/// The projections LoRA adapters may target, in layer order, and the
/// weight each adapts (relative to `model.layers.<i>.`).
llvm::ArrayRef<std::pair<llvm::StringRef, llvm::StringRef>> loraTargetWeights();

/// The per-step weights of a recurrent config (none without one), in step
/// order: `model.recurrent.steps.{s}.input_layernorm.weight` and
/// `...post_attention_layernorm.weight` with step norms, then
/// `model.recurrent.steps.{s}.<module>.lora_A.weight` [rank, in] and
/// `...lora_B.weight` [out, rank] for every LoRA target.
llvm::SmallVector<LlamaWeight> recurrentStepWeights(const LlamaConfig &config);

} // namespace mlir::cherry

#endif // CHERRY_FRONTEND_LLAMACONFIG_H
