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
