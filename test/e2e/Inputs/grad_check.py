#!/usr/bin/env python3
"""Whole-model gradient check of the compiled training step.

Usage: grad_check.py MODEL_DIR TOKENS.bin BATCH SEQ [COORDS] [SEED]

Compiles MODEL_DIR (F32 weights) with --cherry-train optimizer=sgd, runs one
`cherry-run train` step with lr 0.1 and no weight decay, and recovers the
gradient from the checkpoint: g = (before - after) / lr. For COORDS randomly
chosen weights across all tensors it compares g with a central finite
difference of the loss computed by the independent reference implementation
(`cherry-reference-eval`, double precision, no shared code), on the same
batch. Exits 1 when any coordinate disagrees.
"""
import json
import os
import random
import shutil
import struct
import subprocess
import sys

LR = 0.1
H = 1e-3


def run(*args):
    r = subprocess.run(args, capture_output=True, text=True)
    if r.returncode:
        sys.exit(f"FAIL: {' '.join(args)}\n{r.stderr.strip()}")
    return r.stdout


def read_safetensors(path):
    data = open(path, "rb").read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    body = data[8 + n:]
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        assert info["dtype"] == "F32", f"{name}: {info['dtype']}"
        b, e = info["data_offsets"]
        tensors[name] = (info["shape"], list(struct.unpack(f"<{(e - b) // 4}f", body[b:e])))
    return tensors


def write_safetensors(path, tensors):
    header, offset, blobs = {}, 0, []
    for name in sorted(tensors):
        shape, values = tensors[name]
        blob = struct.pack(f"<{len(values)}f", *values)
        header[name] = {"dtype": "F32", "shape": shape,
                        "data_offsets": [offset, offset + len(blob)]}
        offset += len(blob)
        blobs.append(blob)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def main():
    model, tokens, batch, seq = sys.argv[1:5]
    coords = int(sys.argv[5]) if len(sys.argv) > 5 else 24
    rng = random.Random(int(sys.argv[6]) if len(sys.argv) > 6 else 0)
    work = model.rstrip("/") + ".gradcheck"
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    run("cherry-translate", "--import-hf", model, "-o", f"{work}/model.mlir")
    run("cherry-opt", f"{work}/model.mlir",
        f"--cherry-train=batch={batch} seq={seq} optimizer=sgd report=0",
        "-o", f"{work}/train.mlir")
    run("cherry-translate", "--emit-executable", f"{work}/train.mlir",
        "-o", f"{work}/train.cherry")
    run("cherry-run", "train", f"{work}/train.cherry", "--weights", model,
        "--data", tokens, "--steps", "1", "--lr", str(LR), "--weight-decay", "0",
        "--save", f"{work}/run", "--json")
    before = read_safetensors(f"{model}/model.safetensors")
    after = read_safetensors(f"{work}/run/checkpoint-1/model.safetensors")

    def loss(tensors):
        d = f"{work}/probe"
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        shutil.copy(f"{model}/config.json", d)
        write_safetensors(f"{d}/model.safetensors", tensors)
        return float(run("cherry-reference-eval", "--model", d, "--data", tokens,
                         "--batch", batch, "--seq", seq, "--batches", "1").split()[0])

    names = sorted(before)
    failures, worst = 0, 0.0
    for _ in range(coords):
        name = rng.choice(names)
        shape, values = before[name]
        i = rng.randrange(len(values))
        g = (values[i] - after[name][1][i]) / LR
        probe = {n: (s, list(v)) for n, (s, v) in before.items()}
        probe[name][1][i] = values[i] + H
        plus = loss(probe)
        probe[name][1][i] = values[i] - H
        minus = loss(probe)
        fd = (plus - minus) / (2 * H)
        err = abs(g - fd) / max(abs(fd), 1e-2)
        worst = max(worst, err)
        ok = err < 2e-3
        failures += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {name}[{i}]: compiled {g:+.6e} "
              f"finite difference {fd:+.6e} (relative {err:.1e})")
    print(f"{coords - failures}/{coords} coordinates agree; worst relative "
          f"difference {worst:.1e}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
