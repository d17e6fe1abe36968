#!/usr/bin/env python3
"""PyTorch's training tokens/s on the GPU for a CHERRY model config.

  python3 torch_bench.py CONFIG.json MODE STEPS

The same Llama as cherry-run trains (RMSNorm, rotate-half RoPE, grouped
query attention, SwiGLU, tied or untied head, AdamW), at the config's
"cherry" batch and seq, on random tokens. MODE: eager (bf16 autocast,
scaled_dot_product_attention) or compile (the same under torch.compile).
Prints one JSON object: tokens_per_s (median over the timed steps after
three warm-ups), peak_memory_bytes, loss of the last step. The bundle's
run.sh runs it beside cherry-run (docs/CUDA.md).
"""
import json
import statistics
import sys
import time

import torch
import torch.nn.functional as F


def main():
    cfg = json.load(open(sys.argv[1]))
    mode, steps = sys.argv[2], int(sys.argv[3])
    dev = torch.device("cuda")
    V, D, I = cfg["vocab_size"], cfg["hidden_size"], cfg["intermediate_size"]
    L, H = cfg["num_hidden_layers"], cfg["num_attention_heads"]
    KV = cfg.get("num_key_value_heads", H)
    B, T = cfg["cherry"]["batch"], cfg["cherry"]["seq"]
    d, eps = D // H, cfg.get("rms_norm_eps", 1e-5)
    theta = cfg.get("rope_theta", 10000.0)
    tied = cfg.get("tie_word_embeddings", True)
    g = torch.Generator(device=dev).manual_seed(0)

    def mk(*s):
        return (torch.randn(*s, generator=g, device=dev) * 0.02).requires_grad_(True)

    emb = mk(V, D)
    head = emb if tied else mk(V, D)
    layers = [dict(q=mk(H * d, D), k=mk(KV * d, D), v=mk(KV * d, D), o=mk(D, H * d),
                   gate=mk(I, D), up=mk(I, D), down=mk(D, I),
                   n1=torch.ones(D, device=dev, requires_grad=True),
                   n2=torch.ones(D, device=dev, requires_grad=True))
              for _ in range(L)]
    norm = torch.ones(D, device=dev, requires_grad=True)
    params = [emb, norm] + ([] if tied else [head]) + \
        [p for layer in layers for p in layer.values()]
    opt = torch.optim.AdamW(params, lr=1e-3, fused=True)
    inv = 1.0 / (theta ** (torch.arange(0, d, 2, device=dev).float() / d))
    ang = torch.outer(torch.arange(T, device=dev).float(), inv)
    cos, sin = torch.cat([ang.cos()] * 2, -1), torch.cat([ang.sin()] * 2, -1)

    def rms(x, w):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w

    def rope(x):
        x1, x2 = x[..., : d // 2], x[..., d // 2:]
        return x * cos + torch.cat([-x2, x1], -1) * sin

    def loss_fn(ids, targets):
        h = emb[ids]
        for p in layers:
            n = rms(h, p["n1"])
            q = rope((n @ p["q"].T).view(B, T, H, d).transpose(1, 2))
            k = rope((n @ p["k"].T).view(B, T, KV, d).transpose(1, 2))
            v = (n @ p["v"].T).view(B, T, KV, d).transpose(1, 2)
            a = F.scaled_dot_product_attention(q, k, v, is_causal=True,
                                               enable_gqa=KV != H)
            h = h + a.transpose(1, 2).reshape(B, T, H * d) @ p["o"].T
            n = rms(h, p["n2"])
            h = h + (F.silu(n @ p["gate"].T) * (n @ p["up"].T)) @ p["down"].T
        logits = rms(h, norm) @ head.T
        return F.cross_entropy(logits.float().view(-1, V), targets.reshape(-1))

    fn = torch.compile(loss_fn) if mode == "compile" else loss_fn
    toks = torch.randint(0, V, (steps + 3, B, T + 1), generator=g, device=dev)
    torch.cuda.reset_peak_memory_stats()
    times = []
    loss = None
    for s in range(steps + 3):
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        with torch.autocast("cuda", dtype=torch.bfloat16):
            loss = fn(toks[s, :, :-1], toks[s, :, 1:])
        loss.backward()
        opt.step()
        torch.cuda.synchronize()
        times.append(time.perf_counter() - t0)
    print(json.dumps({"mode": mode, "tokens_per_s": B * T / statistics.median(times[3:]),
                      "peak_memory_bytes": torch.cuda.max_memory_allocated(),
                      "loss": float(loss)}))


if __name__ == "__main__":
    main()
