#!/usr/bin/env bash
# perf_counts.sh: where a server's time goes, per round trip, with `perf stat`.
#
#   bench/perf_counts.sh [SERVER...]     SERVER: coronet-uring coronet-asio net_echo-uring
#                                        epoll uring asio (default: coronet-uring epoll uring)
#
# Starts each server under `perf stat` (pinned to cpu 1), drives it with bench/pingpong
# (cpu 0) at each of POINTS for SECS seconds, stops it and divides the counts by the round
# trips made: system calls (all, and the ones an echo server makes), io_uring completions,
# requests that had to wait for readiness (io_uring_poll_arm), context switches, user and
# system CPU µs, and instructions and cycles split user/kernel where the machine has a PMU
# (a VM often has none: perf then says "not supported", printed as "-").
# Uses Debian's linux-perf (installed when missing); needs root or perf_event_paranoid <= 1
# for the tracepoints. Prints a markdown table to stdout.
#
# env: POINTS="1x64 50x4096" SECS=3 BUILD=build-bench
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
POINTS=${POINTS:-"1x64 50x4096"} SECS=${SECS:-3} BUILD=${BUILD:-$root/build-bench}
servers=("$@")
((${#servers[@]})) || servers=(coronet-uring epoll uring)

command -v perf >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq linux-perf >/dev/null
[[ -f $BUILD/build.ninja ]] || meson setup "$BUILD" "$root" --buildtype=release -Dbench=true -Dtests=false >/dev/null
nice ninja -C "$BUILD" -j2 >/dev/null
client=$BUILD/bench/pingpong/pingpong ref=$BUILD/bench/reference
declare -A cmd=(
  [coronet-uring]="env CORONET_BACKEND=uring $BUILD/samples/echo --port"
  [coronet-asio]="env CORONET_BACKEND=asio $BUILD/samples/echo --port"
  [net_echo-uring]="env CORONET_BACKEND=uring $BUILD/samples/net_echo --port"
  [epoll]="$ref/epoll_echo" [uring]="$ref/uring_echo" [asio]="$ref/asio_echo"
)
sc=syscalls:sys_enter_
events=(raw_syscalls:sys_enter "${sc}io_uring_enter" "${sc}epoll_wait" "${sc}read" "${sc}write" "${sc}recvfrom"
  "${sc}sendto" "${sc}sendmsg" io_uring:io_uring_complete io_uring:io_uring_poll_arm context-switches
  user_time system_time instructions:u instructions:k cycles:u cycles:k)
ev=$(IFS=,; echo "${events[*]}")
short=(syscalls io_uring_enter epoll_wait read write recvfrom sendto sendmsg cqes poll_arm ctx_switches
  user_us sys_us instr_user instr_kernel cycles_user cycles_kernel)

wait_port() { for _ in $(seq 200); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.05; done; return 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "| server | conns × size | rt/s | $(IFS='|'; echo "${short[*]}" | sed 's/|/ | /g') |"
echo "|---|---|---:|$(printf -- '---:|%.0s' "${short[@]}")"
port=$((40000 + RANDOM % 10000))
for name in "${servers[@]}"; do
  for point in $POINTS; do
    conns=${point%x*} size=${point#*x} port=$((port + 1))
    # perf stat counts the server from its start to its end; startup is noise next to
    # tens of thousands of round trips.
    taskset -c 1 perf stat -x, -o "$out/stat" -e "$ev" -- ${cmd[$name]} "$port" >/dev/null 2>&1 &
    perf_pid=$!
    wait_port "$port" || { echo "$name did not start" >&2; continue; }
    server_pid=$(pgrep -P "$perf_pid" | head -1)
    line=$(taskset -c 0 "$client" --port "$port" -c "$conns" -s "$size" -t "$SECS" --warmup 0 --server-pid "$server_pid")
    kill "$server_pid" 2>/dev/null || true
    wait "$perf_pid" 2>/dev/null || true
    rps=$(sed -n 's/.* rps=\([0-9]*\).*/\1/p' <<<"$line") secs=$(sed -n 's/.* secs=\([0-9.]*\).*/\1/p' <<<"$line")
    python3 - "$out/stat" "$rps" "$secs" "$name" "$conns" "$size" "$ev" <<'EOF'
import sys
stat, rps, secs, name, conns, size, events = sys.argv[1:]
rts = float(rps) * float(secs)
counts = {}
for line in open(stat):
    f = line.strip().split(",")
    if len(f) > 2 and f[2] in events.split(","):
        counts[f[2]] = None if f[0].startswith("<") else float(f[0])
cells = []
for e in events.split(","):
    v = counts.get(e)
    if v is not None and e in ("user_time", "system_time"):
        v /= 1e3  # ns -> µs
    cells.append("-" if v is None or rts == 0 else f"{v / rts:.2f}")
size_name = f"{int(size) // 1024} KiB" if int(size) % 1024 == 0 else f"{size} B"
print(f"| {name} | {conns} × {size_name} | {float(rps) / 1e3:.1f}k | " + " | ".join(cells) + " |")
EOF
  done
done
