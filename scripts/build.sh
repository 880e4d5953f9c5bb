#!/usr/bin/env bash
# Configures and builds joinguard into ./build (override with BUILD_DIR).
# UNITY_BUILD (default ON) compiles the .cc files of each target in batches (CMake's unity
# build): a cold build needs about half the CPU time. Set UNITY_BUILD=OFF while editing one file
# at a time (rebuilds one file instead of its batch).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
JOBS=${JOBS:-$(nproc)}
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=${BUILD_TYPE:-RelWithDebInfo} \
  -DCMAKE_UNITY_BUILD="${UNITY_BUILD:-ON}" ${CMAKE_ARGS:-}
cmake --build "$BUILD_DIR" -j "$JOBS"
