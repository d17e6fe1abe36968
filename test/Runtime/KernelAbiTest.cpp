//===- KernelAbiTest.cpp - The generated kernel FLOP counts ---------------===//
//
// abi::kernelFlops and visible_pairs (generated from the `flops` lines of
// runtime/abi/Kernels.abi) against counts done by brute force.
//
//===----------------------------------------------------------------------===//

#include "cherry/Runtime/KernelAbi.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <vector>

using namespace cherry::abi;

namespace {

/// The query-key pairs an attention scores, one query at a time.
double countPairs(int64_t queries, int64_t keys, int64_t offset, bool causal) {
  double pairs = 0;
  for (int64_t t = 0; t < queries; ++t)
    pairs += causal ? std::min(offset + t + 1, keys) : keys;
  return pairs;
}

TEST(KernelAbiTest, VisiblePairsCountsEveryQuery) {
  // Prefill (offset 0, queries = keys), a chunk at an offset, decoding (one
  // query at the end), a chunk whose last queries see every key, and the
  // unmasked case.
  struct Case {
    int64_t queries, keys, offset;
  };
  for (Case c : std::vector<Case>{{1, 1, 0},
                                  {19, 19, 0},
                                  {64, 64, 0},
                                  {7, 40, 20},
                                  {1, 512, 511},
                                  {10, 12, 5},
                                  {5, 3, 0}})
    for (int causal = 0; causal <= 1; ++causal)
      EXPECT_EQ(visible_pairs(c.queries, c.keys, c.offset, causal),
                countPairs(c.queries, c.keys, c.offset, causal))
          << c.queries << " queries, " << c.keys << " keys, offset " << c.offset
          << ", causal " << causal;
}

TEST(KernelAbiTest, KernelFlopsFollowTheAttributes) {
  const int64_t gemm[] = {3, 5, 7};
  EXPECT_EQ(kernelFlops(KernelId::linear, gemm), 2.0 * 3 * 5 * 7);
  EXPECT_EQ(kernelFlops(KernelId::linear_grad_weight, gemm), 2.0 * 3 * 5 * 7);
  const int64_t head[] = {11, 13, 17, -100};
  EXPECT_EQ(kernelFlops(KernelId::head_cross_entropy, head),
            2.0 * 11 * 13 * 17);
  EXPECT_EQ(kernelFlops(KernelId::head_cross_entropy_train, head),
            6.0 * 11 * 13 * 17);
  // attention: batch, q_len, kv_len, kv_batch_stride, heads, kv_heads,
  // head_dim, q_position_offset, causal.
  const int64_t attention[] = {2, 7, 40, 64, 6, 2, 8, 20, 1};
  EXPECT_EQ(kernelFlops(KernelId::attention, attention),
            4.0 * 2 * 6 * 8 * countPairs(7, 40, 20, true));
  // attention_grad: batch, seq, heads, kv_heads, head_dim, causal.
  const int64_t grad[] = {2, 19, 6, 2, 8, 0};
  EXPECT_EQ(kernelFlops(KernelId::attention_grad, grad),
            10.0 * 2 * 6 * 8 * 19 * 19);
  // Bandwidth-bound kernels count none.
  const int64_t n[] = {100};
  EXPECT_EQ(kernelFlops(KernelId::add, n), 0.0);
}

} // namespace
