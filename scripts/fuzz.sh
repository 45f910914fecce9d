#!/usr/bin/env bash
# Builds the libFuzzer targets with clang and the address and undefined
# behaviour sanitizers, then runs each for FUZZ_SECONDS (default 30).
# Prints one line per target; exits non-zero if any target finds a crash.
#
#   FUZZ_SECONDS=60 scripts/fuzz.sh [build-dir]
set -u
cd "$(dirname "$0")/.."
build=${1:-build-fuzz}
seconds=${FUZZ_SECONDS:-30}
cxx=${CXX:-clang++-14}

# Logs go inside the build directory (build*/ is ignored by git).
mkdir -p "$build"
if [ ! -f "$build/build.ninja" ]; then
  CXX=$cxx meson setup "$build" -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false \
    -Dcpp_args=-fno-sanitize=function \
    -Dtests=false -Dsamples=false -Dbench=false >"$build/fuzz-setup.log" 2>&1 ||
    { echo "fuzz: meson setup failed, see $build/fuzz-setup.log"; exit 2; }
fi
ninja -C "$build" fuzz/fuzz_is_ip fuzz/fuzz_socket_address_parse fuzz/fuzz_block_list_from_json \
  >"$build/fuzz-ninja.log" 2>&1 || { echo "fuzz: build failed, see $build/fuzz-ninja.log"; exit 2; }

status=0
for target in fuzz_is_ip fuzz_socket_address_parse fuzz_block_list_from_json; do
  workdir=$(mktemp -d)
  # UBSan findings must stop the run like ASan's do.
  if UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
      "$build/fuzz/$target" -max_total_time="$seconds" -max_len=512 -print_final_stats=1 \
      -artifact_prefix="$workdir/" "$workdir" >"$workdir/log" 2>&1; then
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$workdir/log" | grep -o '[0-9]*$')
    echo "$target: ok, ${runs:-?} runs in ${seconds}s"
    rm -rf "$workdir"
  else
    echo "$target: FAILED, log and crash input kept in $workdir"
    tail -n 30 "$workdir/log"
    status=1
  fi
done
exit $status
