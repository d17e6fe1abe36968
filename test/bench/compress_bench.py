#!/usr/bin/env python3
"""Depth-compressed training: the loop form against the unrolled form.

Usage:
    python3 test/bench/compress_bench.py [--steps 6] [--threads 2] [--build build]
        [--effective 8,16]

The model is the training benchmark config (vocab 8192, hidden 256,
intermediate 688, 4 layers, 4 heads, seq 256, batch 8; see train_bench.py)
compressed to 2 shared layers (--cherry-compress group-size=2 with per-step
norms and rank-8 LoRA) and run for each --effective number of steps,
compiled three ways: `--cherry-train="... form=loop"` (one copy of a shared
layer's kernels per run of steps, each step's internals recomputed in its
backward pass from the residual stream at its input), `recompute=1` (the
same recomputation, every step's kernels listed) and the plain unrolled
form (every step's internals kept for the backward pass). For each it
prints the median tokens/s of `cherry-run train` over the steps after the
first, the median tokens per CPU second of the whole run (all threads; on a
machine other jobs share, the fairer comparison of the work each form
does), the training step's scratch arena (from the memory planner), the
peak RSS and the executable's instruction count, then the scratch growth
per extra step against the target of at most 2 x batch*seq*hidden*4
bytes, and the loop form's speed relative to the unrolled one (target >=
0.80x). The three forms' losses must be bit-identical (checked).
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
from train_bench import CONFIG  # noqa: E402


def run_measured(args):
    """Runs `args`; returns (stdout, peak RSS in MiB, CPU seconds of all its
    threads), from wait4."""
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=err)
        stdout = proc.stdout.read()
        _, status, usage = os.wait4(proc.pid, 0)
        if status != 0:
            err.seek(0)
            sys.exit(f"{' '.join(args)} failed:\n{err.read().decode()}")
    return stdout.decode(), usage.ru_maxrss / 1024.0, usage.ru_utime + usage.ru_stime


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--steps", type=int, default=6, help="training steps per run")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--effective", default="8,16",
                    help="effective depths to compare (comma-separated)")
    ap.add_argument("--config", help="a config.json to compress instead of the "
                    "benchmark config (e.g. models/compress-small/config.json)")
    ap.add_argument("--group-size", type=int, default=2,
                    help="layers averaged into each shared layer")
    ap.add_argument("--lora-rank", type=int, default=8, help="0: no LoRA")
    ap.add_argument("--repeat", type=int, default=1,
                    help="rounds of runs, the forms alternating within each "
                         "(tokens/s: the median over every round's steps)")
    args = ap.parse_args()
    depths = [int(x) for x in args.effective.split(",")]
    bin_dir = os.path.join(args.build, "bin")
    config = json.load(open(args.config)) if args.config else CONFIG
    B, T, D = config["cherry"]["batch"], config["cherry"]["seq"], config["hidden_size"]
    vocab = config["vocab_size"]
    shared = config["num_hidden_layers"] // args.group_size
    lora = f" lora-rank={args.lora_rank}" if args.lora_rank else ""
    stream = B * T * D * 4
    with tempfile.TemporaryDirectory() as tmp:
        model = os.path.join(tmp, "model")
        os.makedirs(model)
        json.dump(config, open(os.path.join(model, "config.json"), "w"))
        rng = random.Random(0)
        count = args.steps * B * T + 1
        data = os.path.join(tmp, "tokens.bin")
        open(data, "wb").write(struct.pack(f"<{count}H", *(rng.randrange(vocab) for _ in range(count))))

        def run(*a):
            return subprocess.run(a, check=True, capture_output=True, text=True)

        run(f"{bin_dir}/cherry-translate", "--import-hf", model, "-o", f"{tmp}/m.mlir")
        print(f"{args.config or 'bench config'} compressed to {shared} shared layers (step norms, "
              f"LoRA rank {args.lora_rank}), batch {B} x "
              f"seq {T}, hidden {D}; {args.steps} steps, {args.threads} threads, median tokens/s")
        print(f"  one residual stream = {stream} bytes")
        results = {}
        forms = (("loop", "form=loop"), ("recompute", "recompute=1"), ("unrolled", ""))
        for steps in depths:
            compiled = {}
            for form, option in forms:
                name = f"s{steps}{form}"
                compress = (f"--cherry-compress=group-size={args.group_size} steps={steps} "
                            f"step-norms=1{lora}")
                out = run(f"{bin_dir}/cherry-opt", f"{tmp}/m.mlir", compress,
                          f"--cherry-train={option}", "-o", f"{tmp}/{name}.mlir")
                m = re.search(r"@train_step: \d+ temporaries in (\d+) bytes", out.stderr)
                ir = open(f"{tmp}/{name}.mlir").read()
                compiled[form] = (name, int(m.group(1)), ir.count("cherry_kernel.launch"),
                                  ir.count("cherry_kernel.loop "))
                run(f"{bin_dir}/cherry-translate", "--emit-executable", f"{tmp}/{name}.mlir",
                    "-o", f"{tmp}/{name}.cherry")
            rates = {form: [] for form, _ in forms}
            cpu_rates = {form: [] for form, _ in forms}
            losses, rss = {}, {}
            # The forms alternate, so that a busy machine slows them alike.
            for round in range(args.repeat):
                for form, _ in forms:
                    name = compiled[form][0]
                    text, peak, cpu = run_measured([f"{bin_dir}/cherry-run", "train", f"{tmp}/{name}.cherry",
                                                 "--data", data, "--steps", str(args.steps), "--save",
                                                 f"{tmp}/{name}.run{round}", "--threads",
                                                 str(args.threads), "--json"])
                    records = [json.loads(line) for line in text.strip().splitlines()]
                    steps_run = [r for r in records if "loss" in r]
                    losses[form] = [(r["loss"], r["grad_norm"]) for r in steps_run]
                    rates[form] += [r["tokens_per_s"] for r in steps_run[1:] or steps_run]
                    rss[form] = max(rss.get(form, 0), peak)
                    cpu_rates[form].append(args.steps * B * T / cpu)
            for form, _ in forms:
                name, scratch, launches, loops = compiled[form]
                xs = sorted(rates[form])
                rate = xs[len(xs) // 2]
                ys = sorted(cpu_rates[form])
                cpu_rate = ys[len(ys) // 2]
                results[(steps, form)] = (rate, scratch, rss[form], losses[form], cpu_rate)
                print(f"  {steps:3d} steps  {form:9s}  {rate:8.0f} tokens/s  {cpu_rate:8.0f} "
                      f"tokens/CPU-s   train scratch "
                      f"{scratch / 2**20:7.1f} MiB   peak RSS {rss[form]:7.1f} MiB   "
                      f"{launches} launches ({loops} loops)", flush=True)
        ok = True
        for steps in depths:
            same = all(results[(steps, f)][3] == results[(steps, "unrolled")][3] for f, _ in forms)
            ok &= same
            for form in ("loop", "recompute"):
                ratio = results[(steps, form)][0] / results[(steps, "unrolled")][0]
                cpu_ratio = results[(steps, form)][4] / results[(steps, "unrolled")][4]
                print(f"  {steps} steps: {form} runs at {ratio:.2f}x the unrolled form's speed "
                      f"(tokens/s), {cpu_ratio:.2f}x per CPU second"
                      + (" (target >= 0.80)" if form == "loop" else ""))
            print(f"  {steps} steps: losses {'bit-identical' if same else 'DIFFERENT'} in the three forms")
        if len(depths) >= 2:
            a, b = depths[0], depths[-1]
            for form, _ in forms:
                growth = (results[(b, form)][1] - results[(a, form)][1]) / (b - a)
                print(f"  scratch growth per extra step, {form}: {growth:.0f} bytes = "
                      f"{growth / stream:.2f} residual streams"
                      + (" (target <= 2)" if form == "loop" else ""))
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
