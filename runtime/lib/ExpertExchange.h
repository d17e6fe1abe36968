//===- ExpertExchange.h - The rows of an expert-parallel exchange -*- C++
//-*-===//
//
// Where the rows of `moe_exchange_dispatch` and `moe_exchange_combine` go
// (runtime/abi/Kernels.abi), and the variable-size all-to-alls that move
// them, shared by the CPU device (MPI, host memory) and the CUDA device
// (NCCL on its stream): both read the counts on the host, check them with
// the same lines and exchange the same rows in the same order. The row data
// stays on the communicator's device.
//
//===----------------------------------------------------------------------===//

#ifndef CHERRY_RUNTIME_LIB_EXPERTEXCHANGE_H
#define CHERRY_RUNTIME_LIB_EXPERTEXCHANGE_H

#include "cherry/Runtime/Communicator.h"
#include "cherry/Runtime/Status.h"

#include <cstdint>
#include <string>
#include <vector>

namespace cherry::runtime {

/// Where the rows of an expert-parallel exchange are: `first[e]`, the first
/// row of expert e in this rank's permuted rows; `at[l * ranks + p]`, the
/// first received row from rank p of local expert l (grouped by expert,
/// then source rank). Checks the counts (host memory) against `rows` and
/// `capacity`.
inline Status exchangeLayout(const char *kernel, const int32_t *counts,
                             const int32_t *received, int64_t rows,
                             int64_t experts, int64_t ranks, int64_t local,
                             int64_t capacity, std::vector<int64_t> &first,
                             std::vector<int64_t> &at) {
  first.assign(experts + 1, 0);
  for (int64_t e = 0; e < experts; ++e) {
    if (counts[e] < 0)
      return Status::error(std::string(kernel) + ": expert " +
                           std::to_string(e) + " has a negative count " +
                           std::to_string(counts[e]));
    first[e + 1] = first[e] + counts[e];
  }
  if (first[experts] != rows)
    return Status::error(std::string(kernel) + ": the expert counts sum to " +
                         std::to_string(first[experts]) + ", expected " +
                         std::to_string(rows) + " rows");
  at.assign(local * ranks + 1, 0);
  for (int64_t l = 0; l < local; ++l)
    for (int64_t p = 0; p < ranks; ++p) {
      const int32_t n = received[p * local + l];
      if (n < 0)
        return Status::error(std::string(kernel) + ": rank " +
                             std::to_string(p) + " sends local expert " +
                             std::to_string(l) + " a negative count " +
                             std::to_string(n));
      at[l * ranks + p + 1] = at[l * ranks + p] + n;
    }
  if (at[local * ranks] > capacity)
    return Status::error(std::string(kernel) + ": " +
                         std::to_string(at[local * ranks]) +
                         " received rows do not fit the capacity of " +
                         std::to_string(capacity));
  return Status::success();
}

/// One variable-size all-to-all per local expert l: rank q's expert
/// q * local + l rows, straight between the permuted rows and the received
/// ones (no staging copy). `back` runs it the other way (the combine).
/// `counts` and `received` are host memory, `from` and `to` the
/// communicator's device's. `receivedRows`: the rows the dispatch fills
/// (the rest of its `capacity` the caller zeroes).
inline Status exchangeRows(Communicator *c, const char *kernel,
                           const int32_t *counts, const int32_t *received,
                           int64_t rows, int64_t dim, int64_t experts,
                           int64_t ranks, int64_t local, int64_t capacity,
                           const float *from, float *to, bool back,
                           int64_t &receivedRows) {
  std::vector<int64_t> first, at;
  if (Status s = exchangeLayout(kernel, counts, received, rows, experts, ranks,
                                local, capacity, first, at);
      !s.ok())
    return s;
  const uint64_t d = static_cast<uint64_t>(dim);
  std::vector<uint64_t> permutedCounts(ranks), permutedOffsets(ranks),
      receivedCounts(ranks), receivedOffsets(ranks);
  for (int64_t l = 0; l < local; ++l) {
    for (int64_t q = 0; q < ranks; ++q) {
      const int64_t e = q * local + l;
      permutedCounts[q] = (first[e + 1] - first[e]) * d;
      permutedOffsets[q] = first[e] * d;
      receivedCounts[q] = (at[l * ranks + q + 1] - at[l * ranks + q]) * d;
      receivedOffsets[q] = at[l * ranks + q] * d;
    }
    Status s = back ? c->allToAllv(from, receivedCounts, receivedOffsets, to,
                                   permutedCounts, permutedOffsets)
                    : c->allToAllv(from, permutedCounts, permutedOffsets, to,
                                   receivedCounts, receivedOffsets);
    if (!s.ok())
      return Status::error(std::string(kernel) + ": " + s.message);
  }
  receivedRows = at[local * ranks];
  return Status::success();
}

} // namespace cherry::runtime

#endif // CHERRY_RUNTIME_LIB_EXPERTEXCHANGE_H
