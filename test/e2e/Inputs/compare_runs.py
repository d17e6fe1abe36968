#!/usr/bin/env python3
"""Checks that a resumed run repeats an uninterrupted one exactly.

Usage: compare_runs.py FULL.jsonl PART.jsonl RESUMED.jsonl [--no-fall-check]
(`cherry-run train --json` outputs). The first part's steps and the resumed
steps must carry exactly the losses of the same steps of the full run, and
(unless --no-fall-check) the full run's loss must fall.
"""
import json
import sys


def losses(path):
    out = {}
    for line in open(path):
        record = json.loads(line)
        if "loss" in record:
            out[record["step"]] = record["loss"]
    return out


full, part, resumed = (losses(p) for p in sys.argv[1:4])
check_fall = "--no-fall-check" not in sys.argv[4:]
for name, run in (("first part", part), ("resumed part", resumed)):
    for step, loss in run.items():
        if full.get(step) != loss:
            sys.exit(f"FAIL: {name} step {step}: loss {loss!r}, uninterrupted "
                     f"run {full.get(step)!r}")
steps = sorted(resumed)
print(f"steps {steps[0]}-{steps[-1]} after resuming equal the uninterrupted run exactly")
first, last = full[min(full)], full[max(full)]
if check_fall and not last < first:
    sys.exit(f"FAIL: the loss did not fall ({first} -> {last})")
print(f"loss fell from {first:.4f} to {last:.4f}")
