#!/usr/bin/env bash
# Installs dependencies, builds coronet and starts the echo sample.
# Arguments go to the sample: scripts/echo.sh --port 7000
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
[[ -d build ]] || meson setup build >/dev/null
ninja -C build samples/echo >/dev/null
exec build/samples/echo "$@"
