#!/usr/bin/env bash
# Fails when a tracked C++ source outside tests/ is longer than MAX_LINES (default 600): a file
# that long has grown past one idea and should be split.
#   scripts/check-file-size.sh           # check, list offending files
set -euo pipefail
cd "$(dirname "$0")/.."
MAX_LINES=${MAX_LINES:-600}
mapfile -t files < <(git ls-files '*.cc' '*.h' ':!:tests/**')
bad=()
for f in "${files[@]}"; do
  [ -f "$f" ] || continue  # deleted in the working tree, not yet committed
  n=$(wc -l <"$f")
  [ "$n" -le "$MAX_LINES" ] || bad+=("$f: $n lines")
done
if [ ${#bad[@]} -gt 0 ]; then
  printf 'over %s lines (split the file by idea):\n' "$MAX_LINES" >&2
  printf '  %s\n' "${bad[@]}" >&2
  exit 1
fi
echo "file size: ${#files[@]} files at most $MAX_LINES lines"
