#!/usr/bin/env python3
"""Mixture of Efficient Experts at small scale, on the CPU.

The paper's third experiment, shrunk to two cores (docs/MoEE.md has the
table). Branch-Train-MiX from one compressed seed:
  1. seed: a dense 4-layer model (models/compress-small's shape with 4
     layers: hidden 128, 4 heads, vocab 2048; batch 8 x seq 128) trained on
     Debian's fortunes for --seed-steps;
  2. compressed seed: its layers averaged in pairs into 2 shared layers run
     for 4 steps with per-step norms (--cherry-compress), recovered for
     --recovery-steps on the whole corpus;
  3. branches: two copies of the compressed seed trained for --branch-steps
     each, one on each half of the corpus (experts that differ);
  4. fusion: the two experts fused by cherry-moee-fuse (top-1 of 2, Switch
     gates, shared weights averaged) and trained for --fuse-steps on the
     whole corpus.
Baselines, all from the compressed seed and counting the tokens after it:
  - the compressed seed trained on the whole corpus for 2 * branch + fuse
    steps (the same tokens as the whole mixture pipeline: both branches and
    the fused training);
  - each expert continued on the whole corpus for --fuse-steps (its own
    branch plus the mixture's fused steps).
Every model has the compressed model's active parameters (the mixture adds
its routers); the held-out loss is the mean over --eval-batches of val.bin.
With --mtp D (default 1), the mixture and the single compressed model are
also trained with D multi-token heads (--cherry-train mtp=D, weight 0.3)
from the same starting points; their held-out loss is still the next-token
loss alone (comparable with the other rows), the heads' losses beside it.

Usage:
  python3 models/moee-small/experiment.py [--out DIR] [--seed-steps 400]
      [--recovery-steps 200] [--branch-steps 200] [--fuse-steps 200] [--mtp 1]
Needs the tools built (bash scripts/bootstrap.sh). Writes DIR/results.json
and DIR/results.md.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHAPE = os.path.join(ROOT, "models", "compress-small", "config.json")
COMPRESS = "group-size=2 steps=4 schedule=sequence step-norms=1"
FUSE = "experts=2 top-k=1 renormalize=0 balance=0.01 z-loss=0.001"


def tool(name):
    build = os.environ.get("CHERRY_BUILD_DIR", os.path.join(ROOT, "build"))
    return os.path.join(build, "bin", name)


def run(*args):
    r = subprocess.run([str(a) for a in args], capture_output=True, text=True)
    if r.returncode:
        sys.exit(f"experiment: {' '.join(map(str, args))} failed:\n{r.stderr.strip()}")
    return r.stdout


def compile_model(mlir, passes, exe):
    run(tool("cherry-opt"), mlir, *passes, "-o", exe + ".mlir")
    run(tool("cherry-translate"), "--emit-executable", exe + ".mlir", "-o", exe)
    return exe


def active_params(mlir, passes):
    report = json.loads(run(tool("cherry-opt"), mlir, *passes,
                            "--cherry-report=format=json", "-o", "/dev/null"))
    fn = [f for f in report["functions"] if f["function"] == "forward"][0]
    return fn.get("active_params", fn["total"]["params"]), fn["total"]["params"]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", default=os.path.join(ROOT, "build", "moee-experiment"))
    p.add_argument("--corpus", default="/usr/share/games/fortunes")
    p.add_argument("--seed-steps", type=int, default=400)
    p.add_argument("--recovery-steps", type=int, default=200)
    p.add_argument("--branch-steps", type=int, default=200)
    p.add_argument("--fuse-steps", type=int, default=200)
    p.add_argument("--lr", type=float, default=3e-3, help="peak lr of the dense seed")
    p.add_argument("--tune-lr", type=float, default=1e-3, help="peak lr of the later stages")
    p.add_argument("--eval-batches", type=int, default=20)
    p.add_argument("--fuse", default=FUSE, help="the cherry-moee-fuse options")
    p.add_argument("--mtp", type=int, default=1,
                   help="multi-token heads of the MTP rows (0: no MTP rows)")
    args = p.parse_args()
    out = args.out
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    log = lambda msg: print(msg, file=sys.stderr, flush=True)  # noqa: E731
    t0 = time.time()

    data = os.path.join(out, "data")
    run(tool("cherry-data"), "prepare", "--input", args.corpus, "--format", "fortune",
        "--vocab-size", "2048", "--out", data)
    tokens = open(os.path.join(data, "train.bin"), "rb").read()
    half = len(tokens) // 4 * 2  # an even number of bytes: whole uint16 tokens
    for name, part in (("train-a.bin", tokens[:half]), ("train-b.bin", tokens[half:])):
        with open(os.path.join(data, name), "wb") as f:
            f.write(part)
    train_all = os.path.join(data, "train.bin")
    val = os.path.join(data, "val.bin")

    with open(SHAPE) as f:
        cfg = json.load(f)
    cfg["num_hidden_layers"] = 4
    cfg["cherry"] = {"batch": 8, "seq": 128}
    tokens_per_step = 8 * 128
    dense = os.path.join(out, "dense")
    os.makedirs(dense)
    with open(os.path.join(dense, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    run(tool("cherry-translate"), "--import-hf", dense, "-o", f"{dense}/model.mlir")

    def train(exe, name, steps, lr, train_file, weights=()):
        cmd = [tool("cherry-run"), "train", exe, "--data", train_file, "--val", val,
               "--steps", steps, "--lr", lr, "--lr-schedule", "cosine",
               "--warmup", max(1, steps // 10), "--min-lr", f"{lr / 10:g}",
               "--weight-decay", "0.1", "--beta2", "0.95", "--grad-clip", "1.0",
               "--eval-every", steps, "--eval-batches", args.eval_batches,
               "--log-every", max(1, steps // 4), "--save", os.path.join(out, name), "--json"]
        for w in weights:
            cmd += ["--weights", w]
        start = time.time()
        lines = [json.loads(line) for line in run(*cmd).splitlines() if line.startswith("{")]
        summary = [line for line in lines if "step" not in line]
        steps_lines = [line for line in lines if "step" in line]
        with open(os.path.join(out, name, "latest")) as f:
            checkpoint = os.path.join(out, name, f.read().strip())
        result = {"val_loss": [line["val_loss"] for line in steps_lines if "val_loss" in line][-1],
                  "seconds": time.time() - start, "checkpoint": checkpoint,
                  "tokens_per_s": summary[-1].get("tokens_per_s") if summary else None,
                  "last": steps_lines[-1]}
        log(f"[{time.time() - t0:5.0f} s] {name}: held-out loss {result['val_loss']:.4f}")
        return result

    # 1-2: the dense seed, compressed and recovered.
    exe = compile_model(f"{dense}/model.mlir", ["--cherry-train=report=0"], f"{out}/dense.cherry")
    seed = train(exe, "run-seed", args.seed_steps, args.lr, train_all)
    exe = compile_model(f"{dense}/model.mlir",
                        [f"--cherry-compress={COMPRESS}", "--cherry-train=report=0"],
                        f"{out}/compress.cherry")
    recovered = train(exe, "run-compressed", args.recovery_steps, args.tune_lr, train_all,
                      [seed["checkpoint"]])
    # The compressed model as the experts' architecture: its checkpoint
    # imported back (the recurrence rebuilt, every tensor by its name).
    arch = f"{out}/compressed.mlir"
    run(tool("cherry-translate"), "--import-hf", recovered["checkpoint"], "-o", arch)
    single = compile_model(arch, ["--cherry-train=report=0"], f"{out}/single.cherry")

    # 3: the branches.
    experts = [train(single, f"run-expert-{x}", args.branch_steps, args.tune_lr,
                     os.path.join(data, f"train-{x}.bin"), [recovered["checkpoint"]])
               for x in "ab"]
    # 4: the mixture, and the baselines on the same tokens.
    moee = compile_model(arch, [f"--cherry-moee-fuse={args.fuse}", "--cherry-train=report=0"],
                         f"{out}/moee.cherry")
    fused = train(moee, "run-moee", args.fuse_steps, args.tune_lr, train_all,
                  [e["checkpoint"] for e in experts])
    long = train(single, "run-single-long", 2 * args.branch_steps + args.fuse_steps,
                 args.tune_lr, train_all, [recovered["checkpoint"]])
    continued = [train(single, f"run-expert-{x}-continued", args.fuse_steps, args.tune_lr,
                       train_all, [e["checkpoint"]]) for x, e in zip("ab", experts)]

    mtp_rows = []
    if args.mtp > 0:
        mtp_train = f"--cherry-train=mtp={args.mtp} report=0"
        single_mtp = compile_model(arch, [mtp_train], f"{out}/single-mtp.cherry")
        moee_mtp = compile_model(arch, [f"--cherry-moee-fuse={args.fuse}", mtp_train],
                                 f"{out}/moee-mtp.cherry")
        fused_mtp = train(moee_mtp, "run-moee-mtp", args.fuse_steps, args.tune_lr, train_all,
                          [e["checkpoint"] for e in experts])
        long_mtp = train(single_mtp, "run-single-long-mtp",
                         2 * args.branch_steps + args.fuse_steps, args.tune_lr, train_all,
                         [recovered["checkpoint"]])
        mtp_rows = [(f"single compressed, same tokens, mtp={args.mtp}", long_mtp),
                    (f"MoEE of the 2 experts, mtp={args.mtp}", fused_mtp)]

    dense_params, _ = active_params(f"{dense}/model.mlir", [])
    compressed_active, _ = active_params(arch, [])
    moee_active, moee_total = active_params(arch, [f"--cherry-moee-fuse={args.fuse}"])
    after = lambda steps: steps * tokens_per_step  # noqa: E731
    rows = [
        ("dense 4 layers (seed)", dense_params, "-", seed),
        ("compressed 2x4 (recovered seed)", compressed_active, 0, recovered),
        ("expert a (branch on half a)", compressed_active, after(args.branch_steps), experts[0]),
        ("expert b (branch on half b)", compressed_active, after(args.branch_steps), experts[1]),
        ("expert a continued on all", compressed_active,
         after(args.branch_steps + args.fuse_steps), continued[0]),
        ("expert b continued on all", compressed_active,
         after(args.branch_steps + args.fuse_steps), continued[1]),
        ("single compressed, same tokens", compressed_active,
         after(2 * args.branch_steps + args.fuse_steps), long),
        (f"MoEE of the 2 experts ({moee_total:,} params in all)", moee_active,
         after(2 * args.branch_steps + args.fuse_steps), fused),
    ]
    for name, r in mtp_rows:
        active = moee_active if name.startswith("MoEE") else compressed_active
        rows.append((name, active, after(2 * args.branch_steps + args.fuse_steps), r))
    lines = ["| model | active params | tokens after the compressed seed | held-out loss | "
             "tokens/s (median) |", "|---|---|---|---|---|"]
    for name, params, seen, r in rows:
        seen_text = seen if isinstance(seen, str) else f"{seen:,}"
        rate = "-" if r["tokens_per_s"] is None else f"{r['tokens_per_s']:.0f}"
        lines.append(f"| {name} | {params:,} | {seen_text} | {r['val_loss']:.3f} | {rate} |")
    last = fused["last"]
    loads = [v for k, v in sorted(last.items()) if k.startswith("expert_load_")]
    notes = [f"MoEE at its last step: expert loads {', '.join(f'{x:.2f}' for x in loads)}, "
             f"router loss {last.get('router_loss', float('nan')):.4f}"]
    for name, r in mtp_rows:
        heads = [line for line in [r["last"]] if "val_loss_mtp1" in line]
        if heads:
            notes.append(f"{name}: held-out loss of head 1 (the token 2 ahead) "
                         f"{heads[0]['val_loss_mtp1']:.3f}")
    if mtp_rows:
        notes.append("The MTP rows' held-out loss is the next-token loss alone; the heads "
                     "add 0.3/D x their losses to the training objective only.")
    header = (f"seed {args.seed_steps} steps (lr {args.lr:g}), recovery {args.recovery_steps}, "
              f"branches {args.branch_steps} each, fused {args.fuse_steps} (lr {args.tune_lr:g}); "
              f"{tokens_per_step} tokens/step; `{args.fuse}`; held-out loss: mean of "
              f"{args.eval_batches} val batches; total {time.time() - t0:.0f} s\n\n")
    text = header + "\n".join(lines) + "\n\n" + "\n".join(f"- {n}" for n in notes) + "\n"
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump({"args": vars(args), "rows": [(n, p, s, r) for n, p, s, r in rows],
                   "notes": notes}, f, indent=1)
    with open(os.path.join(out, "results.md"), "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
