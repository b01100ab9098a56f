#!/usr/bin/env bash
# The GPU runs behind docs/calibration.md, docs/results.md and the quantization benchmarks, in phases
# (each device call is limited to 10 minutes; build outputs and data stay on the warm machine):
#   data      the study dataset: 40 scenes x 20 keyframes (600 train / 200 val keyframes), seed 2027
#   bench     bench --quant (calibration overhead, amax time, fake-quant forward) for the demo config and
#             AWML's 121 m j6gen2 config (1020 x 1020 grid), and the QAT step vs the FP32 step
#   study     ptq of the demo model: release recipe, full INT8, and the calibration study
#             (max / percentile / percentile+skip_zeros / mse / entropy at 128 frames; mse at 32 and 512)
#   sens      sensitivity of the demo model (full and proxy)
#   qat       QAT of the demo model, release recipe and full INT8 (3 epochs, lr 1e-4)
#   qat2      the QAT study: label loss vs --distill, lr 1e-5 / 1e-4, --learn-amax, both recipes; runs whose
#             results exist are skipped and none starts after $DEADLINE (epoch seconds), so that the phase
#             can continue over several device calls
#   fp32ft    the control for QAT: the FP32 model fine-tuned on the same frames with the same schedule (cosine
#             from 1e-5, no warm-up, 10 epochs, batch 8; BN statistics update, unlike QAT's frozen BN),
#             evaluated on the study and the demo val splits
#   demo      the independent check on the demo dataset (seed 2026, 20 x 20): FP32, PTQ and the QAT runs
#             named in $DEMO_RUNS (name=epochs:lr:args) evaluated on its 100 val keyframes
# Outputs (reports, logs) go to $OUT. Env: DATA, OUT, BUILD_DIR, DEVICE.
# scripts/study.sh runs the same study (data, FP32, PTQ per method, sensitivity, QAT) for any model, writes
# machine-readable results into one folder and generates the docs' tables from them (study-tables); this
# script stays as the record of the runs behind the current docs.
set -euo pipefail
cd "$(dirname "$0")/.."

DATA=${DATA:-data/synth_study}
OUT=${OUT:-gpu_out}
BUILD_DIR=${BUILD_DIR:-build-gpu}
DEVICE=${DEVICE:-cuda}
CLI="$BUILD_DIR/centerpoint-quant"
MODEL=models/demo/centerpoint_demo.safetensors
CONFIG=configs/demo.yaml
export LD_LIBRARY_PATH="$PWD/.deps/usr/lib/x86_64-linux-gnu:${LD_LIBRARY_PATH:-}"
mkdir -p "$OUT" work_dirs/gpu

quiet() { grep --line-buffered -v "frames |\|layers |\| it |" || true; }

phase_data() {
  [ -d "$DATA" ] && { echo "$DATA exists, kept"; return; }
  "$CLI" synth --out "$DATA" --scenes 40 --frames-per-scene 20 --seed 2027 --preset demo
}

phase_bench() {
  "$CLI" demo-cloud --out work_dirs/gpu/cloud.pcd.bin --seed 0 --overwrite
  for cfg in "$CONFIG" configs/awml/centerpoint_121m_j6gen2.yaml; do
    "$CLI" bench --config "$cfg" --random-init --points work_dirs/gpu/cloud.pcd.bin --device "$DEVICE" --quant \
      --runs 30 --warmup 5 2>&1 | tee -a "$OUT/bench_quant.txt"
  done
  "$CLI" bench --config "$CONFIG" --checkpoint "$MODEL" --points work_dirs/gpu/cloud.pcd.bin --device "$DEVICE" \
    --train --batch-size 8 --runs 30 --warmup 5 2>&1 | tee -a "$OUT/bench_quant.txt"
  "$CLI" bench --config "$CONFIG" --checkpoint "$MODEL" --points work_dirs/gpu/cloud.pcd.bin --device "$DEVICE" \
    --train --quant --batch-size 8 --runs 30 --warmup 5 2>&1 | tee -a "$OUT/bench_quant.txt"
}

# ptq NAME [extra args]: one study row; the report comes back as $OUT/study/NAME.report.{json,md}.
ptq() {
  local name=$1; shift
  local start; start=$(date +%s)
  "$CLI" ptq --config "$CONFIG" --checkpoint "$MODEL" --data "$DATA" --split train --eval-split val \
    --device "$DEVICE" --output "work_dirs/gpu/$name/int8.safetensors" --overwrite "$@" 2>&1 | quiet \
    | tee "$OUT/study/$name.log"
  cp "work_dirs/gpu/$name/int8.report.json" "$OUT/study/$name.report.json"
  cp "work_dirs/gpu/$name/int8.report.md" "$OUT/study/$name.report.md"
  echo "$name $(( $(date +%s) - start )) s" >> "$OUT/study/times.txt"
}

phase_study() {
  mkdir -p "$OUT/study"
  ptq release_mse128 --calibrate-batches 128
  ptq fullint8_mse128 --calibrate-batches 128 --full-int8
  ptq max128 --calibrate-batches 128 --method max
  ptq percentile128 --calibrate-batches 128 --method percentile --skip-zeros false
  ptq percentile128_skipzeros --calibrate-batches 128 --method percentile --skip-zeros true
  ptq entropy128 --calibrate-batches 128 --method entropy
  ptq mse32 --calibrate-batches 32
  ptq mse512 --calibrate-batches 512
  cp work_dirs/gpu/release_mse128/int8.calib.json "$OUT/study/release_mse128.calib.json"
}

phase_sens() {
  mkdir -p "$OUT/sens"
  "$CLI" sensitivity --config "$CONFIG" --checkpoint "$MODEL" --data "$DATA" --calibrate-batches 128 \
    --eval-frames 200 --proxy-frames 16 --device "$DEVICE" --budget 0.002 --output "$OUT/sens/full.csv" --overwrite \
    2>&1 | quiet | tee "$OUT/sens/full.log"
  local start; start=$(date +%s)
  "$CLI" sensitivity --config "$CONFIG" --checkpoint "$MODEL" --data "$DATA" --calibrate-batches 128 \
    --eval-frames 200 --proxy-frames 16 --device "$DEVICE" --proxy --output "$OUT/sens/proxy.csv" --overwrite \
    2>&1 | quiet | tee "$OUT/sens/proxy.log"
  echo "proxy run $(( $(date +%s) - start )) s" >> "$OUT/sens/times.txt"
}

qat() {
  local name=$1; shift
  "$CLI" qat --config "$CONFIG" --checkpoint "$MODEL" --data "$DATA" --calibrate-batches 128 --epochs 3 \
    --lr 0.0001 --batch-size 8 --workers 12 --device "$DEVICE" --output "work_dirs/gpu/$name/qat.safetensors" \
    --work-dir "work_dirs/gpu/$name/work" --overwrite "$@" 2>&1 | quiet | tee "$OUT/qat/$name.log"
  "$CLI" eval --config "$CONFIG" --checkpoint "work_dirs/gpu/$name/qat.safetensors" --data "$DATA" --split val \
    --device "$DEVICE" --out-dir "work_dirs/gpu/$name/eval" --overwrite 2>&1 | quiet > /dev/null
  cp "work_dirs/gpu/$name/eval/metrics.json" "$OUT/qat/$name.metrics.json"
  cp "work_dirs/gpu/$name/work/latest.json" "$OUT/qat/$name.latest.json"
}

phase_qat() {
  mkdir -p "$OUT/qat"
  qat qat_release
  qat qat_fullint8 --full-int8
  cp work_dirs/gpu/qat_release/qat.safetensors "$OUT/qat/centerpoint_demo_qat_int8.safetensors"
}

# qat2run NAME EPOCHS LR [args]: one QAT study row, results in work_dirs/gpu/qat2/NAME.{metrics,latest}.json.
qat2run() {
  local name=$1 epochs=$2 lr=$3; shift 3
  local res=work_dirs/gpu/qat2 dir="work_dirs/gpu/qat2_$name"
  mkdir -p "$res"
  [ -f "$res/$name.metrics.json" ] && return
  if [ -n "${DEADLINE:-}" ] && [ $(( $(date +%s) + ${RUN_SECONDS:-100} )) -gt "$DEADLINE" ]; then
    echo "skip $name (deadline)"; return
  fi
  local start; start=$(date +%s)
  rm -rf "$dir"
  "$CLI" qat --config "$CONFIG" --checkpoint "$MODEL" --data "$DATA" --calibrate-batches 128 --epochs "$epochs" \
    --lr "$lr" --batch-size 8 --workers 12 --device "$DEVICE" --output "$dir/qat.safetensors" \
    --work-dir "$dir/work" "$@" 2>&1 | quiet > "$res/$name.log"
  "$CLI" eval --config "$CONFIG" --checkpoint "$dir/qat.safetensors" --data "$DATA" --split val \
    --device "$DEVICE" --out-dir "$dir/eval" --overwrite 2>&1 | quiet > /dev/null
  cp "$dir/work/latest.json" "$res/$name.latest.json"
  cp "$dir/qat.safetensors" "$res/$name.safetensors"
  cp "$dir/eval/metrics.json" "$res/$name.metrics.json"
  echo "$name $(( $(date +%s) - start )) s" >> "$res/times.txt"
}

phase_qat2() {
  qat2run rel_distill_lr1e-5_e5 5 0.00001 --distill
  qat2run full_distill_lr1e-5_e5 5 0.00001 --distill --full-int8
  qat2run rel_label_lr1e-5_e5 5 0.00001
  qat2run full_label_lr1e-5_e5 5 0.00001 --full-int8
  qat2run rel_distill_lr1e-4_e5 5 0.0001 --distill
  qat2run full_distill_lr1e-4_e5 5 0.0001 --distill --full-int8
  qat2run rel_distill_amax_lr1e-5_e5 5 0.00001 --distill --learn-amax
  qat2run full_distill_amax_lr1e-5_e5 5 0.00001 --distill --learn-amax --full-int8
  qat2run full_distill_lr1e-4_e15 15 0.0001 --distill --full-int8
  qat2run rel_label_lr1e-5_e10 10 0.00001
  qat2run rel_distill_lr3e-5_e10 10 0.00003 --distill
  mkdir -p "$OUT"
  tar -C work_dirs/gpu -czf "$OUT/qat2.tar.gz" qat2
}

phase_fp32ft() {
  local res=work_dirs/gpu/fp32ft cfg=work_dirs/gpu/demo_fp32ft.yaml demo=data/synth_demo2026
  mkdir -p "$res"
  sed -e 's/warmup_fraction: 0.3/warmup_fraction: 0.0/' -e 's/max_lr_ratio: 10.0/max_lr_ratio: 1.0/' "$CONFIG" > "$cfg"
  [ -d "$demo" ] || "$CLI" synth --out "$demo" --scenes 20 --frames-per-scene 20 --seed 2026 --preset demo
  rm -rf work_dirs/gpu/fp32ft_work
  "$CLI" train --config "$cfg" --data "$DATA" --init "$MODEL" --work-dir work_dirs/gpu/fp32ft_work --epochs 10 \
    --lr 0.00001 --batch-size 8 --val-interval 1 --workers 12 --device "$DEVICE" 2>&1 | quiet > "$res/train.log"
  cp work_dirs/gpu/fp32ft_work/latest.json "$res/latest.json"
  for d in "$DATA" "$demo"; do
    "$CLI" eval --config "$CONFIG" --checkpoint work_dirs/gpu/fp32ft_work/epoch_10.safetensors --data "$d" \
      --split val --device "$DEVICE" --out-dir "work_dirs/gpu/fp32ft_eval" --overwrite 2>&1 | quiet > /dev/null
    cp work_dirs/gpu/fp32ft_eval/metrics.json "$res/$(basename "$d").metrics.json"
  done
  mkdir -p "$OUT"
  tar -C work_dirs/gpu -czf "$OUT/fp32ft.tar.gz" fp32ft
}

# The demo dataset of scripts/demo.sh (seed 2026) for an evaluation no QAT run was selected on.
phase_demo() {
  local demo=data/synth_demo2026 res=work_dirs/gpu/demo
  [ -d "$demo" ] || "$CLI" synth --out "$demo" --scenes 20 --frames-per-scene 20 --seed 2026 --preset demo
  mkdir -p "$res"
  evalto() {  # evalto NAME CHECKPOINT
    "$CLI" eval --config "$CONFIG" --checkpoint "$2" --data "$demo" --split val --device "$DEVICE" \
      --out-dir "work_dirs/gpu/demo_$1" --overwrite 2>&1 | quiet > /dev/null
    cp "work_dirs/gpu/demo_$1/metrics.json" "$res/$1.metrics.json"
  }
  evalto fp32 "$MODEL"
  for recipe in release full; do
    local extra=""; [ $recipe = full ] && extra=--full-int8
    # calibrated on the study train split, as the QAT runs were
    "$CLI" ptq --config "$CONFIG" --checkpoint "$MODEL" --data "$DATA" --split train --eval-split val \
      --max-eval-frames 8 --calibrate-batches 128 --device "$DEVICE" \
      --output "work_dirs/gpu/demo_ptq_$recipe/int8.safetensors" --overwrite $extra 2>&1 | quiet > "$res/ptq_$recipe.log"
    evalto "ptq_$recipe" "work_dirs/gpu/demo_ptq_$recipe/int8.safetensors"
  done
  for name in ${DEMO_RUNS:-}; do
    [ -f "work_dirs/gpu/qat2/$name.safetensors" ] && evalto "qat_$name" "work_dirs/gpu/qat2/$name.safetensors"
  done
  mkdir -p "$OUT"
  tar -C work_dirs/gpu -czf "$OUT/demo.tar.gz" demo
}

for phase in "$@"; do "phase_$phase"; done
