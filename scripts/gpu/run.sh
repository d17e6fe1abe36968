#!/usr/bin/env bash
# Every GPU check of the CUDA device, then a small benchmark, from an unpacked
# bundle (scripts/gpu-bundle.sh makes it; docs/CUDA.md). One command:
#   bash run.sh
# writes under $OUT (default: ./gpu-results beside this script):
#   report.txt        one line per check (PASS / FAIL / skipped) and the
#                     benchmark table, also printed last
#   log.txt           everything the commands printed
#   cuda-tests.xml    the kernel tests (GoogleTest XML)
#   bench.jsonl       the benchmark's numbers, one JSON object per run
# Exit status: 0 when every check passed or all were skipped (no CUDA
# device), 1 when one failed. CHERRY_GPU_DRY_RUN=1 runs the checks' plumbing
# on the CPU device instead (the comparisons then compare the CPU with
# itself), to test this script on a machine without a GPU. Sized to finish in about 8 minutes on an H200:
# each command has a timeout, and the benchmark stops starting new runs
# once CHERRY_GPU_BUDGET_S seconds (default 300) have passed.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=${OUT:-$here/gpu-results}
mkdir -p "$out"
report=$out/report.txt
log=$out/log.txt
bench=$out/bench.jsonl
: >"$report"
: >"$log"
: >"$bench"
work=$(mktemp -d "${TMPDIR:-/tmp}/cherry-gpu.XXXXXX")
trap 'rm -rf "$work"' EXIT
start=$(date +%s)
budget=${CHERRY_GPU_BUDGET_S:-300}
in=$here/inputs
failed=0
dev=cuda
dry=${CHERRY_GPU_DRY_RUN:-0}
[ "$dry" = 1 ] && dev=cpu
# --cuda-graphs N, except in the dry run (the CPU device refuses the flag).
graphs() { [ "$dry" = 1 ] || printf -- '--cuda-graphs %s' "$1"; }

say() { echo "$*" | tee -a "$report"; }
note() { echo "$*" >>"$log"; }
elapsed() { echo $(($(date +%s) - start)); }

# The CUDA libraries the binaries load (cuBLASLt, and NCCL where the runtime
# is built with it; the CUDA runtime is linked in): the system's, a CUDA
# toolkit's, or the ones PyTorch's wheels carry.
find_cuda_lib() { # LIBRARY: prints the folder holding it ("" for the system's)
  ldconfig -p 2>/dev/null | grep -q "$1" && return 0
  local d f site
  for d in ${CHERRY_CUDA_LIB:-} /usr/local/cuda/lib64 /usr/local/cuda/lib \
    /usr/local/cuda/targets/x86_64-linux/lib /usr/local/cuda-13*/lib64 \
    /usr/local/cuda-13*/lib; do
    if [ -e "$d/$1" ]; then
      echo "$d"
      return 0
    fi
  done
  if command -v python3 >/dev/null; then
    for site in $(python3 -c 'import site; print(" ".join(site.getsitepackages()))' 2>/dev/null); do
      f=$(find "$site/nvidia" -maxdepth 4 -name "$1" 2>/dev/null | head -1)
      if [ -n "$f" ]; then
        dirname "$f"
        return 0
      fi
    done
  fi
}
cuda_lib=$(find_cuda_lib libcublasLt.so.13)
nccl_lib=$(find_cuda_lib libnccl.so.2)
[ -n "$nccl_lib" ] && cuda_lib=${cuda_lib:+$cuda_lib:}$nccl_lib
libpath=$here/lib${cuda_lib:+:$cuda_lib}
# The bundled C++ runtime only when the system's lacks GCC 11's symbols.
sys_cxx=$(ldconfig -p 2>/dev/null | awk '/libstdc\+\+\.so\.6 .*x86-64/ {print $NF; exit}')
if [ -z "$sys_cxx" ] || ! grep -q GLIBCXX_3.4.29 "$sys_cxx"; then
  libpath=$libpath:$here/lib/fallback
fi
# NCCL says why it fails (the NCCL kernel test), in log.txt.
export NCCL_DEBUG=${NCCL_DEBUG:-WARN}
cr() { LD_LIBRARY_PATH="$libpath" "$here/bin/cherry-run" "$@"; }
check_py() { python3 "$here/gpu_check.py" "$@"; }

note "bundle: $here; library path: $libpath; started $(date -u)"
# Every library must resolve before anything runs.
missing=$(LD_LIBRARY_PATH="$libpath" ldd "$here/bin/cherry-run" "$here/bin/cherry-cuda-tests" 2>&1 |
  awk '/not found/ {print $1}' | sort -u | tr '\n' ' ')
if [ -n "$missing" ]; then
  say "FAIL libraries not found: $missing(CUDA's: set CHERRY_CUDA_LIB to the folders holding libcublasLt.so.13 and libnccl.so.2, separated by spaces)"
  exit 1
fi
{
  nvidia-smi 2>&1 | head -20
  LD_LIBRARY_PATH="$libpath" ldd "$here/bin/cherry-run"
  cr --version
} >>"$log" 2>&1

# 1. The kernels against the CPU kernels (exit 77: no CUDA device).
LD_LIBRARY_PATH="$libpath" timeout 240 "$here/bin/cherry-cuda-tests" \
  --gtest_output="xml:$out/cuda-tests.xml" >"$work/kernels.txt" 2>&1
rc=$?
cat "$work/kernels.txt" >>"$log"
if [ $rc -eq 77 ] && [ "$dry" != 1 ]; then
  say "skipped: no CUDA device (every check; see log.txt)"
  exit 0
fi
if [ "$dry" = 1 ] && [ $rc -eq 77 ]; then
  say "dry run: the CPU device stands in for CUDA (kernel tests skipped: no CUDA device)"
  rc=-1
fi
if [ $rc -eq -1 ]; then
  :
elif [ $rc -eq 0 ]; then
  say "PASS kernels: $(grep -E '^\[  PASSED  \]' "$work/kernels.txt")"
else
  failed=1
  say "FAIL kernels (rc $rc): $(grep -E '^\[  FAILED  \]' "$work/kernels.txt" | head -5 | tr '\n' ' ')"
fi
grep -E 'kernels have no CUDA implementation' "$work/kernels.txt" | tee -a "$report"
# The NCCL path at world size 1 (no mpirun on the GPU machine: one process,
# ncclCommInitRank of one rank: the collectives, the expert-parallel
# exchanges, the overlapped reductions on the communication stream) and the
# CUDA graph and prefetch tests, by name from the kernel tests.
for t in NcclWorldSizeOne ExpertParallelExchange ExpertParallelGraphs \
  OverlappedReductionIsBitIdentical GraphReplayIsBitIdentical Prefetch; do
  if grep -qE "^\[       OK \] CudaKernels\.$t " "$work/kernels.txt"; then
    say "PASS kernel test $t"
  elif [ $rc -ne -1 ]; then
    failed=1
    say "FAIL kernel test $t (see log.txt and cuda-tests.xml)"
  fi
done

# A check: NAME, then a command; its stdout's last line is the verdict.
check() {
  local name=$1
  shift
  local verdict
  verdict=$("$@" 2>>"$log" | tee -a "$log" | tail -1)
  case $verdict in
  PASS*) say "PASS $name: ${verdict#PASS }" ;;
  *)
    failed=1
    say "FAIL $name: ${verdict#FAIL }"
    ;;
  esac
}

# cherry-run with a timeout; its stdout to FILE. Fails the check when it
# fails (the error goes to the log).
crun() {
  local file=$1 limit=$2
  shift 2
  LD_LIBRARY_PATH="$libpath" timeout "$limit" "$here/bin/cherry-run" "$@" \
    >"$file" 2>>"$log"
  local rc=$?
  [ $rc -eq 0 ] || echo "FAIL cherry-run $* exited $rc"
  return $rc
}

# 2. Evaluation: the tiny preset (seeded initializers) and a small model with
#    safetensors weights, the same loss as on the CPU (fp32 GEMMs).
eval_parity() { # NAME EXE DATA [ARGS]
  local exe=$2 data=$3
  shift 3
  crun "$work/eval-cpu.json" 120 eval "$exe" --data "$data" --batches 4 --json --device cpu "$@" &&
    crun "$work/eval-cuda.json" 120 eval "$exe" --data "$data" --batches 4 --json --device "$dev" "$@" &&
    check_py eval "$work/eval-cpu.json" "$work/eval-cuda.json" 1e-5
}
check "eval tiny preset (fp32)" eval_parity tiny "$in/tiny-eval.cherry" "$in/tiny-tokens.bin"
check "eval small model with safetensors weights (fp32)" eval_parity small \
  "$in/small-eval.cherry" "$in/small-tokens.bin" --weights "$in/small.safetensors"

# 3. Training: 50 steps of the tiny preset track the CPU's losses.
train() { # FILE STEPS SAVE [ARGS]: cherry-run train of the tiny preset
  local file=$1 steps=$2 save=$3
  shift 3
  crun "$file" 300 train "$in/tiny-train.cherry" --data "$in/tiny-tokens.bin" \
    --steps "$steps" --save "$save" --grad-clip 1 --json "$@"
}
train "$work/cpu.jsonl" 50 "$work/run-cpu" --device cpu >>"$log"
track() { # MODE BOUND
  CHERRY_CUDA_MATMUL=$1 train "$work/cuda-$1.jsonl" 50 "$work/run-$1" --device "$dev" &&
    check_py track "$work/cpu.jsonl" "$work/cuda-$1.jsonl" "$2"
}
check "train 50 steps, fp32 GEMMs, tracks the CPU" track fp32 1e-3
check "train 50 steps, bf16 GEMMs, tracks the CPU" track bf16 3e-2

# 4. Bit-exact resume on the GPU: 20 steps, against 10 + resumed 10.
resume() {
  train "$work/full.jsonl" 20 "$work/run-full" --device "$dev" &&
    train "$work/part1.jsonl" 10 "$work/run-part" --device "$dev" &&
    train "$work/part2.jsonl" 20 "$work/run-part" --device "$dev" --resume "$work/run-part" &&
    check_py resume "$work/full.jsonl" "$work/part2.jsonl" &&
    if cmp -s "$work/run-full/checkpoint-20/model.safetensors" \
      "$work/run-part/checkpoint-20/model.safetensors"; then
      echo "PASS resume: losses and the step-20 weights are bit-identical"
    else
      echo "FAIL resume: the step-20 weights differ"
    fi
}
check "bit-exact resume" resume

# 5. Determinism: two runs, the same losses and gradient norms bit for bit.
same() { # MODE
  CHERRY_CUDA_MATMUL=$1 train "$work/a-$1.jsonl" 20 "$work/run-a-$1" --device "$dev" &&
    CHERRY_CUDA_MATMUL=$1 train "$work/b-$1.jsonl" 20 "$work/run-b-$1" --device "$dev" &&
    check_py same "$work/a-$1.jsonl" "$work/b-$1.jsonl"
}
check "deterministic run to run (fp32)" same fp32
check "deterministic run to run (bf16)" same bf16

# 6. CUDA graphs: the training step recorded once and replayed gives the
#    losses and gradient norms of plain launches bit for bit (30 steps), and
#    the eval step's loss too; both timed.
graphs_ab() { # MODE
  local on=$work/graphs-on-$1.jsonl off=$work/graphs-off-$1.jsonl
  CHERRY_CUDA_MATMUL=$1 LD_LIBRARY_PATH="$libpath" timeout 300 "$here/bin/cherry-run" \
    train "$in/tiny-train.cherry" --data "$in/tiny-tokens.bin" --steps 30 \
    --save "$work/run-graphs-on-$1" --grad-clip 1 --json --device "$dev" \
    $(graphs 1) >"$on" 2>"$work/graphs-on.err" || {
    cat "$work/graphs-on.err" >>"$log"
    echo "FAIL cherry-run train --cuda-graphs 1 failed"
    return 1
  }
  cat "$work/graphs-on.err" >>"$log"
  CHERRY_CUDA_MATMUL=$1 train "$off" 30 "$work/run-graphs-off-$1" --device "$dev" \
    $(graphs 0) || return 1
  if [ "$dry" != 1 ] && ! grep -q "function 'train_step' recorded as a CUDA graph" "$work/graphs-on.err"; then
    echo "FAIL graphs: train_step was not recorded: $(grep -m1 'without a CUDA graph' "$work/graphs-on.err")"
    return 1
  fi
  local verdict
  verdict=$(check_py same "$on" "$off") || {
    echo "$verdict"
    return 1
  }
  printf 'PASS graphs %s: %s; %.0f tokens/s with graphs, %.0f without\n' "$1" \
    "${verdict#PASS same: }" "$(check_py tps "$on")" "$(check_py tps "$off")"
}
check "CUDA graphs bit-identical to plain launches (fp32)" graphs_ab fp32
check "CUDA graphs bit-identical to plain launches (bf16)" graphs_ab bf16
graphs_eval() {
  crun "$work/eval-on.json" 120 eval "$in/tiny-eval.cherry" --data "$in/tiny-tokens.bin" \
    --batches 6 --json --device "$dev" $(graphs 1) &&
    crun "$work/eval-off.json" 120 eval "$in/tiny-eval.cherry" --data "$in/tiny-tokens.bin" \
      --batches 6 --json --device "$dev" $(graphs 0) &&
    check_py eval "$work/eval-off.json" "$work/eval-on.json" 0
}
check "CUDA graphs: eval loss bit-identical (6 batches)" graphs_eval
graphs_decode() { # greedy decoding of the small model: the same tokens
  local run args=(generate "$in/small-decode.cherry" --weights "$in/small.safetensors"
    --prompt-ids 5,17,42,7,99 --max-new-tokens 40 --greedy --ignore-eos --json --device "$dev")
  for run in 1 0; do
    crun "$work/decode-$run.json" 120 "${args[@]}" $(graphs "$run") || return 1
  done
  python3 - "$work/decode-1.json" "$work/decode-0.json" <<'PY'
import json, sys
on, off = (json.load(open(p)) for p in sys.argv[1:3])
same = on["ids"] == off["ids"] and len(on["ids"]) > 0
print(f"{'PASS' if same else 'FAIL'} decode: {len(on['ids'])} tokens "
      f"{'identical' if same else 'differ'}; {on['tokens_per_s']:.0f} tokens/s "
      f"with graphs, {off['tokens_per_s']:.0f} without")
PY
}
check "CUDA graphs: greedy decode tokens identical" graphs_decode
say "checks done in $(elapsed) s"

# 7. Benchmark: training tokens/s of the bench config and of llama-124m, per
#    GEMM mode, and PyTorch's (bf16 autocast, eager and torch.compile) on the
#    same GPU. MFU against the H200's 989 TFLOP/s dense bf16 (datasheet).
peak=989e12
bench_cherry() { # NAME MODE STEPS [ARGS]
  local name=$1 mode=$2 steps=$3
  shift 3
  local label=$mode
  [ $# -gt 0 ] && label="$mode $*"
  if [ "$(elapsed)" -ge "$budget" ]; then
    say "bench $name cherry $label: skipped (time budget)"
    return
  fi
  if CHERRY_CUDA_MATMUL=$mode crun "$work/bench.jsonl" 240 train "$in/$name-train.cherry" \
    --data "$in/$name-tokens.bin" --steps "$steps" --save "$work/bench-$name-$mode" \
    --device "$dev" --json --log-every 1 "$@" >>"$log"; then
    local tps
    tps=$(check_py tps "$work/bench.jsonl")
    python3 - "$name" "$label" "$tps" "$(cat "$in/$name.flops")" "$peak" <<'PY' | tee -a "$report"
import json, sys
name, mode, tps, flops, peak = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
print(f"bench {name:10s} cherry {mode:7s} {tps:12.0f} tokens/s  MFU {flops * tps / peak:6.1%}")
PY
    echo "{\"model\":\"$name\",\"runner\":\"cherry\",\"mode\":\"$label\",\"tokens_per_s\":$tps}" >>"$bench"
  else
    say "bench $name cherry $label: FAILED (see log.txt)"
  fi
}
bench_torch() { # NAME MODE STEPS
  local name=$1 mode=$2 steps=$3
  if ! python3 -c 'import torch; assert torch.cuda.is_available()' 2>/dev/null; then
    say "bench $name torch $mode: skipped (no python3 with CUDA PyTorch)"
    return
  fi
  if [ "$(elapsed)" -ge "$budget" ]; then
    say "bench $name torch $mode: skipped (time budget)"
    return
  fi
  local line
  if line=$(timeout 240 python3 "$here/torch_bench.py" "$in/$name.json" "$mode" "$steps" 2>>"$log" | tail -1) &&
    [ -n "$line" ]; then
    echo "{\"model\":\"$name\",\"runner\":\"torch\",${line#\{}" >>"$bench"
    python3 - "$name" "$mode" "$line" "$(cat "$in/$name.flops")" "$peak" <<'PY' | tee -a "$report"
import json, sys
name, mode, row, flops, peak = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
tps = row["tokens_per_s"]
print(f"bench {name:10s} torch  {mode:7s} {tps:12.0f} tokens/s  MFU {flops * tps / peak:6.1%}  peak memory {row['peak_memory_bytes'] / 2**30:.2f} GiB")
PY
  else
    say "bench $name torch $mode: FAILED (see log.txt)"
  fi
}
# The per-kernel profile (CHERRY_PROFILE=1: each launch waited for).
profile() { # NAME STEPS
  CHERRY_PROFILE=1 CHERRY_CUDA_MATMUL=bf16 timeout 180 env LD_LIBRARY_PATH="$libpath" \
    "$here/bin/cherry-run" train "$in/$1-train.cherry" --data "$in/$1-tokens.bin" \
    --steps "$2" --save "$work/profile-$1" --device "$dev" --json \
    >/dev/null 2>"$work/profile.txt"
  say "kernel profile, $1, bf16, $2 steps:"
  grep -A12 'kernel profile' "$work/profile.txt" | tee -a "$report"
  cat "$work/profile.txt" >>"$log"
}
if [ "$dry" = 1 ]; then
  bench_cherry bench fp32 2
  profile bench 1
  say "dry run: the rest of the benchmark is skipped"
  exit $failed
fi
for mode in fp32 tf32 bf16; do bench_cherry bench "$mode" 30; done
bench_cherry bench bf16 30 --cuda-graphs 0
[ "$(elapsed)" -lt "$budget" ] && profile bench 5
bench_torch bench eager 20
bench_cherry llama124m bf16 12
bench_torch llama124m eager 12
[ "$(elapsed)" -lt "$budget" ] && profile llama124m 3
bench_torch bench compile 20
bench_torch llama124m compile 12
say "done in $(elapsed) s; $([ $failed -eq 0 ] && echo 'every check passed' || echo 'a check FAILED')"
exit $failed
