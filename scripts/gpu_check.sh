#!/usr/bin/env bash
# Development helper for the GPU machine: build everything (keep going past errors), run the native
# suites, then a small end-to-end rehearsal of scripts/gpu_job.sh. Logs go to $OUT.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-gpu_out}
mkdir -p "$OUT" .deps
for f in .deps-debs/*.deb; do dpkg -x "$f" .deps; done
TORCH_PREFIX=$(python3 -c 'import torch;print(torch.utils.cmake_prefix_path)')
export LD_LIBRARY_PATH="$PWD/.deps/usr/lib/x86_64-linux-gnu:${LD_LIBRARY_PATH:-}"
cmake -S . -B build-gpu -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$PWD/.deps/usr;$TORCH_PREFIX" \
  -DCPQ_BUILD_BENCH=OFF > "$OUT/configure.log" 2>&1 || { tail -30 "$OUT/configure.log"; exit 1; }
cmake --build build-gpu -j 16 -- -k 0 > "$OUT/build.log" 2>&1
echo "build exit $?"
grep -E "error|warning:" "$OUT/build.log" | grep -v "^ninja" | head -60
timeout 300 ctest --test-dir build-gpu --output-on-failure -j 8 -E "export_ort|cli" > "$OUT/ctest.log" 2>&1
echo "ctest exit $?"; grep -E "tests passed|Failed|\*\*\*|FAILED" "$OUT/ctest.log" | head -40
timeout 300 build-gpu/tests/test_cli > "$OUT/test_cli.log" 2>&1; echo "test_cli exit $?"
grep -E "FAILED|OK \]|PASSED" "$OUT/test_cli.log" | head -40
