#!/usr/bin/env python3
"""Writes N token ids below VOCAB as flat little-endian uint16: a random
sequence of a few fixed random phrases (4 to 8 tokens each), so that a tiny
model learns to predict several tokens ahead inside a phrase.

Usage: make_phrase_tokens.py OUT.bin N VOCAB SEED
"""
import random
import struct
import sys

path, count, vocab, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rng = random.Random(seed)
phrases = [[rng.randrange(vocab) for _ in range(rng.randrange(4, 9))] for _ in range(6)]
tokens = []
while len(tokens) < count:
    tokens += rng.choice(phrases)
with open(path, "wb") as f:
    f.write(struct.pack(f"<{count}H", *tokens[:count]))
