#!/usr/bin/env bash
# Builds and runs the libFuzzer harnesses of fuzz/ (docs/reliability.md, "Fuzzing").
#
#   scripts/fuzz.sh [target|all] [seconds per target, default 60]
#   targets: unpickler pth safetensors npy pointcloud tables config calibration trt_cache
#
# Builds with Debian's clang 14 (libFuzzer + ASan + UBSan) into build-fuzz/, seeds each corpus from the
# test fixtures plus small inputs the harness writes with our own writers, and runs one fuzzer at a time
# (nice 10, -rss_limit_mb=2048 -timeout=10). Corpora, logs and crash artifacts live in work_dirs/fuzz/
# (git-ignored); a finding is a file work_dirs/fuzz/artifacts/<target>/crash-* (or leak-, oom-, timeout-),
# which becomes a regression case by copying it to tests/data/fuzz/<target>/ (tests/fuzz replays them).
# Environment: CPQ_FUZZ_JOBS (build parallelism, default 1), CXX (default clang++-14), CPQ_FUZZ_ARGS
# (extra libFuzzer flags), CPQ_FUZZ_WORK (work folder, default work_dirs/fuzz).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

ALL=(unpickler pth safetensors npy pointcloud tables config calibration trt_cache)
TARGET=${1:-all}
SECONDS_PER_TARGET=${2:-60}
BUILD=${CPQ_FUZZ_BUILD:-$ROOT/build-fuzz}
WORK=${CPQ_FUZZ_WORK:-$ROOT/work_dirs/fuzz}
CXX=${CXX:-clang++-14}

if [[ "$TARGET" == all ]]; then
  TARGETS=("${ALL[@]}")
else
  [[ " ${ALL[*]} " == *" $TARGET "* ]] || { echo "unknown target '$TARGET' (one of: ${ALL[*]}, all)" >&2; exit 2; }
  TARGETS=("$TARGET")
fi

if [[ ! -f "$BUILD/build.ninja" ]]; then
  cmake -S fuzz -B "$BUILD" -G Ninja -DCMAKE_CXX_COMPILER="$CXX" -DCMAKE_BUILD_TYPE= >/dev/null
fi
for t in "${TARGETS[@]}"; do
  flock "$BUILD/.build.lock" nice -n 10 cmake --build "$BUILD" -j "${CPQ_FUZZ_JOBS:-1}" --target "${t}_fuzzer"
done

# Fixture files that seed each target (beyond the harness's own CPQ_FUZZ_WRITE_SEEDS inputs).
seed_files() {
  case "$1" in
    pth) ls tests/data/checkpoint/*.pth tests/data/fuzz/pth/* 2>/dev/null ;;
    safetensors) ls tests/data/checkpoint/*.safetensors tests/data/fuzz/safetensors/* 2>/dev/null ;;
    npy) ls tests/data/fuzz/npy/* 2>/dev/null ;;  # tests/data/calibration's are 80 KB: the harness writes small ones
    config) ls configs/*.yaml tests/data/fuzz/config/* 2>/dev/null ;;
    calibration) ls work_dirs/demo/*.calib.json tests/data/fuzz/calibration/* 2>/dev/null ;;
    trt_cache) ls work_dirs/demo/*.trt_calib.cache tests/data/fuzz/trt_cache/* 2>/dev/null ;;
    *) ls tests/data/fuzz/"$1"/* 2>/dev/null ;;
  esac
}

mkdir -p "$WORK"
summary=$WORK/summary-$(date -u +%Y%m%dT%H%M%SZ).txt
printf '%-12s %12s %8s %8s %8s %12s %s\n' target executions seconds cov ft corpus findings >"$summary"
for t in "${TARGETS[@]}"; do
  corpus=$WORK/corpus/$t seeds=$WORK/seeds/$t artifacts=$WORK/artifacts/$t log=$WORK/logs/$t.log
  mkdir -p "$corpus" "$seeds" "$artifacts" "$(dirname "$log")"
  CPQ_FUZZ_WRITE_SEEDS="$seeds" "$BUILD/${t}_fuzzer" -runs=0 >/dev/null 2>&1 || true
  # The unpickler's seeds also include the data.pkl of every fixture checkpoint.
  if [[ $t == unpickler ]]; then
    for f in tests/data/checkpoint/*.pth; do
      python3 -c 'import sys, zipfile
z = zipfile.ZipFile(sys.argv[1]); n = [x for x in z.namelist() if x.endswith("/data.pkl")]
sys.stdout.buffer.write(z.read(n[0]) if n else b"")' "$f" >"$seeds/$(basename "$f" .pth).pkl" 2>/dev/null || true
    done
  fi
  while read -r f; do [[ -f $f ]] && cp "$f" "$seeds/"; done < <(seed_files "$t")
  start=$(date +%s)
  lsan=""
  # libtorch's zip reader leaks when its constructor throws: fuzz/lsan.supp says why and what it hides.
  [[ $t == pth ]] && lsan="suppressions=$ROOT/fuzz/lsan.supp:print_suppressions=0"
  # shellcheck disable=SC2086
  LSAN_OPTIONS=$lsan nice -n 10 "$BUILD/${t}_fuzzer" -rss_limit_mb=2048 -timeout=10 -max_total_time="$SECONDS_PER_TARGET" \
    -print_final_stats=1 -artifact_prefix="$artifacts/" ${CPQ_FUZZ_ARGS:-} "$corpus" "$seeds" >"$log" 2>&1 || true
  secs=$(($(date +%s) - start))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  last=$(grep -E '^#[0-9]+' "$log" | grep -E 'cov: ' | tail -1 || true)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  files=$(sed -n 's/.* corp: \([0-9]*\/[0-9]*[a-zA-Z]*\).*/\1/p' <<<"$last")  # libFuzzer's corpus: inputs/bytes
  findings=$(find "$artifacts" -type f | wc -l)
  printf '%-12s %12s %8s %8s %8s %12s %s\n' "$t" "${execs:-?}" "$secs" "${cov:-?}" "${ft:-?}" "$files" "$findings" |
    tee -a "$summary"
  if grep -qE '^==[0-9]+==ERROR|^SUMMARY: |deadly signal|out-of-memory|Timeout' "$log"; then
    echo "  $t: FINDING, see $log and $artifacts/" >&2
  fi
done
echo
cat "$summary"
