#!/usr/bin/env bash
# Local demo. Until the end-to-end demo lands this builds and shows the programs' help.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
BUILD_DIR=${BUILD_DIR:-build}
for b in controller/joinguard-controller node-helper/joinguard-node tests/sandbox/joinguard-sandbox; do
  [ -x "$BUILD_DIR/$b" ] && "$BUILD_DIR/$b" --help || echo "($b not built yet)"
done
