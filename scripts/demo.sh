#!/usr/bin/env bash
# The main job: PTQ of the bundled demo model with TIER IV's release recipe (configs/demo.yaml's
# quantization section) on synthetic scenes it never saw, with the FP32 vs INT8 report.
#   1. installs what is missing and builds the CLI (scripts/build.sh),
#   2. generates the demo dataset once (deterministic: seed 2026, 20 scenes x 20 keyframes; 100 val
#      keyframes) into work_dirs/demo_data/ and reuses it on later runs,
#   3. runs `ptq` into work_dirs/demo/ (replaced on each run): calibration on the train split, FP32 and
#      INT8 evaluation on the val split, fake-quant checkpoint, calibration JSON, TensorRT cache, report,
#      and the INT8 ONNX pair.
# Env: CALIB_FRAMES (default 128), DEVICE (cpu | cuda).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/build.sh centerpoint-quant
BUILD_DIR=${BUILD_DIR:-build}
CLI="$BUILD_DIR/centerpoint-quant"
MODEL=models/demo/centerpoint_demo.safetensors
DATA=work_dirs/demo_data
OUT=work_dirs/demo
SYNTH_ARGS="--scenes 20 --frames-per-scene 20 --seed 2026 --preset demo"

mkdir -p work_dirs
if [[ ! -f "$DATA/.synth_args" || "$(cat "$DATA/.synth_args")" != "$SYNTH_ARGS" ]]; then
  # shellcheck disable=SC2086
  "$CLI" synth --out "$DATA" $SYNTH_ARGS --overwrite
  echo "$SYNTH_ARGS" > "$DATA/.synth_args"
else
  echo "demo dataset: reusing $DATA ($SYNTH_ARGS)"
fi

rm -rf "$OUT"
start=$(date +%s)
"$CLI" ptq --config configs/demo.yaml --checkpoint "$MODEL" --data "$DATA" --split train --eval-split val \
  --calibrate-batches "${CALIB_FRAMES:-128}" --output "$OUT/centerpoint_demo_int8.safetensors" \
  --onnx-dir "$OUT/onnx" --device "${DEVICE:-cpu}"
echo
echo "ptq took $(( $(date +%s) - start )) s; written to $OUT/:"
echo "  centerpoint_demo_int8.{safetensors,pth}  fake-quant checkpoint (_amax keys as pytorch-quantization)"
echo "  centerpoint_demo_int8.calib.json / .trt_calib.cache  calibration (JSON, TensorRT cache)"
echo "  centerpoint_demo_int8.report.{md,json}  FP32 vs INT8 per range bucket and class with paired 95% intervals, per-layer amax and SQNR"
echo "  centerpoint_demo_int8.report.{buckets,hist,bev}.png  the report's figures (linked from the .md)"
echo "  onnx/  the INT8 Q/DQ ONNX pair and Autoware's param file"
