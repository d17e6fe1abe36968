#!/usr/bin/env python3
"""Sets element 0 of one F32 tensor of a safetensors file in place.

Usage: corrupt_tensor.py FILE.safetensors TENSOR VALUE   (VALUE: a float,
nan or inf). Fails when the tensor is missing or not F32.
"""
import json
import struct
import sys

path, name, value = sys.argv[1], sys.argv[2], float(sys.argv[3])
with open(path, "r+b") as f:
    (size,) = struct.unpack("<Q", f.read(8))
    header = json.loads(f.read(size))
    if name not in header:
        sys.exit(f"{path}: no tensor {name!r}")
    if header[name]["dtype"] != "F32":
        sys.exit(f"{path}: tensor {name!r} is not F32")
    f.seek(8 + size + header[name]["data_offsets"][0])
    f.write(struct.pack("<f", value))
