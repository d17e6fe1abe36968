#!/usr/bin/env python3
"""Checks for runs on several ranks (test/e2e/train-ranks.test).

  ranks_check.py close A.jsonl B.jsonl TOL
      every step's loss, grad_norm, validation losses and a mixture's
      router_loss (cherry-run train --json) of B within relative TOL of A's,
      the same steps in both
  ranks_check.py tail A.jsonl B.jsonl
      B's steps (a resumed run) are the last of A's, with identical values
  ranks_check.py mask OUT NUM_TOKENS ROW_TOKENS
      a mask file (one byte per token) marking every third target in even
      blocks of ROW_TOKENS tokens and every seventh in odd ones, so that two
      ranks reading alternate blocks supervise different numbers of tokens
  ranks_check.py within SECONDS CMD...
      runs CMD, passes its output through, and fails unless it exits non-zero
      within SECONDS
"""
import json
import subprocess
import sys
import time


def steps(path):
    out = {}
    for line in open(path):
        record = json.loads(line)
        if "loss" in record and "step" in record:
            out[record["step"]] = (record["loss"], record["grad_norm"])
    return out


def records(path):
    return {r["step"]: r for r in map(json.loads, open(path))
            if "loss" in r and "step" in r}


def close(a_path, b_path, tol):
    a, b = records(a_path), records(b_path)
    if not a or sorted(a) != sorted(b):
        sys.exit(f"FAIL: steps {sorted(a)} vs {sorted(b)}")
    worst = 0.0
    for s in sorted(a):
        # The validation and router losses too, where both runs report
        # them.
        names = [n for n in a[s] if n in b[s] and
                 (n in ("loss", "grad_norm", "router_loss") or
                  n.startswith("val_loss"))]
        for name in names:
            x, y = a[s][name], b[s][name]
            rel = abs(x - y) / max(abs(x), 1e-30)
            worst = max(worst, rel)
            if rel > tol:
                sys.exit(f"FAIL: step {s}: {name} {y!r} differs from {x!r} by "
                         f"{rel:.3g} (relative), more than {tol}")
    print(f"{len(a)} steps: losses and gradient norms within {tol} "
          f"(largest relative difference {worst:.3g})")


def tail(a_path, b_path):
    a, b = steps(a_path), steps(b_path)
    if not b or sorted(b) != sorted(a)[-len(b):]:
        sys.exit(f"FAIL: steps {sorted(b)} are not the last of {sorted(a)}")
    for s in sorted(b):
        if a[s] != b[s]:
            sys.exit(f"FAIL: step {s}: loss, grad_norm {b[s]!r}, not {a[s]!r}")
    print(f"steps {min(b)}-{max(b)}: identical losses and gradient norms")


def mask(out, num_tokens, block):
    data = bytearray(num_tokens)
    for i in range(num_tokens):
        every = 3 if (i // block) % 2 == 0 else 7
        data[i] = 1 if i % every == 0 else 0
    open(out, "wb").write(bytes(data))


def within(seconds, cmd):
    start = time.monotonic()
    try:
        done = subprocess.run(cmd, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, timeout=seconds)
    except subprocess.TimeoutExpired:
        sys.exit(f"FAIL: still running after {seconds} s")
    elapsed = time.monotonic() - start
    sys.stdout.write(done.stdout.decode(errors="replace"))
    if done.returncode == 0:
        sys.exit("FAIL: the job exited with status 0")
    print(f"ended within {seconds:g} s with a non-zero status")
    sys.stderr.write(f"(ended after {elapsed:.1f} s, status {done.returncode})\n")


if __name__ == "__main__":
    if sys.argv[1] == "close":
        close(sys.argv[2], sys.argv[3], float(sys.argv[4]))
    elif sys.argv[1] == "tail":
        tail(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "mask":
        mask(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    elif sys.argv[1] == "within":
        within(float(sys.argv[2]), sys.argv[3:])
    else:
        sys.exit(f"unknown command {sys.argv[1]}")
