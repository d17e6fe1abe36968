#!/usr/bin/env python3
"""Evaluation throughput and peak memory: cherry-run against PyTorch eager.

Usage:
    python3 test/bench/eval_bench.py [--model models/tiny] [--batches 10]
                                     [--repeats 5] [--threads 2] [--build build]

Compiles MODEL (a Hugging Face style directory; its "cherry" section gives
batch and seq) with `--cherry-infer`, runs `cherry-run eval` on random tokens
REPEATS times, and prints the median tokens/s and the peak resident memory
(max RSS of the process). When PyTorch is importable (Debian's
`python3-torch`), the same Llama runs in PyTorch eager in a separate
process with the same threads, `torch.no_grad()`, float32, and the same
batches, and the script prints the ratio. Weights are random (the
initializers): speed does not depend on their values.
"""

import argparse
import json
import os
import statistics
import struct
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def child_peak_rss(args, env=None):
    """Runs `args` and returns (stdout, peak RSS MiB) via wait4."""
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=env)
    stdout = proc.stdout.read()
    stderr = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        sys.exit(f"{' '.join(args)} failed:\n{stderr.decode()}")
    return stdout.decode(), usage.ru_maxrss / 1024.0


def torch_worker(cfg_path, data_path, batch, seq, batches, threads, repeats):
    import torch
    import torch.nn.functional as F

    torch.set_num_threads(threads)
    cfg = json.load(open(cfg_path))
    V, D, I = cfg["vocab_size"], cfg["hidden_size"], cfg["intermediate_size"]
    L, H = cfg["num_hidden_layers"], cfg["num_attention_heads"]
    K = cfg.get("num_key_value_heads", H)
    eps, theta = cfg.get("rms_norm_eps", 1e-6), cfg.get("rope_theta", 10000.0)
    tied = cfg.get("tie_word_embeddings", False)
    d = D // H
    g = torch.Generator().manual_seed(0)

    def w(*shape):
        return torch.randn(*shape, generator=g) * 0.02

    emb = w(V, D)
    layers = [dict(q=w(H * d, D), k=w(K * d, D), v=w(K * d, D), o=w(D, H * d),
                   gate=w(I, D), up=w(I, D), down=w(D, I),
                   n1=torch.ones(D), n2=torch.ones(D)) for _ in range(L)]
    norm = torch.ones(D)
    head = emb if tied else w(V, D)
    inv_freq = 1.0 / (theta ** (torch.arange(0, d, 2).float() / d))
    angles = torch.outer(torch.arange(seq).float(), inv_freq)
    cos = torch.cat([angles.cos(), angles.cos()], -1)
    sin = torch.cat([angles.sin(), angles.sin()], -1)
    mask = torch.full((seq, seq), float("-inf")).triu(1)

    def rms(x, weight):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * weight

    def rope(x):  # [B, heads, T, d]
        x1, x2 = x[..., : d // 2], x[..., d // 2:]
        return x * cos + torch.cat([-x2, x1], -1) * sin

    def forward(ids, targets):
        h = emb[ids]
        for p in layers:
            n = rms(h, p["n1"])
            q = (n @ p["q"].T).view(batch, seq, H, d).transpose(1, 2)
            k = (n @ p["k"].T).view(batch, seq, K, d).transpose(1, 2)
            v = (n @ p["v"].T).view(batch, seq, K, d).transpose(1, 2)
            q, k = rope(q), rope(k)
            k = k.repeat_interleave(H // K, dim=1)
            v = v.repeat_interleave(H // K, dim=1)
            # Eager attention as Hugging Face's LlamaAttention computes it
            # (torch 1.13 in Debian has no scaled_dot_product_attention).
            scores = (q @ k.transpose(-1, -2)) * (d ** -0.5) + mask
            a = torch.softmax(scores, dim=-1) @ v
            h = h + a.transpose(1, 2).reshape(batch, seq, D) @ p["o"].T
            n = rms(h, p["n2"])
            h = h + (F.silu(n @ p["gate"].T) * (n @ p["up"].T)) @ p["down"].T
        logits = rms(h, norm) @ head.T
        return F.cross_entropy(logits.view(-1, V), targets.view(-1))

    raw = open(data_path, "rb").read()
    tokens = torch.tensor(struct.unpack(f"<{len(raw) // 2}H", raw), dtype=torch.long)
    n = batch * seq
    rates = []
    with torch.no_grad():
        forward(tokens[:n].view(batch, seq), tokens[1:n + 1].view(batch, seq))  # warm-up
        for _ in range(repeats):
            start = time.perf_counter()
            for b in range(batches):
                chunk = tokens[b * n: b * n + n + 1]
                forward(chunk[:-1].view(batch, seq), chunk[1:].view(batch, seq))
            rates.append(batches * n / (time.perf_counter() - start))
    print(json.dumps({"tokens_per_s": statistics.median(rates)}))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=os.path.join(ROOT, "models", "tiny"))
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--batches", type=int, default=10)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--torch-worker", nargs=7, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.torch_worker:
        c, dpath, b, s, k, t, r = args.torch_worker
        return torch_worker(c, dpath, int(b), int(s), int(k), int(t), int(r))

    cfg_path = os.path.join(args.model, "config.json")
    cfg = json.load(open(cfg_path))
    batch, seq = cfg["cherry"]["batch"], cfg["cherry"]["seq"]
    bin_dir = os.path.join(args.build, "bin")
    with tempfile.TemporaryDirectory() as tmp:
        import random
        rng = random.Random(0)
        count = args.batches * batch * seq + 1
        data = os.path.join(tmp, "tokens.bin")
        with open(data, "wb") as f:
            f.write(struct.pack(f"<{count}H", *(rng.randrange(cfg["vocab_size"])
                                                for _ in range(count))))
        subprocess.run([f"{bin_dir}/cherry-translate", "--import-hf", args.model,
                        "--no-weights", "-o", f"{tmp}/model.mlir"], check=True)
        subprocess.run([f"{bin_dir}/cherry-opt", f"{tmp}/model.mlir",
                        f"--cherry-infer=batch={batch} seq={seq} report=0",
                        "-o", f"{tmp}/infer.mlir"], check=True)
        subprocess.run([f"{bin_dir}/cherry-translate", "--emit-executable",
                        f"{tmp}/infer.mlir", "-o", f"{tmp}/model.cherry"], check=True)

        rates, rss = [], []
        for _ in range(args.repeats):
            out, peak = child_peak_rss([f"{bin_dir}/cherry-run", "eval", f"{tmp}/model.cherry",
                                        "--data", data, "--batches", str(args.batches),
                                        "--threads", str(args.threads), "--json"])
            rates.append(json.loads(out)["tokens_per_s"])
            rss.append(peak)
        ours = statistics.median(rates)
        print(f"model {os.path.basename(os.path.normpath(args.model))}: batch {batch} x seq {seq}, "
              f"{args.batches} batches, {args.threads} threads, median of {args.repeats}")
        print(f"  cherry-run eval   {ours:12.0f} tokens/s   peak RSS {max(rss):7.1f} MiB")

        try:
            import torch  # noqa: F401
        except ImportError:
            print("  PyTorch not installed (apt-get install python3-torch): no comparison")
            return 0
        out, peak = child_peak_rss([sys.executable, os.path.abspath(__file__), "--torch-worker",
                                    cfg_path, data, str(batch), str(seq), str(args.batches),
                                    str(args.threads), str(args.repeats)],
                                   env=dict(os.environ, OMP_NUM_THREADS=str(args.threads)))
        theirs = json.loads(out)["tokens_per_s"]
        print(f"  PyTorch eager     {theirs:12.0f} tokens/s   peak RSS {peak:7.1f} MiB")
        print(f"  ratio (cherry-run / PyTorch): {ours / theirs:.2f}x tokens/s, "
              f"{max(rss) / peak:.2f}x memory")
    return 0


if __name__ == "__main__":
    sys.exit(main())
