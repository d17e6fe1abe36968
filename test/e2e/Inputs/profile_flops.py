#!/usr/bin/env python3
"""Checks the FLOPs CHERRY_PROFILE=1 reports for the products of a run of a
Llama model against a count from config.json alone.

Usage: profile_flops.py CONFIG {train|eval} BATCH SEQ CALLS PROFILE_STDERR

CALLS is the number of training steps (train) or evaluated batches (eval)
the profile counts (the runs after each function's first, or that one
alone).
The count is independent of the ABI's `flops` lines (runtime/abi/Kernels.abi)
and of the IR: per decoder layer the seven projections (2 N x weights each
way: forward, input gradient, weight gradient), causal attention (QK^T and
PV over the T (T + 1) / 2 visible pairs of each sequence and query head:
4 B H d pairs forward; the backward recomputes S and forms dP, dV, dK and
dQ: 10 B H d pairs), and the head (2 N V D forward; the fused training
head computes the logits once and forms dh and dW: 6 N V D). A multiply-add
is 2 FLOPs. The profile prints the total with %.0f, so the match is exact.
Exits 1 on a mismatch.
"""

import json
import re
import sys


def expected(cfg, mode, B, T):
    V, D, F = cfg["vocab_size"], cfg["hidden_size"], cfg["intermediate_size"]
    L, H, K = cfg["num_hidden_layers"], cfg["num_attention_heads"], cfg["num_key_value_heads"]
    d = D // H
    N = B * T
    weights = D * H * d + 2 * D * K * d + H * d * D + 3 * D * F
    pairs = B * H * T * (T + 1) // 2
    if mode == "train":
        layer = 3 * 2 * N * weights + (4 + 10) * d * pairs
        head = 6 * N * V * D
    else:
        layer = 2 * N * weights + 4 * d * pairs
        head = 2 * N * V * D
    return L * layer + head


def main():
    config, mode, B, T, calls, profile = sys.argv[1:7]
    cfg = json.load(open(config))
    want = expected(cfg, mode, int(B), int(T)) * int(calls)
    text = open(profile).read()
    m = re.search(r"products \(matrix products, attention, head\): (\d+) FLOP", text)
    if not m:
        sys.exit("profile_flops.py: no products line in the profile")
    got = int(m.group(1))
    # A training step's forward attention is attention_lse (it also keeps
    # the rows' log-sum-exp for the gradient).
    attention = "attention_lse" if mode == "train" else "attention"
    rates = re.findall(r"^\s+(linear|attention\w*)\s.* calls\s+[0-9.]+ GFLOP/s$", text, re.M)
    if got != want:
        sys.exit(f"profile_flops.py: the profile counts {got} FLOP, config.json gives {want}")
    if attention not in rates or "linear" not in rates:
        sys.exit(f"profile_flops.py: no GFLOP/s column for linear and {attention}")
    print(f"OK {mode}: {got} FLOP in the products, as config.json gives")


if __name__ == "__main__":
    main()
