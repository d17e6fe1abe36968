#!/usr/bin/env python3
"""Independent checks of cherry-data's outputs (standard library only).

Re-implements the documented document rules (docs/Data.md) from scratch and
recomputes every number cherry-data writes: document splits, token counts,
end-of-document markers, decode round trips, word shuffles. Exits non-zero
with a message on the first mismatch; prints the checked numbers so that the
lit tests can FileCheck them.
"""

import argparse
import collections
import json
import math
import os
import re
import subprocess
import sys
from array import array

WHITESPACE = b" \t\r\x0b\x0c"  # ASCII whitespace other than newline


def fail(message):
    sys.exit("check_data.py: FAIL: " + message)


def expect(condition, message):
    if not condition:
        fail(message)


# --- Documents ------------------------------------------------------------


def split_documents(data, fmt):
    """Documents of one file's bytes, per docs/Data.md."""
    documents, lines = [], []

    def flush():
        begin, end = 0, len(lines)
        while begin < end and not lines[begin].strip(WHITESPACE):
            begin += 1
        while end > begin and not lines[end - 1].strip(WHITESPACE):
            end -= 1
        if begin < end:
            documents.append(b"\n".join(lines[begin:end]))
        lines.clear()

    for line in data.split(b"\n"):
        if line.endswith(b"\r"):
            line = line[:-1]
        if fmt == "text":
            separator = not line.strip(WHITESPACE)
        else:
            separator = line == b"%"
        if separator:
            flush()
        else:
            lines.append(line)
    flush()
    return documents


def input_files(path):
    if os.path.isdir(path):
        names = sorted(
            n for n in os.listdir(path)
            if not n.endswith(".dat")
            and os.path.isfile(os.path.join(path, n))
            and not os.path.islink(os.path.join(path, n)))
        return [os.path.join(path, n) for n in names]
    return [path]


def read_documents(paths, fmt):
    documents = []
    for path in paths:
        for name in input_files(path):
            with open(name, "rb") as f:
                data = f.read()
            # cherry-data replaces invalid UTF-8 like Python does.
            data = data.decode("utf-8", errors="replace").encode("utf-8")
            documents.extend(split_documents(data, fmt))
    return documents


def validation_count(n, fraction):
    if n < 2 or fraction <= 0:
        return 0
    exact = fraction * n
    nearest = round(exact)
    if abs(exact - nearest) <= 1e-9 * max(1.0, exact):
        exact = nearest
    return min(math.ceil(exact), n - 1)


# --- Token files ----------------------------------------------------------


def read_tokens(path):
    with open(path, "rb") as f:
        data = f.read()
    expect(len(data) % 2 == 0, "%s has odd length %d" % (path, len(data)))
    tokens = array("H")
    tokens.frombytes(data)
    if sys.byteorder == "big":
        tokens.byteswap()
    return tokens


def load_json(path):
    with open(path, "rb") as f:
        return json.load(f)


def cmd_prepared(args):
    """Every number in DIR against an independent computation."""
    out = args.dir
    data = load_json(os.path.join(out, "data.json"))
    counts_json = load_json(os.path.join(out, "token_counts.json"))
    documents = read_documents(args.input, args.format)
    n = len(documents)

    expect(data["format"] == "cherry-data" and data["version"] == 1,
           "data.json format/version")
    expect(data["input_format"] == args.format, "data.json input_format")
    expect(data["documents"] == n,
           "data.json documents %d, inputs hold %d" % (data["documents"], n))
    fraction = data["val_fraction"]
    if args.val_fraction is not None:
        expect(fraction == args.val_fraction, "data.json val_fraction")
    n_val = validation_count(n, fraction)
    splits = data["splits"]
    expect(splits["val"]["documents"] == n_val,
           "val documents %d, expected %d" % (splits["val"]["documents"],
                                              n_val))
    expect(splits["train"]["documents"] == n - n_val,
           "train documents %d, expected %d" % (splits["train"]["documents"],
                                                n - n_val))

    vocab = data["tokenizer"]["vocab_size"]
    eos = data["tokenizer"]["eos_id"]
    expect(data["dtype"] == "uint16" and data["byte_order"] == "little",
           "data.json dtype")
    tokens = {}
    for split in ("train", "val"):
        ids = read_tokens(os.path.join(out, split + ".bin"))
        tokens[split] = ids
        expect(splits[split]["tokens"] == len(ids),
               "%s tokens %d in data.json, %d in the file" %
               (split, splits[split]["tokens"], len(ids)))
        expect(all(i < vocab for i in ids), "%s.bin: id >= vocab" % split)
        eos_count = ids.count(eos)
        expect(eos_count == splits[split]["documents"],
               "%s.bin: %d eos ids for %d documents" %
               (split, eos_count, splits[split]["documents"]))
        expect(len(ids) == 0 or ids[-1] == eos,
               "%s.bin does not end with eos" % split)
        expect(len(ids) >= 2 * eos_count,
               "%s.bin: an empty document" % split)

    expect(counts_json["format"] == "cherry-token-counts"
           and counts_json["version"] == 1
           and counts_json["split"] == "train", "token_counts.json header")
    expect(counts_json["vocab_size"] == vocab, "token_counts vocab_size")
    counts = [0] * vocab
    for i in tokens["train"]:
        counts[i] += 1
    expect(counts_json["counts"] == counts, "token_counts.json counts")
    expect(counts_json["tokens"] == len(tokens["train"]) == sum(counts),
           "token_counts.json tokens")
    expect(counts[eos] == n - n_val, "count of eos")

    print("checked: documents=%d train=%d val=%d vocab=%d train_tokens=%d "
          "val_tokens=%d" % (n, n - n_val, n_val, vocab, len(tokens["train"]),
                             len(tokens["val"])))


def cmd_roundtrip(args):
    """Decoded text gives back exactly the input documents (a multiset)."""
    decoded = b""
    for path in args.decoded:
        with open(path, "rb") as f:
            decoded += f.read()
    got = collections.Counter(split_documents(decoded, args.format))
    want = collections.Counter(read_documents(args.input, args.format))
    if got != want:
        missing = list((want - got).elements())[:3]
        extra = list((got - want).elements())[:3]
        fail("decoded documents differ: missing %r, unexpected %r" %
             (missing, extra))
    print("roundtrip: %d documents match" % sum(want.values()))


def cmd_slices(args):
    """decode --offset/--count of each document's exact token range gives
    that document."""
    data = load_json(os.path.join(args.dir, "data.json"))
    eos = data["tokenizer"]["eos_id"]
    model = os.path.join(args.dir, "tokenizer.model")
    path = os.path.join(args.dir, args.split + ".bin")
    ids = read_tokens(path)
    ends = [i for i, t in enumerate(ids) if t == eos]
    whole = subprocess.run(
        [args.tool, "decode", "--tokenizer", model, path, "--format",
         args.format], check=True, stdout=subprocess.PIPE).stdout
    documents = split_documents(whole, args.format)
    expect(len(documents) == len(ends), "document count of the whole decode")
    picks = sorted(set([0, len(ends) // 2, len(ends) - 1]))
    for k in picks:
        begin = ends[k - 1] + 1 if k else 0
        text = subprocess.run(
            [args.tool, "decode", "--tokenizer", model, path, "--offset",
             str(begin), "--count", str(ends[k] + 1 - begin), "--format",
             args.format], check=True, stdout=subprocess.PIPE).stdout
        sep = b"\n\n" if args.format == "text" else b"\n%\n"
        expect(text == documents[k] + sep,
               "slice of document %d: %r vs %r" % (k, text, documents[k]))
    print("slices: %d documents decoded alone" % len(picks))


def cmd_val_differs(args):
    """Two decoded validation sets are different sets of documents."""
    sets = []
    for path in (args.a, args.b):
        with open(path, "rb") as f:
            sets.append(collections.Counter(split_documents(f.read(),
                                                            args.format)))
    expect(sum(sets[0].values()) == sum(sets[1].values()),
           "validation sets of different sizes")
    expect(sets[0] != sets[1], "the validation sets are the same documents")
    print("val-differs: %d documents, %d in common" %
          (sum(sets[0].values()), sum((sets[0] & sets[1]).values())))


def whitespace_runs(line):
    return re.split(rb"[^ \t\r\x0b\x0c]+", line)


def cmd_shuffled(args):
    """Each line of B permutes the words of the same line of A; some lines
    differ."""
    with open(args.original, "rb") as f:
        original = split_documents(f.read(), args.format)
    with open(args.shuffled, "rb") as f:
        shuffled = split_documents(f.read(), args.format)
    expect(len(original) == len(shuffled),
           "%d documents vs %d" % (len(original), len(shuffled)))
    lines = changed = shufflable = 0
    for a, b in zip(original, shuffled):
        a_lines, b_lines = a.split(b"\n"), b.split(b"\n")
        expect(len(a_lines) == len(b_lines), "line count of %r" % a)
        for x, y in zip(a_lines, b_lines):
            lines += 1
            expect(sorted(x.split()) == sorted(y.split()),
                   "%r is not a permutation of %r" % (y, x))
            expect(whitespace_runs(x) == whitespace_runs(y),
                   "whitespace of %r moved in %r" % (x, y))
            if len(set(x.split())) > 1:
                shufflable += 1
            changed += x != y
    expect(changed > 0, "no line changed")
    expect(changed * 2 > shufflable,
           "only %d of %d lines changed" % (changed, shufflable))
    print("shuffled: %d documents, %d lines, %d changed" %
          (len(original), lines, changed))


def cmd_same_order(args):
    """A and B (decoded) hold the same documents in the same order, up to
    a permutation of the words of each line."""
    docs = []
    for path in (args.a, args.b):
        with open(path, "rb") as f:
            docs.append(split_documents(f.read(), args.format))
    expect(len(docs[0]) == len(docs[1]), "document counts differ")
    for x, y in zip(*docs):
        expect([sorted(l.split()) for l in x.split(b"\n")] ==
               [sorted(l.split()) for l in y.split(b"\n")],
               "%r is not a word shuffle of %r" % (y, x))
    print("same-order: %d documents" % len(docs[0]))


def cmd_write_odd(args):
    """A text corpus with CRLF line ends and ill-formed UTF-8."""
    data = (b"caf\xe9 au lait\r\nsecond line\r\n\r\n"
            b"truncated \xe2\x82 euro sign and a lone \x80 byte\n\n"
            b"surrogate \xed\xa0\x80 and overlong \xc0\xaf\n")
    with open(args.path, "wb") as f:
        f.write(data)


def varint(value):
    value &= (1 << 64) - 1
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def field(number, wire, payload):
    key = varint(number << 3 | wire)
    if wire == 2:
        return key + varint(len(payload)) + payload
    return key + payload


def cmd_write_model(args):
    """A SentencePiece ModelProto written by hand (protobuf wire format)."""
    pieces = [(b"<unk>", 2), (b"<s>", 3)]
    if not args.no_eos:
        pieces.append((b"</s>", 3))
    pieces += [(b"p%d" % i, 1) for i in range(args.pieces - len(pieces))]
    body = bytearray()
    for index, (text, kind) in enumerate(pieces):
        piece = (field(1, 2, text) + field(2, 5, array("f", [-index])
                                           .tobytes()) +
                 field(3, 0, varint(kind)))
        body += field(1, 2, piece)
    trainer = field(3, 0, varint(1))  # model_type UNIGRAM
    trainer += field(42, 0, varint(-1 if args.no_eos else 2))  # eos_id
    body += field(2, 2, trainer)
    with open(args.path, "wb") as f:
        f.write(bytes(body))


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("prepared")
    p.add_argument("dir")
    p.add_argument("--input", action="append", required=True)
    p.add_argument("--format", default="text")
    p.add_argument("--val-fraction", type=float)
    p.set_defaults(func=cmd_prepared)

    p = sub.add_parser("roundtrip")
    p.add_argument("--decoded", action="append", required=True)
    p.add_argument("--input", action="append", required=True)
    p.add_argument("--format", default="text")
    p.set_defaults(func=cmd_roundtrip)

    p = sub.add_parser("slices")
    p.add_argument("dir")
    p.add_argument("--tool", required=True)
    p.add_argument("--split", default="train")
    p.add_argument("--format", default="text")
    p.set_defaults(func=cmd_slices)

    p = sub.add_parser("val-differs")
    p.add_argument("a")
    p.add_argument("b")
    p.add_argument("--format", default="text")
    p.set_defaults(func=cmd_val_differs)

    p = sub.add_parser("shuffled")
    p.add_argument("original")
    p.add_argument("shuffled")
    p.add_argument("--format", default="text")
    p.set_defaults(func=cmd_shuffled)

    p = sub.add_parser("same-order")
    p.add_argument("a")
    p.add_argument("b")
    p.add_argument("--format", default="text")
    p.set_defaults(func=cmd_same_order)

    p = sub.add_parser("write-odd-input")
    p.add_argument("path")
    p.set_defaults(func=cmd_write_odd)

    p = sub.add_parser("write-model")
    p.add_argument("path")
    p.add_argument("--pieces", type=int, required=True)
    p.add_argument("--no-eos", action="store_true")
    p.set_defaults(func=cmd_write_model)

    args = parser.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
