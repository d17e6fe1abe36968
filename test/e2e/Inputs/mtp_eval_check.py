#!/usr/bin/env python3
"""Checks each multi-token head's evaluation loss against the reference.

Usage: mtp_eval_check.py CHECKPOINT TOKENS.bin BATCH SEQ BATCHES HEADS EVAL.json

EVAL.json is `cherry-run eval --json` of a model trained with mtp=HEADS on
the first BATCHES batches of TOKENS.bin: "loss" (the next-token loss) and
"mtp_losses" (head k's at index k - 1). Head k is its own copy of the last
layer on the trunk output with the shared final norm and unembedding, so
its loss is the loss of the dense model whose last layer is head k's
(model.layers.{L-1}.* := model.mtp_heads.{k}.*) against the targets k
positions further on: `cherry-reference-eval --shift k` (double precision,
no shared code) on that model. Every loss must agree to 1e-5 relative
(float32 sums over BATCH * SEQ terms against double). Exits 1 otherwise.
"""
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from grad_check import read_safetensors, run, write_safetensors  # noqa: E402


def main():
    ckpt, tokens, batch, seq, batches, heads, eval_json = sys.argv[1:8]
    heads = int(heads)
    got = json.load(open(eval_json))
    compiled = [got["loss"]] + list(got.get("mtp_losses", []))
    if len(compiled) != heads + 1:
        sys.exit(f"FAIL: {eval_json} has {len(compiled) - 1} head losses, expected {heads}")
    layers = json.load(open(f"{ckpt}/config.json"))["num_hidden_layers"]
    tensors = read_safetensors(f"{ckpt}/model.safetensors")
    dense = {n: t for n, t in tensors.items() if not n.startswith("model.mtp_heads.")}
    work = ckpt.rstrip("/") + ".heads"
    failures = 0
    for k in range(heads + 1):
        probe = dict(dense)
        if k:
            prefix = f"model.mtp_heads.{k}."
            own = {n[len(prefix):]: t for n, t in tensors.items() if n.startswith(prefix)}
            if not own:
                sys.exit(f"FAIL: {ckpt} has no {prefix}* tensors")
            for local, t in own.items():
                probe[f"model.layers.{layers - 1}.{local}"] = t
        d = f"{work}/{k}"
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        shutil.copy(f"{ckpt}/config.json", d)
        write_safetensors(f"{d}/model.safetensors", probe)
        want = float(run("cherry-reference-eval", "--model", d, "--data", tokens,
                         "--batch", batch, "--seq", seq, "--batches", batches,
                         *(["--shift", str(k)] if k else [])).split()[0])
        rel = abs(compiled[k] - want) / abs(want)
        ok = rel < 1e-5
        failures += not ok
        name = f"head {k} (the token {k + 1} ahead)" if k else "next-token"
        print(f"{'ok  ' if ok else 'FAIL'} {name}: compiled {compiled[k]:.9g} "
              f"reference {want:.9g} (relative {rel:.1e})")
    print(f"per-head losses: {'agree' if not failures else 'DISAGREE'}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
