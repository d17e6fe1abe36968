#!/usr/bin/env python3
"""`cherry-run export` against Hugging Face transformers: the exported
directory loads with `transformers.LlamaForCausalLM.from_pretrained` as is,
and its loss on the same tokens equals `cherry-run eval`'s.

Not part of CI (it needs PyTorch and transformers). Run by hand, e.g. with
Debian's python3-torch and transformers from PyPI in a virtualenv that sees
the system packages:

    apt-get install python3-torch python3-venv
    python3 -m venv --system-site-packages /tmp/hf && /tmp/hf/bin/pip install 'transformers<4.45'
    /tmp/hf/bin/python test/oracle/export_transformers.py [--build build] [--lora-rank 4]

It writes a random 4-layer Llama, compresses it to 2 shared layers run as 4
steps (--cherry-compress, per-step norms, and per-step LoRA with
--lora-rank), trains it 20 steps with cherry-run train, exports the
checkpoint, and prints the mean loss over the first 8 batches of 2 x 16
tokens of:
  - cherry-run eval of the compressed model (the checkpoint imported with
    its "cherry.recurrent" section),
  - cherry-run eval of the exported dense model (imported as a plain Llama),
  - transformers' LlamaForCausalLM on the exported directory, in float32
    and in float64,
with the relative differences. Exits 1 when transformers (float64) and
cherry-run eval of the export differ by more than 1e-5 relative.
"""
import argparse
import json
import os
import struct
import subprocess
import sys
import tempfile

import torch
import torch.nn.functional as F
from transformers import LlamaForCausalLM

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
B, T, BATCHES = 2, 16, 8


def hf_loss(model_dir, tokens, dtype):
    model = LlamaForCausalLM.from_pretrained(model_dir, torch_dtype=dtype,
                                             attn_implementation="eager")
    model.eval()
    raw = open(tokens, "rb").read()
    toks = torch.tensor(struct.unpack(f"<{len(raw) // 2}H", raw), dtype=torch.long)
    total = 0.0
    with torch.no_grad():
        for k in range(BATCHES):
            chunk = toks[k * B * T: k * B * T + B * T + 1]
            ids, targets = chunk[:-1].view(B, T), chunk[1:].view(B, T)
            # The head applied here: LlamaForCausalLM's forward casts the
            # logits to float32 whatever the model's dtype.
            hidden = model.model(input_ids=ids).last_hidden_state
            logits = model.lm_head(hidden)
            # cherry-run eval: the mean over batches of each batch's mean
            # loss, accumulated in double.
            total += float(F.cross_entropy(logits.reshape(-1, logits.shape[-1]),
                                           targets.reshape(-1)))
    return total / BATCHES


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--lora-rank", type=int, default=0)
    ap.add_argument("--lora-alpha", type=float, default=8.0)
    ap.add_argument("--steps", type=int, default=20)
    args = ap.parse_args()
    env = dict(os.environ, PATH=os.path.join(args.build, "bin") + os.pathsep + os.environ["PATH"])

    def run(*cmd):
        out = subprocess.run(cmd, env=env, capture_output=True, text=True)
        if out.returncode:
            sys.exit(f"FAIL: {' '.join(cmd)}\n{out.stderr.strip()}")
        return out.stdout

    def cherry_eval(model_dir, weights, work):
        run("cherry-translate", "--import-hf", model_dir, "-o", f"{work}.mlir")
        run("cherry-opt", f"{work}.mlir", f"--cherry-infer=batch={B} seq={T} report=0",
            "-o", f"{work}-infer.mlir")
        run("cherry-translate", "--emit-executable", f"{work}-infer.mlir", "-o", f"{work}.cherry")
        return json.loads(run("cherry-run", "eval", f"{work}.cherry", "--weights", weights,
                              "--data", tokens, "--batches", str(BATCHES), "--json"))["loss"]

    with tempfile.TemporaryDirectory() as tmp:
        tokens = os.path.join(tmp, "tokens.bin")
        run(sys.executable, os.path.join(ROOT, "test/e2e/Inputs/make_tokens.py"), tokens,
            "4000", "61", "5")
        hf = os.path.join(tmp, "hf")
        run(sys.executable, os.path.join(ROOT, "test/Frontend/Inputs/make_hf_dir.py"), hf,
            "--layers", "4", "--weights", "F32", "--seed", "5")
        compress = "group-size=2 steps=4 step-norms=1"
        if args.lora_rank:
            compress += f" lora-rank={args.lora_rank} lora-alpha={args.lora_alpha}"
        run("cherry-translate", "--import-hf", hf, "-o", f"{tmp}/model.mlir")
        run("cherry-opt", f"{tmp}/model.mlir", f"--cherry-compress={compress}",
            f"--cherry-train=batch={B} seq={T} report=0", "-o", f"{tmp}/train.mlir")
        run("cherry-translate", "--emit-executable", f"{tmp}/train.mlir", "-o",
            f"{tmp}/train.cherry")
        run("cherry-run", "train", f"{tmp}/train.cherry", "--data", tokens, "--weights", hf,
            "--steps", str(args.steps), "--lr", "1e-2", "--save", f"{tmp}/run")
        ckpt = f"{tmp}/run/checkpoint-{args.steps}"
        print(run("cherry-run", "export", f"{tmp}/train.cherry", "--weights", ckpt,
                  "--out", f"{tmp}/dense").strip())

        recurrent = cherry_eval(ckpt, ckpt, f"{tmp}/recurrent")
        dense = cherry_eval(f"{tmp}/dense", f"{tmp}/dense", f"{tmp}/dense-model")
        hf32 = hf_loss(f"{tmp}/dense", tokens, torch.float32)
        hf64 = hf_loss(f"{tmp}/dense", tokens, torch.float64)
        rel = lambda a, b: abs(a - b) / abs(b)
        print(f"--cherry-compress=\"{compress}\", {args.steps} steps trained; "
              f"loss over {BATCHES} batches of {B}x{T} tokens:")
        print(f"  cherry-run eval, compressed (recurrent) model: {recurrent:.9f}")
        print(f"  cherry-run eval, exported 4-layer Llama:       {dense:.9f}"
              f"  (rel. diff {rel(dense, recurrent):.2e})")
        print(f"  transformers LlamaForCausalLM, float32:        {hf32:.9f}"
              f"  (rel. diff {rel(hf32, dense):.2e})")
        print(f"  transformers LlamaForCausalLM, float64:        {hf64:.9f}"
              f"  (rel. diff {rel(hf64, dense):.2e})")
        if rel(hf64, dense) > 1e-5:
            print("FAIL: transformers and cherry-run eval differ by more than 1e-5")
            return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
