//===- HFImport.cpp - Import Hugging Face Llama models --------------------===//
//
// config.json -> LlamaConfig -> `cherry` forward graph, with the weights next
// to the config (if any) checked tensor by tensor against it.
//
//===----------------------------------------------------------------------===//

#include "cherry/Frontend/HFImport.h"

#include "cherry/Dialect/Cherry/IR/CherryDialect.h"
#include "cherry/Dialect/Cherry/IR/CherryOps.h"
#include "cherry/Runtime/SafeTensors.h"
#include "cherry/Support/OneLineDiagnostics.h"
#include "cherry/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Tools/mlir-translate/Translation.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"

using namespace mlir;
using namespace mlir::cherry;
namespace rt = ::cherry::runtime;

namespace {

/// Builds the Llama forward graph op by op.
class LlamaBuilder {
public:
  LlamaBuilder(MLIRContext *context, const LlamaConfig &config, int64_t batch,
               int64_t seq, Location loc)
      : config(config), loc(loc), b(context), f32(b.getF32Type()),
        i32(b.getI32Type()), batch(batch), seq(seq) {}

  OwningOpRef<ModuleOp> build(bool withInitializers);

private:
  RankedTensorType tensor(ArrayRef<int64_t> shape, Type element = {}) {
    return RankedTensorType::get(shape, element ? element : f32);
  }
  /// Activations [batch, seq, width].
  RankedTensorType act(int64_t width) { return tensor({batch, seq, width}); }

  /// A location naming the Hugging Face module an op belongs to
  /// (`model.layers.3.self_attn`), on top of the config file.
  Location at(const Twine &module) {
    return NameLoc::get(b.getStringAttr(module), loc);
  }

  Value param(const Twine &name, ArrayRef<int64_t> shape, Location where) {
    return ParamRefOp::create(b, where, tensor(shape),
                              FlatSymbolRefAttr::get(b.getStringAttr(name)));
  }
  Value linear(Value input, const Twine &weight, ArrayRef<int64_t> shape,
               Location where) {
    Value w = param(weight, shape, where);
    return LinearOp::create(b, where, act(shape[0]), input, w, Value())
        .getResult();
  }
  Value rmsNorm(Value input, const Twine &weight, Location where) {
    Value w = param(weight, {config.hiddenSize}, where);
    return RMSNormOp::create(b, where, input.getType(), input, w,
                             b.getF64FloatAttr(config.rmsNormEps));
  }
  Value decoderLayer(Value input, int64_t index);

  const LlamaConfig &config;
  Location loc;
  OpBuilder b;
  Type f32, i32;
  int64_t batch, seq;
};

} // namespace

Value LlamaBuilder::decoderLayer(Value input, int64_t index) {
  std::string prefix = "model.layers." + std::to_string(index) + ".";
  int64_t d = config.hiddenSize, f = config.intermediateSize;
  int64_t q = config.numHeads * config.headDim;
  int64_t kv = config.numKVHeads * config.headDim;

  auto layer = DecoderLayerOp::create(b, at("model.layers." + Twine(index)),
                                      input.getType(), input,
                                      b.getI64IntegerAttr(index));
  OpBuilder::InsertionGuard guard(b);
  Block *body = b.createBlock(&layer.getBody(), {}, {input.getType()}, {loc});
  Value x = body->getArgument(0);

  // Self-attention: x + o_proj(attention(rope(q_proj(n)), rope(k_proj(n)),
  // v_proj(n))) with n = input_layernorm(x).
  Location attnLoc = at(prefix + "self_attn");
  Value normed = rmsNorm(x, prefix + "input_layernorm.weight",
                         at(prefix + "input_layernorm"));
  Value qv = linear(normed, prefix + "self_attn.q_proj.weight", {q, d},
                    at(prefix + "self_attn.q_proj"));
  Value kv_ = linear(normed, prefix + "self_attn.k_proj.weight", {kv, d},
                     at(prefix + "self_attn.k_proj"));
  Value vv = linear(normed, prefix + "self_attn.v_proj.weight", {kv, d},
                    at(prefix + "self_attn.v_proj"));
  IntegerAttr headDim = b.getI64IntegerAttr(config.headDim);
  FloatAttr theta = b.getF64FloatAttr(config.ropeTheta);
  Value qRot =
      RopeOp::create(b, attnLoc, qv.getType(), qv, Value(), headDim, theta)
          .getResult();
  Value kRot =
      RopeOp::create(b, attnLoc, kv_.getType(), kv_, Value(), headDim, theta)
          .getResult();
  Value attn =
      AttentionOp::create(b, attnLoc, qv.getType(), qRot, kRot, vv, Value(),
                          b.getI64IntegerAttr(config.numHeads),
                          b.getI64IntegerAttr(config.numKVHeads))
          .getResult();
  Value attnOut = linear(attn, prefix + "self_attn.o_proj.weight", {d, q},
                         at(prefix + "self_attn.o_proj"));
  Value h = AddOp::create(b, attnLoc, x.getType(), x, attnOut);

  // MLP: h + down_proj(silu(gate_proj(n)) * up_proj(n)) with
  // n = post_attention_layernorm(h).
  Location mlpLoc = at(prefix + "mlp");
  Value mlpIn = rmsNorm(h, prefix + "post_attention_layernorm.weight",
                        at(prefix + "post_attention_layernorm"));
  Value gate = linear(mlpIn, prefix + "mlp.gate_proj.weight", {f, d},
                      at(prefix + "mlp.gate_proj"));
  Value up = linear(mlpIn, prefix + "mlp.up_proj.weight", {f, d},
                    at(prefix + "mlp.up_proj"));
  Value mlpAct = SwiGLUOp::create(b, mlpLoc, gate.getType(), gate, up);
  Value mlpOut = linear(mlpAct, prefix + "mlp.down_proj.weight", {d, f},
                        at(prefix + "mlp.down_proj"));
  Value out = AddOp::create(b, mlpLoc, h.getType(), h, mlpOut);
  YieldOp::create(b, loc, ValueRange{out});
  return layer.getResult();
}

OwningOpRef<ModuleOp> LlamaBuilder::build(bool withInitializers) {
  OwningOpRef<ModuleOp> module = ModuleOp::create(loc);
  b.setInsertionPointToEnd(module->getBody());

  // Parameters, in Hugging Face state_dict order.
  Attribute normalInit = NormalInitAttr::get(
      b.getContext(), llvm::APFloat(config.initializerRange));
  Attribute onesInit =
      ConstantInitAttr::get(b.getContext(), llvm::APFloat(1.0));
  for (const LlamaWeight &w : llamaWeights(config)) {
    Attribute init;
    if (withInitializers)
      init = w.isNorm ? onesInit : normalInit;
    StringRef module = StringRef(w.name).rsplit('.').first;
    ParamOp::create(b, at(module), b.getStringAttr(w.name),
                    TypeAttr::get(tensor(w.shape)), init,
                    b.getStringAttr(w.name));
  }

  // func.func @forward(%ids, %targets) -> tensor<f32>
  RankedTensorType ids = tensor({batch, seq}, i32);
  RankedTensorType loss = tensor({});
  auto func = func::FuncOp::create(b, loc, "forward",
                                   b.getFunctionType({ids, ids}, {loss}));
  Block *entry = func.addEntryBlock();
  b.setInsertionPointToEnd(entry);
  int64_t v = config.vocabSize, d = config.hiddenSize;

  Location embedLoc = at("model.embed_tokens");
  Value table = param("model.embed_tokens.weight", {v, d}, embedLoc);
  Value h =
      EmbeddingOp::create(b, embedLoc, act(d), entry->getArgument(0), table);
  for (int64_t i = 0; i < config.numLayers; ++i)
    h = decoderLayer(h, i);
  h = rmsNorm(h, "model.norm.weight", at("model.norm"));

  // The head: the embedding table itself when tied.
  Location headLoc = at("lm_head");
  Value headWeight = config.tieWordEmbeddings
                         ? table
                         : param("lm_head.weight", {v, d}, headLoc);
  Value logits =
      LinearOp::create(b, headLoc, act(v), h, headWeight, Value()).getResult();
  Value mean =
      CrossEntropyOp::create(b, headLoc, loss, logits, entry->getArgument(1),
                             /*weights=*/Value(), b.getI64IntegerAttr(-100));
  func::ReturnOp::create(b, loc, ValueRange{mean});
  return module;
}

OwningOpRef<ModuleOp> mlir::cherry::buildLlamaModule(MLIRContext *context,
                                                     const LlamaConfig &config,
                                                     int64_t batch, int64_t seq,
                                                     bool withInitializers,
                                                     Location loc) {
  context->loadDialect<CherryDialect, func::FuncDialect>();
  return LlamaBuilder(context, config, batch, seq, loc).build(withInitializers);
}

//===----------------------------------------------------------------------===//
// Import from a model directory
//===----------------------------------------------------------------------===//

/// The 1-based line and column of the first `"key"` in `text` (the top-level
/// key of a dotted path), or 1:1.
static std::pair<unsigned, unsigned> locateKey(StringRef text, StringRef key) {
  StringRef leaf =
      key.rsplit('.').second.empty() ? key : key.rsplit('.').second;
  size_t pos = text.find(("\"" + leaf + "\"").str());
  if (key.empty() || pos == StringRef::npos)
    return {1, 1};
  StringRef before = text.take_front(pos);
  unsigned line = 1 + before.count('\n');
  size_t lineStart = before.rfind('\n');
  unsigned col = pos - (lineStart == StringRef::npos ? 0 : lineStart + 1) + 1;
  return {line, col};
}

static StringRef torchDTypeToSafeTensors(StringRef dtype) {
  if (dtype == "bfloat16")
    return "BF16";
  if (dtype == "float16")
    return "F16";
  return "F32";
}

static std::string shapeString(ArrayRef<int64_t> shape) {
  return "[" +
         llvm::join(llvm::map_range(
                        shape, [](int64_t d) { return std::to_string(d); }),
                    ", ") +
         "]";
}

/// Checks the safetensors weights in `dir` (if there are any) against the
/// weights `config` implies. Sets `found` when weights exist.
static LogicalResult checkWeights(StringRef dir, const LlamaConfig &config,
                                  MLIRContext *context, bool &found) {
  rt::SafeTensors weights;
  rt::Status status = rt::SafeTensors::openModelDir(dir.str(), weights, found);
  auto fail = [&](StringRef file, const Twine &message) {
    emitError(FileLineColLoc::get(context, file, 0, 0)) << message;
    return failure();
  };
  if (!status.ok()) {
    // The message is "<file>: <what>"; print it as a diagnostic on <file>.
    StringRef message = status.message;
    if (message.starts_with(dir)) {
      auto [file, what] = message.split(": ");
      return fail(file, what);
    }
    emitError(UnknownLoc::get(context)) << message;
    return failure();
  }
  if (!found)
    return success();

  SmallVector<LlamaWeight> expected = llamaWeights(config);
  expected.append(recurrentStepWeights(config));
  llvm::StringSet<> expectedNames;
  for (const LlamaWeight &w : expected) {
    expectedNames.insert(w.name);
    const rt::TensorView *t = weights.find(w.name);
    if (!t)
      return fail(weights.tensors().empty() ? dir.str()
                                            : weights.tensors().front().file,
                  "tensor '" + w.name + "' is missing (the config needs it " +
                      shapeString(w.shape) + ")");
    if (ArrayRef<int64_t>(t->shape) != ArrayRef<int64_t>(w.shape))
      return fail(t->file, "tensor '" + w.name + "' has shape " +
                               shapeString(t->shape) + " but the config says " +
                               shapeString(w.shape));
    StringRef dtype = rt::tensorDTypeName(t->dtype);
    if (config.dtype && dtype != torchDTypeToSafeTensors(*config.dtype))
      return fail(t->file, "tensor '" + w.name + "' has dtype " + dtype +
                               " but the config's torch_dtype is " +
                               *config.dtype);
  }
  for (const rt::TensorView &t : weights.tensors()) {
    if (expectedNames.contains(t.name))
      continue;
    if (t.name == "lm_head.weight" && config.tieWordEmbeddings)
      return fail(t.file, "tensor 'lm_head.weight' is present but "
                          "tie_word_embeddings is true");
    return fail(t.file, "tensor '" + t.name + "' is not a weight of this " +
                            (config.recurrent ? "recurrent " : "") +
                            "Llama config");
  }
  return success();
}

/// Turns the `numLayers` shared layers of `module` into the recurrent model
/// of `config.recurrent`, exactly as --cherry-compress makes it from the
/// shared layers on (cherry-recurrent with the explicit schedule, then
/// cherry-recurrent-unroll with the per-step parameters; no averaging: the
/// shared layers are the model's own). Every per-step parameter reads the
/// checkpoint tensor of its name; with `fromCheckpoint` it has no initializer
/// (the checkpoint must hold it), else it keeps the one the pass gives it.
static LogicalResult makeRecurrent(ModuleOp module, const LlamaConfig &config,
                                   bool fromCheckpoint) {
  const RecurrentConfig &rec = *config.recurrent;
  MLIRContext *context = module.getContext();
  PassManager pm(context);
  CherryRecurrentPassOptions recurrent;
  recurrent.steps = rec.steps;
  recurrent.schedule = llvm::join(
      llvm::map_range(rec.schedule,
                      [](int64_t layer) { return std::to_string(layer); }),
      ",");
  pm.addPass(createCherryRecurrentPass(recurrent));
  CherryRecurrentUnrollPassOptions unroll;
  unroll.stepNorms = rec.stepNorms;
  unroll.loraRank = rec.loraRank;
  unroll.loraAlpha = rec.loraAlpha;
  pm.addPass(createCherryRecurrentUnrollPass(unroll));
  if (failed(pm.run(module)))
    return failure();

  // The per-step parameters the passes made must be the config's, by name
  // and shape: the checkpoint is read by these names.
  llvm::StringMap<SmallVector<int64_t, 2>> expected;
  for (const LlamaWeight &w : recurrentStepWeights(config))
    expected[w.name] = w.shape;
  Builder b(context);
  size_t made = 0;
  for (ParamOp param : module.getOps<ParamOp>()) {
    StringRef name = param.getSymName();
    if (!name.starts_with("model.recurrent.steps."))
      continue;
    auto it = expected.find(name);
    if (it == expected.end() ||
        param.getTensorType().getShape() != ArrayRef<int64_t>(it->second))
      return param.emitError()
             << "the recurrent passes made parameter '" << name << "' of type "
             << param.getType()
             << ", which the config's \"cherry.recurrent\" section does not "
                "imply";
    ++made;
    param.setCheckpointAttr(b.getStringAttr(name));
    if (fromCheckpoint)
      param.removeInitAttr();
  }
  if (made != expected.size())
    return emitError(module.getLoc())
           << "the recurrent passes made " << made
           << " per-step parameters, but the config's \"cherry.recurrent\" "
              "section implies "
           << expected.size();
  return success();
}

OwningOpRef<ModuleOp>
mlir::cherry::importHuggingFaceModel(llvm::SourceMgr &sourceMgr,
                                     MLIRContext *context,
                                     const HFImportOptions &options) {
  const llvm::MemoryBuffer *buffer =
      sourceMgr.getMemoryBuffer(sourceMgr.getMainFileID());
  StringRef path = buffer->getBufferIdentifier();
  StringRef text = buffer->getBuffer();
  auto keyLoc = [&](StringRef key) -> Location {
    auto [line, col] = locateKey(text, key);
    return FileLineColLoc::get(context, path, line, col);
  };

  std::optional<LlamaConfig> config =
      parseLlamaConfig(text, [&](StringRef key, const Twine &message) {
        emitError(keyLoc(key)) << message;
      });
  if (!config)
    return nullptr;

  // The compiled shape: options, else the "cherry" section, else defaults.
  int64_t batch = options.batch   ? options.batch
                  : config->batch ? config->batch
                                  : 1;
  int64_t seq = options.seq   ? options.seq
                : config->seq ? config->seq
                              : config->maxPositions;
  if (seq > config->maxPositions) {
    emitError(keyLoc(options.seq ? "max_position_embeddings" : "cherry.seq"))
        << "seq " << seq << " exceeds max_position_embeddings ("
        << config->maxPositions << ")";
    return nullptr;
  }

  bool hasWeights = false;
  if (options.checkWeights) {
    StringRef dir = llvm::sys::path::parent_path(path);
    if (dir.empty())
      dir = ".";
    if (failed(checkWeights(dir, *config, context, hasWeights)))
      return nullptr;
  }

  OwningOpRef<ModuleOp> module =
      buildLlamaModule(context, *config, batch, seq,
                       /*withInitializers=*/!hasWeights,
                       FileLineColLoc::get(context, path, 1, 1));
  if (config->recurrent &&
      failed(makeRecurrent(*module, *config, /*fromCheckpoint=*/hasWeights)))
    return nullptr;
  // The config travels with the program into checkpoints (compact JSON,
  // keys sorted, so the attribute does not depend on the file's layout),
  // its "cherry.recurrent" section included: training the imported model
  // saves checkpoints that import to the same model again.
  if (llvm::Expected<llvm::json::Value> json = llvm::json::parse(text)) {
    std::string compact;
    llvm::raw_string_ostream os(compact);
    os << *json;
    (*module)->setAttr("cherry.hf_config", StringAttr::get(context, os.str()));
  } else {
    llvm::consumeError(json.takeError());
  }
  if (failed(verify(*module)))
    return nullptr;
  return module;
}

void mlir::cherry::registerImportHFTranslation() {
  static llvm::cl::OptionCategory category("import-hf options");
  static llvm::cl::opt<int64_t> batch(
      "batch",
      llvm::cl::desc("Batch size of the imported graph (default: the config's "
                     "\"cherry\" section, else 1)"),
      llvm::cl::init(0), llvm::cl::cat(category));
  static llvm::cl::opt<int64_t> seq(
      "seq",
      llvm::cl::desc("Sequence length of the imported graph (default: the "
                     "config's \"cherry\" section, else "
                     "max_position_embeddings)"),
      llvm::cl::init(0), llvm::cl::cat(category));
  static llvm::cl::opt<bool> noWeights(
      "no-weights",
      llvm::cl::desc("Ignore model.safetensors next to config.json: import "
                     "the graph with initializers"),
      llvm::cl::init(false), llvm::cl::cat(category));

  static TranslateToMLIRRegistration registration(
      "import-hf",
      "Import a Hugging Face Llama model directory (config.json, optional "
      "model.safetensors) as cherry IR",
      [](llvm::SourceMgr &sourceMgr,
         MLIRContext *context) -> OwningOpRef<Operation *> {
        for (auto [name, value] :
             {std::pair<StringRef, int64_t>{"batch", batch}, {"seq", seq}})
          if (value < 0) {
            emitError(UnknownLoc::get(context))
                << "--" << name << " must be positive, found " << value;
            return nullptr;
          }
        // One line per error ("file:line:col: error: message"), without
        // the source excerpt the default handler adds.
        OneLineDiagnostics oneLine(context);
        HFImportOptions options;
        options.batch = batch;
        options.seq = seq;
        options.checkWeights = !noWeights;
        return importHuggingFaceModel(sourceMgr, context, options);
      },
      [](DialectRegistry &registry) {
        registry.insert<CherryDialect, func::FuncDialect>();
      });
}
