#!/usr/bin/env python3
"""Hostile-input probe of cherry-run: mutated executables (truncated, flipped,
overwritten, inserted, deleted and duplicated bytes) for train, eval and
generate, and every value flag given bad values and special files (/dev/zero,
/dev/full, a FIFO, a directory). A finding is a signal, an exit status other
than 0 or 1, a run past its timeout, or an error that is not one line
"cherry-run: ..."; each mutant that is one is kept as WORK/finding-*.cherry.

usage: probe_cherry_run.py BUILD_BIN WORK_DIR [MUTANTS [SEED]]
  e.g. python3 test/fuzz/probe_cherry_run.py build/bin /tmp/probe 1000 3
WORK_DIR is created; the model is test/Frontend/Inputs/make_hf_dir.py's.
Exit status 1 when there are findings.
"""
import collections
import os
import random
import subprocess
import sys

if len(sys.argv) < 3:
    sys.exit(__doc__)
B = sys.argv[1]
W = os.path.abspath(sys.argv[2])
N = int(sys.argv[3]) if len(sys.argv) > 3 else 150
rng = random.Random(int(sys.argv[4]) if len(sys.argv) > 4 else 1)
root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
run = os.path.join(B, "cherry-run")
findings = []
stats = collections.Counter()


def tool(*args):
    subprocess.run(list(args), check=True, stdout=subprocess.DEVNULL)


os.makedirs(W, exist_ok=True)
tool(sys.executable, os.path.join(root, "test/Frontend/Inputs/make_hf_dir.py"),
     os.path.join(W, "model"))
tool(os.path.join(B, "cherry-translate"), "--import-hf", os.path.join(W, "model"),
     "-o", os.path.join(W, "model.mlir"))
for name, pipeline in [("train", "--cherry-train=batch=2 seq=8 report=0"),
                       ("eval", "--cherry-infer=batch=2 seq=8 report=0"),
                       ("decode", "--cherry-decode=batch=1 capacity=16 report=0")]:
    tool(os.path.join(B, "cherry-opt"), os.path.join(W, "model.mlir"), pipeline,
         "-o", os.path.join(W, name + ".mlir"))
    tool(os.path.join(B, "cherry-translate"), "--emit-executable",
         os.path.join(W, name + ".mlir"), "-o", os.path.join(W, name + ".cherry"))
tool(sys.executable, os.path.join(root, "test/e2e/Inputs/make_tokens.py"),
     os.path.join(W, "tokens.bin"), "2000", "61", "5")

def probe(args, label, timeout=30):
    try:
        # In WORK_DIR: a bad value may become a relative --save directory.
        p = subprocess.run([os.path.abspath(run)] + args, capture_output=True,
                           timeout=timeout, cwd=W,
                           env=dict(os.environ, OMP_NUM_THREADS="1"))
    except subprocess.TimeoutExpired:
        findings.append((label, "TIMEOUT", args)); stats["timeout"] += 1; return
    err = p.stderr.decode("utf-8", "replace").strip().splitlines()
    stats["rc%d" % p.returncode] += 1
    if p.returncode not in (0, 1):
        findings.append((label, "rc=%d" % p.returncode, args, err[-5:])); return
    if p.returncode == 1:
        if len(err) != 1 or not err[0].startswith("cherry-run: ") or "internal error" in err[0]:
            findings.append((label, "message", args, err[:5]))

def mutate(data):
    b = bytearray(data)
    k = rng.randrange(6)
    if k == 0:  # truncate
        return bytes(b[:rng.randrange(len(b))])
    if k == 1:  # flip bytes
        for _ in range(rng.randint(1, 8)):
            i = rng.randrange(len(b)); b[i] ^= 1 << rng.randrange(8)
        return bytes(b)
    if k == 2:  # random bytes
        for _ in range(rng.randint(1, 4)):
            i = rng.randrange(len(b)); b[i] = rng.randrange(256)
        return bytes(b)
    if k == 3:  # insert
        i = rng.randrange(len(b)); return bytes(b[:i] + bytes(rng.randrange(256) for _ in range(rng.randint(1, 16))) + b[i:])
    if k == 4:  # delete a span
        i = rng.randrange(len(b)); j = min(len(b), i + rng.randint(1, 64)); return bytes(b[:i] + b[j:])
    # duplicate a span
    i = rng.randrange(len(b)); j = min(len(b), i + rng.randint(1, 256)); return bytes(b[:j] + b[i:j] + b[j:])

tok = os.path.join(W, "tokens.bin")
for name, cmd in [("eval", lambda f: ["eval", f, "--data", tok, "--batches", "1"]),
                  ("train", lambda f: ["train", f, "--data", tok, "--steps", "1", "--save", os.path.join(W, "mut-run")]),
                  ("decode", lambda f: ["generate", f, "--prompt-ids", "1,2,3", "--max-new-tokens", "3", "--greedy"])]:
    src = open(os.path.join(W, name + ".cherry"), "rb").read()
    for i in range(N):
        m = os.path.join(W, "mut.cherry")
        open(m, "wb").write(mutate(src))
        subprocess.run(["rm", "-rf", os.path.join(W, "mut-run")])
        probe(cmd(m), "%s-mutant-%d" % (name, i))
        if findings and findings[-1][0] == "%s-mutant-%d" % (name, i):
            os.rename(m, os.path.join(W, "finding-%s-%d.cherry" % (name, i)))

ev = os.path.join(W, "eval.cherry"); tr = os.path.join(W, "train.cherry"); de = os.path.join(W, "decode.cherry")
bad_values = ["", "-1", "0", "1e309", "nan", "inf", "-inf", "18446744073709551616", "9999999999999999999999",
              "0x10", " 1", "1 ", "abc", "1.5", "-0", "+3", "2147483648", "4294967296", "%n", "\xff"]
flags = {
  "eval": (["eval", ev, "--data", tok, "--batches", "1"], ["--batches", "--seed", "--threads", "--batch", "--seq", "--sgt-policy", "--sgt-ratio", "--sgt-seed", "--device", "--weights", "--sgt-stats", "--sgt-mask", "--data"]),
  "train": (["train", tr, "--data", tok, "--steps", "1", "--save", os.path.join(W, "flag-run")], ["--steps", "--seed", "--lr", "--lr-schedule", "--warmup", "--min-lr", "--schedule-steps", "--weight-decay", "--beta1", "--beta2", "--eps", "--grad-clip", "--val", "--save-every", "--log-every", "--coupling-every", "--threads", "--device", "--weights", "--resume", "--save", "--data", "--sgt-stats", "--sgt-mask", "--eval-batches"]),
  "generate": (["generate", de, "--prompt-ids", "1,2"], ["--max-new-tokens", "--temperature", "--top-k", "--seed", "--threads", "--prompt-ids", "--prompt", "--tokenizer", "--weights", "--device"]),
}
specials = ["/dev/zero", "/dev/full", "/dev/null", "/", W, os.path.join(W, "fifo")]
if not os.path.exists(os.path.join(W, "fifo")):
    os.mkfifo(os.path.join(W, "fifo"))
for cmdname, (base, fl) in flags.items():
    for f in fl:
        for v in bad_values + specials:
            subprocess.run(["rm", "-rf", os.path.join(W, "flag-run")])
            args = list(base)
            if f in args:
                i = args.index(f); args[i + 1] = v
            else:
                args += [f, v]
            probe(args, "%s %s=%r" % (cmdname, f, v), timeout=30)
# prompt-ids oddities
for v in ["1,,2", ",", "1,", "65535", "-5", "1,2,3," * 200, "99999999999999999999"]:
    probe(["generate", de, "--prompt-ids", v], "prompt-ids %r" % v[:40])
probe(["generate", de, "--prompt-ids", "1", "--max-new-tokens", "100000", "--greedy"], "gen long", timeout=120)

print("runs:", dict(stats))
print("findings: %d" % len(findings))
for f in findings:
    print(f)
sys.exit(1 if findings else 0)
