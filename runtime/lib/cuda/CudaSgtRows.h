//===- CudaSgtRows.h - Selective training's selections, row by row -*- C++ -*-//
//
// The selections of runtime/lib/Sgt.cpp (the CPU's) written once for one row
// on plain arrays, compiled for the host and the device: the CUDA kernels
// (CudaSgt.cu) run one row per thread, and a host test
// (test/Cuda/CudaSgtRowsTest.cpp) checks every function here against the
// CPU's on this machine, GPU or not. Random streams are std::mt19937_64's
// (specified exactly by the standard) seeded as Sgt.cpp seeds them.
//
//===----------------------------------------------------------------------===//

#ifndef CHERRY_RUNTIME_LIB_CUDA_CUDASGTROWS_H
#define CHERRY_RUNTIME_LIB_CUDA_CUDASGTROWS_H

#include <cstdint>

#ifdef __CUDACC__
#define CHERRY_HD __host__ __device__
#else
#define CHERRY_HD
#endif

namespace cherry::runtime::cuda::sgtrows {

/// std::mt19937_64.
struct Mt64 {
  static constexpr int kN = 312, kM = 156;
  uint64_t state[kN];
  int index;

  CHERRY_HD void seed(uint64_t value) {
    state[0] = value;
    for (int i = 1; i < kN; ++i)
      state[i] =
          6364136223846793005ull * (state[i - 1] ^ (state[i - 1] >> 62)) +
          static_cast<uint64_t>(i);
    index = kN;
  }

  CHERRY_HD uint64_t next() {
    if (index >= kN) {
      constexpr uint64_t upper = ~uint64_t(0) << 31, lower = ~upper;
      for (int i = 0; i < kN; ++i) {
        const uint64_t x = (state[i] & upper) | (state[(i + 1) % kN] & lower);
        uint64_t xa = x >> 1;
        if (x & 1)
          xa ^= 0xB5026F5AA96619E9ull;
        state[i] = state[(i + kM) % kN] ^ xa;
      }
      index = 0;
    }
    uint64_t y = state[index++];
    y ^= (y >> 29) & 0x5555555555555555ull;
    y ^= (y << 17) & 0x71D67FFFEDA60000ull;
    y ^= (y << 37) & 0xFFF7EEE000000000ull;
    y ^= y >> 43;
    return y;
  }
};

/// Sgt.cpp's rowStream: the generator of row `row` at `step`.
CHERRY_HD inline void rowStream(Mt64 &rng, uint64_t seed, uint64_t step,
                                int64_t row) {
  rng.seed(seed * 0x9E3779B97F4A7C15ull ^ (step + 1) * 0xBF58476D1CE4E5B9ull ^
           static_cast<uint64_t>(row + 1) * 0x94D049BB133111EBull);
}

/// Sgt.cpp's partialShuffle: the first k entries become a uniform k-subset.
CHERRY_HD inline void partialShuffle(Mt64 &rng, int32_t *order, int64_t n,
                                     int64_t k) {
  for (int64_t j = 0; j < k && j < n; ++j) {
    const uint64_t r = rng.next() % static_cast<uint64_t>(n - j);
    const int32_t t = order[j];
    order[j] = order[j + static_cast<int64_t>(r)];
    order[j + static_cast<int64_t>(r)] = t;
  }
}

CHERRY_HD inline double unitUniform(Mt64 &rng) {
  return static_cast<double>(rng.next() >> 11) * 0x1.0p-53;
}

/// Sorts a[0, n) stably by `less` (a bottom-up merge sort through
/// tmp[0, n)).
template <class Less>
CHERRY_HD void stableSort(int32_t *a, int32_t *tmp, int64_t n, Less less) {
  for (int64_t width = 1; width < n; width *= 2) {
    for (int64_t lo = 0; lo < n; lo += 2 * width) {
      const int64_t mid = lo + width < n ? lo + width : n;
      const int64_t hi = lo + 2 * width < n ? lo + 2 * width : n;
      int64_t i = lo, j = mid, o = lo;
      while (i < mid && j < hi)
        tmp[o++] = less(a[j], a[i]) ? a[j++] : a[i++];
      while (i < mid)
        tmp[o++] = a[i++];
      while (j < hi)
        tmp[o++] = a[j++];
    }
    for (int64_t i = 0; i < n; ++i)
      a[i] = tmp[i];
  }
}

struct Ascending {
  CHERRY_HD bool operator()(int32_t x, int32_t y) const { return x < y; }
};

/// Position x before y when its key is larger.
struct ByKey {
  const float *keys;
  CHERRY_HD bool operator()(int32_t x, int32_t y) const {
    return keys[x] > keys[y];
  }
};

struct ByScore {
  const double *s;
  CHERRY_HD bool operator()(int32_t x, int32_t y) const { return s[x] > s[y]; }
};

/// selectRandom for one row: k distinct positions, ascending.
/// Scratch: order[seq], tmp[k].
CHERRY_HD inline void selectRandomRow(uint64_t seed, uint64_t step, int64_t row,
                                      int64_t seq, int64_t k, int32_t *order,
                                      int32_t *tmp, int32_t *positions,
                                      Mt64 &rng) {
  rowStream(rng, seed, step, row);
  for (int64_t t = 0; t < seq; ++t)
    order[t] = static_cast<int32_t>(t);
  partialShuffle(rng, order, seq, k);
  stableSort(order, tmp, k, Ascending());
  for (int64_t j = 0; j < k; ++j)
    positions[j] = order[j];
}

/// The k positions of the highest keys, ties to the earlier position,
/// ascending (selectByScore and selectLossTopk: a stable sort by key
/// descending, its first k, sorted). Scratch: order[seq], tmp[seq].
CHERRY_HD inline void selectTopRow(const float *keys, int64_t seq, int64_t k,
                                   int32_t *order, int32_t *tmp,
                                   int32_t *positions) {
  for (int64_t t = 0; t < seq; ++t)
    order[t] = static_cast<int32_t>(t);
  stableSort(order, tmp, seq, ByKey{keys});
  stableSort(order, tmp, k, Ascending());
  for (int64_t j = 0; j < k; ++j)
    positions[j] = order[j];
}

/// Sgt.cpp's inclusionProbabilities: pi proportional to the scores, capped
/// at 1, summing to k. Scratch: s[seq] (double), order[seq], tmp[seq]. The
/// CPU sorts with std::sort (unstable); this sort is stable, so positions of
/// equal scores may trade places in `order`, which changes pi only where
/// two equal scores straddle the cap.
CHERRY_HD inline void inclusionProbabilities(const float *rowScores,
                                             int64_t seq, int64_t k, double *s,
                                             int32_t *order, int32_t *tmp,
                                             double *pi) {
  double top = 0;
  for (int64_t t = 0; t < seq; ++t)
    top = top > static_cast<double>(rowScores[t])
              ? top
              : static_cast<double>(rowScores[t]);
  const double floor = top > 0 ? top * 1e-6 : 1.0;
  for (int64_t t = 0; t < seq; ++t) {
    const double v = rowScores[t];
    s[t] = v > floor ? v : floor;
  }
  for (int64_t t = 0; t < seq; ++t)
    order[t] = static_cast<int32_t>(t);
  stableSort(order, tmp, seq, ByScore{s});
  double rest = 0;
  for (int64_t t = 0; t < seq; ++t)
    rest += s[t];
  int64_t capped = 0;
  while (capped < k && (k - capped) * s[order[capped]] >= rest) {
    rest -= s[order[capped]];
    ++capped;
  }
  const double c = capped < k ? (k - capped) / rest : 0.0;
  for (int64_t i = 0; i < seq; ++i) {
    const double v = c * s[order[i]];
    pi[order[i]] = i < capped ? 1.0 : (v < 1.0 ? v : 1.0);
  }
}

/// selectSurprisal for one row, its scores already gathered (rowScores[t]
/// = scores[target t]). Scratch: s, pi (double[seq]), order, tmp
/// (int32[seq]), taken (char[seq]).
CHERRY_HD inline void
selectSurprisalRow(const float *rowScores, uint64_t seed, uint64_t step,
                   int64_t row, int64_t batch, int64_t seq, int64_t k,
                   double *s, double *pi, int32_t *order, int32_t *tmp,
                   char *taken, int32_t *positions, float *weights, Mt64 &rng) {
  inclusionProbabilities(rowScores, seq, k, s, order, tmp, pi);
  rowStream(rng, seed, step, row);
  for (int64_t t = 0; t < seq; ++t)
    order[t] = static_cast<int32_t>(t);
  partialShuffle(rng, order, seq, seq);
  for (int64_t t = 0; t < seq; ++t)
    taken[t] = 0;
  double point = unitUniform(rng), cumulative = 0;
  int64_t count = 0;
  for (int64_t i = 0; i < seq && count < k; ++i) {
    cumulative += pi[order[i]];
    if (cumulative > point) {
      taken[order[i]] = 1;
      ++count;
      point += 1.0;
    }
  }
  for (int64_t i = 0; count < k && i < seq; ++i) {
    int64_t best = -1;
    for (int64_t t = 0; t < seq; ++t)
      if (!taken[t] && (best < 0 || pi[t] > pi[best]))
        best = t;
    taken[best] = 1;
    ++count;
  }
  int64_t j = 0;
  for (int64_t t = 0; t < seq; ++t)
    if (taken[t]) {
      positions[j] = static_cast<int32_t>(t);
      weights[j] =
          static_cast<float>(1.0 / (static_cast<double>(batch * seq) * pi[t]));
      ++j;
    }
}

/// selectMask for one row (`total`: the marked positions of the batch).
/// Scratch: marked[seq], tmp[k].
CHERRY_HD inline void selectMaskRow(const int32_t *mask, uint64_t seed,
                                    uint64_t step, int64_t row, int64_t seq,
                                    int64_t k, int64_t total, int32_t *marked,
                                    int32_t *tmp, int32_t *positions,
                                    float *weights, Mt64 &rng) {
  int64_t m = 0;
  for (int64_t t = 0; t < seq; ++t)
    if (mask[t])
      marked[m++] = static_cast<int32_t>(t);
  const int64_t n = m < k ? m : k;
  if (m > k) {
    rowStream(rng, seed, step, row);
    partialShuffle(rng, marked, m, k);
    stableSort(marked, tmp, k, Ascending());
  }
  const float w =
      n ? static_cast<float>(static_cast<double>(m) / n / total) : 0.0f;
  for (int64_t j = 0; j < k; ++j) {
    positions[j] = j < n ? marked[j] : 0;
    weights[j] = j < n ? w : 0.0f;
  }
}

} // namespace cherry::runtime::cuda::sgtrows

#undef CHERRY_HD

#endif // CHERRY_RUNTIME_LIB_CUDA_CUDASGTROWS_H
