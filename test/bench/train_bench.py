#!/usr/bin/env python3
"""Training throughput: cherry-run train against PyTorch eager and torch.compile.

Usage:
    python3 test/bench/train_bench.py [--steps 12] [--threads 2] [--repeats 3]
        [--build build] [--python PYTHON] [--no-compile] [--sgt RATIO]
        [--determinism] [--gemm]

The model is the training benchmark config (vocab 8192, hidden 256,
intermediate 688, 4 layers, 4 heads, seq 256, batch 8), random weights. The
script compiles it with --cherry-train, runs `cherry-run train` (AdamW)
REPEATS times and reports the median of the runs' median tokens/s and the
peak RSS. With PyTorch in PYTHON (default: ~/oracle/bin/python when it
exists, else this interpreter; docs/Performance.md has the one-line setup)
it trains the same Llama there, float32, the same threads and OpenMP wait
policy (GOMP_SPINCOUNT=3000, as cherry-run runs, unless OMP_WAIT_POLICY or
GOMP_SPINCOUNT is set),
torch.optim.AdamW,
in eager mode and with torch.compile (Inductor; --no-compile skips it), each
in its own process, REPEATS rounds of STEPS steps (warm-up steps, and for
torch.compile the compiling ones, not timed), the figure the median of the
rounds' medians. The sgemm peak is the fastest of torch.mm (measured by the
eager process), cherry's own linear (cherry-kernel-bench) and the same on
OpenBLAS (CHERRY_GEMM=openblas), 2048^3, same threads, medians of 5, and
every engine's model-FLOP
utilization is (forward + backward FLOPs per token from cherry-cost-report)
x tokens/s / peak. With --determinism it also times `cherry-run train
--no-deterministic` (GEMMs one slice per thread; the ratio is what
deterministic mode, the default, costs) and checks that `--deterministic`
losses and gradient norms on 1 thread and on --threads are bit-identical.
"""
import argparse
import json
import os
import random
import statistics
import struct
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from eval_bench import child_peak_rss, torch_env  # noqa: E402

CONFIG = {"architectures": ["LlamaForCausalLM"], "model_type": "llama",
          "vocab_size": 8192, "hidden_size": 256, "intermediate_size": 688,
          "num_hidden_layers": 4, "num_attention_heads": 4, "num_key_value_heads": 4,
          "hidden_act": "silu", "rms_norm_eps": 1e-5, "rope_theta": 10000.0,
          "tie_word_embeddings": True, "initializer_range": 0.02,
          "max_position_embeddings": 256, "cherry": {"batch": 8, "seq": 256}}


def torch_worker(cfg_path, data_path, steps, threads, mode, repeats):
    import torch
    import torch.nn.functional as F
    torch.set_num_threads(threads)
    cfg = json.load(open(cfg_path))
    V, D, I = cfg["vocab_size"], cfg["hidden_size"], cfg["intermediate_size"]
    L, H = cfg["num_hidden_layers"], cfg["num_attention_heads"]
    B, T = cfg["cherry"]["batch"], cfg["cherry"]["seq"]
    d, eps = D // H, cfg["rms_norm_eps"]
    g = torch.Generator().manual_seed(0)
    mk = lambda *s: (torch.randn(*s, generator=g) * 0.02).requires_grad_(True)
    emb = mk(V, D)
    layers = [dict(q=mk(D, D), k=mk(D, D), v=mk(D, D), o=mk(D, D), gate=mk(I, D),
                   up=mk(I, D), down=mk(D, I), n1=torch.ones(D, requires_grad=True),
                   n2=torch.ones(D, requires_grad=True)) for _ in range(L)]
    norm = torch.ones(D, requires_grad=True)
    params = [emb, norm] + [p for layer in layers for p in layer.values()]
    opt = torch.optim.AdamW(params, lr=1e-3)
    inv = 1.0 / (10000.0 ** (torch.arange(0, d, 2).float() / d))
    ang = torch.outer(torch.arange(T).float(), inv)
    cos, sin = torch.cat([ang.cos()] * 2, -1), torch.cat([ang.sin()] * 2, -1)
    mask = torch.full((T, T), float("-inf")).triu(1)
    rms = lambda x, w: x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w

    def rope(x):
        x1, x2 = x[..., : d // 2], x[..., d // 2:]
        return x * cos + torch.cat([-x2, x1], -1) * sin

    def loss_fn(ids, targets):
        h = emb[ids]
        for p in layers:
            n = rms(h, p["n1"])
            q = rope((n @ p["q"].T).view(B, T, H, d).transpose(1, 2))
            k = rope((n @ p["k"].T).view(B, T, H, d).transpose(1, 2))
            v = (n @ p["v"].T).view(B, T, H, d).transpose(1, 2)
            a = torch.softmax(q @ k.transpose(-1, -2) * d ** -0.5 + mask, -1) @ v
            h = h + a.transpose(1, 2).reshape(B, T, D) @ p["o"].T
            n = rms(h, p["n2"])
            h = h + (F.silu(n @ p["gate"].T) * (n @ p["up"].T)) @ p["down"].T
        return F.cross_entropy((rms(h, norm) @ emb.T).view(-1, V), targets.reshape(-1))

    warmup = 1
    if mode == "compile":
        loss_fn = torch.compile(loss_fn)
        warmup = 2  # the first call compiles, the second may specialize
    raw = open(data_path, "rb").read()
    toks = torch.tensor(struct.unpack(f"<{len(raw) // 2}H", raw), dtype=torch.long)
    medians = []
    for r in range(repeats):
        rates = []
        for s in range(steps):
            chunk = toks[s * B * T: s * B * T + B * T + 1]
            t0 = time.perf_counter()
            opt.zero_grad()
            loss = loss_fn(chunk[:-1].view(B, T), chunk[1:].view(B, T))
            loss.backward()
            opt.step()
            rates.append(B * T / (time.perf_counter() - t0))
        medians.append(statistics.median(rates[warmup if r == 0 else 0:]))
    result = {"tokens_per_s": statistics.median(medians), "torch": torch.__version__}
    if mode == "eager":
        result["sgemm_flops"] = sgemm_peak(torch)
    print(json.dumps(result))


def sgemm_peak(torch):
    """FLOP/s of torch.mm on 2048 x 2048 float32, median of 5, this process's threads."""
    a, b = torch.randn(2048, 2048), torch.randn(2048, 2048)
    a @ b
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        a @ b
        times.append(time.perf_counter() - t0)
    return 2 * 2048 ** 3 / statistics.median(times)


def gemm_peak(bin_dir, threads, repetitions=5):
    """FLOP/s of cherry's linear on 2048 x 2048 x 2048, median of
    `repetitions`, on `threads` threads (cherry-kernel-bench): the faster of
    its default GEMM (the packed one on x86-64-v4 and -v3) and OpenBLAS's
    sgemm (CHERRY_GEMM=openblas), so that the peak is the best this machine
    runs, whichever it is."""
    def median_flops(gemm):
        out = subprocess.run([f"{bin_dir}/cherry-kernel-bench",
                              "--benchmark_filter=^BM_Linear/m:2048/n:2048/k:2048/",
                              f"--benchmark_repetitions={repetitions}",
                              "--benchmark_format=json"],
                             check=True, capture_output=True, text=True,
                             env=dict(os.environ, OMP_NUM_THREADS=str(threads),
                                      CHERRY_GEMM=gemm)).stdout
        return statistics.median(b["flops"] for b in json.loads(out)["benchmarks"]
                                 if b.get("run_type") == "iteration")
    return max(median_flops("packed"), median_flops("openblas"))


def peer_python(path):
    """The interpreter the PyTorch runs use: --python, else ~/oracle/bin/python
    when it exists, else this one."""
    if path:
        return path
    oracle = os.path.expanduser("~/oracle/bin/python")
    return oracle if os.path.exists(oracle) else sys.executable


def has_torch(python):
    return subprocess.run([python, "-c", "import torch"], capture_output=True).returncode == 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--steps", type=int, default=12)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3,
                    help="runs of each engine; figures are medians over them")
    ap.add_argument("--python", help="interpreter with PyTorch (default: "
                    "~/oracle/bin/python when it exists, else this one)")
    ap.add_argument("--no-compile", action="store_true",
                    help="skip the torch.compile run")
    ap.add_argument("--sgt", type=float, metavar="RATIO",
                    help="also time selective training (random policy) at this "
                         "ratio, a run after each full run, and print its speed-up "
                         "(median of the pairs' ratios) and the FLOPs saved")
    ap.add_argument("--determinism", action="store_true",
                    help="also time --no-deterministic and check that "
                         "--deterministic losses on 1 and --threads threads "
                         "are bit-identical")
    ap.add_argument("--gemm", action="store_true",
                    help="also time cherry-run train with CHERRY_GEMM=openblas "
                         "(every GEMM on the OpenBLAS grid), a run right after "
                         "each default run, and print the median of the pairs' "
                         "ratios")
    ap.add_argument("--torch-worker", nargs=6, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.torch_worker:
        c, dpath, s, t, mode, r = args.torch_worker
        return torch_worker(c, dpath, int(s), int(t), mode, int(r))
    bin_dir = os.path.join(args.build, "bin")
    B, T = CONFIG["cherry"]["batch"], CONFIG["cherry"]["seq"]
    with tempfile.TemporaryDirectory() as tmp:
        model = os.path.join(tmp, "model")
        os.makedirs(model)
        json.dump(CONFIG, open(os.path.join(model, "config.json"), "w"))
        rng = random.Random(0)
        count = args.steps * B * T + 1
        data = os.path.join(tmp, "tokens.bin")
        open(data, "wb").write(struct.pack(f"<{count}H", *(rng.randrange(8192) for _ in range(count))))
        run = lambda *a: subprocess.run(a, check=True, capture_output=True, text=True).stdout
        run(f"{bin_dir}/cherry-translate", "--import-hf", model, "-o", f"{tmp}/m.mlir")
        report = json.loads(run(f"{bin_dir}/cherry-opt", f"{tmp}/m.mlir",
                                "--cherry-cost-report=format=json", "-o", "/dev/null"))
        fn = report["functions"][0]
        total = fn["total"]
        flops_per_token = (total["forward_flops"] + total["backward_flops"]) / fn["tokens_per_call"]
        run(f"{bin_dir}/cherry-opt", f"{tmp}/m.mlir", "--cherry-train=report=0", "-o", f"{tmp}/t.mlir")
        run(f"{bin_dir}/cherry-translate", "--emit-executable", f"{tmp}/t.mlir", "-o", f"{tmp}/t.cherry")
        if args.sgt:
            run(f"{bin_dir}/cherry-opt", f"{tmp}/m.mlir",
                f"--cherry-train=sgt=random sgt-ratio={args.sgt} report=0", "-o", f"{tmp}/s.mlir")
            run(f"{bin_dir}/cherry-translate", "--emit-executable", f"{tmp}/s.mlir", "-o",
                f"{tmp}/s.cherry")

        def train_rate(program, name, env=None):
            out, peak = child_peak_rss([f"{bin_dir}/cherry-run", "train", f"{tmp}/{program}",
                                        "--data", data, "--steps", str(args.steps), "--save",
                                        f"{tmp}/{name}", "--threads", str(args.threads),
                                        "--json"], env=env)
            return json.loads(out.strip().splitlines()[-1])["tokens_per_s"], peak

        # With --sgt each round runs the full step and then the SGT step, so
        # each pair's ratio is taken under one load; the SGT figure is the
        # median of the rounds' ratios.
        # --gemm pairs each run with one on the OpenBLAS grid the same way.
        # Each full run is followed by a short peak measurement, so that on a
        # shared host each run's MFU is taken against the machine as it was.
        rates, rss, sgt_rates, blas_rates, round_peaks = [], 0.0, [], [], []
        for r in range(args.repeats):
            rate, peak = train_rate("t.cherry", f"run{r}")
            rates.append(rate)
            rss = max(rss, peak)
            round_peaks.append(gemm_peak(bin_dir, args.threads, repetitions=3))
            if args.sgt:
                sgt_rates.append(train_rate("s.cherry", f"srun{r}")[0])
            if args.gemm:
                blas_rates.append(train_rate("t.cherry", f"brun{r}",
                                             dict(os.environ, CHERRY_GEMM="openblas"))[0])
        ours = statistics.median(rates)
        print(f"train config: vocab 8192, hidden 256, 4 layers, 4 heads, batch {B} x seq {T}; "
              f"{args.steps} steps, {args.threads} threads, median of {args.repeats} runs' "
              f"median tokens/s; load average {os.getloadavg()[0]:.1f} at the start")
        print(f"  model FLOPs per token (forward + backward): {flops_per_token / 1e6:.1f} M")
        print(f"  cherry-run train  {ours:10.0f} tokens/s   peak RSS {rss:7.1f} MiB")
        round_mfu = [rate * flops_per_token / p for rate, p in zip(rates, round_peaks)]
        print(f"  cherry-run MFU against cherry's linear 2048^3 measured right after "
              f"each run: {statistics.median(round_mfu):.0%} (rounds: "
              + ", ".join(f"{m:.0%} of {p / 1e9:.0f}" for m, p in zip(round_mfu, round_peaks))
              + ")")
        if args.gemm:
            pairs = [o / b for o, b in zip(rates, blas_rates)]
            print(f"  CHERRY_GEMM=openblas {statistics.median(blas_rates):6.0f} tokens/s   the "
                  f"default GEMM runs at {statistics.median(pairs):.3f}x its speed (median of "
                  f"{len(pairs)} paired rounds: {', '.join(f'{p:.3f}' for p in pairs)})")
        if args.determinism:
            def train_run(threads, name, mode):
                text, _ = child_peak_rss([f"{bin_dir}/cherry-run", "train", f"{tmp}/t.cherry",
                                          "--data", data, "--steps", str(args.steps), "--save",
                                          f"{tmp}/{name}", "--threads", str(threads), mode,
                                          "--json"])
                records = [json.loads(line) for line in text.strip().splitlines()]
                steps = [(r["loss"], r["grad_norm"]) for r in records if "loss" in r]
                return records[-1]["tokens_per_s"], steps
            _, det_steps = train_run(args.threads, "det", "--deterministic")
            _, one_steps = train_run(1, "det1", "--deterministic")
            fast_rate, _ = train_run(args.threads, "fast", "--no-deterministic")
            same = det_steps == one_steps
            print(f"  --no-deterministic {fast_rate:9.0f} tokens/s   deterministic mode (the "
                  f"default) runs at {ours / fast_rate:.3f}x its speed; --deterministic losses "
                  f"and grad norms on 1 and {args.threads} threads: "
                  f"{'bit-identical' if same else 'DIFFERENT'}")
            if not same:
                return 1
        if args.sgt:
            sgt_report = json.loads(run(f"{bin_dir}/cherry-opt", f"{tmp}/m.mlir",
                                        f"--cherry-sgt=ratio={args.sgt}", "--cherry-sgt-sparsify",
                                        "--cherry-cost-report=format=json", "-o", "/dev/null"))
            # The whole graph's FLOPs: sparsification also moves the last
            # layer's row-wise ops onto the selected rows.
            after = sgt_report["functions"][0]["total"]
            saved = (total["forward_flops"] + total["backward_flops"]
                     - after["forward_flops"] - after["backward_flops"]) / fn["tokens_per_call"]
            sgt_rate = statistics.median(sgt_rates)
            ratios = [s / f for s, f in zip(sgt_rates, rates)]
            print(f"  SGT {args.sgt:.0%} (random)  {sgt_rate:10.0f} tokens/s   "
                  f"{statistics.median(ratios):.2f}x the full-loss step (median of "
                  f"{len(ratios)} paired rounds: {', '.join(f'{x:.2f}' for x in ratios)}); "
                  f"FLOPs saved {saved / 1e6:.1f} M of {flops_per_token / 1e6:.1f} M per token "
                  f"(bound {flops_per_token / (flops_per_token - saved):.2f}x)")
        python = peer_python(args.python)
        if not has_torch(python):
            print(f"  PyTorch not importable by {python} (docs/Performance.md: one-line "
                  "setup): no comparison")
            return 0
        peers = {}
        for mode in ["eager"] + ([] if args.no_compile else ["compile"]):
            out, trss = child_peak_rss([python, os.path.abspath(__file__), "--torch-worker",
                                        os.path.join(model, "config.json"), data,
                                        str(args.steps), str(args.threads), mode,
                                        str(args.repeats)],
                                       env=torch_env(args.threads))
            peers[mode] = (json.loads(out.strip().splitlines()[-1]), trss)
        torch_peak = peers["eager"][0]["sgemm_flops"]
        blas_peak = gemm_peak(bin_dir, args.threads)
        peak = max(torch_peak, blas_peak)
        mfu = lambda rate: f"{rate * flops_per_token / peak:.0%}"
        print(f"  sgemm peak {peak / 1e9:.0f} GFLOP/s, the faster of torch.mm "
              f"({torch_peak / 1e9:.0f}) and cherry's linear, packed or OpenBLAS "
              f"({blas_peak / 1e9:.0f}), "
              f"2048^3 float32, {args.threads} threads, measured in this run")
        print(f"  cherry-run MFU {mfu(ours)}")
        names = {"eager": "PyTorch eager", "compile": "torch.compile"}
        for mode, (res, trss) in peers.items():
            theirs = res["tokens_per_s"]
            print(f"  {names[mode]:17} {theirs:10.0f} tokens/s   peak RSS {trss:7.1f} MiB   "
                  f"MFU {mfu(theirs)}   (torch {res['torch']})")
            print(f"    cherry-run / {names[mode]}: {ours / theirs:.2f}x tokens/s, "
                  f"{rss / trss:.2f}x memory")
    return 0


if __name__ == "__main__":
    sys.exit(main())
