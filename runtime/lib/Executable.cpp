//===- Executable.cpp - Load, check and save Executables ------------------===//

#include "cherry/Runtime/Executable.h"

#include "AtomicFile.h"

#include <google/protobuf/stubs/logging.h>
#include <sys/stat.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

namespace cherry::runtime {
namespace ex = executable;

unsigned dtypeSize(ex::DType dtype) {
  switch (dtype) {
  case ex::F32:
  case ex::I32:
    return 4;
  case ex::BF16:
  case ex::F16:
  case ex::U16:
    return 2;
  case ex::I64:
    return 8;
  case ex::I1:
    return 1;
  default:
    return 0;
  }
}

static std::string str(uint64_t v) { return std::to_string(v); }

/// Checks that every slice lies inside a defined buffer; in a loop body
/// (`numSlots` > 0 there) a slice may instead name one of the loop's slots.
static Status
checkSlices(const google::protobuf::RepeatedPtrField<ex::BufferSlice> &slices,
            const std::unordered_map<uint32_t, const ex::Buffer *> &buffers,
            const std::string &where, uint32_t numSlots = 0) {
  for (int i = 0; i < slices.size(); ++i) {
    const ex::BufferSlice &s = slices[i];
    if (s.slot() != 0) {
      if (s.slot() > numSlots)
        return Status::error(
            where + " operand " + std::to_string(i) + " names slot " +
            str(s.slot() - 1) +
            (numSlots ? ", but the loop has " + str(numSlots) + " slots"
                      : " outside a loop body"));
      if (s.buffer() || s.offset_bytes() || s.size_bytes())
        return Status::error(where + " operand " + std::to_string(i) +
                             " names slot " + str(s.slot() - 1) +
                             " and a buffer slice");
      continue;
    }
    auto it = buffers.find(s.buffer());
    if (it == buffers.end())
      return Status::error(where + " operand " + std::to_string(i) +
                           " names undefined buffer " + str(s.buffer()));
    uint64_t size = it->second->size_bytes();
    if (s.offset_bytes() > size || s.size_bytes() > size - s.offset_bytes())
      return Status::error(where + " operand " + std::to_string(i) +
                           " slice [" + str(s.offset_bytes()) + ", +" +
                           str(s.size_bytes()) + ") exceeds buffer " +
                           str(s.buffer()) + " of " + str(size) + " bytes");
  }
  return Status::success();
}

/// Checks one instruction: a kernel call, or a loop of kernel calls with
/// its slot table.
static Status checkInstruction(
    const ex::Instruction &inst,
    const std::unordered_map<uint32_t, const ex::Buffer *> &buffers,
    const std::string &at) {
  if (!inst.has_loop()) {
    if (inst.kernel().empty())
      return Status::error(at + " has no kernel name");
    std::string where = at + " (" + inst.kernel() + ")";
    if (Status s = checkSlices(inst.inputs(), buffers, where + " input");
        !s.ok())
      return s;
    if (Status s = checkSlices(inst.outputs(), buffers, where + " output");
        !s.ok())
      return s;
    if (!ex::Device_IsValid(inst.device()))
      return Status::error(where + " has unknown device " + str(inst.device()));
    return Status::success();
  }
  const ex::Loop &loop = inst.loop();
  const std::string where = at + " (loop)";
  if (!inst.kernel().empty() || inst.inputs_size() || inst.outputs_size() ||
      inst.attributes_size() || inst.device() != ex::DEVICE_DEFAULT)
    return Status::error(where + " has a kernel, operands, attributes or a "
                                 "device of its own (a loop has only a body)");
  if (loop.trips() == 0)
    return Status::error(where + " has trip count 0, expected at least 1");
  if (loop.body_size() == 0)
    return Status::error(where + " has an empty body");
  // The runtime prepares every trip's body calls: bounded like the
  // instructions an executable file can hold.
  if (loop.trips() > kMaxLoopCalls / static_cast<uint64_t>(loop.body_size()))
    return Status::error(where + " runs " + str(loop.trips()) + " trips of " +
                         str(loop.body_size()) +
                         " kernel calls, more than the limit of " +
                         str(kMaxLoopCalls));
  uint64_t cells = 0;
  if (__builtin_mul_overflow(uint64_t{loop.trips()}, uint64_t{loop.num_slots()},
                             &cells) ||
      cells != static_cast<uint64_t>(loop.slots_size()))
    return Status::error(where + " has " + str(loop.slots_size()) +
                         " slot slices, expected trips * num_slots = " +
                         str(loop.trips()) + " * " + str(loop.num_slots()));
  for (int t = 0; t < static_cast<int>(loop.trips()); ++t) {
    // One row at a time, so the message names the iteration.
    google::protobuf::RepeatedPtrField<ex::BufferSlice> row(
        loop.slots().begin() + t * loop.num_slots(),
        loop.slots().begin() + (t + 1) * loop.num_slots());
    for (const ex::BufferSlice &slice : row)
      if (slice.slot() != 0)
        return Status::error(where + " iteration " + std::to_string(t) +
                             " binds a slot to another slot");
    if (Status s = checkSlices(
            row, buffers, where + " iteration " + std::to_string(t) + " slot");
        !s.ok())
      return s;
  }
  for (int j = 0; j < loop.body_size(); ++j) {
    const ex::Instruction &body = loop.body(j);
    const std::string in = where + " body instruction " + std::to_string(j);
    if (body.has_loop())
      return Status::error(in + " is a loop (loops do not nest)");
    if (body.kernel().empty())
      return Status::error(in + " has no kernel name");
    const std::string named = in + " (" + body.kernel() + ")";
    if (Status s = checkSlices(body.inputs(), buffers, named + " input",
                               loop.num_slots());
        !s.ok())
      return s;
    if (Status s = checkSlices(body.outputs(), buffers, named + " output",
                               loop.num_slots());
        !s.ok())
      return s;
    if (!ex::Device_IsValid(body.device()))
      return Status::error(named + " has unknown device " + str(body.device()));
  }
  return Status::success();
}

/// A function's input, output or state bindings: named, each name once, each
/// on a defined buffer.
static Status
checkBindings(const google::protobuf::RepeatedPtrField<ex::Binding> &bindings,
              const std::unordered_map<uint32_t, const ex::Buffer *> &buffers,
              const std::unordered_map<std::string, int> &params,
              const std::string &function, const char *direction) {
  std::unordered_set<std::string> names;
  for (const ex::Binding &b : bindings) {
    std::string where = "function '" + function + "' " + direction;
    if (b.name().empty())
      return Status::error(where + " binding on buffer " + str(b.buffer()) +
                           " has no name");
    where += " '" + b.name() + "'";
    if (!names.insert(b.name()).second)
      return Status::error(where + " is bound twice");
    if (!buffers.count(b.buffer()))
      return Status::error(where + " names undefined buffer " +
                           str(b.buffer()));
    if (!ex::BindingRole_IsValid(b.role()))
      return Status::error(where + " has unknown role " + str(b.role()));
    if ((b.role() == ex::GRADIENT) != !b.parameter().empty())
      return Status::error(where + (b.role() == ex::GRADIENT
                                        ? " is a gradient of no parameter"
                                        : " names a parameter but is no "
                                          "gradient"));
    if (b.role() == ex::GRADIENT && !params.count(b.parameter()))
      return Status::error(where + " is the gradient of unknown parameter '" +
                           b.parameter() + "'");
    const bool mtp = b.role() == ex::MTP_LOSS || b.role() == ex::MTP_LOGITS;
    if (mtp ? b.head() < 1 : b.head() != 0)
      return Status::error(where + (mtp ? " is a multi-token head's output "
                                          "with head " +
                                              std::to_string(b.head()) +
                                              ", expected >= 1"
                                        : " names a multi-token head but is "
                                          "no head's output"));
  }
  return Status::success();
}

Status verifyExecutable(const ex::Executable &exe) {
  if (exe.version() != kExecutableVersion)
    return Status::error("executable version " + str(exe.version()) +
                         " is not supported (this runtime reads version " +
                         str(kExecutableVersion) +
                         "; compile it again with cherry-translate "
                         "--emit-executable)");
  std::unordered_map<uint32_t, const ex::Buffer *> buffers;
  for (const ex::Buffer &b : exe.buffers()) {
    std::string name = "buffer " + str(b.id());
    if (!buffers.emplace(b.id(), &b).second)
      return Status::error(name + " is defined twice");
    if (b.alignment() == 0 || (b.alignment() & (b.alignment() - 1)) != 0)
      return Status::error(name + " has alignment " + str(b.alignment()) +
                           ", expected a power of two");
    if (b.arena_offset() % b.alignment() != 0)
      return Status::error(name + " at arena offset " + str(b.arena_offset()) +
                           " is not aligned to " + str(b.alignment()));
    if (b.arena_offset() > exe.arena_size_bytes() ||
        b.size_bytes() > exe.arena_size_bytes() - b.arena_offset())
      return Status::error(name + " [" + str(b.arena_offset()) + ", +" +
                           str(b.size_bytes()) + ") exceeds the arena of " +
                           str(exe.arena_size_bytes()) + " bytes");
    if (b.shape_size() > 0 && b.dtype() != ex::DTYPE_UNSPECIFIED) {
      uint64_t elems = 1;
      for (int64_t d : b.shape()) {
        if (d <= 0)
          return Status::error(name + " has non-positive dimension " +
                               std::to_string(d));
        if (__builtin_mul_overflow(elems, static_cast<uint64_t>(d), &elems))
          return Status::error(name + " has more elements than 2^64");
      }
      uint64_t bytes = 0;
      if (!ex::DType_IsValid(b.dtype()))
        return Status::error(name + " has unknown dtype " + str(b.dtype()));
      if (__builtin_mul_overflow(elems, uint64_t{dtypeSize(b.dtype())},
                                 &bytes) ||
          bytes > b.size_bytes())
        return Status::error(name + " holds " + str(elems) +
                             " elements but has only " + str(b.size_bytes()) +
                             " bytes");
    }
  }
  std::unordered_map<std::string, int> paramNames;
  std::unordered_map<uint32_t, std::string> paramBuffers;
  std::unordered_map<std::string, std::string> checkpointKeys;
  for (const ex::Parameter &p : exe.parameters()) {
    std::string name = "parameter '" + p.name() + "'";
    if (p.name().empty())
      return Status::error("a parameter has an empty name");
    if (!paramNames.emplace(p.name(), 0).second)
      return Status::error(name + " is defined twice");
    for (int64_t d : p.shape())
      if (d <= 0)
        return Status::error(name + " has non-positive dimension " +
                             std::to_string(d));
    if (!ex::ParameterRole_IsValid(p.role()))
      return Status::error(name + " has unknown role " + str(p.role()));
    auto it = buffers.find(p.buffer());
    if (it == buffers.end())
      return Status::error(name + " names undefined buffer " + str(p.buffer()));
    uint64_t bytes = dtypeSize(p.dtype());
    if (bytes == 0)
      return Status::error(name + " has no dtype");
    for (int64_t d : p.shape())
      if (__builtin_mul_overflow(bytes, static_cast<uint64_t>(d), &bytes))
        return Status::error(name + " has more bytes than 2^64");
    // A parameter is its buffer: two on one buffer would overwrite each
    // other when loaded.
    if (auto [other, fresh] = paramBuffers.emplace(p.buffer(), p.name());
        !fresh)
      return Status::error(name + " shares buffer " + str(p.buffer()) +
                           " with parameter '" + other->second + "'");
    // Checkpoints are written by key: a duplicate would fail the first save.
    if (!p.checkpoint_key().empty())
      if (auto [other, fresh] =
              checkpointKeys.emplace(p.checkpoint_key(), p.name());
          !fresh)
        return Status::error(name + " has checkpoint_key '" +
                             p.checkpoint_key() + "', as parameter '" +
                             other->second + "' does");
    if (bytes > it->second->size_bytes())
      return Status::error(name + " needs " + str(bytes) +
                           " bytes but buffer " + str(p.buffer()) + " has " +
                           str(it->second->size_bytes()));
  }
  std::unordered_map<std::string, int> fnNames;
  std::unordered_map<int, std::string> fnRoles;
  for (const ex::Function &f : exe.functions()) {
    if (!fnNames.emplace(f.name(), 0).second)
      return Status::error("function '" + f.name() + "' is defined twice");
    if (!ex::FunctionRole_IsValid(f.role()) ||
        !ex::SelectionPolicy_IsValid(f.selection().policy()))
      return Status::error("function '" + f.name() +
                           "' has an unknown role or selection policy");
    if (f.role() != ex::FUNCTION_ROLE_UNSPECIFIED &&
        !fnRoles.emplace(f.role(), f.name()).second)
      return Status::error("functions '" + fnRoles[f.role()] + "' and '" +
                           f.name() + "' both have role " +
                           ex::FunctionRole_Name(f.role()));
    for (int i = 0; i < f.instructions_size(); ++i)
      if (Status s = checkInstruction(f.instructions(i), buffers,
                                      "function '" + f.name() +
                                          "' instruction " + std::to_string(i));
          !s.ok())
        return s;
    if (Status s =
            checkBindings(f.inputs(), buffers, paramNames, f.name(), "input");
        !s.ok())
      return s;
    if (Status s =
            checkBindings(f.outputs(), buffers, paramNames, f.name(), "output");
        !s.ok())
      return s;
    if (Status s =
            checkBindings(f.state(), buffers, paramNames, f.name(), "state");
        !s.ok())
      return s;
    // Every output is written by an instruction: one that is not would be
    // read as whatever the arena held (a loss of 0).
    std::unordered_set<uint32_t> written;
    for (const ex::Instruction &inst : f.instructions()) {
      for (const ex::BufferSlice &slice : inst.outputs())
        written.insert(slice.buffer());
      const ex::Loop &loop = inst.loop();
      for (const ex::Instruction &body : loop.body())
        for (const ex::BufferSlice &slice : body.outputs()) {
          if (slice.slot() == 0)
            written.insert(slice.buffer());
          else
            for (uint32_t t = 0; t < loop.trips(); ++t)
              written.insert(
                  loop.slots(t * loop.num_slots() + slice.slot() - 1).buffer());
        }
    }
    for (const ex::Binding &b : f.outputs())
      if (!written.count(b.buffer()))
        return Status::error("function '" + f.name() + "' output '" + b.name() +
                             "' is written by no instruction");
  }
  return Status::success();
}

std::string shapeString(const ex::Buffer &b) {
  std::string out = ex::DType_Name(b.dtype()) + " [";
  for (int i = 0; i < b.shape_size(); ++i)
    out += (i ? ", " : "") + std::to_string(b.shape(i));
  return out + "]";
}

int findFunction(const ex::Executable &exe, ex::FunctionRole role) {
  for (int i = 0; i < exe.functions_size(); ++i)
    if (exe.functions(i).role() == role)
      return i;
  return -1;
}

const ex::Binding *findBinding(const ex::Function &fn, ex::BindingRole role) {
  for (const auto *bindings : {&fn.inputs(), &fn.outputs(), &fn.state()})
    for (const ex::Binding &b : *bindings)
      if (b.role() == role)
        return &b;
  return nullptr;
}

uint32_t crc32(const void *data, size_t size) {
  static const auto table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k)
        c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  uint32_t c = 0xFFFFFFFFu;
  const auto *p = static_cast<const unsigned char *>(data);
  for (size_t i = 0; i < size; ++i)
    c = table[(c ^ p[i]) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

std::string encodeExecutableFile(const std::string &payload) {
  std::string file(kExecutableMagic, 8);
  auto put = [&](uint64_t value, int bytes) {
    for (int i = 0; i < bytes; ++i)
      file.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
  };
  put(payload.size(), 8);
  put(crc32(payload.data(), payload.size()), 4);
  return file + payload;
}

Status decodeExecutableFile(const std::string &file, std::string &payload) {
  if (file.size() < kExecutableHeaderBytes ||
      file.compare(0, 8, kExecutableMagic) != 0)
    return Status::error("not a CHERRY executable (no CHERRYX1 header; "
                         "compile it with cherry-translate --emit-executable)");
  auto get = [&](size_t at, int bytes) {
    uint64_t value = 0;
    for (int i = 0; i < bytes; ++i)
      value |= uint64_t(static_cast<unsigned char>(file[at + i])) << (8 * i);
    return value;
  };
  const uint64_t length = get(8, 8);
  const uint64_t have = file.size() - kExecutableHeaderBytes;
  if (length != have)
    return Status::error(
        "the header says " + str(length) +
        " bytes of executable, the file holds " + str(have) +
        (have < length ? " (truncated)" : " (trailing bytes)"));
  const uint32_t want = static_cast<uint32_t>(get(16, 4));
  const uint32_t got = crc32(file.data() + kExecutableHeaderBytes,
                             file.size() - kExecutableHeaderBytes);
  if (want != got)
    return Status::error("checksum mismatch (the file is corrupted; compile "
                         "it again)");
  payload.assign(file, kExecutableHeaderBytes, std::string::npos);
  return Status::success();
}

Status loadExecutable(const std::string &path, ex::Executable &exe) {
  // Read with a bound, and only from a regular file: a FIFO would block
  // forever and /dev/zero never ends.
  struct stat st;
  if (::stat(path.c_str(), &st) != 0)
    return Status::error(path + ": cannot open: " + std::strerror(errno));
  if (!S_ISREG(st.st_mode))
    return Status::error(path + ": not a regular file (an executable is a "
                                "file written by cherry-translate)");
  if (st.st_size == 0)
    return Status::error(path + ": the file is empty, not a CHERRY executable");
  if (static_cast<uint64_t>(st.st_size) > kMaxExecutableBytes)
    return Status::error(path + ": " + str(st.st_size) +
                         " bytes is more than an executable can hold (" +
                         str(kMaxExecutableBytes) +
                         "; weights are never "
                         "stored in one)");
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return Status::error(path + ": cannot open: " + std::strerror(errno));
  std::string bytes(static_cast<size_t>(st.st_size), '\0');
  if (!in.read(bytes.data(), st.st_size))
    return Status::error(path + ": cannot read: " + std::strerror(errno));
  // protobuf logs its own line for some malformed inputs (invalid UTF-8);
  // ours is the one error the user sees.
  std::string payload;
  if (Status s = decodeExecutableFile(bytes, payload); !s.ok())
    return Status::error(path + ": " + s.message);
  google::protobuf::LogSilencer quiet;
  if (!exe.ParseFromString(payload))
    return Status::error(path + ": not a CHERRY executable (protobuf parse "
                                "failed; truncated or wrong file?)");
  if (Status s = verifyExecutable(exe); !s.ok())
    return Status::error(path + ": " + s.message);
  return Status::success();
}

Status saveExecutable(const ex::Executable &exe, const std::string &path) {
  std::string bytes;
  if (!exe.SerializeToString(&bytes))
    return Status::error(path + ": cannot serialize executable");
  std::string file = encodeExecutableFile(bytes);
  return detail::writeFileAtomically(path, {{file.data(), file.size()}});
}

} // namespace cherry::runtime
