#!/usr/bin/env python3
"""Compresses a 4-layer Hugging Face model to 2 shared layers run for 4
steps (--cherry-compress, sequence schedule), evaluates it with
`cherry-run eval --weights MODEL_DIR` (the runtime computes the merged
layers' means when weights load) and compares the loss with the
uncompressed executable evaluated on MEAN_DIR, the dense model whose layers
are the group means (mean_layers.py): the same arithmetic up to the float
rounding of the means.

Usage: compress_parity.py MODEL_DIR MEAN_DIR TOKENS.bin BATCH SEQ BATCHES
"""
import json
import os
import subprocess
import sys


def run(*args):
    result = subprocess.run(args, capture_output=True, text=True)
    if result.returncode:
        sys.exit(f"FAIL: {' '.join(args)}\n{result.stderr.strip()}")
    return result.stdout


def evaluate(model_mlir, weights, work, compress):
    infer = f"--cherry-infer=batch={batch} seq={seq} report=0"
    passes = ([f"--cherry-compress=group-size=2 steps=4"] if compress else []) + [infer]
    run("cherry-opt", model_mlir, *passes, "-o", f"{work}.mlir")
    run("cherry-translate", "--emit-executable", f"{work}.mlir", "-o", f"{work}.cherry")
    return json.loads(run("cherry-run", "eval", f"{work}.cherry", "--weights", weights,
                          "--data", tokens, "--batches", batches, "--json"))["loss"]


model, means, tokens, batch, seq, batches = sys.argv[1:7]
work = model.rstrip("/") + ".build"
os.makedirs(work, exist_ok=True)
run("cherry-translate", "--import-hf", model, "-o", f"{work}/model.mlir")
compressed = evaluate(f"{work}/model.mlir", model, f"{work}/compressed", True)
dense = evaluate(f"{work}/model.mlir", means, f"{work}/dense", False)
rel = abs(compressed - dense) / abs(dense)
print(f"compressed {compressed:.9g} dense group means {dense:.9g} relative difference {rel:.3g}")
if rel > 1e-5:
    sys.exit(f"FAIL: relative difference {rel:.3g} above 1e-5")
