//===- Status.h - Outcome of a runtime call ---------------------*- C++ -*-===//
//
// Runtime calls report failure as a one-line message naming what was wrong
// (file, tensor, buffer), never by throwing or aborting.
//
//===----------------------------------------------------------------------===//

#ifndef CHERRY_RUNTIME_STATUS_H
#define CHERRY_RUNTIME_STATUS_H

#include <string>
#include <utility>

namespace cherry::runtime {

/// Outcome of a runtime call: empty message on success, otherwise a one-line
/// diagnostic naming what was wrong.
struct Status {
  std::string message;
  bool ok() const { return message.empty(); }
  static Status success() { return {}; }
  static Status error(std::string msg) { return {std::move(msg)}; }
};

} // namespace cherry::runtime

#endif // CHERRY_RUNTIME_STATUS_H
