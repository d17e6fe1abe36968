//===- EmitExecutable.cpp - Kernel IR -> protobuf Executable --------------===//

#include "cherry/Dialect/Kernel/Target/EmitExecutable.h"

#include "cherry/Dialect/Cherry/IR/CherryAttrs.h"
#include "cherry/Dialect/Cherry/IR/CherryDialect.h"
#include "cherry/Dialect/Cherry/IR/CherryOps.h"
#include "cherry/Dialect/Kernel/IR/KernelDialect.h"
#include "cherry/Runtime/Bindings.h"
#include "cherry/Runtime/Executable.h"
#include "cherry/Runtime/KernelAbi.h"
#include "cherry/Support/OneLineDiagnostics.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Tools/mlir-translate/Translation.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/ConvertUTF.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace mlir::cherry;
using namespace mlir::cherry::kernel;
namespace ex = ::cherry::executable;

static constexpr uint64_t kAlignment = 64;

/// The strings of an Executable are UTF-8: protobuf would write others with
/// a log line of its own, and the runtime refuses to read them. MLIR strings
/// and symbol names can hold any bytes (escapes such as "\FF").
static LogicalResult checkUtf8(Operation *op, const Twine &what,
                               StringRef value) {
  const auto *begin = reinterpret_cast<const llvm::UTF8 *>(value.data());
  const auto *end = begin + value.size();
  const llvm::UTF8 *bad = begin;
  if (llvm::isLegalUTF8String(&bad, end))
    return success();
  return op->emitError() << what << " is not valid UTF-8 (byte "
                         << (bad - begin) << " of " << value.size() << ")";
}

static FailureOr<ex::DType> dtypeOf(Type element, Location loc) {
  if (element.isF32())
    return ex::F32;
  if (element.isBF16())
    return ex::BF16;
  if (element.isF16())
    return ex::F16;
  if (element.isSignlessInteger(32))
    return ex::I32;
  if (element.isSignlessInteger(64))
    return ex::I64;
  return emitError(loc) << "no Executable dtype for element type " << element;
}

//===----------------------------------------------------------------------===//
// Roles
//===----------------------------------------------------------------------===//
//
// The executable says what each function and binding is for, so that the
// runtime never reads meaning into a name. The names are the ones
// cherry-lower-to-kernels gives and the pipelines choose (train_step,
// eval_step, decode_step, grad_step); this is the one place that maps them.

namespace fn = ::cherry::abi::function;
namespace bind = ::cherry::abi::binding;
using ::cherry::abi::KernelId;

static ex::FunctionRole functionRole(StringRef name) {
  return llvm::StringSwitch<ex::FunctionRole>(name)
      .Case(fn::kTrainStep, ex::TRAIN_STEP)
      .Case(fn::kEvalStep, ex::EVAL_STEP)
      .Case(fn::kDecodeStep, ex::DECODE_STEP)
      .Case(fn::kGradStep, ex::GRAD_STEP)
      .Case(fn::kVerifyStep, ex::VERIFY_STEP)
      .Default(ex::FUNCTION_ROLE_UNSPECIFIED);
}

/// The role of binding `name`; `parameter` receives the parameter a
/// gradient binding ("grad.<parameter>") is the gradient of, `head` the
/// multi-token head of "mtp_loss.<k>" and "mtp_logits.<k>" (0 otherwise).
static ex::BindingRole bindingRole(StringRef name, bool state,
                                   std::string &parameter, int64_t &head) {
  head = 0;
  if (name.consume_front(bind::kGradPrefix)) {
    parameter = name.str();
    return ex::GRADIENT;
  }
  for (auto [prefix, role] :
       {std::pair{StringRef(bind::kMtpLossPrefix), ex::MTP_LOSS},
        std::pair{StringRef(bind::kMtpLogitsPrefix), ex::MTP_LOGITS}})
    if (!state && name.starts_with(prefix) &&
        !name.drop_front(prefix.size()).getAsInteger(10, head) && head >= 1)
      return role;
  head = 0;
  if (state)
    return name.starts_with(bind::kCachePrefix) ? ex::KV_CACHE
                                                : ex::BINDING_ROLE_UNSPECIFIED;
  if (name.starts_with(bind::kRouterPrefix)) {
    if (name.ends_with(bind::kRouterCountsSuffix))
      return ex::EXPERT_COUNTS;
    if (name.ends_with(bind::kRouterLossSuffix))
      return ex::ROUTER_LOSS;
  }
  return llvm::StringSwitch<ex::BindingRole>(name)
      .Case(bind::kIds, ex::TOKEN_IDS)
      .Case(bind::kTargets, ex::TARGETS)
      .Case(bind::kHyper, ex::HYPER_PARAMETERS)
      .Case(bind::kLoss, ex::LOSS)
      .Case(bind::kGradSqNorm, ex::GRAD_SQ_NORM)
      .Case(bind::kTokenLosses, ex::TOKEN_LOSSES)
      .Case(bind::kTokenWeights, ex::TOKEN_WEIGHTS)
      .Case(bind::kSgtMask, ex::SELECTION_MASK)
      .Case(bind::kPosition, ex::POSITION)
      .Case(bind::kLogits, ex::LOGITS)
      .Default(ex::BINDING_ROLE_UNSPECIFIED);
}

/// Optimizer moments ("optimizer.*") and the selection's score table
/// ("sgt.scores", made by cherry-sgt) are training state, not weights; the
/// averaged layers' sources ("source.*") are load-only.
static ex::ParameterRole parameterRole(StringRef name) {
  if (name == "sgt.scores")
    return ex::SELECTION_SCORES;
  // cherry-layer-average keeps the layers it averages as source.* (their
  // checkpoint keys the dense model's).
  if (name.starts_with("source."))
    return ex::SOURCE_WEIGHT;
  return name.starts_with("optimizer.") ? ex::OPTIMIZER_STATE
                                        : ex::MODEL_WEIGHT;
}

/// The selection a launch of an sgt_select_* kernel makes, if it is one.
static std::optional<ex::SelectionPolicy> selectionPolicy(KernelId kernel) {
  switch (kernel) {
  case KernelId::sgt_select_uniform:
    return ex::SELECT_UNIFORM;
  case KernelId::sgt_select_random:
    return ex::SELECT_RANDOM;
  case KernelId::sgt_select_score:
    return ex::SELECT_SCORE;
  case KernelId::sgt_select_surprisal:
    return ex::SELECT_SURPRISAL;
  case KernelId::sgt_select_loss:
    return ex::SELECT_LOSS_TOPK;
  case KernelId::sgt_select_mask:
    return ex::SELECT_MASK;
  default:
    return std::nullopt;
  }
}

/// Whether the kernel is one of the head's losses (whose vocab attribute is
/// the function's vocabulary).
static bool isHeadLoss(KernelId kernel) {
  switch (kernel) {
  case KernelId::head_cross_entropy:
  case KernelId::head_cross_entropy_rows:
  case KernelId::head_cross_entropy_weighted:
  case KernelId::head_cross_entropy_grad:
  case KernelId::head_cross_entropy_weighted_grad:
  case KernelId::head_cross_entropy_train:
  case KernelId::head_cross_entropy_weighted_train:
    return true;
  default:
    return false;
  }
}

/// Records what a launch tells about its function: the selection policy of
/// a selective training step, and the vocabulary its loss runs over.
static void noteLaunch(LaunchOp launch, ex::Function &fn) {
  auto intAttr = [&](StringRef name) -> std::optional<int64_t> {
    if (auto a = launch->getAttrOfType<IntegerAttr>(name))
      return a.getInt();
    return std::nullopt;
  };
  std::optional<KernelId> kernel =
      ::cherry::abi::findKernel(launch.getKernel().str());
  if (!kernel) // the launch verifier rejects unknown kernels
    return;
  if (std::optional<ex::SelectionPolicy> policy = selectionPolicy(*kernel)) {
    ex::Selection *selection = fn.mutable_selection();
    selection->set_policy(*policy);
    selection->set_k(intAttr("k").value_or(0));
    selection->set_seed(static_cast<uint64_t>(intAttr("seed").value_or(0)));
  }
  if (isHeadLoss(*kernel) && !fn.vocab_size())
    fn.set_vocab_size(intAttr("vocab").value_or(0));
}

namespace {

class Emitter {
public:
  explicit Emitter(ModuleOp module) : module(module) {}

  LogicalResult run(ex::Executable &exe);

private:
  /// Adds a buffer for `type` at the arena's current end.
  FailureOr<uint32_t> addBuffer(ex::Executable &exe, MemRefType type,
                                Location loc, uint64_t offset) {
    FailureOr<ex::DType> dtype = dtypeOf(type.getElementType(), loc);
    if (failed(dtype))
      return failure();
    ex::Buffer *buffer = exe.add_buffers();
    buffer->set_id(exe.buffers_size() - 1);
    buffer->set_size_bytes(type.getNumElements() *
                           ::cherry::runtime::dtypeSize(*dtype));
    buffer->set_alignment(kAlignment);
    buffer->set_arena_offset(offset);
    buffer->set_dtype(*dtype);
    for (int64_t d : type.getShape())
      buffer->add_shape(d);
    return buffer->id();
  }

  uint64_t bump(uint64_t bytes) {
    uint64_t offset = persistentEnd;
    persistentEnd = llvm::alignTo(persistentEnd + bytes, kAlignment);
    return offset;
  }

  LogicalResult emitParams(ex::Executable &exe);
  /// A function whose bindings are emitted and whose body is not yet.
  struct Pending {
    ex::Function *fn;
    func::FuncOp func;
    SmallVector<uint32_t> argBuffers; // the buffer of each argument
  };

  LogicalResult emitFunction(func::FuncOp func, ex::Executable &exe,
                             SmallVectorImpl<Pending> &pending);
  /// Writes `launch` as `inst`; operands in `slots` (a loop body's block
  /// arguments) become slot references.
  LogicalResult emitLaunch(LaunchOp launch, ex::Instruction &inst,
                           const llvm::DenseMap<Value, uint32_t> &buffers,
                           const llvm::DenseMap<Value, uint32_t> &slots,
                           const ex::Executable &exe);

  ModuleOp module;
  uint64_t persistentEnd = 0;
  llvm::StringMap<uint32_t> paramBuffers;
};

} // namespace

LogicalResult Emitter::emitParams(ex::Executable &exe) {
  // Each tensor of a checkpoint belongs to one parameter (the runtime
  // refuses an executable where two share one).
  llvm::StringMap<StringRef> keys;
  for (auto param : module.getOps<mlir::cherry::ParamOp>()) {
    if (failed(checkUtf8(param, "the name of parameter @" + param.getSymName(),
                         param.getSymName())))
      return failure();
    if (std::optional<StringRef> key = param.getCheckpoint()) {
      if (failed(checkUtf8(
              param, "the checkpoint name of parameter @" + param.getSymName(),
              *key)))
        return failure();
      // Keys are per weight source (each expert's source has the same).
      auto [it, inserted] =
          keys.try_emplace((Twine(param.getWeightSource()) + ":" + *key).str(),
                           param.getSymName());
      if (!inserted)
        return param.emitOpError() << "parameter @" << param.getSymName()
                                   << " has the checkpoint name '" << *key
                                   << "' of parameter @" << it->second;
    }
    RankedTensorType tensor = param.getTensorType();
    auto type = MemRefType::get(tensor.getShape(), tensor.getElementType());
    uint64_t bytes = type.getNumElements() *
                     llvm::divideCeil(type.getElementTypeBitWidth(), 8);
    FailureOr<uint32_t> id = addBuffer(exe, type, param.getLoc(), bump(bytes));
    if (failed(id))
      return failure();
    paramBuffers[param.getSymName()] = *id;

    ex::Parameter *p = exe.add_parameters();
    p->set_name(param.getSymName().str());
    for (int64_t d : tensor.getShape())
      p->add_shape(d);
    p->set_dtype(exe.buffers(*id).dtype());
    if (std::optional<StringRef> key = param.getCheckpoint())
      p->set_checkpoint_key(key->str());
    p->set_trainable(param.getTrainable());
    p->set_weight_source(param.getWeightSource());
    p->set_buffer(*id);
    p->set_role(parameterRole(param.getSymName()));
    if (std::optional<Attribute> init = param.getInit()) {
      ex::Initializer *i = p->mutable_init();
      if (auto c = dyn_cast<ConstantInitAttr>(*init))
        i->set_constant(c.getValue().convertToDouble());
      else if (auto n = dyn_cast<NormalInitAttr>(*init))
        i->set_normal_std(n.getStd().convertToDouble());
      else if (auto u = dyn_cast<UniformInitAttr>(*init))
        i->set_uniform_bound(u.getBound().convertToDouble());
      else if (auto m = dyn_cast<MeanOfInitAttr>(*init))
        for (Attribute source : m.getSources())
          i->mutable_mean_of()->add_parameters(
              cast<FlatSymbolRefAttr>(source).getValue().str());
      else if (auto stack = dyn_cast<StackOfInitAttr>(*init))
        for (Attribute source : stack.getSources())
          i->mutable_stack_of()->add_parameters(
              cast<FlatSymbolRefAttr>(source).getValue().str());
      else if (auto svd = dyn_cast<LoraSvdInitAttr>(*init)) {
        ex::LoraSvd *l = i->mutable_lora_svd();
        l->set_original(svd.getOriginal().getValue().str());
        l->set_average(svd.getAverage().getValue().str());
        l->set_rank(svd.getRank());
        l->set_factor_b(svd.getFactor().getValue() == "B");
        l->set_scale(svd.getScale().convertToDouble());
      } else
        return param.emitOpError()
               << "initializer " << *init << " has no Executable form";
    }
  }
  return success();
}

LogicalResult Emitter::emitFunction(func::FuncOp func, ex::Executable &exe,
                                    SmallVectorImpl<Pending> &pending) {
  if (func.getNumResults() != 0)
    return func.emitError() << "function @" << func.getName()
                            << " is not lowered to kernels (it returns "
                               "values; run --cherry-infer first)";
  if (failed(checkUtf8(func, "the name of function @" + func.getName(),
                       func.getName())))
    return failure();
  ex::Function *fn = exe.add_functions();
  fn->set_name(func.getName().str());
  fn->set_role(functionRole(func.getName()));
  SmallVector<uint32_t> argBuffers;
  for (BlockArgument arg : func.getArguments()) {
    auto type = dyn_cast<MemRefType>(arg.getType());
    auto name =
        func.getArgAttrOfType<StringAttr>(arg.getArgNumber(), kBindingAttr);
    if (!type || !name)
      return func.emitError()
             << "argument " << arg.getArgNumber() << " of @" << func.getName()
             << " is not a memref with a " << kBindingAttr << " name";
    uint64_t bytes = type.getNumElements() *
                     llvm::divideCeil(type.getElementTypeBitWidth(), 8);
    FailureOr<uint32_t> id = addBuffer(exe, type, func.getLoc(), bump(bytes));
    if (failed(id))
      return failure();
    const bool state = bool(func.getArgAttr(arg.getArgNumber(), kStateAttr));
    ex::Binding *binding = state ? fn->add_state()
                           : func.getArgAttr(arg.getArgNumber(), kOutputAttr)
                               ? fn->add_outputs()
                               : fn->add_inputs();
    if (failed(checkUtf8(func,
                         "the binding name of argument " +
                             Twine(arg.getArgNumber()) + " of @" +
                             func.getName(),
                         name.getValue())))
      return failure();
    binding->set_name(name.str());
    std::string parameter;
    int64_t head = 0;
    binding->set_role(bindingRole(name.getValue(), state, parameter, head));
    binding->set_parameter(parameter);
    binding->set_head(head);
    if (binding->role() == ex::LOGITS)
      fn->set_vocab_size(type.getShape().back());
    binding->set_buffer(*id);
    argBuffers.push_back(*id);
  }
  pending.push_back({fn, func, std::move(argBuffers)});
  return success();
}

/// The whole of buffer `id` as a slice.
static void setSlice(ex::BufferSlice &slice, uint32_t id,
                     const ex::Executable &exe) {
  slice.set_buffer(id);
  slice.set_offset_bytes(0);
  slice.set_size_bytes(exe.buffers(id).size_bytes());
}

LogicalResult
Emitter::emitLaunch(LaunchOp launch, ex::Instruction &inst,
                    const llvm::DenseMap<Value, uint32_t> &buffers,
                    const llvm::DenseMap<Value, uint32_t> &slots,
                    const ex::Executable &exe) {
  inst.set_kernel(launch.getKernel().str());
  auto add = [&](ValueRange values,
                 google::protobuf::RepeatedPtrField<ex::BufferSlice> *out) {
    for (Value v : values) {
      ex::BufferSlice *s = out->Add();
      if (uint32_t slot = slots.lookup(v))
        s->set_slot(slot);
      else
        setSlice(*s, buffers.lookup(v), exe);
    }
  };
  add(launch.getInputs(), inst.mutable_inputs());
  add(launch.getOutputs(), inst.mutable_outputs());
  for (NamedAttribute attr : launch->getDiscardableAttrs()) {
    // The dialect's annotations (kLayerAttr) are no kernel attributes.
    if (attr.getName().strref().starts_with("cherry_kernel."))
      continue;
    if (failed(checkUtf8(launch,
                         "attribute name '" + attr.getName().strref() + "'",
                         attr.getName().strref())))
      return failure();
    ex::Attribute *a = inst.add_attributes();
    a->set_name(attr.getName().str());
    if (auto i = dyn_cast<IntegerAttr>(attr.getValue()))
      a->set_i(i.getInt());
    else if (auto f = dyn_cast<FloatAttr>(attr.getValue()))
      a->set_f(f.getValueAsDouble());
    else
      return launch.emitOpError() << "attribute '" << attr.getName()
                                  << "' is neither an integer nor a float";
  }
  return success();
}

LogicalResult Emitter::run(ex::Executable &exe) {
  exe.set_version(::cherry::runtime::kExecutableVersion);
  exe.set_producer("cherry-translate " CHERRY_VERSION_STRING);
  if (auto config = module->getAttrOfType<StringAttr>("cherry.hf_config")) {
    if (failed(checkUtf8(module, "cherry.hf_config", config.getValue())))
      return failure();
    exe.set_model_config(config.str());
  }
  if (failed(emitParams(exe)))
    return failure();

  // Persistent buffers first (parameters, then every function's bindings),
  // then one scratch region shared by all functions.
  SmallVector<Pending> pending;
  for (auto func : module.getOps<func::FuncOp>())
    if (failed(emitFunction(func, exe, pending)))
      return failure();
  if (pending.empty())
    return module.emitError() << "no kernel-level function to emit (run "
                                 "--cherry-infer first)";
  uint64_t scratchBase = persistentEnd;
  uint64_t scratchSize = 0;

  for (auto &[fn, func, argBuffers] : pending) {
    llvm::DenseMap<Value, uint32_t> buffers;
    for (BlockArgument arg : func.getArguments())
      buffers[arg] = argBuffers[arg.getArgNumber()];
    for (Operation &op : func.getBody().front()) {
      if (auto param = dyn_cast<kernel::ParamOp>(op)) {
        auto it = paramBuffers.find(param.getParam());
        if (it == paramBuffers.end())
          return param.emitOpError() << "names no cherry.param";
        buffers[param.getBuffer()] = it->second;
      } else if (auto buffer = dyn_cast<BufferOp>(op)) {
        std::optional<uint64_t> offset = buffer.getOffset();
        if (!offset)
          return buffer.emitOpError()
                 << "has no offset (run cherry-plan-memory first)";
        FailureOr<uint32_t> id =
            addBuffer(exe, buffer.getBuffer().getType(), buffer.getLoc(),
                      scratchBase + *offset);
        if (failed(id))
          return failure();
        buffers[buffer.getBuffer()] = *id;
        scratchSize = std::max<uint64_t>(
            scratchSize, *offset + exe.buffers(*id).size_bytes());
      } else if (auto launch = dyn_cast<LaunchOp>(op)) {
        if (failed(emitLaunch(launch, *fn->add_instructions(), buffers,
                              llvm::DenseMap<Value, uint32_t>(), exe)))
          return failure();
        noteLaunch(launch, *fn);
      } else if (auto loop = dyn_cast<LoopOp>(op)) {
        // The body's block arguments are slots 1.. (0: a plain slice).
        ex::Loop *l = fn->add_instructions()->mutable_loop();
        l->set_trips(loop.getTrips());
        l->set_num_slots(loop.getNumSlotsPerTrip());
        llvm::DenseMap<Value, uint32_t> slots;
        for (BlockArgument arg : loop.getBody().getArguments())
          slots[arg] = arg.getArgNumber() + 1;
        for (Value v : loop.getSlots())
          setSlice(*l->add_slots(), buffers.lookup(v), exe);
        for (Operation &inner : loop.getBody().front()) {
          auto bodyLaunch = cast<LaunchOp>(inner);
          if (failed(
                  emitLaunch(bodyLaunch, *l->add_body(), buffers, slots, exe)))
            return failure();
          noteLaunch(bodyLaunch, *fn);
        }
      } else if (!isa<func::ReturnOp>(op)) {
        return op.emitOpError() << "has no Executable form (only "
                                   "cherry_kernel ops may appear in a "
                                   "kernel-level function)";
      }
    }
  }
  exe.set_arena_size_bytes(scratchBase +
                           llvm::alignTo(scratchSize, kAlignment));

  ::cherry::runtime::Status status = ::cherry::runtime::verifyExecutable(exe);
  if (!status.ok())
    return module.emitError() << "internal error: the emitted executable "
                                 "does not verify: "
                              << status.message;
  return success();
}

LogicalResult mlir::cherry::kernel::emitExecutable(ModuleOp module,
                                                   llvm::raw_ostream &os) {
  ex::Executable exe;
  if (failed(Emitter(module).run(exe)))
    return failure();
  std::string bytes;
  if (!exe.SerializeToString(&bytes))
    return module.emitError() << "could not serialize the executable";
  os << ::cherry::runtime::encodeExecutableFile(bytes);
  return success();
}

void mlir::cherry::kernel::registerEmitExecutableTranslation() {
  static TranslateFromMLIRRegistration registration(
      "emit-executable",
      "Write a planned kernel-level module (--cherry-infer output) as a "
      "protobuf Executable for cherry-run",
      [](ModuleOp module, llvm::raw_ostream &os) {
        OneLineDiagnostics oneLine(module.getContext());
        return emitExecutable(module, os);
      },
      [](DialectRegistry &registry) {
        registry.insert<CherryDialect, CherryKernelDialect, func::FuncDialect,
                        memref::MemRefDialect>();
      });
}
