#!/usr/bin/env python3
"""Writes the dense model a depth-compressed one must equal: a copy of a
Hugging Face directory (one F32 safetensors file) whose layers are replaced,
in sequence order, by the element-wise mean of their group of `group`
adjacent layers (layers 0,1 -> mean of 0,1; layers 2,3 -> mean of 2,3). The
standard library only, independent of CHERRY's safetensors code.

Usage: mean_layers.py MODEL_DIR OUT_DIR GROUP
"""
import json
import os
import re
import shutil
import struct
import sys

model, out, group = sys.argv[1], sys.argv[2], int(sys.argv[3])
os.makedirs(out, exist_ok=True)
shutil.copy(os.path.join(model, "config.json"), out)
with open(os.path.join(model, "model.safetensors"), "rb") as f:
    size = struct.unpack("<Q", f.read(8))[0]
    header = json.loads(f.read(size))
    data = f.read()

tensors = {}
for name, info in header.items():
    if name == "__metadata__":
        continue
    assert info["dtype"] == "F32", name
    b, e = info["data_offsets"]
    tensors[name] = (info["shape"], struct.unpack(f"<{(e - b) // 4}f", data[b:e]))

layer = re.compile(r"model\.layers\.(\d+)\.(.*)")
means = {}
for name, (shape, values) in tensors.items():
    m = layer.fullmatch(name)
    if not m:
        continue
    first = int(m.group(1)) // group * group
    sources = [tensors[f"model.layers.{j}.{m.group(2)}"][1]
               for j in range(first, first + group)]
    means[name] = [sum(v) / group for v in zip(*sources)]

blobs, offset, new_header = [], 0, {}
for name, (shape, values) in tensors.items():
    blob = struct.pack(f"<{len(values)}f", *means.get(name, values))
    new_header[name] = {"dtype": "F32", "shape": shape,
                        "data_offsets": [offset, offset + len(blob)]}
    offset += len(blob)
    blobs.append(blob)
text = json.dumps(new_header).encode()
text += b" " * (-len(text) % 8)
with open(os.path.join(out, "model.safetensors"), "wb") as f:
    f.write(struct.pack("<Q", len(text)))
    f.write(text)
    for blob in blobs:
        f.write(blob)
