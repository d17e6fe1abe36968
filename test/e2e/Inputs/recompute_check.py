#!/usr/bin/env python3
"""Reads the memory plans cherry-opt prints (`cherry-plan-memory: @train_step:
N temporaries in B bytes of scratch`).

recompute_check.py PLAIN.plan RECOMPUTE.plan PLAIN.mlir RECOMPUTE.mlir
    checks that recomputation shrinks train_step's scratch and adds launches.
recompute_check.py --growth BYTES R4.plan R8.plan U4.plan U8.plan
    the train_step scratch growth per extra step (4 -> 8 steps) with
    recomputation (R) and without (U); fails unless R's is at most 2 x BYTES
    and below U's.
"""
import re
import sys


def scratch(path):
    for line in open(path):
        m = re.search(r"@train_step: \d+ temporaries in (\d+) bytes", line)
        if m:
            return int(m.group(1))
    sys.exit(f"FAIL: {path} has no train_step memory plan")


def launches(path):
    return sum(line.count("cherry_kernel.launch") for line in open(path))


args = sys.argv[1:]
if args[0] == "--growth":
    limit = int(args[1])
    r4, r8, u4, u8 = (scratch(p) for p in args[2:6])
    r, u = (r8 - r4) / 4, (u8 - u4) / 4
    print(f"per extra step: recompute {r:.0f} bytes (<= 2 x {limit}), "
          f"unrolled {u:.0f} bytes")
    sys.exit(0 if r <= 2 * limit and r < u else 1)
plain, re_, plain_ir, re_ir = args
a, b = scratch(plain), scratch(re_)
la, lb = launches(plain_ir), launches(re_ir)
ok = b < a and lb > la
print(f"recompute: train_step scratch {'smaller' if b < a else 'NOT smaller'} "
      f"({a} -> {b} bytes), {'more' if lb > la else 'NOT more'} launches "
      f"({la} -> {lb})")
sys.exit(0 if ok else 1)
