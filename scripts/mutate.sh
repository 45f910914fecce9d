#!/usr/bin/env bash
# Mutation testing, on demand (not part of CI): does the suite notice when a
# line of coronet is subtly wrong? Each mutant below changes one line with
# sed, in a scratch copy of the tree (never this working tree); the tests
# named for it are rebuilt and rerun there, and the mutant counts as killed
# if any of them fails. Prints one line per mutant and "mutation score:
# K killed / N". Last run (2026-12-01): 11 killed / 11.
# enobufs_not_rearmed once dropped the starve() on ENOBUFS, an equivalent
# mutant: the end of a multishot receive re-arms through arm_receive, which
# starves when no buffer is free. It now drops the re-arm of a starved
# connection when a buffer comes back.
#
#   scripts/mutate.sh [NAME...]     # only the mutants named
#
# The scratch copy (MUTATE_DIR, default $TMPDIR/coronet-mutate) and its build
# are kept between runs so that a second run rebuilds only what changed; the
# first run builds the library and the tests the mutants need (g++).
# Mutants run cheapest first. MUTATE_BASELINE=0 skips rerunning the
# unmutated tests (only when a run just passed them).
set -uo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
scratch=${MUTATE_DIR:-${TMPDIR:-/tmp}/coronet-mutate}
jobs=${MUTATE_JOBS:-2}

# name | file | sed expression (must match exactly one line; no '|' in it) |
# meson tests that should kill it
mutants=(
  "subnet_off_by_one|src/net/address/block_list.cpp|s/(u128{1} << host_bits) - 1;/(u128{1} << host_bits);/|block_list_test"
  "decoder_hold_boundary|src/codec/string_decoder.cpp|s/if (length <= seen) return 0;/if (length < seen) return 0;/|string_decoder_test"
  "encoder_hex_f|src/codec/string_encoder.cpp|s/if (c >= 'a' && c <= 'f') return c - 'a' + 10;/if (c >= 'a' \&\& c < 'f') return c - 'a' + 10;/|string_encoder_test"
  "url_port_limit|src/net/address/url_host.cpp|s/if (port > 65535) return std::nullopt;/if (port > 65536) return std::nullopt;/|socket_address_test"
  "json_low_surrogate|src/net/address/json_strings.cpp|s/low >= 0xDC00 && low < 0xE000/low >= 0xDC00 \&\& low < 0xDFFF/|block_list_json_test"
  "max_connections_ignored|src/net/server.cpp|s/if (max_connections && connections_ >= \*max_connections) {/if (false) {/|net_server_test"
  "losers_not_cancelled|src/net/happy_eyeballs.cpp|s#  for (auto& a : attempts_) a.stop.request_stop();  // the losers#  // the losers go on#|net_happy_eyeballs_test"
  "timer_order_reversed|src/core/timer_heap.cpp|s/return a->expiry < b->expiry/return a->expiry > b->expiry/|loop_test cancel_test"
  "short_write_complete|src/core/stream_socket.cpp|s/  if (i < msg.msg_iovlen) {/  if (false \&\& i < msg.msg_iovlen) {/|echo_test soak_echo"
  "enobufs_not_rearmed|src/uring/uring_backend.cpp|s/      if (!h->closed \&\& h->recv_waiter \&\& !h->recv_armed) arm_receive(h);/      if (false) arm_receive(h);/|backend_limits_test"
  "proxy_fin_closes_both|samples/proxy/proxy.cpp|s/      if (to.shutdown()) break;/      break;/|proxy_sample"
)

selected=("$@")
wanted() {
  [[ ${#selected[@]} -eq 0 ]] && return 0
  local s
  for s in "${selected[@]}"; do [[ $s == "$1" ]] && return 0; done
  return 1
}

# Copy the tracked files (and local edits to them) into the scratch tree,
# touching only files that differ, so the kept build stays incremental.
mkdir -p "$scratch/src"
git ls-files -z | while IFS= read -r -d '' f; do
  if ! cmp -s "$f" "$scratch/src/$f"; then
    mkdir -p "$(dirname "$scratch/src/$f")"
    cp "$f" "$scratch/src/$f"
  fi
done
cd "$scratch/src" || exit 2
build=$scratch/build
if [[ ! -f $build/build.ninja ]]; then
  meson setup "$build" --buildtype=debugoptimized -Dbench=false >"$scratch/setup.log" 2>&1 ||
    { echo "mutate: meson setup failed, see $scratch/setup.log"; exit 2; }
fi

# meson introspect reads what the last configure wrote: reconfigure first
# if a meson.build changed (a new test would be missing otherwise).
nice ninja -C "$build" build.ninja >>"$scratch/build.log" 2>&1 ||
  { echo "mutate: meson reconfigure failed, see $scratch/build.log"; exit 2; }

# The build outputs the named tests run (their programs and arguments).
targets_of() {
  meson introspect "$build" --tests | python3 -c '
import json, os, sys
build, names = os.path.realpath(sys.argv[1]), set(sys.argv[2:])
out = set()
for t in json.load(sys.stdin):
    if t["name"] in names:
        for part in t["cmd"]:  # the program, then arguments relative to the build
            if part.startswith(build + "/"): out.add(os.path.relpath(part, build))
            elif "/" in part and not part.startswith(("/", "-")): out.add(part)
print("\n".join(sorted(out)))' "$build" "$@"
}

# run_tests TESTS...: builds their programs, runs them; 0 when all pass.
run_tests() {
  local targets
  mapfile -t targets < <(targets_of "$@")
  nice ninja -C "$build" -j"$jobs" "${targets[@]}" >>"$scratch/build.log" 2>&1 || return 3
  meson test -C "$build" --no-rebuild --num-processes 1 "$@" >"$scratch/test.log" 2>&1
}

# The unmutated tree must pass, or a "kill" would mean nothing.
all_tests=()
for m in "${mutants[@]}"; do
  IFS='|' read -r name _ _ tests <<<"$m"
  wanted "$name" && all_tests+=($tests)
done
mapfile -t all_tests < <(printf '%s\n' "${all_tests[@]}" | sort -u)
if [[ ${MUTATE_BASELINE:-1} == 0 ]]; then  # when a run just checked it
  echo "mutate: building in $scratch, baseline not rerun (MUTATE_BASELINE=0)"
  mapfile -t targets < <(targets_of "${all_tests[@]}")
  nice ninja -C "$build" -j"$jobs" "${targets[@]}" >>"$scratch/build.log" 2>&1
  baseline=$?
  [[ $baseline == 0 ]] || baseline=3
else
  echo "mutate: building and running the baseline in $scratch (${all_tests[*]})"
  run_tests "${all_tests[@]}"
  baseline=$?
fi
case $baseline in
  0) ;;
  3) echo "mutate: the baseline does not build, see $scratch/build.log"; exit 2 ;;
  *) echo "mutate: the baseline fails, see $scratch/test.log"; grep -E '^ *[0-9]+/[0-9]+ .*(FAIL|TIMEOUT)' "$scratch/test.log"; exit 2 ;;
esac

killed=0 total=0 survivors=()
for m in "${mutants[@]}"; do
  IFS='|' read -r name file expr tests <<<"$m"
  wanted "$name" || continue
  cp "$file" "$scratch/original"
  sed -i "$expr" "$file"
  changed=$(diff "$scratch/original" "$file" | grep -c '^>')
  if [[ $changed != 1 ]]; then
    echo "$name: SKIPPED, the sed expression changed $changed lines of $file (the code moved on?)"
    cat "$scratch/original" >"$file"
    continue
  fi
  total=$((total + 1))
  start=$SECONDS
  run_tests $tests
  rc=$?
  # Restore with a fresh mtime, so ninja rebuilds the file for the next mutant.
  cat "$scratch/original" >"$file"
  case $rc in
    0) verdict="SURVIVED"; survivors+=("$name") ;;
    3) verdict="killed (does not compile)"; killed=$((killed + 1)) ;;
    *) verdict="killed by $(grep -E '^ *[0-9]+/[0-9]+ .*(FAIL|TIMEOUT)' "$scratch/test.log" |
          awk '{print $4 "(" $2 ")"}' | sort -u | tr '\n' ' ')"; killed=$((killed + 1)) ;;
  esac
  echo "$name ($file): $verdict [$((SECONDS - start)) s]"
done
echo "mutation score: $killed killed / $total"
[[ ${#survivors[@]} -eq 0 ]] || echo "survivors: ${survivors[*]}"
