#!/usr/bin/env python3
"""Writes N random token ids below VOCAB as flat little-endian uint16."""
import random
import struct
import sys

path, count, vocab = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
seed = int(sys.argv[4]) if len(sys.argv) > 4 else 0
rng = random.Random(seed)
with open(path, "wb") as f:
    f.write(struct.pack(f"<{count}H", *(rng.randrange(vocab) for _ in range(count))))
