//===- CommandLine.h - Option parsing of the runtime-side tools -*- C++ -*-===//
//
// `cherry-data` and `cherry-run` parse `tool <command> [options]` the same
// way: `--flag value` or `--flag=value`, `-h`/`--help`, a forgotten value is
// an error rather than the next flag, and every mistake is one line naming
// the flag. Header-only, no MLIR or LLVM (the tools are built without them).
//
//===----------------------------------------------------------------------===//

#ifndef CHERRY_TOOLS_COMMANDLINE_H
#define CHERRY_TOOLS_COMMANDLINE_H

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <map>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace cherry::tools {

/// A mistake of the user's: printed as "<tool>: <message>", exit status 1.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// `message` with its control characters escaped (\n, \r, \t, \xNN): a
/// name read from a corrupt file cannot break an error into two lines.
inline std::string oneLine(const std::string &message) {
  static const char *const hex = "0123456789abcdef";
  std::string out;
  out.reserve(message.size());
  for (unsigned char c : message) {
    if (c >= 0x20 && c != 0x7f) {
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

/// A tool's main: runs `body` and turns what it throws into one line on
/// stderr, "<tool>: <message>", and exit status 1. UsageError and every type
/// of `UserErrors` are the user's mistakes; anything else is an internal
/// error, said as such.
/// Each line is written whole, so that the lines of processes sharing
/// stderr (the ranks of an mpirun job) do not interleave.
template <typename... UserErrors, typename Body>
int reportErrors(const char *tool, Body body) {
  try {
    return body();
  } catch (const UsageError &error) {
    std::cerr << (std::string(tool) + ": " + oneLine(error.what()) + "\n");
  } catch (const std::bad_alloc &) {
    std::cerr << (std::string(tool) + ": out of memory\n");
  } catch (const std::exception &error) {
    const bool user =
        (... || (dynamic_cast<const UserErrors *>(&error) != nullptr));
    std::cerr << (std::string(tool) + (user ? ": " : ": internal error: ") +
                  oneLine(error.what()) + "\n");
  }
  return 1;
}

struct FlagSpec {
  FlagSpec(const char *name, bool takesValue, bool repeatable = false)
      : name(name), takesValue(takesValue), repeatable(repeatable) {}
  FlagSpec(const char *name, const char *alias, bool takesValue,
           bool repeatable = false)
      : name(name), alias(alias), takesValue(takesValue),
        repeatable(repeatable) {}
  const char *name;            // "--input"
  const char *alias = nullptr; // "-o", or nullptr
  bool takesValue;
  bool repeatable;
};

/// The options of one command, parsed against its FlagSpecs.
class ParsedArgs {
public:
  ParsedArgs(const std::vector<std::string> &args,
             const std::vector<FlagSpec> &specs, const std::string &tool,
             const std::string &command, bool allowPositional = true)
      : tool(tool), command(command) {
    for (size_t i = 0; i < args.size(); ++i) {
      const std::string &arg = args[i];
      if (arg == "-h" || arg == "--help") {
        help = true;
        continue;
      }
      if (arg.size() < 2 || arg[0] != '-') {
        if (!allowPositional)
          throw UsageError("unexpected argument '" + arg + "' for '" + command +
                           "' (see '" + tool + " " + command + " --help')");
        positional.push_back(arg);
        continue;
      }
      std::string name = arg;
      std::optional<std::string> value;
      size_t equals = arg.find('=');
      if (arg.rfind("--", 0) == 0 && equals != std::string::npos) {
        name = arg.substr(0, equals);
        value = arg.substr(equals + 1);
      }
      const FlagSpec *spec = nullptr;
      for (const FlagSpec &candidate : specs)
        if (name == candidate.name ||
            (candidate.alias && name == candidate.alias))
          spec = &candidate;
      if (!spec)
        throw UsageError("unknown option '" + name + "' for '" + command +
                         "' (see '" + tool + " " + command + " --help')");
      name = spec->name;
      if (!spec->takesValue) {
        if (value)
          throw UsageError(name + " takes no value");
        value = "";
      } else if (!value) {
        // A following option is a forgotten value, not the value.
        if (i + 1 >= args.size() ||
            (args[i + 1].size() > 1 && args[i + 1][0] == '-' &&
             !std::isdigit(static_cast<unsigned char>(args[i + 1][1]))))
          throw UsageError(name + " needs a value");
        value = args[++i];
      }
      std::vector<std::string> &slot = values[name];
      if (!slot.empty() && !spec->repeatable)
        throw UsageError(name + " given more than once");
      slot.push_back(*value);
    }
  }

  bool has(const std::string &name) const { return values.count(name); }

  /// The (last) value of `name`, if given.
  std::optional<std::string> get(const std::string &name) const {
    auto it = values.find(name);
    if (it == values.end())
      return std::nullopt;
    return it->second.back();
  }

  /// Every value of a repeatable flag, in order.
  std::vector<std::string> all(const std::string &name) const {
    auto it = values.find(name);
    return it == values.end() ? std::vector<std::string>{} : it->second;
  }

  std::string required(const std::string &name) const {
    std::optional<std::string> value = get(name);
    if (!value)
      throw UsageError(command + " needs " + name + " (see '" + tool + " " +
                       command + " --help')");
    return *value;
  }

  bool help = false;
  std::vector<std::string> positional;

private:
  std::string tool, command;
  std::map<std::string, std::vector<std::string>> values;
};

/// Writes `text` to stdout and flushes; a failed write (a closed pipe, a
/// full disk) is an error rather than lost output.
inline void writeStdout(std::string_view text) {
  if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() ||
      std::fflush(stdout) != 0)
    throw UsageError("cannot write to stdout: " +
                     std::string(std::strerror(errno)));
}

} // namespace cherry::tools

#endif // CHERRY_TOOLS_COMMANDLINE_H
