//===- Program.cpp - The Executable interpreter ---------------------------===//
//
// Checks an Executable against the kernel ABI (runtime/abi/Kernels.abi),
// prepares each instruction once (operand pointers into the arena, attribute
// values in the order Kernels.abi lists them) and runs functions by calling
// the CPU kernels. Parameters come from safetensors or from their initializers.
//
//===----------------------------------------------------------------------===//

#include "cherry/Runtime/Program.h"

#include "cherry/Runtime/Communicator.h"
#include "cherry/Runtime/CpuKernels.h"
#include "cherry/Runtime/Device.h"
#include "cherry/Runtime/Executable.h"
#include "cherry/Runtime/KernelAbi.h"
#include "cherry/Runtime/LoraSvd.h"
#include "cherry/Runtime/SafeTensors.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <random>
#include <unordered_map>
#include <unordered_set>

namespace cherry::runtime {
namespace ex = executable;

namespace {

std::string str(uint64_t v) { return std::to_string(v); }

std::string shapeString(const std::vector<int64_t> &shape) {
  std::string out = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    out += (i ? ", " : "") + std::to_string(shape[i]);
  return out + "]";
}

std::vector<int64_t>
shapeOf(const google::protobuf::RepeatedField<int64_t> &shape) {
  return std::vector<int64_t>(shape.begin(), shape.end());
}

/// The parameters an initializer computes from (mean_of's sources,
/// lora_svd's original and average), made first.
std::vector<std::string> initSources(const ex::Initializer &init) {
  if (init.kind_case() == ex::Initializer::kMeanOf)
    return {init.mean_of().parameters().begin(),
            init.mean_of().parameters().end()};
  if (init.kind_case() == ex::Initializer::kStackOf)
    return {init.stack_of().parameters().begin(),
            init.stack_of().parameters().end()};
  if (init.kind_case() == ex::Initializer::kLoraSvd)
    return {init.lora_svd().original(), init.lora_svd().average()};
  return {};
}

uint64_t elementCount(const google::protobuf::RepeatedField<int64_t> &shape) {
  uint64_t n = 1;
  for (int64_t d : shape)
    n *= static_cast<uint64_t>(d);
  return n;
}

//===----------------------------------------------------------------------===//
// Checks against the kernel ABI (KernelAbi.h, from runtime/abi/Kernels.abi)
//===----------------------------------------------------------------------===//

/// A prepared instruction: operand offsets in the arena, and the call the
/// device runs (pointers filled in once the arena exists).
struct Step {
  std::vector<uint64_t> inOffset, outOffset;
  KernelCall call;
  /// A Loop instruction: `body` (prepared as iteration 0 binds it), run once
  /// per entry of `iterations`, which holds every body step's operand
  /// offsets in that iteration (then their addresses, once the arena is
  /// allocated).
  struct Operands {
    std::vector<uint64_t> inOffset, outOffset;
    std::vector<std::byte *> in, out;
  };
  std::vector<Step> body;
  std::vector<std::vector<Operands>> iterations;
};

using BufferMap = std::unordered_map<uint32_t, const ex::Buffer *>;

/// Every element of a kernel operand, f32 or i32, has 4 bytes.
constexpr uint64_t kElemBytes = 4;

const char *valueKind(ex::Attribute::ValueCase c) {
  switch (c) {
  case ex::Attribute::kI:
    return "an integer (Attribute.i)";
  case ex::Attribute::kF:
    return "a float (Attribute.f)";
  case ex::Attribute::kS:
    return "a string (Attribute.s)";
  case ex::Attribute::kInts:
    return "an integer list (Attribute.ints)";
  default:
    return "no value";
  }
}

/// The kernel's attribute names, integers first, for messages.
std::string attributeNames(const abi::KernelSpec &spec) {
  std::string out;
  for (const abi::IntAttrSpec &attr : spec.ints)
    out += (out.empty() ? "" : ", ") + std::string(attr.name);
  for (const char *name : spec.floats)
    out += (out.empty() ? "" : ", ") + std::string(name);
  return out.empty() ? "none" : out;
}

/// Checks the value of integer attribute `attr`; `where` ends in the
/// instruction.
Status checkIntValue(const std::string &where, const abi::IntAttrSpec &attr,
                     int64_t v) {
  if (v >= attr.min && v <= attr.max)
    return Status::success();
  const std::string is =
      where + ": attribute '" + attr.name + "' is " + std::to_string(v);
  if (attr.min == 0 && attr.max == 1)
    return Status::error(is + ", expected 0 or 1");
  // BLAS and the kernels' loops index with int; no model comes near this.
  constexpr int64_t kMax = std::numeric_limits<int32_t>::max();
  if (attr.max == kMax && v > kMax)
    return Status::error(is + ", above the limit " + std::to_string(kMax));
  if (attr.max == kMax)
    return Status::error(is + ", expected a " +
                         (attr.min == 0 ? "non-negative" : "positive") +
                         " integer");
  return Status::error(is + ", expected " + std::to_string(attr.min) + " to " +
                       std::to_string(attr.max));
}

/// The value of integer attribute `name` of `inst`, 0 when it has none.
int64_t intAttribute(const ex::Instruction &inst, const char *name) {
  for (const ex::Attribute &attr : inst.attributes())
    if (attr.name() == name)
      return attr.i();
  return 0;
}

/// Checks the operand counts. A list kernel takes its fixed inputs, then
/// the `count` tensors, and its outputs per tensor; `count` is checked
/// first, as the counts follow from it.
Status checkCounts(const std::string &where, const abi::KernelSpec &spec,
                   const ex::Instruction &inst) {
  int64_t wantInputs = spec.inputs.size, wantOutputs = spec.outputs.size;
  if (spec.isList()) {
    const abi::IntAttrSpec &length = spec.ints[spec.listLength];
    int64_t count = intAttribute(inst, length.name);
    if (Status s = checkIntValue(where, length, count); !s.ok())
      return s;
    wantInputs = spec.inputs.size - 1 + count;
    wantOutputs = spec.outputs.size * count;
  }
  auto plural = [](int64_t n, const char *what) {
    return std::to_string(n) + " " + what + (n == 1 ? "" : "s");
  };
  if (inst.inputs_size() != wantInputs)
    return Status::error(where + ": takes " + plural(wantInputs, "input") +
                         ", got " + std::to_string(inst.inputs_size()));
  if (inst.outputs_size() != wantOutputs)
    return Status::error(where + ": takes " + plural(wantOutputs, "output") +
                         ", got " + std::to_string(inst.outputs_size()));
  return Status::success();
}

/// Checks that the attributes are exactly the kernel's, each once, with
/// its type and an accepted value, and appends their values to `call` in
/// the kernel's order.
Status readAttributes(const std::string &where, const abi::KernelSpec &spec,
                      const ex::Instruction &inst, KernelCall &call) {
  std::unordered_map<std::string, const ex::Attribute *> given;
  for (const ex::Attribute &attr : inst.attributes()) {
    if (attr.name().empty())
      return Status::error(where + ": has an attribute without a name");
    if (!given.emplace(attr.name(), &attr).second)
      return Status::error(where + ": attribute '" + attr.name() +
                           "' is given twice");
    bool isInt = std::any_of(
        spec.ints.begin(), spec.ints.end(),
        [&](const abi::IntAttrSpec &a) { return attr.name() == a.name; });
    bool isFloat = std::find(spec.floats.begin(), spec.floats.end(),
                             attr.name()) != spec.floats.end();
    if (!isInt && !isFloat)
      return Status::error(where + ": unknown attribute '" + attr.name() +
                           "' (" + spec.name + " takes " +
                           attributeNames(spec) + ")");
    ex::Attribute::ValueCase want =
        isInt ? ex::Attribute::kI : ex::Attribute::kF;
    if (attr.value_case() != want)
      return Status::error(where + ": attribute '" + attr.name() +
                           "' must be " + valueKind(want) + ", got " +
                           valueKind(attr.value_case()));
  }
  for (const abi::IntAttrSpec &attr : spec.ints) {
    auto it = given.find(attr.name);
    if (it == given.end())
      return Status::error(where + ": missing attribute '" + attr.name + "'");
    int64_t v = it->second->i();
    if (Status s = checkIntValue(where, attr, v); !s.ok())
      return s;
    call.ints.push_back(v);
  }
  for (const char *name : spec.floats) {
    auto it = given.find(name);
    if (it == given.end())
      return Status::error(where + ": missing attribute '" + name + "'");
    double v = it->second->f();
    if (!std::isfinite(v) || v <= 0)
      return Status::error(where + ": attribute '" + name + "' is " +
                           std::to_string(v) + ", expected a positive number");
    call.floats.push_back(v);
  }
  // The checks relating attributes to each other.
  if (std::string unmet = abi::unmetRequirement(call.kernel, call.ints.data());
      !unmet.empty())
    return Status::error(where + ": " + unmet);
  return Status::success();
}

/// The operand of the kernel slice `i` stands for: in a list kernel the
/// last input stands for every tensor, and the outputs repeat per tensor.
const abi::OperandSpec &inputSpec(const abi::KernelSpec &spec, size_t i) {
  return spec.inputs[std::min<size_t>(i, spec.inputs.size - 1)];
}
const abi::OperandSpec &outputSpec(const abi::KernelSpec &spec, size_t o) {
  return spec.outputs[o % spec.outputs.size];
}

/// The bytes operand `op` of instruction `inst` must have, slice `i` of
/// the inputs (or outputs), and the element count's formula for messages.
Status expectedBytes(const std::string &what, const abi::KernelSpec &spec,
                     const ex::Instruction &inst, bool input, int i,
                     const abi::OperandSpec &op,
                     const std::vector<int64_t> &ints, uint64_t &want,
                     std::string &formula) {
  if (op.list) {
    // A list tensor: its size is its input slice's; outputs match it.
    const int fixed = spec.inputs.size - 1;
    const int64_t tensor = input ? i - fixed : i / spec.outputs.size;
    uint64_t actual =
        input ? inst.inputs(i).size_bytes() : inst.outputs(i).size_bytes();
    want = input ? actual
                 : inst.inputs(fixed + static_cast<int>(tensor)).size_bytes();
    if (want == 0 || want % kElemBytes != 0)
      return Status::error(what + " of tensor " + str(tensor) + " is " +
                           str(actual) +
                           " bytes, expected a positive multiple of 4");
    formula = "tensor " + str(tensor);
    return Status::success();
  }
  uint64_t elems = 1;
  for (const abi::Factor &factor : op.factors) {
    uint64_t d = factor.attr >= 0 ? static_cast<uint64_t>(ints[factor.attr])
                                  : static_cast<uint64_t>(factor.literal);
    if (__builtin_mul_overflow(elems, d, &elems))
      return Status::error(what + ": its size overflows");
    formula += (formula.empty() ? "" : "*") + std::string(factor.text);
  }
  if (__builtin_mul_overflow(elems, kElemBytes, &want))
    return Status::error(what + ": its size overflows");
  return Status::success();
}

ex::DType dtypeOf(abi::ElemType elem) {
  return elem == abi::ElemType::F32 ? ex::F32 : ex::I32;
}

/// Checks the input (or output) slices of `inst` against the kernel's
/// operands: size implied by the attributes, element type, alignment; and
/// records their arena offsets and sizes.
Status checkOperands(const BufferMap &buffers, const std::string &where,
                     const abi::KernelSpec &spec, const ex::Instruction &inst,
                     bool input, const std::vector<int64_t> &ints,
                     std::vector<uint64_t> &offsets,
                     std::vector<uint64_t> &bytes) {
  const auto &slices = input ? inst.inputs() : inst.outputs();
  for (int i = 0; i < slices.size(); ++i) {
    const ex::BufferSlice &slice = slices[i];
    const abi::OperandSpec &op =
        input ? inputSpec(spec, i) : outputSpec(spec, i);
    std::string what = where + ": " + (input ? "input " : "output ") +
                       std::to_string(i) + " (" + op.name + ")";
    uint64_t want = 0;
    std::string formula;
    if (Status s =
            expectedBytes(what, spec, inst, input, i, op, ints, want, formula);
        !s.ok())
      return s;
    uint64_t elems = want / kElemBytes;
    if (slice.size_bytes() != want)
      return Status::error(
          what + " is " + str(slice.size_bytes()) + " bytes, expected " +
          str(want) + " (" + (formula.empty() ? "" : formula + " = ") +
          str(elems) + (elems == 1 ? " element" : " elements") +
          " of 4 bytes)");
    const ex::Buffer &buffer = *buffers.at(slice.buffer());
    ex::DType dtype = dtypeOf(op.elem);
    if (buffer.dtype() != ex::DTYPE_UNSPECIFIED && buffer.dtype() != dtype)
      return Status::error(what + " is in buffer " + str(buffer.id()) +
                           " of dtype " + ex::DType_Name(buffer.dtype()) +
                           ", expected " + ex::DType_Name(dtype));
    uint64_t offset = buffer.arena_offset() + slice.offset_bytes();
    if (offset % kElemBytes != 0)
      return Status::error(what + " at arena offset " + str(offset) +
                           " is not 4-byte aligned");
    offsets.push_back(offset);
    bytes.push_back(want);
  }
  return Status::success();
}

bool overlaps(uint64_t a, uint64_t aBytes, uint64_t b, uint64_t bBytes) {
  return a < b + bBytes && b < a + aBytes;
}

/// Outputs never overlap each other; an output may be exactly an input of
/// an elementwise kernel (in place), never partly overlap one. An output
/// updating an input in place (add_rms_norm's sum starts as a copy of the
/// residual) may be exactly that input and must stay clear of the others.
Status checkOverlaps(const std::string &where, const abi::KernelSpec &spec,
                     const Step &step) {
  const KernelCall &call = step.call;
  for (size_t o = 0; o < step.outOffset.size(); ++o) {
    const abi::OperandSpec &out = outputSpec(spec, o);
    std::string what =
        where + ": output " + std::to_string(o) + " (" + out.name + ")";
    for (size_t p = 0; p < o; ++p)
      if (overlaps(step.outOffset[o], call.outBytes[o], step.outOffset[p],
                   call.outBytes[p]))
        return Status::error(what + " overlaps output " + std::to_string(p) +
                             " (" + outputSpec(spec, p).name + ")");
    for (size_t i = 0; i < step.inOffset.size(); ++i) {
      if (!overlaps(step.outOffset[o], call.outBytes[o], step.inOffset[i],
                    call.inBytes[i]))
        continue;
      bool exact = step.outOffset[o] == step.inOffset[i] &&
                   call.outBytes[o] == call.inBytes[i];
      bool inPlace = out.source >= 0 ? out.source == static_cast<int>(i)
                                     : spec.elementwise;
      if (!exact || !inPlace)
        return Status::error(what + " overlaps input " + std::to_string(i) +
                             " (" + inputSpec(spec, i).name + ")");
    }
  }
  return Status::success();
}

/// Checks kernel call `inst` (named `at` in messages) and prepares its Step
/// (offsets only).
Status prepareCall(const BufferMap &buffers, const ex::Instruction &inst,
                   const std::string &at, Step &step) {
  std::optional<KernelId> kernel = abi::findKernel(inst.kernel());
  if (!kernel)
    return Status::error(at + ": unknown kernel '" + inst.kernel() + "'");
  const abi::KernelSpec &spec = abi::kernelSpec(*kernel);
  const std::string where = at + " (" + inst.kernel() + ")";
  step.call.kernel = *kernel;

  if (inst.device() == ex::CUDA)
    return Status::error(where + ": runs on device CUDA, but this runtime has "
                                 "only the CPU backend");
  if (Status s = checkCounts(where, spec, inst); !s.ok())
    return s;
  if (Status s = readAttributes(where, spec, inst, step.call); !s.ok())
    return s;
  if (Status s =
          checkOperands(buffers, where, spec, inst, /*input=*/true,
                        step.call.ints, step.inOffset, step.call.inBytes);
      !s.ok())
    return s;
  if (Status s =
          checkOperands(buffers, where, spec, inst, /*input=*/false,
                        step.call.ints, step.outOffset, step.call.outBytes);
      !s.ok())
    return s;
  return checkOverlaps(where, spec, step);
}

/// Body instruction `body` of a loop as iteration `trip` runs it: its slot
/// operands replaced by that iteration's slices.
ex::Instruction instantiate(const ex::Loop &loop, const ex::Instruction &body,
                            uint32_t trip) {
  ex::Instruction inst = body;
  for (auto *slices : {inst.mutable_inputs(), inst.mutable_outputs()})
    for (ex::BufferSlice &slice : *slices)
      if (slice.slot() != 0)
        slice = loop.slots(trip * loop.num_slots() + slice.slot() - 1);
  return inst;
}

/// Checks instruction `index` of `fn` and prepares its Step (offsets only):
/// a kernel call, or a loop whose body is checked as every iteration binds
/// it.
Status prepareInstruction(const BufferMap &buffers, const ex::Function &fn,
                          int index, Step &step) {
  const ex::Instruction &inst = fn.instructions(index);
  const std::string at =
      "function '" + fn.name() + "' instruction " + std::to_string(index);
  if (!inst.has_loop())
    return prepareCall(buffers, inst, at, step);
  const ex::Loop &loop = inst.loop();
  step.body.resize(loop.body_size());
  step.iterations.resize(loop.trips());
  for (uint32_t t = 0; t < loop.trips(); ++t) {
    step.iterations[t].resize(loop.body_size());
    for (int j = 0; j < loop.body_size(); ++j) {
      Step instance;
      if (Status s = prepareCall(buffers, instantiate(loop, loop.body(j), t),
                                 at + " (loop) iteration " + std::to_string(t) +
                                     " body instruction " + std::to_string(j),
                                 instance);
          !s.ok())
        return s;
      step.iterations[t][j].inOffset = instance.inOffset;
      step.iterations[t][j].outOffset = instance.outOffset;
      // The body's calls are shared by the iterations; only addresses may
      // differ (a list kernel's sizes come from its slices).
      if (t > 0 && (instance.call.inBytes != step.body[j].call.inBytes ||
                    instance.call.outBytes != step.body[j].call.outBytes))
        return Status::error(at + " (loop) iteration " + std::to_string(t) +
                             " body instruction " + std::to_string(j) +
                             ": its operand sizes differ from iteration 0's");
      if (t == 0)
        step.body[j] = std::move(instance);
    }
  }
  return Status::success();
}

Status checkParameters(const ex::Executable &exe, const BufferMap &buffers) {
  std::unordered_map<std::string, const ex::Parameter *> byName;
  for (const ex::Parameter &p : exe.parameters())
    byName[p.name()] = &p;
  for (const ex::Parameter &p : exe.parameters()) {
    std::string name = "parameter '" + p.name() + "'";
    if (p.dtype() != ex::F32)
      return Status::error(name + " has dtype " + ex::DType_Name(p.dtype()) +
                           "; the CPU runtime holds parameters in F32");
    const ex::Buffer &b = *buffers.at(p.buffer());
    if (b.dtype() != ex::DTYPE_UNSPECIFIED && b.dtype() != ex::F32)
      return Status::error(name + " is in buffer " + str(b.id()) +
                           " of dtype " + ex::DType_Name(b.dtype()) +
                           ", expected F32");
    if (b.arena_offset() % 4 != 0)
      return Status::error(name + " in buffer " + str(b.id()) +
                           " at arena offset " + str(b.arena_offset()) +
                           " is not 4-byte aligned");
    if (!p.has_init()) {
      if (p.checkpoint_key().empty())
        return Status::error(
            name + " has neither a checkpoint key nor an initializer");
      continue;
    }
    const ex::Initializer &init = p.init();
    switch (init.kind_case()) {
    case ex::Initializer::kConstant:
      if (!std::isfinite(init.constant()))
        return Status::error(name + ": constant initializer is not finite");
      break;
    case ex::Initializer::kNormalStd:
      if (!std::isfinite(init.normal_std()) || init.normal_std() < 0)
        return Status::error(name + ": normal_std " +
                             std::to_string(init.normal_std()) +
                             " is not a non-negative number");
      break;
    case ex::Initializer::kUniformBound:
      if (!std::isfinite(init.uniform_bound()) || init.uniform_bound() < 0)
        return Status::error(name + ": uniform_bound " +
                             std::to_string(init.uniform_bound()) +
                             " is not a non-negative number");
      break;
    case ex::Initializer::kMeanOf: {
      if (init.mean_of().parameters().empty())
        return Status::error(name + ": mean_of names no parameters");
      for (const std::string &source : init.mean_of().parameters()) {
        auto it = byName.find(source);
        if (it == byName.end())
          return Status::error(name + ": mean_of names unknown parameter '" +
                               source + "'");
        if (source == p.name())
          return Status::error(name + ": mean_of names the parameter itself");
        if (shapeOf(it->second->shape()) != shapeOf(p.shape()))
          return Status::error(name + ": mean_of parameter '" + source +
                               "' has shape " +
                               shapeString(shapeOf(it->second->shape())) +
                               ", expected " + shapeString(shapeOf(p.shape())));
      }
      break;
    }
    case ex::Initializer::kStackOf: {
      const auto &sources = init.stack_of().parameters();
      std::vector<int64_t> shape = shapeOf(p.shape());
      // An expert-parallel slice stacks the whole tensor, then keeps its
      // rows.
      if (p.expert_shards() > 1 && !shape.empty())
        shape[0] *= p.expert_shards();
      if (sources.empty() || shape.empty() ||
          shape[0] != static_cast<int64_t>(sources.size()))
        return Status::error(name + ": stack_of names " + str(sources.size()) +
                             " parameters for shape " + shapeString(shape) +
                             " (one per slice of the first dimension)");
      std::vector<int64_t> slice(shape.begin() + 1, shape.end());
      for (const std::string &source : sources) {
        auto it = byName.find(source);
        if (it == byName.end())
          return Status::error(name + ": stack_of names unknown parameter '" +
                               source + "'");
        if (source == p.name())
          return Status::error(name + ": stack_of names the parameter itself");
        if (shapeOf(it->second->shape()) != slice)
          return Status::error(name + ": stack_of parameter '" + source +
                               "' has shape " +
                               shapeString(shapeOf(it->second->shape())) +
                               ", expected " + shapeString(slice));
      }
      break;
    }
    case ex::Initializer::kLoraSvd: {
      const ex::LoraSvd &svd = init.lora_svd();
      const ex::Parameter *pair[2] = {nullptr, nullptr};
      for (int k = 0; k < 2; ++k) {
        const std::string &other = k ? svd.average() : svd.original();
        auto it = byName.find(other);
        if (it == byName.end())
          return Status::error(name + ": lora_svd names unknown parameter '" +
                               other + "'");
        if (other == p.name())
          return Status::error(name + ": lora_svd names the parameter itself");
        pair[k] = it->second;
      }
      std::vector<int64_t> matrix = shapeOf(pair[0]->shape());
      if (matrix.size() != 2 || shapeOf(pair[1]->shape()) != matrix)
        return Status::error(name +
                             ": lora_svd needs two matrices of one "
                             "shape, found " +
                             shapeString(matrix) + " and " +
                             shapeString(shapeOf(pair[1]->shape())));
      const int64_t rank = svd.rank();
      if (rank <= 0 || rank > std::min(matrix[0], matrix[1]) ||
          !std::isfinite(svd.scale()) || !(svd.scale() > 0))
        return Status::error(name + ": lora_svd rank " + std::to_string(rank) +
                             " (of " + shapeString(matrix) + ") or scale " +
                             std::to_string(svd.scale()) + " is invalid");
      std::vector<int64_t> want = svd.factor_b()
                                      ? std::vector<int64_t>{matrix[0], rank}
                                      : std::vector<int64_t>{rank, matrix[1]};
      if (shapeOf(p.shape()) != want)
        return Status::error(name + ": lora_svd factor has shape " +
                             shapeString(shapeOf(p.shape())) + ", expected " +
                             shapeString(want));
      break;
    }
    default:
      return Status::error(name + " has an empty initializer");
    }
  }
  // mean_of must not form a cycle.
  std::unordered_map<std::string, int> state; // 1: on the path, 2: done
  std::vector<std::string> path;
  std::function<Status(const ex::Parameter &)> visit =
      [&](const ex::Parameter &p) -> Status {
    int &st = state[p.name()];
    if (st == 2)
      return Status::success();
    if (st == 1) {
      std::string cycle;
      auto begin = std::find(path.begin(), path.end(), p.name());
      for (auto it = begin; it != path.end(); ++it)
        cycle += *it + " -> ";
      return Status::error("parameter '" + p.name() +
                           "': initializer cycle: " + cycle + p.name());
    }
    st = 1;
    path.push_back(p.name());
    for (const std::string &source : initSources(p.init()))
      if (Status s = visit(*byName.at(source)); !s.ok())
        return s;
    path.pop_back();
    state[p.name()] = 2;
    return Status::success();
  };
  for (const ex::Parameter &p : exe.parameters())
    if (Status s = visit(p); !s.ok())
      return s;
  return Status::success();
}

BufferMap bufferMap(const ex::Executable &exe) {
  BufferMap map;
  for (const ex::Buffer &b : exe.buffers())
    map.emplace(b.id(), &b);
  return map;
}

Status prepareAll(const ex::Executable &exe,
                  std::vector<std::vector<Step>> &functions) {
  BufferMap buffers = bufferMap(exe);
  for (const ex::Function &fn : exe.functions()) {
    std::vector<Step> steps(fn.instructions_size());
    for (int i = 0; i < fn.instructions_size(); ++i)
      if (Status s = prepareInstruction(buffers, fn, i, steps[i]); !s.ok())
        return s;
    functions.push_back(std::move(steps));
  }
  return checkParameters(exe, buffers);
}

//===----------------------------------------------------------------------===//
// Initializers
//===----------------------------------------------------------------------===//

uint64_t splitMix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

uint64_t fnv1a64(const std::string &s) {
  uint64_t h = 0xCBF29CE484222325ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001B3ull;
  }
  return h;
}

/// Uniform in [0, 1) with 53 random bits.
double uniform01(std::mt19937_64 &rng) {
  return static_cast<double>(rng() >> 11) * 0x1.0p-53;
}

} // namespace

void initializeValues(const ex::Initializer &init, const std::string &name,
                      uint64_t seed, float *out, size_t count) {
  // std::mt19937_64 is specified exactly by the standard; the distributions
  // are not, so they are written out here.
  std::mt19937_64 rng(splitMix64(splitMix64(seed) ^ fnv1a64(name)));
  switch (init.kind_case()) {
  case ex::Initializer::kConstant:
    std::fill(out, out + count, static_cast<float>(init.constant()));
    break;
  case ex::Initializer::kNormalStd: {
    const double std = init.normal_std();
    const double twoPi = 6.283185307179586476925286766559;
    for (size_t i = 0; i < count; i += 2) {
      double u1 = 1.0 - uniform01(rng); // (0, 1]: log stays finite
      double u2 = uniform01(rng);
      double r = std::sqrt(-2.0 * std::log(u1));
      out[i] = static_cast<float>(std * r * std::cos(twoPi * u2));
      if (i + 1 < count)
        out[i + 1] = static_cast<float>(std * r * std::sin(twoPi * u2));
    }
    break;
  }
  case ex::Initializer::kUniformBound: {
    const double bound = init.uniform_bound();
    for (size_t i = 0; i < count; ++i)
      out[i] = static_cast<float>((2.0 * uniform01(rng) - 1.0) * bound);
    break;
  }
  default: // mean_of and unset are handled by the caller.
    std::fill(out, out + count, 0.0f);
    break;
  }
}

//===----------------------------------------------------------------------===//
// Program
//===----------------------------------------------------------------------===//

Status validateProgram(const ex::Executable &exe) {
  if (Status s = verifyExecutable(exe); !s.ok())
    return s;
  std::vector<std::vector<Step>> functions;
  return prepareAll(exe, functions);
}

struct Program::Impl {
  ex::Executable exe;
  std::unique_ptr<Device> device;
  /// The one arena every buffer lives in, on the device.
  DeviceMemory arena;
  BufferMap buffers;
  std::vector<std::vector<Step>> functions;
  ParameterReport report;
  /// CHERRY_PROFILE=1: seconds, calls and the FLOPs of the products
  /// (abi::kernelFlops) per kernel, printed at exit (each launch is followed
  /// by a synchronize, so queued devices are timed too). Each function's
  /// first run (its warm-up: the arena's pages touched for the first time,
  /// tables built) is kept apart and printed only when nothing ran twice.
  bool profile = [] {
    const char *env = std::getenv("CHERRY_PROFILE");
    return env && *env && std::string(env) != "0";
  }();
  struct KernelTime {
    double seconds = 0, flops = 0;
    int64_t calls = 0;
  };
  std::map<std::string, KernelTime> kernelTimes, firstRunTimes;
  /// Runs of each function so far.
  std::vector<int64_t> runs;

  /// The profile table: kernels by time, with GFLOP/s where the kernel has
  /// products, then the products' share of the time and their rate.
  void printProfile() const {
    // The warm-up runs alone when no function ran twice.
    const bool steady = !kernelTimes.empty();
    const std::map<std::string, KernelTime> &times =
        steady ? kernelTimes : firstRunTimes;
    double total = 0, productSeconds = 0, productFlops = 0, firstRuns = 0;
    for (const auto &[name, entry] : firstRunTimes)
      firstRuns += entry.seconds;
    std::vector<std::pair<double, std::string>> order;
    for (const auto &[name, entry] : times) {
      total += entry.seconds;
      order.push_back({entry.seconds, name});
      if (entry.flops > 0) {
        productSeconds += entry.seconds;
        productFlops += entry.flops;
      }
    }
    std::sort(order.rbegin(), order.rend());
    if (steady)
      std::fprintf(stderr,
                   "cherry-run: kernel profile (%.3f s in kernels; the first "
                   "run of each function, its warm-up, left out: %.3f s)\n",
                   total, firstRuns);
    else
      std::fprintf(stderr,
                   "cherry-run: kernel profile (%.3f s in kernels; each "
                   "function ran once, so this is its warm-up run)\n",
                   total);
    for (const auto &[seconds, name] : order) {
      const KernelTime &entry = times.at(name);
      std::fprintf(stderr, "  %-26s %9.3f s %5.1f%% %8lld calls", name.c_str(),
                   seconds, total > 0 ? 100 * seconds / total : 0.0,
                   static_cast<long long>(entry.calls));
      if (entry.flops > 0 && seconds > 0)
        std::fprintf(stderr, " %8.1f GFLOP/s", entry.flops / seconds / 1e9);
      std::fprintf(stderr, "\n");
    }
    if (productFlops > 0 && productSeconds > 0)
      std::fprintf(stderr,
                   "  products (matrix products, attention, head): %.0f FLOP "
                   "in %.3f s (%.1f%% of the kernel time), %.1f GFLOP/s\n",
                   productFlops, productSeconds,
                   total > 0 ? 100 * productSeconds / total : 0.0,
                   productFlops / productSeconds / 1e9);
  }

  ~Impl() {
    if (profile && !(kernelTimes.empty() && firstRunTimes.empty()))
      printProfile();
    if (device)
      device->release(arena);
  }
};

Program::Program() = default;
Program::~Program() = default;
Program::Program(Program &&) noexcept = default;
Program &Program::operator=(Program &&) noexcept = default;

Status Program::create(ex::Executable exe, Program &out,
                       std::unique_ptr<Device> device) {
  if (Status s = verifyExecutable(exe); !s.ok())
    return s;
  auto impl = std::make_unique<Impl>();
  impl->exe = std::move(exe);
  if (Status s = prepareAll(impl->exe, impl->functions); !s.ok())
    return s;
  impl->buffers = bufferMap(impl->exe);
  impl->device = device ? std::move(device) : createCpuDevice();
  // Every kernel, loop bodies' too, runs on this device.
  for (size_t f = 0; f < impl->functions.size(); ++f)
    for (size_t i = 0; i < impl->functions[f].size(); ++i) {
      const Step &step = impl->functions[f][i];
      std::vector<const Step *> calls;
      if (step.iterations.empty())
        calls.push_back(&step);
      for (const Step &inner : step.body)
        calls.push_back(&inner);
      for (const Step *call : calls)
        if (Status s = impl->device->supports(call->call.kernel); !s.ok())
          return Status::error("function '" + impl->exe.functions(f).name() +
                               "' instruction " + std::to_string(i) + ": " +
                               s.message + " on device " +
                               impl->device->name());
    }

  const uint64_t size = impl->exe.arena_size_bytes();
  if (Status s = impl->device->allocate(size, impl->arena); !s.ok())
    return Status::error("cannot allocate the arena of " + str(size) +
                         " bytes: " + s.message);
  std::byte *base = impl->arena.address;
  auto addresses = [base](const std::vector<uint64_t> &offsets) {
    std::vector<std::byte *> out;
    for (uint64_t off : offsets)
      out.push_back(base + off);
    return out;
  };
  for (std::vector<Step> &steps : impl->functions)
    for (Step &step : steps) {
      step.call.in = addresses(step.inOffset);
      step.call.out = addresses(step.outOffset);
      for (std::vector<Step::Operands> &iteration : step.iterations)
        for (Step::Operands &operands : iteration) {
          operands.in = addresses(operands.inOffset);
          operands.out = addresses(operands.outOffset);
        }
    }
  out.impl_ = std::move(impl);
  return Status::success();
}

const ex::Executable &Program::executable() const { return impl_->exe; }
Device &Program::device() { return *impl_->device; }
uint64_t Program::arenaSize() const { return impl_->exe.arena_size_bytes(); }

const ex::Buffer *Program::buffer(uint32_t id) const {
  auto it = impl_->buffers.find(id);
  return it == impl_->buffers.end() ? nullptr : it->second;
}

/// The arena offset of [offset, offset + bytes) of buffer `id`, checked.
static Status transferRange(const Program &program, uint32_t id,
                            uint64_t offset, uint64_t bytes,
                            uint64_t &arenaOffset) {
  const ex::Buffer *b = program.buffer(id);
  if (!b)
    return Status::error("no buffer " + str(id));
  if (offset > b->size_bytes() || bytes > b->size_bytes() - offset)
    return Status::error("bytes [" + str(offset) + ", +" + str(bytes) +
                         ") are outside buffer " + str(id) + " of " +
                         str(b->size_bytes()) + " bytes");
  arenaOffset = b->arena_offset() + offset;
  return Status::success();
}

Status Program::write(uint32_t id, const void *src, uint64_t bytes,
                      uint64_t offset) {
  uint64_t at = 0;
  if (Status s = transferRange(*this, id, offset, bytes, at); !s.ok())
    return s;
  return impl_->device->copyToDevice(impl_->arena, at, src, bytes);
}

Status Program::read(uint32_t id, void *dst, uint64_t bytes,
                     uint64_t offset) const {
  uint64_t at = 0;
  if (Status s = transferRange(*this, id, offset, bytes, at); !s.ok())
    return s;
  return impl_->device->copyToHost(dst, impl_->arena, at, bytes);
}

std::byte *Program::hostData(uint32_t id) {
  const ex::Buffer *b = buffer(id);
  return b ? impl_->device->hostPointer(impl_->arena, b->arena_offset())
           : nullptr;
}

int Program::findFunction(const std::string &name) const {
  for (int i = 0; i < impl_->exe.functions_size(); ++i)
    if (impl_->exe.functions(i).name() == name)
      return i;
  return -1;
}

static const ex::Buffer *
findBinding(const Program &program,
            const google::protobuf::RepeatedPtrField<ex::Binding> &bindings,
            const std::string &name) {
  for (const ex::Binding &b : bindings)
    if (b.name() == name)
      return program.buffer(b.buffer());
  return nullptr;
}

const ex::Buffer *Program::inputBuffer(int function,
                                       const std::string &name) const {
  if (function < 0 || function >= impl_->exe.functions_size())
    return nullptr;
  return findBinding(*this, impl_->exe.functions(function).inputs(), name);
}

const ex::Buffer *Program::outputBuffer(int function,
                                        const std::string &name) const {
  if (function < 0 || function >= impl_->exe.functions_size())
    return nullptr;
  return findBinding(*this, impl_->exe.functions(function).outputs(), name);
}

const ex::Buffer *Program::stateBuffer(int function,
                                       const std::string &name) const {
  if (function < 0 || function >= impl_->exe.functions_size())
    return nullptr;
  return findBinding(*this, impl_->exe.functions(function).state(), name);
}

Status Program::prefetch(int slot, uint32_t id, const void *src,
                         uint64_t bytes) {
  const ex::Buffer *b = buffer(id);
  if (!b)
    return Status::error("no buffer " + str(id));
  if (bytes != b->size_bytes())
    return Status::error("prefetch of " + str(bytes) + " bytes into buffer " +
                         str(id) + " of " + str(b->size_bytes()) + " bytes");
  return impl_->device->prefetch(slot, src, bytes);
}

Status Program::commitPrefetch(int slot, uint32_t id) {
  const ex::Buffer *b = buffer(id);
  if (!b)
    return Status::error("no buffer " + str(id));
  return impl_->device->commitPrefetch(slot, impl_->arena, b->arena_offset());
}

Status Program::run(int function) {
  if (Status s = start(function); !s.ok())
    return s;
  return finish(function);
}

Status Program::finish(int function) {
  if (function < 0 || function >= static_cast<int>(impl_->functions.size()))
    return Status::error("no function #" + std::to_string(function));
  // A device that queues its launches reports their errors here.
  if (Status s = impl_->device->synchronize(); !s.ok())
    return Status::error("function '" + impl_->exe.functions(function).name() +
                         "': " + s.message);
  return Status::success();
}

Status Program::start(int function) {
  if (function < 0 || function >= static_cast<int>(impl_->functions.size()))
    return Status::error("no function #" + std::to_string(function));
  const std::string &name = impl_->exe.functions(function).name();
  // A device that records (CUDA graphs) records the launches once and
  // replays them. The profile times each launch, so it records nothing.
  Device::Recording mode = Device::Recording::Plain;
  if (!impl_->profile)
    if (Status s = impl_->device->beginFunction(function, name, mode); !s.ok())
      return Status::error("function '" + name + "': " + s.message);
  if (mode == Device::Recording::Replayed)
    return Status::success();
  Status launched = launchSteps(function);
  if (mode != Device::Recording::Record)
    return launched;
  bool rerun = false;
  Status ended = impl_->device->endFunction(function, launched, rerun);
  if (rerun)
    return launchSteps(function);
  if (!ended.ok() && launched.ok())
    return Status::error("function '" + name + "': " + ended.message);
  return ended;
}

Status Program::launchSteps(int function) {
  std::vector<Step> &steps = impl_->functions[function];
  std::map<std::string, Impl::KernelTime> *times = nullptr;
  if (impl_->profile) {
    impl_->runs.resize(impl_->functions.size(), 0);
    times = impl_->runs[function]++ == 0 ? &impl_->firstRunTimes
                                         : &impl_->kernelTimes;
  }
  auto launch = [&](const KernelCall &call) {
    auto start = impl_->profile ? std::chrono::steady_clock::now()
                                : std::chrono::steady_clock::time_point();
    Status s = impl_->device->launch(call);
    // A device that queues launches (CUDA) is waited for, so that the time
    // is the kernel's.
    if (impl_->profile && s.ok())
      s = impl_->device->synchronize();
    if (impl_->profile) {
      auto &entry = (*times)[abi::kernelName(call.kernel)];
      entry.seconds += std::chrono::duration<double>(
                           std::chrono::steady_clock::now() - start)
                           .count();
      entry.flops += abi::kernelFlops(call.kernel, call.ints.data());
      ++entry.calls;
    }
    return s;
  };
  for (size_t i = 0; i < steps.size(); ++i) {
    const std::string at = "function '" +
                           impl_->exe.functions(function).name() +
                           "' instruction " + std::to_string(i);
    Step &step = steps[i];
    if (step.iterations.empty()) {
      if (Status s = launch(step.call); !s.ok())
        return Status::error(at + ": " + s.message);
      continue;
    }
    // A loop: each iteration points the body's calls at its operands.
    for (size_t t = 0; t < step.iterations.size(); ++t)
      for (size_t j = 0; j < step.body.size(); ++j) {
        KernelCall &call = step.body[j].call;
        call.in = step.iterations[t][j].in;
        call.out = step.iterations[t][j].out;
        if (Status s = launch(call); !s.ok())
          return Status::error(at + " (loop) iteration " + std::to_string(t) +
                               " body instruction " + std::to_string(j) + ": " +
                               s.message);
      }
  }
  return Status::success();
}

Status Program::run(const std::string &name) {
  int function = findFunction(name);
  if (function < 0)
    return Status::error("the executable has no function '" + name + "'");
  return run(function);
}

Status Program::loadParameters(const SafeTensors *weights,
                               const std::string &weightsName, uint64_t seed) {
  if (!weights)
    return loadParameters(std::vector<WeightSource>{}, seed);
  return loadParameters(std::vector<WeightSource>{{weights, weightsName}},
                        seed);
}

Status Program::loadParameters(const std::vector<WeightSource> &sources,
                               uint64_t seed) {
  const auto &params = impl_->exe.parameters();
  ParameterReport report;
  std::unordered_map<std::string, int> index;
  std::vector<std::unordered_set<std::string>> usedKeys(sources.size());
  std::vector<int> state(params.size(), 0); // 0: to make, 1: making, 2: done
  // Values are made on the host and transferred to the device; the sources
  // of mean_of parameters stay on the host until their means are made.
  std::unordered_set<std::string> meanSources;
  for (const ex::Parameter &p : params)
    for (const std::string &name : initSources(p.init()))
      meanSources.insert(name);
  // lora_svd factors come in pairs from one decomposition: the other
  // factor of a pair made first waits here.
  std::map<std::pair<std::string, std::string>,
           std::pair<std::vector<float>, std::vector<float>>>
      svdFactors;
  std::unordered_map<int, std::vector<float>> kept;
  // Expert parallelism: a parameter of expert_shards > 1 is this rank's
  // slice of dimension 0 of the whole tensor, which checkpoints hold and
  // initializers make.
  const Communicator *comm = impl_->device->communicator();
  const int rank = comm ? comm->rank() : 0, ranks = comm ? comm->size() : 1;
  auto shardsOf = [](const ex::Parameter &p) -> int64_t {
    return p.expert_shards() > 1 ? p.expert_shards() : 1;
  };
  auto wholeShape = [&](const ex::Parameter &p) {
    std::vector<int64_t> shape = shapeOf(p.shape());
    if (!shape.empty())
      shape[0] *= shardsOf(p);
    return shape;
  };
  for (const ex::Parameter &p : params)
    if (shardsOf(p) > 1 && shardsOf(p) != ranks)
      return Status::error(
          "parameter '" + p.name() + "' is 1/" + std::to_string(shardsOf(p)) +
          " of its experts (expert parallelism "
          "over " +
          std::to_string(shardsOf(p)) + " ranks), but this run has " +
          std::to_string(ranks) + (ranks == 1 ? " rank" : " ranks") +
          " (start it with mpirun -np " + std::to_string(shardsOf(p)) + ")");
  auto store = [&](int i, std::vector<float> values) {
    const ex::Parameter &p = params[i];
    if (shardsOf(p) > 1) {
      const size_t own = values.size() / shardsOf(p);
      std::vector<float> slice(values.begin() + rank * own,
                               values.begin() + (rank + 1) * own);
      values = std::move(slice);
    }
    if (Status s =
            write(p.buffer(), values.data(), values.size() * sizeof(float));
        !s.ok())
      return Status::error("parameter '" + p.name() + "': " + s.message);
    if (meanSources.count(p.name()))
      kept[i] = std::move(values);
    return Status::success();
  };
  for (int i = 0; i < params.size(); ++i) {
    const ex::Parameter &p = params[i];
    index[p.name()] = i;
    const std::string &key = p.checkpoint_key();
    const uint32_t source = p.weight_source();
    if (!key.empty() && !sources.empty() && source >= sources.size())
      return Status::error("parameter '" + p.name() + "' reads tensor '" + key +
                           "' from weight source " + std::to_string(source) +
                           ", but " + std::to_string(sources.size()) +
                           (sources.size() == 1 ? " was" : " were") +
                           " given (pass one --weights per source, in order)");
    const SafeTensors *weights =
        source < sources.size() ? sources[source].weights : nullptr;
    const std::string weightsName =
        source < sources.size() ? sources[source].name : std::string();
    if (!key.empty() && weights)
      usedKeys[source].insert(key);
    const TensorView *t =
        weights && !key.empty() ? weights->find(key) : nullptr;
    if (t) {
      std::vector<int64_t> want = wholeShape(p);
      if (t->shape != want)
        return Status::error(t->file + ": tensor '" + key + "' has shape " +
                             shapeString(t->shape) + " but parameter '" +
                             p.name() + "' has shape " + shapeString(want));
      std::vector<float> values(elementCount(p.shape()) * shardsOf(p));
      t->toFloat32(values.data());
      // A NaN weight gives NaN losses and token 0s, never an error.
      if (int64_t bad = firstNonFinite(values.data(), values.size()); bad >= 0)
        return Status::error(t->file + ": tensor '" + key +
                             "' has a non-finite value (" +
                             std::to_string(values[bad]) + ") at element " +
                             std::to_string(bad));
      if (Status s = store(i, std::move(values)); !s.ok())
        return s;
      state[i] = 2;
      report.loaded.push_back(p.name());
    } else if (!p.has_init()) {
      if (weights)
        return Status::error(weightsName + ": no tensor '" + key +
                             "' for parameter '" + p.name() +
                             "', which has no initializer");
      return Status::error("parameter '" + p.name() +
                           "' has no initializer and no weights were given "
                           "(it reads checkpoint tensor '" +
                           key + "')");
    }
  }

  std::function<Status(int)> make = [&](int i) -> Status {
    const ex::Parameter &p = params[i];
    if (state[i] == 2)
      return Status::success();
    if (state[i] == 1) // validateProgram rejects cycles; stay safe.
      return Status::error("parameter '" + p.name() + "': mean_of cycle");
    state[i] = 1;
    const size_t count = elementCount(p.shape()) * shardsOf(p);
    std::vector<float> values(count);
    float *dst = values.data();
    if (p.init().kind_case() == ex::Initializer::kStackOf) {
      size_t offset = 0;
      for (const std::string &name : p.init().stack_of().parameters()) {
        int j = index.at(name);
        if (Status s = make(j); !s.ok())
          return s;
        const std::vector<float> &slice = kept.at(j);
        std::copy(slice.begin(), slice.end(), dst + offset);
        offset += slice.size();
      }
    } else if (p.init().kind_case() == ex::Initializer::kMeanOf) {
      std::vector<const float *> sources;
      for (const std::string &name : p.init().mean_of().parameters()) {
        int j = index.at(name);
        if (Status s = make(j); !s.ok())
          return s;
        sources.push_back(kept.at(j).data());
      }
      const double scale = 1.0 / static_cast<double>(sources.size());
      for (size_t e = 0; e < count; ++e) {
        double sum = 0;
        for (const float *src : sources)
          sum += src[e];
        dst[e] = static_cast<float>(sum * scale);
      }
    } else if (p.init().kind_case() == ex::Initializer::kLoraSvd) {
      const ex::LoraSvd &svd = p.init().lora_svd();
      int o = index.at(svd.original()), a = index.at(svd.average());
      for (int j : {o, a})
        if (Status s = make(j); !s.ok())
          return s;
      auto key = std::make_pair(svd.original() + "\n" + svd.average(),
                                std::to_string(svd.rank()) + "\n" +
                                    std::to_string(svd.scale()));
      auto it = svdFactors.find(key);
      if (it == svdFactors.end()) {
        const std::vector<float> &orig = kept.at(o), &avg = kept.at(a);
        std::vector<double> residual(orig.size());
        for (size_t e = 0; e < orig.size(); ++e)
          residual[e] = static_cast<double>(orig[e]) - avg[e];
        const int64_t out = params[o].shape(0), in = params[o].shape(1);
        std::pair<std::vector<float>, std::vector<float>> factors;
        if (Status s =
                loraSvdFactors(residual, out, in, svd.rank(), svd.scale(),
                               factors.first, factors.second);
            !s.ok())
          return Status::error("parameter '" + p.name() + "': " + s.message);
        it = svdFactors.emplace(key, std::move(factors)).first;
      }
      values = svd.factor_b() ? it->second.first : it->second.second;
    } else {
      initializeValues(p.init(), p.name(), seed, dst, count);
    }
    if (Status s = store(i, std::move(values)); !s.ok())
      return s;
    state[i] = 2;
    report.initialized.push_back(p.name());
    return Status::success();
  };
  for (int i = 0; i < params.size(); ++i)
    if (Status s = make(i); !s.ok())
      return s;

  for (size_t k = 0; k < sources.size(); ++k)
    for (const TensorView &t : sources[k].weights->tensors())
      if (!usedKeys[k].count(t.name))
        report.unusedTensors.push_back(
            (sources.size() > 1 ? sources[k].name + ": " : std::string()) +
            t.name);
  impl_->report = std::move(report);
  return Status::success();
}

const ParameterReport &Program::parameterReport() const {
  return impl_->report;
}

size_t Program::unusedTensorCount() const {
  return impl_->report.unusedTensors.size();
}

} // namespace cherry::runtime
