#!/usr/bin/env python3
"""Compiles a Hugging Face directory for evaluation, runs `cherry-run eval`
and the independent reference on the same tokens, and compares the losses.

Usage: eval_parity.py MODEL_DIR TOKENS.bin BATCH SEQ BATCHES [TOLERANCE]
The tools are found on PATH (lit puts the build's bin directory there).
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


model, tokens, batch, seq, batches = sys.argv[1:6]
tolerance = float(sys.argv[6]) if len(sys.argv) > 6 else 1e-4
work = model.rstrip("/") + ".build"
os.makedirs(work, exist_ok=True)
run("cherry-translate", "--import-hf", model, "-o", f"{work}/model.mlir")
run("cherry-opt", f"{work}/model.mlir", f"--cherry-infer=batch={batch} seq={seq} report=0",
    "-o", f"{work}/infer.mlir")
run("cherry-translate", "--emit-executable", f"{work}/infer.mlir", "-o", f"{work}/model.cherry")
ours = json.loads(run("cherry-run", "eval", f"{work}/model.cherry", "--weights", model,
                      "--data", tokens, "--batches", batches, "--json"))
reference = float(run("cherry-reference-eval", "--model", model, "--data", tokens,
                      "--batch", batch, "--seq", seq, "--batches", batches).split()[0])
rel = abs(ours["loss"] - reference) / abs(reference)
print(f"{os.path.basename(model)}: cherry-run {ours['loss']:.9g} reference {reference:.9g} "
      f"relative difference {rel:.3g}")
if rel > tolerance:
    sys.exit(f"FAIL: relative difference {rel:.3g} above {tolerance:g}")
