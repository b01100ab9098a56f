#!/usr/bin/env bash
# The whole test suite under AddressSanitizer + UndefinedBehaviorSanitizer (leaks included): a separate
# build in $BUILD_DIR (default build-asan/) with -DCPQ_SANITIZE=ON, then every suite through ctest.
#   scripts/sanitize.sh [ctest args...]
# Built with Debian's clang (the fuzzers' compiler; g++ 12/13 took 2-3x longer per file with the
# sanitizers, and 18x on the GPU machine with debug info), -O1 with line tables for the reports.
# CPQ_PREFIX_PATH: extra CMAKE_PREFIX_PATH; SANITIZE_SKIP_SETUP=1 skips the Debian package check.
set -euo pipefail
cd "$(dirname "$0")/.."

[ "${SANITIZE_SKIP_SETUP:-0}" = 1 ] || scripts/setup.sh
BUILD_DIR=${BUILD_DIR:-build-asan}
EXTRA=()
[ -n "${CPQ_PREFIX_PATH:-}" ] && EXTRA+=("-DCMAKE_PREFIX_PATH=$CPQ_PREFIX_PATH")
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_CXX_COMPILER="${CXX:-clang++}" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_CXX_FLAGS_RELEASE="-O1 -gline-tables-only -DNDEBUG" -DCPQ_SANITIZE=ON -DCPQ_BUILD_BENCH=OFF \
  "${EXTRA[@]}"
start=$(date +%s)
cmake --build "$BUILD_DIR" -j "$(nproc)"
echo "sanitize: build took $(( $(date +%s) - start )) s"
[ "${SANITIZE_SKIP_TESTS:-0}" = 1 ] && exit 0

# detect_container_overflow=0: std::vector storage crosses into libtorch, which is not instrumented, and
# that check then reports false overflows. The leak suppressions name libraries that keep allocations for
# the life of the process on purpose (their registries and thread pools); a leak in our code still shows.
export ASAN_OPTIONS="detect_leaks=1:detect_container_overflow=0:abort_on_error=1:${ASAN_OPTIONS:-}"
export LSAN_OPTIONS="suppressions=$PWD/scripts/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
start=$(date +%s)
ctest --test-dir "$BUILD_DIR" --output-on-failure --no-tests=error -j "$(nproc)" "$@"
echo "sanitize: tests took $(( $(date +%s) - start )) s"
