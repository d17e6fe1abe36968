#!/usr/bin/env python3
"""Selective ground-truth token training (SGT) at small scale, on the CPU.

Trains models/sgt-small (hidden 128, 4 layers, batch 16 x seq 128, AdamW
3e-3, 300 steps) on Debian's fortunes with full supervision and with each
selection policy at 15% of the positions, then again on the word-shuffled
control corpus (same tokenizer), and prints one table per corpus:

  best val   the lowest all-token validation loss along the run (evaluated
             every --eval-every steps on --eval-batches batches): the eval
             optimum
  recovered  (L0 - L_policy) / (L0 - L_full): the fraction of full
             supervision's loss reduction the policy recovers, L0 the
             untrained model's loss
  per token  recovered / ratio: reduction per supervised token, relative to
             full supervision
  gamma-bar  the mean gradient coupling (cherry-run train --coupling-every):
             cosine between the gradients of the selected and of the
             unselected positions' mean losses

Usage:
  python3 models/sgt-small/experiment.py [--out DIR] [--steps 300]
      [--policies random,surprisal,...] [--no-control]
Needs the tools built (bash scripts/bootstrap.sh); about 15 minutes on two
cores. Writes DIR/results.json and DIR/results.md.
"""
import argparse
import json
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
POLICIES = ["random", "surprisal", "topk-surprisal", "loss-topk", "mask"]


def tool(name):
    build = os.environ.get("CHERRY_BUILD_DIR", os.path.join(ROOT, "build"))
    return os.path.join(build, "bin", name)


def run(*args, capture=True):
    r = subprocess.run([str(a) for a in args], capture_output=capture, text=True)
    if r.returncode:
        sys.exit(f"experiment: {' '.join(map(str, args))} failed:\n{r.stderr.strip()}")
    return r.stdout


def prepare(out, args):
    """The corpus, its word-shuffled control (same tokenizer) and a mask."""
    data = os.path.join(out, "data")
    if not os.path.exists(os.path.join(data, "data.json")):
        run(tool("cherry-data"), "prepare", "--input", args.corpus,
            "--format", "fortune", "--vocab-size", "2048", "--out", data)
    shuffled = os.path.join(out, "data-shuffled")
    if not args.no_control and not os.path.exists(os.path.join(shuffled, "data.json")):
        run(tool("cherry-data"), "prepare", "--input", args.corpus,
            "--format", "fortune", "--tokenizer", os.path.join(data, "tokenizer.model"),
            "--shuffle-words", "--seed", "1", "--out", shuffled)
    return [("fortunes", data)] + ([] if args.no_control else [("shuffled words", shuffled)])


def import_model(out):
    mlir = os.path.join(out, "sgt-small.mlir")
    if not os.path.exists(mlir):
        run(tool("cherry-translate"), "--import-hf", os.path.join(ROOT, "models", "sgt-small"),
            "-o", mlir)
    return mlir


def compile_model(out, policy, ratio):
    mlir = import_model(out)
    exe = os.path.join(out, f"train-{policy}.cherry")
    if not os.path.exists(exe):
        sgt = "" if policy == "full" else f" sgt={policy} sgt-ratio={ratio} sgt-seed=1"
        run(tool("cherry-opt"), mlir,
            f"--cherry-train=batch=16 seq=128 optimizer=adamw report=0{sgt}",
            "-o", exe + ".mlir")
        run(tool("cherry-translate"), "--emit-executable", exe + ".mlir", "-o", exe)
    return exe


def initial_loss(out, data, args):
    """L0: the untrained model (the runs' initializers, seed 1)."""
    exe = os.path.join(out, "eval.cherry")
    if not os.path.exists(exe):
        run(tool("cherry-opt"), import_model(out),
            "--cherry-infer=batch=16 seq=128", "-o", exe + ".mlir")
        run(tool("cherry-translate"), "--emit-executable", exe + ".mlir", "-o", exe)
    result = json.loads(run(tool("cherry-run"), "eval", exe, "--seed", "1",
                            "--data", os.path.join(data, "val.bin"),
                            "--batches", str(args.eval_batches), "--json"))
    return result["loss"]


def train(exe, data, policy, run_dir, args):
    cmd = [tool("cherry-run"), "train", exe, "--data", os.path.join(data, "train.bin"),
           "--val", os.path.join(data, "val.bin"), "--steps", str(args.steps),
           "--seed", "1", "--lr", "3e-3", "--weight-decay", "0.1", "--beta2", "0.95",
           "--eval-every", str(args.eval_every), "--eval-batches", str(args.eval_batches),
           "--log-every", str(args.eval_every), "--save", run_dir, "--json"]
    if policy != "full":
        cmd += ["--coupling-every", str(args.eval_every)]
    if policy in ("surprisal", "topk-surprisal"):
        cmd += ["--sgt-stats", os.path.join(data, "token_counts.json")]
    if policy == "mask":
        mask = os.path.join(data, "train.mask")
        if not os.path.exists(mask):
            run(tool("cherry-data"), "mask", "--data", os.path.join(data, "train.bin"),
                "--counts", os.path.join(data, "token_counts.json"),
                "--ratio", str(args.ratio), "--rule", "rare", "--out", mask)
        cmd += ["--sgt-mask", mask]
    lines = [json.loads(l) for l in run(*cmd).splitlines() if l.startswith("{")]
    curve = [(l["step"], l["val_loss"]) for l in lines if "val_loss" in l]
    summary = lines[-1]
    best_step, best = min(curve, key=lambda p: p[1])
    return {"curve": curve, "best": best, "best_step": best_step,
            "final": curve[-1][1], "gamma_bar": summary.get("coupling_mean"),
            "tokens_per_s": summary["tokens_per_s"]}


def table(name, l0, rows, ratio):
    full = rows["full"]["best"]
    lines = [f"### {name} (L0 = {l0:.3f})", "",
             "| policy | best val (step) | final val | recovered | per token | gamma-bar |",
             "|---|---|---|---|---|---|"]
    for policy, r in rows.items():
        rec = (l0 - r["best"]) / (l0 - full)
        per = rec / (1.0 if policy == "full" else ratio)
        gamma = "" if r["gamma_bar"] is None else f"{r['gamma_bar']:.3f}"
        r["recovered"], r["per_token"] = rec, per
        lines.append(f"| {policy} | {r['best']:.3f} ({r['best_step']}) | {r['final']:.3f} | "
                     f"{100 * rec:.0f}% | {per:.2f}x | {gamma} |")
    return "\n".join(lines) + "\n"


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", default=os.path.join(ROOT, "build", "sgt-experiment"))
    p.add_argument("--corpus", default="/usr/share/games/fortunes")
    p.add_argument("--steps", type=int, default=300)
    p.add_argument("--ratio", type=float, default=0.15)
    p.add_argument("--eval-every", type=int, default=20)
    p.add_argument("--eval-batches", type=int, default=8)
    p.add_argument("--policies", default=",".join(POLICIES))
    p.add_argument("--no-control", action="store_true")
    args = p.parse_args()
    policies = ["full"] + [x for x in args.policies.split(",") if x]
    os.makedirs(args.out, exist_ok=True)
    results, report = {}, []
    for name, data in prepare(args.out, args):
        l0 = initial_loss(args.out, data, args)
        rows = {}
        for policy in policies:
            start = time.time()
            exe = compile_model(args.out, policy, args.ratio)
            rows[policy] = train(exe, data, policy,
                                 os.path.join(args.out, f"{name.replace(' ', '-')}-{policy}"), args)
            print(f"{name}: {policy}: best val {rows[policy]['best']:.3f} at step "
                  f"{rows[policy]['best_step']} ({time.time() - start:.0f} s)", file=sys.stderr)
        report.append(table(name, l0, rows, args.ratio))
        results[name] = {"L0": l0, "runs": rows}
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump(results, f, indent=1)
    text = "\n".join(report)
    with open(os.path.join(args.out, "results.md"), "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
