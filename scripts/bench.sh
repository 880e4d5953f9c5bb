#!/usr/bin/env bash
# joinguard's benchmark table (docs/performance.md): builds and runs joinguard-bench-controller,
# which prints, for every figure, the floor measured in the same run and the ratio:
#   storm (10,000 pending CSRs + 5,000 Nodes before the controller starts), controller CPU per
#   decision vs one ECDSA P-256 verify, VmHWM, steady 100 CSR/s latency, a churn soak,
#   joinguard-node join end to end with per-phase times, growth at 1k / 10k / 50k CSRs.
# Exit code: 0 every target met, 1 a target missed (0 with --report-only), 2 a scenario failed.
#
# Usage: bash scripts/bench.sh [joinguard-bench-controller flags]
#   e.g. --only storm,steady     --soak-seconds 600 (the documented 10-minute soak)
#        --growth 1000,10000     --controller-flag=--workers=4     --report-only
# Environment: BUILD_DIR (default build), JOBS (default nproc), SKIP_BUILD=1,
#              MICRO=1 also runs the crypto/policy micro benchmarks (Google Benchmark).
# Benchmarks are not tests: CTest does not run them. A busy machine makes the numbers worse;
# the header line prints the load average.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
JOBS=${JOBS:-$(nproc)}
TARGETS="joinguard-bench-controller joinguard-controller joinguard-node"
[ -n "${MICRO:-}" ] && TARGETS="$TARGETS joinguard-bench-micro"
if [ -z "${SKIP_BUILD:-}" ]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" \
    -DJOINGUARD_BUILD_BENCH=ON ${CMAKE_ARGS:-}
  # shellcheck disable=SC2086
  cmake --build "$BUILD_DIR" -j "$JOBS" --target $TARGETS
fi
CONTROLLER_BENCH=$BUILD_DIR/tests/bench/controller/joinguard-bench-controller
[ -x "$CONTROLLER_BENCH" ] || { echo "missing $CONTROLLER_BENCH (build it, or unset SKIP_BUILD)" >&2; exit 2; }
if grep -q '^JOINGUARD_SANITIZE:BOOL=ON' "$BUILD_DIR/CMakeCache.txt"; then
  echo "warning: $BUILD_DIR is a sanitizer build; its numbers are not comparable" >&2
fi
if grep -q '^CMAKE_BUILD_TYPE:STRING=Debug' "$BUILD_DIR/CMakeCache.txt"; then
  echo "warning: $BUILD_DIR is a Debug build; its numbers are not comparable" >&2
fi
if [ -n "${MICRO:-}" ]; then
  echo "== micro benchmarks"
  "$BUILD_DIR/tests/bench/micro/joinguard-bench-micro" --benchmark_min_time=0.5
fi
echo "== openssl speed ecdsap256 (reference for the in-process verify floor)"
openssl speed -seconds 1 ecdsap256 2>/dev/null | tail -2 || true
echo "== joinguard-bench-controller $*"
"$CONTROLLER_BENCH" "$@"
