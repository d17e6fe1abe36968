//===- Sgt.h - Supervised-position selection --------------------*- C++ -*-===//
//
// The selection policies of selective ground-truth token training, shared
// by the selection kernels (what a training step supervises) and by
// `cherry-run eval` (which reports the loss on selected and unselected
// positions separately). Positions come back in increasing order per row,
// with a weight per selected slot: the selective loss is sum weight * loss.
//
//===----------------------------------------------------------------------===//

#ifndef CHERRY_RUNTIME_SGT_H
#define CHERRY_RUNTIME_SGT_H

#include "cherry/Runtime/Status.h"

#include <cstdint>
#include <string>
#include <vector>

namespace cherry::runtime::sgt {

/// The selection policies, as cherry-opt's `sgt=` option and cherry-run's
/// --sgt-policy spell them ("topk-surprisal" is Score).
enum class Policy { Uniform, Random, Score, Surprisal, LossTopk, Mask };

/// "uniform", "random", "score", "surprisal", "loss-topk", "mask".
const char *policyName(Policy policy);
/// The policy `name` spells (also "topk-surprisal" for Score), or false.
bool parsePolicy(const std::string &name, Policy &policy);
/// Whether the policy ranks positions by a per-token score table.
inline bool readsScores(Policy p) {
  return p == Policy::Score || p == Policy::Surprisal;
}

/// What a policy reads besides the targets.
struct SelectionInputs {
  const float *scores = nullptr; ///< per-token table (Score, Surprisal)
  int64_t vocab = 0;             ///< its length
  const float *losses = nullptr; ///< per-position losses (LossTopk)
  const int32_t *mask = nullptr; ///< the batch's mask (Mask)
};

/// The positions `policy` selects in a [batch, seq] batch at training step
/// `step`, k per row, as a 0/1 map: what the compiled selection kernels
/// choose, computed by the same functions (mask padding selects nothing).
Status selectionMap(Policy policy, int64_t k, uint64_t seed, uint64_t step,
                    const int32_t *targets, const SelectionInputs &in,
                    int64_t batch, int64_t seq, std::vector<char> &chosen);

/// k = round(ratio * seq), at least 1 and at most seq (as cherry-sgt).
int64_t selectedCount(double ratio, int64_t seq);

/// Every slot weighs 1 / (batch k): the weighted loss is the selected mean.
void equalWeights(int64_t batch, int64_t k, float *weights);

/// Evenly spaced: floor((2j + 1) seq / (2k)) for j < k.
void selectUniform(int64_t batch, int64_t seq, int64_t k, int32_t *positions);

/// The k positions whose target has the highest score, ties to the earlier
/// position. Fails naming the row when a target is outside [0, vocab).
Status selectByScore(const int32_t *targets, const float *scores, int64_t batch,
                     int64_t seq, int64_t k, int64_t vocab, int32_t *positions);

/// k distinct positions per row, uniformly, from a stream seeded by
/// (seed, step, row): the same arguments give the same positions anywhere.
/// Row b is row firstRow + b of the global batch (a rank of a data-parallel
/// run reads rows rank * batch ..; the seeded policies draw by them, so R
/// ranks select what one rank with the whole batch does).
void selectRandom(uint64_t seed, uint64_t step, int64_t batch, int64_t seq,
                  int64_t k, int32_t *positions, int64_t firstRow = 0);

/// Surprisal sampling: position t of a row is included with probability
/// pi_t = min(1, c * scores[target_t]), c chosen so that the pi of a row sum
/// to k; exactly k positions per row by systematic sampling over a random
/// order seeded by (seed, step, row). weights = 1 / (batch seq pi_t), so
/// the weighted loss is an unbiased estimate of the mean loss over all
/// batch * seq positions. Fails on a target outside [0, vocab) or a negative
/// or non-finite score.
Status selectSurprisal(const int32_t *targets, const float *scores,
                       int64_t vocab, uint64_t seed, uint64_t step,
                       int64_t batch, int64_t seq, int64_t k,
                       int32_t *positions, float *weights,
                       int64_t firstRow = 0);

/// The inclusion probabilities pi of one row of selectSurprisal.
void inclusionProbabilities(const float *rowScores, int64_t seq, int64_t k,
                            double *pi);

/// The k positions of each row with the highest loss, ties to the earlier
/// position; equal weights.
void selectLossTopk(const float *losses, int64_t batch, int64_t seq, int64_t k,
                    int32_t *positions, float *weights);

/// The marked positions (mask 1) of each row, at most k of them: a uniform
/// subset seeded by (seed, step, row) when a row has more. Row b with m_b
/// marked keeps n_b = min(m_b, k), each weighing (m_b / n_b) / M (M: the
/// marked positions of the batch), so the weighted loss estimates the mean
/// over all marked positions; unused slots get position 0 and weight 0.
/// Fails naming the row and position of a mask value other than 0 or 1.
Status selectMask(const int32_t *mask, uint64_t seed, uint64_t step,
                  int64_t batch, int64_t seq, int64_t k, int32_t *positions,
                  float *weights, int64_t firstRow = 0);

} // namespace cherry::runtime::sgt

#endif // CHERRY_RUNTIME_SGT_H
