#!/usr/bin/env python3
"""Checks a fused Mixture of Efficient Experts against the independent reference.

Usage: moee_check.py TOKENS.bin BATCH SEQ FUSE_OPTIONS COORDS SEED MODEL_DIR...

Fuses the models (F32 weights, one architecture; imported with
cherry-translate --import-hf) with --cherry-moee-fuse="FUSE_OPTIONS" and
compiles it for training (optimizer=sgd) and evaluation. Then:
- `cherry-run train --steps 0` with one --weights per model writes the
  fused model's initial checkpoint (stacked experts, averaged shared
  weights, the router's random start): checkpoint-0.
- Forward: the evaluation loss of the fused executable (from the sources)
  equals `cherry-reference-eval` on checkpoint-0 (the reference's routed MLP,
  double precision, no shared code) within 1e-5 relative (float32 sums of a
  few hundred terms against double); the same model recompiled with
  weights=fused and loaded from checkpoint-0 gives the same loss, bit for
  bit (the same values through the same kernels).
- Metrics: the step's router_loss equals the reference's objective minus
  its task loss; the expert loads sum to 1.
- Gradients: one SGD step (lr 0.1, no decay) from the sources; for COORDS
  random weights of the checkpoint (experts, routers, shared weights) the
  gradient g = (before - after) / lr equals a central finite difference of
  the reference's training objective (`--objective`: the task loss plus the
  routers' balance and z-losses), relative 2e-3 as in grad_check.py. A
  perturbation that flips a token's choice of experts would make the
  difference meaningless; with h = 1e-3 and logits far apart that does not
  happen for the seeds used (the check would fail loudly if it did).
Exits 1 on any mismatch.
"""
import json
import os
import random
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from grad_check import H, LR, read_safetensors, run, write_safetensors  # noqa: E402


def config_experts(directory):
    return json.load(open(f"{directory}/config.json"))["cherry"]["moee"]["experts"]


def main():
    tokens, batch, seq, options, coords, seed = sys.argv[1:7]
    models = sys.argv[7:]
    coords, rng = int(coords), random.Random(int(seed))
    work = models[0].rstrip("/") + ".moeecheck"
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    weights = [a for m in models for a in ("--weights", m)]
    run("cherry-translate", "--import-hf", models[0], "-o", f"{work}/model.mlir")
    for mode in ("sources", "fused"):
        run("cherry-opt", f"{work}/model.mlir",
            f"--cherry-moee-fuse={options} weights={mode}", "-o", f"{work}/{mode}.mlir")
        run("cherry-opt", f"{work}/{mode}.mlir",
            f"--cherry-infer=batch={batch} seq={seq} report=0", "-o", f"{work}/{mode}.eval.mlir")
        run("cherry-translate", "--emit-executable", f"{work}/{mode}.eval.mlir",
            "-o", f"{work}/{mode}.eval.cherry")
    run("cherry-opt", f"{work}/sources.mlir",
        f"--cherry-train=batch={batch} seq={seq} optimizer=sgd report=0",
        "-o", f"{work}/train.mlir")
    run("cherry-translate", "--emit-executable", f"{work}/train.mlir", "-o", f"{work}/train.cherry")
    train = ["cherry-run", "train", f"{work}/train.cherry", *weights, "--data", tokens,
             "--lr", str(LR), "--weight-decay", "0", "--json"]
    run(*train, "--steps", "0", "--save", f"{work}/start")
    start = f"{work}/start/checkpoint-0"
    out = run(*train, "--steps", "1", "--save", f"{work}/run")
    step1 = [json.loads(line) for line in out.splitlines() if '"step"' in line][0]
    compiled_train = step1["loss"]

    def evaluate(exe, *weights):
        out = run("cherry-run", "eval", exe, *weights, "--data", tokens, "--batches", "1", "--json")
        return json.loads(out)["loss"]

    def reference(directory, objective=False):
        return float(run("cherry-reference-eval", "--model", directory, "--data", tokens,
                         "--batch", batch, "--seq", seq, "--batches", "1",
                         *(["--objective"] if objective else [])).split()[0])

    failures = 0
    want = reference(start)
    got = evaluate(f"{work}/sources.eval.cherry", *weights)
    rel = abs(got - want) / abs(want)
    ok = rel < 1e-5
    failures += not ok
    print(f"{'ok  ' if ok else 'FAIL'} eval loss: compiled {got:.9g} reference {want:.9g} "
          f"(relative {rel:.1e})")
    rel = abs(compiled_train - want) / abs(want)
    ok = rel < 1e-5
    failures += not ok
    print(f"{'ok  ' if ok else 'FAIL'} train step loss (the task loss): {compiled_train:.9g} "
          f"(relative {rel:.1e})")
    # The step's metrics: the routers' losses (the objective minus the task
    # loss, in double by the reference; float32 sums of a few terms against
    # it: 1e-6 absolute) and expert loads that sum to 1.
    router = reference(start, objective=True) - want
    got_router = step1.get("router_loss", 0.0)
    ok = abs(got_router - router) <= 1e-6 + 1e-4 * abs(router)
    failures += not ok
    print(f"{'ok  ' if ok else 'FAIL'} router_loss: compiled {got_router:.9g} reference "
          f"{router:.9g}")
    loads = [v for k, v in sorted(step1.items()) if k.startswith("expert_load_")]
    ok = len(loads) == config_experts(start) and abs(sum(loads) - 1) < 1e-12
    failures += not ok
    print(f"{'ok  ' if ok else 'FAIL'} expert loads {' '.join(f'{v:.3f}' for v in loads)}")
    fused = evaluate(f"{work}/fused.eval.cherry", "--weights", start)
    ok = fused == got
    failures += not ok
    print(f"{'ok  ' if ok else 'FAIL'} weights=fused from checkpoint-0: {fused!r} "
          f"{'==' if ok else '!='} {got!r}")

    before = read_safetensors(f"{start}/model.safetensors")
    after = read_safetensors(f"{work}/run/checkpoint-1/model.safetensors")
    config = json.load(open(f"{start}/config.json"))

    def objective(tensors):
        d = f"{work}/probe"
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        json.dump(config, open(f"{d}/config.json", "w"))
        write_safetensors(f"{d}/model.safetensors", tensors)
        return reference(d, objective=True)

    names = sorted(before)
    # Every kind of weight gets probed: experts and routers first.
    kinds = [n for n in names if ".mlp.experts." in n] + [n for n in names if ".mlp.router." in n]
    worst = 0.0
    for c in range(coords):
        name = kinds[c] if c < len(kinds) else rng.choice(names)
        shape, values = before[name]
        i = rng.randrange(len(values))
        g = (values[i] - after[name][1][i]) / LR
        probe = {n: (s, list(v)) for n, (s, v) in before.items()}
        probe[name][1][i] = values[i] + H
        plus = objective(probe)
        probe[name][1][i] = values[i] - H
        minus = objective(probe)
        fd = (plus - minus) / (2 * H)
        err = abs(g - fd) / max(abs(fd), 1e-2)
        worst = max(worst, err)
        ok = err < 2e-3
        failures += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {name}[{i}]: compiled {g:+.6e} "
              f"finite difference {fd:+.6e} (relative {err:.1e})")
    print(f"forward and gradients: {'agree' if not failures else 'DISAGREE'}; worst "
          f"gradient relative difference {worst:.1e}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
