#!/usr/bin/env python3
"""Step time on two ranks with the bucket reductions overlapped or blocking.

Usage:
    python3 test/bench/ranks_bench.py [--batch 1] [--seq 256] [--bucket-mb 1]
        [--steps 12] [--repeats 5] [--threads 1] [--ranks 2] [--build build]

The model is the training benchmark config (train_bench.py: vocab 8192,
hidden 256, intermediate 688, 4 layers, 4 heads), random weights, compiled
twice with --cherry-train="batch=B seq=T ranks=R bucket-mb=M overlap=0|1".
Each round runs `mpirun -np R cherry-run train` of both executables, in
alternating order (the machine may be shared: alternation spreads any load
over both), and takes each run's median step time (the summary's median
tokens/s of the global batch, R x B x T tokens a step). It prints the median
over the rounds for each, their ratio, whether the losses of the two agree
bit for bit, and the load average before and after.
"""
import argparse
import json
import os
import random
import statistics
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_bench import CONFIG  # noqa: E402

MPIRUN = ["mpirun", "--allow-run-as-root", "--oversubscribe", "--bind-to", "none"]


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--batch", type=int, default=1, help="per-rank batch")
    ap.add_argument("--seq", type=int, default=256)
    ap.add_argument("--bucket-mb", type=float, default=1.0)
    ap.add_argument("--steps", type=int, default=12)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--threads", type=int, default=1, help="threads per rank")
    ap.add_argument("--ranks", type=int, default=2)
    ap.add_argument("--build", default="build")
    args = ap.parse_args()
    bin_dir = os.path.abspath(os.path.join(args.build, "bin"))
    B, T, R = args.batch, args.seq, args.ranks
    run = lambda *a: subprocess.run(a, check=True, capture_output=True, text=True).stdout
    with tempfile.TemporaryDirectory() as tmp:
        model = os.path.join(tmp, "model")
        os.makedirs(model)
        config = dict(CONFIG, cherry={"batch": B, "seq": T})
        json.dump(config, open(os.path.join(model, "config.json"), "w"))
        rng = random.Random(0)
        count = args.steps * R * B * T + 1
        data = os.path.join(tmp, "tokens.bin")
        open(data, "wb").write(struct.pack(f"<{count}H",
                                           *(rng.randrange(8192) for _ in range(count))))
        run(f"{bin_dir}/cherry-translate", "--import-hf", model, "-o", f"{tmp}/m.mlir")
        for overlap in (0, 1):
            run(f"{bin_dir}/cherry-opt", f"{tmp}/m.mlir",
                f"--cherry-train=batch={B} seq={T} ranks={R} bucket-mb={args.bucket_mb} "
                f"overlap={overlap} report=0", "-o", f"{tmp}/t{overlap}.mlir")
            run(f"{bin_dir}/cherry-translate", "--emit-executable", f"{tmp}/t{overlap}.mlir",
                "-o", f"{tmp}/t{overlap}.cherry")
        buckets = open(f"{tmp}/t1.mlir").read().count('"all_reduce_start"')
        times = {0: [], 1: []}
        losses = {}
        load_before = os.getloadavg()
        for r in range(args.repeats):
            for overlap in ((0, 1) if r % 2 == 0 else (1, 0)):
                out = run(*MPIRUN, "-np", str(R), f"{bin_dir}/cherry-run", "train",
                          f"{tmp}/t{overlap}.cherry", "--data", data, "--steps",
                          str(args.steps), "--save", f"{tmp}/run{overlap}-{r}",
                          "--threads", str(args.threads), "--lr", "1e-3", "--json")
                records = [json.loads(line) for line in out.strip().splitlines()]
                tps = records[-1]["tokens_per_s"]
                times[overlap].append(1000.0 * R * B * T / tps)
                losses.setdefault(overlap, [(x["loss"], x["grad_norm"])
                                            for x in records if "loss" in x])
        load_after = os.getloadavg()
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"{R} ranks x batch {B} x seq {T}, {args.threads} thread(s) per rank, "
          f"bucket-mb={args.bucket_mb} ({buckets} buckets), {args.steps} steps, "
          f"{args.repeats} alternating rounds; load average "
          f"{load_before[0]:.2f} before, {load_after[0]:.2f} after")
    for overlap in (0, 1):
        runs = " ".join(f"{t:.1f}" for t in times[overlap])
        print(f"  overlap={overlap}: median step {med[overlap]:8.1f} ms  (runs: {runs})")
    print(f"  overlap=1 / overlap=0: {med[1] / med[0]:.3f}x step time")
    same = losses[0] == losses[1]
    print(f"  losses and gradient norms {'bit-identical' if same else 'DIFFER'}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
