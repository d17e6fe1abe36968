#!/usr/bin/env bash
# Packs CHERRY for a GPU machine that has only the NVIDIA driver and the CUDA
# libraries (no MLIR, no Debian packages): cherry-run and the GPU test binary
# built here with the CUDA device, the shared libraries they need except
# glibc's and CUDA's (cuBLASLt, NCCL: found on the GPU machine by run.sh;
# the rest found with ldd), the test inputs compiled here, and
# run.sh, which runs every GPU check and the benchmark (docs/CUDA.md).
#   bash scripts/gpu-bundle.sh [DIR]     (default: build/gpu-bundle)
# Then, on the GPU machine, in the unpacked folder:  bash run.sh
# Environment: CHERRY_BUILD_DIR (default: build, configured with CUDA),
# CHERRY_JOBS (default 1).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${CHERRY_BUILD_DIR:-$root/build}
out=${1:-$build/gpu-bundle}
jobs=${CHERRY_JOBS:-1}
limit_mib=60

die() {
  echo "gpu-bundle: $*" >&2
  exit 1
}
[ -f "$build/CMakeCache.txt" ] || die "$build is not configured (run scripts/bootstrap.sh)"
grep -q '^CHERRY_ENABLE_CUDA:BOOL=ON' "$build/CMakeCache.txt" ||
  die "$build is configured without the CUDA device (needs nvcc; -DCHERRY_ENABLE_CUDA=ON)"
cmake --build "$build" -j "$jobs" --target cherry-run cherry-cuda-tests \
  cherry-opt cherry-translate cherry_sentencepiece

rm -rf "$out"
mkdir -p "$out/bin" "$out/lib" "$out/inputs"
strip -o "$out/bin/cherry-run" "$build/bin/cherry-run"
strip -o "$out/bin/cherry-cuda-tests" "$build/bin/cherry-cuda-tests"
# The tokenizer dlopens its SentencePiece shim from bin/../lib.
strip --strip-unneeded -o "$out/lib/libcherry_sentencepiece.so" \
  "$build/lib/libcherry_sentencepiece.so"

# Every shared library they load, but glibc's (the target's own, at least
# as new as this machine's 2.36) and CUDA's and the driver's (the target's).
bundle_deps() {
  ldd "$1" | awk '$2 == "=>" && $3 ~ /^\// {print $1, $3}' |
    while read -r name path; do
      case $name in
      libc.so.* | libm.so.* | libpthread.so.* | libdl.so.* | librt.so.* | \
        ld-linux* | libcuda.so.* | libcublas* | libcudart* | libnvidia* | \
        libnccl*) continue ;;
      esac
      if [ ! -e "$out/lib/$name" ]; then
        strip --strip-unneeded -o "$out/lib/$name" "$(readlink -f "$path")"
        bundle_deps "$out/lib/$name"
      fi
    done
}
for f in "$out/bin/cherry-run" "$out/bin/cherry-cuda-tests" \
  "$out/lib/libcherry_sentencepiece.so"; do
  bundle_deps "$f"
done

# The C++ runtime only where the target's is older than GCC 11's (this
# machine's needs glibc 2.36, newer than some targets' glibc): run.sh adds
# lib/fallback to the path only then.
mkdir -p "$out/lib/fallback"
for f in libstdc++.so.6 libgcc_s.so.1; do
  [ -e "$out/lib/$f" ] && mv "$out/lib/$f" "$out/lib/fallback/"
done

cp "$root/scripts/gpu/run.sh" "$root/scripts/gpu/gpu_check.py" \
  "$root/scripts/gpu/torch_bench.py" "$out/"
chmod +x "$out/run.sh"

# Inputs, compiled here (the GPU machine has no compiler).
bin=$build/bin
tokens() { python3 "$root/test/e2e/Inputs/make_tokens.py" "$@" >/dev/null; }
compile() { # MODEL.mlir PIPELINE OUT.cherry
  "$bin/cherry-opt" "$1" "$2" -o "$out/inputs/tmp.mlir" 2>/dev/null
  "$bin/cherry-translate" --emit-executable "$out/inputs/tmp.mlir" -o "$3"
  rm -f "$out/inputs/tmp.mlir"
}
flops() { # MODEL.mlir OUT: forward + backward FLOPs per token
  "$bin/cherry-opt" "$1" --cherry-cost-report=format=json -o /dev/null |
    python3 -c 'import json, sys; f = json.load(sys.stdin)["functions"][0]; t = f["total"]; print((t["forward_flops"] + t["backward_flops"]) / f["tokens_per_call"])' >"$2"
}
in=$out/inputs
# The tiny preset (models/tiny: 3.4M parameters, batch 8 x seq 128).
compile "$root/models/tiny/model.mlir" --cherry-train="batch=8 seq=128" "$in/tiny-train.cherry"
compile "$root/models/tiny/model.mlir" --cherry-infer="batch=8 seq=128" "$in/tiny-eval.cherry"
tokens "$in/tiny-tokens.bin" 120000 2048 7
# A small model with weights from a safetensors file (a CPU checkpoint).
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 "$root/test/Frontend/Inputs/make_hf_dir.py" "$tmp/small" --vocab 300 \
  --hidden 96 --intermediate 200 --heads 4 --kv-heads 2 --tied >/dev/null
"$bin/cherry-translate" --import-hf "$tmp/small" -o "$tmp/small.mlir"
compile "$tmp/small.mlir" --cherry-train="batch=4 seq=64" "$tmp/small-train.cherry"
compile "$tmp/small.mlir" --cherry-infer="batch=4 seq=64" "$in/small-eval.cherry"
compile "$tmp/small.mlir" --cherry-decode="capacity=64 report=0" "$in/small-decode.cherry"
tokens "$in/small-tokens.bin" 6200 300 7
"$bin/cherry-run" train "$tmp/small-train.cherry" --data "$in/small-tokens.bin" \
  --steps 3 --lr 1e-2 --save "$tmp/run" --threads 1 >/dev/null
cp "$tmp/run/checkpoint-3/model.safetensors" "$in/small.safetensors"
# The training benchmark config (test/bench/train_bench.py) and llama-124m.
mkdir -p "$tmp/bench"
python3 -c "import sys; sys.path.insert(0, '$root/test/bench'); import json, train_bench; json.dump(train_bench.CONFIG, open('$tmp/bench/config.json', 'w'))"
cp "$tmp/bench/config.json" "$in/bench.json"
"$bin/cherry-translate" --import-hf "$tmp/bench" -o "$tmp/bench.mlir"
compile "$tmp/bench.mlir" --cherry-train="batch=8 seq=256" "$in/bench-train.cherry"
flops "$tmp/bench.mlir" "$in/bench.flops"
tokens "$in/bench-tokens.bin" 70000 8192 3
python3 -c "import json; c = json.load(open('$root/models/llama-124m/config.json')); json.dump(c, open('$in/llama124m.json', 'w'))"
compile "$root/models/llama-124m/model.mlir" --cherry-train="batch=8 seq=1024" "$in/llama124m-train.cherry"
flops "$root/models/llama-124m/model.mlir" "$in/llama124m.flops"
tokens "$in/llama124m-tokens.bin" 110000 50304 5

# Nothing outside the bundle but glibc and CUDA: every library resolves
# to bundle/lib or to one of those.
for f in "$out/bin/"* "$out/lib/"*.so* "$out/lib/fallback/"*; do
  LD_LIBRARY_PATH="$out/lib:$out/lib/fallback" ldd "$f" | awk '$2 == "=>" {print $1, $3}' |
    while read -r name path; do
      case $name in
      libc.so.* | libm.so.* | libpthread.so.* | libdl.so.* | librt.so.* | \
        ld-linux* | libcublas* | libcudart* | libcuda.so.* | libnccl*) ;;
      *) [[ $path == "$out/lib/"* ]] || die "$f needs $name from $path, outside the bundle" ;;
      esac
    done
done
size=$(du -sm "$out" | cut -f1)
[ "$size" -le "$limit_mib" ] || die "the bundle is $size MiB, over $limit_mib MiB"
echo "gpu-bundle: $out ($size MiB); on the GPU machine: bash $(basename "$out")/run.sh"
