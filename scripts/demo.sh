#!/usr/bin/env bash
# The main job: builds CHERRY, prepares the default corpus, and takes the tiny
# preset through the whole flow: import, cost report, compile for training,
# train on the CPU with a falling loss (checkpoints, metrics, TensorBoard
# events), evaluate the trained weights on held-out tokens, and generate a
# sample from them. Also prints the cost report of the paper's 1B/48-layer
# model.
#   bash scripts/demo.sh            (outputs under build/demo)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$root/scripts/bootstrap.sh"
bin=${CHERRY_BUILD_DIR:-$root/build}/bin
out=${CHERRY_BUILD_DIR:-$root/build}/demo
mkdir -p "$out"

step() { printf '\n== %s\n' "$*"; }

step "Corpus: Debian's fortunes -> 2048-piece BPE tokenizer, train/val token files"
if [ ! -f "$out/data/data.json" ]; then
  "$bin/cherry-data" prepare --input /usr/share/games/fortunes --format fortune \
    --vocab-size 2048 --out "$out/data"
else
  echo "(reusing $out/data)"
fi

step "Import models/tiny (Hugging Face config.json) as cherry IR"
"$bin/cherry-translate" --import-hf "$root/models/tiny" -o "$out/tiny.mlir"
"$bin/cherry-opt" "$out/tiny.mlir" --cherry-report -o /dev/null

step "Compile for training (batch 8 x seq 128, AdamW): forward, gradients, updates"
"$bin/cherry-opt" "$out/tiny.mlir" --cherry-train="batch=8 seq=128 optimizer=adamw" \
  -o "$out/tiny.train.mlir"
"$bin/cherry-translate" --emit-executable "$out/tiny.train.mlir" -o "$out/tiny.train.cherry"

step "Train 300 steps on the CPU (cosine schedule); run directory $out/run"
rm -rf "$out/run"
"$bin/cherry-run" train "$out/tiny.train.cherry" --data "$out/data/train.bin" \
  --val "$out/data/val.bin" --steps ${CHERRY_DEMO_STEPS:-300} --seed 1 \
  --lr 3e-3 --lr-schedule cosine --warmup $(( ${CHERRY_DEMO_STEPS:-300} / 10 )) --min-lr 3e-4 \
  --weight-decay 0.1 --beta2 0.95 --grad-clip 1.0 \
  --eval-every 100 --log-every 25 --save "$out/run"
checkpoint="$out/run/$(cat "$out/run/latest")"

step "Evaluate the trained weights on 8 held-out batches (untrained: ~ ln 2048 = 7.62)"
"$bin/cherry-opt" "$out/tiny.mlir" --cherry-infer="batch=8 seq=128" -o "$out/tiny.infer.mlir"
"$bin/cherry-translate" --emit-executable "$out/tiny.infer.mlir" -o "$out/tiny.cherry"
"$bin/cherry-run" eval "$out/tiny.cherry" --weights "$checkpoint" \
  --data "$out/data/val.bin" --batches 8

step "Generate from the trained weights (one decoding step over a 96-token KV cache)"
"$bin/cherry-opt" "$out/tiny.mlir" --cherry-decode="capacity=96" -o "$out/tiny.decode.mlir"
"$bin/cherry-translate" --emit-executable "$out/tiny.decode.mlir" -o "$out/tiny.decode.cherry"
"$bin/cherry-run" generate "$out/tiny.decode.cherry" --weights "$checkpoint" --seed 1 \
  --tokenizer "$out/data/tokenizer.model" --prompt "The computer" \
  --max-new-tokens 40 --temperature 0.7 --top-k 40

step "Cost report of the paper's 48-layer ~1B model"
"$bin/cherry-opt" "$root/models/paper-1b-48l/model.mlir" --cherry-report -o /dev/null
