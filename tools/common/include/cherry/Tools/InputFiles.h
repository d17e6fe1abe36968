//===- InputFiles.h - Input checks of the compiler drivers ------*- C++ -*-===//
//
// cherry-opt and cherry-translate read their inputs through MLIR, which reads
// a file to its end: a FIFO blocks forever, /dev/zero exhausts memory. Before
// MLIR runs, every positional argument that names an existing path is checked
// to be a regular file of bounded size (directories are allowed where the
// tool reads a model directory). Plain C++: no MLIR or LLVM.
//
//===----------------------------------------------------------------------===//

#ifndef CHERRY_TOOLS_INPUTFILES_H
#define CHERRY_TOOLS_INPUTFILES_H

#include <sys/stat.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cherry::tools {

/// IR and config inputs above this are refused (weights are never read
/// through the IR parser).
inline constexpr uint64_t kMaxInputBytes = uint64_t(1) << 31;

/// The error for positional arguments of argv that name existing paths other
/// than regular files (or directories, when `directories`), or files larger
/// than kMaxInputBytes; nothing when all are fine. The values of `-o`
/// (`-o FILE`, `-o=FILE`) are outputs and not checked; "-" is stdin.
inline std::optional<std::string> checkInputFiles(int argc, char **argv,
                                                  bool directories) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    std::string_view previous = argv[i - 1];
    if (arg.empty() || arg[0] == '-' || previous == "-o" || previous == "--o")
      continue;
    struct stat st;
    if (::stat(argv[i], &st) != 0)
      continue; // the tool reports a missing file itself
    if (S_ISDIR(st.st_mode) && directories)
      continue;
    if (!S_ISREG(st.st_mode))
      return std::string(arg) + ": not a regular file";
    if (static_cast<uint64_t>(st.st_size) > kMaxInputBytes)
      return std::string(arg) + ": " + std::to_string(st.st_size) +
             " bytes is more than an input can be (" +
             std::to_string(kMaxInputBytes) + ")";
  }
  return std::nullopt;
}

} // namespace cherry::tools

#endif // CHERRY_TOOLS_INPUTFILES_H
