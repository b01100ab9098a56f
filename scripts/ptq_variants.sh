#!/usr/bin/env bash
# The PTQ method study of docs/calibration.md ("Beyond pytorch-quantization"): `ptq` variants run side by
# side on one GPU (they share it well: evaluation is mostly CPU work), each calibrated on the study
# benchmark's train split and evaluated on the first $EVAL_FRAMES val keyframes with the paired bootstrap.
# Each line of $VARIANTS is "name model config empty_share ptq-args..." (model/config: demo or awml); a
# variant whose report exists in $RES is skipped, so the script can continue over several device calls.
#   DATA=work_dirs/study_data RES=gpu_out/methods JOBS=6 VARIANTS="$(cat variants.txt)" scripts/ptq_variants.sh
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${DATA:-data/study}
RES=${RES:-gpu_out/methods}
EVAL_FRAMES=${EVAL_FRAMES:-1600}
CALIB=${CALIB:-128}
JOBS=${JOBS:-6}
DEVICE=${DEVICE:-cuda}
BUILD_DIR=${BUILD_DIR:-build-gpu}
LIMIT=${LIMIT:-540}  # seconds a variant may run
CLI="$BUILD_DIR/centerpoint-quant"
WORK=work_dirs/ptq_variants
export LD_LIBRARY_PATH="$PWD/.deps/usr/lib/x86_64-linux-gnu:${LD_LIBRARY_PATH:-}"
mkdir -p "$RES" "$WORK"

run_variant() {
  local name=$1 model=$2 config=$3 share=$4; shift 4
  local m c
  case $model in
    demo) m=models/demo/centerpoint_demo.safetensors; c=configs/demo.yaml ;;
    awml) m=models/study_awml_width/centerpoint_study_awml_width.safetensors; c=configs/study_awml_width.yaml ;;
    *) echo "unknown model $model"; return 1 ;;
  esac
  [ "$config" != "-" ] && c=$config
  # the config with the methods' empty-cell share (the quantization section is the file's last)
  cp "$c" "$WORK/$name.yaml"
  printf '  methods: {empty_share: %s}\n' "$share" >> "$WORK/$name.yaml"
  local start; start=$(date +%s)
  timeout "$LIMIT" "$CLI" ptq --config "$WORK/$name.yaml" --checkpoint "$m" --data "$DATA" --split train \
    --eval-split val --max-eval-frames "$EVAL_FRAMES" --calibrate-batches "$CALIB" --device "$DEVICE" \
    --no-figures --output "$WORK/$name/int8.safetensors" --overwrite "$@" 2>&1 |
    grep --line-buffered -v "frames |\|layers |\| it |" > "$RES/$name.ptq.log" || true
  [ -f "$WORK/$name/int8.report.json" ] || { echo "$name failed (see $RES/$name.ptq.log)"; return 0; }
  cp "$WORK/$name/int8.calib.json" "$RES/$name.calib.json"
  cp "$WORK/$name/int8.report.md" "$RES/$name.report.md"
  cp "$WORK/$name/int8.report.json" "$RES/$name.report.json"
  echo "$name $(( $(date +%s) - start )) s" >> "$RES/times.txt"
}

while read -r line; do
  [ -z "$line" ] && continue
  read -r -a f <<< "$line"
  [ -f "$RES/${f[0]}.report.json" ] && continue
  while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do sleep 1; done
  run_variant "${f[@]}" &
done <<< "${VARIANTS:-}"
wait
