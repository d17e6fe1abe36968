#!/usr/bin/env python3
"""Imports model directories written by the Hugging Face libraries themselves.

Run by hand (not part of CI) in a virtualenv with `transformers`, `safetensors`
and `numpy` from PyPI (PyTorch is not needed):

    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install transformers safetensors numpy
    /tmp/venv/bin/python test/oracle/hf_import_oracle.py build/bin/cherry-translate

For several configs (GQA ratios 1, 2, 3; tied and untied; F32 and F16) it
writes config.json with `transformers.LlamaConfig.save_pretrained` and random
weights with `safetensors.numpy.save_file` (metadata {"format": "pt"}, as
`save_pretrained` writes), imports the directory, and checks that every weight
became a parameter with the checkpoint's shape, without initializers. It then
corrupts the checkpoint (drop a tensor, change a shape) and checks the import
fails with one line naming that tensor.
"""

import json
import os
import re
import subprocess
import sys
import tempfile

import numpy as np
from safetensors.numpy import save_file
from transformers import LlamaConfig


def weight_shapes(c):
    d = c.hidden_size // c.num_attention_heads
    shapes = {"model.embed_tokens.weight": (c.vocab_size, c.hidden_size),
              "model.norm.weight": (c.hidden_size,)}
    for i in range(c.num_hidden_layers):
        p = f"model.layers.{i}."
        shapes.update({
            p + "self_attn.q_proj.weight": (c.num_attention_heads * d, c.hidden_size),
            p + "self_attn.k_proj.weight": (c.num_key_value_heads * d, c.hidden_size),
            p + "self_attn.v_proj.weight": (c.num_key_value_heads * d, c.hidden_size),
            p + "self_attn.o_proj.weight": (c.hidden_size, c.num_attention_heads * d),
            p + "mlp.gate_proj.weight": (c.intermediate_size, c.hidden_size),
            p + "mlp.up_proj.weight": (c.intermediate_size, c.hidden_size),
            p + "mlp.down_proj.weight": (c.hidden_size, c.intermediate_size),
            p + "input_layernorm.weight": (c.hidden_size,),
            p + "post_attention_layernorm.weight": (c.hidden_size,),
        })
    if not c.tie_word_embeddings:
        shapes["lm_head.weight"] = (c.vocab_size, c.hidden_size)
    return shapes


def write(directory, config, dtype, mutate=None):
    config.save_pretrained(directory)
    rng = np.random.default_rng(0)
    tensors = {name: rng.normal(0, 0.02, shape).astype(dtype)
               for name, shape in weight_shapes(config).items()}
    if mutate:
        mutate(tensors)
    save_file(tensors, os.path.join(directory, "model.safetensors"),
              metadata={"format": "pt"})
    return tensors


def main():
    translate = sys.argv[1] if len(sys.argv) > 1 else "build/bin/cherry-translate"
    failures = 0
    cases = [(6, 6, False, np.float32), (6, 3, True, np.float32),
             (6, 2, False, np.float16), (8, 2, True, np.float16)]
    with tempfile.TemporaryDirectory() as tmp:
        for n, (heads, kv, tied, dtype) in enumerate(cases):
            config = LlamaConfig(vocab_size=61, hidden_size=48, intermediate_size=83,
                                 num_hidden_layers=2, num_attention_heads=heads,
                                 num_key_value_heads=kv, tie_word_embeddings=tied,
                                 max_position_embeddings=32,
                                 dtype="float32" if dtype == np.float32 else "float16")
            directory = os.path.join(tmp, f"m{n}")
            tensors = write(directory, config, dtype)
            out = subprocess.run([translate, "--import-hf", directory, "--seq", "16"],
                                 capture_output=True, text=True)
            if out.returncode:
                print(f"FAIL {directory}: {out.stderr.strip()}")
                failures += 1
                continue
            params = dict(re.findall(r"cherry\.param @(\S+) : tensor<([0-9x]+)xf32>", out.stdout))
            expected = {k: "x".join(map(str, v.shape)) for k, v in tensors.items()}
            if params != expected or "init(" in out.stdout:
                print(f"FAIL {directory}: parameters differ from the checkpoint")
                failures += 1
            else:
                print(f"OK   heads {heads} kv {kv} tied {tied} {np.dtype(dtype).name}: "
                      f"{len(params)} parameters")

            for label, mutate, needle in [
                    ("dropped", lambda t: t.pop("model.layers.1.mlp.up_proj.weight"),
                     "'model.layers.1.mlp.up_proj.weight' is missing"),
                    ("reshaped", lambda t: t.__setitem__(
                        "model.norm.weight", np.zeros((47,), dtype)),
                     "'model.norm.weight' has shape [47]")]:
                bad = directory + "-" + label
                write(bad, config, dtype, mutate)
                out = subprocess.run([translate, "--import-hf", bad],
                                     capture_output=True, text=True)
                lines = out.stderr.strip().splitlines()
                if out.returncode == 0 or len(lines) != 1 or needle not in lines[0]:
                    print(f"FAIL {bad}: {out.stderr.strip()!r}")
                    failures += 1
                else:
                    print(f"OK   {label}: {lines[0].split(': ', 1)[1]}")
    print("all passed" if not failures else f"{failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
