#!/usr/bin/env bash
# Configures (once) and builds the fuzz targets in BUILD_DIR with clang-14.
# Exits 2 when clang-14 or its libFuzzer runtime is missing.
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:?usage: build.sh BUILD_DIR}
if ! command -v clang++-14 >/dev/null || ! compgen -G "/usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-$(uname -m).a" >/dev/null; then
  echo "tests/fuzz: clang-14 with libFuzzer is missing (apt-get install clang-14 libclang-rt-14-dev llvm-14)" >&2
  exit 2
fi
if [ ! -f "$build/CMakeCache.txt" ]; then
  # -O1 and line tables only: quicker to build than RelWithDebInfo, and all
  # a sanitizer report needs.
  cmake -S "$src" -B "$build" -DMINI_FUZZ=ON -DCMAKE_BUILD_TYPE=None -DCMAKE_CXX_FLAGS="-O1 -gline-tables-only" \
    -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 >/dev/null
fi
cmake --build "$build" --target fuzzers -j"$(nproc)"
