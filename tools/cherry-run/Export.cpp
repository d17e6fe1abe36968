//===- Export.cpp - cherry-run export -------------------------------------===//
//
// A trained compressed (recurrent) model as a plain Hugging Face
// LlamaForCausalLM directory with one layer per step (runtime/Export.h).
//
//===----------------------------------------------------------------------===//

#include "Common.h"

#include "cherry/Runtime/Executable.h"
#include "cherry/Runtime/Export.h"

namespace cherry::run {

using namespace cherry::runtime;

namespace {

const char *const kExportUsage =
    R"(usage: cherry-run export [MODEL.cherry] --weights CHECKPOINT --out DIR
                        [--force]

Writes a compressed (recurrent) model's checkpoint as a plain Hugging Face
LlamaForCausalLM directory with one layer per step: config.json without the
"cherry" section and num_hidden_layers = the steps, model.safetensors (F32)
with model.layers.{s}.* = shared layer schedule[s]'s weights, the step's
RMSNorm gains in place of the shared ones and its LoRA merged
(W + (lora_alpha / lora_rank) * B @ A, in double, rounded once), plus the
embeddings, the final norm and lm_head. transformers loads it as is, and
cherry-translate --import-hf reads it as a dense model.

  MODEL.cherry          optional: the compiled model; its model_config must
                        equal the checkpoint's config.json (but for the
                        compiled batch and seq) and its saved parameters be
                        the checkpoint's tensors
  --weights CHECKPOINT  a checkpoint directory (config.json,
                        model.safetensors), or a run directory (its latest
                        checkpoint), or a .safetensors file with MODEL.cherry
  --out DIR             the directory to write: created, or an empty one;
                        written beside it and renamed into place
  --force               replace DIR when it exists and is not empty
  -h, --help            show this help
)";

} // namespace

int runExport(const std::vector<std::string> &argv) {
  const std::string command = "export";
  ParsedArgs args(argv,
                  {{"--weights", true}, {"--out", true}, {"--force", false}},
                  command);
  if (args.help) {
    writeStdout(kExportUsage);
    return 0;
  }
  if (args.positional.size() > 1)
    throw RunError("unexpected argument '" + args.positional[1] +
                   "' for 'export' (one executable at most)");
  ExportRequest request;
  request.weights = args.required("--weights", command);
  request.outDir = args.required("--out", command);
  request.replace = args.has("--force");
  ex::Executable exe;
  if (!args.positional.empty()) {
    request.executableName = args.positional[0];
    check(loadExecutable(request.executableName, exe));
    request.executable = &exe;
  }
  ExportSummary summary;
  check(exportRecurrentModel(request, summary));
  std::string features;
  if (summary.stepNorms)
    features += ", per-step norms";
  if (summary.loraRank)
    features += ", LoRA rank " + std::to_string(summary.loraRank) + " merged";
  writeStdout("export: " + summary.weights + " (" +
              std::to_string(summary.sharedLayers) + " shared layers x " +
              std::to_string(summary.steps) + " steps" + features + ") -> " +
              request.outDir + ": " + std::to_string(summary.steps) +
              "-layer Llama, " + std::to_string(summary.tensors) +
              " tensors\n");
  return 0;
}

} // namespace cherry::run
