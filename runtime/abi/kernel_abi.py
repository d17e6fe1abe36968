#!/usr/bin/env python3
"""Generates the kernel ABI's C++ headers and reference doc from Kernels.abi.

  kernel_abi.py Kernels.abi --abi KernelAbi.h --args KernelArgs.h --doc Kernels.md

Kernels.abi describes its syntax. The outputs are rewritten only when their
text changes, so a description edit rebuilds only what reads it.
"""

import argparse
import re
import sys
import textwrap
from dataclasses import dataclass, field

INT32_MAX = 2**31 - 1
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
C_TYPES = {"f32": "float", "i32": "int32_t"}
# Names C++ reserves that an operand may have: its field gets a `_`.
CPP_KEYWORDS = {"new", "delete", "default", "register", "auto", "float", "int"}
INTERPOLATION_RE = re.compile(r"\{([^}]*)\}")


@dataclass
class Operand:
    name: str
    elem: str  # f32 or i32
    dims: list  # each a list of factors (attribute names or literals)
    list_length: str = ""  # the list's length attribute; empty: one tensor
    source: str = ""  # the input an output starts as
    mutable: bool = False

    def shape(self):
        if self.list_length:
            return "[*]"
        return "[" + ", ".join(" * ".join(d) for d in self.dims) + "]"

    def factors(self):
        return [f for d in self.dims for f in d]


@dataclass
class IntAttr:
    name: str
    min: int
    max: int


@dataclass
class Kernel:
    name: str
    section: str
    doc: list = field(default_factory=list)
    inputs: list = field(default_factory=list)
    outputs: list = field(default_factory=list)
    ints: list = field(default_factory=list)
    floats: list = field(default_factory=list)
    elementwise: bool = False
    requires: list = field(default_factory=list)  # (expression, message)
    flops: str = ""  # C++ expression in the integer attributes, or ""

    def int_names(self):
        return [a.name for a in self.ints]

    def list_length(self):
        return next((op.list_length for op in self.inputs if op.list_length), "")

    def requirement_identifiers(self):
        """The names the `require` expressions and their messages read."""
        text = " ".join(
            e + " " + " ".join(INTERPOLATION_RE.findall(m)) for e, m in self.requires
        )
        return set(re.findall(r"[A-Za-z_]\w*", text))

    def camel(self):
        return "".join(part.capitalize() for part in self.name.split("_"))


@dataclass
class Section:
    title: str
    doc: list = field(default_factory=list)


class ParseError(Exception):
    pass


OPERAND_RE = re.compile(
    r"(in|out)\s+(\w+)(?:\[(\w+)\])?\s*:\s*(f32|i32)\[([^\]]*)\]"
    r"(?:\s+(mutable|from\s+\w+))?$"
)


def parse_range(text):
    """(min, max) of an `int` line's range."""
    if not text:
        return 1, INT32_MAX
    if text == ">= 0":
        return 0, INT32_MAX
    if text == "any":
        return INT64_MIN, INT64_MAX
    m = re.fullmatch(r"in\s+(-?\d+)\.\.(-?\d+)", text)
    if m:
        return int(m.group(1)), int(m.group(2))
    raise ParseError(f"unknown range '{text}'")


def parse_operand(line, kernel):
    m = OPERAND_RE.match(line)
    if not m:
        raise ParseError("expected `in|out NAME: f32|i32[DIMS]`")
    direction, name, count, elem, dims, extra = m.groups()
    op = Operand(name, elem, [], list_length=count or "")
    if count:
        if dims.strip() != "*":
            raise ParseError("a list operand's shape is [*]")
    elif dims.strip():
        op.dims = [[f.strip() for f in d.split("*")] for d in dims.split(",")]
    extra = extra or ""
    if extra == "mutable":
        if direction != "in":
            raise ParseError("only an input is mutable")
        op.mutable = True
    elif extra:
        if direction != "out":
            raise ParseError("only an output starts from an input")
        op.source = extra.split()[1]
    (kernel.inputs if direction == "in" else kernel.outputs).append(op)


def parse(path):
    kernels, sections = [], []
    kernel = None
    with open(path) as f:
        for number, raw in enumerate(f, 1):
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            keyword, _, rest = line.partition(" ")
            rest = rest.strip()
            try:
                if keyword == "section":
                    sections.append(Section(rest))
                    kernel = None
                elif keyword == "kernel" and sections:
                    kernel = Kernel(rest, sections[-1].title)
                    kernels.append(kernel)
                elif not sections:
                    raise ParseError(f"'{keyword}' before the first section")
                elif keyword == "doc":
                    (kernel or sections[-1]).doc.append(rest)
                elif kernel is None:
                    raise ParseError(f"'{keyword}' outside a kernel")
                elif keyword in ("in", "out"):
                    parse_operand(line, kernel)
                elif keyword == "int":
                    m = re.fullmatch(r"([\w, ]+?)(?:\s+(>=.*|in\s.*|any))?", rest)
                    if not m:
                        raise ParseError("expected `int NAMES [RANGE]`")
                    lo, hi = parse_range((m.group(2) or "").strip())
                    for name in m.group(1).split(","):
                        kernel.ints.append(IntAttr(name.strip(), lo, hi))
                elif keyword == "float":
                    kernel.floats += [n.strip() for n in rest.split(",")]
                elif keyword == "elementwise":
                    kernel.elementwise = True
                elif keyword == "require":
                    expression, _, message = rest.partition(":")
                    kernel.requires.append((expression.strip(), message.strip()))
                elif keyword == "flops":
                    if kernel.flops:
                        raise ParseError("a second `flops` line")
                    kernel.flops = rest
                else:
                    raise ParseError(f"unknown keyword '{keyword}'")
            except ParseError as e:
                sys.exit(f"{path}:{number}: {e}")
    for k in kernels:
        check(path, k)
    return kernels, sections


def check(path, k):
    """Rejects descriptions the generated code could not honour."""

    def fail(message):
        sys.exit(f"{path}: kernel {k.name}: {message}")

    names = k.int_names()
    if len(set(names + k.floats)) != len(names) + len(k.floats):
        fail("an attribute is declared twice")
    if not names or not k.inputs or not k.outputs:
        fail("a kernel has inputs, outputs and integer attributes")
    inputs = [op.name for op in k.inputs]
    for op in k.inputs + k.outputs:
        for factor in op.factors():
            if not factor.isdigit() and factor not in names:
                fail(f"operand {op.name}: '{factor}' is no integer attribute")
        if op.list_length and op.list_length not in names:
            fail(f"operand {op.name}: '{op.list_length}' is no integer attribute")
        if op.source and op.source not in inputs:
            fail(f"output {op.name} starts from unknown input '{op.source}'")
        source = k.inputs[inputs.index(op.source)] if op.source else op
        if (source.elem, source.factors()) != (op.elem, op.factors()):
            fail(f"output {op.name} differs from {op.source}, its start")
    length = k.list_length()
    if length:
        if any(op.list_length for op in k.inputs[:-1]) or any(
            op.list_length != length for op in k.outputs
        ):
            fail("a list kernel's list input is its last, and its outputs are lists")
    elif any(op.list_length for op in k.outputs):
        fail("list outputs need a list input")
    for ident in sorted(k.requirement_identifiers() - set(names)):
        fail(f"require: '{ident}' is no integer attribute")
    flops_idents = set(re.findall(r"[A-Za-z_]\w*", k.flops))
    for ident in sorted(flops_idents - set(names) - FLOPS_FUNCTIONS):
        fail(f"flops: '{ident}' is no integer attribute")
    for name in set(names + k.floats) & CPP_KEYWORDS:
        fail(f"attribute '{name}' is a C++ keyword")


def c_string(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_if_changed(path, text):
    try:
        with open(path) as f:
            if f.read() == text:
                return
    except FileNotFoundError:
        pass
    with open(path, "w") as f:
        f.write(text)


def banner(file, what):
    title = f"//===- {file} - {what} (generated) "
    mode = "-*- C++ -*-===//"
    return (
        title + "-" * max(0, 80 - len(title) - len(mode)) + mode + "\n"
        "//\n"
        "// Generated by runtime/abi/kernel_abi.py from runtime/abi/Kernels.abi;\n"
        "// edit that file, not this one.\n"
        "//\n"
        "//===" + "-" * 70 + "===//\n\n"
    )


#===------------------------------------------------------------------------===#
# KernelAbi.h
#===------------------------------------------------------------------------===#

ABI_TYPES = """\
namespace cherry::abi {

/// A constant array of the table (C++17 has no std::span).
template <class T> struct Array {
  const T *data;
  int size;

  constexpr const T *begin() const { return data; }
  constexpr const T *end() const { return data + size; }
  constexpr const T &operator[](int i) const { return data[i]; }
};

enum class ElemType : uint8_t { F32, I32 };

/// One factor of an operand's element count: integer attribute `attr` (an
/// index into the kernel's ints) or, when attr is -1, `literal`.
struct Factor {
  const char *text;
  int attr;
  int64_t literal;
};

struct OperandSpec {
  const char *name;
  ElemType elem;
  /// The element count is the product of the factors (none: one element).
  Array<Factor> factors;
  /// A list operand (list kernels): one tensor per list entry, of any size
  /// (inputs) or the size of its entry's input (outputs).
  bool list;
  /// Outputs: the input this output updates in place, -1 for none. It
  /// starts as a copy of that input and may overlap no other input.
  int source;
};

/// An integer attribute and the values the loader accepts.
struct IntAttrSpec {
  const char *name;
  int64_t min, max;
};

struct KernelSpec {
  const char *name;
  /// A list kernel's last input and all its outputs are list operands.
  Array<OperandSpec> inputs, outputs;
  Array<IntAttrSpec> ints;
  Array<const char *> floats;
  /// An output may be exactly the slice of an input.
  bool elementwise;
  /// List kernels: the index in ints of the list's length, else -1.
  int listLength;

  bool isList() const { return listLength >= 0; }
};
"""


def int_literal(v):
    if v == INT64_MIN:
        return "INT64_MIN"
    if v == INT64_MAX:
        return "INT64_MAX"
    return str(v)


def emit_abi(kernels):
    out = [banner("KernelAbi.h", "The kernel ABI")]
    out.append(
        "#ifndef CHERRY_RUNTIME_KERNELABI_H\n#define CHERRY_RUNTIME_KERNELABI_H\n\n"
        "#include <algorithm>\n#include <cstdint>\n#include <optional>\n#include <string>\n"
        "#include <string_view>\n\n"
    )
    out.append(ABI_TYPES)
    out.append("\n/// The kernels, in the order of Kernels.abi.\n")
    out.append("enum class KernelId : uint8_t {\n")
    out += [f"  {k.name},\n" for k in kernels]
    out.append("};\n")
    out.append(f"inline constexpr int kNumKernels = {len(kernels)};\n\n")

    out.append("namespace detail {\n")
    for k in kernels:
        names = k.int_names()
        inputs = [op.name for op in k.inputs]
        operand_rows = {}
        for direction, ops in (("in", k.inputs), ("out", k.outputs)):
            rows = []
            for op in ops:
                factors = op.factors()
                array = "nullptr"
                if factors:
                    array = f"k{k.camel()}_{direction}_{op.name}"
                    items = ", ".join(
                        f'{{"{f}", -1, {f}}}' if f.isdigit()
                        else f'{{"{f}", {names.index(f)}, 0}}'
                        for f in factors
                    )
                    out.append(f"inline constexpr Factor {array}[] = {{{items}}};\n")
                source = inputs.index(op.source) if op.source else -1
                rows.append(
                    f'    {{"{op.name}", ElemType::{op.elem.upper()}, {{{array}, '
                    f"{len(factors)}}}, {'true' if op.list_length else 'false'}, {source}}},\n"
                )
            operand_rows[direction] = rows
        for direction, rows in operand_rows.items():
            if rows:
                out.append(f"inline constexpr OperandSpec k{k.camel()}_{direction}[] = {{\n")
                out += rows
                out.append("};\n")
        ints = ",\n".join(
            f'    {{"{a.name}", {int_literal(a.min)}, {int_literal(a.max)}}}' for a in k.ints
        )
        out.append(f"inline constexpr IntAttrSpec k{k.camel()}_ints[] = {{\n{ints}}};\n")
        if k.floats:
            floats = ", ".join(f'"{f}"' for f in k.floats)
            out.append(f"inline constexpr const char *k{k.camel()}_floats[] = {{{floats}}};\n")
    out.append("} // namespace detail\n\n")

    out.append("/// Every kernel, indexed by KernelId.\n")
    out.append("inline constexpr KernelSpec kKernels[kNumKernels] = {\n")
    for k in kernels:
        c = k.camel()
        length = k.list_length()
        floats = f"detail::k{c}_floats" if k.floats else "nullptr"
        out.append(
            f'    {{"{k.name}", {{detail::k{c}_in, {len(k.inputs)}}}, '
            f"{{detail::k{c}_out, {len(k.outputs)}}}, {{detail::k{c}_ints, {len(k.ints)}}}, "
            f"{{{floats}, {len(k.floats)}}}, {'true' if k.elementwise else 'false'}, "
            f"{k.int_names().index(length) if length else -1}}},\n"
        )
    out.append("};\n\n")

    out.append(
        "inline constexpr const KernelSpec &kernelSpec(KernelId id) {\n"
        "  return kKernels[static_cast<int>(id)];\n}\n\n"
        "/// The name instructions and launches call kernel `id` by.\n"
        "inline constexpr const char *kernelName(KernelId id) {\n"
        "  return kernelSpec(id).name;\n}\n\n"
        "/// The kernel called `name`, if there is one.\n"
        "inline std::optional<KernelId> findKernel(std::string_view name) {\n"
        "  for (int i = 0; i < kNumKernels; ++i)\n"
        "    if (name == kKernels[i].name)\n"
        "      return static_cast<KernelId>(i);\n"
        "  return std::nullopt;\n}\n\n"
    )
    out.append(emit_requirements(kernels))
    out.append(emit_flops(kernels))
    out.append("} // namespace cherry::abi\n\n#endif // CHERRY_RUNTIME_KERNELABI_H\n")
    return "".join(out)


def message_expression(message):
    """C++ building `message`, its `{EXPR}`s printed with std::to_string."""
    parts = []
    for i, piece in enumerate(INTERPOLATION_RE.split(message)):
        if i % 2:
            parts.append(f"std::to_string({piece})")
        elif piece:
            parts.append(f"std::string({c_string(piece)})")
    return " + ".join(parts)


def emit_requirements(kernels):
    out = [
        "/// What integer attribute values `ints` (in the kernel's order) break\n"
        "/// of kernel `id`'s requirements relating them; empty when nothing.\n"
        "inline std::string unmetRequirement(KernelId id, const int64_t *ints) {\n"
        "  switch (id) {\n"
    ]
    for k in kernels:
        if not k.requires:
            continue
        out.append(f"  case KernelId::{k.name}: {{\n")
        used = k.requirement_identifiers()
        for index, name in enumerate(k.int_names()):
            if name in used:
                out.append(f"    const int64_t {name} = ints[{index}];\n")
        for expression, message in k.requires:
            out.append(f"    if (!({expression}))\n")
            out.append(f"      return {message_expression(message)};\n")
        out.append("    return {};\n  }\n")
    out.append("  default:\n    return {};\n  }\n}\n\n")
    return "".join(out)


# Functions a `flops` expression may call besides the integer attributes.
FLOPS_FUNCTIONS = {"visible_pairs"}


def emit_flops(kernels):
    out = [
        "/// Query-key pairs an attention of `queries` queries at positions\n"
        "/// `offset + t` over `keys` keys scores: all of them, or under a causal\n"
        "/// mask the keys [0, min(offset + t + 1, keys)) of each query.\n"
        "inline double visible_pairs(double queries, double keys, double offset,\n"
        "                             double causal) {\n"
        "  if (causal == 0)\n"
        "    return queries * keys;\n"
        "  // Queries t < keys - offset see offset + t + 1 keys; the rest see all.\n"
        "  const double partial = std::max(0.0, std::min(queries, keys - offset));\n"
        "  return partial * (2 * offset + partial + 1) / 2 + (queries - partial) * keys;\n"
        "}\n\n"
        "/// Floating-point operations (a multiply-add is two) of the products\n"
        "/// kernel `id` computes with integer attributes `ints` (in the kernel's\n"
        "/// order), as its `flops` line in Kernels.abi counts them; 0 for a\n"
        "/// kernel without one (elementwise and bandwidth-bound kernels).\n"
        "inline double kernelFlops(KernelId id, const int64_t *ints) {\n"
        "  switch (id) {\n"
    ]
    for k in kernels:
        if not k.flops:
            continue
        out.append(f"  case KernelId::{k.name}: {{\n")
        used = set(re.findall(r"[A-Za-z_]\w*", k.flops))
        for index, name in enumerate(k.int_names()):
            if name in used:
                out.append(f"    const double {name} = double(ints[{index}]);\n")
        out.append(f"    return {k.flops};\n  }}\n")
    out.append("  default:\n    return 0;\n  }\n}\n\n")
    return "".join(out)


#===------------------------------------------------------------------------===#
# KernelArgs.h
#===------------------------------------------------------------------------===#


def comment(text, indent=""):
    lead = indent + "/// "
    return textwrap.fill(text, 80, initial_indent=lead, subsequent_indent=lead) + "\n"


def field_name(name):
    return name + "_" if name in CPP_KEYWORDS else name


def emit_args(kernels):
    out = [banner("KernelArgs.h", "Typed kernel arguments")]
    out.append(
        "#ifndef CHERRY_RUNTIME_KERNELARGS_H\n#define CHERRY_RUNTIME_KERNELARGS_H\n\n"
        '#include "cherry/Runtime/Device.h"\n\n#include <cstdint>\n#include <string>\n'
        "#include <vector>\n\n"
        "namespace cherry::runtime {\n\n"
        "/// One tensor of a list operand.\n"
        "template <class T> struct TensorRef {\n"
        "  T *data;\n"
        "  int64_t size; // elements\n"
        "};\n\n"
    )
    for k in kernels:
        out.append(comment(f"{k.name}: " + " ".join(k.doc)))
        out.append(f"struct {k.camel()}Args {{\n")
        for op, is_input in [(op, True) for op in k.inputs] + [
            (op, False) for op in k.outputs
        ]:
            ctype = C_TYPES[op.elem]
            const = "const " if is_input and not op.mutable else ""
            if op.list_length:
                out.append(
                    f"  std::vector<TensorRef<{const}{ctype}>> {field_name(op.name)};"
                    f" // {op.list_length} tensors\n"
                )
            else:
                note = f", starts as {op.source}" if op.source else ""
                note += ", overwritten" if op.mutable else ""
                out.append(
                    f"  {const}{ctype} *{field_name(op.name)}; // {op.shape()}{note}\n"
                )
        if k.ints:
            out.append("  int64_t " + ", ".join(k.int_names()) + ";\n")
        if k.floats:
            out.append("  double " + ", ".join(k.floats) + ";\n")
        out.append(emit_reader(k))
        out.append("};\n\n")
    out.append(
        "/// Calls `run` with the typed arguments of `call`: one overload of\n"
        "/// `run` per kernel.\n"
        "template <class Run> Status dispatch(const KernelCall &call, Run &&run) {\n"
        "  switch (call.kernel) {\n"
    )
    for k in kernels:
        out.append(f"  case KernelId::{k.name}:\n    return run({k.camel()}Args::read(call));\n")
    out.append(
        "  }\n  return Status::error(\"unknown kernel id \" +\n"
        "                       std::to_string(static_cast<int>(call.kernel)));\n}\n\n"
        "} // namespace cherry::runtime\n\n#endif // CHERRY_RUNTIME_KERNELARGS_H\n"
    )
    return "".join(out)


def emit_reader(k):
    out = [f"\n  static {k.camel()}Args read(const KernelCall &call) {{\n"]
    out.append(f"    {k.camel()}Args a;\n")
    for index, name in enumerate(k.int_names()):
        out.append(f"    a.{name} = call.ints[{index}];\n")
    for index, name in enumerate(k.floats):
        out.append(f"    a.{name} = call.floats[{index}];\n")

    def pointer(op, is_input, slot):
        const = "const " if is_input and not op.mutable else ""
        vector = "in" if is_input else "out"
        return f"reinterpret_cast<{const}{C_TYPES[op.elem]} *>(call.{vector}[{slot}])"

    for index, op in enumerate(k.inputs):
        if not op.list_length:
            out.append(f"    a.{field_name(op.name)} = {pointer(op, True, index)};\n")
    for index, op in enumerate(k.outputs):
        if not op.list_length:
            out.append(f"    a.{field_name(op.name)} = {pointer(op, False, index)};\n")
    length = k.list_length()
    if length:
        fixed = len(k.inputs) - 1
        per = len(k.outputs)
        out.append(f"    for (int64_t t = 0; t < a.{length}; ++t) {{\n")
        ops = [(k.inputs[-1], True, f"{fixed} + t")] + [
            (op, False, f"{per} * t + {j}" if per > 1 else "t")
            for j, op in enumerate(k.outputs)
        ]
        for op, is_input, slot in ops:
            bytes_ = "inBytes" if is_input else "outBytes"
            out.append(
                f"      a.{field_name(op.name)}.push_back(\n"
                f"          {{{pointer(op, is_input, slot)},\n"
                f"           static_cast<int64_t>(call.{bytes_}[{slot}] / 4)}});\n"
            )
        out.append("    }\n")
    out.append("    return a;\n  }\n")
    return "".join(out)


#===------------------------------------------------------------------------===#
# Kernels.md
#===------------------------------------------------------------------------===#


def describe_range(a):
    if (a.min, a.max) == (INT64_MIN, INT64_MAX):
        return "any"
    if (a.min, a.max) == (1, INT32_MAX):
        return "positive"
    if (a.min, a.max) == (0, INT32_MAX):
        return "non-negative"
    if (a.min, a.max) == (0, 1):
        return "0 or 1"
    return f"{a.min} to {a.max}"


def describe_operand(op):
    text = f"`{op.name}: {op.elem}{op.shape()}`"
    if op.list_length:
        text = f"`{op.name}_i: {op.elem}[*]`, i < `{op.list_length}`"
    if op.mutable:
        text += " (overwritten)"
    if op.source:
        text += f" (updates `{op.source}` in place)"
    return text


def emit_doc(kernels, sections):
    out = [
        "<!-- Generated by runtime/abi/kernel_abi.py from runtime/abi/Kernels.abi;"
        " run `cmake --build build --target cherry-doc` after editing it. -->\n\n"
        "# Kernels\n\n"
        "Every kernel an Executable instruction may name, the same on every backend. "
        "Shapes are in terms of the integer attributes; every attribute is required; "
        "integer attributes are at most 2^31 - 1 unless their range is *any*, float "
        "attributes are positive and finite. A list kernel takes its fixed inputs, "
        "then one tensor per list entry; its outputs come tensor by tensor. "
        "*elementwise*: an output may be exactly an input's slice.\n"
    ]
    out.append(emit_index(kernels))
    for section in sections:
        out.append(f"\n## {section.title}\n\n")
        if section.doc:
            out.append(" ".join(section.doc) + "\n")
        for k in (k for k in kernels if k.section == section.title):
            out.append(f"\n### `{k.name}`\n\n")
            out.append(" ".join(k.doc) + "\n\n")
            out.append("| | Operand |\n|---|---|\n")
            out += [f"| in | {describe_operand(op)} |\n" for op in k.inputs]
            out += [f"| out | {describe_operand(op)} |\n" for op in k.outputs]
            attrs = [f"`{a.name}` ({describe_range(a)})" for a in k.ints]
            attrs += [f"`{f}` (float)" for f in k.floats]
            out.append("\nAttributes: " + ", ".join(attrs) + ".")
            if k.elementwise:
                out.append(" Elementwise.")
            out.append("\n")
            if k.requires:
                out.append("\nRequires: " + ", ".join(f"`{e}`" for e, _ in k.requires) + ".\n")
            if k.flops:
                out.append(f"\nFLOPs (`CHERRY_PROFILE`): `{k.flops}`.\n")
    return "".join(out)


def signature(k):
    """`ids: i32[n], table: f32[vocab, dim] -> y: f32[n, dim]`"""

    def side(ops):
        return ", ".join(
            f"{op.name}[{op.list_length}]: {op.elem}[*]" if op.list_length
            else f"{op.name}: {op.elem}{op.shape()}"
            for op in ops
        )

    return f"`{side(k.inputs)} -> {side(k.outputs)}`"


def emit_index(kernels):
    out = ["\n| Kernel | Operands | Attributes |\n|---|---|---|\n"]
    for k in kernels:
        attrs = ", ".join(f"`{a}`" for a in k.int_names() + k.floats)
        out.append(f"| [`{k.name}`](#{k.name}) | {signature(k)} | {attrs} |\n")
    return "".join(out)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("description")
    parser.add_argument("--abi", required=True)
    parser.add_argument("--args", required=True)
    parser.add_argument("--doc", required=True)
    options = parser.parse_args()
    kernels, sections = parse(options.description)
    write_if_changed(options.abi, emit_abi(kernels))
    write_if_changed(options.args, emit_args(kernels))
    write_if_changed(options.doc, emit_doc(kernels, sections))


if __name__ == "__main__":
    main()
