#!/usr/bin/env python3
"""Checks a `cherry-run export` directory against the recurrent checkpoint
it was written from, independently of CHERRY's code (standard library only):

- config.json is the checkpoint's without "cherry", num_hidden_layers = steps;
- model.layers.{s}.<proj>.weight is shared layer schedule[s]'s, or with LoRA
  the float32 rounding of W + (alpha / r) * sum_k B[o, k] * A[k, i] summed in
  double: equal, or 1 ulp off (a compiler may fuse a multiply-add of the
  double sum, which can move a value across a float rounding boundary);
- the norms are the step's own gains (step_norms) or the shared ones;
- embeddings, final norm and lm_head are the checkpoint's, bit for bit.

Prints one line: how many tensors matched and how many merged elements were
1 ulp off. Exits 1 on any other difference.

Usage: check_export.py CHECKPOINT_DIR EXPORT_DIR
"""
import json
import os
import struct
import sys


def read(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        assert info["dtype"] == "F32", (path, name, info["dtype"])
        b, e = info["data_offsets"]
        out[name] = (info["shape"], struct.unpack(f"<{(e - b) // 4}f", data[b:e]))
    return out


def bits(x):
    return struct.unpack("<i", struct.pack("<f", x))[0]


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


ckpt, export = sys.argv[1:3]
config = json.load(open(os.path.join(ckpt, "config.json")))
rec = config["cherry"]["recurrent"]
exported_config = json.load(open(os.path.join(export, "config.json")))
expected_config = {k: v for k, v in config.items() if k != "cherry"}
expected_config["num_hidden_layers"] = rec["steps"]
for key in ("torch_dtype", "dtype"):
    if key in expected_config:
        expected_config[key] = "float32"
if exported_config != expected_config:
    sys.exit(f"FAIL: config.json {exported_config} != {expected_config}")

src = read(os.path.join(ckpt, "model.safetensors"))
dst = read(os.path.join(export, "model.safetensors"))
rank = rec.get("lora_rank") or 0
scale = rec["lora_alpha"] / rank if rank else 0.0
targets = rec.get("lora_targets") or ["q_proj", "k_proj", "v_proj", "o_proj",
                                      "gate_proj", "up_proj", "down_proj"]
modules = {"q_proj": "self_attn", "k_proj": "self_attn", "v_proj": "self_attn",
           "o_proj": "self_attn", "gate_proj": "mlp", "up_proj": "mlp",
           "down_proj": "mlp"}
expected = {}
merged = {}
for s, layer in enumerate(rec["schedule"]):
    shared, own, dense = f"model.layers.{layer}.", f"model.recurrent.steps.{s}.", f"model.layers.{s}."
    for proj, module in modules.items():
        name = f"{module}.{proj}.weight"
        if rank and proj in targets:
            merged[dense + name] = (shared + name, own + f"{module}.{proj}")
        else:
            expected[dense + name] = shared + name
    for norm in ("input_layernorm.weight", "post_attention_layernorm.weight"):
        expected[dense + norm] = (own if rec.get("step_norms") else shared) + norm
for name in ("model.embed_tokens.weight", "model.norm.weight", "lm_head.weight"):
    if name in src:
        expected[name] = name

if set(dst) != set(expected) | set(merged):
    sys.exit(f"FAIL: tensors {sorted(set(dst) ^ (set(expected) | set(merged)))} differ")
for name, source in expected.items():
    if dst[name] != src[source]:
        sys.exit(f"FAIL: {name} is not {source}")
ulp_off = 0
for name, (weight, adapter) in merged.items():
    (rows, cols), w = src[weight]
    _, a = src[adapter + ".lora_A.weight"]
    _, b = src[adapter + ".lora_B.weight"]
    shape, got = dst[name]
    if shape != [rows, cols]:
        sys.exit(f"FAIL: {name} has shape {shape}")
    for o in range(rows):
        for i in range(cols):
            acc = 0.0
            for k in range(rank):
                acc += b[o * rank + k] * a[k * cols + i]
            want = f32(w[o * cols + i] + scale * acc)
            diff = abs(bits(want) - bits(got[o * cols + i]))
            if diff > 1:
                sys.exit(f"FAIL: {name}[{o}, {i}] = {got[o * cols + i]!r}, expected {want!r}")
            ulp_off += diff
print(f"{len(expected)} tensors copied exactly, {len(merged)} merged "
      f"({ulp_off} elements 1 ulp off)")
