#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz) with clang-14 + ASan + UBSan in their own build
# directory and runs each one for a fixed time, starting from its checked-in seed corpus.
# Fails on the first crash, leak, sanitizer report, timeout (one input > FUZZ_INPUT_TIMEOUT s)
# or out-of-memory; the offending input is kept under $FUZZ_BUILD_DIR/artifacts/<target>/.
#
#   scripts/fuzz.sh                          # CI: FUZZ_SECONDS=25 per target
#   FUZZ_SECONDS=14400 scripts/fuzz.sh csr_fuzz policy_fuzz   # hours, chosen targets
#
# Environment: FUZZ_SECONDS (per target, default 25), FUZZ_BUILD_DIR (default build-fuzz),
# FUZZ_JOBS (parallel build jobs, default nproc), FUZZ_INPUT_TIMEOUT (default 10 s),
# FUZZ_RSS_MB (default 2048), UNITY_BUILD (default ON, see scripts/build.sh). New interesting
# inputs go to $FUZZ_BUILD_DIR/corpus/<target>, never into the checked-in seeds.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD_DIR=${FUZZ_BUILD_DIR:-build-fuzz}
SECONDS_PER_TARGET=${FUZZ_SECONDS:-25}
JOBS=${FUZZ_JOBS:-$(nproc)}
ALL_TARGETS=(csr_fuzz jws_fuzz pin_fuzz token_fuzz kubeconfig_fuzz join_configuration_fuzz policy_fuzz
             strict_yaml_fuzz json_codec_fuzz)
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=("${ALL_TARGETS[@]}")

CXX_BIN=$(command -v clang++-14 || command -v clang++ || true)
[ -n "$CXX_BIN" ] || { echo "fuzz.sh: clang++-14 not found; run scripts/install-deps.sh" >&2; exit 2; }

# Release-like code (-O1) with line tables for the stack traces; no tests or benchmarks.
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER="$CXX_BIN" \
  -DCMAKE_CXX_FLAGS_RELEASE="-O1 -gline-tables-only" -DJOINGUARD_FUZZ=ON \
  -DJOINGUARD_BUILD_TESTS=OFF -DJOINGUARD_BUILD_BENCH=OFF -DCMAKE_UNITY_BUILD="${UNITY_BUILD:-ON}" >/dev/null
cmake --build "$BUILD_DIR" -j "$JOBS" --target "${TARGETS[@]}"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
summary=()
status=0
for t in "${TARGETS[@]}"; do
  work="$BUILD_DIR/corpus/$t"
  artifacts="$BUILD_DIR/artifacts/$t"
  mkdir -p "$work" "$artifacts"
  log="$BUILD_DIR/$t.log"
  echo "== $t: ${SECONDS_PER_TARGET}s"
  if "$BUILD_DIR/tests/fuzz/$t" "$work" "$ROOT/tests/fuzz/corpus/$t" \
       -max_total_time="$SECONDS_PER_TARGET" -timeout="${FUZZ_INPUT_TIMEOUT:-10}" \
       -rss_limit_mb="${FUZZ_RSS_MB:-2048}" -max_len=1048576 -print_final_stats=1 \
       -artifact_prefix="$artifacts/" >"$log" 2>&1; then
    execs=$(grep -m1 'stat::number_of_executed_units' "$log" | awk '{print $2}')
    summary+=("$t: ${execs:-?} executions in ${SECONDS_PER_TARGET}s")
  else
    status=1
    summary+=("$t: FAILED (see $log and $artifacts/)")
    tail -40 "$log" >&2
  fi
done
printf '%s\n' "== fuzz summary" "${summary[@]}"
exit $status
