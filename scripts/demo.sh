#!/usr/bin/env bash
# The main job, end to end on this machine. Until PTQ lands (issue 7) it builds the tool, makes a
# deterministic demo point cloud and runs `infer` on it with the demo config, writing a report to demo_out/.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/build.sh centerpoint-quant
BUILD_DIR=${BUILD_DIR:-build}
CLI="$BUILD_DIR/centerpoint-quant"

OUT=demo_out
mkdir -p "$OUT"
"$CLI" demo-cloud --out "$OUT/demo_cloud.pcd.bin" --seed 0 --overwrite
# No trained demo model is bundled yet (issue 6): the weights are seeded random, so the detections show
# the pipeline working, not accuracy.
WEIGHTS=(--random-init --seed 0)
[ -f models/demo/centerpoint_demo.safetensors ] && WEIGHTS=(--checkpoint models/demo/centerpoint_demo.safetensors)
"$CLI" infer --config configs/demo.yaml "${WEIGHTS[@]}" --points "$OUT/demo_cloud.pcd.bin" \
  --out "$OUT/detections.json" --dump "$OUT/tensors" --report "$OUT/report.md" --overwrite
cat "$OUT/report.md"
echo
echo "written: $OUT/report.md (summary), $OUT/detections.json (detections), $OUT/tensors/*.npy (every stage's tensor)"
