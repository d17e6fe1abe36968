//===- LlamaConfig.cpp - Hugging Face Llama config.json -------------------===//

#include "cherry/Frontend/LlamaConfig.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <cstdint>
#include <limits>

using namespace mlir;
using namespace mlir::cherry;
namespace json = llvm::json;

namespace {

/// Reads typed fields of one JSON object, reporting the first problem.
class FieldReader {
public:
  FieldReader(const json::Object &object, StringRef prefix,
              const ConfigErrorFn &emitError)
      : object(object), prefix(prefix), emitError(emitError) {}

  bool failed() const { return hasFailed; }

  std::string path(StringRef key) const {
    return prefix.empty() ? key.str() : (prefix + "." + key).str();
  }

  void fail(StringRef key, const Twine &message) {
    if (hasFailed)
      return;
    hasFailed = true;
    emitError(path(key), "'" + path(key) + "' " + message);
  }

  /// A positive integer; `value` is left alone when the key is absent.
  void positiveInt(StringRef key, int64_t &value) {
    const json::Value *field = object.get(key);
    if (!field || field->kind() == json::Value::Null)
      return;
    std::optional<int64_t> number = field->getAsInteger();
    if (!number || field->kind() == json::Value::Boolean)
      return fail(key, "must be an integer");
    if (*number <= 0)
      return fail(key, "must be positive, found " + Twine(*number));
    // Sizes are dimensions of tensors whose products must not wrap.
    constexpr int64_t kMax = std::numeric_limits<int32_t>::max();
    if (*number > kMax)
      return fail(key, "is " + Twine(*number) + ", more than " + Twine(kMax));
    value = *number;
  }

  void positiveNumber(StringRef key, double &value) {
    const json::Value *field = object.get(key);
    if (!field || field->kind() == json::Value::Null)
      return;
    std::optional<double> number = field->getAsNumber();
    if (!number)
      return fail(key, "must be a number");
    if (!std::isfinite(*number) || *number <= 0)
      return fail(key, "must be a positive number, found " +
                           llvm::formatv("{0}", *number).str());
    value = *number;
  }

  void boolean(StringRef key, bool &value) {
    const json::Value *field = object.get(key);
    if (!field || field->kind() == json::Value::Null)
      return;
    std::optional<bool> flag = field->getAsBoolean();
    if (!flag)
      return fail(key, "must be true or false");
    value = *flag;
  }

  /// The string value of `key`, or nullopt when absent (or not a string,
  /// which is reported).
  std::optional<StringRef> string(StringRef key) {
    const json::Value *field = object.get(key);
    if (!field || field->kind() == json::Value::Null)
      return std::nullopt;
    std::optional<StringRef> text = field->getAsString();
    if (!text)
      fail(key, "must be a string");
    return text;
  }

  /// Rejects a feature the graph does not have: `key` must be absent, null
  /// or equal to its neutral value.
  void unsupportedUnless(StringRef key, bool isNeutral, const Twine &what) {
    if (object.get(key) && !isNeutral)
      fail(key, "is not supported: " + what);
  }

private:
  const json::Object &object;
  std::string prefix;
  const ConfigErrorFn &emitError;
  bool hasFailed = false;
};

bool isNullOr(const json::Object &object, StringRef key,
              function_ref<bool(const json::Value &)> neutral) {
  const json::Value *field = object.get(key);
  return !field || field->kind() == json::Value::Null || neutral(*field);
}

} // namespace

static constexpr std::pair<StringRef, StringRef> kLoraTargets[] = {
    {"q_proj", "self_attn.q_proj"}, {"k_proj", "self_attn.k_proj"},
    {"v_proj", "self_attn.v_proj"}, {"o_proj", "self_attn.o_proj"},
    {"gate_proj", "mlp.gate_proj"}, {"up_proj", "mlp.up_proj"},
    {"down_proj", "mlp.down_proj"},
};

ArrayRef<std::pair<StringRef, StringRef>> mlir::cherry::loraTargetWeights() {
  return kLoraTargets;
}

/// The [out, in] shape of the weight LoRA target `module`
/// ("self_attn.q_proj") adapts.
static SmallVector<int64_t, 2> targetShape(const LlamaConfig &config,
                                           StringRef module) {
  for (const LlamaWeight &w : llamaLayerWeights(config))
    if (w.name == (module + ".weight").str())
      return w.shape;
  return {};
}

/// A JSON integer (not a boolean), or nullopt.
static std::optional<int64_t> jsonInteger(const json::Value &value) {
  if (value.kind() == json::Value::Boolean)
    return std::nullopt;
  return value.getAsInteger();
}

/// Reads `"cherry": {"recurrent": {...}}` into `config.recurrent`, checking
/// it against the rest of the config (`num_hidden_layers` shared layers).
static bool parseRecurrent(const json::Value &value, LlamaConfig &config,
                           const ConfigErrorFn &emitError) {
  const json::Object *object = value.getAsObject();
  if (!object) {
    emitError("cherry.recurrent",
              "'cherry.recurrent' must be an object {\"steps\": N, "
              "\"schedule\": [...], ...}");
    return false;
  }
  FieldReader read(*object, "cherry.recurrent", emitError);
  static constexpr StringRef kKnown[] = {
      "steps",        "schedule",  "step_norms",    "lora_rank", "lora_alpha",
      "lora_targets", "lora_init", "source_layers", "groups"};
  for (const auto &entry : *object)
    if (!llvm::is_contained(kKnown, StringRef(entry.first)))
      read.fail(entry.first,
                "is not a known field (" +
                    llvm::join(std::begin(kKnown), std::end(kKnown), ", ") +
                    ")");
  if (read.failed())
    return false;

  RecurrentConfig rec;
  const int64_t layers = config.numLayers;
  if (!object->get("steps")) {
    read.fail("steps", "is missing (the number of effective steps)");
    return false;
  }
  read.positiveInt("steps", rec.steps);
  read.boolean("step_norms", rec.stepNorms);
  if (read.failed())
    return false;

  // The schedule: one shared layer per step, every layer run.
  const json::Value *schedule = object->get("schedule");
  const json::Array *entries = schedule ? schedule->getAsArray() : nullptr;
  if (!entries) {
    read.fail("schedule", schedule ? "must be a list of shared layer indices"
                                   : "is missing (the shared layer of each "
                                     "step)");
    return false;
  }
  for (auto [s, entry] : llvm::enumerate(*entries)) {
    std::optional<int64_t> layer = jsonInteger(entry);
    if (!layer) {
      read.fail("schedule", "entry " + Twine(s) + " is not an integer");
      return false;
    }
    if (*layer < 0 || *layer >= layers) {
      read.fail("schedule", "entry " + Twine(s) + " names layer " +
                                Twine(*layer) + ", but there are " +
                                Twine(layers) +
                                " shared layers (num_hidden_layers)");
      return false;
    }
    rec.schedule.push_back(*layer);
  }
  if (static_cast<int64_t>(rec.schedule.size()) != rec.steps) {
    read.fail("schedule", "has " + Twine(rec.schedule.size()) +
                              " entries, but steps is " + Twine(rec.steps));
    return false;
  }
  for (int64_t layer = 0; layer < layers; ++layer)
    if (!llvm::is_contained(rec.schedule, layer)) {
      read.fail("schedule", "never runs shared layer " + Twine(layer));
      return false;
    }

  // LoRA: rank 0 is none.
  if (const json::Value *rank = object->get("lora_rank");
      rank && rank->kind() != json::Value::Null) {
    std::optional<int64_t> r = jsonInteger(*rank);
    if (!r || *r < 0) {
      read.fail("lora_rank", "must be a non-negative integer");
      return false;
    }
    rec.loraRank = *r;
  }
  if (const json::Value *alpha = object->get("lora_alpha");
      alpha && alpha->kind() != json::Value::Null) {
    std::optional<double> a = alpha->getAsNumber();
    if (!a || !std::isfinite(*a)) {
      read.fail("lora_alpha", "must be a finite number");
      return false;
    }
    rec.loraAlpha = *a;
  }
  if (rec.loraRank > 0 && !(rec.loraAlpha > 0)) {
    read.fail("lora_alpha", "must be positive when lora_rank is " +
                                Twine(rec.loraRank) +
                                " (the adapters' scale is lora_alpha / "
                                "lora_rank)");
    return false;
  }
  if (const json::Value *targets = object->get("lora_targets");
      targets && targets->kind() != json::Value::Null) {
    const json::Array *list = targets->getAsArray();
    if (!list) {
      read.fail("lora_targets", "must be a list of projection names");
      return false;
    }
    for (const json::Value &target : *list) {
      std::optional<StringRef> name = target.getAsString();
      auto known = llvm::find_if(kLoraTargets, [&](const auto &t) {
        return name && t.first == *name;
      });
      if (known == std::end(kLoraTargets)) {
        read.fail("lora_targets",
                  (name ? "names '" + *name + "'" : Twine("has a non-string")) +
                      ", not one of q_proj, k_proj, v_proj, o_proj, "
                      "gate_proj, up_proj, down_proj");
        return false;
      }
      if (llvm::is_contained(rec.loraTargets, *name)) {
        read.fail("lora_targets", "names '" + *name + "' twice");
        return false;
      }
      rec.loraTargets.push_back(name->str());
    }
  } else {
    for (const auto &target : kLoraTargets)
      rec.loraTargets.push_back(target.first.str());
  }
  if (rec.loraRank > 0) {
    // --cherry-compress adapts all seven projections, and the import
    // rebuilds the model with it.
    if (rec.loraTargets.size() != std::size(kLoraTargets)) {
      read.fail("lora_targets",
                "must name all of q_proj, k_proj, v_proj, o_proj, gate_proj, "
                "up_proj, down_proj (adapters on some projections only are "
                "not supported)");
      return false;
    }
    for (const auto &[target, module] : kLoraTargets) {
      if (!llvm::is_contained(rec.loraTargets, target))
        continue;
      SmallVector<int64_t, 2> shape = targetShape(config, module);
      int64_t smaller = std::min(shape[0], shape[1]);
      if (rec.loraRank > smaller) {
        read.fail("lora_rank", "(" + Twine(rec.loraRank) +
                                   ") exceeds the smaller dimension of " +
                                   target + " [" + Twine(shape[0]) + ", " +
                                   Twine(shape[1]) + "]");
        return false;
      }
    }
  }

  // How the adapters were initialized (provenance: an imported model's
  // adapters come from its checkpoint).
  if (std::optional<StringRef> init = read.string("lora_init")) {
    if (*init != "random" && *init != "svd")
      read.fail("lora_init",
                "must be \"random\" or \"svd\", found \"" + *init + "\"");
    else
      rec.loraInit = init->str();
  }
  if (read.failed())
    return false;

  // Provenance: checked for type, not used to build the graph.
  read.positiveInt("source_layers", rec.sourceLayers);
  if (read.failed())
    return false;
  if (const json::Value *groups = object->get("groups");
      groups && groups->kind() != json::Value::Null) {
    const json::Array *list = groups->getAsArray();
    bool ok = list && static_cast<int64_t>(list->size()) == layers;
    for (size_t g = 0; ok && g < list->size(); ++g) {
      const json::Array *members = (*list)[g].getAsArray();
      ok = members && !members->empty();
      SmallVector<int64_t> group;
      for (size_t k = 0; ok && k < members->size(); ++k) {
        std::optional<int64_t> j = jsonInteger((*members)[k]);
        ok = j && *j >= 0 && (!rec.sourceLayers || *j < rec.sourceLayers);
        if (ok)
          group.push_back(*j);
      }
      rec.groups.push_back(std::move(group));
    }
    if (!ok) {
      read.fail("groups", "must be " + Twine(layers) +
                              " non-empty lists of source layer indices "
                              "(one per shared layer)");
      return false;
    }
  }
  config.recurrent = std::move(rec);
  return true;
}

std::optional<LlamaConfig>
mlir::cherry::parseLlamaConfig(StringRef text, const ConfigErrorFn &emitError) {
  llvm::Expected<json::Value> parsed = json::parse(text);
  if (!parsed) {
    emitError("", "not valid JSON: " + llvm::toString(parsed.takeError()));
    return std::nullopt;
  }
  const json::Object *object = parsed->getAsObject();
  if (!object) {
    emitError("", "not a JSON object");
    return std::nullopt;
  }

  FieldReader read(*object, "", emitError);
  LlamaConfig config;

  // Architecture.
  std::optional<StringRef> modelType = read.string("model_type");
  if (!modelType && !read.failed())
    read.fail("model_type", "is missing (expected \"llama\")");
  else if (modelType && *modelType != "llama")
    read.fail("model_type", "must be \"llama\", found \"" + *modelType + "\"");
  if (const json::Value *archs = object->get("architectures")) {
    const json::Array *list = archs->getAsArray();
    bool ok = list && list->size() == 1 &&
              (*list)[0].getAsString() == StringRef("LlamaForCausalLM");
    if (!ok)
      read.fail("architectures", "must be [\"LlamaForCausalLM\"]");
  }

  // Sizes, with Hugging Face LlamaConfig defaults for absent keys.
  read.positiveInt("vocab_size", config.vocabSize);
  read.positiveInt("hidden_size", config.hiddenSize);
  read.positiveInt("intermediate_size", config.intermediateSize);
  read.positiveInt("num_hidden_layers", config.numLayers);
  read.positiveInt("num_attention_heads", config.numHeads);
  config.numKVHeads = config.numHeads;
  read.positiveInt("num_key_value_heads", config.numKVHeads);
  read.positiveInt("max_position_embeddings", config.maxPositions);
  read.positiveNumber("rms_norm_eps", config.rmsNormEps);
  read.positiveNumber("initializer_range", config.initializerRange);
  read.boolean("tie_word_embeddings", config.tieWordEmbeddings);

  // RoPE: `rope_theta`, or the newer `rope_parameters` object.
  read.positiveNumber("rope_theta", config.ropeTheta);
  if (const json::Value *rope = object->get("rope_parameters");
      rope && rope->kind() != json::Value::Null) {
    const json::Object *params = rope->getAsObject();
    if (!params) {
      read.fail("rope_parameters", "must be an object");
    } else {
      FieldReader ropeRead(*params, "rope_parameters", emitError);
      std::optional<StringRef> type = ropeRead.string("rope_type");
      if (type && *type != "default")
        ropeRead.fail("rope_type", "\"" + *type +
                                       "\" is not supported (only "
                                       "\"default\" rotary embeddings)");
      ropeRead.positiveNumber("rope_theta", config.ropeTheta);
      if (ropeRead.failed())
        return std::nullopt;
    }
  }

  // Features the graph does not have.
  read.unsupportedUnless("rope_scaling",
                         isNullOr(*object, "rope_scaling",
                                  [](const json::Value &) { return false; }),
                         "only unscaled rotary embeddings");
  auto isFalse = [](const json::Value &v) {
    return v.getAsBoolean() == std::optional<bool>(false);
  };
  read.unsupportedUnless("attention_bias",
                         isNullOr(*object, "attention_bias", isFalse),
                         "attention projections have no bias");
  read.unsupportedUnless("mlp_bias", isNullOr(*object, "mlp_bias", isFalse),
                         "MLP projections have no bias");
  read.unsupportedUnless(
      "attention_dropout",
      isNullOr(*object, "attention_dropout",
               [](const json::Value &v) { return v.getAsNumber() == 0.0; }),
      "attention dropout must be 0");
  if (std::optional<StringRef> act = read.string("hidden_act");
      act && *act != "silu")
    read.fail("hidden_act", "must be \"silu\", found \"" + *act + "\"");

  for (StringRef key : {"torch_dtype", "dtype"}) {
    std::optional<StringRef> dtype = read.string(key);
    if (!dtype)
      continue;
    if (*dtype != "float32" && *dtype != "bfloat16" && *dtype != "float16")
      read.fail(key, "must be float32, bfloat16 or float16, found \"" + *dtype +
                         "\"");
    config.dtype = dtype->str();
  }
  if (read.failed())
    return std::nullopt;

  // Head geometry.
  if (config.hiddenSize % config.numHeads) {
    read.fail("num_attention_heads", "(" + Twine(config.numHeads) +
                                         ") does not divide hidden_size (" +
                                         Twine(config.hiddenSize) + ")");
    return std::nullopt;
  }
  if (config.numHeads % config.numKVHeads) {
    read.fail("num_key_value_heads",
              "(" + Twine(config.numKVHeads) +
                  ") does not divide num_attention_heads (" +
                  Twine(config.numHeads) + ")");
    return std::nullopt;
  }
  config.headDim = config.hiddenSize / config.numHeads;
  int64_t headDim = config.headDim;
  read.positiveInt("head_dim", headDim);
  if (read.failed())
    return std::nullopt;
  if (headDim != config.headDim) {
    read.fail("head_dim", "(" + Twine(headDim) +
                              ") differs from hidden_size / "
                              "num_attention_heads (" +
                              Twine(config.headDim) + "); not supported");
    return std::nullopt;
  }
  if (config.headDim % 2) {
    read.fail("hidden_size", "gives an odd head_dim (" + Twine(config.headDim) +
                                 "); rotary embeddings need an even one");
    return std::nullopt;
  }

  // The compiled training shape (our own section; Hugging Face ignores it).
  if (const json::Value *shape = object->get("cherry")) {
    const json::Object *section = shape->getAsObject();
    if (!section) {
      read.fail("cherry", "must be an object {\"batch\": B, \"seq\": T}");
      return std::nullopt;
    }
    FieldReader shapeRead(*section, "cherry", emitError);
    shapeRead.positiveInt("batch", config.batch);
    shapeRead.positiveInt("seq", config.seq);
    for (const auto &entry : *section)
      if (entry.first == "moee")
        shapeRead.fail(entry.first,
                       "is a mixture of experts, which --import-hf does not "
                       "build: import a source model's architecture and fuse "
                       "it with --cherry-moee-fuse=\"<the section's options> "
                       "weights=fused\" (docs/MoEE.md)");
      else if (entry.first != "batch" && entry.first != "seq" &&
               entry.first != "recurrent" && entry.first != "averaged")
        shapeRead.fail(entry.first, "is not a known field (batch, seq, "
                                    "recurrent, averaged)");
    if (shapeRead.failed())
      return std::nullopt;
    if (const json::Value *recurrent = section->get("recurrent");
        recurrent && recurrent->kind() != json::Value::Null)
      if (!parseRecurrent(*recurrent, config, emitError))
        return std::nullopt;
  }
  return config;
}

SmallVector<LlamaWeight>
mlir::cherry::llamaLayerWeights(const LlamaConfig &config) {
  int64_t d = config.hiddenSize, f = config.intermediateSize;
  int64_t q = config.numHeads * config.headDim;
  int64_t kv = config.numKVHeads * config.headDim;
  return {
      {"self_attn.q_proj.weight", {q, d}},
      {"self_attn.k_proj.weight", {kv, d}},
      {"self_attn.v_proj.weight", {kv, d}},
      {"self_attn.o_proj.weight", {d, q}},
      {"mlp.gate_proj.weight", {f, d}},
      {"mlp.up_proj.weight", {f, d}},
      {"mlp.down_proj.weight", {d, f}},
      {"input_layernorm.weight", {d}, /*isNorm=*/true},
      {"post_attention_layernorm.weight", {d}, /*isNorm=*/true},
  };
}

SmallVector<LlamaWeight>
mlir::cherry::recurrentStepWeights(const LlamaConfig &config) {
  SmallVector<LlamaWeight> weights;
  if (!config.recurrent)
    return weights;
  const RecurrentConfig &rec = *config.recurrent;
  int64_t d = config.hiddenSize;
  for (int64_t s = 0; s < rec.steps; ++s) {
    std::string prefix = "model.recurrent.steps." + std::to_string(s) + ".";
    if (rec.stepNorms) {
      weights.push_back({prefix + "input_layernorm.weight", {d}, true});
      weights.push_back(
          {prefix + "post_attention_layernorm.weight", {d}, true});
    }
    if (rec.loraRank == 0)
      continue;
    for (const auto &[target, module] : kLoraTargets) {
      if (!llvm::is_contained(rec.loraTargets, target))
        continue;
      SmallVector<int64_t, 2> shape = targetShape(config, module);
      weights.push_back(
          {prefix + module.str() + ".lora_A.weight", {rec.loraRank, shape[1]}});
      weights.push_back(
          {prefix + module.str() + ".lora_B.weight", {shape[0], rec.loraRank}});
    }
  }
  return weights;
}

SmallVector<LlamaWeight> mlir::cherry::llamaWeights(const LlamaConfig &config) {
  int64_t v = config.vocabSize, d = config.hiddenSize;
  SmallVector<LlamaWeight> weights;
  weights.push_back({"model.embed_tokens.weight", {v, d}});
  SmallVector<LlamaWeight> layer = llamaLayerWeights(config);
  for (int64_t i = 0; i < config.numLayers; ++i)
    for (const LlamaWeight &w : layer)
      weights.push_back({"model.layers." + std::to_string(i) + "." + w.name,
                         w.shape, w.isNorm});
  weights.push_back({"model.norm.weight", {d}, /*isNorm=*/true});
  if (!config.tieWordEmbeddings)
    weights.push_back({"lm_head.weight", {v, d}});
  return weights;
}
