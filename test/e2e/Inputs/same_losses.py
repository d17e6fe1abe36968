#!/usr/bin/env python3
"""Checks that training runs report bit-identical losses and gradient norms.

Usage: same_losses.py A.jsonl B.jsonl [C.jsonl ...] (`cherry-run train --json`
outputs). Every step's loss and grad_norm must be the same double in every
file (JSON numbers round-trip exactly), and the runs must cover the same steps.
"""
import json
import sys


def steps(path):
    out = {}
    for line in open(path):
        record = json.loads(line)
        if "loss" in record and "step" in record:
            out[record["step"]] = (record["loss"], record["grad_norm"])
    return out


runs = [(p, steps(p)) for p in sys.argv[1:]]
first_path, first = runs[0]
if not first:
    sys.exit(f"FAIL: {first_path} reports no steps")
for path, run in runs[1:]:
    if sorted(run) != sorted(first):
        sys.exit(f"FAIL: {path} reports steps {sorted(run)}, {first_path} {sorted(first)}")
    for step in sorted(first):
        if run[step] != first[step]:
            sys.exit(f"FAIL: step {step}: {path} has loss, grad_norm {run[step]!r}, "
                     f"{first_path} {first[step]!r}")
print(f"{len(runs)} runs, {len(first)} steps: identical losses and gradient norms")
