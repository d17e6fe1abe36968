#!/usr/bin/env python3
"""Writes PipelineFuzzer's seeds: each input file split at "// -----" (the
-split-input-file marker of the lit tests), comment lines dropped, one seed
file per non-empty module; and OUT_DIR.dict, a libFuzzer dictionary of the
op names, attribute names and keywords the seeds use.

usage: make_seeds.py OUT_DIR FILE.mlir...
"""
import os
import re
import sys


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    count = 0
    tokens = set()
    for path in sys.argv[2:]:
        with open(path, encoding="utf-8") as f:
            chunks = f.read().split("// -----")
        stem = os.path.splitext(os.path.basename(path))[0]
        for i, chunk in enumerate(chunks):
            lines = [l for l in chunk.splitlines()
                     if not l.lstrip().startswith("//")]
            text = "\n".join(lines).strip()
            if not text:
                continue
            with open(os.path.join(out, "%s-%d.mlir" % (stem, i)), "w",
                      encoding="utf-8") as f:
                f.write(text + "\n")
            count += 1
            tokens.update(re.findall(r"[#!]?[A-Za-z_][A-Za-z0-9_.]*[<]?", text))
    with open(out.rstrip("/") + ".dict", "w", encoding="utf-8") as f:
        for token in sorted(t for t in tokens if len(t) > 1):
            f.write('"%s"\n' % token)
    print("make_seeds.py: %d seeds in %s" % (count, out))


if __name__ == "__main__":
    main()
