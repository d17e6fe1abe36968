#!/usr/bin/env python3
"""Writes the forward graph of a Llama model as `cherry` IR.

Usage:
    python3 frontend/gen_llama_ir.py models/presets/tiny.json -o models/tiny/model.mlir

The input is a Hugging Face `config.json`-style Llama config plus a
`"cherry": {"batch": B, "seq": T}` section giving the compiled training shape.
The output is one module: a `cherry.param` per weight (named after the Hugging
Face tensor, in its [out, in] layout) and `func.func @forward(%ids, %targets)`
returning the mean cross-entropy loss. Every decoder block is a
`cherry.decoder_layer` that reads its own weights.

The output depends only on the config, so checked-in models can be compared
byte for byte with a fresh run (test/e2e/models-up-to-date.test).
"""

import argparse
import json
import math
import os
import sys

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

DEFAULT_RMS_NORM_EPS = 1e-5  # cherry.rms_norm's default `eps`


class ConfigError(Exception):
    pass


def mlir_float(x):
    """Shortest round-tripping decimal that the MLIR lexer reads as a float
    (it needs a '.' before any exponent: `1.0e-05`, not `1e-05`)."""
    x = float(x)
    if not math.isfinite(x):
        raise ConfigError(f"non-finite number {x!r}")
    text = repr(x)
    mantissa, sep, exponent = text.partition("e")
    if "." not in mantissa:
        mantissa += ".0"
    return mantissa + sep + exponent


def load_config(path):
    with open(path) as f:
        cfg = json.load(f)

    def get(key, kind=int):
        if key not in cfg:
            raise ConfigError(f"missing key '{key}'")
        value = cfg[key]
        if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
            raise ConfigError(f"'{key}' must be an integer, found {value!r}")
        if kind is float and (isinstance(value, bool)
                              or not isinstance(value, (int, float))):
            raise ConfigError(f"'{key}' must be a number, found {value!r}")
        if kind is bool and not isinstance(value, bool):
            raise ConfigError(f"'{key}' must be true or false, found {value!r}")
        return value

    if cfg.get("model_type") != "llama":
        raise ConfigError(f"model_type must be 'llama', found {cfg.get('model_type')!r}")
    c = {
        "V": get("vocab_size"),
        "D": get("hidden_size"),
        "F": get("intermediate_size"),
        "L": get("num_hidden_layers"),
        "H": get("num_attention_heads"),
        "K": get("num_key_value_heads"),
        "eps": float(get("rms_norm_eps", float)),
        "theta": float(get("rope_theta", float)),
        "tied": get("tie_word_embeddings", bool),
        "std": float(get("initializer_range", float)),
        "max_pos": get("max_position_embeddings"),
    }
    shape = cfg.get("cherry")
    if not isinstance(shape, dict):
        raise ConfigError("missing section \"cherry\": {\"batch\": B, \"seq\": T}")
    for key in ("batch", "seq"):
        value = shape.get(key)
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"cherry.{key} must be an integer, found {value!r}")
    c["B"], c["T"] = shape["batch"], shape["seq"]

    for key in ("V", "D", "F", "L", "H", "K", "B", "T", "max_pos"):
        if c[key] <= 0:
            raise ConfigError(f"{key} must be positive, found {c[key]}")
    if c["D"] % c["H"]:
        raise ConfigError(f"hidden_size {c['D']} is not a multiple of "
                          f"num_attention_heads {c['H']}")
    if c["H"] % c["K"]:
        raise ConfigError(f"num_attention_heads {c['H']} is not a multiple of "
                          f"num_key_value_heads {c['K']}")
    c["d"] = c["D"] // c["H"]
    if c["d"] % 2:
        raise ConfigError(f"head_dim {c['d']} must be even for rope")
    if cfg.get("head_dim", c["d"]) != c["d"]:
        raise ConfigError(f"head_dim {cfg['head_dim']} differs from "
                          f"hidden_size / num_attention_heads = {c['d']}; "
                          "not supported")
    for key in ("attention_bias", "mlp_bias"):
        if cfg.get(key, False):
            raise ConfigError(f"'{key}: true' is not supported")
    if cfg.get("hidden_act", "silu") != "silu":
        raise ConfigError(f"hidden_act must be 'silu', found {cfg['hidden_act']!r}")
    if cfg.get("rope_scaling") is not None:
        raise ConfigError("rope_scaling is not supported")
    if c["T"] > c["max_pos"]:
        raise ConfigError(f"cherry.seq {c['T']} exceeds max_position_embeddings "
                          f"{c['max_pos']}")
    if c["eps"] <= 0 or c["theta"] <= 0 or c["std"] <= 0:
        raise ConfigError("rms_norm_eps, rope_theta and initializer_range must "
                          "be positive")
    return c


def tensor(*dims, elt="f32"):
    return "tensor<" + "x".join(str(d) for d in dims) + "x" + elt + ">"


def display_path(path):
    """`path` relative to the repository root when inside it (so the header
    does not depend on where the repository is checked out)."""
    full = os.path.abspath(path)
    rel = os.path.relpath(full, REPO_ROOT)
    return full if rel.startswith("..") else rel.replace(os.sep, "/")


def generate(c, preset_path):
    V, D, F, L, H, K, d, B, T = (c[k] for k in "V D F L H K d B T".split())
    std = mlir_float(c["std"])
    theta = mlir_float(c["theta"])
    eps_attr = ("" if c["eps"] == DEFAULT_RMS_NORM_EPS
                else f" {{eps = {mlir_float(c['eps'])} : f64}}")

    act = tensor(B, T, D)
    q_t = tensor(B, T, H * d)
    kv_t = tensor(B, T, K * d)
    mlp_t = tensor(B, T, F)
    logits_t = tensor(B, T, V)
    ids_t = tensor(B, T, elt="i32")

    # Weight shapes, HF layout [out, in].
    layer_weights = [
        ("self_attn.q_proj.weight", (H * d, D)),
        ("self_attn.k_proj.weight", (K * d, D)),
        ("self_attn.v_proj.weight", (K * d, D)),
        ("self_attn.o_proj.weight", (D, H * d)),
        ("mlp.gate_proj.weight", (F, D)),
        ("mlp.up_proj.weight", (F, D)),
        ("mlp.down_proj.weight", (D, F)),
        ("input_layernorm.weight", (D,)),
        ("post_attention_layernorm.weight", (D,)),
    ]

    def w_type(name):
        for suffix, dims in layer_weights:
            if name == suffix:
                return tensor(*dims)
        raise KeyError(name)

    stem = os.path.splitext(os.path.basename(preset_path))[0]
    out = []
    emit = out.append
    emit("// GENERATED FILE - DO NOT EDIT.")
    emit(f"// Generated by frontend/gen_llama_ir.py from {display_path(preset_path)}:")
    emit(f"//   python3 frontend/gen_llama_ir.py {display_path(preset_path)} "
         f"-o models/{stem}/model.mlir")
    emit(f"// Llama: vocab {V}, hidden {D}, intermediate {F}, {L} layers, "
         f"{H} heads ({K} kv, head_dim {d}), "
         f"{'tied' if c['tied'] else 'untied'} embeddings; "
         f"training shape batch {B} x seq {T}.")
    emit("")
    emit("module {")

    def param(name, dims, norm=False):
        init = ("#cherry.constant<1.0>" if norm
                else f"#cherry.normal<std = {std}>")
        emit(f"  cherry.param @{name} : {tensor(*dims)} init({init}) "
             f"checkpoint(\"{name}\")")

    # Parameters, in Hugging Face state_dict order.
    param("model.embed_tokens.weight", (V, D))
    for i in range(L):
        for suffix, dims in layer_weights:
            param(f"model.layers.{i}.{suffix}", dims, norm=len(dims) == 1)
    param("model.norm.weight", (D,), norm=True)
    if not c["tied"]:
        param("lm_head.weight", (V, D))
    emit("")

    emit(f"  func.func @forward(%ids: {ids_t}, %targets: {ids_t}) -> tensor<f32> {{")
    emit(f"    %embed_w = cherry.param_ref @model.embed_tokens.weight : {tensor(V, D)}")
    emit(f"    %h0 = cherry.embedding %ids, %embed_w : {ids_t}, {tensor(V, D)} -> {act}")

    for i in range(L):
        prefix = f"model.layers.{i}."

        def ref(value, suffix):
            emit(f"      %{value} = cherry.param_ref @{prefix}{suffix} : {w_type(suffix)}")

        def linear(result, inp, in_t, weight, suffix, out_t):
            ref(weight, suffix)
            emit(f"      %{result} = cherry.linear %{inp}, %{weight} : "
                 f"{in_t}, {w_type(suffix)} -> {out_t}")

        emit("")
        emit(f"    %h{i + 1} = cherry.decoder_layer %h{i} {{index = {i} : i64}} : {act} {{")
        emit(f"    ^bb0(%x: {act}):")
        emit("      // Self-attention.")
        ref("attn_norm_w", "input_layernorm.weight")
        emit(f"      %attn_in = cherry.rms_norm %x, %attn_norm_w{eps_attr} : "
             f"{act}, {tensor(D)}")
        linear("q", "attn_in", act, "wq", "self_attn.q_proj.weight", q_t)
        linear("k", "attn_in", act, "wk", "self_attn.k_proj.weight", kv_t)
        linear("v", "attn_in", act, "wv", "self_attn.v_proj.weight", kv_t)
        emit(f"      %q_rot = cherry.rope %q {{head_dim = {d} : i64, "
             f"theta = {theta} : f64}} : {q_t}")
        emit(f"      %k_rot = cherry.rope %k {{head_dim = {d} : i64, "
             f"theta = {theta} : f64}} : {kv_t}")
        emit(f"      %attn = cherry.attention %q_rot, %k_rot, %v "
             f"{{num_heads = {H} : i64, num_kv_heads = {K} : i64}} : {q_t}, {kv_t}")
        linear("attn_out", "attn", q_t, "wo", "self_attn.o_proj.weight", act)
        emit(f"      %h_attn = cherry.add %x, %attn_out : {act}")
        emit("      // MLP.")
        ref("mlp_norm_w", "post_attention_layernorm.weight")
        emit(f"      %mlp_in = cherry.rms_norm %h_attn, %mlp_norm_w{eps_attr} : "
             f"{act}, {tensor(D)}")
        linear("gate", "mlp_in", act, "w_gate", "mlp.gate_proj.weight", mlp_t)
        linear("up", "mlp_in", act, "w_up", "mlp.up_proj.weight", mlp_t)
        emit(f"      %mlp_act = cherry.swiglu %gate, %up : {mlp_t}")
        linear("mlp_out", "mlp_act", mlp_t, "w_down", "mlp.down_proj.weight", act)
        emit(f"      %out = cherry.add %h_attn, %mlp_out : {act}")
        emit(f"      cherry.yield %out : {act}")
        emit("    }")

    emit("")
    emit(f"    %norm_w = cherry.param_ref @model.norm.weight : {tensor(D)}")
    emit(f"    %h_final = cherry.rms_norm %h{L}, %norm_w{eps_attr} : {act}, {tensor(D)}")
    if c["tied"]:
        emit("    // Tied embeddings: the head reuses the embedding table.")
        head_w = "embed_w"
    else:
        emit(f"    %lm_head_w = cherry.param_ref @lm_head.weight : {tensor(V, D)}")
        head_w = "lm_head_w"
    emit(f"    %logits = cherry.linear %h_final, %{head_w} : "
         f"{act}, {tensor(V, D)} -> {logits_t}")
    emit(f"    %loss = cherry.cross_entropy %logits, %targets : {logits_t}, {ids_t}")
    emit("    return %loss : tensor<f32>")
    emit("  }")
    emit("}")
    return "\n".join(out) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config", help="preset JSON (HF Llama config + \"cherry\" section)")
    parser.add_argument("-o", "--output", default="-",
                        help="output .mlir file (default: stdout)")
    args = parser.parse_args(argv)
    try:
        text = generate(load_config(args.config), args.config)
    except (ConfigError, OSError, json.JSONDecodeError) as e:
        print(f"gen_llama_ir.py: {args.config}: {e}", file=sys.stderr)
        return 1
    if args.output == "-":
        sys.stdout.write(text)
    else:
        directory = os.path.dirname(args.output)
        if directory:
            os.makedirs(directory, exist_ok=True)
        with open(args.output, "w", newline="\n") as f:
            f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
