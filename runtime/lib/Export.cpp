//===- Export.cpp - A recurrent model as a plain Hugging Face Llama -------===//
//
// Every error is one line naming the file, key or tensor at fault. Nothing
// throws out of this file.
//
//===----------------------------------------------------------------------===//

#include "cherry/Runtime/Export.h"

#include "AtomicFile.h"
#include "RunFiles.h"
#include "cherry/Runtime/Executable.h"
#include "cherry/Runtime/Training.h"
#include "cherry/Support/FileIO.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <exception>
#include <fcntl.h>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <stdio.h>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>

namespace cherry::runtime {

using json = nlohmann::json;
namespace fs = std::filesystem;
using detail::errnoText;
using detail::isDirectory;
using detail::isRegularFile;
using detail::joinPath;
using detail::readWholeFile;

namespace {

std::string shapeText(const std::vector<int64_t> &shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

/// Parses `text` as a JSON object; `what` names it in errors.
Status parseObject(const std::string &what, const std::string &text,
                   json &out) {
  try {
    json value = json::parse(text);
    if (!value.is_object())
      return Status::error(what + ": not a JSON object");
    out = std::move(value);
    return Status::success();
  } catch (const std::exception &e) {
    std::string message = e.what();
    if (size_t close = message.find("] ");
        !message.empty() && message[0] == '[' && close != std::string::npos)
      message = message.substr(close + 2);
    std::replace(message.begin(), message.end(), '\n', ' ');
    return Status::error(what + ": not valid JSON: " + message);
  }
}

/// The shapes and schedule of a recurrent Llama config.
struct Recurrent {
  int64_t vocab = 0, hidden = 0, intermediate = 0, layers = 0, heads = 0,
          kvHeads = 0, headDim = 0;
  bool tied = false;
  int64_t steps = 0;
  std::vector<int64_t> schedule;
  bool stepNorms = false;
  int64_t loraRank = 0;
  double loraAlpha = 0;
  std::set<std::string> loraTargets;
};

/// The projections of a layer, Hugging Face module and LoRA target name.
struct Projection {
  const char *target;
  const char *module;
};
constexpr Projection kProjections[] = {
    {"q_proj", "self_attn.q_proj"}, {"k_proj", "self_attn.k_proj"},
    {"v_proj", "self_attn.v_proj"}, {"o_proj", "self_attn.o_proj"},
    {"gate_proj", "mlp.gate_proj"}, {"up_proj", "mlp.up_proj"},
    {"down_proj", "mlp.down_proj"},
};
constexpr const char *kNorms[] = {"input_layernorm.weight",
                                  "post_attention_layernorm.weight"};

/// [out, in] of a projection.
std::vector<int64_t> projectionShape(const Recurrent &r,
                                     const std::string &target) {
  int64_t d = r.hidden, f = r.intermediate, q = r.heads * r.headDim,
          kv = r.kvHeads * r.headDim;
  if (target == "q_proj")
    return {q, d};
  if (target == "k_proj" || target == "v_proj")
    return {kv, d};
  if (target == "o_proj")
    return {d, q};
  if (target == "down_proj")
    return {d, f};
  return {f, d}; // gate_proj, up_proj
}

/// Reads the config's sizes and its "cherry.recurrent" section; `name`
/// names the config in errors.
Status readRecurrent(const json &config, const std::string &name,
                     Recurrent &r) {
  auto fail = [&](const std::string &key, const std::string &message) {
    return Status::error(name + ": '" + key + "' " + message);
  };
  auto positive = [&](const json &object, const std::string &prefix,
                      const std::string &key, int64_t &value,
                      bool required) -> Status {
    auto it = object.find(key);
    if (it == object.end() || it->is_null())
      return required ? fail(prefix + key, "is missing") : Status::success();
    if (!it->is_number_integer() || it->get<int64_t>() <= 0)
      return fail(prefix + key, "must be a positive integer");
    value = it->get<int64_t>();
    return Status::success();
  };
  auto section = config.find("cherry");
  const json *rec = nullptr;
  if (section != config.end() && section->is_object()) {
    auto it = section->find("recurrent");
    if (it != section->end() && !it->is_null())
      rec = &*it;
  }
  if (!rec)
    return Status::error(name +
                         ": no \"cherry\": {\"recurrent\": ...} section: not "
                         "a compressed (recurrent) model, nothing to export "
                         "(a dense checkpoint already is a Hugging Face "
                         "Llama directory)");
  if (!rec->is_object())
    return fail("cherry.recurrent", "must be an object");

  Status s;
  for (auto [key, value] :
       {std::pair<const char *, int64_t *>{"vocab_size", &r.vocab},
        {"hidden_size", &r.hidden},
        {"intermediate_size", &r.intermediate},
        {"num_hidden_layers", &r.layers},
        {"num_attention_heads", &r.heads}})
    if (!(s = positive(config, "", key, *value, true)).ok())
      return s;
  r.kvHeads = r.heads;
  if (!(s = positive(config, "", "num_key_value_heads", r.kvHeads, false)).ok())
    return s;
  if (r.hidden % r.heads)
    return fail("num_attention_heads", "does not divide hidden_size");
  r.headDim = r.hidden / r.heads;
  int64_t headDim = r.headDim;
  if (!(s = positive(config, "", "head_dim", headDim, false)).ok())
    return s;
  if (headDim != r.headDim)
    return fail("head_dim", "differs from hidden_size / num_attention_heads");
  if (auto it = config.find("tie_word_embeddings");
      it != config.end() && !it->is_null()) {
    if (!it->is_boolean())
      return fail("tie_word_embeddings", "must be true or false");
    r.tied = it->get<bool>();
  }

  const std::string p = "cherry.recurrent.";
  if (!(s = positive(*rec, p, "steps", r.steps, true)).ok())
    return s;
  auto schedule = rec->find("schedule");
  if (schedule == rec->end() || !schedule->is_array())
    return fail(p + "schedule", "must be a list of shared layer indices");
  for (const json &entry : *schedule) {
    if (!entry.is_number_integer())
      return fail(p + "schedule", "entry " + std::to_string(r.schedule.size()) +
                                      " is not an integer");
    int64_t layer = entry.get<int64_t>();
    if (layer < 0 || layer >= r.layers)
      return fail(p + "schedule", "entry " + std::to_string(r.schedule.size()) +
                                      " names layer " + std::to_string(layer) +
                                      ", but there are " +
                                      std::to_string(r.layers) +
                                      " shared layers (num_hidden_layers)");
    r.schedule.push_back(layer);
  }
  if (static_cast<int64_t>(r.schedule.size()) != r.steps)
    return fail(p + "schedule", "has " + std::to_string(r.schedule.size()) +
                                    " entries, but steps is " +
                                    std::to_string(r.steps));
  if (auto it = rec->find("step_norms"); it != rec->end() && !it->is_null()) {
    if (!it->is_boolean())
      return fail(p + "step_norms", "must be true or false");
    r.stepNorms = it->get<bool>();
  }
  if (auto it = rec->find("lora_rank"); it != rec->end() && !it->is_null()) {
    if (!it->is_number_integer() || it->get<int64_t>() < 0)
      return fail(p + "lora_rank", "must be a non-negative integer");
    r.loraRank = it->get<int64_t>();
  }
  if (auto it = rec->find("lora_alpha"); it != rec->end() && !it->is_null()) {
    if (!it->is_number() || !std::isfinite(it->get<double>()))
      return fail(p + "lora_alpha", "must be a finite number");
    r.loraAlpha = it->get<double>();
  }
  if (r.loraRank > 0 && !(r.loraAlpha > 0))
    return fail(p + "lora_alpha", "must be positive when lora_rank is " +
                                      std::to_string(r.loraRank));
  auto targets = rec->find("lora_targets");
  if (targets == rec->end() || targets->is_null()) {
    for (const Projection &proj : kProjections)
      r.loraTargets.insert(proj.target);
  } else {
    if (!targets->is_array())
      return fail(p + "lora_targets", "must be a list of projection names");
    for (const json &t : *targets) {
      bool known = t.is_string() &&
                   std::any_of(std::begin(kProjections), std::end(kProjections),
                               [&](const Projection &proj) {
                                 return t.get<std::string>() == proj.target;
                               });
      if (!known)
        return fail(p + "lora_targets",
                    "has " + t.dump() +
                        ", not one of q_proj, k_proj, v_proj, o_proj, "
                        "gate_proj, up_proj, down_proj");
      r.loraTargets.insert(t.get<std::string>());
    }
  }
  if (r.loraRank > 0)
    for (const std::string &target : r.loraTargets) {
      std::vector<int64_t> shape = projectionShape(r, target);
      if (r.loraRank > std::min(shape[0], shape[1]))
        return fail(p + "lora_rank", "(" + std::to_string(r.loraRank) +
                                         ") exceeds the smaller dimension "
                                         "of " +
                                         target + " " + shapeText(shape));
    }
  return Status::success();
}

/// The tensors of a checkpoint as the export reads them, each checked
/// against the shape the config implies and marked as used.
class TensorReader {
public:
  TensorReader(const SafeTensors &weights, const std::string &weightsName,
               const std::string &configName, DenseModel &out)
      : weights(weights), weightsName(weightsName), configName(configName),
        out(out) {}

  /// Tensor `name` of `shape`, as F32 values that stay valid while `out`
  /// and the weights live (the mapped bytes themselves when they are
  /// aligned F32, else a converted copy).
  Status get(const std::string &name, const std::vector<int64_t> &shape,
             const float *&values) {
    const TensorView *t = weights.find(name);
    if (!t)
      return Status::error(weightsName + ": no tensor '" + name + "' (" +
                           configName + " implies it, " + shapeText(shape) +
                           ")");
    if (t->shape != shape)
      return Status::error(t->file + ": tensor '" + name + "' has shape " +
                           shapeText(t->shape) + " but " + configName +
                           " implies " + shapeText(shape));
    used.insert(name);
    auto cached = floats.find(name);
    if (cached != floats.end()) {
      values = cached->second;
      return Status::success();
    }
    const size_t count = static_cast<size_t>(t->numElements());
    if (t->dtype == TensorDType::F32 &&
        reinterpret_cast<uintptr_t>(t->data) % alignof(float) == 0) {
      values = reinterpret_cast<const float *>(t->data);
    } else {
      std::vector<float> &copy = out.storage.emplace_back(count);
      t->toFloat32(copy.data());
      values = copy.data();
    }
    if (int64_t bad = firstNonFinite(values, count); bad >= 0)
      return Status::error(
          t->file + ": tensor '" + name + "' has a non-finite value (" +
          std::to_string(values[bad]) + ") at element " + std::to_string(bad));
    floats[name] = values;
    return Status::success();
  }

  /// Tensor `name` copied as is into the dense model under `as`.
  Status copy(const std::string &name, const std::string &as,
              const std::vector<int64_t> &shape) {
    const float *values = nullptr;
    if (Status s = get(name, shape, values); !s.ok())
      return s;
    out.tensors.push_back({as, TensorDType::F32, shape, values});
    return Status::success();
  }

  /// Marks `name` used when the checkpoint has it with `shape` (a tensor
  /// the dense model does not need, like the shared gains that step norms
  /// replace); a wrong shape is still an error.
  Status allow(const std::string &name, const std::vector<int64_t> &shape) {
    if (!weights.find(name))
      return Status::success();
    const float *unused = nullptr;
    return get(name, shape, unused);
  }

  /// The first tensor no part of the model read.
  Status checkAllUsed() const {
    for (const TensorView &t : weights.tensors())
      if (!used.count(t.name))
        return Status::error(t.file + ": tensor '" + t.name +
                             "' is not part of the recurrent model " +
                             configName + " describes");
    return Status::success();
  }

private:
  const SafeTensors &weights;
  const std::string &weightsName;
  const std::string &configName;
  DenseModel &out;
  std::set<std::string> used;
  std::map<std::string, const float *> floats;
};

/// W + scale * B @ A for W [rows, cols], B [rows, rank], A [rank, cols]:
/// each element's product summed in double, added to W in double and
/// rounded to float once.
void mergeLora(const float *w, const float *b, const float *a, int64_t rows,
               int64_t cols, int64_t rank, double scale, float *out) {
  std::vector<double> row(cols);
  for (int64_t o = 0; o < rows; ++o) {
    std::fill(row.begin(), row.end(), 0.0);
    for (int64_t k = 0; k < rank; ++k) {
      const double bk = b[o * rank + k];
      const float *ak = a + k * cols;
      for (int64_t i = 0; i < cols; ++i)
        row[i] += bk * static_cast<double>(ak[i]);
    }
    for (int64_t i = 0; i < cols; ++i)
      out[o * cols + i] = static_cast<float>(
          static_cast<double>(w[o * cols + i]) + scale * row[i]);
  }
}

/// The first key path at which `a` and `b` differ ("" when the values
/// themselves differ), for objects; nullopt when they are equal.
std::optional<std::string> firstDifference(const json &a, const json &b) {
  if (a == b)
    return std::nullopt;
  if (!a.is_object() || !b.is_object())
    return std::string();
  std::set<std::string> keys;
  for (auto it = a.begin(); it != a.end(); ++it)
    keys.insert(it.key());
  for (auto it = b.begin(); it != b.end(); ++it)
    keys.insert(it.key());
  for (const std::string &key : keys) {
    auto x = a.find(key), y = b.find(key);
    if (x == a.end() || y == b.end())
      return key;
    if (std::optional<std::string> inner = firstDifference(*x, *y))
      return inner->empty() ? key : key + "." + *inner;
  }
  return std::string();
}

std::string describeAt(const json &value, const std::string &path) {
  const json *v = &value;
  size_t start = 0;
  while (start <= path.size() && !path.empty()) {
    size_t dot = path.find('.', start);
    std::string key = path.substr(
        start, dot == std::string::npos ? std::string::npos : dot - start);
    if (!v->is_object() || !v->contains(key))
      return "absent";
    v = &(*v)[key];
    if (dot == std::string::npos)
      break;
    start = dot + 1;
  }
  std::string text = v->dump();
  return text.size() > 60 ? text.substr(0, 57) + "..." : text;
}

} // namespace

Status unrollRecurrentModel(const std::string &configJson,
                            const std::string &configName,
                            const SafeTensors &weights,
                            const std::string &weightsName, DenseModel &out) {
  json config;
  Recurrent r;
  if (Status s = parseObject(configName, configJson, config); !s.ok())
    return s;
  if (Status s = readRecurrent(config, configName, r); !s.ok())
    return s;

  DenseModel model;
  model.steps = r.steps;
  model.sharedLayers = r.layers;
  model.stepNorms = r.stepNorms;
  model.loraRank = r.loraRank;
  TensorReader reader(weights, weightsName, configName, model);
  const std::vector<int64_t> table = {r.vocab, r.hidden}, gain = {r.hidden};
  Status s;
  if (!(s = reader.copy("model.embed_tokens.weight",
                        "model.embed_tokens.weight", table))
           .ok())
    return s;

  // Every shared layer's weights must be there with the config's shapes,
  // whether or not a step reads them (the checkpoint is the model's).
  for (int64_t i = 0; i < r.layers; ++i) {
    const std::string shared = "model.layers." + std::to_string(i) + ".";
    for (const Projection &proj : kProjections)
      if (!(s = reader.allow(shared + proj.module + ".weight",
                             projectionShape(r, proj.target)))
               .ok())
        return s;
    for (const char *norm : kNorms)
      if (!(s = reader.allow(shared + norm, gain)).ok())
        return s;
  }

  const double scale =
      r.loraRank ? r.loraAlpha / static_cast<double>(r.loraRank) : 0.0;
  for (int64_t step = 0; step < r.steps; ++step) {
    const std::string shared =
        "model.layers." + std::to_string(r.schedule[step]) + ".";
    const std::string dense = "model.layers." + std::to_string(step) + ".";
    const std::string own =
        "model.recurrent.steps." + std::to_string(step) + ".";
    for (const Projection &proj : kProjections) {
      const std::string weight = std::string(proj.module) + ".weight";
      const std::vector<int64_t> shape = projectionShape(r, proj.target);
      if (r.loraRank == 0 || !r.loraTargets.count(proj.target)) {
        if (!(s = reader.copy(shared + weight, dense + weight, shape)).ok())
          return s;
        continue;
      }
      const float *w = nullptr, *a = nullptr, *b = nullptr;
      const std::string adapter = own + proj.module;
      if (!(s = reader.get(shared + weight, shape, w)).ok() ||
          !(s = reader.get(adapter + ".lora_A.weight", {r.loraRank, shape[1]},
                           a))
               .ok() ||
          !(s = reader.get(adapter + ".lora_B.weight", {shape[0], r.loraRank},
                           b))
               .ok())
        return s;
      std::vector<float> &merged =
          model.storage.emplace_back(static_cast<size_t>(shape[0] * shape[1]));
      mergeLora(w, b, a, shape[0], shape[1], r.loraRank, scale, merged.data());
      model.tensors.push_back(
          {dense + weight, TensorDType::F32, shape, merged.data()});
    }
    for (const char *norm : kNorms)
      if (!(s = reader.copy((r.stepNorms ? own : shared) + norm, dense + norm,
                            gain))
               .ok())
        return s;
  }

  if (!(s = reader.copy("model.norm.weight", "model.norm.weight", gain)).ok())
    return s;
  if (!r.tied &&
      !(s = reader.copy("lm_head.weight", "lm_head.weight", table)).ok())
    return s;
  if (!(s = reader.checkAllUsed()).ok())
    return s;

  // The plain Llama config: N layers, no "cherry" section, float32 weights.
  config.erase("cherry");
  config["num_hidden_layers"] = r.steps;
  for (const char *key : {"torch_dtype", "dtype"})
    if (config.contains(key))
      config[key] = "float32";
  model.configJson = config.dump(2) + "\n";
  out = std::move(model);
  return Status::success();
}

/// `dir` without a trailing slash.
static fs::path outputPath(const std::string &dir) {
  const fs::path target = fs::path(dir).lexically_normal();
  return target.filename().empty() ? target.parent_path() : target;
}

Status checkOutputDirectory(const std::string &dir, bool replace) {
  if (dir.empty())
    return Status::error("the output directory is empty");
  std::error_code ec;
  const fs::path path = outputPath(dir);
  if (!fs::exists(fs::symlink_status(path, ec)))
    return Status::success();
  if (!isDirectory(path.string()))
    return Status::error(path.string() + ": exists and is not a directory");
  if (!fs::is_empty(path, ec) && !replace)
    return Status::error(path.string() +
                         ": exists and is not empty: refusing to overwrite "
                         "it (pass --force to replace it)");
  return Status::success();
}

Status writeDenseModel(const std::string &dir, const DenseModel &model,
                       bool replace) {
  if (Status s = checkOutputDirectory(dir, replace); !s.ok())
    return s;
  std::error_code ec;
  const fs::path finalPath = outputPath(dir);
  const std::string finalDir = finalPath.string();
  fs::path parent = finalPath.parent_path();
  const std::string parentDir = parent.empty() ? "." : parent.string();
  if (!isDirectory(parentDir))
    return Status::error(finalDir + ": its parent directory " + parentDir +
                         " does not exist");
  const std::string base = finalPath.filename().string();
  const std::string pid = std::to_string(::getpid());
  const std::string tmpDir = joinPath(parentDir, "." + base + ".tmp-" + pid);
  const std::string asideDir = joinPath(parentDir, "." + base + ".old-" + pid);
  fs::remove_all(tmpDir, ec);
  if (::mkdir(tmpDir.c_str(), 0755) != 0)
    return Status::error(
        tmpDir + ": cannot create the output directory: " + errnoText(errno));
  auto fail = [&](Status st) {
    fs::remove_all(tmpDir, ec);
    return st;
  };
  Status s = detail::writeFileAtomically(
      joinPath(tmpDir, "config.json"),
      {{model.configJson.data(), model.configJson.size()}});
  if (!s.ok())
    return fail(s);
  if (!(s = writeSafeTensors(joinPath(tmpDir, "model.safetensors"),
                             model.tensors, {{"format", "pt"}}))
           .ok())
    return fail(s);
  if (std::optional<support::FileError> e = support::syncDirectory(tmpDir))
    return fail(Status::error(
        tmpDir + ": fsync of directory failed: " + errnoText(e->error)));

  // Into place: an empty or absent target is renamed over; a non-empty one
  // (with replace) is swapped out first and removed once the new one is in.
  if (::rename(tmpDir.c_str(), finalDir.c_str()) != 0) {
    int err = errno;
    if (!(err == EEXIST || err == ENOTEMPTY) || !replace)
      return fail(Status::error(finalDir + ": cannot rename " + tmpDir +
                                " into place: " + errnoText(err)));
    fs::remove_all(asideDir, ec);
    if (::rename(finalDir.c_str(), asideDir.c_str()) != 0)
      return fail(Status::error(finalDir +
                                ": cannot set the old directory "
                                "aside: " +
                                errnoText(errno)));
    if (::rename(tmpDir.c_str(), finalDir.c_str()) != 0) {
      int renameErr = errno;
      (void)::rename(asideDir.c_str(), finalDir.c_str());
      return fail(Status::error(finalDir + ": cannot rename " + tmpDir +
                                " into place: " + errnoText(renameErr)));
    }
    fs::remove_all(asideDir, ec);
  }
  if (std::optional<support::FileError> e = support::syncDirectory(parentDir))
    return Status::error(parentDir +
                         ": fsync of directory failed: " + errnoText(e->error));
  return Status::success();
}

Status exportRecurrentModel(const ExportRequest &request,
                            ExportSummary &summary) {
  const std::string &path = request.weights;
  if (path.empty())
    return Status::error("--weights is empty");
  if (Status s = checkOutputDirectory(request.outDir, request.replace); !s.ok())
    return s;
  SafeTensors weights;
  std::string configJson, configName, weightsName = path;
  if (isDirectory(path)) {
    std::string dir = path;
    // A run directory: its latest checkpoint.
    std::string latest;
    bool hasLatest = false;
    if (Status s = readLatestCheckpoint(path, latest, hasLatest); !s.ok())
      return s;
    int err = 0;
    if (hasLatest) {
      dir = joinPath(path, latest);
      if (!isDirectory(dir))
        return Status::error(joinPath(path, "latest") + " names " + latest +
                             ", which is not a directory");
    }
    bool found = false;
    if (Status s = SafeTensors::openModelDir(dir, weights, found); !s.ok())
      return s;
    if (!found)
      return Status::error(dir + ": no model.safetensors (or "
                                 "model.safetensors.index.json): not a "
                                 "checkpoint directory");
    weightsName = dir;
    configName = joinPath(dir, "config.json");
    if (!isRegularFile(configName)) {
      if (!request.executable)
        return Status::error(configName +
                             ": missing (a checkpoint directory has one; or "
                             "give the executable, whose model_config it is)");
      configName.clear();
    } else if (!readWholeFile(configName, configJson, err)) {
      return Status::error(configName + ": cannot read: " + errnoText(err));
    }
    // Never write over the checkpoint being read (or a directory holding
    // it).
    std::error_code ec;
    fs::path in = fs::weakly_canonical(dir, ec);
    fs::path outPath = fs::weakly_canonical(outputPath(request.outDir), ec);
    std::string inText = in.string() + "/", outText = outPath.string() + "/";
    if (!ec && inText.compare(0, outText.size(), outText) == 0)
      return Status::error("--out " + request.outDir +
                           " holds the checkpoint " + dir + " being exported");
  } else {
    if (Status s = SafeTensors::open(path, weights); !s.ok())
      return s;
    if (!request.executable)
      return Status::error(path + ": a weights file has no config.json: give "
                                  "the executable (cherry-run export "
                                  "MODEL.cherry --weights ...) or the "
                                  "checkpoint directory");
  }

  if (request.executable) {
    const executable::Executable &exe = *request.executable;
    const std::string &exeName = request.executableName;
    if (exe.model_config().empty())
      return Status::error(exeName + ": has no model_config (compile it from "
                                     "an imported model)");
    if (configName.empty()) {
      configJson = exe.model_config();
      configName = exeName + "'s model_config";
    } else {
      json fromExe, fromCheckpoint;
      if (Status s = parseObject(exeName + ": model_config", exe.model_config(),
                                 fromExe);
          !s.ok())
        return s;
      if (Status s = parseObject(configName, configJson, fromCheckpoint);
          !s.ok())
        return s;
      // The compiled shape ("cherry": {"batch", "seq"}) is the trainer's
      // to record; everything else must agree.
      for (json *config : {&fromExe, &fromCheckpoint})
        if (auto it = config->find("cherry");
            it != config->end() && it->is_object()) {
          it->erase("batch");
          it->erase("seq");
        }
      if (std::optional<std::string> at =
              firstDifference(fromExe, fromCheckpoint))
        return Status::error(exeName + ": its model_config differs from " +
                             configName + " at '" + *at + "' (" +
                             describeAt(fromExe, *at) + " vs " +
                             describeAt(fromCheckpoint, *at) +
                             "): the checkpoint is not this model's");
    }
    // The checkpoint holds what this executable saves, shape for shape.
    for (const executable::Parameter &p : exe.parameters()) {
      if (p.role() != executable::MODEL_WEIGHT)
        continue;
      const std::string key =
          p.checkpoint_key().empty() ? p.name() : p.checkpoint_key();
      std::vector<int64_t> shape(p.shape().begin(), p.shape().end());
      const TensorView *t = weights.find(key);
      if (!t)
        return Status::error(weightsName + ": no tensor '" + key + "' for " +
                             exeName + "'s parameter '" + p.name() + "'");
      if (t->shape != shape)
        return Status::error(t->file + ": tensor '" + key + "' has shape " +
                             shapeText(t->shape) + " but " + exeName +
                             "'s parameter '" + p.name() + "' has " +
                             shapeText(shape));
    }
  }

  DenseModel model;
  if (Status s = unrollRecurrentModel(configJson, configName, weights,
                                      weightsName, model);
      !s.ok())
    return s;
  if (Status s = writeDenseModel(request.outDir, model, request.replace);
      !s.ok())
    return s;
  summary.steps = model.steps;
  summary.sharedLayers = model.sharedLayers;
  summary.stepNorms = model.stepNorms;
  summary.loraRank = model.loraRank;
  summary.tensors = model.tensors.size();
  summary.weights = weightsName;
  return Status::success();
}

} // namespace cherry::runtime
