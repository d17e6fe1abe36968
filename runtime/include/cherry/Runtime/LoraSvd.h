//===- LoraSvd.h - LoRA factors from a truncated SVD ------------*- C++ -*-===//
//
// The initialization `lora-init=svd` of per-step adapters: an averaged
// layer stands in for the layers it replaced, and each step's adapter starts
// as the best low-rank correction towards the layer that step replaces.
//
//===----------------------------------------------------------------------===//

#ifndef CHERRY_RUNTIME_LORASVD_H
#define CHERRY_RUNTIME_LORASVD_H

#include "cherry/Runtime/Status.h"

#include <cstdint>
#include <vector>

namespace cherry::runtime {

/// Factors `b` ([out, rank]) and `a` ([rank, in]), row-major, with
/// scale * b * a the truncated SVD U_r S_r V_r^T of `residual` ([out, in],
/// row-major): b = U_r sqrt(S_r / scale), a = sqrt(S_r / scale) V_r^T. By
/// Eckart-Young no rank-`rank` product is closer to `residual` in the
/// Frobenius norm. Computed in double by LAPACK's dgesdd. Requires
/// 0 < rank <= min(out, in) and scale > 0; fails if LAPACK does not
/// converge.
Status loraSvdFactors(const std::vector<double> &residual, int64_t out,
                      int64_t in, int64_t rank, double scale,
                      std::vector<float> &b, std::vector<float> &a);

} // namespace cherry::runtime

#endif // CHERRY_RUNTIME_LORASVD_H
