#!/usr/bin/env python3
"""Checks multi-token-prediction training against the independent reference.

Usage: mtp_check.py MODEL_DIR TOKENS.bin BATCH SEQ HEADS WEIGHT [COORDS] [SEED]

Compiles MODEL_DIR (F32 weights, L layers) with --cherry-train mtp=HEADS
mtp-weight=WEIGHT optimizer=sgd and runs one `cherry-run train` step (lr 0.1,
no weight decay). At initialization every head k's layer is a copy of the last
layer, so with `cherry-reference-eval --shift k` (the loss against the targets
k positions further on, double precision, no shared code) the objective is
J = L_0 + (WEIGHT / HEADS) * sum_k L_k, all computed by the reference on the
dense model. Checks that the step's reported loss equals J (relative 1e-5:
float32 sums over a few hundred terms against double), then for COORDS
random weights that the gradient recovered from the checkpoint,
g = (before - after) / lr, equals a central finite difference: of J for
the trunk, final norm and unembedding (every head reads them), of L_0 for
the last layer (only the next-token head runs it), and of
(WEIGHT / HEADS) * L_k for head k's own copy model.mtp_heads.{k}.X
(perturbing model.layers.{L-1}.X, which it equals). Exits 1 on any mismatch.
"""
import json
import os
import random
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from grad_check import H, LR, read_safetensors, run, write_safetensors  # noqa: E402


def main():
    model, tokens, batch, seq, heads, weight = sys.argv[1:7]
    heads, weight = int(heads), float(weight)
    coords = int(sys.argv[7]) if len(sys.argv) > 7 else 24
    rng = random.Random(int(sys.argv[8]) if len(sys.argv) > 8 else 0)
    layers = json.load(open(f"{model}/config.json"))["num_hidden_layers"]
    last = f"model.layers.{layers - 1}."
    work = model.rstrip("/") + ".mtpcheck"
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    run("cherry-translate", "--import-hf", model, "-o", f"{work}/model.mlir")
    run("cherry-opt", f"{work}/model.mlir",
        f"--cherry-train=batch={batch} seq={seq} optimizer=sgd mtp={heads} "
        f"mtp-weight={weight} report=0", "-o", f"{work}/train.mlir")
    run("cherry-translate", "--emit-executable", f"{work}/train.mlir",
        "-o", f"{work}/train.cherry")
    out = run("cherry-run", "train", f"{work}/train.cherry", "--weights", model,
              "--data", tokens, "--steps", "1", "--lr", str(LR), "--weight-decay", "0",
              "--save", f"{work}/run", "--json")
    compiled = [json.loads(line) for line in out.splitlines() if '"step"' in line][0]["loss"]
    before = read_safetensors(f"{model}/model.safetensors")
    after = read_safetensors(f"{work}/run/checkpoint-1/model.safetensors")

    def losses(tensors, shifts):
        d = f"{work}/probe"
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        shutil.copy(f"{model}/config.json", d)
        write_safetensors(f"{d}/model.safetensors", tensors)
        return [float(run("cherry-reference-eval", "--model", d, "--data", tokens,
                          "--batch", batch, "--seq", seq, "--batches", "1",
                          *(["--shift", str(k)] if k else [])).split()[0])
                for k in shifts]

    def objective(tensors):
        ls = losses(tensors, range(heads + 1))
        return ls[0] + weight / heads * sum(ls[1:])

    want = objective(before)
    rel = abs(compiled - want) / abs(want)
    print(f"{'ok  ' if rel < 1e-5 else 'FAIL'} objective: compiled {compiled:.9g} "
          f"reference {want:.9g} (relative {rel:.1e})")
    failures = rel >= 1e-5

    names = sorted(after)
    worst = 0.0
    for _ in range(coords):
        name = rng.choice(names)
        if name.startswith("model.mtp_heads."):
            k = int(name.split(".")[2])
            probed = last + name.split(".", 3)[3]
            f = lambda t, k=k: weight / heads * losses(t, [k])[0]  # noqa: E731
            start = before[probed][1]
        else:
            probed = name
            f = (lambda t: losses(t, [0])[0]) if name.startswith(last) else objective
            start = before[name][1]
        i = rng.randrange(len(start))
        g = (start[i] - after[name][1][i]) / LR
        probe = {n: (s, list(v)) for n, (s, v) in before.items()}
        probe[probed][1][i] = start[i] + H
        plus = f(probe)
        probe[probed][1][i] = start[i] - H
        minus = f(probe)
        fd = (plus - minus) / (2 * H)
        err = abs(g - fd) / max(abs(fd), 1e-2)
        worst = max(worst, err)
        ok = err < 2e-3
        failures += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {name}[{i}]: compiled {g:+.6e} "
              f"finite difference {fd:+.6e} (relative {err:.1e})")
    print(f"objective and gradients: {'agree' if not failures else 'DISAGREE'}; worst "
          f"gradient relative difference {worst:.1e}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
