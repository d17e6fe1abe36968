//===- Program.cpp - The Executable interpreter ---------------------------===//
//
// Checks an Executable against the kernel ABI (Kernels.def), prepares each
// instruction once (operand pointers into the arena, attribute values in the
// order Kernels.def lists them) and runs functions by calling the CPU
// kernels. Parameters come from safetensors or from their initializers.
//
//===----------------------------------------------------------------------===//

#include "cherry/Runtime/Program.h"

#include "cherry/Runtime/CpuKernels.h"
#include "cherry/Runtime/Device.h"
#include "cherry/Runtime/Executable.h"
#include "cherry/Runtime/SafeTensors.h"


#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <limits>
#include <map>
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

uint64_t elementCount(const google::protobuf::RepeatedField<int64_t> &shape) {
  uint64_t n = 1;
  for (int64_t d : shape)
    n *= static_cast<uint64_t>(d);
  return n;
}

//===----------------------------------------------------------------------===//
// The kernel table
//===----------------------------------------------------------------------===//

float *f32(std::byte *p) { return reinterpret_cast<float *>(p); }

enum class Elem { F32, I32 };

/// One operand of a kernel: its element type and its element count as a
/// product of integer attributes (no factors: one element).
struct Operand {
  const char *name;
  Elem elem;
  std::vector<const char *> dims;
};

/// The operands of a kernel and whether it is elementwise, i.e. an output
/// may be exactly the same slice as an input (in-place).
struct Operands {
  std::vector<Operand> inputs, outputs;
  bool elementwise;
};

// One entry per kernel of Kernels.def (a kernel without one fails to
// compile below). The sizes are the ones Kernels.def documents.
const Operands kOperands_embedding{
    {{"ids", Elem::I32, {"n"}}, {"table", Elem::F32, {"vocab", "dim"}}},
    {{"y", Elem::F32, {"n", "dim"}}},
    false};
const Operands kOperands_rms_norm{
    {{"x", Elem::F32, {"rows", "dim"}}, {"w", Elem::F32, {"dim"}}},
    {{"y", Elem::F32, {"rows", "dim"}}},
    true};
const Operands kOperands_add_rms_norm{
    {{"residual", Elem::F32, {"rows", "dim"}},
     {"delta", Elem::F32, {"rows", "dim"}},
     {"w", Elem::F32, {"dim"}}},
    {{"sum", Elem::F32, {"rows", "dim"}}, {"y", Elem::F32, {"rows", "dim"}}},
    true};
const Operands kOperands_linear{
    {{"x", Elem::F32, {"m", "k"}}, {"w", Elem::F32, {"n", "k"}}},
    {{"y", Elem::F32, {"m", "n"}}},
    false};
const Operands kOperands_rope{
    {{"x", Elem::F32, {"batch", "seq", "heads", "head_dim"}}},
    {{"y", Elem::F32, {"batch", "seq", "heads", "head_dim"}}},
    true};
const Operands kOperands_attention{
    {{"q", Elem::F32, {"batch", "q_len", "heads", "head_dim"}},
     {"k", Elem::F32, {"batch", "kv_batch_stride", "kv_heads", "head_dim"}},
     {"v", Elem::F32, {"batch", "kv_batch_stride", "kv_heads", "head_dim"}}},
    {{"o", Elem::F32, {"batch", "q_len", "heads", "head_dim"}}},
    false};
const Operands kOperands_swiglu{
    {{"gate", Elem::F32, {"n"}}, {"up", Elem::F32, {"n"}}},
    {{"y", Elem::F32, {"n"}}},
    true};
const Operands kOperands_add{{{"a", Elem::F32, {"n"}}, {"b", Elem::F32, {"n"}}},
                             {{"y", Elem::F32, {"n"}}},
                             true};
const Operands kOperands_head_cross_entropy{{{"h", Elem::F32, {"rows", "dim"}},
                                             {"w", Elem::F32, {"vocab", "dim"}},
                                             {"targets", Elem::I32, {"rows"}}},
                                            {{"loss", Elem::F32, {}}},
                                            false};

const Operands kOperands_head_cross_entropy_rows{
    {{"h", Elem::F32, {"rows", "dim"}},
     {"w", Elem::F32, {"vocab", "dim"}},
     {"targets", Elem::I32, {"rows"}}},
    {{"loss", Elem::F32, {}}, {"row_losses", Elem::F32, {"rows"}}},
    false};

const Operands kOperands_head_cross_entropy_weighted{
    {{"h", Elem::F32, {"rows", "dim"}},
     {"w", Elem::F32, {"vocab", "dim"}},
     {"targets", Elem::I32, {"rows"}},
     {"weights", Elem::F32, {"rows"}}},
    {{"loss", Elem::F32, {}}},
    false};

// Decoding with a KV cache; `position` is an i32[1] buffer.
const Operands kOperands_kv_append{
    {{"new", Elem::F32, {"batch", "seq", "width"}},
     {"position", Elem::I32, {}}},
    {{"cache", Elem::F32, {"batch", "capacity", "width"}}},
    false};
const Operands kOperands_rope_at{
    {{"x", Elem::F32, {"batch", "seq", "heads", "head_dim"}},
     {"position", Elem::I32, {}}},
    {{"y", Elem::F32, {"batch", "seq", "heads", "head_dim"}}},
    true};
const Operands kOperands_attention_at{
    {{"q", Elem::F32, {"batch", "seq", "heads", "head_dim"}},
     {"k_cache", Elem::F32, {"batch", "capacity", "kv_heads", "head_dim"}},
     {"v_cache", Elem::F32, {"batch", "capacity", "kv_heads", "head_dim"}},
     {"position", Elem::I32, {}}},
    {{"o", Elem::F32, {"batch", "seq", "heads", "head_dim"}}},
    false};

// Training kernels.
const Operands kOperands_head_cross_entropy_grad{
    {{"h", Elem::F32, {"rows", "dim"}},
     {"w", Elem::F32, {"vocab", "dim"}},
     {"targets", Elem::I32, {"rows"}}},
    {{"dh", Elem::F32, {"rows", "dim"}}, {"dw", Elem::F32, {"vocab", "dim"}}},
    false};
const Operands kOperands_head_cross_entropy_weighted_grad{
    {{"h", Elem::F32, {"rows", "dim"}},
     {"w", Elem::F32, {"vocab", "dim"}},
     {"targets", Elem::I32, {"rows"}},
     {"weights", Elem::F32, {"rows"}}},
    {{"dh", Elem::F32, {"rows", "dim"}}, {"dw", Elem::F32, {"vocab", "dim"}}},
    false};
const Operands kOperands_linear_grad_input{
    {{"dy", Elem::F32, {"m", "n"}}, {"w", Elem::F32, {"n", "k"}}},
    {{"dx", Elem::F32, {"m", "k"}}},
    false};
const Operands kOperands_linear_grad_weight{
    {{"dy", Elem::F32, {"m", "n"}}, {"x", Elem::F32, {"m", "k"}}},
    {{"dw", Elem::F32, {"n", "k"}}},
    false};
const Operands kOperands_embedding_grad{
    {{"ids", Elem::I32, {"n"}}, {"dy", Elem::F32, {"n", "dim"}}},
    {{"dtable", Elem::F32, {"vocab", "dim"}}},
    false};
const Operands kOperands_rms_norm_grad{
    {{"x", Elem::F32, {"rows", "dim"}},
     {"w", Elem::F32, {"dim"}},
     {"dy", Elem::F32, {"rows", "dim"}}},
    {{"dx", Elem::F32, {"rows", "dim"}}, {"dw", Elem::F32, {"dim"}}},
    false};
const Operands kOperands_rope_grad{
    {{"dy", Elem::F32, {"batch", "seq", "heads", "head_dim"}}},
    {{"dx", Elem::F32, {"batch", "seq", "heads", "head_dim"}}},
    true};
const Operands kOperands_attention_grad{
    {{"q", Elem::F32, {"batch", "seq", "heads", "head_dim"}},
     {"k", Elem::F32, {"batch", "seq", "kv_heads", "head_dim"}},
     {"v", Elem::F32, {"batch", "seq", "kv_heads", "head_dim"}},
     {"o", Elem::F32, {"batch", "seq", "heads", "head_dim"}},
     {"dout", Elem::F32, {"batch", "seq", "heads", "head_dim"}}},
    {{"dq", Elem::F32, {"batch", "seq", "heads", "head_dim"}},
     {"dk", Elem::F32, {"batch", "seq", "kv_heads", "head_dim"}},
     {"dv", Elem::F32, {"batch", "seq", "kv_heads", "head_dim"}}},
    false};
const Operands kOperands_swiglu_grad{
    {{"gate", Elem::F32, {"n"}},
     {"up", Elem::F32, {"n"}},
     {"dy", Elem::F32, {"n"}}},
    {{"dgate", Elem::F32, {"n"}}, {"dup", Elem::F32, {"n"}}},
    false};
const Operands kOperands_grad_sq_norm{
    {{"g", Elem::F32, {"n"}}}, {{"acc", Elem::F32, {}}}, false};
const Operands kOperands_adamw{{{"grad", Elem::F32, {"n"}},
                                {"hyper", Elem::F32, {"8"}},
                                {"grad_sq_norm", Elem::F32, {}}},
                               {{"param", Elem::F32, {"n"}},
                                {"m", Elem::F32, {"n"}},
                                {"v", Elem::F32, {"n"}}},
                               false};
const Operands kOperands_sgd{{{"grad", Elem::F32, {"n"}},
                              {"hyper", Elem::F32, {"8"}},
                              {"grad_sq_norm", Elem::F32, {}}},
                             {{"param", Elem::F32, {"n"}}},
                             false};
// Over a list of tensors: the fixed inputs, then one entry standing for
// every tensor of the list and the outputs of one tensor. A size of
// kListTensor is the tensor's: its input slice's, which its outputs match.
const char *const kListTensor = "*";
const Operands kOperands_adamw_multi{{{"hyper", Elem::F32, {"8"}},
                                      {"grad_sq_norm", Elem::F32, {}},
                                      {"grad", Elem::F32, {kListTensor}}},
                                     {{"param", Elem::F32, {kListTensor}},
                                      {"m", Elem::F32, {kListTensor}},
                                      {"v", Elem::F32, {kListTensor}}},
                                     false};
const Operands kOperands_sgd_multi{{{"hyper", Elem::F32, {"8"}},
                                    {"grad_sq_norm", Elem::F32, {}},
                                    {"grad", Elem::F32, {kListTensor}}},
                                   {{"param", Elem::F32, {kListTensor}}},
                                   false};

// Selective ground-truth token training.
const Operands kOperands_gather_rows{
    {{"x", Elem::F32, {"batch", "seq", "width"}},
     {"positions", Elem::I32, {"batch", "k"}}},
    {{"y", Elem::F32, {"batch", "k", "width"}}},
    false};
const Operands kOperands_gather_ids{{{"ids", Elem::I32, {"batch", "seq"}},
                                     {"positions", Elem::I32, {"batch", "k"}}},
                                    {{"y", Elem::I32, {"batch", "k"}}},
                                    false};
const Operands kOperands_gather_rows_grad{
    {{"dy", Elem::F32, {"batch", "k", "width"}},
     {"positions", Elem::I32, {"batch", "k"}}},
    {{"dx", Elem::F32, {"batch", "seq", "width"}}},
    false};
const Operand kPositions{"positions", Elem::I32, {"batch", "k"}};
const Operand kWeights{"weights", Elem::F32, {"batch", "k"}};
const Operand kTargets{"targets", Elem::I32, {"batch", "seq"}};
const Operand kHyper{"hyper", Elem::F32, {"8"}};
const Operands kOperands_sgt_select_uniform{
    {kTargets}, {kPositions, kWeights}, false};
const Operands kOperands_sgt_select_score{
    {kTargets, {"scores", Elem::F32, {"vocab"}}},
    {kPositions, kWeights},
    false};
const Operands kOperands_sgt_select_random{
    {kTargets, kHyper}, {kPositions, kWeights}, false};
const Operands kOperands_sgt_select_surprisal{
    {kTargets, {"scores", Elem::F32, {"vocab"}}, kHyper},
    {kPositions, kWeights},
    false};
const Operands kOperands_sgt_select_loss{
    {{"losses", Elem::F32, {"batch", "seq"}}}, {kPositions, kWeights}, false};
const Operands kOperands_sgt_select_mask{
    {{"mask", Elem::I32, {"batch", "seq"}}, kHyper},
    {kPositions, kWeights},
    false};

/// A prepared instruction: operand offsets in the arena, and the call the
/// device runs (pointers filled in once the arena exists).
struct Step {
  int kernel = -1;
  std::vector<uint64_t> inOffset, outOffset;
  KernelCall call;
};

struct KernelSpec {
  const char *name;
  int inputs;
  int outputs;
  const char *ints;
  const char *floats;
  const Operands *operands;
};

const KernelSpec kKernels[] = {
#define CHERRY_KERNEL(name, inputs, outputs, ints, floats)                     \
  {#name, inputs, outputs, ints, floats, &kOperands_##name},
#include "cherry/Runtime/Kernels.def"
};
constexpr int kNumKernels = sizeof(kKernels) / sizeof(kKernels[0]);

std::vector<std::string> splitNames(const char *list) {
  std::vector<std::string> out;
  std::string current;
  for (const char *c = list; *c; ++c) {
    if (*c == ',') {
      out.push_back(current);
      current.clear();
    } else {
      current += *c;
    }
  }
  if (!current.empty())
    out.push_back(current);
  return out;
}

/// A kernel's attribute names, split once.
struct KernelAttrs {
  std::vector<std::string> ints, floats;
};

const std::vector<KernelAttrs> &kernelAttrs() {
  static const std::vector<KernelAttrs> attrs = [] {
    std::vector<KernelAttrs> out;
    for (const KernelSpec &k : kKernels)
      out.push_back({splitNames(k.ints), splitNames(k.floats)});
    return out;
  }();
  return attrs;
}

int findKernel(const std::string &name) {
  for (int i = 0; i < kNumKernels; ++i)
    if (name == kKernels[i].name)
      return i;
  return -1;
}

//===----------------------------------------------------------------------===//
// Checks
//===----------------------------------------------------------------------===//

using BufferMap = std::unordered_map<uint32_t, const ex::Buffer *>;

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

std::string joinNames(const std::vector<std::string> &names) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i)
    out += (i ? ", " : "") + names[i];
  return out.empty() ? "none" : out;
}

/// Checks the value of integer attribute `name` of any kernel; `where` ends
/// in the instruction.
Status checkIntValue(const std::string &where, const std::string &name,
                     int64_t v) {
  if (name == "ignore_index")
    return Status::success();
  if (name == "causal" || name == "accumulate" || name == "decay") {
    if (v != 0 && v != 1)
      return Status::error(where + ": attribute '" + name + "' is " +
                           std::to_string(v) + ", expected 0 or 1");
    return Status::success();
  }
  constexpr int64_t kMax = std::numeric_limits<int32_t>::max();
  bool offset = name == "position_offset" || name == "q_position_offset" ||
                name == "seed";
  if (v < (offset ? 0 : 1))
    return Status::error(where + ": attribute '" + name + "' is " +
                         std::to_string(v) + ", expected a " +
                         (offset ? "non-negative" : "positive") + " integer");
  // BLAS and the kernels' loops index with int; no model comes near this.
  if (v > kMax)
    return Status::error(where + ": attribute '" + name + "' is " +
                         std::to_string(v) + ", above the limit " +
                         std::to_string(kMax));
  return Status::success();
}

/// The checks that relate attributes of one kernel to each other.
Status checkKernelValues(const std::string &where, const std::string &kernel,
                         const std::unordered_map<std::string, int64_t> &a) {
  auto at = [&](const char *n) { return a.at(n); };
  if ((kernel == "rope" || kernel == "rope_at") && at("head_dim") % 2 != 0)
    return Status::error(where + ": attribute 'head_dim' is " +
                         std::to_string(at("head_dim")) +
                         ", expected an even number");
  if ((kernel == "kv_append" || kernel == "attention_at") &&
      at("seq") > at("capacity"))
    return Status::error(where + ": seq " + std::to_string(at("seq")) +
                         " exceeds capacity " + std::to_string(at("capacity")));
  if (kernel == "attention_at" && at("heads") % at("kv_heads") != 0)
    return Status::error(where + ": heads " + std::to_string(at("heads")) +
                         " is not a multiple of kv_heads " +
                         std::to_string(at("kv_heads")));
  if (kernel == "attention") {
    if (at("heads") % at("kv_heads") != 0)
      return Status::error(where + ": heads " + std::to_string(at("heads")) +
                           " is not a multiple of kv_heads " +
                           std::to_string(at("kv_heads")));
    if (at("kv_len") > at("kv_batch_stride"))
      return Status::error(where + ": kv_len " + std::to_string(at("kv_len")) +
                           " exceeds kv_batch_stride " +
                           std::to_string(at("kv_batch_stride")));
    if (at("causal") && at("q_position_offset") + at("q_len") > at("kv_len"))
      return Status::error(
          where +
          ": a causal query at position q_position_offset + q_len - 1 "
          "= " +
          std::to_string(at("q_position_offset") + at("q_len") - 1) +
          " needs keys beyond kv_len " + std::to_string(at("kv_len")));
  }
  return Status::success();
}

bool overlaps(uint64_t a, uint64_t aBytes, uint64_t b, uint64_t bBytes) {
  return a < b + bBytes && b < a + aBytes;
}

/// Checks instruction `index` of `fn` and prepares its Step (offsets only).
Status prepareInstruction(const BufferMap &buffers, const ex::Function &fn,
                          int index, Step &step) {
  const ex::Instruction &inst = fn.instructions(index);
  const std::string at =
      "function '" + fn.name() + "' instruction " + std::to_string(index);
  int k = findKernel(inst.kernel());
  if (k < 0)
    return Status::error(at + ": unknown kernel '" + inst.kernel() + "'");
  const KernelSpec &spec = kKernels[k];
  const KernelAttrs &names = kernelAttrs()[k];
  const std::string where = at + " (" + inst.kernel() + ")";
  step.kernel = k;
  step.call.kernel = static_cast<KernelId>(k);

  if (inst.device() == ex::CUDA)
    return Status::error(where + ": runs on device CUDA, but this runtime has "
                                 "only the CPU backend");
  auto plural = [](int n, const char *what) {
    return std::to_string(n) + " " + what + (n == 1 ? "" : "s");
  };
  // A kernel over a list of `count` tensors (negative counts in
  // Kernels.def) takes -inputs fixed inputs, then the tensors, and -outputs
  // outputs per tensor.
  const bool list = spec.inputs < 0;
  int64_t count = 0;
  if (list)
    for (const ex::Attribute &attr : inst.attributes())
      if (attr.name() == "count")
        count = attr.i();
  if (list && (count < 1 || count > (1 << 20)))
    return Status::error(where + ": attribute 'count' is " +
                         std::to_string(count) + ", expected 1 to 1048576");
  const int64_t wantInputs = list ? -spec.inputs + count : spec.inputs;
  const int64_t wantOutputs = list ? -spec.outputs * count : spec.outputs;
  if (inst.inputs_size() != wantInputs)
    return Status::error(where + ": takes " +
                         plural(static_cast<int>(wantInputs), "input") +
                         ", got " + std::to_string(inst.inputs_size()));
  if (inst.outputs_size() != wantOutputs)
    return Status::error(where + ": takes " +
                         plural(static_cast<int>(wantOutputs), "output") +
                         ", got " + std::to_string(inst.outputs_size()));

  // Attributes: exactly the kernel's, each once, with the right type.
  std::unordered_map<std::string, const ex::Attribute *> given;
  for (const ex::Attribute &attr : inst.attributes()) {
    if (attr.name().empty())
      return Status::error(where + ": has an attribute without a name");
    if (!given.emplace(attr.name(), &attr).second)
      return Status::error(where + ": attribute '" + attr.name() +
                           "' is given twice");
    bool isInt = std::find(names.ints.begin(), names.ints.end(), attr.name()) !=
                 names.ints.end();
    bool isFloat = std::find(names.floats.begin(), names.floats.end(),
                             attr.name()) != names.floats.end();
    if (!isInt && !isFloat) {
      std::vector<std::string> all = names.ints;
      all.insert(all.end(), names.floats.begin(), names.floats.end());
      return Status::error(where + ": unknown attribute '" + attr.name() +
                           "' (" + inst.kernel() + " takes " + joinNames(all) +
                           ")");
    }
    ex::Attribute::ValueCase want =
        isInt ? ex::Attribute::kI : ex::Attribute::kF;
    if (attr.value_case() != want)
      return Status::error(where + ": attribute '" + attr.name() +
                           "' must be " + valueKind(want) + ", got " +
                           valueKind(attr.value_case()));
  }
  std::unordered_map<std::string, int64_t> ints;
  for (const std::string &name : names.ints) {
    auto it = given.find(name);
    if (it == given.end())
      return Status::error(where + ": missing attribute '" + name + "'");
    int64_t v = it->second->i();
    if (Status s = checkIntValue(where, name, v); !s.ok())
      return s;
    ints[name] = v;
    step.call.ints.push_back(v);
  }
  for (const std::string &name : names.floats) {
    auto it = given.find(name);
    if (it == given.end())
      return Status::error(where + ": missing attribute '" + name + "'");
    double v = it->second->f();
    if (!std::isfinite(v) || v <= 0)
      return Status::error(where + ": attribute '" + name + "' is " +
                           std::to_string(v) + ", expected a positive number");
    step.call.floats.push_back(v);
  }
  if (Status s = checkKernelValues(where, inst.kernel(), ints); !s.ok())
    return s;

  // Operands: size implied by the attributes, element type, alignment.
  auto checkOperands =
      [&](const google::protobuf::RepeatedPtrField<ex::BufferSlice> &slices,
          const std::vector<Operand> &ops, const char *dir,
          std::vector<uint64_t> &offsets,
          std::vector<uint64_t> &bytes) -> Status {
    for (int i = 0; i < slices.size(); ++i) {
      const ex::BufferSlice &slice = slices[i];
      // In a list kernel the last input stands for every tensor, and the
      // outputs repeat per tensor.
      const Operand &op = !list ? ops[i]
                          : &ops == &spec.operands->inputs
                              ? ops[std::min<size_t>(i, ops.size() - 1)]
                              : ops[i % ops.size()];
      std::string what =
          where + ": " + dir + " " + std::to_string(i) + " (" + op.name + ")";
      uint64_t elems = 1, want = 0;
      std::string formula;
      if (op.dims.size() == 1 && std::strcmp(op.dims[0], kListTensor) == 0) {
        // A list tensor: its size is its input slice's; outputs match it.
        const int fixed = -spec.inputs;
        const bool input = &ops == &spec.operands->inputs;
        const int64_t tensor =
            input ? i - fixed : i / static_cast<int64_t>(ops.size());
        want = input
                   ? slice.size_bytes()
                   : inst.inputs(fixed + static_cast<int>(tensor)).size_bytes();
        if (want == 0 || want % 4 != 0)
          return Status::error(what + " of tensor " + str(tensor) + " is " +
                               str(slice.size_bytes()) +
                               " bytes, expected a positive multiple of 4");
        formula = "tensor " + str(tensor);
        elems = want / 4;
      } else {
        for (const char *dim : op.dims) {
          // A dimension is an integer attribute's name, or a literal count.
          uint64_t d = std::isdigit(static_cast<unsigned char>(dim[0]))
                           ? std::strtoull(dim, nullptr, 10)
                           : static_cast<uint64_t>(ints.at(dim));
          if (__builtin_mul_overflow(elems, d, &elems))
            return Status::error(what + ": its size overflows");
          formula += (formula.empty() ? "" : "*") + std::string(dim);
        }
        if (__builtin_mul_overflow(elems, uint64_t{4}, &want))
          return Status::error(what + ": its size overflows");
      }
      if (slice.size_bytes() != want)
        return Status::error(
            what + " is " + str(slice.size_bytes()) + " bytes, expected " +
            str(want) + " (" + (formula.empty() ? "" : formula + " = ") +
            str(elems) + (elems == 1 ? " element" : " elements") +
            " of 4 bytes)");
      const ex::Buffer &buffer = *buffers.at(slice.buffer());
      ex::DType dtype = op.elem == Elem::F32 ? ex::F32 : ex::I32;
      if (buffer.dtype() != ex::DTYPE_UNSPECIFIED && buffer.dtype() != dtype)
        return Status::error(what + " is in buffer " + str(buffer.id()) +
                             " of dtype " + ex::DType_Name(buffer.dtype()) +
                             ", expected " + ex::DType_Name(dtype));
      uint64_t offset = buffer.arena_offset() + slice.offset_bytes();
      if (offset % 4 != 0)
        return Status::error(what + " at arena offset " + str(offset) +
                             " is not 4-byte aligned");
      offsets.push_back(offset);
      bytes.push_back(want);
    }
    return Status::success();
  };
  if (Status s = checkOperands(inst.inputs(), spec.operands->inputs, "input",
                               step.inOffset, step.call.inBytes);
      !s.ok())
    return s;
  if (Status s = checkOperands(inst.outputs(), spec.operands->outputs, "output",
                               step.outOffset, step.call.outBytes);
      !s.ok())
    return s;

  // Overlap: outputs never overlap each other; an output may be exactly an
  // input of an elementwise kernel (in place), never partly overlap one.
  // add_rms_norm copies the residual into its sum output first, so that
  // output must stay clear of delta and w.
  const Operands &ops = *spec.operands;
  auto outName = [&](size_t o) {
    return ops.outputs[o % ops.outputs.size()].name;
  };
  auto inName = [&](size_t i) {
    return ops.inputs[std::min(i, ops.inputs.size() - 1)].name;
  };
  bool addRmsNorm = inst.kernel() == "add_rms_norm";
  for (size_t o = 0; o < step.outOffset.size(); ++o) {
    std::string out =
        where + ": output " + std::to_string(o) + " (" + outName(o) + ")";
    for (size_t p = 0; p < o; ++p)
      if (overlaps(step.outOffset[o], step.call.outBytes[o], step.outOffset[p],
                   step.call.outBytes[p]))
        return Status::error(out + " overlaps output " + std::to_string(p) +
                             " (" + outName(p) + ")");
    for (size_t i = 0; i < step.inOffset.size(); ++i) {
      if (!overlaps(step.outOffset[o], step.call.outBytes[o], step.inOffset[i],
                    step.call.inBytes[i]))
        continue;
      bool exact = step.outOffset[o] == step.inOffset[i] &&
                   step.call.outBytes[o] == step.call.inBytes[i];
      bool allowed = ops.elementwise && exact && !(addRmsNorm && o == 0);
      if (addRmsNorm && o == 0 && i == 0 && exact)
        allowed = true;
      if (!allowed)
        return Status::error(out + " overlaps input " + std::to_string(i) +
                             " (" + inName(i) + ")");
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
                           "': mean_of cycle: " + cycle + p.name());
    }
    st = 1;
    path.push_back(p.name());
    if (p.init().kind_case() == ex::Initializer::kMeanOf)
      for (const std::string &source : p.init().mean_of().parameters())
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
  /// CHERRY_PROFILE=1: seconds and calls per kernel, printed at exit.
  bool profile = [] {
    const char *env = std::getenv("CHERRY_PROFILE");
    return env && *env && std::string(env) != "0";
  }();
  std::map<std::string, std::pair<double, int64_t>> kernelTimes;

  ~Impl() {
    if (profile && !kernelTimes.empty()) {
      double total = 0;
      for (auto &[name, entry] : kernelTimes)
        total += entry.first;
      std::vector<std::pair<double, std::string>> order;
      for (auto &[name, entry] : kernelTimes)
        order.push_back({entry.first, name});
      std::sort(order.rbegin(), order.rend());
      std::fprintf(stderr, "cherry-run: kernel profile (%.3f s in kernels)\n",
                   total);
      for (auto &[seconds, name] : order)
        std::fprintf(stderr, "  %-26s %9.3f s %5.1f%% %8lld calls\n",
                     name.c_str(), seconds, 100 * seconds / total,
                     static_cast<long long>(kernelTimes[name].second));
    }
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

  const uint64_t size = impl->exe.arena_size_bytes();
  if (Status s = impl->device->allocate(size, impl->arena); !s.ok())
    return Status::error("cannot allocate the arena of " + str(size) +
                         " bytes: " + s.message);
  for (std::vector<Step> &steps : impl->functions)
    for (Step &step : steps) {
      for (uint64_t off : step.inOffset)
        step.call.in.push_back(impl->arena.address + off);
      for (uint64_t off : step.outOffset)
        step.call.out.push_back(impl->arena.address + off);
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

Status Program::run(int function) {
  if (function < 0 || function >= static_cast<int>(impl_->functions.size()))
    return Status::error("no function #" + std::to_string(function));
  const std::vector<Step> &steps = impl_->functions[function];
  for (size_t i = 0; i < steps.size(); ++i) {
    auto start = impl_->profile ? std::chrono::steady_clock::now()
                                : std::chrono::steady_clock::time_point();
    Status s = impl_->device->launch(steps[i].call);
    if (impl_->profile) {
      auto &entry = impl_->kernelTimes[kKernels[steps[i].kernel].name];
      entry.first += std::chrono::duration<double>(
                         std::chrono::steady_clock::now() - start)
                         .count();
      ++entry.second;
    }
    if (!s.ok())
      return Status::error(
          "function '" + impl_->exe.functions(function).name() +
          "' instruction " + std::to_string(i) + ": " + s.message);
  }
  // A device that queues its launches reports their errors here.
  if (Status s = impl_->device->synchronize(); !s.ok())
    return Status::error("function '" + impl_->exe.functions(function).name() +
                         "': " + s.message);
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
  const auto &params = impl_->exe.parameters();
  ParameterReport report;
  std::unordered_map<std::string, int> index;
  std::unordered_set<std::string> usedKeys;
  std::vector<int> state(params.size(), 0); // 0: to make, 1: making, 2: done
  // Values are made on the host and transferred to the device; the sources
  // of mean_of parameters stay on the host until their means are made.
  std::unordered_set<std::string> meanSources;
  for (const ex::Parameter &p : params)
    if (p.init().kind_case() == ex::Initializer::kMeanOf)
      for (const std::string &name : p.init().mean_of().parameters())
        meanSources.insert(name);
  std::unordered_map<int, std::vector<float>> kept;
  auto store = [&](int i, std::vector<float> values) {
    const ex::Parameter &p = params[i];
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
    if (!key.empty())
      usedKeys.insert(key);
    const TensorView *t =
        weights && !key.empty() ? weights->find(key) : nullptr;
    if (t) {
      std::vector<int64_t> want = shapeOf(p.shape());
      if (t->shape != want)
        return Status::error(t->file + ": tensor '" + key + "' has shape " +
                             shapeString(t->shape) + " but parameter '" +
                             p.name() + "' has shape " + shapeString(want));
      std::vector<float> values(elementCount(p.shape()));
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
    const size_t count = elementCount(p.shape());
    std::vector<float> values(count);
    float *dst = values.data();
    if (p.init().kind_case() == ex::Initializer::kMeanOf) {
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

  if (weights)
    for (const TensorView &t : weights->tensors())
      if (!usedKeys.count(t.name))
        report.unusedTensors.push_back(t.name);
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
