#!/usr/bin/env python3
"""Compares cherry-run outputs for the GPU checks of the bundle (run.sh).

Standard library only. Each command prints one line "PASS ..." or
"FAIL ..." and exits 0 or 1.

  gpu_check.py eval A.json B.json RTOL      |a - b| <= RTOL |a| (eval --json)
  gpu_check.py track A.jsonl B.jsonl RTOL   every step's loss within RTOL
  gpu_check.py same A.jsonl B.jsonl         losses and grad norms bit-equal
  gpu_check.py resume FULL.jsonl PART.jsonl the resumed run's steps equal
                                            the uninterrupted run's
  gpu_check.py tps SUMMARY.jsonl            the summary's tokens/s
"""
import json
import sys


def steps(path):
    out = {}
    for line in open(path):
        line = line.strip()
        if not line.startswith("{"):
            continue
        row = json.loads(line)
        if row.get("summary"):
            continue
        if "step" in row and "loss" in row:
            out[row["step"]] = row
    return out


def summary(path):
    for line in open(path):
        line = line.strip()
        if line.startswith("{"):
            row = json.loads(line)
            if row.get("summary"):
                return row
    return {}


def main(argv):
    cmd = argv[1]
    if cmd == "eval":
        a = json.load(open(argv[2]))["loss"]
        b = json.load(open(argv[3]))["loss"]
        rtol = float(argv[4])
        rel = abs(a - b) / abs(a)
        ok = rel <= rtol
        print(f"{'PASS' if ok else 'FAIL'} eval loss {a!r} vs {b!r}: "
              f"relative difference {rel:.3g} (bound {rtol:g})")
        return 0 if ok else 1
    if cmd == "track":
        a, b = steps(argv[2]), steps(argv[3])
        rtol = float(argv[4])
        common = sorted(set(a) & set(b))
        if not common or len(common) != len(a):
            print(f"FAIL track: {len(a)} and {len(b)} steps")
            return 1
        worst = max(abs(a[s]["loss"] - b[s]["loss"]) / abs(a[s]["loss"])
                    for s in common)
        last = common[-1]
        ok = worst <= rtol
        print(f"{'PASS' if ok else 'FAIL'} track {len(common)} steps: largest "
              f"relative loss difference {worst:.3g} (bound {rtol:g}); last "
              f"step {a[last]['loss']:.6f} vs {b[last]['loss']:.6f}")
        return 0 if ok else 1
    if cmd == "same":
        a, b = steps(argv[2]), steps(argv[3])
        bad = [s for s in a if s not in b or a[s]["loss"] != b[s]["loss"]
               or a[s].get("grad_norm") != b[s].get("grad_norm")]
        ok = not bad and len(a) == len(b) and a
        print(f"{'PASS' if ok else 'FAIL'} same: {len(a)} steps, "
              f"{len(bad)} differ" + (f" (first: step {bad[0]})" if bad else ""))
        return 0 if ok else 1
    if cmd == "resume":
        full, part = steps(argv[2]), steps(argv[3])
        bad = [s for s in part if s not in full or
               full[s]["loss"] != part[s]["loss"]]
        ok = part and not bad
        print(f"{'PASS' if ok else 'FAIL'} resume: {len(part)} resumed steps, "
              f"{len(bad)} differ from the uninterrupted run")
        return 0 if ok else 1
    if cmd == "tps":
        print(summary(argv[2]).get("tokens_per_s", 0.0))
        return 0
    print(f"unknown command {cmd}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
