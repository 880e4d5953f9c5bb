#!/usr/bin/env bash
# Builds the whole test suite with AddressSanitizer + UndefinedBehaviorSanitizer in its own
# build directory and runs it with CTest. Any sanitizer report fails the run
# (halt_on_error; LeakSanitizer on). The suppressions cover third-party code only:
# see scripts/ubsan.supp and scripts/lsan.supp.
#
#   scripts/sanitize.sh                 # everything
#   scripts/sanitize.sh -R policy       # extra arguments go to ctest
#
# Environment: SANITIZE_BUILD_DIR (default build-asan), JOBS (build, default nproc),
# CTEST_JOBS (default 2), UNITY_BUILD (default ON, see scripts/build.sh), CMAKE_ARGS (extra
# configure arguments; scripts/test.sh passes the test-code flags of
# cmake/JoinguardTestBuild.cmake). -O1 without debug info beyond line tables keeps the build and
# the run fast; ccache (when installed) makes rebuilds cheap. The benchmarks are compiled too
# (not run), so CI notices when they stop building.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD_DIR=${SANITIZE_BUILD_DIR:-build-asan}
JOBS=${JOBS:-$(nproc)}

cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DJOINGUARD_SANITIZE=ON \
  -DCMAKE_CXX_FLAGS_RELEASE="-O1 -g1" -DJOINGUARD_BUILD_BENCH=ON \
  -DCMAKE_UNITY_BUILD="${UNITY_BUILD:-ON}" ${CMAKE_ARGS:-} >/dev/null
# SANITIZE_TARGETS="a_test b_test": build only those test binaries and run each directly (for
# iterating on one suite; CI runs the default, everything).
if [ -n "${SANITIZE_TARGETS:-}" ]; then
  read -r -a targets <<<"$SANITIZE_TARGETS"
  cmake --build "$BUILD_DIR" -j "$JOBS" --target "${targets[@]}"
else
  cmake --build "$BUILD_DIR" -j "$JOBS"
fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:strict_string_checks=1:check_initialization_order=1:detect_stack_use_after_return=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1:suppressions=$ROOT/scripts/ubsan.supp}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$ROOT/scripts/lsan.supp}
if [ -n "${SANITIZE_TARGETS:-}" ]; then
  failed=0
  for t in "${targets[@]}"; do
    bin=$(find "$BUILD_DIR/tests" -type f -name "$t" -perm -u+x | head -n1)
    [ -n "$bin" ] || { echo "sanitize.sh: no test binary $t" >&2; exit 2; }
    echo "== $t (ASan+UBSan)"
    "$bin" --gtest_brief=1 "$@" || failed=1
  done
  exit $failed
fi
cd "$BUILD_DIR"
ctest --output-on-failure -j "${CTEST_JOBS:-2}" --timeout 900 "$@"
