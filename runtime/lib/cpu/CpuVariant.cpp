//===- CpuVariant.cpp - Which instruction set the CPU kernels run ---------===//
//
// The hot loops exist once per variant (CpuCommon.h, CHERRY_CPU_DISPATCH);
// this file picks one per process: the best the CPU supports, or the one
// CHERRY_CPU_VARIANT names, so that one machine can test every code path it
// is able to run. BLAS chooses its own kernels; OpenBLAS reads
// OPENBLAS_CORETYPE when it loads, before any code of ours runs.
//
//===----------------------------------------------------------------------===//

#include "cherry/Runtime/CpuKernels.h"

#include "CpuCommon.h"

#include <cstdio>
#include <cstdlib>
#include <string>

// OpenBLAS's own cblas.h declares these; a netlib cblas.h does not.
extern "C" char *openblas_get_config(void);
extern "C" char *openblas_get_corename(void);

namespace cherry::runtime::cpu {

const char *cpuVariantName(CpuVariant variant) {
  switch (variant) {
  case CpuVariant::V4:
    return "x86-64-v4";
  case CpuVariant::V3:
    return "x86-64-v3";
  case CpuVariant::Baseline:
    break;
  }
  return "baseline";
}

bool cpuSupports(CpuVariant variant) {
  switch (variant) {
  case CpuVariant::Baseline:
    return true;
#if CHERRY_CPU_MULTIVERSION
  // libgcc's checks include the OS saving the wide registers (XCR0).
  case CpuVariant::V3:
    return __builtin_cpu_supports("x86-64-v3");
  case CpuVariant::V4:
    return __builtin_cpu_supports("x86-64-v4");
#else
  case CpuVariant::V3:
  case CpuVariant::V4:
    return false;
#endif
  }
  return false;
}

CpuVariant detectedCpuVariant() {
  for (CpuVariant v : {CpuVariant::V4, CpuVariant::V3})
    if (cpuSupports(v))
      return v;
  return CpuVariant::Baseline;
}

namespace {

constexpr const char *kVariantEnv = "CHERRY_CPU_VARIANT";

/// Whether CHERRY_CPU_VARIANT chose the variant (not "auto" or unset).
bool variantForced() {
  const char *value = std::getenv(kVariantEnv);
  return value && *value && std::string(value) != "auto";
}

} // namespace

Status parseCpuVariant(const std::string &value, CpuVariant &variant) {
  if (value.empty() || value == "auto")
    variant = detectedCpuVariant();
  else if (value == "baseline")
    variant = CpuVariant::Baseline;
  else if (value == "x86-64-v3" || value == "v3")
    variant = CpuVariant::V3;
  else if (value == "x86-64-v4" || value == "v4")
    variant = CpuVariant::V4;
  else
    return Status::error(std::string(kVariantEnv) + "=" + value +
                         ": not a CPU kernel variant (baseline, x86-64-v3, "
                         "x86-64-v4 or auto)");
  return Status::success();
}

Status requestedCpuVariant(CpuVariant &variant) {
  const char *env = std::getenv(kVariantEnv);
  const std::string value = env ? env : "";
  if (Status st = parseCpuVariant(value, variant); !st.ok())
    return st;
  if (!cpuSupports(variant))
    return Status::error(std::string(kVariantEnv) + "=" + value +
                         ": this CPU cannot run " + cpuVariantName(variant) +
                         " (the best it runs is " +
                         cpuVariantName(detectedCpuVariant()) + ")");
  return Status::success();
}

namespace {

/// What `request` resolves to; a bad environment value ends the process
/// with its message (exit code 2): running the loops anyway would die on an
/// illegal instruction or silently test another code path than the one
/// asked for.
template <class T> T resolvedOrExit(Status (*request)(T &)) {
  T value{};
  Status st = request(value);
  if (!st.ok()) {
    std::fprintf(stderr, "error: %s\n", st.message.c_str());
    std::exit(2);
  }
  return value;
}

} // namespace

CpuVariant cpuVariant() {
  static const CpuVariant chosen = resolvedOrExit(requestedCpuVariant);
  return chosen;
}

Status requestedPackedGemm(bool &packed) {
  const char *env = std::getenv("CHERRY_GEMM");
  const std::string value = env ? env : "";
  if (value.empty() || value == "packed")
    packed = true;
  else if (value == "openblas")
    packed = false;
  else
    return Status::error("CHERRY_GEMM=" + value +
                         ": not a GEMM choice (packed or openblas)");
  return Status::success();
}

bool packedGemmAllowed() {
  static const bool allowed = resolvedOrExit(requestedPackedGemm);
  return allowed;
}

std::string cpuDescription() {
  std::string line =
      std::string("CPU kernels ") + cpuVariantName(cpuVariant()) +
      (variantForced() ? " (forced by CHERRY_CPU_VARIANT)" : " (detected)");
  if (!detail::packedGemmRuns(/*transA=*/false))
    line += "; GEMMs OpenBLAS";
  else if (!detail::trainingHeadPacked())
    line += "; GEMMs packed (OpenBLAS for transposed a and the training head)";
  else
    line += "; GEMMs packed (OpenBLAS for transposed a)";
  if (!packedGemmAllowed())
    line += " (forced by CHERRY_GEMM)";
  std::string config = openblas_get_config();
  // "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY SkylakeX MAX_THREADS=64":
  // the name and version are its first two words.
  size_t end = config.find(' ');
  if (end != std::string::npos)
    end = config.find(' ', end + 1);
  line += "; " + config.substr(0, end) + " core " + openblas_get_corename();
  const char *forcedCore = std::getenv("OPENBLAS_CORETYPE");
  if (forcedCore && *forcedCore)
    line += " (forced by OPENBLAS_CORETYPE)";
  return line;
}

} // namespace cherry::runtime::cpu
