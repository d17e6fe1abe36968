#!/usr/bin/env python3
"""Times cherry-opt on a model: parse + verify + print alone (the peer), and the
--cherry-report pipeline. Prints medians over --repeat runs and their ratio.

  python3 test/bench/compile_time.py [--model models/paper-1b-48l/model.mlir]
"""
import argparse
import os
import statistics
import subprocess
import sys
import time

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ap = argparse.ArgumentParser(description=__doc__,
                             formatter_class=argparse.RawDescriptionHelpFormatter)
ap.add_argument("--model", default=os.path.join(root, "models/paper-1b-48l/model.mlir"))
ap.add_argument("--tool", default=os.path.join(root, "build/bin/cherry-opt"))
ap.add_argument("--repeat", type=int, default=7)
args = ap.parse_args()

for path in (args.model, args.tool):
    if not os.path.exists(path):
        sys.exit(f"compile_time.py: {path}: not found (build first: bash scripts/bootstrap.sh)")


def median_seconds(cmd):
    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        times.append(time.perf_counter() - start)
        if p.returncode != 0:
            sys.exit(f"compile_time.py: {' '.join(cmd)} failed:\n{p.stderr}")
    return statistics.median(times)


ops = sum(1 for line in open(args.model) if "cherry." in line)
parse = median_seconds([args.tool, args.model, "-o", "/dev/null"])
report = median_seconds([args.tool, args.model, "--cherry-report", "-o", "/dev/null"])
print(f"model: {os.path.relpath(args.model, root)} ({ops} cherry ops)")
print(f"parse+verify+print   median {parse * 1e3:8.1f} ms  (n={args.repeat})")
print(f"--cherry-report      median {report * 1e3:8.1f} ms  (n={args.repeat})")
print(f"ratio report/parse   {report / parse:.2f}x")
