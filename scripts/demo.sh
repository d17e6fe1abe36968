#!/usr/bin/env bash
# The main job: builds CHERRY, prepares the default corpus, and takes the tiny
# preset through the whole flow: import, cost report, compile for training,
# train on the CPU with a falling loss (checkpoints, metrics, TensorBoard
# events), evaluate the trained weights on held-out tokens, train again
# supervising 15% of the positions (selective training, with its gradient
# coupling), compress the trained model's depth (4 layers averaged into 2 shared ones
# run for 4 steps with per-step norms), evaluate it as compressed and after a short
# recovery training, fuse two compressed experts into a mixture (MoEE) with a
# multi-token head and decode from it speculatively, and generate a sample.
# Also prints the cost report of the paper's 1B/48-layer model and of its
# 48 -> 6 x 34 compressed recipe.
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
  --data "$out/data/val.bin" --batches 8 --json > "$out/dense.eval.json"
heldout() { sed -n 's/.*"loss": *\([0-9.eE+-]*\).*/\1/p' "$1"; }
echo "held-out loss $(heldout "$out/dense.eval.json")"

step "Depth compression: the 4 trained layers averaged into 2 shared ones, run for 4 steps"
# sequence schedule: layer 0 (the mean of layers 0-1) runs steps 0-1, layer 1
# (of layers 2-3) steps 2-3; per-step RMSNorm gains, the shared gain at first.
compress="group-size=2 steps=4 schedule=sequence step-norms=1"
"$bin/cherry-opt" "$out/tiny.mlir" --cherry-compress="$compress" --cherry-report -o /dev/null
"$bin/cherry-opt" "$out/tiny.mlir" --cherry-compress="$compress" \
  --cherry-infer="batch=8 seq=128 report=0" -o "$out/tiny.compressed.infer.mlir"
"$bin/cherry-translate" --emit-executable "$out/tiny.compressed.infer.mlir" \
  -o "$out/tiny.compressed.cherry"
# The dense checkpoint loads as is: the runtime averages its layers at load.
"$bin/cherry-run" eval "$out/tiny.compressed.cherry" --weights "$checkpoint" \
  --data "$out/data/val.bin" --batches 8 --json > "$out/compressed.eval.json"
echo "held-out loss without recovery $(heldout "$out/compressed.eval.json")"

step "Recover the compressed model: ${CHERRY_DEMO_RECOVERY_STEPS:-100} steps from the dense checkpoint"
"$bin/cherry-opt" "$out/tiny.mlir" --cherry-compress="$compress" \
  --cherry-train="batch=8 seq=128 optimizer=adamw report=0" -o "$out/tiny.compressed.train.mlir"
"$bin/cherry-translate" --emit-executable "$out/tiny.compressed.train.mlir" \
  -o "$out/tiny.compressed.train.cherry"
rm -rf "$out/recovered"
"$bin/cherry-run" train "$out/tiny.compressed.train.cherry" --weights "$checkpoint" \
  --data "$out/data/train.bin" --steps ${CHERRY_DEMO_RECOVERY_STEPS:-100} --seed 1 \
  --lr 1e-3 --lr-schedule cosine --warmup 10 --min-lr 1e-4 \
  --weight-decay 0.1 --beta2 0.95 --grad-clip 1.0 --log-every 50 \
  --save "$out/recovered"
# The recovered checkpoint's config.json describes the recurrence:
# --import-hf rebuilds the compressed model reading every tensor from it.
recovered_ckpt="$out/recovered/$(cat "$out/recovered/latest")"
"$bin/cherry-translate" --import-hf "$recovered_ckpt" -o "$out/tiny.recovered.mlir"
"$bin/cherry-opt" "$out/tiny.recovered.mlir" --cherry-infer="batch=8 seq=128 report=0" \
  -o "$out/tiny.recovered.infer.mlir"
"$bin/cherry-translate" --emit-executable "$out/tiny.recovered.infer.mlir" \
  -o "$out/tiny.recovered.cherry"
"$bin/cherry-run" eval "$out/tiny.recovered.cherry" --weights "$recovered_ckpt" \
  --data "$out/data/val.bin" --batches 8 --json > "$out/recovered.eval.json"
recovered=$(heldout "$out/recovered.eval.json")
echo "Held-out loss (8 val batches):"
printf '  %-34s %.4f\n' "dense (4 layers):" "$(heldout "$out/dense.eval.json")" \
  "compressed (2 shared x 4 steps):" "$(heldout "$out/compressed.eval.json")" \
  "recovered (${CHERRY_DEMO_RECOVERY_STEPS:-100} steps):" "$recovered"

step "Mixture of Efficient Experts: two compressed experts fused into a top-1 MoEE with one MTP head"
# A second expert: the compressed model recovered again with another seed.
rm -rf "$out/expert-b"
"$bin/cherry-run" train "$out/tiny.compressed.train.cherry" --weights "$checkpoint" \
  --data "$out/data/train.bin" --steps 50 --seed 2 \
  --lr 1e-3 --lr-schedule cosine --warmup 5 --min-lr 1e-4 \
  --weight-decay 0.1 --beta2 0.95 --grad-clip 1.0 --log-every 50 \
  --save "$out/expert-b"
expert_b="$out/expert-b/$(cat "$out/expert-b/latest")"
# Each shared layer's MLPs become the two experts of one routed MLP (top-1,
# Switch gates); attention, norms, embeddings and head are the experts' mean.
# One more head predicts the token after next (the logged loss adds 0.3x its loss).
fuse="experts=2 top-k=1 renormalize=0"
"$bin/cherry-opt" "$out/tiny.recovered.mlir" --cherry-moee-fuse="$fuse" \
  --cherry-train="batch=8 seq=128 optimizer=adamw mtp=1 report=0" -o "$out/tiny.moee.train.mlir"
"$bin/cherry-translate" --emit-executable "$out/tiny.moee.train.mlir" -o "$out/tiny.moee.train.cherry"
rm -rf "$out/moee"
"$bin/cherry-run" train "$out/tiny.moee.train.cherry" \
  --weights "$recovered_ckpt" --weights "$expert_b" \
  --data "$out/data/train.bin" --steps 50 --seed 1 \
  --lr 1e-3 --lr-schedule cosine --warmup 5 --min-lr 1e-4 \
  --weight-decay 0.1 --beta2 0.95 --grad-clip 1.0 --log-every 10 --save "$out/moee"
moee_ckpt="$out/moee/$(cat "$out/moee/latest")"
# A checkpoint of the mixture reads back through the same fusion, weights=fused.
"$bin/cherry-opt" "$out/tiny.recovered.mlir" --cherry-moee-fuse="$fuse weights=fused" \
  --cherry-infer="batch=8 seq=128 mtp=1 report=0" -o "$out/tiny.moee.infer.mlir"
"$bin/cherry-translate" --emit-executable "$out/tiny.moee.infer.mlir" -o "$out/tiny.moee.cherry"
"$bin/cherry-run" eval "$out/tiny.moee.cherry" --weights "$moee_ckpt" \
  --data "$out/data/val.bin" --batches 8
echo "Self-speculative decoding: the MTP head drafts, the next-token head verifies"
"$bin/cherry-opt" "$out/tiny.recovered.mlir" --cherry-moee-fuse="$fuse weights=fused" \
  --cherry-decode="capacity=96 mtp=1 report=0" -o "$out/tiny.moee.decode.mlir"
"$bin/cherry-translate" --emit-executable "$out/tiny.moee.decode.mlir" \
  -o "$out/tiny.moee.decode.cherry"
"$bin/cherry-run" generate "$out/tiny.moee.decode.cherry" --weights "$moee_ckpt" \
  --tokenizer "$out/data/tokenizer.model" --prompt "The computer" \
  --max-new-tokens 40 --speculative

step "Selective training: supervise 15% of the positions (drawn by surprisal, 1/p-weighted)"
"$bin/cherry-opt" "$out/tiny.mlir" \
  --cherry-train="batch=8 seq=128 optimizer=adamw sgt=surprisal sgt-ratio=0.15 report=0" \
  -o "$out/tiny.sgt.mlir"
"$bin/cherry-translate" --emit-executable "$out/tiny.sgt.mlir" -o "$out/tiny.sgt.cherry"
rm -rf "$out/sgt"
"$bin/cherry-run" train "$out/tiny.sgt.cherry" --data "$out/data/train.bin" \
  --val "$out/data/val.bin" --steps ${CHERRY_DEMO_STEPS:-300} --seed 1 \
  --lr 3e-3 --lr-schedule cosine --warmup $(( ${CHERRY_DEMO_STEPS:-300} / 10 )) --min-lr 3e-4 \
  --weight-decay 0.1 --beta2 0.95 --grad-clip 1.0 --sgt-stats "$out/data/token_counts.json" \
  --eval-every 100 --log-every 50 --coupling-every 50 --save "$out/sgt"
echo "All-token loss after selective training, and on the positions surprisal would select:"
"$bin/cherry-run" eval "$out/tiny.cherry" --weights "$out/sgt/$(cat "$out/sgt/latest")" \
  --data "$out/data/val.bin" --batches 8 --sgt-policy surprisal \
  --sgt-stats "$out/data/token_counts.json"

step "Generate from the trained weights (one decoding step over a 96-token KV cache)"
"$bin/cherry-opt" "$out/tiny.mlir" --cherry-decode="capacity=96" -o "$out/tiny.decode.mlir"
"$bin/cherry-translate" --emit-executable "$out/tiny.decode.mlir" -o "$out/tiny.decode.cherry"
"$bin/cherry-run" generate "$out/tiny.decode.cherry" --weights "$checkpoint" --seed 1 \
  --tokenizer "$out/data/tokenizer.model" --prompt "The computer" \
  --max-new-tokens 40 --temperature 0.7 --top-k 40

step "Cost report of the paper's 48-layer ~1B model, and of it compressed to 6 shared layers x 34 steps"
"$bin/cherry-opt" "$root/models/paper-1b-48l/model.mlir" --cherry-report -o /dev/null
# Per-step norms and rank-32 LoRA on the seven projections: the paper's 227M
# (docs/CostModel.md); unique parameters against 34 layers' FLOPs.
"$bin/cherry-opt" "$root/models/paper-1b-48l/model.mlir" \
  --cherry-compress="group-size=8 steps=34 schedule=sequence step-norms=1 lora-rank=32 lora-alpha=64" \
  --cherry-report -o /dev/null
