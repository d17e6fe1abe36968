"""Feeds every prefix (at a stride) of a valid file to cherry-opt and checks
that each broken prefix is rejected with exit code 1 and an `error:` line that
names the input, never a crash (signal, assertion, stack dump)."""
import subprocess
import sys
import tempfile

tool, path, stride = sys.argv[1], sys.argv[2], int(sys.argv[3])
data = open(path, "rb").read()
failures = 0
checked = 0
with tempfile.NamedTemporaryFile(suffix=".mlir") as tmp:
    for cut in range(0, len(data), stride):
        tmp.seek(0)
        tmp.truncate()
        tmp.write(data[:cut])
        tmp.flush()
        p = subprocess.run([tool, tmp.name, "-o", "/dev/null"],
                           capture_output=True, text=True, timeout=60)
        checked += 1
        crashed = p.returncode not in (0, 1) or "Stack dump" in p.stderr \
            or "Assertion" in p.stderr
        undiagnosed = p.returncode == 1 and f"{tmp.name}:" not in p.stderr
        if crashed or undiagnosed:
            failures += 1
            print(f"prefix of {cut} bytes: exit {p.returncode}\n{p.stderr[:500]}")
print(f"{checked - failures} passed, {failures} failed")
sys.exit(1 if failures else 0)
