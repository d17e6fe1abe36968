#!/usr/bin/env python3
"""Reads CHERRY's TensorBoard event files with the real `tensorboard` package.

Run by hand (not part of CI) in a virtualenv with `tensorboard` from PyPI
(TensorFlow is not needed: TensorBoard's own stub reader checks the TFRecord
CRCs):

    python3 -m venv /tmp/tbvenv && /tmp/tbvenv/bin/pip install tensorboard
    /tmp/tbvenv/bin/python test/oracle/tensorboard_oracle.py build/bin/CherryRuntimeTests

With the test binary, it runs TensorBoardTest.WritesScalarsThatReadBack with
CHERRY_TENSORBOARD_KEEP_DIR pointing at a fresh directory (so the event file
the C++ writer produced stays there), then loads that directory with
TensorBoard's EventAccumulator and checks every scalar against what the test
wrote: for steps s = 1..20, train/loss = 10/s, train/lr = 1e-4*s,
train/tokens_per_second = 1000+s (float32), wall time 1700000001+s. It also
reads every record with TensorBoard's TFRecord reader, which raises on a bad
length or data CRC. Prints the scalars and "OK", or the mismatches and exits 1.

    /tmp/tbvenv/bin/python test/oracle/tensorboard_oracle.py --print LOGDIR

only prints the scalars of any run directory (e.g. a `cherry-run train` run).
"""

import os
import struct
import subprocess
import sys
import tempfile

from tensorboard.backend.event_processing import event_accumulator
from tensorboard.compat.tensorflow_stub import pywrap_tensorflow
from tensorboard.compat.proto import event_pb2

STEPS = 20


def f32(x):
    """Rounds a Python float to float32, as the C++ test does."""
    return struct.unpack("<f", struct.pack("<f", x))[0]


def event_files(logdir):
    return sorted(
        os.path.join(logdir, n) for n in os.listdir(logdir) if "tfevents" in n
    )


def read_records(path):
    """Every record through TensorBoard's reader; raises DataLossError on a
    CRC mismatch or a truncated record."""
    reader = pywrap_tensorflow.PyRecordReader_New(path.encode(), 0, b"", None)
    events = []
    while True:
        try:
            reader.GetNext()
        except Exception as e:  # errors.OutOfRangeError at the end
            if type(e).__name__ == "OutOfRangeError":
                break
            raise
        ev = event_pb2.Event()
        ev.ParseFromString(reader.record())
        events.append(ev)
    return events


def load(logdir):
    acc = event_accumulator.EventAccumulator(
        logdir, size_guidance={event_accumulator.SCALARS: 0}
    )
    acc.Reload()
    return acc


def print_scalars(acc):
    for tag in sorted(acc.Tags()["scalars"]):
        for e in acc.Scalars(tag):
            print(f"{tag}\tstep {e.step}\tvalue {e.value!r}\twall_time {e.wall_time}")


def check(logdir):
    problems = []
    files = event_files(logdir)
    if len(files) != 1:
        return [f"expected one event file in {logdir}, found {files}"]
    path = files[0]
    name = os.path.basename(path)
    print(f"event file: {name}")
    if not name.startswith("events.out.tfevents.1700000000.testhost"):
        problems.append(f"unexpected file name {name}")

    records = read_records(path)
    print(f"TFRecord reader: {len(records)} records, all CRCs valid")
    if len(records) != 1 + 2 * STEPS:
        problems.append(f"expected {1 + 2 * STEPS} records, got {len(records)}")
    if records and records[0].file_version != "brain.Event:2":
        problems.append(f"first record file_version {records[0].file_version!r}")

    acc = load(logdir)
    print_scalars(acc)
    expected = {
        "train/loss": lambda s: f32(f32(10.0) / f32(float(s))),
        "train/lr": lambda s: f32(f32(1e-4) * f32(float(s))),
        "train/tokens_per_second": lambda s: f32(1000.0 + s),
    }
    tags = sorted(acc.Tags()["scalars"])
    if tags != sorted(expected):
        problems.append(f"tags {tags}, expected {sorted(expected)}")
    for tag, value_at in expected.items():
        if tag not in tags:
            continue
        events = acc.Scalars(tag)
        if [e.step for e in events] != list(range(1, STEPS + 1)):
            problems.append(f"{tag}: steps {[e.step for e in events]}")
            continue
        for e in events:
            if e.value != value_at(e.step):
                problems.append(
                    f"{tag} step {e.step}: {e.value!r} != {value_at(e.step)!r}"
                )
            if e.wall_time != 1700000001.0 + e.step:
                problems.append(f"{tag} step {e.step}: wall_time {e.wall_time}")
    return problems


def main(argv):
    if len(argv) == 3 and argv[1] == "--print":
        print_scalars(load(argv[2]))
        return 0
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    binary = argv[1]
    with tempfile.TemporaryDirectory(prefix="cherry-tb-oracle-") as tmp:
        logdir = os.path.join(tmp, "run")
        env = dict(os.environ, CHERRY_TENSORBOARD_KEEP_DIR=logdir)
        subprocess.run(
            [binary, "--gtest_filter=TensorBoardTest.WritesScalarsThatReadBack"],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        problems = check(logdir)
    for p in problems:
        print("MISMATCH:", p)
    print("OK" if not problems else f"FAILED ({len(problems)} problems)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
