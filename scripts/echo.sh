#!/usr/bin/env bash
# Installs what the echo sample needs, builds it and starts it; arguments go
# to the sample: scripts/echo.sh --port 7000 (--info: which backend and why).
# The build lives in build-echo/ with the tests, benchmarks and fuzzers off,
# so none of their dependencies are needed. A failing step says which it was
# and shows the end of its log.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=build-echo

step() {  # name log command...: runs a step quietly, shows its log if it fails
  local name=$1 log=$2
  shift 2
  "$@" >"$log" 2>&1 && return
  echo "echo.sh: $name failed; the end of $log:" >&2
  tail -n 30 "$log" >&2
  exit 1
}

scripts/deps.sh || { echo "echo.sh: installing dependencies (scripts/deps.sh) failed" >&2; exit 1; }
if [[ ! -f $dir/build.ninja ]]; then
  rm -rf "$dir"
  step "meson setup" "$dir.setup.log" \
    meson setup "$dir" -Dtests=false -Dbench=false -Dfuzz=false -Dsamples=true
fi
step "build (ninja)" "$dir.build.log" ninja -C "$dir" samples/echo
exec "$dir/samples/echo" "$@"
