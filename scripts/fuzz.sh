#!/usr/bin/env bash
# Builds the libFuzzer targets of test/fuzz with clang (the runtime and our
# dialects and passes instrumented, AddressSanitizer and UBSan on) and runs
# each one from seeds made by the test inputs.
#   bash scripts/fuzz.sh                 every target, 20000 runs each, seed 1
#                                        (deterministic: CI runs this)
#   bash scripts/fuzz.sh --seconds 3600  every target for an hour (a long run)
#   bash scripts/fuzz.sh --runs N | --seconds S [TARGET...]
# Targets: ExecutableFuzzer, SafeTensorsFuzzer, CheckpointFuzzer,
# PipelineFuzzer. A crash leaves its input in build-fuzz/artifacts/ and fails
# the script.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${CHERRY_FUZZ_BUILD_DIR:-$root/build-fuzz}
limit=()
targets=()
while (($#)); do
  case "$1" in
    --runs) limit=(-runs="$2"); shift 2 ;;
    --seconds) limit=(-max_total_time="$2"); shift 2 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    -*) echo "fuzz.sh: unknown option '$1' (see --help)" >&2; exit 1 ;;
    *) targets+=("$1"); shift ;;
  esac
done
((${#targets[@]})) ||
  targets=(ExecutableFuzzer SafeTensorsFuzzer CheckpointFuzzer PipelineFuzzer)

# The packages of scripts/bootstrap.sh that the runtime and the compiler
# need, and clang.
llvm=/usr/lib/llvm-22
packages=(clang-14 libclang-rt-14-dev libomp-14-dev cmake ninja-build python3
          libprotobuf-dev protobuf-compiler libopenblas-dev nlohmann-json3-dev
          libsentencepiece-dev llvm-22-dev llvm-22-tools libmlir-22-dev
          mlir-22-tools)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
    missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -q
  $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# A build directory configured before PipelineFuzzer existed (compiler off)
# is configured again.
if [ ! -f "$build/build.ninja" ] ||
   ! grep -q '^CHERRY_BUILD_COMPILER:BOOL=ON' "$build/CMakeCache.txt"; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
    -DCHERRY_BUILD_COMPILER=ON -DCHERRY_BUILD_TESTS=OFF \
    -DCHERRY_BUILD_FUZZERS=ON \
    -DLLVM_DIR="$llvm/lib/cmake/llvm" -DMLIR_DIR="$llvm/lib/cmake/mlir" \
    -DMLIR_LINK_MLIR_DYLIB=ON
fi
cmake --build "$build" -j "${CHERRY_JOBS:-$(nproc)}" --target "${targets[@]}"

# Seeds: the hand-encoded executables, safetensors files and checkpoint
# JSON the lit tests use.
seeds=$build/seeds
rm -rf "$seeds" && mkdir -p "$seeds"/{ExecutableFuzzer,SafeTensorsFuzzer,CheckpointFuzzer,PipelineFuzzer}
mkdir -p "$seeds/inputs"
python3 "$root/test/Run/Inputs/make_run_inputs.py" "$seeds/inputs" >/dev/null
cp "$seeds"/inputs/*.cherry "$seeds/ExecutableFuzzer/"
cp "$seeds"/inputs/*.safetensors "$seeds/SafeTensorsFuzzer/"
printf '{"global_step": 3, "seed": 0, "batch": 2, "seq": 16}\0{"vocab_size": 8}' \
  > "$seeds/CheckpointFuzzer/state"
printf '{"global_step": "3"}' > "$seeds/CheckpointFuzzer/bad-step"
# The tiny preset's model and each module of the pass tests (split at
# "// -----", RUN lines dropped).
python3 "$root/test/fuzz/pipeline/make_seeds.py" "$seeds/PipelineFuzzer" \
  "$root/models/tiny/model.mlir" "$root"/test/Transforms/*.mlir \
  "$root"/test/Dialect/Cherry/*.mlir "$root"/test/Target/*.mlir \
  "$root"/test/Target/Inputs/*.mlir >/dev/null

mkdir -p "$build/artifacts"
for t in "${targets[@]}"; do
  corpus=$build/corpus/$t
  mkdir -p "$corpus"
  run=("${limit[@]}")
  ((${#run[@]})) || run=(-runs=20000)
  extra=()
  if [ "$t" = PipelineFuzzer ]; then
    extra=(-dict="$seeds/PipelineFuzzer.dict")
  fi
  echo "fuzz.sh: $t ${run[*]}"
  status=0
  ASAN_OPTIONS=detect_leaks=1 "$build/bin/$t" -seed=1 "${run[@]}" \
    -max_len=65536 -timeout=10 -rss_limit_mb=2048 "${extra[@]}" \
    -artifact_prefix="$build/artifacts/$t-" "$corpus" "$seeds/$t" \
    > "$build/$t.log" 2>&1 || status=$?
  grep -E '^Done [0-9]+ runs|ERROR|SUMMARY' "$build/$t.log" || true
  if ((status)) || ls "$build/artifacts/$t-"* >/dev/null 2>&1; then
    echo "fuzz.sh: $t failed (exit $status; log $build/$t.log; inputs:" \
         "$(ls "$build/artifacts/$t-"* 2>/dev/null))" >&2
    exit 1
  fi
done
echo "fuzz.sh: no failures"
