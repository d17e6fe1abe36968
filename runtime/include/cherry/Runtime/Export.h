//===- Export.h - A recurrent model as a plain Hugging Face Llama -*- C++
//-*-===//
//
// What `cherry-run export` does. A compressed (recurrent) model's checkpoint
// holds L shared layers `model.layers.{i}.*`, the per-step parameters
// `model.recurrent.steps.{s}.*` and a config.json whose
// `"cherry": {"recurrent": ...}` section gives the N-step schedule
// (docs/Formats.md). Exporting it writes the N-layer dense Llama those
// steps compute, which any Hugging Face loader reads:
//
//  - config.json: the checkpoint's, without the "cherry" section,
//    num_hidden_layers = N, and the dtype (torch_dtype / dtype, where
//    present) float32;
//  - model.safetensors (F32): model.embed_tokens, model.norm and lm_head
//    (unless tied) as they are, and for every step s < N,
//    model.layers.{s}.* = the shared layer schedule[s]'s weights, with the
//    step's RMSNorm gains in place of the shared ones (step_norms) and the
//    step's LoRA merged into each adapted projection,
//    W + (lora_alpha / lora_rank) * B_s @ A_s, summed in double and rounded
//    to float once.
//
// The output directory is written next to its final place and renamed into
// it: a crash leaves no half-written model. An existing non-empty directory
// is replaced only when asked. Every error is one line naming the file,
// key or tensor. Links no MLIR or LLVM.
//
//===----------------------------------------------------------------------===//

#ifndef CHERRY_RUNTIME_EXPORT_H
#define CHERRY_RUNTIME_EXPORT_H

#include "cherry/Runtime/SafeTensors.h"
#include "cherry/Runtime/Status.h"
#include "cherry/Runtime/proto/executable.pb.h"

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

namespace cherry::runtime {

/// A dense model to write: its config.json text and its F32 tensors (the
/// data either the checkpoint's own mapped bytes or `storage`).
struct DenseModel {
  std::string configJson;
  std::vector<TensorToWrite> tensors;
  std::deque<std::vector<float>> storage;
  /// The recurrent model it came from.
  int64_t steps = 0;
  int64_t sharedLayers = 0;
  bool stepNorms = false;
  int64_t loraRank = 0;
};

/// Computes the dense N-layer model of the recurrent model whose config.json
/// text is `configJson` (named `configName` in messages) and whose weights
/// are `weights` (`weightsName`). Fails when the config has no
/// "cherry.recurrent" section or a malformed one, or when a tensor is
/// missing, has another shape than the config implies, holds a non-finite
/// value, or is not part of the model. `weights` must outlive `out`.
Status unrollRecurrentModel(const std::string &configJson,
                            const std::string &configName,
                            const SafeTensors &weights,
                            const std::string &weightsName, DenseModel &out);

/// Writes `model` as a Hugging Face model directory `dir` (config.json,
/// model.safetensors): built in a temporary directory beside it and renamed
/// into place. A `dir` that exists and is not an empty directory is refused
/// unless `replace`, and then swapped out only once the new one is complete.
Status writeDenseModel(const std::string &dir, const DenseModel &model,
                       bool replace);

/// The inputs of `cherry-run export`.
struct ExportRequest {
  /// A checkpoint directory (config.json and model.safetensors, or a run
  /// directory whose `latest` names one), or a .safetensors file / shard
  /// index, which then needs `executable` for the config.
  std::string weights;
  /// The compiled model, when given: its model_config must equal the
  /// checkpoint's config.json but for the compiled shape ("cherry":
  /// {"batch", "seq"}), and its saved parameters must be the checkpoint's
  /// tensors, shape for shape.
  const executable::Executable *executable = nullptr;
  std::string executableName;
  std::string outDir;
  bool replace = false;
};

/// What exportRecurrentModel wrote.
struct ExportSummary {
  int64_t steps = 0;
  int64_t sharedLayers = 0;
  bool stepNorms = false;
  int64_t loraRank = 0;
  size_t tensors = 0;
  /// The checkpoint directory or weights file read.
  std::string weights;
};

/// Refuses `dir` as an output directory when it exists and is not an empty
/// directory, unless `replace` (then only a non-directory is refused).
Status checkOutputDirectory(const std::string &dir, bool replace);

/// Reads the checkpoint, checks it, unrolls it and writes `request.outDir`.
Status exportRecurrentModel(const ExportRequest &request,
                            ExportSummary &summary);

} // namespace cherry::runtime

#endif // CHERRY_RUNTIME_EXPORT_H
