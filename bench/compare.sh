#!/usr/bin/env bash
# compare.sh: coronet side by side with the obvious alternatives, same machine, same run.
#
#   bench/compare.sh            echo servers: coronet echo (uring, asio), the reference
#                               epoll / io_uring / Asio / Node echo servers
#   bench/compare.sh --proxy    proxies in front of ref-epoll-echo: coronet proxy (uring,
#                               asio), haproxy, socat (installed with apt-get if missing)
#
# Each server runs pinned to cpu 1 and coronet's load generator (bench/load) to cpu 0
# (in --proxy mode the upstream echo shares cpu 0 with the client). Every round starts
# each server in turn (round-robin, so drift hits all alike) and runs CONNS x SIZES
# pingpong measurements against it. The report is a markdown table of medians over the
# rounds: server CPU µs per round trip and round trips per second, with ratios against
# BASELINE. With two cores, quote the ratios, not the absolute numbers.
#
# env: CONNS="1 50 500" SIZES="64 4096" ROUNDS=3 SECS=3 WARMUP=0.5 BASELINE=epoll|haproxy
#      BUILD=build-bench (a release build made here if needed), OUT=/tmp/coronet-bench
#      ECHO=, PROXY=, LOAD= point at already built binaries instead.
# To compare another server, add "name=command {port}" to SERVERS below ({upstream} is
# the echo port in --proxy mode).
set -euo pipefail
mode=echo
[[ ${1:-} == --proxy ]] && mode=proxy
root=$(cd "$(dirname "$0")/.." && pwd)
CONNS=${CONNS:-"1 50 500"} SIZES=${SIZES:-"64 4096"} ROUNDS=${ROUNDS:-3} SECS=${SECS:-3} WARMUP=${WARMUP:-0.5}
BUILD=${BUILD:-$root/build-bench} OUT=${OUT:-/tmp/coronet-bench}
FORKING=${FORKING:-socat}   # servers whose CPU is measured as all of cpu 1
ref=/tmp/coronet-bench-ref  # /work/shared/bench is read-only: build a copy here
mkdir -p "$OUT"

# ---- build ----------------------------------------------------------------
if [[ -z ${ECHO:-} || -z ${LOAD:-} || ($mode == proxy && -z ${PROXY:-}) ]]; then
  [[ -f $BUILD/build.ninja ]] || meson setup "$BUILD" "$root" --buildtype=release -Dtests=false >/dev/null
  ninja -C "$BUILD" >/dev/null
fi
ECHO=${ECHO:-$BUILD/samples/echo} PROXY=${PROXY:-$BUILD/samples/proxy/proxy} LOAD=${LOAD:-$BUILD/bench/load/load}
NET_ECHO=${NET_ECHO:-$BUILD/samples/net_echo}
mkdir -p "$ref" && cp -u /work/shared/bench/* "$ref"/ && make -s -C "$ref" >/dev/null
as_root() { if ((EUID == 0)); then "$@"; else sudo "$@"; fi; }

# ---- the servers ------------------------------------------------------------
SERVERS=()
if [[ $mode == echo ]]; then
  BASELINE=${BASELINE:-epoll}
  SERVERS+=("coronet-uring=env CORONET_BACKEND=uring $ECHO --port {port}")
  SERVERS+=("coronet-asio=env CORONET_BACKEND=asio $ECHO --port {port}")
  SERVERS+=("net_echo-uring=env CORONET_BACKEND=uring $NET_ECHO --port {port}")
  SERVERS+=("net_echo-asio=env CORONET_BACKEND=asio $NET_ECHO --port {port}")
  SERVERS+=("epoll=$ref/out/ref-epoll-echo {port}")
  SERVERS+=("uring=$ref/out/ref-uring-echo {port}")
  SERVERS+=("asio=$ref/out/ref-asio-echo {port}")
  command -v node >/dev/null && SERVERS+=("node=node $ref/ref-node-echo.js {port}")
else
  BASELINE=${BASELINE:-haproxy}
  command -v haproxy >/dev/null && command -v socat >/dev/null ||
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy socat >/dev/null
  cat >"$OUT/haproxy.cfg" <<'EOF'
global
  nbthread 1
  maxconn 4000
defaults
  mode tcp
  timeout connect 5s
  timeout client 60s
  timeout server 60s
listen proxy
  bind "127.0.0.1:${PORT}"
  server echo "127.0.0.1:${UPSTREAM}"
EOF
  SERVERS+=("coronet-uring=env CORONET_BACKEND=uring $PROXY --listen {port} --to 127.0.0.1:{upstream}")
  SERVERS+=("coronet-asio=env CORONET_BACKEND=asio $PROXY --listen {port} --to 127.0.0.1:{upstream}")
  SERVERS+=("haproxy=env PORT={port} UPSTREAM={upstream} haproxy -db -f $OUT/haproxy.cfg")
  SERVERS+=("socat=socat TCP-LISTEN:{port},bind=127.0.0.1,fork,reuseaddr,nodelay TCP:127.0.0.1:{upstream},nodelay")
fi

# ---- running ----------------------------------------------------------------
wait_port() {  # PORT PID: until something accepts on PORT, or the process died
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    kill -0 "$2" 2>/dev/null || return 1
    sleep 0.05
  done
  return 1
}
start() {  # CPU LOG COMMAND: sets $pid
  taskset -c "$1" bash -c "exec $3" >"$2" 2>&1 &
  pid=$!
}
stop() { [[ -n $1 ]] || return 0; kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

raw=$OUT/raw-$mode.txt
: >"$raw"
port=$((20000 + RANDOM % 20000))
upstream_pid= pid=
if [[ $mode == proxy ]]; then
  upstream=$((port++))
  start 0 "$OUT/upstream.log" "$ref/out/ref-epoll-echo $upstream"; upstream_pid=$pid
  wait_port "$upstream" "$upstream_pid" || { echo "upstream echo did not start"; exit 1; }
fi
cleanup() { for p in $pid $upstream_pid; do stop "$p"; done; }
trap cleanup EXIT

for round in $(seq "$ROUNDS"); do
  for spec in "${SERVERS[@]}"; do
    name=${spec%%=*} cmd=${spec#*=}
    port=$((port + 1))
    cmd=${cmd//\{port\}/$port}
    [[ $mode == proxy ]] && cmd=${cmd//\{upstream\}/$upstream}
    start 1 "$OUT/$name.log" "$cmd"
    if ! wait_port "$port" "$pid"; then
      echo "round=$round server=$name did not start: $(tail -2 "$OUT/$name.log")" >&2; stop "$pid"; continue
    fi
    # socat forks per connection: count everything cpu 1 ran instead of one process
    # (which also counts whatever else the machine ran there: less precise).
    cpu_flag="--server-pid $pid"
    [[ " $FORKING " == *" $name "* ]] && cpu_flag="--server-cpu 1"
    for n in $CONNS; do
      for s in $SIZES; do
        r=$(taskset -c 0 "$LOAD" --port "$port" -c "$n" -s "$s" -t "$SECS" --warmup "$WARMUP" $cpu_flag) || true
        echo "round=$round server=$name $r" | tee -a "$raw" >&2
      done
    done
    if [[ $mode == proxy ]]; then  # bulk throughput through the proxy, one stream
      r=$(taskset -c 0 "$LOAD" --mode bulk --port "$port" -c 1 -s 65536 -t "$SECS" --warmup "$WARMUP" $cpu_flag) || true
      echo "round=$round server=$name $r" | tee -a "$raw" >&2
      # The reference echo spins on EAGAIN when a bulk reader falls behind and
      # may not recover: give the next server a fresh one on the same port.
      proxy_pid=$pid
      stop "$upstream_pid"
      start 0 "$OUT/upstream.log" "$ref/out/ref-epoll-echo $upstream"; upstream_pid=$pid pid=$proxy_pid
      wait_port "$upstream" "$upstream_pid" || { echo "upstream echo did not restart"; exit 1; }
    fi
    echo "round=$round server=$name peak_rss_kb=$(awk '/VmHWM/{print $2}' "/proc/$pid/status")" >>"$raw"
    stop "$pid"
  done
done

# ---- the table --------------------------------------------------------------
python3 - "$raw" "$BASELINE" "$mode" "$ROUNDS" "$SECS" <<'EOF' | tee "$OUT/compare-$mode.md"
import collections, statistics, sys
raw, baseline, mode, rounds, secs = sys.argv[1:]
runs, rss, servers = collections.defaultdict(list), collections.defaultdict(list), []
bulk = collections.defaultdict(list)
for line in open(raw):
    kv = dict(f.split("=", 1) for f in line.split() if "=" in f)
    if kv["server"] not in servers: servers.append(kv["server"])
    if "peak_rss_kb" in kv:
        if kv["peak_rss_kb"]: rss[kv["server"]].append(int(kv["peak_rss_kb"]))
        continue
    if "gbps" in kv:
        bulk[kv["server"]].append(float(kv["gbps"]))
        continue
    if "rps" in kv: runs[kv["server"], int(kv["conns"]), int(kv["size"])].append(kv)
cases = sorted({(c, s) for _, c, s in runs})
def median(server, c, s, key):
    vals = [float(kv[key]) for kv in runs.get((server, c, s), []) if float(kv[key]) >= 0]
    return statistics.median(vals) if vals else None
def table(title, key, fmt, scale=1.0):
    print(f"\n{title}\n")
    print("| conns | size | " + " | ".join(servers) + " |")
    print("|---:|---:|" + "---:|" * len(servers))
    for c, s in cases:
        base = median(baseline, c, s, key)
        cells = []
        for srv in servers:
            v = median(srv, c, s, key)
            cell = "-" if v is None else fmt.format(v * scale)
            if v is not None and base and srv != baseline: cell += f" ({v / base:.2f}x)"
            cells.append(cell)
        print(f"| {c} | {s} | " + " | ".join(cells) + " |")
what = "echo servers" if mode == "echo" else "proxies in front of ref-epoll-echo"
print(f"## {what}: medians of {rounds} round(s), {secs} s each; ratios vs {baseline}")
cpu = "server CPU µs per round trip" if mode == "echo" else "proxy CPU µs per round trip (socat: all of cpu 1)"
table(f"### {cpu} (lower is better)", "server_cpu_us_per_rt", "{:.2f}")
table("### thousand round trips per second (higher is better)", "rps", "{:.1f}", 1e-3)
table("### p99 latency µs (lower is better)", "p99_us", "{:.0f}")
if bulk:
    base = statistics.median(bulk[baseline]) if bulk.get(baseline) else None
    print("\n### bulk throughput, one stream of 64 KiB writes, Gbit/s (higher is better)\n")
    print("| " + " | ".join(servers) + " |")
    print("|" + "---:|" * len(servers))
    cells = []
    for srv in servers:
        v = statistics.median(bulk[srv]) if bulk.get(srv) else None
        cell = "-" if v is None else f"{v:.2f}"
        if v is not None and base and srv != baseline: cell += f" ({v / base:.2f}x)"
        cells.append(cell)
    print("| " + " | ".join(cells) + " |")
errs = {srv: sum(int(kv["errors"]) + int(kv["mismatches"]) for k, l in runs.items() if k[0] == srv for kv in l) for srv in servers}
print("\npeak RSS (MiB, max over rounds): " + ", ".join(f"{s} {max(rss[s]) / 1024:.1f}" for s in servers if rss[s]))
print("errors + mismatches: " + ", ".join(f"{s} {n}" for s, n in errs.items()))
EOF
