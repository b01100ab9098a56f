#!/usr/bin/env bash
# The main job, end to end on this machine. Until PTQ lands (issue 7) it builds the tool, generates a small
# synthetic dataset (scenes the demo model never saw: another seed), evaluates the bundled demo model on it
# and runs `infer` on one sweep, writing the reports to demo_out/.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/build.sh centerpoint-quant
BUILD_DIR=${BUILD_DIR:-build}
CLI="$BUILD_DIR/centerpoint-quant"
MODEL=models/demo/centerpoint_demo.safetensors

OUT=demo_out
mkdir -p "$OUT"
rm -rf "$OUT/data"
"$CLI" synth --out "$OUT/data" --scenes 2 --frames-per-scene 10 --seed 2026 --preset demo
"$CLI" eval --config configs/demo.yaml --checkpoint "$MODEL" --data "$OUT/data" --split all \
  --out-dir "$OUT/eval" --overwrite
"$CLI" demo-cloud --out "$OUT/demo_cloud.pcd.bin" --seed 0 --overwrite
"$CLI" infer --config configs/demo.yaml --checkpoint "$MODEL" --points "$OUT/demo_cloud.pcd.bin" \
  --out "$OUT/detections.json" --dump "$OUT/tensors" --report "$OUT/report.md" --overwrite
cat "$OUT/eval/summary.md"
echo
echo "written: $OUT/eval/{summary.md,metrics.json,results_nusc.json} (the demo model on 20 unseen synthetic"
echo "keyframes), $OUT/report.md and $OUT/detections.json (one sweep), $OUT/tensors/*.npy (every stage's tensor)"
