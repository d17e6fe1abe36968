//===- LoraSvd.cpp - LoRA factors from a truncated SVD --------------------===//

#include "cherry/Runtime/LoraSvd.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>

// LAPACK (in OpenBLAS): the divide-and-conquer SVD, Fortran calling
// convention (column-major, arguments by pointer, the hidden length of the
// character argument last).
extern "C" void dgesdd_(const char *jobz, const int *m, const int *n, double *a,
                        const int *lda, double *s, double *u, const int *ldu,
                        double *vt, const int *ldvt, double *work,
                        const int *lwork, int *iwork, int *info,
                        size_t jobzLength);

using namespace cherry::runtime;

Status cherry::runtime::loraSvdFactors(const std::vector<double> &residual,
                                       int64_t out, int64_t in, int64_t rank,
                                       double scale, std::vector<float> &b,
                                       std::vector<float> &a) {
  const int64_t k = std::min(out, in);
  if (rank <= 0 || rank > k || !(scale > 0) ||
      static_cast<int64_t>(residual.size()) != out * in)
    return Status::error("lora_svd: rank " + std::to_string(rank) + " of a " +
                         std::to_string(out) + " x " + std::to_string(in) +
                         " residual, scale " + std::to_string(scale) +
                         ": invalid");
  // Row-major R [out, in] is column-major M = R^T [in, out]. With
  // M = U' S V'^T: R = V' S U'^T, so R's left vectors are the rows of V'^T
  // and its right vectors the columns of U'.
  const int m = static_cast<int>(in), n = static_cast<int>(out);
  const int kk = static_cast<int>(k);
  std::vector<double> work0(residual), s(k), u(in * k), vt(k * out);
  std::vector<int> iwork(8 * k);
  int info = 0, lwork = -1;
  double query = 0;
  dgesdd_("S", &m, &n, work0.data(), &m, s.data(), u.data(), &m, vt.data(), &kk,
          &query, &lwork, iwork.data(), &info, 1);
  if (info != 0)
    return Status::error("lora_svd: LAPACK dgesdd workspace query failed (" +
                         std::to_string(info) + ")");
  lwork = static_cast<int>(query);
  std::vector<double> work(std::max(lwork, 1));
  dgesdd_("S", &m, &n, work0.data(), &m, s.data(), u.data(), &m, vt.data(), &kk,
          work.data(), &lwork, iwork.data(), &info, 1);
  if (info != 0)
    return Status::error("lora_svd: LAPACK dgesdd did not converge (" +
                         std::to_string(info) + ")");
  b.assign(out * rank, 0.0f);
  a.assign(rank * in, 0.0f);
  for (int64_t j = 0; j < rank; ++j) {
    const double root = std::sqrt(s[j] / scale);
    for (int64_t o = 0; o < out; ++o)
      b[o * rank + j] = static_cast<float>(vt[j + o * k] * root);
    for (int64_t i = 0; i < in; ++i)
      a[j * in + i] = static_cast<float>(u[i + j * in] * root);
  }
  return Status::success();
}
