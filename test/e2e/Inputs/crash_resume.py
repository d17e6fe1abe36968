#!/usr/bin/env python3
"""Kills training at random points, resumes, and checks nothing was lost.

Usage: crash_resume.py CHERRY_RUN TRAIN.cherry EVAL.cherry TOKENS.bin WORKDIR
       [--steps N] [--kills K] [--seed S]

First an uninterrupted run of N steps, a checkpoint every step, gives the
reference losses. Then the same run is started again and again in a fresh
directory, each time with --resume once a checkpoint exists, and killed with
SIGKILL after a random delay (seeded; a fraction of a whole run, so kills
land inside saves as well as inside steps), K times, then allowed to finish.
Checked: every step any attempt reported has the reference loss bit for bit;
the last attempt reaches step N; every checkpoint-<n> left behind loads
(`cherry-run eval --weights`); `latest` names one of them; no temporary
directory is left visible as a checkpoint.
"""
import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time


def train(args, save, resume, capture):
    cmd = [args.cherry_run, "train", args.train, "--data", args.tokens,
           "--steps", str(args.steps), "--save-every", "1", "--lr", "1e-2",
           "--save", save, "--json"]
    if resume:
        cmd += ["--resume", save]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE if capture else
                            subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True)


def losses(text):
    out = {}
    for line in text.splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue  # a line cut by the kill
        if "loss" in record and "step" in record:
            out[record["step"]] = record["loss"]
    return out


def main():
    ap = argparse.ArgumentParser()
    for name in ("cherry_run", "train", "eval", "tokens", "work"):
        ap.add_argument(name)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--kills", type=int, default=12)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)

    start = time.monotonic()
    ref = train(args, os.path.join(args.work, "ref"), False, True)
    out, err = ref.communicate()
    if ref.returncode != 0:
        sys.exit(f"FAIL: reference run failed: {err.strip()}")
    duration = time.monotonic() - start
    reference = losses(out)

    save = os.path.join(args.work, "crashed")
    # Kills are timed from the reference run; on a machine busier than it
    # was then, runs may finish before their kill lands. Such a sequence is
    # started again with the delays halved, a few times at most.
    for sequence in range(5):
        shutil.rmtree(save, ignore_errors=True)
        reported = {}
        killed = attempt = 0
        while True:
            resume = os.path.exists(os.path.join(save, "latest"))
            proc = train(args, save, resume, True)
            last = killed == args.kills
            if not last:
                # A fraction of what is left: each attempt gets part of the way.
                left = 1 - max(reported, default=0) / args.steps
                time.sleep(rng.uniform(0.05, 0.6) * left * duration)
                if proc.poll() is None:
                    proc.send_signal(signal.SIGKILL)
                    killed += 1
            out, err = proc.communicate()
            for step, loss in losses(out).items():
                if reference.get(step) != loss:
                    sys.exit(f"FAIL: attempt {attempt} step {step}: loss {loss!r}, "
                             f"uninterrupted {reference.get(step)!r}")
                reported[step] = loss
            if proc.returncode not in (0, -signal.SIGKILL):
                sys.exit(f"FAIL: attempt {attempt} exited {proc.returncode}: "
                         f"{err.strip()}")
            attempt += 1
            if proc.returncode == 0:
                break
        if killed >= args.kills // 2:
            break
        duration /= 2
    if killed < args.kills // 2:
        sys.exit(f"FAIL: only {killed} of {args.kills} kills landed before the "
                 f"run finished, after 5 tries with ever shorter delays")
    if max(reported, default=0) != args.steps:
        sys.exit(f"FAIL: the run never reached step {args.steps}")

    names = sorted(n for n in os.listdir(save) if n.startswith("checkpoint-"))
    latest = open(os.path.join(save, "latest")).read().strip()
    if latest not in names:
        sys.exit(f"FAIL: latest names {latest!r}, not one of {names}")
    for name in names:
        if not name[len("checkpoint-"):].isdigit():
            sys.exit(f"FAIL: {name} looks like a torn save")
        check = subprocess.run(
            [args.cherry_run, "eval", args.eval, "--data", args.tokens,
             "--batches", "1", "--weights", os.path.join(save, name)],
            capture_output=True, text=True)
        if check.returncode != 0:
            sys.exit(f"FAIL: {name} does not load: {check.stderr.strip()}")
    print(f"{killed} kills, {len(names)} checkpoints load, every reported "
          f"loss equals the uninterrupted run's, step {args.steps} reached")


if __name__ == "__main__":
    main()
