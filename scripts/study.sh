#!/usr/bin/env bash
# The quantization study of one model from scratch, in phases that each fit a 10-minute device call (build
# outputs, data and work dirs stay on the warm machine between calls). Every phase writes machine-readable
# results into one flat folder, $OUT/results, and the `tables` phase generates the Markdown tables of
# docs/results.md and docs/calibration.md from them (`centerpoint-quant study-tables`; no hand-copied
# numbers):
#   data     the study dataset (synth, $SCENES x $FRAMES keyframes, seed $DATA_SEED, the last $VAL_SCENES
#            scenes val); kept when it exists
#   fp32     FP32 evaluation of $MODEL on the val split            -> results/fp32.metrics.json
#   ptq      one `ptq` per entry of $PTQ_RUNS ("name:args", args comma-separated), calibrated on train,
#            evaluated on val, with the paired bootstrap (seed $BOOTSTRAP_SEED) -> results/<name>.report.json
#   sens     sensitivity, full profile with --budget $BUDGET and the proxy ranking
#                                                                -> results/{full,proxy}.sensitivity.csv
#   qat      one `qat` + `eval` per entry of $QAT_RUNS ("name=epochs:lr:args", args comma-separated)
#                                                                -> results/<name>.{metrics,latest}.json
#   tables   study-tables over results/                          -> $OUT/tables.md
#   all      every phase in that order
# ptq and qat skip runs whose results exist and start none after $DEADLINE (epoch seconds; a run is
# assumed to take $RUN_SECONDS), so that they can continue over several device calls:
#   DEADLINE=$(( $(date +%s) + 540 )) scripts/study.sh ptq     # repeat until every report exists
# Env: MODEL, CONFIG, DATA, OUT, SCENES, FRAMES, DATA_SEED, SEED (qat), BOOTSTRAP, BOOTSTRAP_SEED, CALIB,
# EVAL_FRAMES, PROXY_FRAMES, BUDGET, PTQ_RUNS, QAT_RUNS, BATCH, WORKERS, DEADLINE, RUN_SECONDS, BUILD_DIR,
# DEVICE. The defaults are the study benchmark of docs/calibration.md (seed 2028, 200 x 20 keyframes, the
# last 160 scenes val: 3,200 val keyframes, 800 train) for the demo model; for another model,
# e.g. the AWML-width study model (models/study_awml_width/README.md):
#   MODEL=models/study_awml_width/centerpoint_study_awml_width.safetensors CONFIG=configs/study_awml_width.yaml \
#     OUT=gpu_out/study_awml_width scripts/study.sh data fp32 ptq sens qat tables
# Rehearse on the CPU with a tiny run first (a few minutes on 2 cores):
#   DEVICE=cpu BUILD_DIR=build DATA=/tmp/study_data OUT=/tmp/study_out SCENES=2 FRAMES=4 VAL_SCENES=1 CALIB=2 \
#     EVAL_FRAMES=2 PROXY_FRAMES=2 BOOTSTRAP=100 PTQ_RUNS="release_mse:" \
#     QAT_RUNS="qat_release=1:0.00001:--max-val-frames,2" BATCH=2 WORKERS=2 scripts/study.sh all
set -euo pipefail
cd "$(dirname "$0")/.."

MODEL=${MODEL:-models/demo/centerpoint_demo.safetensors}
CONFIG=${CONFIG:-configs/demo.yaml}
DATA=${DATA:-data/study}
OUT=${OUT:-gpu_out/study}
SCENES=${SCENES:-200}
FRAMES=${FRAMES:-20}
DATA_SEED=${DATA_SEED:-2028}
VAL_SCENES=${VAL_SCENES:-160}  # the last N scenes are val (0: the last quarter)
SEED=${SEED:-0}
BOOTSTRAP=${BOOTSTRAP:-1000}
BOOTSTRAP_SEED=${BOOTSTRAP_SEED:-0}
CALIB=${CALIB:-128}
EVAL_FRAMES=${EVAL_FRAMES:-3200}
PROXY_FRAMES=${PROXY_FRAMES:-16}
BUDGET=${BUDGET:-0.002}
BATCH=${BATCH:-8}
WORKERS=${WORKERS:-12}
RUN_SECONDS=${RUN_SECONDS:-100}
BUILD_DIR=${BUILD_DIR:-build-gpu}
DEVICE=${DEVICE:-cuda}
# The calibration study of docs/calibration.md ($CALIB frames unless the args say otherwise).
PTQ_RUNS=${PTQ_RUNS:-"release_mse128:--noise-curve fullint8_mse128:--full-int8,--noise-curve max128:--method,max \
percentile128:--method,percentile,--skip-zeros,false percentile128_skipzeros:--method,percentile,--skip-zeros,true \
entropy128:--method,entropy mse32:--calibrate-batches,32 mse512:--calibrate-batches,512"}
# The QAT study of docs/results.md.
QAT_RUNS=${QAT_RUNS:-"rel_label_lr1e-5_e10=10:0.00001: rel_label_lr1e-5_e5=5:0.00001: \
rel_distill_lr1e-5_e5=5:0.00001:--distill full_distill_lr1e-4_e5=5:0.0001:--distill,--full-int8 \
full_label_lr1e-5_e5=5:0.00001:--full-int8 full_distill_lr1e-5_e5=5:0.00001:--distill,--full-int8"}
CLI="$BUILD_DIR/centerpoint-quant"
RES="$OUT/results"
WORK="work_dirs/study/$(basename "$OUT")"
export LD_LIBRARY_PATH="$PWD/.deps/usr/lib/x86_64-linux-gnu:${LD_LIBRARY_PATH:-}"
mkdir -p "$RES" "$WORK"

quiet() { grep --line-buffered -v "frames |\|layers |\| it |" || true; }

# past_deadline NAME: true (and says so) when no run should start any more.
past_deadline() {
  if [ -n "${DEADLINE:-}" ] && [ $(( $(date +%s) + RUN_SECONDS )) -gt "$DEADLINE" ]; then
    echo "study: skip $1 (deadline)"; return 0
  fi
  return 1
}

# "a,b,c" -> the array ARGS=(a b c)
split_args() { ARGS=(); [ -n "$1" ] && IFS=, read -r -a ARGS <<< "$1"; return 0; }

phase_data() {
  [ -d "$DATA" ] && { echo "study: $DATA exists, kept"; return; }
  "$CLI" synth --out "$DATA" --scenes "$SCENES" --frames-per-scene "$FRAMES" --seed "$DATA_SEED" --preset demo \
    --val-scenes "$VAL_SCENES"
  cp "$DATA/dataset_card.json" "$OUT/"
}

phase_fp32() {
  "$CLI" eval --config "$CONFIG" --checkpoint "$MODEL" --data "$DATA" --split val --max-frames "$EVAL_FRAMES" \
    --device "$DEVICE" --out-dir "$WORK/fp32_eval" --overwrite 2>&1 | quiet > "$RES/fp32.eval.log"
  cp "$WORK/fp32_eval/metrics.json" "$RES/fp32.metrics.json"
}

phase_ptq() {
  local entry name boot=()
  # the paired bootstrap intervals ("paired" in the report), when this build's ptq has them
  "$CLI" ptq --help | grep -q -- --bootstrap-seed && boot=(--bootstrap "$BOOTSTRAP" --bootstrap-seed "$BOOTSTRAP_SEED")
  for entry in $PTQ_RUNS; do
    name=${entry%%:*}
    split_args "${entry#*:}"
    [ -f "$RES/$name.report.json" ] && continue
    past_deadline "$name" && continue
    local start calib=(--calibrate-batches "$CALIB"); start=$(date +%s)
    [[ " ${ARGS[*]:-} " == *" --calibrate-batches "* ]] && calib=()  # the run's own count
    "$CLI" ptq --config "$CONFIG" --checkpoint "$MODEL" --data "$DATA" --split train --eval-split val \
      --max-eval-frames "$EVAL_FRAMES" "${calib[@]}" "${boot[@]}" --device "$DEVICE" \
      --output "$WORK/ptq_$name/int8.safetensors" --overwrite "${ARGS[@]}" 2>&1 | quiet > "$RES/$name.ptq.log"
    cp "$WORK/ptq_$name/int8.report.md" "$RES/$name.report.md"
    cp "$WORK/ptq_$name/int8.calib.json" "$RES/$name.calib.json"
    cp "$WORK/ptq_$name/int8.report.json" "$RES/$name.report.json"  # last: marks the run done
    echo "$name $(( $(date +%s) - start )) s" >> "$RES/times.txt"
  done
}

phase_sens() {
  "$CLI" sensitivity --config "$CONFIG" --checkpoint "$MODEL" --data "$DATA" --calibrate-batches "$CALIB" \
    --eval-frames "$EVAL_FRAMES" --proxy-frames "$PROXY_FRAMES" --device "$DEVICE" --budget "$BUDGET" \
    --output "$RES/full.sensitivity.csv" --overwrite 2>&1 | quiet > "$RES/full.sensitivity.log"
  "$CLI" sensitivity --config "$CONFIG" --checkpoint "$MODEL" --data "$DATA" --calibrate-batches "$CALIB" \
    --eval-frames "$EVAL_FRAMES" --proxy-frames "$PROXY_FRAMES" --device "$DEVICE" --proxy \
    --output "$RES/proxy.sensitivity.csv" --overwrite 2>&1 | quiet > "$RES/proxy.sensitivity.log"
}

phase_qat() {
  local entry name spec epochs lr dir
  for entry in $QAT_RUNS; do
    name=${entry%%=*}; spec=${entry#*=}
    epochs=${spec%%:*}; spec=${spec#*:}
    lr=${spec%%:*}
    split_args "${spec#*:}"
    [ -f "$RES/$name.metrics.json" ] && continue
    past_deadline "$name" && continue
    local start; start=$(date +%s)
    dir="$WORK/qat_$name"
    rm -rf "$dir"
    "$CLI" qat --config "$CONFIG" --checkpoint "$MODEL" --data "$DATA" --calibrate-batches "$CALIB" \
      --epochs "$epochs" --lr "$lr" --batch-size "$BATCH" --workers "$WORKERS" --seed "$SEED" --device "$DEVICE" \
      --output "$dir/qat.safetensors" --work-dir "$dir/work" "${ARGS[@]}" 2>&1 | quiet > "$RES/$name.qat.log"
    "$CLI" eval --config "$CONFIG" --checkpoint "$dir/qat.safetensors" --data "$DATA" --split val \
      --max-frames "$EVAL_FRAMES" --device "$DEVICE" --out-dir "$dir/eval" --overwrite 2>&1 | quiet > /dev/null
    cp "$dir/work/latest.json" "$RES/$name.latest.json"
    cp "$dir/eval/metrics.json" "$RES/$name.metrics.json"  # last: marks the run done
    echo "$name $(( $(date +%s) - start )) s" >> "$RES/times.txt"
  done
}

phase_tables() {
  "$CLI" study-tables --results "$RES" --out "$OUT/tables.md" --overwrite \
    --title "Quantization study: $(basename "$MODEL") ($CONFIG, $(basename "$DATA"))"
}

phases=("$@")
[ ${#phases[@]} -eq 0 ] && { sed -n '2,/^set -euo/p' "$0" | sed '$d'; exit 2; }
for p in "${phases[@]}"; do
  case "$p" in
    all) phase_data; phase_fp32; phase_ptq; phase_sens; phase_qat; phase_tables ;;
    data | fp32 | ptq | sens | qat | tables) "phase_$p" ;;
    *) echo "study: unknown phase $p" >&2; exit 2 ;;
  esac
done
