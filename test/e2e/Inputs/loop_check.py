#!/usr/bin/env python3
"""Compares the kernel-level IR of the loop and the unrolled forms.

Usage: loop_check.py UNROLLED.mlir LOOP.mlir. The loop form must hold at
least one cherry_kernel.loop and fewer launches in all than the unrolled
form (a loop's body counts once).
"""
import sys

unrolled = open(sys.argv[1]).read()
loop = open(sys.argv[2]).read()
loops = loop.count("cherry_kernel.loop ")
total = loop.count("cherry_kernel.launch")
# Launches inside loop bodies are indented one level deeper.
inside = sum(1 for line in loop.splitlines() if line.startswith("      cherry_kernel.launch"))
want = unrolled.count("cherry_kernel.launch")
if loops == 0 or total >= want:
    sys.exit(f"FAIL: the loop form has {loops} loops and {total} launches, the unrolled form {want}")
print(f"loop form: {inside} launches in {loops} loops, {total - inside} outside; unrolled {want} launches")
