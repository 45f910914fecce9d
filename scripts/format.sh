#!/usr/bin/env bash
# The tree's layout is .clang-format's (clang-format 14, Debian 12's).
#   scripts/format.sh           rewrites every tracked C and C++ file in place
#   scripts/format.sh --check   rewrites nothing; lists the files that differ and
#                               fails if any does (scripts/test.sh, so .ci/run,
#                               runs it)
set -euo pipefail
cd "$(dirname "$0")/.."
cf=$(command -v clang-format-14 || command -v clang-format || true)
[[ -n $cf ]] || { echo "format.sh: clang-format-14 is missing (scripts/deps.sh --test installs it)"; exit 1; }
mapfile -t files < <(git ls-files '*.cpp' '*.hpp' '*.c' '*.h' '*.cpp.in')
if [[ ${1:-} != --check ]]; then
  "$cf" -i "${files[@]}"
  exit 0
fi
differ=0
for f in "${files[@]}"; do
  if ! "$cf" "$f" | cmp -s - "$f"; then
    echo "format.sh: $f differs from .clang-format's layout (scripts/format.sh rewrites it)"
    differ=$((differ + 1))
  fi
done
echo "format: ${#files[@]} files checked, $differ differ"
[[ $differ -eq 0 ]]
