#!/usr/bin/env python3
"""Compares two safetensors files (F32) tensor by tensor: the same names and
shapes, and every element within TOLERANCE of the other file's, relative to
the largest magnitude of its tensor (test/e2e/moee-expert-parallel.test).
Usage: same_weights.py A B TOLERANCE"""
import json
import struct
import sys


def read(path):
    data = open(path, "rb").read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if info["dtype"] != "F32":
            sys.exit(f"FAIL: {path}: tensor {name} is {info['dtype']}")
        b, e = info["data_offsets"]
        out[name] = (info["shape"],
                     struct.unpack(f"<{(e - b) // 4}f", data[8 + n + b:8 + n + e]))
    return out


a, b = read(sys.argv[1]), read(sys.argv[2])
tolerance = float(sys.argv[3])
if set(a) != set(b):
    sys.exit(f"FAIL: tensors differ: {sorted(set(a) ^ set(b))}")
worst = 0.0
for name in sorted(a):
    (sa, va), (sb, vb) = a[name], b[name]
    if sa != sb:
        sys.exit(f"FAIL: tensor {name} has shape {sb}, expected {sa}")
    scale = max(max(abs(x) for x in va), 1e-30)
    diff = max(abs(x - y) for x, y in zip(va, vb)) / scale
    worst = max(worst, diff)
    if diff > tolerance:
        sys.exit(f"FAIL: tensor {name} differs by {diff:.3g} of its largest "
                 f"magnitude, more than {tolerance}")
print(f"{len(a)} tensors: same shapes, within {tolerance} "
      f"(largest relative difference {worst:.3g})")
