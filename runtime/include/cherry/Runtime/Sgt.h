//===- Sgt.h - Supervised-position selection --------------------*- C++ -*-===//
//
// The selection policies of selective ground-truth token training, shared
// by the selection kernels (what a training step supervises) and by
// `cherry-run eval` (which reports the loss on selected and unselected
// positions separately). Positions come back in increasing order per row.
//
//===----------------------------------------------------------------------===//

#ifndef CHERRY_RUNTIME_SGT_H
#define CHERRY_RUNTIME_SGT_H

#include "cherry/Runtime/Status.h"

#include <cstdint>

namespace cherry::runtime::sgt {

/// k = round(ratio * seq), at least 1 and at most seq (as cherry-sgt).
int64_t selectedCount(double ratio, int64_t seq);

/// Evenly spaced: floor((2j + 1) seq / (2k)) for j < k.
void selectUniform(int64_t batch, int64_t seq, int64_t k, int32_t *positions);

/// The k positions whose target has the highest score, ties to the earlier
/// position. Fails naming the row when a target is outside [0, vocab).
Status selectByScore(const int32_t *targets, const float *scores, int64_t batch,
                     int64_t seq, int64_t k, int64_t vocab, int32_t *positions);

/// k distinct positions per row, uniformly, from a stream seeded by
/// (seed, step, row): the same arguments give the same positions anywhere.
void selectRandom(uint64_t seed, uint64_t step, int64_t batch, int64_t seq,
                  int64_t k, int32_t *positions);

} // namespace cherry::runtime::sgt

#endif // CHERRY_RUNTIME_SGT_H
