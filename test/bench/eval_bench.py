#!/usr/bin/env python3
"""Evaluation and decoding throughput: cherry-run against PyTorch eager and torch.compile.

Usage:
    python3 test/bench/eval_bench.py [--model models/tiny | --train-config]
        [--batches 10] [--repeats 5] [--threads 2] [--build build]
        [--python PYTHON] [--no-compile] [--generate 256]

Compiles MODEL (a Hugging Face style directory; its "cherry" section gives
batch and seq; --train-config: the training benchmark's config of
train_bench.py instead) with `--cherry-infer`, runs `cherry-run eval` on
random tokens REPEATS times, and prints the median tokens/s and the peak
resident memory (max RSS of the process). With PyTorch in PYTHON (default:
~/oracle/bin/python when it exists, else this interpreter; the setup is in
docs/Performance.md) the same Llama runs there in a separate process per
mode, eager and torch.compile (--no-compile skips it), with the same
threads and OpenMP wait policy (GOMP_SPINCOUNT=3000, as cherry-run runs,
unless OMP_WAIT_POLICY or GOMP_SPINCOUNT is set), `torch.no_grad()`, float32 and the same batches. Weights are random
(the initializers): speed does not depend on their values.

With --generate N (and `transformers` in PYTHON) it also decodes: the model
with random weights is saved by `transformers` (LlamaForCausalLM,
safetensors), `cherry-run generate` (a --cherry-decode program, batch 1,
KV caches) and `transformers` `generate` (KV cache, greedy) each produce N
new tokens after the same 7-token prompt, REPEATS times, and the script
prints both rates (new tokens per second of generation, prompt included) and
whether the greedy tokens are identical.
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


def torch_worker(cfg_path, data_path, batch, seq, batches, threads, repeats, mode):
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

    if mode == "compile":
        forward = torch.compile(forward)
    raw = open(data_path, "rb").read()
    tokens = torch.tensor(struct.unpack(f"<{len(raw) // 2}H", raw), dtype=torch.long)
    n = batch * seq
    rates = []
    with torch.no_grad():
        for _ in range(2):  # warm-up (and compiling)
            forward(tokens[:n].view(batch, seq), tokens[1:n + 1].view(batch, seq))
        for _ in range(repeats):
            start = time.perf_counter()
            for b in range(batches):
                chunk = tokens[b * n: b * n + n + 1]
                forward(chunk[:-1].view(batch, seq), chunk[1:].view(batch, seq))
            rates.append(batches * n / (time.perf_counter() - start))
    print(json.dumps({"tokens_per_s": statistics.median(rates), "torch": torch.__version__}))


def hf_save_worker(cfg_path, out_dir, positions):
    """Saves a LlamaForCausalLM of the config with seeded random weights, room
    for `positions` positions, and the config (its "cherry" section kept)."""
    import torch
    import transformers
    cfg = json.load(open(cfg_path))
    cfg["max_position_embeddings"] = max(cfg.get("max_position_embeddings", 0),
                                         int(positions))
    torch.manual_seed(0)
    model = transformers.LlamaForCausalLM(transformers.LlamaConfig(
        **{k: v for k, v in cfg.items() if k != "cherry"}))
    model.save_pretrained(out_dir, safe_serialization=True)
    json.dump(cfg, open(os.path.join(out_dir, "config.json"), "w"), indent=2)


def hf_generate_worker(model_dir, prompt, new_tokens, threads, repeats):
    """Greedy KV-cache decoding with transformers: ids and median new tokens/s."""
    import torch
    import transformers
    torch.set_num_threads(threads)
    model = transformers.LlamaForCausalLM.from_pretrained(model_dir, dtype=torch.float32)
    model.eval()
    ids = torch.tensor([[int(t) for t in prompt.split(",")]])
    kwargs = dict(max_new_tokens=new_tokens, min_new_tokens=new_tokens, do_sample=False,
                  use_cache=True, pad_token_id=0)
    rates, out = [], None
    with torch.no_grad():
        model.generate(ids, **dict(kwargs, max_new_tokens=4, min_new_tokens=4))  # warm-up
        for _ in range(repeats):
            start = time.perf_counter()
            out = model.generate(ids, **kwargs)
            rates.append(new_tokens / (time.perf_counter() - start))
    print(json.dumps({"ids": out[0, ids.shape[1]:].tolist(),
                      "tokens_per_s": statistics.median(rates),
                      "transformers": transformers.__version__}))


def torch_env(threads):
    """The PyTorch processes' environment: the same threads, and the OpenMP wait
    policy cherry-run runs with (GOMP_SPINCOUNT=3000, a short spin, unless
    OMP_WAIT_POLICY or GOMP_SPINCOUNT is set; PyTorch's libgomp reads it too):
    libgomp's default spin of a few ms costs PyTorch several times its speed
    on a machine shared with other jobs."""
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    if "OMP_WAIT_POLICY" not in env and "GOMP_SPINCOUNT" not in env:
        env["GOMP_SPINCOUNT"] = "3000"
    return env


def peer_python(path):
    """--python, else ~/oracle/bin/python when it exists, else this interpreter."""
    if path:
        return path
    oracle = os.path.expanduser("~/oracle/bin/python")
    return oracle if os.path.exists(oracle) else sys.executable


def importable(python, module):
    return subprocess.run([python, "-c", f"import {module}"],
                          capture_output=True).returncode == 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=os.path.join(ROOT, "models", "tiny"))
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--batches", type=int, default=10)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--train-config", action="store_true",
                    help="the training benchmark's config (train_bench.py) instead of --model")
    ap.add_argument("--python", help="interpreter with PyTorch (default: "
                    "~/oracle/bin/python when it exists, else this one)")
    ap.add_argument("--no-compile", action="store_true", help="skip torch.compile")
    ap.add_argument("--generate", type=int, default=0, metavar="N",
                    help="also decode N tokens at batch 1 against transformers generate")
    ap.add_argument("--torch-worker", nargs=8, help=argparse.SUPPRESS)
    ap.add_argument("--hf-save-worker", nargs=3, help=argparse.SUPPRESS)
    ap.add_argument("--hf-generate-worker", nargs=5, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.torch_worker:
        c, dpath, b, s, k, t, r, mode = args.torch_worker
        return torch_worker(c, dpath, int(b), int(s), int(k), int(t), int(r), mode)
    if args.hf_save_worker:
        return hf_save_worker(*args.hf_save_worker)
    if args.hf_generate_worker:
        m, prompt, n, t, r = args.hf_generate_worker
        return hf_generate_worker(m, prompt, int(n), int(t), int(r))

    bin_dir = os.path.join(args.build, "bin")
    python = peer_python(args.python)
    with tempfile.TemporaryDirectory() as tmp:
        if args.train_config:
            sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
            from train_bench import CONFIG
            os.makedirs(f"{tmp}/bench-model")
            json.dump(CONFIG, open(f"{tmp}/bench-model/config.json", "w"))
            args.model = f"{tmp}/bench-model"
        cfg_path = os.path.join(args.model, "config.json")
        cfg = json.load(open(cfg_path))
        batch, seq = cfg["cherry"]["batch"], cfg["cherry"]["seq"]
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
        name = "training benchmark config" if args.train_config else \
            os.path.basename(os.path.normpath(args.model))
        print(f"model {name}: batch {batch} x seq {seq}, {args.batches} batches, "
              f"{args.threads} threads, median of {args.repeats}; load average "
              f"{os.getloadavg()[0]:.1f} at the start")
        print(f"  cherry-run eval   {ours:12.0f} tokens/s   peak RSS {max(rss):7.1f} MiB")

        if not importable(python, "torch"):
            print(f"  PyTorch not importable by {python} (docs/Performance.md: one-line "
                  "setup): no comparison")
            return 0
        names = {"eager": "PyTorch eager", "compile": "torch.compile"}
        for mode in ["eager"] + ([] if args.no_compile else ["compile"]):
            out, peak = child_peak_rss([python, os.path.abspath(__file__), "--torch-worker",
                                        cfg_path, data, str(batch), str(seq), str(args.batches),
                                        str(args.threads), str(args.repeats), mode],
                                       env=torch_env(args.threads))
            res = json.loads(out.strip().splitlines()[-1])
            theirs = res["tokens_per_s"]
            print(f"  {names[mode]:17} {theirs:12.0f} tokens/s   peak RSS {peak:7.1f} MiB   "
                  f"(torch {res['torch']})")
            print(f"    cherry-run / {names[mode]}: {ours / theirs:.2f}x tokens/s, "
                  f"{max(rss) / peak:.2f}x memory")

        if args.generate:
            if not importable(python, "transformers"):
                print(f"  transformers not importable by {python}: no decoding comparison")
                return 0
            new = args.generate
            prompt = "1,397,981,5,77,1000,42"
            hf = f"{tmp}/hf-model"
            env = torch_env(args.threads)
            capacity = 7 + new
            subprocess.run([python, os.path.abspath(__file__), "--hf-save-worker", cfg_path, hf,
                            str(capacity)], check=True, env=env, capture_output=True)
            subprocess.run([f"{bin_dir}/cherry-translate", "--import-hf", hf, "--no-weights",
                            "-o", f"{tmp}/hf.mlir"], check=True)
            subprocess.run([f"{bin_dir}/cherry-opt", f"{tmp}/hf.mlir",
                            f"--cherry-decode=batch=1 capacity={capacity}", "-o",
                            f"{tmp}/decode.mlir"], check=True)
            subprocess.run([f"{bin_dir}/cherry-translate", "--emit-executable",
                            f"{tmp}/decode.mlir", "-o", f"{tmp}/decode.cherry"], check=True)
            rates, ids = [], None
            for _ in range(args.repeats):
                out, _ = child_peak_rss([f"{bin_dir}/cherry-run", "generate",
                                         f"{tmp}/decode.cherry", "--weights", hf,
                                         "--prompt-ids", prompt, "--greedy",
                                         "--max-new-tokens", str(new), "--threads",
                                         str(args.threads), "--json"])
                res = json.loads(out.strip().splitlines()[-1])
                ids = res["ids"]
                # tokens_per_s counts decoding steps (prompt + new - 1).
                seconds = (7 + len(ids) - 1) / res["tokens_per_s"]
                rates.append(len(ids) / seconds)
            ours_gen = statistics.median(rates)
            out, _ = child_peak_rss([python, os.path.abspath(__file__), "--hf-generate-worker",
                                     hf, prompt, str(new), str(args.threads),
                                     str(args.repeats)], env=env)
            res = json.loads(out.strip().splitlines()[-1])
            same = res["ids"] == ids
            first = next((i for i, (a, b) in enumerate(zip(res["ids"], ids)) if a != b),
                         min(len(ids), len(res["ids"])))
            print(f"  greedy decode, batch 1, {new} new tokens after a 7-token prompt, new "
                  f"tokens/s, median of {args.repeats}:")
            print(f"    cherry-run generate      {ours_gen:8.0f}")
            print(f"    transformers generate    {res['tokens_per_s']:8.0f}   (transformers "
                  f"{res['transformers']})   cherry-run / transformers: "
                  f"{ours_gen / res['tokens_per_s']:.2f}x")
            print("    greedy tokens: " + ("identical" if same else
                                          f"DIFFERENT from position {first}"))
            if not same:
                return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
