#!/usr/bin/env bash
# Builds the libFuzzer targets (every fuzz/fuzz_*.cpp) with clang and the
# address and undefined behaviour sanitizers, the library itself compiled
# with -fsanitize=fuzzer-no-link so libFuzzer sees its coverage, then runs
# each for FUZZ_SECONDS (default 15). Prints one line per target with the
# runs and the coverage edges (cov) it reached; exits non-zero if any target
# finds a crash or a broken property.
#
#   FUZZ_SECONDS=60 scripts/fuzz.sh [build-dir [meson setup options, e.g. -Dtls=disabled]]
set -u
cd "$(dirname "$0")/.."
build=${1:-build-fuzz}
shift $(($# > 0 ? 1 : 0))
seconds=${FUZZ_SECONDS:-15}
cxx=${CXX:-clang++-14}

# Logs go inside the build directory (build*/ is ignored by git).
mkdir -p "$build"
if [ ! -f "$build/build.ninja" ]; then
  CXX=$cxx meson setup "$build" -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false \
    -Dcpp_args=-fno-sanitize=function \
    -Dtests=false -Dsamples=false -Dbench=false "$@" >"$build/fuzz-setup.log" 2>&1 ||
    { echo "fuzz: meson setup failed, see $build/fuzz-setup.log"; exit 2; }
fi

# The targets are the ones the build defines (fuzz/meson.build), not every
# fuzz_*.cpp: fuzz_tls_record exists only with -Dtls enabled.
mapfile -t targets < <(meson introspect "$build" --targets | python3 -c '
import json, sys
for t in json.load(sys.stdin):
    if t["type"] == "executable" and t["name"].startswith("fuzz_"):
        print(t["name"])' | sort)
[ ${#targets[@]} -gt 0 ] || { echo "fuzz: the build in $build defines no fuzz targets"; exit 2; }
ninja -C "$build" "${targets[@]/#/fuzz/}" >"$build/fuzz-ninja.log" 2>&1 ||
  { echo "fuzz: build failed, see $build/fuzz-ninja.log"; exit 2; }

status=0
for target in "${targets[@]}"; do
  workdir=$(mktemp -d)
  # Seeds, where a target has them, are copied: libFuzzer writes into its corpus.
  [ -d "fuzz/corpus/$target" ] && cp "fuzz/corpus/$target"/* "$workdir/" 2>/dev/null
  # UBSan findings must stop the run like ASan's do.
  if UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
      "$build/fuzz/$target" -max_total_time="$seconds" -max_len=512 -print_final_stats=1 \
      -artifact_prefix="$workdir/" "$workdir" >"$workdir/log" 2>&1; then
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$workdir/log" | grep -o '[0-9]*$')
    # The last status line ("#N DONE cov: E ft: F ...") has the final edge count.
    cov=$(grep -o 'cov: [0-9]*' "$workdir/log" | tail -1 | grep -o '[0-9]*$')
    echo "$target: ok, ${runs:-?} runs in ${seconds}s, cov ${cov:-?} edges"
    rm -rf "$workdir"
  else
    echo "$target: FAILED, log and crash input kept in $workdir"
    grep -m1 'property failed' "$workdir/log"
    tail -n 30 "$workdir/log"
    status=1
  fi
done
exit $status
