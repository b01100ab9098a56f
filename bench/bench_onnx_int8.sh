#!/usr/bin/env bash
# ONNX Runtime (CPU) latency of a float export against an INT8 Q/DQ export of the same model: both files of
# each, on the same inputs (`centerpoint-quant infer --dump` of a point cloud), through tools/bench_onnx.js.
# Prints one markdown table row per file and thread count.
#
#   bench/bench_onnx_int8.sh --config C --fp32-dir D1 --int8-dir D2 --points F.pcd.bin
#                            [--name N] [--threads "1 2"] [--runs 20] [--warmup 3] [--opt all] [--cli PATH]
#
# ONNX Runtime is not where INT8 pays off: without a QuantizeLinear on the conv outputs it cannot fuse
# DequantizeLinear -> Conv into its integer kernels, so expect the INT8 files to be slower here; the
# speed-up is TensorRT's (docs/export_int8.md). The inputs do not depend on the weights given to infer
# (--random-init): latency does not depend on the values.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
die() {
  echo "bench_onnx_int8: $*" >&2
  exit 2
}
usage() {
  sed -n '6,7p' "$0" | sed 's/^# *//'
  exit "${1:-2}"
}

CONFIG="" FP32="" INT8="" POINTS="" NAME=centerpoint THREADS="1 2" RUNS=20 WARMUP=3 OPT=all
CLI=${CPQ_CLI:-$ROOT/build/centerpoint-quant}
while [ $# -gt 0 ]; do
  case "$1" in
    --config) CONFIG=${2:?--config needs a value}; shift 2 ;;
    --fp32-dir) FP32=${2:?--fp32-dir needs a value}; shift 2 ;;
    --int8-dir) INT8=${2:?--int8-dir needs a value}; shift 2 ;;
    --points) POINTS=${2:?--points needs a value}; shift 2 ;;
    --name) NAME=${2:?--name needs a value}; shift 2 ;;
    --threads) THREADS=${2:?--threads needs a value}; shift 2 ;;
    --runs) RUNS=${2:?--runs needs a value}; shift 2 ;;
    --warmup) WARMUP=${2:?--warmup needs a value}; shift 2 ;;
    --opt) OPT=${2:?--opt needs a value}; shift 2 ;;
    --cli) CLI=${2:?--cli needs a value}; shift 2 ;;
    -h|--help) usage 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done
[ -n "$CONFIG" ] || die "--config is required"
[ -n "$FP32" ] || die "--fp32-dir is required"
[ -n "$INT8" ] || die "--int8-dir is required"
[ -n "$POINTS" ] || die "--points is required"
for f in "$CONFIG" "$POINTS" "$FP32/pts_voxel_encoder_$NAME.onnx" "$FP32/pts_backbone_neck_head_$NAME.onnx" \
         "$INT8/pts_voxel_encoder_$NAME.onnx" "$INT8/pts_backbone_neck_head_$NAME.onnx"; do
  [ -f "$f" ] || die "$f: no such file"
done
[ -x "$CLI" ] || die "$CLI: centerpoint-quant not built (build it, or pass --cli PATH / set CPQ_CLI)"
command -v node >/dev/null || die "node not found on PATH (scripts/setup.sh installs Node.js)"
[ -d "$ROOT/tools/node_modules/onnxruntime-node" ] ||
  die "$ROOT/tools/node_modules/onnxruntime-node missing (run scripts/setup.sh)"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/bench_onnx_int8.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
if ! "$CLI" infer --config "$CONFIG" --random-init --points "$POINTS" --out "$WORK/dets.json" --dump "$WORK/dump" \
     > "$WORK/infer.log" 2>&1; then
  cat "$WORK/infer.log" >&2
  die "infer failed"
fi

echo "| file | precision | input | threads | median ms | p90 ms | min ms | runs |"
echo "|---|---|---|---|---|---|---|---|"
for file in voxel_encoder backbone_neck_head; do
  if [ "$file" = voxel_encoder ]; then INPUT=input_features; else INPUT=spatial_features; fi
  for precision in fp32 int8; do
    if [ "$precision" = fp32 ]; then DIR=$FP32; else DIR=$INT8; fi
    for t in $THREADS; do
      node "$ROOT/tools/bench_onnx.js" --model "$DIR/pts_${file}_$NAME.onnx" --input "$INPUT=$WORK/dump/$INPUT.npy" \
        --threads "$t" --runs "$RUNS" --warmup "$WARMUP" --opt "$OPT" --json |
        node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const r=JSON.parse(s);
          const [file,precision]=process.argv.slice(1);const shape=Object.values(r.inputs)[0].join(", ");
          const f=(x)=>x.toFixed(2);
          console.log(`| pts_${file} | ${precision} | [${shape}] | ${r.threads} | ${f(r.median_ms)} | ${f(r.p90_ms)} | ${f(r.min_ms)} | ${r.runs} |`);});' \
          "$file" "$precision"
    done
  done
done
