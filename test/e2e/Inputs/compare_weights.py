#!/usr/bin/env python3
"""Compares the weights of two safetensors files (F32) trained from the same
start: the largest relative difference of the weights, and of the updates
(after - start). Usage: compare_weights.py START OURS REFERENCE [TOLERANCE]
Exits 1 when the weights differ by more than TOLERANCE (default 1e-3)."""
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
        b, e = info["data_offsets"]
        out[name] = struct.unpack(f"<{(e - b) // 4}f", data[8 + n + b:8 + n + e])
    return out


start, ours, ref = (read(p) for p in sys.argv[1:4])
tolerance = float(sys.argv[4]) if len(sys.argv) > 4 else 1e-3
if set(ours) != set(ref):
    sys.exit(f"FAIL: tensors differ: {sorted(set(ours) ^ set(ref))}")
worst_w = worst_u = 0.0
for name in sorted(ref):
    w = max(abs(a - b) for a, b in zip(ours[name], ref[name])) / max(abs(b) for b in ref[name])
    du = [b - s for b, s in zip(ref[name], start[name])]
    u = max(abs((a - s) - d) for a, s, d in zip(ours[name], start[name], du)) / max(max(abs(d) for d in du), 1e-30)
    worst_w, worst_u = max(worst_w, w), max(worst_u, u)
print(f"{len(ref)} tensors: weights agree to {worst_w:.1e}, updates to {worst_u:.1e} (relative)")
sys.exit(0 if worst_w <= tolerance else 1)
