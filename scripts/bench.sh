#!/usr/bin/env bash
# Builds and runs joinguard's benchmarks (README "Benchmarks"):
#   1. joinguard-bench-micro: crypto and policy-evaluation micro benchmarks (Google Benchmark);
#   2. joinguard-bench-controller: the controller against the sandbox API server, with targets
#      (>= 50 decisions/s, p99 <= 2 s, controller peak RSS <= 64 MiB for 500 CSRs).
# Exits non-zero when the build fails, a micro benchmark errors, or a controller target is missed.
#
# Usage: bash scripts/bench.sh [joinguard-bench-controller flags, e.g. --csrs 1000 --report-only]
# Environment: BUILD_DIR (default build), JOBS (default nproc), SKIP_BUILD=1,
#              MICRO_FILTER (regex of micro benchmarks to run), MICRO_MIN_TIME (seconds, default 0.5).
# Benchmarks are not tests: CTest does not run them. Numbers on a busy machine are not meaningful.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
JOBS=${JOBS:-$(nproc)}
if [ -z "${SKIP_BUILD:-}" ]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" \
    -DJOINGUARD_BUILD_BENCH=ON ${CMAKE_ARGS:-}
  cmake --build "$BUILD_DIR" -j "$JOBS" \
    --target joinguard-bench-micro joinguard-bench-controller joinguard-controller
fi
MICRO=$BUILD_DIR/tests/bench/micro/joinguard-bench-micro
CONTROLLER_BENCH=$BUILD_DIR/tests/bench/controller/joinguard-bench-controller
for b in "$MICRO" "$CONTROLLER_BENCH"; do
  [ -x "$b" ] || { echo "missing $b: configure with -DJOINGUARD_BUILD_BENCH=ON (needs libbenchmark-dev)" >&2; exit 1; }
done
if grep -q '^JOINGUARD_SANITIZE:BOOL=ON' "$BUILD_DIR/CMakeCache.txt"; then
  echo "warning: $BUILD_DIR is a sanitizer build; its numbers are not comparable" >&2
fi
if grep -q '^CMAKE_BUILD_TYPE:STRING=Debug' "$BUILD_DIR/CMakeCache.txt"; then
  echo "warning: $BUILD_DIR is a Debug build; its numbers are not comparable" >&2
fi
echo "== $(date -u +%FT%TZ) on $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"

echo "== micro benchmarks ($MICRO)"
MICRO_ARGS=(--benchmark_min_time="${MICRO_MIN_TIME:-0.5}")
[ -n "${MICRO_FILTER:-}" ] && MICRO_ARGS+=(--benchmark_filter="$MICRO_FILTER")
"$MICRO" "${MICRO_ARGS[@]}"

echo "== controller macro benchmark ($CONTROLLER_BENCH $*)"
"$CONTROLLER_BENCH" "$@"
