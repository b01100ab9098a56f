#!/usr/bin/env bash
# On the GPU machine (Ubuntu 24.04, CUDA libtorch from PyTorch 2.11, no package registry): unpack the
# Debian packages carried in .deps-debs/ into .deps/, build against the CUDA libtorch, run the test suites
# that need no Node.js, the CUDA numerics suite (tests/gpu) included and required to find the GPU. See
# docs/gpu.md for how the packages are fetched and carried.
#   scripts/gpu_build.sh [ctest args...]     (GPU_SKIP_TESTS=1: build only)
set -euo pipefail
cd "$(dirname "$0")/.."

mkdir -p .deps
for f in .deps-debs/*.deb; do dpkg -x "$f" .deps; done
TORCH_PREFIX=$(python3 -c 'import torch;print(torch.utils.cmake_prefix_path)')
export LD_LIBRARY_PATH="$PWD/.deps/usr/lib/x86_64-linux-gnu:${LD_LIBRARY_PATH:-}"
BUILD_DIR=${BUILD_DIR:-build-gpu}
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$PWD/.deps/usr;$TORCH_PREFIX" -DCPQ_BUILD_BENCH=OFF
cmake --build "$BUILD_DIR" -j "$(nproc)"
[ "${GPU_SKIP_TESTS:-0}" = 1 ] && exit 0
export CPQ_REQUIRE_CUDA=1
ctest --test-dir "$BUILD_DIR" --output-on-failure --no-tests=error -j 8 -E export_ort "$@"
