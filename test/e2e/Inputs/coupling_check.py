#!/usr/bin/env python3
"""Checks cherry-run train --coupling-every against an independent route.

Usage: coupling_check.py MODEL_DIR TOKENS.bin BATCH SEQ RATIO

The coupling cherry-run reports at step 1 comes from its grad_step
function (the gradient of a loss weighted per position at run time). Here
the same two gradients come from the training steps instead, recovered from
one SGD step each (lr 1, no decay: g = before - after):
  g_S   from --cherry-train with sgt=uniform (the mean over the selected),
  g_all from --cherry-train without selection (the mean over all N),
and g_U = (N g_all - K g_S) / (N - K), the mean over the other positions.
Their cosine, overall and per decoder layer, must match what cherry-run
printed. Exits 1 on a mismatch.
"""
import json
import math
import os
import re
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from grad_check import read_safetensors, run  # noqa: E402


def main():
    model, tokens, batch, seq, ratio = sys.argv[1:6]
    b, t = int(batch), int(seq)
    k = max(1, min(t, round(float(ratio) * t)))
    work = model.rstrip("/") + ".coupling"
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    run("cherry-translate", "--import-hf", model, "-o", f"{work}/model.mlir")
    grads = {}
    for tag, sgt in (("sel", f" sgt=uniform sgt-ratio={ratio}"), ("all", "")):
        run("cherry-opt", f"{work}/model.mlir",
            f"--cherry-train=batch={batch} seq={seq} optimizer=sgd report=0{sgt}",
            "-o", f"{work}/{tag}.mlir")
        run("cherry-translate", "--emit-executable", f"{work}/{tag}.mlir",
            "-o", f"{work}/{tag}.cherry")
        extra = ["--coupling-every", "1"] if tag == "sel" else []
        out = run("cherry-run", "train", f"{work}/{tag}.cherry", "--weights",
                  model, "--data", tokens, "--steps", "1", "--lr", "1",
                  "--weight-decay", "0", "--save", f"{work}/{tag}", "--json",
                  *extra)
        if tag == "sel":
            reported = json.loads(out.splitlines()[0])
        before = read_safetensors(f"{model}/model.safetensors")
        after = read_safetensors(f"{work}/{tag}/checkpoint-1/model.safetensors")
        grads[tag] = {n: [x - y for x, y in zip(v, after[n][1])]
                      for n, (_, v) in before.items()}

    n_all, n_sel = b * t, b * k
    groups = {"overall": None}
    sums = {}
    for name, gs in grads["sel"].items():
        ga = grads["all"][name]
        gu = [(n_all * a - n_sel * s) / (n_all - n_sel) for a, s in zip(ga, gs)]
        m = re.match(r"model\.layers\.(\d+)\.", name)
        for key in ["overall"] + ([f"layer{m.group(1)}"] if m else []):
            acc = sums.setdefault(key, [0.0, 0.0, 0.0])
            acc[0] += sum(x * y for x, y in zip(gs, gu))
            acc[1] += sum(x * x for x in gs)
            acc[2] += sum(y * y for y in gu)
    failures = 0
    for key in sorted(sums):
        d, ns, nu = sums[key]
        want = d / math.sqrt(ns * nu)
        got = reported["coupling" if key == "overall" else f"coupling_{key}"]
        ok = abs(got - want) < 2e-3
        failures += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {key}: cherry-run {got:+.5f}, "
              f"from the training steps {want:+.5f}")
    print(f"{len(sums) - failures}/{len(sums)} coupling coefficients agree")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
