#!/usr/bin/env bash
# ONNX export parity check: our libtorch forward (`centerpoint-quant infer --dump`) against ONNX Runtime
# running the two exported files (tools/run_onnx.js) on the dump's own encoder and backbone inputs.
# Prints the relative L2 error ||onnx - torch|| / ||torch|| per output; exits 1 when one is above the tolerance.
#
#   scripts/verify_onnx.sh --config C (--checkpoint W | --random-init [--seed S]) --onnx-dir D --points F.pcd.bin
#                          [--name N] [--autoware] [--int8] [--tolerance T] [--threads N] [--cli PATH] [--keep DIR]
#
# --int8: the files are an INT8 Q/DQ export (`export --quantized`, `ptq/qat --onnx-dir`) and --checkpoint is
# the fake-quant checkpoint they came from: `infer --dump` then runs the fake-quant forward, and ONNX Runtime
# runs with its graph optimisations off (fused float convolutions sum in another order and flip INT8
# roundings). The default tolerance becomes 1e-2: along a chain of quantized layers a flipped rounding
# propagates (the demo model's 28-layer chain differs by up to 3e-3, each layer alone by <= 4e-4;
# docs/export_int8.md). Float exports keep 1e-4.
# --autoware: the files were exported with --autoware, so the dump's dim is reordered to (w, l, h) and its rot
# becomes (-cos, -sin) before comparing. With several head tasks the dump's per-task tensors
# (<name>_task<t>.npy) are concatenated on channels, as the ONNX outputs are.
# Needs Node.js and tools/node_modules (scripts/setup.sh installs both); no Python.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
usage() {
  sed -n '6,7p' "$0" | sed 's/^# *//'
  exit "${1:-2}"
}
die() {
  echo "verify_onnx: $*" >&2
  exit 2
}

CONFIG="" CHECKPOINT="" RANDOM_INIT=0 SEED="" ONNX_DIR="" POINTS="" NAME=centerpoint AUTOWARE=0 TOLERANCE="" INT8=0
THREADS=1 KEEP="" CLI=${CPQ_CLI:-$ROOT/build/centerpoint-quant}
while [ $# -gt 0 ]; do
  case "$1" in
    --config) CONFIG=${2:?--config needs a value}; shift 2 ;;
    --checkpoint) CHECKPOINT=${2:?--checkpoint needs a value}; shift 2 ;;
    --random-init) RANDOM_INIT=1; shift ;;
    --seed) SEED=${2:?--seed needs a value}; shift 2 ;;
    --onnx-dir) ONNX_DIR=${2:?--onnx-dir needs a value}; shift 2 ;;
    --points) POINTS=${2:?--points needs a value}; shift 2 ;;
    --name) NAME=${2:?--name needs a value}; shift 2 ;;
    --autoware) AUTOWARE=1; shift ;;
    --int8) INT8=1; shift ;;
    --tolerance) TOLERANCE=${2:?--tolerance needs a value}; shift 2 ;;
    --threads) THREADS=${2:?--threads needs a value}; shift 2 ;;
    --cli) CLI=${2:?--cli needs a value}; shift 2 ;;
    --keep) KEEP=${2:?--keep needs a value}; shift 2 ;;
    -h|--help) usage 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done

[ -n "$CONFIG" ] || die "--config is required"
[ -n "$ONNX_DIR" ] || die "--onnx-dir is required"
[ -n "$POINTS" ] || die "--points is required"
if [ -n "$CHECKPOINT" ] && [ "$RANDOM_INIT" = 1 ]; then die "give --checkpoint or --random-init, not both"; fi
if [ -z "$CHECKPOINT" ] && [ "$RANDOM_INIT" = 0 ]; then die "--checkpoint (or --random-init) is required"; fi
if [ -n "$SEED" ] && [ "$RANDOM_INIT" = 0 ]; then die "--seed only goes with --random-init"; fi
if [ "$INT8" = 1 ] && [ "$RANDOM_INIT" = 1 ]; then die "--int8 needs the fake-quant --checkpoint of the files"; fi
OPT=basic
if [ "$INT8" = 1 ]; then OPT=disabled; fi
if [ -z "$TOLERANCE" ]; then
  TOLERANCE=1e-4
  if [ "$INT8" = 1 ]; then TOLERANCE=1e-2; fi
fi
ENCODER=$ONNX_DIR/pts_voxel_encoder_$NAME.onnx
HEAD=$ONNX_DIR/pts_backbone_neck_head_$NAME.onnx
for f in "$CONFIG" "$POINTS" "$ENCODER" "$HEAD" ${CHECKPOINT:+"$CHECKPOINT"}; do
  [ -f "$f" ] || die "$f: no such file"
done
[ -x "$CLI" ] || die "$CLI: centerpoint-quant not built (build it, or pass --cli PATH / set CPQ_CLI)"
command -v node >/dev/null || die "node not found on PATH (scripts/setup.sh installs Node.js)"
[ -d "$ROOT/tools/node_modules/onnxruntime-node" ] ||
  die "$ROOT/tools/node_modules/onnxruntime-node missing (run scripts/setup.sh, or npm ci --ignore-scripts in tools/)"

if [ -n "$KEEP" ]; then
  [ -e "$KEEP" ] && die "$KEEP exists: --keep needs a new folder"
  WORK=$KEEP
  mkdir -p "$WORK"
else
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/verify_onnx.XXXXXX")
  trap 'rm -rf "$WORK"' EXIT
fi

WEIGHTS=(--checkpoint "$CHECKPOINT")
if [ "$RANDOM_INIT" = 1 ]; then WEIGHTS=(--random-init ${SEED:+--seed "$SEED"}); fi
echo "verify_onnx: libtorch forward (infer --dump)"
if ! "$CLI" infer --config "$CONFIG" "${WEIGHTS[@]}" --points "$POINTS" --out "$WORK/detections.json" \
     --dump "$WORK/torch" > "$WORK/infer.log" 2>&1; then
  cat "$WORK/infer.log" >&2
  die "infer failed"
fi

echo "verify_onnx: ONNX Runtime on $ENCODER and $HEAD"
node "$ROOT/tools/run_onnx.js" --model "$ENCODER" --threads "$THREADS" --opt "$OPT" \
  --input "input_features=$WORK/torch/input_features.npy" --out-dir "$WORK/ort_encoder" > /dev/null
node "$ROOT/tools/run_onnx.js" --model "$HEAD" --threads "$THREADS" --opt "$OPT" \
  --input "spatial_features=$WORK/torch/spatial_features.npy" --out-dir "$WORK/ort_head" > "$WORK/head_outputs.txt"
# Autoware binds the head outputs by index: their order is part of the contract.
ORDER=$(cut -d' ' -f1 "$WORK/head_outputs.txt" | tr '\n' ' ')
[ "$ORDER" = "heatmap reg height dim rot vel " ] ||
  die "$HEAD outputs are '${ORDER% }', expected 'heatmap reg height dim rot vel' in this order"

# The dump's tensor for one head output: <name>.npy for one task, else <name>_task0.npy:<name>_task1.npy:...
expected_of() {
  local name=$1 t=0 list=""
  if [ -f "$WORK/torch/$name.npy" ]; then
    echo "$WORK/torch/$name.npy"
    return
  fi
  while [ -f "$WORK/torch/${name}_task$t.npy" ]; do
    list="$list:$WORK/torch/${name}_task$t.npy"
    t=$((t + 1))
  done
  [ -n "$list" ] || die "infer --dump wrote no $name tensor"
  echo "${list#:}"
}

PAIRS=("pillar_features=$WORK/ort_encoder/pillar_features.npy:$WORK/torch/pillar_features.npy")
for out in heatmap reg height dim rot vel; do
  [ -f "$WORK/ort_head/$out.npy" ] || die "$HEAD has no output '$out'"
  PAIRS+=("$out=$WORK/ort_head/$out.npy:$(expected_of "$out")")
done
TRANSFORMS=()
if [ "$AUTOWARE" = 1 ]; then TRANSFORMS=(--transform dim=dim-autoware --transform rot=rot-autoware); fi

status=0
node "$ROOT/tools/compare_npy.js" --tolerance "$TOLERANCE" "${TRANSFORMS[@]}" "${PAIRS[@]}" || status=$?
if [ "$status" -eq 0 ]; then
  echo "verify_onnx: PASS"
else
  echo "verify_onnx: FAIL"
fi
exit "$status"
