"""Inputs for the cherry-run lit tests, with the Python standard library only.

  make_run_inputs.py OUTDIR
      writes small executables (the protobuf wire format of
      runtime/proto/executable.proto, encoded by hand), safetensors weights,
      token files and the expected losses into OUTDIR.
  make_run_inputs.py check OUT.json EXPECTED.txt BATCHES TOKENS
      checks the JSON line of 'cherry-run eval --json' against the loss
      EXPECTED.txt holds (relative tolerance 1e-4).
  make_run_inputs.py same-loss A.json B.json  /  different-loss A.json B.json

The model: embedding -> rms_norm -> head_cross_entropy, vocab 8, dim 4,
batch 2, seq 3 (eval_step binds inputs "ids", "targets" and output "loss").
"""

import json
import math
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from exe_file import wrap  # noqa: E402

VOCAB, DIM, BATCH, SEQ = 8, 4, 2, 3
EPS = 1e-5
ROWS = BATCH * SEQ
IGNORE = -1

# DType enum values.
F32, I32 = 1, 4
# FunctionRole and BindingRole values of the names used here.
FUNCTION_ROLES = {"train_step": 1, "eval_step": 2}
BINDING_ROLES = {"ids": 1, "targets": 2, "loss": 4}


# --- protobuf wire format --------------------------------------------------


def varint(n):
    n &= (1 << 64) - 1
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def field_int(number, value):
    # Always written, even 0: a oneof member must be present to be set.
    return varint(number << 3) + varint(value)


def field_double(number, value):
    return varint(number << 3 | 1) + struct.pack("<d", value)


def field_bytes(number, data):
    if isinstance(data, str):
        data = data.encode()
    return varint(number << 3 | 2) + varint(len(data)) + data


class Exe:
    """Collects the fields of an Executable; buffers are 64-byte aligned."""

    def __init__(self):
        self.buffers = []
        self.params = []
        self.functions = []
        self.end = 0
        self.sizes = []

    def buffer(self, dtype, shape):
        size = 4 * math.prod(shape)
        bid = len(self.buffers)
        msg = (field_int(1, bid) + field_int(2, size) + field_int(3, 64) +
               field_int(4, self.end) + field_int(5, dtype))
        for d in shape:
            msg += field_int(6, d)
        self.buffers.append(msg)
        self.sizes.append(size)
        self.end = (self.end + size + 63) // 64 * 64
        return bid

    def param(self, name, shape, init=None):
        bid = self.buffer(F32, shape)
        msg = field_bytes(1, name)
        for d in shape:
            msg += field_int(2, d)
        msg += field_int(3, F32) + field_bytes(4, name) + field_int(6, bid)
        if init is not None:
            kind, value = init
            number = {"constant": 1, "normal_std": 2, "uniform_bound": 3}[kind]
            msg += field_bytes(7, field_double(number, value))
        self.params.append(msg)
        return bid

    def slice(self, bid):
        return field_int(1, bid) + field_int(2, 0) + field_int(3,
                                                               self.sizes[bid])

    def inst(self, kernel, ins, outs, ints, floats=()):
        msg = field_bytes(1, kernel)
        for b in ins:
            msg += field_bytes(2, self.slice(b))
        for b in outs:
            msg += field_bytes(3, self.slice(b))
        for name, v in ints:
            msg += field_bytes(4, field_bytes(1, name) + field_int(2, v))
        for name, v in floats:
            msg += field_bytes(4, field_bytes(1, name) + field_double(3, v))
        return msg

    def function(self, name, insts, inputs=(), outputs=()):
        msg = field_bytes(1, name)
        for i in insts:
            msg += field_bytes(2, i)
        for n, b in inputs:
            msg += field_bytes(3, field_bytes(1, n) + field_int(2, b) +
                               field_int(3, BINDING_ROLES[n]))
        for n, b in outputs:
            msg += field_bytes(4, field_bytes(1, n) + field_int(2, b) +
                               field_int(3, BINDING_ROLES[n]))
        msg += field_int(6, FUNCTION_ROLES[name])
        self.functions.append(msg)

    def encode(self, version=3):
        out = field_int(1, version) + field_int(2, self.end)
        for b in self.buffers:
            out += field_bytes(3, b)
        for p in self.params:
            out += field_bytes(4, p)
        for f in self.functions:
            out += field_bytes(5, f)
        # Last, so that cutting a few bytes lands inside a field.
        return out + field_bytes(6, "make_run_inputs.py")


def tiny_model(inits, fn_name="eval_step", kernel="rms_norm"):
    """inits: None (checkpoint only) or a dict name -> (kind, value)."""
    inits = inits or {}
    e = Exe()
    names = ["model.embed_tokens.weight", "model.norm.weight", "lm_head.weight"]
    shapes = [[VOCAB, DIM], [DIM], [VOCAB, DIM]]
    table, norm, head = (e.param(n, s, inits.get(n))
                         for n, s in zip(names, shapes))
    ids = e.buffer(I32, [BATCH, SEQ])
    targets = e.buffer(I32, [BATCH, SEQ])
    x = e.buffer(F32, [ROWS, DIM])
    h = e.buffer(F32, [ROWS, DIM])
    loss = e.buffer(F32, [])
    e.function(fn_name, [
        e.inst("embedding", [ids, table], [x], [("n", ROWS), ("vocab", VOCAB),
                                                ("dim", DIM)]),
        e.inst(kernel, [x, norm], [h], [("rows", ROWS), ("dim", DIM)],
               [("eps", EPS)]),
        e.inst("head_cross_entropy", [h, head, targets], [loss],
               [("rows", ROWS), ("vocab", VOCAB), ("dim", DIM),
                ("ignore_index", IGNORE)]),
    ], inputs=[("ids", ids), ("targets", targets)], outputs=[("loss", loss)])
    return e


# --- safetensors -----------------------------------------------------------


def write_safetensors(path, tensors):
    """tensors: {name: (shape, [floats])}, written as F32 in name order."""
    header, data = {}, b""
    for name in sorted(tensors):
        shape, values = tensors[name]
        blob = struct.pack("<%df" % len(values), *values)
        header[name] = {"dtype": "F32", "shape": shape,
                        "data_offsets": [len(data), len(data) + len(blob)]}
        data += blob
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + data)


def weights():
    # Multiples of 1/8: exact in float32.
    table = [((3 * i + 5 * j) % 7 - 3) / 8 for i in range(VOCAB)
             for j in range(DIM)]
    norm = [1.0, 0.5, 1.5, 2.0]
    head = [((2 * i + 3 * j) % 5 - 2) / 4 for i in range(VOCAB)
            for j in range(DIM)]
    return table, norm, head


def expected_loss(tokens, batches):
    table, norm, head = weights()
    per_batch = []
    for k in range(batches):
        chunk = tokens[k * ROWS:k * ROWS + ROWS + 1]
        total = 0.0
        for r in range(ROWS):
            x = table[chunk[r] * DIM:(chunk[r] + 1) * DIM]
            inv = 1 / math.sqrt(sum(v * v for v in x) / DIM + EPS)
            h = [norm[j] * x[j] * inv for j in range(DIM)]
            logits = [sum(h[j] * head[v * DIM + j] for j in range(DIM))
                      for v in range(VOCAB)]
            top = max(logits)
            lse = top + math.log(sum(math.exp(z - top) for z in logits))
            total += lse - logits[chunk[r + 1]]
        per_batch.append(total / ROWS)
    return sum(per_batch) / batches


def write_tokens(path, tokens):
    with open(path, "wb") as f:
        f.write(struct.pack("<%dH" % len(tokens), *tokens))


def make(out):
    names = ["model.embed_tokens.weight", "model.norm.weight", "lm_head.weight"]
    normal = {names[0]: ("normal_std", 0.02), names[1]: ("constant", 1.0),
              names[2]: ("normal_std", 0.02)}
    files = {
        "tiny.cherry": tiny_model(normal).encode(),
        "noinit.cherry": tiny_model(None).encode(),
        "const.cherry": tiny_model({names[0]: ("constant", 0.5),
                                    names[1]: ("constant", 1.0),
                                    names[2]: ("constant", 0.25)}).encode(),
        "v2.cherry": tiny_model(normal).encode(version=2),
        "noeval.cherry": tiny_model(normal, fn_name="train_step").encode(),
        "badkernel.cherry": tiny_model(normal, kernel="foo").encode(),
    }
    # Every executable in its file header (exe_file.py, beside this script).
    files = {name: wrap(data) for name, data in files.items()}
    files["truncated.cherry"] = files["tiny.cherry"][:-3]
    files["garbage.cherry"] = b"\x00\x01\x02\x03 not a protobuf"
    # One flipped bit in the payload: the checksum catches it.
    flipped = bytearray(files["tiny.cherry"])
    flipped[-5] ^= 0x10
    files["flipped.cherry"] = bytes(flipped)
    # The header's copy of a payload that is not a valid protobuf.
    files["notproto.cherry"] = wrap(b"\xff\xff\xff\xff")
    for name, data in files.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)

    table, norm, head = weights()
    good = {names[0]: ([VOCAB, DIM], table), names[1]: ([DIM], norm),
            names[2]: ([VOCAB, DIM], head)}
    write_safetensors(os.path.join(out, "weights.safetensors"), good)
    os.makedirs(os.path.join(out, "model"), exist_ok=True)
    os.makedirs(os.path.join(out, "emptydir"), exist_ok=True)
    write_safetensors(os.path.join(out, "model", "model.safetensors"), good)
    write_safetensors(os.path.join(out, "extra.safetensors"),
                      dict(good, **{"rotary.inv_freq": ([2], [1.0, 0.5])}))
    write_safetensors(os.path.join(out, "wrongshape.safetensors"),
                      dict(good, **{names[0]: ([DIM, VOCAB], table)}))
    write_safetensors(os.path.join(out, "missing.safetensors"),
                      {n: good[n] for n in names[:2]})

    # 3 batches of 2x3 need 19 tokens.
    tokens = [(5 * i + 3) % VOCAB for i in range(19)]
    write_tokens(os.path.join(out, "data.bin"), tokens)
    write_tokens(os.path.join(out, "badid.bin"),
                 tokens[:4] + [VOCAB + 1] + tokens[5:])
    with open(os.path.join(out, "odd.bin"), "wb") as f:
        f.write(b"\x01\x00\x02")
    for batches in (1, 3):
        with open(os.path.join(out, "expected_loss_%d.txt" % batches),
                  "w") as f:
            f.write("%.9g\n" % expected_loss(tokens, batches))


def load_json_line(path):
    with open(path) as f:
        lines = [line for line in f.read().splitlines() if line.strip()]
    if len(lines) != 1:
        sys.exit("%s: expected one JSON line, got %d" % (path, len(lines)))
    return json.loads(lines[0])


def check(out_json, expected_path, batches, tokens):
    got = load_json_line(out_json)
    with open(expected_path) as f:
        want = float(f.read())
    if list(got) != ["loss", "batches", "tokens", "seconds", "tokens_per_s"]:
        sys.exit("unexpected keys %s" % list(got))
    if abs(got["loss"] - want) > 1e-4 * abs(want):
        sys.exit("loss %r, expected %r" % (got["loss"], want))
    if got["batches"] != int(batches) or got["tokens"] != int(tokens):
        sys.exit("batches/tokens %r/%r, expected %s/%s" %
                 (got["batches"], got["tokens"], batches, tokens))
    if not got["seconds"] >= 0 or not got["tokens_per_s"] > 0:
        sys.exit("bad timing %r" % got)
    print("ok: loss %.6f" % got["loss"])


def main():
    args = sys.argv[1:]
    if args and args[0] == "check":
        check(*args[1:])
    elif args and args[0] in ("same-loss", "different-loss"):
        a, b = (load_json_line(p)["loss"] for p in args[1:3])
        if (a == b) != (args[0] == "same-loss"):
            sys.exit("%s failed: %r vs %r" % (args[0], a, b))
        print("ok")
    elif len(args) == 1:
        make(args[0])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
