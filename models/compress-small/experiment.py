#!/usr/bin/env python3
"""Depth compression with recurrent recovery at small scale, on the CPU.

The paper's second experiment, shrunk to two cores: a dense 8-layer model
(models/compress-small: hidden 128, 4 heads, vocab 2048, batch 16 x seq 128)
is trained on Debian's fortunes for --teacher-steps; its layers are averaged
in groups of 4 into 2 shared layers (--cherry-compress group-size=4), run
recurrently for 8 effective steps, and the compressed
model continues training from the teacher's weights for --recovery-steps.
It is compared with dense models trained from scratch on the same number of
tokens (teacher + recovery steps, the same deterministic token stream):
one of 2 layers (the compressed model's unique parameter count) and one of
about 2.5x that (7 layers), the paper's comparison (227M recovered against a
566M dense model).

Rows (every held-out loss is the mean over the first --eval-batches
batches of val.bin):
  dense 8 layers (teacher)  the model that is compressed
  dense 2 / 7 layers        trained from scratch, teacher + recovery steps
  compressed, no recovery   the averaged layers run on the schedule, as
                            loaded (sequence and cycle)
  recovered ...             after --recovery-steps: sequence schedule with
                            per-step norms (the recipe), without per-step
                            parameters, cycle schedule, and per-step LoRA
                            (skipped with a note where cherry-opt does not
                            know lora-rank)
Every run's seed is an option (--teacher-seed, --recovery-seed, --seeds for
the dense baselines) and the table's header names them, so the table is
reproduced by the command it prints. The loop form's time and memory against
the unrolled form on this config is measured by test/bench/compress_bench.py
(the command is in the notes below the table; docs/Compression.md).

Usage:
  python3 models/compress-small/experiment.py [--out DIR]
      [--teacher-steps 1000] [--recovery-steps 500] [--seeds 1,2]
      [--teacher-seed 1] [--recovery-seed 1]
Needs the tools built (bash scripts/bootstrap.sh); with the defaults it took
44 minutes on two cores other jobs were using too (docs/Compression.md),
roughly half that on idle ones. Writes DIR/results.json and DIR/results.md. A run
made before with the same command is reused from DIR, so invoking it again
(say, after cherry-opt learned lora-rank) only trains the new rows.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HERE = os.path.join(ROOT, "models", "compress-small")

# The schedules of the compressed model as loaded (no recovery).
SCHEDULES = {
    "sequence": "schedule=sequence",
    "cycle": "schedule=cycle",
}
RECOVERIES = [
    # (row, compress options beyond group-size/steps, needs)
    ("sequence, per-step norms", "schedule=sequence step-norms=1", None),
    ("sequence, no per-step parameters", "schedule=sequence step-norms=0", None),
    ("cycle, per-step norms", "schedule=cycle step-norms=1", None),
    ("sequence, per-step norms + LoRA r=8", "schedule=sequence step-norms=1 "
     "lora-rank=8 lora-alpha=16", "lora-rank"),
    ("sequence, per-step norms + LoRA r=8 (SVD init)", "schedule=sequence "
     "step-norms=1 lora-rank=8 lora-alpha=16 lora-init=svd", "lora-init"),
]


def tool(name):
    build = os.environ.get("CHERRY_BUILD_DIR", os.path.join(ROOT, "build"))
    return os.path.join(build, "bin", name)


class ToolError(Exception):
    pass


def run(*args, check=True):
    r = subprocess.run([str(a) for a in args], capture_output=True, text=True)
    if r.returncode and check:
        sys.exit(f"experiment: {' '.join(map(str, args))} failed:\n{r.stderr.strip()}")
    if r.returncode:
        raise ToolError(r.stderr.strip())
    return r.stdout


def prepare(out, corpus):
    data = os.path.join(out, "data")
    if not os.path.exists(os.path.join(data, "data.json")):
        run(tool("cherry-data"), "prepare", "--input", corpus, "--format", "fortune",
            "--vocab-size", "2048", "--out", data)
    return data


def dense_model(out, layers):
    """models/compress-small with `layers` layers, imported."""
    mdir = os.path.join(out, f"dense-{layers}")
    mlir = os.path.join(mdir, "model.mlir")
    if not os.path.exists(mlir):
        os.makedirs(mdir, exist_ok=True)
        with open(os.path.join(HERE, "config.json")) as f:
            cfg = json.load(f)
        cfg["num_hidden_layers"] = layers
        with open(os.path.join(mdir, "config.json"), "w") as f:
            json.dump(cfg, f, indent=2)
        run(tool("cherry-translate"), "--import-hf", mdir, "-o", mlir)
    return mlir


def compile_model(mlir, name, out, compress, mode, shape):
    """`mode` is train or infer; `compress` the --cherry-compress options or
    None. Raises ToolError when cherry-opt refuses the options."""
    exe = os.path.join(out, "exe", f"{name}.{mode}.cherry")
    # An executable older than the compiler is made again (it may be of an
    # older schema the runtime no longer reads).
    if not os.path.exists(exe) or \
            os.path.getmtime(exe) < os.path.getmtime(tool("cherry-translate")):
        os.makedirs(os.path.dirname(exe), exist_ok=True)
        passes = [] if compress is None else [f"--cherry-compress={compress}"]
        if mode == "train":
            passes.append(f"--cherry-train={shape} optimizer=adamw report=0")
        else:
            passes.append(f"--cherry-infer={shape} report=0")
        run(tool("cherry-opt"), mlir, *passes, "-o", exe + ".mlir", check=False)
        run(tool("cherry-translate"), "--emit-executable", exe + ".mlir", "-o", exe)
    return exe


def cost(mlir, compress):
    """Unique parameters, those outside the layers and forward FLOPs per
    token, from the cost report."""
    passes = [] if compress is None else [f"--cherry-compress={compress}"]
    report = json.loads(run(tool("cherry-opt"), mlir, *passes,
                            "--cherry-report=format=json", "-o", "/dev/null", check=False))
    fn = [f for f in report["functions"] if f["function"] == "forward"][0]
    outside = [s for s in fn["scopes"] if s["kind"] == "other"][0]
    return {"params": fn["total"]["params"], "layer_params": fn["total"]["params"] - outside["params"],
            "fwd_flops_per_token": fn["total"]["forward_flops_per_token"],
            "layers_run": sum(s["kind"] == "decoder_layer" for s in fn["scopes"])}


def train(exe, data, run_dir, steps, lr, seed, args, weights=None):
    cmd = [tool("cherry-run"), "train", exe, "--data", os.path.join(data, "train.bin"),
           "--val", os.path.join(data, "val.bin"), "--steps", steps, "--seed", seed,
           "--lr", lr, "--lr-schedule", "cosine", "--warmup", max(1, steps // 10),
           "--min-lr", f"{lr / 10:g}", "--weight-decay", "0.1", "--beta2", "0.95",
           "--grad-clip", "1.0", "--eval-every", args.eval_every,
           "--eval-batches", args.eval_batches, "--log-every", args.eval_every,
           "--save", run_dir, "--json"]
    if weights:
        cmd += ["--weights", weights]
    cmd = [str(c) for c in cmd]
    # A run already made with exactly this command is reused: a second
    # invocation with the same --out only runs the rows that are new.
    cached = os.path.join(run_dir, "result.json")
    if os.path.exists(cached):
        with open(cached) as f:
            result = json.load(f)
        if result.get("command") == cmd:
            return result
    if os.path.exists(run_dir):
        shutil.rmtree(run_dir)
    start = time.time()
    lines = [json.loads(l) for l in run(*cmd).splitlines() if l.startswith("{")]
    curve = [(l["step"], l["val_loss"]) for l in lines if "val_loss" in l]
    with open(os.path.join(run_dir, "latest")) as f:
        checkpoint = os.path.join(run_dir, f.read().strip())
    result = {"final": curve[-1][1], "curve": curve, "seconds": time.time() - start,
              "tokens_per_s": lines[-1].get("tokens_per_s"), "checkpoint": checkpoint,
              "command": cmd}
    with open(cached, "w") as f:
        json.dump(result, f)
    return result


def evaluate(exe, data, weights, args):
    out = run(tool("cherry-run"), "eval", exe, "--data", os.path.join(data, "val.bin"),
              "--batches", args.eval_batches, "--weights", weights, "--json")
    return json.loads(out)["loss"]


def median(xs):
    xs = sorted(xs)
    n = len(xs)
    return xs[n // 2] if n % 2 else 0.5 * (xs[n // 2 - 1] + xs[n // 2])


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", default=os.path.join(ROOT, "build", "compress-experiment"))
    p.add_argument("--corpus", default="/usr/share/games/fortunes")
    p.add_argument("--teacher-steps", type=int, default=1000)
    p.add_argument("--recovery-steps", type=int, default=500)
    p.add_argument("--lr", type=float, default=3e-3, help="peak lr from scratch")
    p.add_argument("--recovery-lr", type=float, default=1e-3)
    p.add_argument("--big-layers", type=int, default=0,
                   help="layers of the larger dense baseline (0: the count nearest "
                        "2.5x the compressed model's parameters)")
    p.add_argument("--seeds", default="1,2",
                   help="seeds of the dense baselines, comma-separated; each "
                        "reports the median over them")
    p.add_argument("--teacher-seed", type=int, default=1,
                   help="seed of the teacher's initializers (cherry-run train --seed)")
    p.add_argument("--recovery-seed", type=int, default=1,
                   help="seed of the recovery runs' initializers (their new "
                        "per-step parameters; cherry-run train --seed)")
    p.add_argument("--eval-every", type=int, default=100)
    p.add_argument("--eval-batches", type=int, default=20)
    p.add_argument("--skip", default="", help="comma-separated row prefixes to skip")
    args = p.parse_args()
    seeds = [int(s) for s in args.seeds.split(",") if s]
    skip = [s for s in args.skip.split(",") if s]
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(HERE, "config.json")) as f:
        base = json.load(f)
    teacher_layers, steps = base["num_hidden_layers"], 8
    shared = 2
    group = teacher_layers // shared
    shape = f"batch={base['cherry']['batch']} seq={base['cherry']['seq']}"
    tokens_per_step = base["cherry"]["batch"] * base["cherry"]["seq"]
    total_steps = args.teacher_steps + args.recovery_steps
    data = prepare(args.out, args.corpus)
    log = lambda msg: print(msg, file=sys.stderr, flush=True)
    t0 = time.time()
    rows, notes = [], []

    def add(name, c, steps_trained, loss, extra=None):
        row = {"name": name, "params": c["params"], "layer_params": c["layer_params"],
               "layers_run": c["layers_run"], "fwd_flops_per_token": c["fwd_flops_per_token"],
               "steps": steps_trained, "tokens": steps_trained * tokens_per_step, "loss": loss}
        row.update(extra or {})
        rows.append(row)
        log(f"[{time.time() - t0:5.0f} s] {name}: held-out loss "
            f"{'-' if loss is None else f'{loss:.4f}'}")

    # The teacher.
    teacher_mlir = dense_model(args.out, teacher_layers)
    teacher_exe = compile_model(teacher_mlir, f"dense-{teacher_layers}", args.out, None,
                                "train", shape)
    teacher = train(teacher_exe, data, os.path.join(args.out, "run-teacher"),
                    args.teacher_steps, args.lr, args.teacher_seed, args)
    add(f"dense {teacher_layers} layers (teacher)", cost(teacher_mlir, None),
        args.teacher_steps, teacher["final"], {"seconds": teacher["seconds"]})

    # Dense baselines from scratch on the teacher's + the recovery's tokens.
    small = cost(dense_model(args.out, shared), None)
    recipe = f"group-size={group} steps={steps} schedule=sequence step-norms=1"
    unique = cost(teacher_mlir, recipe)["params"]
    big_layers = args.big_layers
    if not big_layers:
        per_layer = cost(dense_model(args.out, 2), None)["params"] - \
            cost(dense_model(args.out, 1), None)["params"]
        outside = small["params"] - 2 * per_layer
        big_layers = max(1, round((2.5 * unique - outside) / per_layer))
    for layers in (shared, big_layers):
        name = f"dense {layers} layers"
        if any(name.startswith(s) for s in skip):
            continue
        mlir = dense_model(args.out, layers)
        exe = compile_model(mlir, f"dense-{layers}", args.out, None, "train", shape)
        results = [train(exe, data, os.path.join(args.out, f"run-dense-{layers}-seed{seed}"),
                         total_steps, args.lr, seed, args) for seed in seeds]
        c = cost(mlir, None)
        add(f"{name} ({c['params'] / unique:.1f}x params)", c, total_steps,
            median([r["final"] for r in results]),
            {"seeds": seeds, "losses": [r["final"] for r in results],
             "seconds": sum(r["seconds"] for r in results)})

    # Compressed, as loaded: the averaged layers on each schedule.
    for schedule, opts in SCHEDULES.items():
        compress = f"group-size={group} steps={steps} {opts}"
        exe = compile_model(teacher_mlir, f"compressed-{schedule}", args.out, compress,
                            "infer", shape)
        add(f"compressed {shared}x{steps} {schedule}, no recovery",
            cost(teacher_mlir, compress), args.teacher_steps,
            evaluate(exe, data, teacher["checkpoint"], args))

    # Recovery: continue training the compressed model from the teacher.
    for i, (name, opts, needs) in enumerate(RECOVERIES):
        if any(name.startswith(s) for s in skip):
            continue
        compress = f"group-size={group} steps={steps} {opts}"
        try:
            exe = compile_model(teacher_mlir, f"recovered-{i}", args.out, compress,
                                "train", shape)
        except ToolError as e:
            # Only an option this cherry-opt does not know skips the row; any
            # other refusal is an error.
            if needs is None or "no such option" not in str(e):
                sys.exit(f"experiment: --cherry-compress={compress} failed:\n{e}")
            first = str(e).splitlines()[0] if str(e) else "(no message)"
            notes.append(f"recovered {name}: skipped, this cherry-opt does not take "
                         f"`{needs}` (`--cherry-compress={compress}`: {first})")
            log(notes[-1])
            continue
        r = train(exe, data, os.path.join(args.out, f"run-recovered-{i}"),
                  args.recovery_steps, args.recovery_lr, args.recovery_seed, args,
                  weights=teacher["checkpoint"])
        add(f"recovered {name}", cost(teacher_mlir, compress), total_steps, r["final"],
            {"seconds": r["seconds"], "curve": r["curve"], "compress": compress})
    notes.append("loop vs unrolled (time, memory): `python3 test/bench/compress_bench.py "
                 "--config models/compress-small/config.json --group-size 4 "
                 "--effective 8 --lora-rank 0` (the same 2x8 model compiled with "
                 "--cherry-train form=loop and form=unrolled; docs/Compression.md)")

    lines = ["| model | params (in layers) | layers run | steps (tokens) seen | "
             "fwd FLOPs/token | held-out loss |", "|---|---|---|---|---|---|"]
    for r in rows:
        loss = "-" if r["loss"] is None else f"{r['loss']:.3f}"
        if len(r.get("losses", [])) > 1:
            loss += " (" + ", ".join(f"{x:.3f}" for x in r["losses"]) + ")"
        lines.append(f"| {r['name']} | {r['params']:,} ({r['layer_params']:,}) | "
                     f"{r['layers_run']} | {r['steps']} ({r['tokens']:,}) | "
                     f"{r['fwd_flops_per_token'] / 1e6:.2f}M | {loss} |")
    text = "\n".join(lines) + "\n\n" + "\n".join(f"- {n}" for n in notes) + "\n"
    header = (f"teacher {args.teacher_steps} steps (lr {args.lr:g}), recovery "
              f"{args.recovery_steps} steps (lr {args.recovery_lr:g}), dense baselines "
              f"{total_steps} steps; {tokens_per_step} tokens/step; held-out loss: "
              f"mean of {args.eval_batches} val batches; dense seeds {seeds}, teacher "
              f"seed {args.teacher_seed}, recovery seed {args.recovery_seed}; "
              f"total {time.time() - t0:.0f} s\n\n")
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump({"args": vars(args), "rows": rows, "notes": notes}, f, indent=1)
    with open(os.path.join(args.out, "results.md"), "w") as f:
        f.write(header + text)
    print(header + text)


if __name__ == "__main__":
    main()
