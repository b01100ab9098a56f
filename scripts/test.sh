#!/usr/bin/env bash
# The test command: install dependencies, configure, build everything, run every test suite.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/build.sh
ctest --test-dir "${BUILD_DIR:-build}" --output-on-failure -j "$(nproc)"
