#!/usr/bin/env bash
# Runs the whole test suite from any state, a clean clone included:
# installs missing packages, configures and builds what is out of date,
# then runs every test tier through ctest.
set -euo pipefail
cd "$(dirname "$0")"
./setup.sh --deps-only
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)"
exec ctest --test-dir build --output-on-failure -j"$(nproc)" "$@"
