#!/usr/bin/env python3
"""Mixture of Efficient Experts: is expert-level sparsity real?

Usage:
    python3 test/bench/moee_bench.py [--steps 8] [--threads 2] [--repeats 3]
        [--experts 2] [--top-k 1] [--build build]

The model is the training benchmark config of train_bench.py (vocab 8192,
hidden 256, intermediate 688, 4 layers, batch 8 x seq 256, AdamW, random
weights, the same for every expert). The script trains it as one dense
model (a single expert) and fused by cherry-moee-fuse into a mixture of
EXPERTS copies (top-k routed
MLPs, Switch gates, the balance and z-losses on), alternating the two REPEATS
times, and prints the median tokens/s of each and their ratio (target: the
2-expert top-1 mixture at least 85% of the single expert's), the active
parameters per token from the cost report, and, from one CHERRY_PROFILE=1
run of the mixture, the share of the kernel time spent routing, dispatching
and combining (every moe_* kernel but the grouped GEMMs; target: under 10%).
"""
import argparse
import json
import os
import re
import statistics
import struct
import random
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_bench import CONFIG  # noqa: E402

# The routing kernels: everything a routed MLP adds around its GEMMs.
ROUTING = re.compile(r"^moe_(?!grouped_linear)")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--steps", type=int, default=8)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--experts", type=int, default=2)
    ap.add_argument("--top-k", type=int, default=1)
    args = ap.parse_args()
    bin_dir = os.path.join(args.build, "bin")
    B, T = CONFIG["cherry"]["batch"], CONFIG["cherry"]["seq"]
    fuse = f"experts={args.experts} top-k={args.top_k} renormalize={int(args.top_k > 1)}"
    with tempfile.TemporaryDirectory() as tmp:
        model = os.path.join(tmp, "model")
        os.makedirs(model)
        json.dump(CONFIG, open(os.path.join(model, "config.json"), "w"))
        rng = random.Random(0)
        count = args.steps * B * T + 1
        data = os.path.join(tmp, "tokens.bin")
        open(data, "wb").write(struct.pack(f"<{count}H", *(rng.randrange(8192) for _ in range(count))))
        run = lambda *a, **kw: subprocess.run(a, check=True, capture_output=True, text=True, **kw)
        run(f"{bin_dir}/cherry-translate", "--import-hf", model, "-o", f"{tmp}/m.mlir")
        exes = {}
        for name, passes in [("single", []), ("moee", [f"--cherry-moee-fuse={fuse}"])]:
            run(f"{bin_dir}/cherry-opt", f"{tmp}/m.mlir", *passes, "--cherry-train=report=0",
                "-o", f"{tmp}/{name}.mlir")
            run(f"{bin_dir}/cherry-translate", "--emit-executable", f"{tmp}/{name}.mlir",
                "-o", f"{tmp}/{name}.cherry")
            exes[name] = f"{tmp}/{name}.cherry"
        report = run(f"{bin_dir}/cherry-opt", f"{tmp}/m.mlir", f"--cherry-moee-fuse={fuse}",
                     "--cherry-report", "-o", "/dev/null")
        report = report.stdout + report.stderr
        active = [" ".join(l.split()) for l in report.splitlines()
                  if l.lstrip().startswith(("total", "active per token"))]

        # The experts' weights: one dense model's initial weights (a checkpoint
        # of a 1-step run), read by the single expert and by every expert.
        run(f"{bin_dir}/cherry-run", "train", exes["single"], "--data", data, "--steps", "1",
            "--save", f"{tmp}/init", "--threads", str(args.threads))
        init = os.path.join(tmp, "init", open(os.path.join(tmp, "init", "latest")).read().strip())
        weights = {"single": ["--weights", init], "moee": ["--weights", init] * args.experts}

        def train(name, r, env=None):
            out = run(f"{bin_dir}/cherry-run", "train", exes[name], *weights[name], "--data", data,
                      "--steps", str(args.steps), "--save", f"{tmp}/{name}-run{r}",
                      "--threads", str(args.threads), "--json",
                      env=dict(os.environ, **(env or {})))
            return out

        rates = {"single": [], "moee": []}
        for r in range(args.repeats):
            for name in rates:
                out = train(name, r)
                rates[name].append(json.loads(out.stdout.strip().splitlines()[-1])["tokens_per_s"])
        prof = train("moee", "profile", {"CHERRY_PROFILE": "1"}).stderr
        total, routing = 0.0, 0.0
        for line in prof.splitlines():
            m = re.match(r"\s+(\S+)\s+([0-9.]+) s\s", line)
            if m:
                total += float(m.group(2))
                if ROUTING.match(m.group(1)):
                    routing += float(m.group(2))
        single, moee = statistics.median(rates["single"]), statistics.median(rates["moee"])
        print(f"bench config, batch {B} x seq {T}, {args.steps} steps, {args.threads} threads, "
              f"median of {args.repeats} alternating runs; load average "
              f"{os.getloadavg()[0]:.1f} at the end")
        print(f"  single expert (dense)          {single:8.0f} tokens/s")
        print(f"  MoEE {args.experts} experts top-{args.top_k}            {moee:8.0f} tokens/s   "
              f"{moee / single:.2f}x the single expert (target >= 0.85)")
        for line in active:
            print(f"  cost report (parameters, forward and training FLOPs per token): {line}")
        if total > 0:
            print(f"  routing, dispatch and combine: {routing:.3f} s of {total:.3f} s in kernels "
                  f"= {routing / total:.1%} (target < 10%)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
