#!/usr/bin/env bash
# Configures and builds spikefit into build/ (or $BUILD_DIR).
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$src/build}
mkdir -p "$build"
cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo > "$build/configure.log" 2>&1 || { cat "$build/configure.log"; exit 1; }
cmake --build "$build" -j "${BUILD_JOBS:-$(nproc)}" 2>&1 | grep -E "error|warning|Error" || true
[ -x "$build/spikefit" ] || { echo "build failed: run cmake --build $build"; exit 1; }
