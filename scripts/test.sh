#!/usr/bin/env bash
# The test command: install dependencies, configure, build everything, run every test suite.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/build.sh
# --no-tests=error: a build that registered no suite fails instead of passing empty.
ctest --test-dir "${BUILD_DIR:-build}" --output-on-failure --no-tests=error -j "$(nproc)"
