#!/usr/bin/env python3
"""Checks a `--cherry-cost-report=format=json` report of a generated Llama
model against closed-form parameter and FLOP counts computed from config.json
alone.

Usage:
    cherry-opt models/tiny/model.mlir --cherry-cost-report=format=json -o /dev/null \
        | python3 test/e2e/llama_closed_form.py models/tiny/config.json

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


def closed_form(cfg):
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
    layer_bwd = 2 * layer_fwd

    # Outside the layers: embedding, final norm, head, cross-entropy.
    final_norm_fwd = 4 * N * D
    head_fwd = 2 * N * D * V
    loss_fwd = 4 * N * V
    outside_fwd = 0 + final_norm_fwd + head_fwd + loss_fwd
    outside_bwd = N * D + 2 * (final_norm_fwd + head_fwd + loss_fwd)
    outside_params = V * D + D + (0 if tied else V * D)

    total_params = L * layer_params + outside_params
    return {
        "L": L, "N": N, "tied": tied,
        "layer": {"params": layer_params, "forward_flops": layer_fwd,
                  "backward_flops": layer_bwd},
        "outside": {"params": outside_params, "forward_flops": outside_fwd,
                    "backward_flops": outside_bwd},
        "total": {"params": total_params,
                  "forward_flops": L * layer_fwd + outside_fwd,
                  "backward_flops": L * layer_bwd + outside_bwd},
        # 9 weights per layer, embedding, final norm (+ lm_head when untied).
        "declared": 9 * L + 2 + (0 if tied else 1),
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
    want_names = [f"decoder_layer {i}" for i in range(expected["L"])]
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

    module = report.get("module", {})
    compare("module", "parameter_elements", expected["total"]["params"],
            module.get("parameter_elements"))
    compare("module", "trainable_elements", expected["total"]["params"],
            module.get("trainable_elements"))
    compare("module", "parameters", expected["declared"], module.get("parameters"))
    return errors


def main(argv):
    if len(argv) != 2:
        print(f"usage: cherry-opt MODEL --cherry-cost-report=format=json -o /dev/null"
              f" | {argv[0]} CONFIG.json", file=sys.stderr)
        return 1
    preset = argv[1]
    try:
        with open(preset) as f:
            cfg = json.load(f)
        expected = closed_form(cfg)
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
    print(f"OK {preset}: {expected['L']} layers, {total['params']} params "
          f"({expected['layer']['params']}/layer, "
          f"{expected['outside']['params']} outside); {n} tokens/call; "
          f"forward {total['forward_flops']} FLOPs/call = "
          f"{total['forward_flops'] / n:.1f}/token; "
          f"fwd+bwd {(total['forward_flops'] + total['backward_flops']) / n:.1f}"
          f"/token")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
