#!/usr/bin/env bash
# Installs dependencies, then builds and runs every test:
#   1. g++, warnings as errors: the suite on the io_uring and Asio backends,
#      the install/pkg-config check and the differential test against Node;
#   2. clang, warnings as errors, AddressSanitizer + UndefinedBehaviorSanitizer:
#      the same suite again;
#   3. g++ with -Dportable_posix=true and neither io_uring nor TLS (what a
#      system without Linux's extensions builds): the core tests and the
#      node:net socket tests on the Asio backend, over the POSIX fallbacks
#      (accept + fcntl, no MSG_NOSIGNAL);
#   4. the libFuzzer targets for a bounded time (FUZZ_SECONDS, default 15 per target).
# Before them, the layout check (scripts/format.sh --check), counted as one test.
# Ends with one line "tests: N passed, N failed" and fails if any failed.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh --test || { echo "test.sh: installing dependencies (scripts/deps.sh --test) failed"; exit 1; }
# Node 26, the oracle for the node:net differential tests, from npm (once).
node26=$(scripts/node26.sh) || { echo "test.sh: getting Node 26 (scripts/node26.sh) failed"; exit 1; }
echo "Node 26: $node26"
# First on PATH, so the tests' `node` is Node 26, not Debian's older one.
export PATH="$(dirname "$node26"):$PATH"

passed=0
failed=0
count() {  # adds the Ok/Fail counts of a meson test log summary
  local log=$1
  local ok fail
  ok=$(grep -E '^Ok:' "$log" | tail -1 | awk '{print $2}')
  fail=$(grep -E '^(Fail|Timeout|Unexpected Pass):' "$log" | awk '{s += $NF} END {print s + 0}')
  passed=$((passed + ${ok:-0}))
  failed=$((failed + ${fail:-0}))
}

# Sanitizer reports fail the test that caused them.
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0

run_suite() {  # name, build dir, setup args...
  local name=$1 dir=$2
  shift 2
  echo "== $name"
  if [[ ! -f $dir/build.ninja ]]; then
    rm -rf "$dir"
    if ! meson setup "$dir" "$@" -Dwerror=true >"$dir.setup.log" 2>&1; then
      echo "test.sh: $name: meson setup failed; the end of $dir.setup.log:"
      tail -30 "$dir.setup.log"
      failed=$((failed + 1))
      return
    fi
  fi
  if grep -q "tests left out" "$dir.setup.log"; then  # doctest missing: no tests would run
    grep "tests left out" "$dir.setup.log"
    failed=$((failed + 1))
    return
  fi
  if ! ninja -C "$dir" >"$dir.build.log" 2>&1; then
    echo "test.sh: $name: build failed; the end of $dir.build.log:"
    tail -50 "$dir.build.log"
    failed=$((failed + 1))
    return
  fi
  meson test -C "$dir" --print-errorlogs --num-processes 2 2>&1 | tee "$dir.test.log" | grep -E '^ *[0-9]+/[0-9]+ |^(Ok|Fail|Skipped|Timeout):'
  count "$dir.test.log"
  if grep -qE '^ *[0-9]+/[0-9]+ .* (FAIL|TIMEOUT) ' "$dir.test.log"; then
    echo "test.sh: $name: what the failing tests printed (the end of $dir.test.log):"
    grep -vE '^ *[0-9]+/[0-9]+ ' "$dir.test.log" | tail -150
  fi
}

# The layout: every C and C++ file as .clang-format has it (check only).
echo "== format"
if scripts/format.sh --check; then passed=$((passed + 1)); else failed=$((failed + 1)); fi

run_suite "g++ (io_uring + Asio)" build-gcc --buildtype=debugoptimized -Dbench=true
CC=clang-14 CXX=clang++-14 run_suite "clang + ASan + UBSan (io_uring + Asio)" build-san \
  --buildtype=debug -Db_sanitize=address,undefined -Db_lundef=false -Dbench=false \
  -Dcpp_args=-fno-sanitize=function,vptr
# -fno-sanitize=function: clang 14 miscompiles coroutines under it.
# -fno-sanitize=vptr: UBSan checks a virtual call by probing that the vtable
# is readable with a pipe(); once every descriptor is taken (the fd
# exhaustion tests) the probe fails and each virtual call is reported as an
# invalid vptr.

# The portable fallbacks, built and run on Linux. Only the tests that open,
# accept and write sockets through them are built: test/core, and from
# test/net/io the socket tests, server_test and fd_exhaustion_test (the
# fallback accept while shedding connections). The rest (Happy Eyeballs,
# options, the differential, soak and sample tests) would add minutes and
# nothing of the fallbacks. -O2 as the first build, without -g: g++ makes
# the coroutines' symmetric transfer a tail call only with optimisation (at
# -O0 a million synchronous completions overflow the stack), and -O1 warns
# falsely of an uninitialised variable in coverage_tree.hpp.
run_portable() {  # build dir
  local dir=$1 name="g++ -Dportable_posix=true (Asio)" started=$SECONDS
  echo "== $name"
  if [[ ! -f $dir/build.ninja ]]; then
    rm -rf "$dir"
    if ! meson setup "$dir" -Doptimization=2 -Ddebug=false -Dportable_posix=true -During=disabled -Dtls=disabled -Dsamples=false -Dbench=false \
        -Dwerror=true >"$dir.setup.log" 2>&1; then
      echo "test.sh: $name: meson setup failed; the end of $dir.setup.log:"
      tail -30 "$dir.setup.log"
      failed=$((failed + 1))
      return
    fi
  fi
  # The chosen tests (by their programs' sources): their names on one line,
  # the programs' paths (for ninja) on the next.
  local selected names targets
  selected=$(python3 - "$dir" <<'PY'
import json, re, subprocess, sys
build = sys.argv[1]
chosen = re.compile(r'/test/core/|/test/net/io/(socket_\w+|server|fd_exhaustion)_test\.cpp$')
def introspect(what):
    return json.loads(subprocess.run(['meson', 'introspect', build, what], check=True,
                                     capture_output=True, text=True).stdout)
programs = {t['id']: t for t in introspect('--targets')
            if any(chosen.search(src) for s in t['target_sources'] for src in s['sources'])}
names, files = set(), set()
for t in introspect('--tests'):
    if t['depends'] and all(d in programs for d in t['depends']):
        names.add(t['name'])
        files.update(f for d in t['depends'] for f in programs[d]['filename'])
print(' '.join(sorted(names)))
print(' '.join(sorted(files)))
PY
  ) || { echo "test.sh: $name: choosing the tests failed"; failed=$((failed + 1)); return; }
  names=$(sed -n 1p <<<"$selected")
  if [[ -z $names ]]; then  # the test files moved: say so rather than run nothing
    echo "test.sh: $name: no test matched test/core or test/net/io's socket tests"
    failed=$((failed + 1))
    return
  fi
  targets=$(sed -n 2p <<<"$selected" | sed "s|$PWD/$dir/||g")
  # shellcheck disable=SC2086  # word splitting intended: lists of names
  if ! ninja -C "$dir" $targets >"$dir.build.log" 2>&1; then
    echo "test.sh: $name: build failed; the end of $dir.build.log:"
    tail -50 "$dir.build.log"
    failed=$((failed + 1))
    return
  fi
  # shellcheck disable=SC2086
  meson test -C "$dir" --no-rebuild --print-errorlogs --num-processes 2 --suite asio --suite plain $names 2>&1 |
    tee "$dir.test.log" | grep -E '^ *[0-9]+/[0-9]+ |^(Ok|Fail|Skipped|Timeout):'
  count "$dir.test.log"
  if grep -qE '^ *[0-9]+/[0-9]+ .* (FAIL|TIMEOUT) ' "$dir.test.log"; then
    echo "test.sh: $name: what the failing tests printed (the end of $dir.test.log):"
    grep -vE '^ *[0-9]+/[0-9]+ ' "$dir.test.log" | tail -150
  fi
  echo "$name: $((SECONDS - started)) s"
}
run_portable build-portable

if [[ -x scripts/fuzz.sh ]]; then
  echo "== fuzz"
  if scripts/fuzz.sh; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
fi

echo "tests: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
