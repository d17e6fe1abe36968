#!/usr/bin/env python3
"""Self-speculative decoding: acceptance rate and speed-up of the MTP heads.

Usage:
    python3 test/bench/speculative_bench.py --model models/tiny --weights RUN/checkpoint-N
        --mtp 2 --prompts-from VAL.bin [--prompts 8] [--prompt-len 16]
        [--max-new-tokens 96] [--capacity 256] [--threads 2] [--build build]

Compiles the model (a Hugging Face directory with config.json, trained with
`--cherry-train="... mtp=D"` into --weights) with `--cherry-decode="mtp=d"`
for every d = 1 .. D (the verification step of d drafts: 1 + d rows, heads
1 .. d of the checkpoint) and runs `cherry-run generate --speculative --json`
with each on --prompts prompts of --prompt-len tokens taken from evenly
spaced offsets of a token file (the held-out split). Each run decodes
greedily with the heads' drafts (verify_step, 1 + D rows a call) and then
plainly (decode_step); the script checks the tokens are the same and prints,
per d, the medians over the prompts of the acceptance rate (accepted drafts
/ drafts), the tokens per verification step, both speeds (new tokens per
second after the prompt) and their ratio.
"""
import argparse
import json
import os
import statistics
import struct
import subprocess
import sys
import tempfile


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", required=True)
    ap.add_argument("--weights", required=True)
    ap.add_argument("--mtp", type=int, required=True)
    ap.add_argument("--prompts-from", required=True)
    ap.add_argument("--prompts", type=int, default=8)
    ap.add_argument("--prompt-len", type=int, default=16)
    ap.add_argument("--max-new-tokens", type=int, default=96)
    ap.add_argument("--capacity", type=int, default=256)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--build", default="build")
    args = ap.parse_args()
    bin_dir = os.path.join(args.build, "bin")

    def tool(name, *rest):
        r = subprocess.run([os.path.join(bin_dir, name), *rest], capture_output=True, text=True)
        if r.returncode:
            sys.exit(f"{name} failed: {r.stderr.strip()}")
        return r.stdout

    data = open(args.prompts_from, "rb").read()
    tokens = struct.unpack(f"<{len(data) // 2}H", data)
    step = (len(tokens) - args.prompt_len) // args.prompts
    prompts = [tokens[i * step:i * step + args.prompt_len] for i in range(args.prompts)]

    with tempfile.TemporaryDirectory() as work:
        mlir = os.path.join(work, "model.mlir")
        tool("cherry-translate", "--import-hf", args.model, "-o", mlir)
        print(f"{args.model} with {args.mtp} heads from {args.weights}; {len(prompts)} prompts of "
              f"{args.prompt_len} tokens from {args.prompts_from}, {args.max_new_tokens} new tokens, "
              f"{args.threads} threads")
        print("| drafts | acceptance rate | tokens / verify step | speculative tokens/s | plain tokens/s | speed-up | same tokens |")
        print("|---|---|---|---|---|---|---|")
        for draft in range(1, args.mtp + 1):
            tool("cherry-opt", mlir,
                 f"--cherry-decode=capacity={args.capacity} mtp={draft} report=0",
                 "-o", os.path.join(work, "decode.mlir"))
            exe = os.path.join(work, f"decode{draft}.cherry")
            tool("cherry-translate", "--emit-executable", os.path.join(work, "decode.mlir"),
                 "-o", exe)
            rows = []
            for p in prompts:
                out = tool("cherry-run", "generate", exe, "--weights", args.weights,
                           "--prompt-ids", ",".join(map(str, p)), "--max-new-tokens",
                           str(args.max_new_tokens), "--ignore-eos", "--speculative",
                           "--threads", str(args.threads), "--json")
                rows.append(json.loads(out)["speculative"])
            med = lambda key: statistics.median(r[key] for r in rows)  # noqa: E731
            same = sum(r["same_as_plain"] for r in rows)
            print(f"| {draft} | {med('acceptance_rate'):.3f} | {med('tokens_per_step'):.2f} | "
                  f"{med('tokens_per_s'):.0f} | {med('plain_tokens_per_s'):.0f} | "
                  f"{med('speedup'):.2f}x | {same} of {len(rows)} |")


if __name__ == "__main__":
    main()
