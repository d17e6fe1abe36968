#!/usr/bin/env python3
"""Training parity with PyTorch: 3 AdamW steps of cherry-run train against
torch.optim.AdamW on the same Hugging Face Llama semantics, weights and tokens.

Run by hand where Debian's python3-torch is installed:

    /usr/bin/python3 test/oracle/train_parity_torch.py [--build build]

It writes a small Llama directory with random F32 weights (GQA, tied
embeddings, odd sizes), compiles it with --cherry-train, runs 3 steps of
`cherry-run train` (lr 1e-3, weight decay 0.1 on matrices, betas 0.9/0.95,
eps 1e-8, no clipping), runs the same 3 steps in PyTorch eager (float64, the
Llama forward written out as Hugging Face computes it, AdamW with weight decay
on parameters of rank >= 2 only), and prints the largest relative difference
of every tensor after the 3 steps. Exits 1 above 1e-3.
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

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def read_safetensors(path):
    data = open(path, "rb").read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        b, e = info["data_offsets"]
        values = struct.unpack(f"<{(e - b) // 4}f", data[8 + n + b:8 + n + e])
        out[name] = torch.tensor(values, dtype=torch.float64).view(*info["shape"])
    return out


def forward(w, cfg, ids, targets):
    V, D = cfg["vocab_size"], cfg["hidden_size"]
    H, K = cfg["num_attention_heads"], cfg["num_key_value_heads"]
    L, eps, theta = cfg["num_hidden_layers"], cfg["rms_norm_eps"], cfg["rope_theta"]
    d = D // H
    B, T = ids.shape
    inv_freq = 1.0 / (theta ** (torch.arange(0, d, 2, dtype=torch.float64) / d))
    ang = torch.outer(torch.arange(T, dtype=torch.float64), inv_freq)
    cos, sin = torch.cat([ang.cos()] * 2, -1), torch.cat([ang.sin()] * 2, -1)
    mask = torch.full((T, T), float("-inf"), dtype=torch.float64).triu(1)

    def rms(x, g):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * g

    def rope(x):
        x1, x2 = x[..., : d // 2], x[..., d // 2:]
        return x * cos + torch.cat([-x2, x1], -1) * sin

    emb = w["model.embed_tokens.weight"]
    h = emb[ids]
    for i in range(L):
        p = lambda n: w[f"model.layers.{i}.{n}"]
        n = rms(h, p("input_layernorm.weight"))
        q = (n @ p("self_attn.q_proj.weight").T).view(B, T, H, d).transpose(1, 2)
        k = (n @ p("self_attn.k_proj.weight").T).view(B, T, K, d).transpose(1, 2)
        v = (n @ p("self_attn.v_proj.weight").T).view(B, T, K, d).transpose(1, 2)
        q, k = rope(q), rope(k)
        k, v = k.repeat_interleave(H // K, 1), v.repeat_interleave(H // K, 1)
        a = torch.softmax(q @ k.transpose(-1, -2) * d ** -0.5 + mask, -1) @ v
        h = h + a.transpose(1, 2).reshape(B, T, D) @ p("self_attn.o_proj.weight").T
        n = rms(h, p("post_attention_layernorm.weight"))
        h = h + (F.silu(n @ p("mlp.gate_proj.weight").T) * (n @ p("mlp.up_proj.weight").T)) \
            @ p("mlp.down_proj.weight").T
    head = w.get("lm_head.weight", emb)
    logits = rms(h, w["model.norm.weight"]) @ head.T
    return F.cross_entropy(logits.view(-1, V), targets.reshape(-1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    args = ap.parse_args()
    bin_dir = os.path.join(args.build, "bin")
    env = dict(os.environ, PATH=bin_dir + os.pathsep + os.environ["PATH"])
    B, T, steps = 2, 9, 3
    with tempfile.TemporaryDirectory() as tmp:
        model = os.path.join(tmp, "model")
        subprocess.run([sys.executable, os.path.join(ROOT, "test/Frontend/Inputs/make_hf_dir.py"),
                        model, "--heads", "6", "--kv-heads", "2", "--tied", "--weights", "F32",
                        "--std", "0.3", "--seed", "7"], check=True)
        tokens = os.path.join(tmp, "tokens.bin")
        subprocess.run([sys.executable, os.path.join(ROOT, "test/e2e/Inputs/make_tokens.py"),
                        tokens, str(steps * B * T + 1), "61", "3"], check=True)
        run = lambda *a: subprocess.run(a, check=True, env=env, capture_output=True)
        run("cherry-translate", "--import-hf", model, "-o", f"{tmp}/m.mlir")
        run("cherry-opt", f"{tmp}/m.mlir", f"--cherry-train=batch={B} seq={T} report=0",
            "-o", f"{tmp}/t.mlir")
        run("cherry-translate", "--emit-executable", f"{tmp}/t.mlir", "-o", f"{tmp}/t.cherry")
        run("cherry-run", "train", f"{tmp}/t.cherry", "--weights", model, "--data", tokens,
            "--steps", str(steps), "--lr", "1e-3", "--weight-decay", "0.1", "--beta1", "0.9",
            "--beta2", "0.95", "--eps", "1e-8", "--save", f"{tmp}/run", "--json")
        ours = read_safetensors(f"{tmp}/run/checkpoint-{steps}/model.safetensors")

        cfg = json.load(open(f"{model}/config.json"))
        before = read_safetensors(f"{model}/model.safetensors")
        w = {k: v.clone().requires_grad_(True) for k, v in before.items()}
        decay = [v for v in w.values() if v.dim() >= 2]
        no_decay = [v for v in w.values() if v.dim() < 2]
        opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1},
                                 {"params": no_decay, "weight_decay": 0.0}],
                                lr=1e-3, betas=(0.9, 0.95), eps=1e-8)
        raw = open(tokens, "rb").read()
        toks = torch.tensor(struct.unpack(f"<{len(raw) // 2}H", raw), dtype=torch.long)
        for s in range(steps):
            chunk = toks[s * B * T: s * B * T + B * T + 1]
            opt.zero_grad()
            loss = forward(w, cfg, chunk[:-1].view(B, T), chunk[1:].view(B, T))
            loss.backward()
            opt.step()
            print(f"step {s + 1}: PyTorch loss {loss.item():.6f}")

        # Weights after 3 steps, and (stricter) the 3 steps' updates.
        worst = worst_update = 0.0
        for name in sorted(w):
            ref = w[name].detach()
            diff = ((ours[name] - ref).abs().max() / ref.abs().max()).item()
            ref_update = ref - before[name]
            update = ((ours[name] - before[name] - ref_update).abs().max()
                      / ref_update.abs().max()).item()
            worst, worst_update = max(worst, diff), max(worst_update, update)
            print(f"{name:48s} weights {diff:.2e}   updates {update:.2e}")
        print(f"worst relative difference: weights {worst:.2e}, updates "
              f"{worst_update:.2e} ({'OK' if worst <= 1e-3 else 'FAIL'}, "
              f"tolerance 1e-3 on the weights)")
        return 0 if worst <= 1e-3 else 1


if __name__ == "__main__":
    sys.exit(main())
