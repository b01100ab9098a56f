#!/usr/bin/env bash
# Installs every build and test dependency from Debian 12 packages. A no-op when all are present.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config
  libtorch-dev libprotobuf-dev protobuf-compiler libonnx-dev
  libsimdjson-dev libyaml-cpp-dev nlohmann-json3-dev libcli11-dev libspdlog-dev libfmt-dev
  libeigen3-dev libpng-dev libgtest-dev libgmock-dev libbenchmark-dev
  libopenblas0-pthread  # libtorch-dev links libblas.so.3: without OpenBLAS it gets the slow reference BLAS
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

apt_install() {
  echo "setup: installing $*"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@"
}

if [ ${#missing[@]} -gt 0 ]; then
  apt_install "${missing[@]}"
else
  echo "setup: all Debian packages present"
fi

# Node.js and ONNX Runtime (onnxruntime-node), the independent checker of the ONNX export (tools/).
# --ignore-scripts: the package's install script would download extra binaries and fails offline; the CPU
# binaries ship inside the package. node_modules is reinstalled when package-lock.json changed since.
node_missing=()
command -v node >/dev/null || node_missing+=(nodejs)
command -v npm >/dev/null || node_missing+=(npm)
[ ${#node_missing[@]} -gt 0 ] && apt_install "${node_missing[@]}"
TOOLS_DIR="$(cd "$(dirname "$0")/.." && pwd)/tools"
LOCK_STAMP="$TOOLS_DIR/node_modules/.cpq-installed-lock.json"
if [ -d "$TOOLS_DIR/node_modules/onnxruntime-node" ] && cmp -s "$TOOLS_DIR/package-lock.json" "$LOCK_STAMP"; then
  echo "setup: tools/node_modules up to date"
else
  echo "setup: npm ci in tools/"
  (cd "$TOOLS_DIR" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
  cp "$TOOLS_DIR/package-lock.json" "$LOCK_STAMP"
fi
