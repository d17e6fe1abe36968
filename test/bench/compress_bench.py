#!/usr/bin/env python3
"""Depth-compressed training: recomputation against the plain unrolled form.

Usage:
    python3 test/bench/compress_bench.py [--steps 6] [--threads 2] [--build build]
        [--effective 8,16]

The model is the training benchmark config (vocab 8192, hidden 256,
intermediate 688, 4 layers, 4 heads, seq 256, batch 8; see train_bench.py)
compressed to 2 shared layers (--cherry-compress group-size=2 with per-step
norms and rank-8 LoRA) and run for each --effective number of steps, compiled
twice: with `--cherry-train="... recompute=1"` (each step's internals
recomputed in its backward pass, only the residual stream kept per step: the
memory of a loop) and without (the unrolled form keeps every step's
internals). For each it prints the median tokens/s of `cherry-run train`,
the training step's scratch arena (from the memory planner) and the peak
RSS, then the scratch growth per extra step against the target of at most
2 x batch*seq*hidden*4 bytes, and the speed of the recomputing form relative
to the unrolled one (target >= 0.80x). The two forms' losses must be
bit-identical (checked).
"""
import argparse
import json
import os
import random
import re
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
from eval_bench import child_peak_rss  # noqa: E402
from train_bench import CONFIG  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--steps", type=int, default=6, help="training steps per run")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--effective", default="8,16",
                    help="effective depths to compare (comma-separated)")
    args = ap.parse_args()
    depths = [int(x) for x in args.effective.split(",")]
    bin_dir = os.path.join(args.build, "bin")
    B, T, D = CONFIG["cherry"]["batch"], CONFIG["cherry"]["seq"], CONFIG["hidden_size"]
    stream = B * T * D * 4
    with tempfile.TemporaryDirectory() as tmp:
        model = os.path.join(tmp, "model")
        os.makedirs(model)
        json.dump(CONFIG, open(os.path.join(model, "config.json"), "w"))
        rng = random.Random(0)
        count = args.steps * B * T + 1
        data = os.path.join(tmp, "tokens.bin")
        open(data, "wb").write(struct.pack(f"<{count}H", *(rng.randrange(8192) for _ in range(count))))

        def run(*a):
            return subprocess.run(a, check=True, capture_output=True, text=True)

        run(f"{bin_dir}/cherry-translate", "--import-hf", model, "-o", f"{tmp}/m.mlir")
        print(f"bench config compressed to 2 shared layers (step norms, LoRA rank 8), batch {B} x "
              f"seq {T}, hidden {D}; {args.steps} steps, {args.threads} threads, median tokens/s")
        print(f"  one residual stream = {stream} bytes")
        results = {}
        for steps in depths:
            for recompute in (1, 0):
                name = f"s{steps}r{recompute}"
                compress = f"--cherry-compress=group-size=2 steps={steps} step-norms=1 lora-rank=8"
                out = run(f"{bin_dir}/cherry-opt", f"{tmp}/m.mlir", compress,
                          f"--cherry-train=recompute={recompute}", "-o", f"{tmp}/{name}.mlir")
                m = re.search(r"@train_step: \d+ temporaries in (\d+) bytes", out.stderr)
                scratch = int(m.group(1))
                run(f"{bin_dir}/cherry-translate", "--emit-executable", f"{tmp}/{name}.mlir",
                    "-o", f"{tmp}/{name}.cherry")
                text, rss = child_peak_rss([f"{bin_dir}/cherry-run", "train", f"{tmp}/{name}.cherry",
                                            "--data", data, "--steps", str(args.steps), "--save",
                                            f"{tmp}/{name}.run", "--threads", str(args.threads),
                                            "--json"])
                records = [json.loads(line) for line in text.strip().splitlines()]
                losses = [(r["loss"], r["grad_norm"]) for r in records if "loss" in r]
                rate = records[-1]["tokens_per_s"]
                results[(steps, recompute)] = (rate, scratch, rss, losses)
                form = "recompute" if recompute else "unrolled "
                print(f"  {steps:3d} steps  {form}  {rate:8.0f} tokens/s   train scratch "
                      f"{scratch / 2**20:7.1f} MiB   peak RSS {rss:7.1f} MiB")
        ok = True
        for steps in depths:
            same = results[(steps, 1)][3] == results[(steps, 0)][3]
            ratio = results[(steps, 1)][0] / results[(steps, 0)][0]
            ok &= same
            print(f"  {steps} steps: recompute runs at {ratio:.2f}x the unrolled form's speed "
                  f"(target >= 0.80); losses {'bit-identical' if same else 'DIFFERENT'}")
        if len(depths) >= 2:
            a, b = depths[0], depths[-1]
            for recompute, form in ((1, "recompute"), (0, "unrolled")):
                growth = (results[(b, recompute)][1] - results[(a, recompute)][1]) / (b - a)
                print(f"  scratch growth per extra step, {form}: {growth:.0f} bytes = "
                      f"{growth / stream:.2f} residual streams"
                      + (" (target <= 2)" if recompute else ""))
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
