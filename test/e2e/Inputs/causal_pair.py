#!/usr/bin/env python3
"""A causality probe for evaluation: from a uint16 token file read as rows of
SEQ positions (row r is tokens [r*SEQ, r*SEQ + SEQ], its targets shifted by
one), writes
  OUT.bin   the same tokens, but every row's tokens after position T + 1
            replaced (so the ids and targets of positions 0..T are unchanged
            and those of every later position differ), and
  OUT.mask  a mask marking positions 0..T of every row (one byte per token,
            the byte of each position's target, as cherry-run --sgt-mask
            reads it).
A causal model's losses at positions 0..T are then the same on both files.
Usage: causal_pair.py TOKENS.bin SEQ T VOCAB OUT"""
import struct
import sys

path, seq, t, vocab, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
data = open(path, "rb").read()
tokens = list(struct.unpack(f"<{len(data) // 2}H", data))
perturbed = list(tokens)
mask = bytearray(len(tokens))
for start in range(0, len(tokens) - seq, seq):
    for i in range(start + t + 2, start + seq):  # start + seq is the next row's first id
        perturbed[i] = (tokens[i] + 1 + i % (vocab - 1)) % vocab
    for i in range(start + 1, start + t + 2):
        mask[i] = 1
open(out + ".bin", "wb").write(struct.pack(f"<{len(perturbed)}H", *perturbed))
open(out + ".mask", "wb").write(bytes(mask))
