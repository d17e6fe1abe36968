//===- Compress.cpp - Depth compression with recurrent recovery -----------===//
//
// A trained deep model is made shallow by averaging groups of adjacent
// layers (cherry-layer-average), and its depth is restored by running the
// shared layers on a schedule of effective steps (cherry-recurrent). The
// recurrence is expanded into an ordinary chain of layers reading shared
// parameters (cherry-recurrent-unroll) for the existing lowering and
// autodiff, which know no cherry.recurrent; the pipelines' form=loop makes
// the kernel schedule a loop over the steps again (cherry-layer-loop).
//
//===----------------------------------------------------------------------===//

#include "cherry/Dialect/Cherry/IR/CherryAttrs.h"
#include "cherry/Dialect/Cherry/IR/CherryOps.h"
#include "cherry/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/SymbolTable.h"

#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"

#include <cmath>

namespace mlir::cherry {
#define GEN_PASS_DEF_CHERRYLAYERAVERAGEPASS
#define GEN_PASS_DEF_CHERRYRECURRENTPASS
#define GEN_PASS_DEF_CHERRYRECURRENTUNROLLPASS
#include "cherry/Transforms/Passes.h.inc"
} // namespace mlir::cherry

using namespace mlir;
using namespace mlir::cherry;

namespace {

/// The top-level decoder layers of @`function` in order, checked to form one
/// chain (each layer's only user is the next layer), since merging or
/// sharing layers with something else reading the stream in between would
/// change what that reader sees.
FailureOr<SmallVector<DecoderLayerOp>>
getLayerChain(ModuleOp module, StringRef function, StringRef pass) {
  auto func = module.lookupSymbol<func::FuncOp>(function);
  if (!func)
    return emitError(module.getLoc())
           << pass << ": no function @" << function << " in the module";
  SmallVector<DecoderLayerOp> layers(
      func.getFunctionBody().getOps<DecoderLayerOp>());
  if (layers.empty())
    return func.emitError()
           << pass << ": @" << func.getName() << " has no cherry.decoder_layer";
  for (unsigned i = 0; i + 1 < layers.size(); ++i) {
    Value stream = layers[i].getResult();
    if (layers[i + 1].getInput() != stream || !stream.hasOneUse())
      return layers[i + 1].emitError()
             << pass << ": layers " << i << " and " << i + 1
             << " are not adjacent (the residual stream has another user)";
  }
  return layers;
}

/// Replaces the chain `layers` by `replacement`'s result and erases the
/// layers, last first (each one's result is only read by the next).
void eraseChain(ArrayRef<DecoderLayerOp> layers, Value replacement) {
  if (layers.empty())
    return;
  DecoderLayerOp last = layers.back();
  last.getResult().replaceAllUsesWith(replacement);
  for (DecoderLayerOp layer : llvm::reverse(layers))
    layer.erase();
}

/// Rewrites the module's `cherry.hf_config` (the config.json checkpoints
/// get) through `update`; a module without one (IR written by hand) has
/// nothing to record.
LogicalResult
updateHfConfig(ModuleOp module, StringRef pass,
               llvm::function_ref<void(llvm::json::Object &)> update) {
  auto text = module->getAttrOfType<StringAttr>("cherry.hf_config");
  if (!text)
    return success();
  llvm::Expected<llvm::json::Value> json = llvm::json::parse(text.getValue());
  if (!json) {
    llvm::consumeError(json.takeError());
    return emitError(module.getLoc())
           << pass << ": the module's cherry.hf_config is not valid JSON";
  }
  llvm::json::Object *config = json->getAsObject();
  if (!config)
    return emitError(module.getLoc())
           << pass << ": the module's cherry.hf_config is not a JSON object";
  update(*config);
  std::string compact;
  llvm::raw_string_ostream os(compact);
  os << llvm::json::Value(std::move(*config));
  module->setAttr("cherry.hf_config",
                  StringAttr::get(module.getContext(), compact));
  return success();
}

/// Whether the module's config records a recurrent model.
bool hasRecurrentSection(ModuleOp module) {
  auto text = module->getAttrOfType<StringAttr>("cherry.hf_config");
  if (!text)
    return false;
  llvm::Expected<llvm::json::Value> json = llvm::json::parse(text.getValue());
  if (!json) {
    llvm::consumeError(json.takeError());
    return false;
  }
  const llvm::json::Object *config = json->getAsObject();
  const llvm::json::Object *cherry =
      config ? config->getObject("cherry") : nullptr;
  return cherry && cherry->get("recurrent");
}

/// The config's "cherry" section, made if absent.
llvm::json::Object &cherrySection(llvm::json::Object &config) {
  if (!config.getObject("cherry"))
    config["cherry"] = llvm::json::Object();
  return *config.getObject("cherry");
}

//===----------------------------------------------------------------------===//
// cherry-layer-average
//===----------------------------------------------------------------------===//

/// A half-open range [begin, end) of layer positions.
struct Group {
  int64_t begin, end;
};

/// Parses `groups` ("0-7,8-15" or "0,1-3") and checks that the groups are
/// non-empty, in range, in layer order and cover every layer exactly once.
FailureOr<SmallVector<Group>> parseGroups(StringRef spec, int64_t numLayers,
                                          Location loc) {
  auto fail = [&]() { return emitError(loc) << "cherry-layer-average: "; };
  SmallVector<Group> groups;
  SmallVector<StringRef> items;
  spec.split(items, ',');
  SmallVector<int> owner(numLayers, -1);
  for (StringRef item : items) {
    auto [first, last] = item.trim().split('-');
    int64_t begin, end;
    if (first.trim().getAsInteger(10, begin) ||
        (last.empty() ? (end = begin, false)
                      : last.trim().getAsInteger(10, end)))
      return fail() << "groups: cannot parse '" << item
                    << "' (expected a layer or a range like 0-7)";
    if (end < begin)
      return fail() << "groups: group '" << item << "' is empty";
    if (begin < 0 || end >= numLayers)
      return fail() << "groups: group '" << item << "' is out of range (0-"
                    << numLayers - 1 << ")";
    for (int64_t j = begin; j <= end; ++j)
      if (owner[j] >= 0)
        return fail() << "groups: layer " << j << " is in more than one group";
      else
        owner[j] = groups.size();
    if (!groups.empty() && begin != groups.back().end)
      return fail() << "groups: group '" << item
                    << "' does not follow the previous group (groups must "
                       "be adjacent and in layer order)";
    groups.push_back({begin, end + 1});
  }
  if (groups.empty() || groups.front().begin != 0 ||
      groups.back().end != numLayers)
    return fail() << "groups: the groups do not cover layers 0-"
                  << numLayers - 1;
  return groups;
}

FailureOr<SmallVector<Group>> makeGroups(int64_t groupSize, StringRef spec,
                                         int64_t numLayers, Location loc) {
  if (!spec.empty() && groupSize != 0)
    return emitError(loc)
           << "cherry-layer-average: give group-size or groups, not both";
  if (!spec.empty())
    return parseGroups(spec, numLayers, loc);
  if (groupSize <= 0 || numLayers % groupSize != 0)
    return emitError(loc) << "cherry-layer-average: group-size " << groupSize
                          << " does not divide the " << numLayers << " layers";
  SmallVector<Group> groups;
  for (int64_t b = 0; b < numLayers; b += groupSize)
    groups.push_back({b, b + groupSize});
  return groups;
}

/// One parameter a layer reads: its name after `model.layers.{index}.`.
struct LayerParam {
  std::string suffix;
  // Mutable: op handles are values whose accessors are not const.
  mutable ParamOp param;
};

std::string layerPrefix(int64_t index) {
  return "model.layers." + std::to_string(index) + ".";
}

/// The parameters `layer` reads, in body order, each once; all of them must
/// be the layer's own (`model.layers.{index}.*`).
FailureOr<SmallVector<LayerParam>> getLayerParams(DecoderLayerOp layer,
                                                  SymbolTable &symbols) {
  std::string prefix = layerPrefix(layer.getIndex());
  SmallVector<LayerParam> params;
  llvm::StringSet<> seen;
  WalkResult walk = layer.walk([&](ParamRefOp ref) {
    StringRef name = ref.getParam();
    if (!name.starts_with(prefix)) {
      ref.emitError() << "cherry-layer-average: layer " << layer.getIndex()
                      << " reads @" << name << ", which is not one of its "
                      << "own parameters (" << prefix << "*)";
      return WalkResult::interrupt();
    }
    if (seen.insert(name).second)
      params.push_back({name.drop_front(prefix.size()).str(),
                        symbols.lookup<ParamOp>(name)});
    return WalkResult::advance();
  });
  if (walk.wasInterrupted())
    return failure();
  return params;
}

/// Checks that `other` reads the same suffixes with the same types as
/// `first` (the layers of one group), so that every mean is defined.
LogicalResult checkSameParams(DecoderLayerOp first,
                              ArrayRef<LayerParam> firstParams,
                              DecoderLayerOp other,
                              ArrayRef<LayerParam> otherParams) {
  llvm::StringMap<Type> types;
  for (const LayerParam &p : otherParams)
    types[p.suffix] = p.param.getType();
  for (const LayerParam &p : firstParams) {
    auto it = types.find(p.suffix);
    if (it == types.end())
      return other.emitError()
             << "cherry-layer-average: layer " << other.getIndex()
             << " has no parameter " << p.suffix << " (layer "
             << first.getIndex() << " has)";
    if (it->second != p.param.getType())
      return other.emitError()
             << "cherry-layer-average: parameter " << p.suffix << " of layer "
             << other.getIndex() << " is " << it->second << ", but "
             << p.param.getType() << " in layer " << first.getIndex()
             << " (the layers of a group must have the same shapes)";
  }
  if (firstParams.size() != otherParams.size())
    return other.emitError()
           << "cherry-layer-average: layer " << other.getIndex() << " reads "
           << otherParams.size() << " parameters, layer " << first.getIndex()
           << " reads " << firstParams.size();
  return success();
}

struct LayerAveragePass
    : public mlir::cherry::impl::CherryLayerAveragePassBase<LayerAveragePass> {
  using Base::Base;

  void runOnOperation() override {
    if (failed(run()))
      signalPassFailure();
  }

  LogicalResult run() {
    ModuleOp module = getOperation();
    FailureOr<SmallVector<DecoderLayerOp>> layers =
        getLayerChain(module, function, "cherry-layer-average");
    if (failed(layers))
      return failure();
    FailureOr<SmallVector<Group>> merged =
        makeGroups(groupSize, groups, layers->size(), module.getLoc());
    if (failed(merged))
      return failure();

    // Everything is checked before anything changes.
    if (hasRecurrentSection(module))
      return emitError(module.getLoc())
             << "cherry-layer-average: the model is already compressed (its "
                "config has a cherry.recurrent section); average the dense "
                "model instead";
    SymbolTable symbols(module);
    SmallVector<SmallVector<LayerParam>> params;
    for (DecoderLayerOp layer : *layers) {
      FailureOr<SmallVector<LayerParam>> p = getLayerParams(layer, symbols);
      if (failed(p))
        return failure();
      params.push_back(std::move(*p));
    }
    for (const Group &group : *merged)
      for (int64_t j = group.begin + 1; j < group.end; ++j)
        if (failed(checkSameParams((*layers)[group.begin], params[group.begin],
                                   (*layers)[j], params[j])))
          return failure();

    // Sources first: the merged names reuse the `model.layers.*` names.
    for (auto [layer, layerParams] : llvm::zip(*layers, params))
      for (LayerParam &p : layerParams)
        renameSource(p, layer.getIndex(), symbols);
    for (auto [g, group] : llvm::enumerate(*merged))
      mergeGroup(g,
                 ArrayRef(*layers).slice(group.begin, group.end - group.begin),
                 ArrayRef(params).slice(group.begin, group.end - group.begin),
                 symbols);
    // Provenance for the recurrent section (cherry-recurrent-unroll moves
    // it there) and the layer count checkpoints will hold.
    return updateHfConfig(
        module, "cherry-layer-average", [&](llvm::json::Object &config) {
          config["num_hidden_layers"] = int64_t(merged->size());
          llvm::json::Array groupList;
          for (const Group &group : *merged) {
            llvm::json::Array members;
            for (int64_t j = group.begin; j < group.end; ++j)
              members.push_back(j);
            groupList.push_back(std::move(members));
          }
          cherrySection(config)["averaged"] =
              llvm::json::Object{{"source_layers", int64_t(layers->size())},
                                 {"groups", std::move(groupList)}};
        });
  }

  /// `model.layers.{j}.X` becomes the frozen, load-only
  /// `source.model.layers.{j}.X`, its checkpoint key unchanged.
  void renameSource(LayerParam &p, int64_t index, SymbolTable &symbols) {
    auto name = StringAttr::get(&getContext(),
                                "source." + layerPrefix(index) + p.suffix);
    (void)symbols.rename(p.param, name);
    p.param.setTrainable(false);
  }

  /// Declares `model.layers.{g}.X = mean_of(sources)` for every parameter of
  /// the group and makes the group's first layer read them.
  void mergeGroup(int64_t g, ArrayRef<DecoderLayerOp> layers,
                  ArrayRef<SmallVector<LayerParam>> params,
                  SymbolTable &symbols) {
    MLIRContext *ctx = &getContext();
    DecoderLayerOp merged = layers.front();
    llvm::StringMap<StringAttr> mergedName;
    for (auto [k, first] : llvm::enumerate(params.front())) {
      SmallVector<Attribute> sources;
      for (ArrayRef<LayerParam> layerParams : params)
        for (const LayerParam &p : layerParams)
          if (p.suffix == first.suffix)
            sources.push_back(FlatSymbolRefAttr::get(p.param.getSymNameAttr()));
      OpBuilder builder(first.param);
      auto param = ParamOp::create(
          builder, first.param.getLoc(),
          StringAttr::get(ctx, layerPrefix(g) + first.suffix),
          TypeAttr::get(first.param.getType()),
          MeanOfInitAttr::get(ctx, ArrayAttr::get(ctx, sources)),
          /*checkpoint=*/nullptr, /*trainable=*/builder.getBoolAttr(true));
      symbols.insert(param, Block::iterator(first.param));
      mergedName[first.param.getSymName()] = param.getSymNameAttr();
    }
    merged.walk([&](ParamRefOp ref) {
      ref.setParamAttr(FlatSymbolRefAttr::get(mergedName.at(ref.getParam())));
    });
    merged.setIndex(g);
    eraseChain(layers.drop_front(), merged.getResult());
  }
};

//===----------------------------------------------------------------------===//
// cherry-recurrent
//===----------------------------------------------------------------------===//

/// The schedule named by `spec` for `numLayers` shared layers and `steps`
/// effective steps.
FailureOr<SmallVector<int64_t>> makeSchedule(StringRef spec, int64_t steps,
                                             int64_t numLayers, Location loc) {
  auto fail = [&]() { return emitError(loc) << "cherry-recurrent: "; };
  if (steps < numLayers)
    return fail() << "steps " << steps << " is fewer than the " << numLayers
                  << " layers (every layer must run)";
  SmallVector<int64_t> schedule;
  if (spec == "sequence") {
    for (int64_t layer = 0; layer < numLayers; ++layer)
      schedule.append(steps / numLayers + (layer < steps % numLayers), layer);
    return schedule;
  }
  if (spec == "cycle") {
    for (int64_t s = 0; s < steps; ++s)
      schedule.push_back(s % numLayers);
    return schedule;
  }
  SmallVector<StringRef> items;
  spec.split(items, ',');
  for (StringRef item : items) {
    int64_t layer;
    if (item.trim().getAsInteger(10, layer))
      return fail() << "schedule: cannot parse '" << item
                    << "' (expected sequence, cycle or a list like 0,0,1,1)";
    if (layer < 0 || layer >= numLayers)
      return fail() << "schedule: step " << schedule.size() << " names layer "
                    << layer << ", but there are " << numLayers << " layers";
    schedule.push_back(layer);
  }
  if (static_cast<int64_t>(schedule.size()) != steps)
    return fail() << "schedule: " << schedule.size()
                  << " entries, but steps is " << steps;
  for (int64_t layer = 0; layer < numLayers; ++layer)
    if (!llvm::is_contained(schedule, layer))
      return fail() << "schedule: layer " << layer << " never runs";
  return schedule;
}

struct RecurrentPass
    : public mlir::cherry::impl::CherryRecurrentPassBase<RecurrentPass> {
  using Base::Base;

  void runOnOperation() override {
    if (failed(run()))
      signalPassFailure();
  }

  LogicalResult run() {
    ModuleOp module = getOperation();
    FailureOr<SmallVector<DecoderLayerOp>> layers =
        getLayerChain(module, function, "cherry-recurrent");
    if (failed(layers))
      return failure();
    int64_t numLayers = layers->size();
    FailureOr<SmallVector<int64_t>> order =
        makeSchedule(schedule, steps == 0 ? numLayers : int64_t(steps),
                     numLayers, module.getLoc());
    if (failed(order))
      return failure();

    DecoderLayerOp first = layers->front();
    OpBuilder builder(first);
    auto recurrent = RecurrentOp::create(
        builder, first.getLoc(), first.getInput().getType(), first.getInput(),
        /*step_params=*/ValueRange(), builder.getDenseI64ArrayAttr(*order),
        numLayers);
    for (auto [region, layer] : llvm::zip(recurrent.getLayers(), *layers))
      region.takeBody(layer.getBody());
    eraseChain(*layers, recurrent.getResult());
    return success();
  }
};

//===----------------------------------------------------------------------===//
// cherry-recurrent-unroll
//===----------------------------------------------------------------------===//

/// Replaces `recurrent` by one decoder layer per step, each a copy of the
/// region the schedule names, chained through the residual stream.
/// Whether parameter `name` is one of a layer's RMSNorm gains.
bool isLayerNormGain(StringRef name) {
  return name.ends_with(".input_layernorm.weight") ||
         name.ends_with(".post_attention_layernorm.weight");
}

/// For lora-init=svd: the source layer parameter step `step` replaces for
/// the shared parameter `shared` (a mean_of of its group, in layer order):
/// the `run`-th of `runs` runs of the layer stands for source
/// floor(run * G / runs).
FailureOr<FlatSymbolRefAttr> replacedSource(ParamOp shared, int64_t run,
                                            int64_t runs, Operation *at) {
  auto mean = dyn_cast_if_present<MeanOfInitAttr>(shared.getInitAttr());
  if (!mean)
    return at->emitError()
           << "cherry-recurrent-unroll: lora-init=svd needs layers averaged "
              "by cherry-layer-average, but @"
           << shared.getSymName() << " is not a mean of source layers";
  int64_t groupSize = mean.getSources().size();
  return cast<FlatSymbolRefAttr>(mean.getSources()[run * groupSize / runs]);
}

/// Makes step `step`'s copy of a layer read its own norm gains:
/// model.recurrent.steps.{step}.<suffix>, the one-source mean of the shared
/// gain (so equal to it at initialization).
LogicalResult giveStepNorms(DecoderLayerOp copy, int64_t step, int64_t run,
                            int64_t runs, bool fromSource, ModuleOp module,
                            SymbolTable &symbols) {
  MLIRContext *ctx = module.getContext();
  WalkResult walk = copy.walk([&](ParamRefOp ref) {
    if (!isLayerNormGain(ref.getParam()))
      return WalkResult::advance();
    auto shared = symbols.lookup<ParamOp>(ref.getParam());
    StringRef local = layerLocalName(ref.getParam());
    std::string name = "model.recurrent.steps." + std::to_string(step) + "." +
                       (local.empty() ? ref.getParam() : local).str();
    auto own = symbols.lookup<ParamOp>(name);
    if (!own) {
      auto init = FlatSymbolRefAttr::get(shared.getSymNameAttr());
      if (fromSource) {
        FailureOr<FlatSymbolRefAttr> source =
            replacedSource(shared, run, runs, ref);
        if (failed(source))
          return WalkResult::interrupt();
        init = *source;
      }
      OpBuilder builder(shared);
      own = ParamOp::create(
          builder, shared.getLoc(), StringAttr::get(ctx, name),
          TypeAttr::get(shared.getType()),
          MeanOfInitAttr::get(ctx, ArrayAttr::get(ctx, {init})),
          /*checkpoint=*/nullptr, /*trainable=*/builder.getBoolAttr(true));
      symbols.insert(own, Block::iterator(shared));
    }
    ref.setParamAttr(FlatSymbolRefAttr::get(own.getSymNameAttr()));
    // Every step reads its own copy now: the shared gain only initializes
    // them, and nothing trains it.
    shared.setTrainable(false);
    return WalkResult::advance();
  });
  return failure(walk.wasInterrupted());
}

/// The projections that get per-step LoRA adapters, by their module path
/// in a layer.
constexpr StringLiteral kLoraTargets[] = {
    "self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj",
    "self_attn.o_proj", "mlp.gate_proj",    "mlp.up_proj",
    "mlp.down_proj"};

/// The LoRA target module (`self_attn.q_proj`) whose weight `name` is, or "".
StringRef loraTarget(StringRef name) {
  StringRef suffix = layerLocalName(name);
  for (StringRef target : kLoraTargets)
    if (suffix.size() == target.size() + strlen(".weight") &&
        suffix.starts_with(target) && suffix.ends_with(".weight"))
      return target;
  return "";
}

/// The options of the per-step adapters.
struct LoraOptions {
  int64_t rank = 0;
  double alpha = 0;
  bool svd = false;
  double scale() const { return alpha / double(rank); }
};

/// Declares `name` (before `anchor`, so steps stay in order) unless it
/// exists, and returns it.
ParamOp declareStepParam(StringRef name, RankedTensorType type, Attribute init,
                         ParamOp anchor, SymbolTable &symbols) {
  if (auto existing = symbols.lookup<ParamOp>(name))
    return existing;
  OpBuilder builder(anchor);
  auto param =
      ParamOp::create(builder, anchor.getLoc(), builder.getStringAttr(name),
                      TypeAttr::get(type), init, /*checkpoint=*/nullptr,
                      /*trainable=*/builder.getBoolAttr(true));
  symbols.insert(param, Block::iterator(anchor));
  return param;
}

/// Checks that every LoRA target of the recurrent op's layers admits rank
/// `rank` (at most the weight's smaller dimension).
LogicalResult checkLoraRank(RecurrentOp recurrent, int64_t rank,
                            SymbolTable &symbols) {
  WalkResult walk = recurrent.walk([&](LinearOp linear) {
    auto ref = linear.getWeight().getDefiningOp<ParamRefOp>();
    if (!ref || loraTarget(ref.getParam()).empty())
      return WalkResult::advance();
    auto type = cast<RankedTensorType>(ref.getType());
    int64_t limit = std::min(type.getDimSize(0), type.getDimSize(1));
    if (rank > limit) {
      linear.emitError() << "cherry-recurrent-unroll: lora-rank " << rank
                         << " exceeds the smaller dimension (" << limit
                         << ") of @" << ref.getParam() << " " << type;
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return failure(walk.wasInterrupted());
}

/// Adds step `step`'s LoRA adapter to every target projection of `copy`:
/// `y = linear(x, W)` becomes `y + linear(scale(linear(x, A_s)), B_s)`.
LogicalResult giveStepLora(DecoderLayerOp copy, int64_t step, int64_t run,
                           int64_t runs, const LoraOptions &lora,
                           SymbolTable &symbols) {
  SmallVector<LinearOp> targets;
  copy.walk([&](LinearOp linear) {
    auto ref = linear.getWeight().getDefiningOp<ParamRefOp>();
    if (ref && !loraTarget(ref.getParam()).empty())
      targets.push_back(linear);
  });
  for (LinearOp linear : targets) {
    auto ref = linear.getWeight().getDefiningOp<ParamRefOp>();
    auto shared = symbols.lookup<ParamOp>(ref.getParam());
    RankedTensorType weight = shared.getTensorType();
    int64_t out = weight.getDimSize(0), in = weight.getDimSize(1);
    std::string prefix = "model.recurrent.steps." + std::to_string(step) + "." +
                         loraTarget(ref.getParam()).str();
    MLIRContext *ctx = copy.getContext();
    Type f32 = weight.getElementType();
    Attribute initA =
        UniformInitAttr::get(ctx, APFloat(1.0 / std::sqrt(double(in))));
    Attribute initB = ConstantInitAttr::get(ctx, APFloat(0.0));
    if (lora.svd) {
      FailureOr<FlatSymbolRefAttr> source =
          replacedSource(shared, run, runs, linear);
      if (failed(source))
        return failure();
      auto average = FlatSymbolRefAttr::get(shared.getSymNameAttr());
      auto factor = [&](StringRef which) {
        return LoraSvdInitAttr::get(ctx, *source, average, lora.rank,
                                    StringAttr::get(ctx, which),
                                    APFloat(lora.scale()));
      };
      initA = factor("A");
      initB = factor("B");
    }
    ParamOp a = declareStepParam(prefix + ".lora_A.weight",
                                 RankedTensorType::get({lora.rank, in}, f32),
                                 initA, shared, symbols);
    ParamOp b = declareStepParam(prefix + ".lora_B.weight",
                                 RankedTensorType::get({out, lora.rank}, f32),
                                 initB, shared, symbols);

    OpBuilder builder(linear->getBlock(), std::next(linear->getIterator()));
    Location loc = linear.getLoc();
    auto x = cast<RankedTensorType>(linear.getInput().getType());
    SmallVector<int64_t> narrow(x.getShape());
    narrow.back() = lora.rank;
    auto narrowType = RankedTensorType::get(narrow, f32);
    Value aRef = ParamRefOp::create(builder, loc, a.getTensorType(),
                                    FlatSymbolRefAttr::get(a.getSymNameAttr()));
    Value u = LinearOp::create(builder, loc, narrowType, linear.getInput(),
                               aRef, Value());
    Value scaled = ScaleOp::create(builder, loc, narrowType, u,
                                   builder.getF64FloatAttr(lora.scale()));
    Value bRef = ParamRefOp::create(builder, loc, b.getTensorType(),
                                    FlatSymbolRefAttr::get(b.getSymNameAttr()));
    Value delta =
        LinearOp::create(builder, loc, linear.getType(), scaled, bRef, Value());
    auto sum = AddOp::create(builder, loc, linear.getType(), linear.getResult(),
                             delta);
    linear.getResult().replaceAllUsesExcept(sum.getResult(), sum);
  }
  return success();
}

LogicalResult unroll(RecurrentOp recurrent, bool stepNorms,
                     const LoraOptions &lora, ModuleOp module,
                     SymbolTable &symbols) {
  if (!recurrent.getStepParams().empty())
    return recurrent.emitError()
           << "cherry-recurrent-unroll: step_params are not supported yet "
              "(slicing them needs an op the dialect does not have)";
  if (lora.rank > 0 && failed(checkLoraRank(recurrent, lora.rank, symbols)))
    return failure();
  OpBuilder builder(recurrent);
  Value stream = recurrent.getInput();
  SmallVector<int64_t> runs = recurrent.getRunsPerLayer();
  SmallVector<int64_t> run(runs.size(), 0);
  for (auto [step, layer] : llvm::enumerate(recurrent.getSchedule())) {
    auto copy =
        DecoderLayerOp::create(builder, recurrent.getLoc(), stream.getType(),
                               stream, builder.getI64IntegerAttr(step));
    IRMapping mapping;
    recurrent.getLayers()[layer].cloneInto(&copy.getBody(), mapping);
    // This step is the k-th run of its layer.
    int64_t k = run[layer]++;
    if (stepNorms && failed(giveStepNorms(copy, int64_t(step), k, runs[layer],
                                          lora.svd, module, symbols)))
      return failure();
    if (lora.rank > 0 && failed(giveStepLora(copy, int64_t(step), k,
                                             runs[layer], lora, symbols)))
      return failure();
    stream = copy.getResult();
  }
  recurrent.getResult().replaceAllUsesWith(stream);
  recurrent.erase();
  return success();
}

/// Records the unrolled model in the config checkpoints get.
LogicalResult recordRecurrence(RecurrentOp recurrent, bool stepNorms,
                               const LoraOptions &lora, ModuleOp module) {
  int64_t layers = recurrent.getLayers().size();
  SmallVector<int64_t> schedule(recurrent.getSchedule());
  return updateHfConfig(
      module, "cherry-recurrent-unroll", [&](llvm::json::Object &config) {
        config["num_hidden_layers"] = layers;
        llvm::json::Object &cherry = cherrySection(config);
        llvm::json::Array targets;
        for (StringRef target : kLoraTargets)
          targets.push_back(target.rsplit('.').second.str());
        llvm::json::Object section{
            {"steps", int64_t(schedule.size())},
            {"schedule", llvm::json::Array(schedule)},
            {"step_norms", stepNorms},
            {"lora_rank", lora.rank},
            {"lora_alpha", lora.rank > 0 ? lora.alpha : 0.0},
            {"lora_init", lora.svd ? "svd" : "random"},
            {"lora_targets", std::move(targets)}};
        if (llvm::json::Object *averaged = cherry.getObject("averaged")) {
          if (const llvm::json::Value *v = averaged->get("source_layers"))
            section["source_layers"] = *v;
          if (const llvm::json::Value *v = averaged->get("groups"))
            section["groups"] = *v;
          cherry.erase("averaged");
        }
        cherry["recurrent"] = std::move(section);
      });
}

struct RecurrentUnrollPass
    : public mlir::cherry::impl::CherryRecurrentUnrollPassBase<
          RecurrentUnrollPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (loraInit != "random" && loraInit != "svd") {
      emitError(module.getLoc())
          << "cherry-recurrent-unroll: lora-init must be random or svd, found '"
          << loraInit << "'";
      return signalPassFailure();
    }
    if (loraInit == "svd" && loraRank == 0) {
      emitError(module.getLoc()) << "cherry-recurrent-unroll: lora-init=svd "
                                    "needs lora-rank > 0";
      return signalPassFailure();
    }
    LoraOptions lora{loraRank, loraAlpha == 0.0 ? double(loraRank) : loraAlpha,
                     loraInit == "svd"};
    if (loraRank < 0) {
      emitError(module.getLoc())
          << "cherry-recurrent-unroll: lora-rank must be >= 0, found "
          << int64_t(loraRank);
      return signalPassFailure();
    }
    if (!std::isfinite(loraAlpha) || loraAlpha < 0) {
      emitError(module.getLoc())
          << "cherry-recurrent-unroll: lora-alpha must be a finite number >= "
             "0, found "
          << llvm::formatv("{0}", double(loraAlpha)).str();
      return signalPassFailure();
    }
    // Collected first: unrolling while walking would erase ops under the
    // walk.
    SmallVector<RecurrentOp> recurrents;
    module.walk([&](RecurrentOp op) { recurrents.push_back(op); });
    if (recurrents.size() > 1) {
      recurrents[1].emitError()
          << "cherry-recurrent-unroll: the module has " << recurrents.size()
          << " cherry.recurrent ops; one config.json "
             "can describe only one";
      return signalPassFailure();
    }
    SymbolTable symbols(module);
    for (RecurrentOp recurrent : recurrents)
      if (failed(recordRecurrence(recurrent, stepNorms, lora, module)) ||
          failed(unroll(recurrent, stepNorms, lora, module, symbols)))
        return signalPassFailure();
  }
};

} // namespace
