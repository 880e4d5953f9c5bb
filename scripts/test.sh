#!/usr/bin/env bash
# The README's test command: installs packages, builds the whole test suite with
# AddressSanitizer + UndefinedBehaviorSanitizer (LeakSanitizer on) into build-asan/ and runs
# every test with CTest (scripts/sanitize.sh). A failing test or any sanitizer report fails it.
# Test code is compiled at -O0 with line tables (cmake/JoinguardTestBuild.cmake), production
# code at -O1 -g1: the cheapest build that still gives file:line in every report.
#
#   bash scripts/test.sh                  # everything
#   bash scripts/test.sh -R Policy        # extra arguments go to ctest
#
# Without sanitizers (faster tests, the optimised production build):
#   bash scripts/build.sh && ctest --test-dir build -j2 --output-on-failure
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
export CMAKE_ARGS="${CMAKE_ARGS:--DJOINGUARD_TEST_CXX_FLAGS=-O0;-g1}"
exec bash scripts/sanitize.sh "$@"
