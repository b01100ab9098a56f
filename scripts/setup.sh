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

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "setup: all Debian packages present"
fi
