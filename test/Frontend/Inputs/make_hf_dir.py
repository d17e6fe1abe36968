#!/usr/bin/env python3
"""Writes a Hugging Face style Llama model directory for tests: config.json
and, optionally, random weights as safetensors (written here byte by byte,
independently of CHERRY's own safetensors library).

Usage:
    make_hf_dir.py OUT [--hidden 48 --heads 6 --kv-heads 2 --layers 2 ...]
                   [--set KEY=JSON ...] [--unset KEY ...]
                   [--weights F32|BF16|F16] [--shards N]
                   [--drop NAME] [--extra NAME] [--reshape NAME=D0xD1]
                   [--dtype-of NAME=BF16] [--truncate BYTES] [--overlap]

The default model has sizes that are not multiples of any vector width. A
config whose "cherry" section (--set) has a "recurrent" section also gets
the per-step tensors it implies (step norms, LoRA adapters).
"""

import argparse
import json
import os
import random
import struct


def llama_weights(cfg):
    V, D, F = cfg["vocab_size"], cfg["hidden_size"], cfg["intermediate_size"]
    H, K = cfg["num_attention_heads"], cfg["num_key_value_heads"]
    d = D // H
    out = [("model.embed_tokens.weight", [V, D])]
    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}."
        out += [
            (p + "self_attn.q_proj.weight", [H * d, D]),
            (p + "self_attn.k_proj.weight", [K * d, D]),
            (p + "self_attn.v_proj.weight", [K * d, D]),
            (p + "self_attn.o_proj.weight", [D, H * d]),
            (p + "mlp.gate_proj.weight", [F, D]),
            (p + "mlp.up_proj.weight", [F, D]),
            (p + "mlp.down_proj.weight", [D, F]),
            (p + "input_layernorm.weight", [D]),
            (p + "post_attention_layernorm.weight", [D]),
        ]
    out.append(("model.norm.weight", [D]))
    if not cfg["tie_word_embeddings"]:
        out.append(("lm_head.weight", [V, D]))
    return out + recurrent_weights(cfg)


def recurrent_weights(cfg):
    """The per-step tensors of a "cherry": {"recurrent": ...} section
    (docs/Formats.md): step norms, then LoRA A [r, in] and B [out, r]."""
    rec = (cfg.get("cherry") or {}).get("recurrent")
    if not isinstance(rec, dict):
        return []
    D, F = cfg["hidden_size"], cfg["intermediate_size"]
    H, K = cfg["num_attention_heads"], cfg["num_key_value_heads"]
    d = D // H
    shapes = {"q_proj": ("self_attn", [H * d, D]), "k_proj": ("self_attn", [K * d, D]),
              "v_proj": ("self_attn", [K * d, D]), "o_proj": ("self_attn", [D, H * d]),
              "gate_proj": ("mlp", [F, D]), "up_proj": ("mlp", [F, D]),
              "down_proj": ("mlp", [D, F])}
    rank = rec.get("lora_rank") or 0
    targets = rec.get("lora_targets") or list(shapes)
    out = []
    for s in range(rec["steps"]):
        p = f"model.recurrent.steps.{s}."
        if rec.get("step_norms"):
            out += [(p + "input_layernorm.weight", [D]),
                    (p + "post_attention_layernorm.weight", [D])]
        if rank:
            for name in shapes:
                if name in targets:
                    module, (rows, cols) = shapes[name]
                    out += [(p + f"{module}.{name}.lora_A.weight", [rank, cols]),
                            (p + f"{module}.{name}.lora_B.weight", [rows, rank])]
    return out


def encode(values, dtype):
    if dtype == "F32":
        return struct.pack(f"<{len(values)}f", *values)
    if dtype == "F16":
        return struct.pack(f"<{len(values)}e", *values)
    if dtype == "BF16":
        bits = struct.unpack(f"<{len(values)}I", struct.pack(f"<{len(values)}f", *values))
        return struct.pack(f"<{len(values)}H", *(b >> 16 for b in bits))
    raise ValueError(dtype)


ELEMENT_SIZE = {"F32": 4, "F16": 2, "BF16": 2}


def write_safetensors(path, tensors, overlap=False):
    """tensors: list of (name, dtype, shape, bytes)."""
    header, offset, blobs = {}, 0, []
    for name, dtype, shape, data in tensors:
        header[name] = {"dtype": dtype, "shape": shape,
                        "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    if overlap and len(tensors) >= 2:
        # Move the second tensor onto the first one's bytes.
        first, second = list(header)[:2]
        b0 = header[first]["data_offsets"][0]
        size = header[second]["data_offsets"][1] - header[second]["data_offsets"][0]
        header[second]["data_offsets"] = [b0, b0 + size]
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--vocab", type=int, default=61)
    ap.add_argument("--hidden", type=int, default=48)
    ap.add_argument("--intermediate", type=int, default=83)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--heads", type=int, default=6)
    ap.add_argument("--kv-heads", type=int, default=2)
    ap.add_argument("--tied", action="store_true")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=JSON")
    ap.add_argument("--unset", action="append", default=[], metavar="KEY")
    ap.add_argument("--weights", choices=["F32", "BF16", "F16"])
    ap.add_argument("--shards", type=int, default=1)
    ap.add_argument("--drop", action="append", default=[])
    ap.add_argument("--extra", action="append", default=[])
    ap.add_argument("--reshape", action="append", default=[], metavar="NAME=D0xD1")
    ap.add_argument("--dtype-of", action="append", default=[], metavar="NAME=DTYPE")
    ap.add_argument("--truncate", type=int, metavar="BYTES")
    ap.add_argument("--overlap", action="store_true")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--std", type=float, default=0.02,
                    help="standard deviation of the random weights (norm "
                         "weights are 1 plus such noise)")
    args = ap.parse_args()

    cfg = {
        "architectures": ["LlamaForCausalLM"],
        "model_type": "llama",
        "vocab_size": args.vocab,
        "hidden_size": args.hidden,
        "intermediate_size": args.intermediate,
        "num_hidden_layers": args.layers,
        "num_attention_heads": args.heads,
        "num_key_value_heads": args.kv_heads,
        "hidden_act": "silu",
        "rms_norm_eps": 1e-06,
        "rope_theta": 500000.0,
        "tie_word_embeddings": args.tied,
        "initializer_range": 0.02,
        "max_position_embeddings": 64,
        "cherry": {"batch": 2, "seq": 7},
    }
    if args.weights:
        cfg["torch_dtype"] = {"F32": "float32", "BF16": "bfloat16",
                              "F16": "float16"}[args.weights]
    for item in args.set:
        key, _, value = item.partition("=")
        cfg[key] = json.loads(value)
    for key in args.unset:
        cfg.pop(key, None)

    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
        f.write("\n")
    if not args.weights:
        return

    rng = random.Random(args.seed)
    dtype_of = dict(item.split("=") for item in args.dtype_of)
    reshape = {k: [int(d) for d in v.split("x")]
               for k, v in (item.split("=") for item in args.reshape)}
    names = llama_weights(cfg) + [(name, [3]) for name in args.extra]
    tensors = []
    for name, shape in names:
        if name in args.drop:
            continue
        shape = reshape.get(name, shape)
        dtype = dtype_of.get(name, args.weights)
        count = 1
        for dim in shape:
            count *= dim
        center = 1.0 if name.endswith("norm.weight") else 0.0
        values = [center + rng.gauss(0.0, args.std) for _ in range(count)]
        tensors.append((name, dtype, shape, encode(values, dtype)))

    if args.shards == 1:
        path = os.path.join(args.out, "model.safetensors")
        write_safetensors(path, tensors, overlap=args.overlap)
        if args.truncate is not None:
            with open(path, "r+b") as f:
                f.truncate(args.truncate)
        return
    weight_map = {}
    per_shard = (len(tensors) + args.shards - 1) // args.shards
    for s in range(args.shards):
        part = tensors[s * per_shard:(s + 1) * per_shard]
        file = f"model-{s + 1:05d}-of-{args.shards:05d}.safetensors"
        write_safetensors(os.path.join(args.out, file), part)
        for name, *_ in part:
            weight_map[name] = file
    with open(os.path.join(args.out, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": sum(len(t[3]) for t in tensors)},
                   "weight_map": weight_map}, f, indent=2)


if __name__ == "__main__":
    main()
