#!/usr/bin/env bash
# The whole GPU run of the demo model, in phases that can be called separately (each device call is limited
# to 10 minutes; build outputs and data stay on the warm machine between calls):
#   scripts/gpu_job.sh build   unpack the carried Debian packages, build against the CUDA libtorch
#   scripts/gpu_job.sh data    generate the synthetic demo dataset (train + val scenes)
#   scripts/gpu_job.sh train   train configs/demo.yaml with --device cuda in $WORK; the last checkpoint and
#                              latest.json are copied to $OUT/train (a device call brings back few files)
#   scripts/gpu_job.sh eval    evaluate the last checkpoint on the val split into $OUT/eval
#   scripts/gpu_job.sh bench   training-step and inference benchmarks into $OUT/bench
#   scripts/gpu_job.sh all     all of the above
# Settings (environment): SCENES, FRAMES, SEED, EPOCHS, BATCH, WORKERS, CONFIG, DATA, WORK, OUT, BUILD_DIR, DEVICE.
# Rehearse on the CPU with a tiny run first, e.g.
#   DEVICE=cpu BUILD_DIR=build SCENES=4 FRAMES=4 EPOCHS=1 BATCH=2 OUT=/tmp/rehearsal scripts/gpu_job.sh data train eval
# Study model (AWML v2.6 widths on the demo grid, models/study_awml_width/README.md): same data, its own
# config, work dir and outputs; about 8x the demo's step time on the CPU, so on the GPU only:
#   CONFIG=configs/study_awml_width.yaml EPOCHS=20 BATCH=8 WORKERS=14 SEED=1 WORK=work_dirs/study_awml_width \
#     OUT=gpu_out/study_awml_width scripts/gpu_job.sh train eval      # repeat: train resumes from latest.json
# then its quantization study: scripts/study.sh (MODEL=..., CONFIG=configs/study_awml_width.yaml).
set -euo pipefail
cd "$(dirname "$0")/.."

SCENES=${SCENES:-120}
FRAMES=${FRAMES:-20}
SEED=${SEED:-1}
EPOCHS=${EPOCHS:-30}
BATCH=${BATCH:-8}
WORKERS=${WORKERS:-12}
CONFIG=${CONFIG:-configs/demo.yaml}
DATA=${DATA:-data/synth_demo}
OUT=${OUT:-gpu_out}
WORK=${WORK:-work_dirs/demo}
BUILD_DIR=${BUILD_DIR:-build-gpu}
DEVICE=${DEVICE:-cuda}
CLI="$BUILD_DIR/centerpoint-quant"
export LD_LIBRARY_PATH="$PWD/.deps/usr/lib/x86_64-linux-gnu:${LD_LIBRARY_PATH:-}"
mkdir -p "$OUT"

phase_build() { BUILD_DIR="$BUILD_DIR" GPU_SKIP_TESTS=1 scripts/gpu_build.sh; }

phase_data() {
  [ -d "$DATA" ] && { echo "gpu_job: $DATA exists, kept"; return; }
  "$CLI" synth --out "$DATA" --scenes "$SCENES" --frames-per-scene "$FRAMES" --seed "$SEED" --preset demo
  cp "$DATA/dataset_card.json" "$OUT/"
}

phase_train() {
  local resume=()
  [ -f "$WORK/latest.json" ] && resume=(--resume)
  "$CLI" train --config "$CONFIG" --data "$DATA" --work-dir "$WORK" --split train --val-split val \
    --epochs "$EPOCHS" --batch-size "$BATCH" --workers "$WORKERS" --seed "$SEED" --device "$DEVICE" "${resume[@]}" \
    2>&1 | tee -a "$OUT/train.log" | grep --line-buffered -v "^epoch .*it |"
  mkdir -p "$OUT/train"
  local epoch
  epoch=$(python3 -c "import json;print(json.load(open('$WORK/latest.json'))['epoch'])")
  cp "$WORK/latest.json" "$WORK/epoch_${epoch}.safetensors" "$OUT/train/"
}

phase_eval() {
  local epoch
  epoch=$(python3 -c "import json;print(json.load(open('$WORK/latest.json'))['epoch'])")
  "$CLI" eval --config "$CONFIG" --checkpoint "$WORK/epoch_${epoch}.safetensors" --data "$DATA" --split val \
    --device "$DEVICE" --out-dir "$OUT/eval" --overwrite 2>&1 | tee "$OUT/eval.log" | grep -v "frames |"
  rm -f "$OUT/eval/results_nusc.json"  # large; metrics.json and summary.md come back
}

phase_bench() {
  mkdir -p "$OUT/bench"
  local cloud="$OUT/bench/demo_cloud.pcd.bin"
  [ -f "$cloud" ] || "$CLI" demo-cloud --out "$cloud" --seed 7
  "$CLI" bench --config "$CONFIG" --random-init --points "$cloud" --device "$DEVICE" 2>&1 |
    tee "$OUT/bench/infer_demo.txt"
  for cfg in "$CONFIG" configs/awml/centerpoint_121m_base.yaml; do
    "$CLI" bench --config "$cfg" --random-init --points "$cloud" --device "$DEVICE" --train --batch-size 8 \
      --runs 10 2>&1 | tee "$OUT/bench/train_$(basename "$cfg" .yaml).txt"
  done
}

phases=("$@")
[ ${#phases[@]} -eq 0 ] && phases=(all)
for p in "${phases[@]}"; do
  case "$p" in
    all) phase_build; phase_data; phase_train; phase_eval; phase_bench ;;
    build | data | train | eval | bench) "phase_$p" ;;
    *) echo "gpu_job: unknown phase $p" >&2; exit 2 ;;
  esac
done
