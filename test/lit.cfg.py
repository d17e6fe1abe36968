# -*- Python -*-
import os
import subprocess
import tempfile

import lit.formats
from lit.llvm import llvm_config

config.name = "CHERRY"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.excludes = ["lit.cfg.py", "lit.site.cfg.py", "Runtime", "Inputs"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.cherry_obj_root, "test")

config.substitutions.append(("%PATH%", config.environment["PATH"]))
config.substitutions.append(("%cherry_src", config.cherry_src_root))
config.substitutions.append(("%python", config.python_executable))

llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
llvm_config.with_environment("PATH", config.cherry_tools_dir, append_path=True)
llvm_config.add_tool_substitutions(
    ["cherry-opt", "cherry-translate", "cherry-data", "cherry-run",
     "cherry-reference-eval", "cherry-reference-train"], [config.cherry_tools_dir])

# 'tmpfs': a small tmpfs can be mounted in a private mount namespace
# (unshare -rm), for the tests of a full file system.
def can_mount_tmpfs():
    target = tempfile.mkdtemp()
    try:
        return subprocess.run(
            ["unshare", "-rm", "mount", "-t", "tmpfs", "-o", "size=16k",
             "tmpfs", target], stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, timeout=10).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False
    finally:
        os.rmdir(target)


if can_mount_tmpfs():
    config.available_features.add("tmpfs")


# 'mpirun': OpenMPI's launcher runs two ranks here and cherry-run was built
# with MPI; the many-ranks tests (train-ranks.test) need both. OpenMPI wants
# --allow-run-as-root under root and --oversubscribe on machines with fewer
# cores than ranks; --bind-to none leaves the ranks' threads unpinned, and
# shared memory without single-copy (CMA) works in containers that forbid
# ptrace.
mpirun_args = ["--allow-run-as-root", "--oversubscribe", "--bind-to", "none"]
config.environment["OMPI_MCA_btl_vader_single_copy_mechanism"] = "none"


def mpirun_works():
    import shutil
    if not shutil.which("mpirun"):
        return "mpirun not found (install openmpi-bin)"
    try:
        version = subprocess.run(
            [os.path.join(config.cherry_tools_dir, "cherry-run"), "--version"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=30)
        if b"ranks: mpi" not in version.stdout:
            return "cherry-run was built without MPI (install libopenmpi-dev)"
        probe = subprocess.run(
            ["mpirun"] + mpirun_args + ["-np", "2", "true"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60,
            env=dict(os.environ, OMPI_MCA_btl_vader_single_copy_mechanism="none"))
        if probe.returncode != 0:
            return "mpirun -np 2 true failed"
    except (OSError, subprocess.SubprocessError) as error:
        return f"mpirun cannot run: {error}"
    return None


mpirun_missing = mpirun_works()
if mpirun_missing is None:
    config.available_features.add("mpirun")
else:
    lit_config.note(f"the many-ranks tests are skipped: {mpirun_missing}")
config.substitutions.append(("%mpirun", " ".join(["mpirun"] + mpirun_args)))


# The CUDA device: "cuda-backend" where the runtime is built with it,
# "cuda-device" where this machine also has an NVIDIA GPU (docs/CUDA.md).
if getattr(config, "cherry_cuda", "OFF").upper() in ("ON", "1", "TRUE", "YES"):
    config.available_features.add("cuda-backend")
    try:
        listed = subprocess.run(["nvidia-smi", "-L"], capture_output=True,
                                text=True, timeout=30)
        if listed.returncode == 0 and "GPU" in listed.stdout:
            config.available_features.add("cuda-device")
    except (OSError, subprocess.SubprocessError):
        pass
