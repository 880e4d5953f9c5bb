#!/usr/bin/env bash
# Fails when a tracked C++ file differs from what clang-format-14 makes of it (.clang-format).
#   scripts/check-format.sh          # check, list offending files
#   scripts/check-format.sh --fix    # rewrite them in place
set -euo pipefail
cd "$(dirname "$0")/.."
CF=$(command -v clang-format-14 || true)
[ -n "$CF" ] || { echo "check-format.sh: clang-format-14 not found; run scripts/install-deps.sh" >&2; exit 2; }
mapfile -t files < <(git ls-files '*.cc' '*.h')
if [ "${1:-}" = "--fix" ]; then
  "$CF" -i --style=file "${files[@]}"
  exit 0
fi
bad=()
for f in "${files[@]}"; do
  "$CF" --style=file --dry-run -Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
if [ ${#bad[@]} -gt 0 ]; then
  printf 'not formatted (run scripts/check-format.sh --fix):\n' >&2
  printf '  %s\n' "${bad[@]}" >&2
  exit 1
fi
echo "format: ${#files[@]} files clean"
