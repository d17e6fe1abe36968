#!/usr/bin/env bash
# The main job: builds CHERRY, prepares the default corpus, and takes the tiny
# preset through the whole flow: import, cost report, compile for evaluation
# and for generation, evaluate on the held-out tokens, generate a sample.
# Also prints the cost report of the paper's 1B/48-layer model.
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

step "Compile for evaluation (batch 8 x seq 128) and write the executable"
"$bin/cherry-opt" "$out/tiny.mlir" --cherry-infer="batch=8 seq=128" -o "$out/tiny.infer.mlir"
"$bin/cherry-translate" --emit-executable "$out/tiny.infer.mlir" -o "$out/tiny.cherry"

step "Evaluate the freshly initialized model on 8 held-out batches (loss ~ ln 2048 = 7.62)"
"$bin/cherry-run" eval "$out/tiny.cherry" --data "$out/data/val.bin" --batches 8 --seed 1

step "Compile one decoding step (KV cache of 96 tokens) and generate (untrained: noise)"
"$bin/cherry-opt" "$out/tiny.mlir" --cherry-decode="capacity=96" -o "$out/tiny.decode.mlir"
"$bin/cherry-translate" --emit-executable "$out/tiny.decode.mlir" -o "$out/tiny.decode.cherry"
"$bin/cherry-run" generate "$out/tiny.decode.cherry" --seed 1 \
  --tokenizer "$out/data/tokenizer.model" --prompt "The computer" --max-new-tokens 24

step "Cost report of the paper's 48-layer ~1B model"
"$bin/cherry-opt" "$root/models/paper-1b-48l/model.mlir" --cherry-report -o /dev/null
