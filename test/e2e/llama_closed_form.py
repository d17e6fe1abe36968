#!/usr/bin/env python3
"""Checks a `--cherry-cost-report=format=json` report of a generated Llama
model against closed-form parameter and FLOP counts computed from config.json
alone.

Usage:
    cherry-opt models/tiny/model.mlir --cherry-cost-report=format=json -o /dev/null \
        | python3 test/e2e/llama_closed_form.py models/tiny/config.json
    cherry-opt MODEL --cherry-compress="group-size=G steps=S [step-norms=1]" \
        --cherry-cost-report=format=json -o /dev/null \
        | python3 test/e2e/llama_closed_form.py CONFIG --compress G,S [--step-norms] [--lora R]

With --compress the expected report is that of the model compressed to
L/G shared layers run for S steps (unrolled: S decoder_layer rows, each a
full layer's FLOPs, every shared weight counted once in the total; the L
source layers are declared, loaded and read by nothing). --lora R adds
per-step LoRA of rank R on the seven projections (lora-rank=R): per step and
projection [out, in], A [R, in] and B [out, R], computed as
linear(x, W) + linear(scale(linear(x, A)), B): 2*N*in*R + N*R + 2*N*R*out + N*out
forward FLOPs.

This is deliberately independent of the importer (cherry-translate
--import-hf) and of the IR: it
reads only the Hugging Face config and redoes the arithmetic by hand, so a bug
in the generator, in an op's cost model or in the report shows up as a
mismatch. Exits 1 with one line per mismatch; prints a summary otherwise.

Conventions (dialects/lib/Cherry/IR/CherryCost.cpp, docs/CostModel.md): a
multiply-add is 2 FLOPs, backward is 2x forward except for the embedding
(whose backward scatter-adds one row per token, N*D).
"""

import json
import sys


def closed_form(cfg, compress=None, step_norms=False, lora=0):
    V = cfg["vocab_size"]
    D = cfg["hidden_size"]
    F = cfg["intermediate_size"]
    L = cfg["num_hidden_layers"]
    H = cfg["num_attention_heads"]
    K = cfg["num_key_value_heads"]
    tied = cfg["tie_word_embeddings"]
    B = cfg["cherry"]["batch"]
    T = cfg["cherry"]["seq"]
    if D % H:
        raise ValueError(f"hidden_size {D} is not a multiple of heads {H}")
    d = D // H
    N = B * T

    # Per decoder layer.
    matmul_weights = D * H * d + 2 * D * K * d + H * d * D + 3 * D * F
    layer_params = 2 * D + matmul_weights
    layer_fwd = (N * 2 * matmul_weights          # q, k, v, o, gate, up, down
                 + 2 * 4 * N * D                  # two rms_norms
                 + 3 * N * (H * d + K * d)        # rope on q and k
                 + B * H * (T * (T + 1) // 2) * (4 * d + 5)  # causal attention
                 + 5 * N * F                      # swiglu
                 + 2 * N * D)                     # two residual adds
    # Per-step LoRA on each projection (in, out), when compressed with it.
    projections = [(D, H * d), (D, K * d), (D, K * d), (H * d, D),
                   (D, F), (D, F), (F, D)]
    lora_params = sum(lora * (i + o) for i, o in projections)
    lora_fwd = sum(2 * N * i * lora + N * lora + 2 * N * lora * o + N * o
                   for i, o in projections) if lora else 0
    layer_params += lora_params
    layer_fwd += lora_fwd
    layer_bwd = 2 * layer_fwd

    # Outside the layers: embedding, final norm, head, cross-entropy.
    final_norm_fwd = 4 * N * D
    head_fwd = 2 * N * D * V
    loss_fwd = 4 * N * V
    outside_fwd = 0 + final_norm_fwd + head_fwd + loss_fwd
    outside_bwd = N * D + 2 * (final_norm_fwd + head_fwd + loss_fwd)
    outside_params = V * D + D + (0 if tied else V * D)

    outside_declared = 2 + (0 if tied else 1)  # embedding, norm (+ lm_head)
    if compress is None:
        total_params = L * layer_params + outside_params
        rows, shared = L, L
        run_params = L * layer_params
        declared = 9 * L + outside_declared
        elements = trainable = total_params
        unread = 0
    else:
        G, S = compress
        if G <= 0 or L % G or S < L // G:
            raise ValueError(f"cannot compress {L} layers in groups of {G} "
                             f"to {S} steps")
        shared = L // G
        rows = S
        # With step norms every step reads its own two gains and the shared
        # gains only initialize them.
        gains = 2 * D
        dense_layer = layer_params - lora_params  # what a shared layer holds
        run_params = (shared * (dense_layer - gains) + S * gains if step_norms
                      else shared * dense_layer) + S * lora_params
        total_params = run_params + outside_params
        declared = 9 * L + 9 * shared + outside_declared + \
            (2 * S if step_norms else 0) + (14 * S if lora else 0)
        elements = L * dense_layer + shared * dense_layer + outside_params + \
            (S * gains if step_norms else 0) + S * lora_params
        unread = L * dense_layer + (shared * gains if step_norms else 0)
        trainable = elements - unread
    return {
        "L": L, "N": N, "tied": tied, "rows": rows,
        "layer": {"params": layer_params, "forward_flops": layer_fwd,
                  "backward_flops": layer_bwd},
        "outside": {"params": outside_params, "forward_flops": outside_fwd,
                    "backward_flops": outside_bwd},
        "total": {"params": total_params,
                  "forward_flops": rows * layer_fwd + outside_fwd,
                  "backward_flops": rows * layer_bwd + outside_bwd},
        # The one run of identical layers (none for a single layer).
        "run": None if rows < 2 else {
            "layers": rows, "weight_sets": shared,
            "params": run_params, "forward_flops": rows * layer_fwd,
            "backward_flops": rows * layer_bwd},
        "declared": declared, "elements": elements, "trainable": trainable,
        "unread": unread,
    }


def check(expected, report):
    errors = []

    def compare(where, key, want, got):
        if isinstance(got, bool) or not isinstance(got, int) or got != want:
            diff = f" (diff {got - want:+d})" if isinstance(got, int) else ""
            errors.append(f"{where}: {key} = {got!r}, closed form says {want}{diff}")

    def compare_row(where, row, want):
        if row is None:
            errors.append(f"{where}: row missing from the report")
            return
        for key in ("params", "forward_flops", "backward_flops"):
            compare(where, key, want[key], row.get(key))
        per_token = row.get("forward_flops_per_token")
        want_pt = want["forward_flops"] / expected["N"]
        if not isinstance(per_token, (int, float)) or \
                abs(per_token - want_pt) > 1e-9 * max(1.0, want_pt):
            errors.append(f"{where}: forward_flops_per_token = {per_token!r}, "
                          f"expected {want_pt}")

    functions = report.get("functions", [])
    forward = [f for f in functions if f.get("function") == "forward"]
    if len(forward) != 1:
        return [f"expected exactly one function @forward in the report, found "
                f"{[f.get('function') for f in functions]}"]
    fn = forward[0]
    compare("@forward", "tokens_per_call", expected["N"], fn.get("tokens_per_call"))

    scopes = fn.get("scopes", [])
    layers = [s for s in scopes if s.get("kind") == "decoder_layer"]
    others = [s for s in scopes if s.get("kind") not in ("decoder_layer", "other")]
    if others:
        errors.append(f"unexpected scopes: {[s.get('name') for s in others]}")
    names = [s.get("name") for s in layers]
    want_names = [f"decoder_layer {i}" for i in range(expected["rows"])]
    if names != want_names:
        errors.append(f"decoder_layer rows are {names}, expected {want_names}")
    for row in layers:
        compare_row(row.get("name"), row, expected["layer"])

    outside = [s for s in scopes if s.get("kind") == "other"]
    if len(outside) != 1:
        errors.append(f"expected one 'outside layers' row, found {len(outside)}")
    compare_row("outside layers", outside[0] if outside else None,
                expected["outside"])
    compare_row("total", fn.get("total"), expected["total"])

    runs = fn.get("layer_runs", [])
    want_run = expected["run"]
    if want_run is None:
        if runs:
            errors.append(f"layer_runs: expected none, found {len(runs)}")
    elif len(runs) != 1:
        errors.append(f"layer_runs: expected one run of {want_run['layers']} "
                      f"layers, found {len(runs)}")
    else:
        run = runs[0]
        compare_row("layer run", run, want_run)
        compare_row("layer run, per layer", run.get("per_layer"), expected["layer"])
        for key in ("layers", "weight_sets"):
            compare("layer run", key, want_run[key], run.get(key))
        compare("layer run", "first_layer", 0, run.get("first_layer"))
        compare("layer run", "last_layer", want_run["layers"] - 1, run.get("last_layer"))

    module = report.get("module", {})
    compare("module", "parameter_elements", expected["elements"],
            module.get("parameter_elements"))
    compare("module", "trainable_elements", expected["trainable"],
            module.get("trainable_elements"))
    compare("module", "unread_elements", expected["unread"],
            module.get("unread_elements"))
    compare("module", "parameters", expected["declared"], module.get("parameters"))
    return errors


def main(argv):
    args = argv[1:]
    compress, step_norms = None, False
    if "--step-norms" in args:
        args.remove("--step-norms")
        step_norms = True
    lora = 0
    if "--lora" in args:
        i = args.index("--lora")
        try:
            lora = int(args[i + 1])
        except (IndexError, ValueError):
            print("error: --lora takes the rank", file=sys.stderr)
            return 1
        del args[i:i + 2]
    if "--compress" in args:
        i = args.index("--compress")
        try:
            compress = tuple(int(x) for x in args[i + 1].split(","))
            assert len(compress) == 2
        except (IndexError, ValueError, AssertionError):
            print("error: --compress takes G,S (group size, steps)", file=sys.stderr)
            return 1
        del args[i:i + 2]
    if len(args) != 1 or (lora and compress is None):
        print(f"usage: cherry-opt MODEL --cherry-cost-report=format=json -o /dev/null"
              f" | {argv[0]} CONFIG.json [--compress G,S [--step-norms] [--lora R]]",
              file=sys.stderr)
        return 1
    preset = args[0]
    try:
        with open(preset) as f:
            cfg = json.load(f)
        expected = closed_form(cfg, compress, step_norms, lora)
    except (OSError, ValueError, KeyError, TypeError) as e:
        print(f"error: cannot read config {preset}: {e!r}", file=sys.stderr)
        return 1
    text = sys.stdin.read()
    try:
        report = json.loads(text)
    except ValueError as e:
        print(f"error: the cost report on stdin is not JSON ({e}); got:\n"
              f"{text[:500]}", file=sys.stderr)
        return 1

    errors = check(expected, report)
    if errors:
        print(f"FAIL: cost report disagrees with the closed form for {preset}:",
              file=sys.stderr)
        for e in errors:
            print(f"  {e}", file=sys.stderr)
        return 1

    n = expected["N"]
    total = expected["total"]
    shape = (f"{expected['L']} layers" if compress is None else
             f"{expected['L']} layers -> {expected['L'] // compress[0]} shared x "
             f"{compress[1]} steps{' (step norms)' if step_norms else ''}"
             f"{f' (LoRA rank {lora})' if lora else ''}")
    print(f"OK {preset}: {shape}, {total['params']} params "
          f"({expected['layer']['params']}/layer, "
          f"{expected['outside']['params']} outside); {n} tokens/call; "
          f"forward {total['forward_flops']} FLOPs/call = "
          f"{total['forward_flops'] / n:.1f}/token; "
          f"fwd+bwd {(total['forward_flops'] + total['backward_flops']) / n:.1f}"
          f"/token")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
