#!/usr/bin/env bash
# Sets up a fresh Debian bookworm machine for CHERRY and builds it.
#   bash scripts/bootstrap.sh            install packages (if missing), configure, build
# Environment: CHERRY_BUILD_DIR (default: build), CHERRY_BUILD_TYPE (Release),
#              CHERRY_JOBS (default: number of cores).
# Safe to run again: packages already present are not reinstalled, an existing
# build tree is reused and only rebuilt where sources changed.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${CHERRY_BUILD_DIR:-$root/build}
build_type=${CHERRY_BUILD_TYPE:-Release}
jobs=${CHERRY_JOBS:-$(nproc)}
llvm=/usr/lib/llvm-22

packages=(
  # compiler toolchain and build
  build-essential cmake ninja-build ccache pkg-config python3 binutils
  # LLVM / MLIR 22 (lit, FileCheck and not come with llvm-22-tools)
  llvm-22-dev llvm-22-tools libmlir-22-dev mlir-22-tools clang-format-22
  # runtime and frontend libraries
  libprotobuf-dev protobuf-compiler libopenblas-dev nlohmann-json3-dev
  libsentencepiece-dev libopenmpi-dev openmpi-bin
  # the default demo corpus (text under /usr/share/games/fortunes)
  fortunes
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  echo "bootstrap: installing ${missing[*]}"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || {
      echo "bootstrap: need root (or sudo) to install: ${missing[*]}" >&2
      exit 1
    }
    sudo=sudo
  fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -q
  $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

[ -x "$llvm/bin/mlir-tblgen" ] || {
  echo "bootstrap: $llvm/bin/mlir-tblgen not found after install" >&2
  exit 1
}

if [ ! -f "$build_dir/build.ninja" ]; then
  cmake -S "$root" -B "$build_dir" -G Ninja \
    -DCMAKE_BUILD_TYPE="$build_type" \
    -DCMAKE_C_COMPILER=gcc -DCMAKE_CXX_COMPILER=g++ \
    -DLLVM_DIR="$llvm/lib/cmake/llvm" \
    -DMLIR_DIR="$llvm/lib/cmake/mlir" \
    -DMLIR_LINK_MLIR_DYLIB=ON \
    -DLLVM_EXTERNAL_LIT="$llvm/bin/lit"
fi
cmake --build "$build_dir" -j "$jobs"
echo "bootstrap: built in $build_dir"
