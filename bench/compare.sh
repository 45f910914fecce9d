#!/usr/bin/env bash
# compare.sh: coronet side by side with the obvious alternatives, same machine, same run.
#
#   bench/compare.sh            echo servers: coronet echo and net_echo (io_uring, Asio) and
#                               the references in bench/reference/: epoll C, io_uring C,
#                               Boost.Asio C++20 coroutines, Node 26's net (scripts/node26.sh)
#   bench/compare.sh --proxy    proxies in front of bench/reference's epoll echo: coronet
#                               proxy (io_uring, Asio), HAProxy, socat (apt-get if missing)
#
# Everything it runs is built here from this repository (a release build in BUILD with
# -Dbench=true). Each server runs pinned to cpu 1, the load generator to cpu 0 (in --proxy
# mode the upstream echo shares cpu 0 with it). Two independent generators measure each
# point: bench/load (on coronet) and bench/pingpong (plain C, epoll); both report the
# server's CPU per round trip (user+sys from /proc/PID/stat), p50/p99 and round trips/s.
# Rounds are interleaved: every round starts each server in turn, so drift hits all alike.
# The report is markdown, medians over the rounds with ratios to BASELINE, printed and
# written to BUILD/compare-MODE.md (raw lines in BUILD/compare-MODE.raw). With two cores
# shared with the client (and whatever else runs), quote the ratios, not the numbers.
#
# env: CONNS="1 50 500" SIZES="64 4096" ROUNDS=3 SECS=3 WARMUP=0.5 CLIENTS="load pingpong"
#      BASELINE=epoll|haproxy  BUILD=build-bench  NODE= (a node binary; default: Node 26
#      from scripts/node26.sh, skipped with a warning when it cannot be had)
#      ONLY="coronet-uring epoll" runs just those servers (names as in the table)
#      PRIO=rt runs server and client SCHED_FIFO (chrt): on a box busy with (even niced)
#      builds, a woken server often waits for a 4 ms scheduler tick (the development
#      kernel: preempt=none, HZ=250) and p99 becomes that tick. It takes the cpus from
#      everyone else for the whole run: only for short runs.
#      EXTRA="name=command {port};name2=..." adds servers for this run, e.g. an older build
#      of echo to compare before and after a change:
#        EXTRA="before-uring=env CORONET_BACKEND=uring OLD_BUILD/samples/echo --port {port}"
# To compare another server for good, add "name=command {port}" to SERVERS below
# ({upstream} is the echo port in --proxy mode).
set -euo pipefail
mode=echo
[[ ${1:-} == --proxy ]] && mode=proxy
root=$(cd "$(dirname "$0")/.." && pwd)
CONNS=${CONNS:-"1 50 500"} SIZES=${SIZES:-"64 4096"} ROUNDS=${ROUNDS:-3} SECS=${SECS:-3} WARMUP=${WARMUP:-0.5}
CLIENTS=${CLIENTS:-"load pingpong"} BUILD=${BUILD:-$root/build-bench}
FORKING=${FORKING:-socat}  # servers whose CPU is measured as all of cpu 1

# ---- build ------------------------------------------------------------------
[[ -f $BUILD/build.ninja ]] ||
  meson setup "$BUILD" "$root" --buildtype=release -Dbench=true -Dtests=false >"$BUILD.setup.log" ||
  { cat "$BUILD.setup.log"; exit 1; }
nice ninja -C "$BUILD" -j2 >/dev/null
bin=$BUILD/bench/reference
echo_bin=$BUILD/samples/echo net_echo_bin=$BUILD/samples/net_echo proxy_bin=$BUILD/samples/proxy/proxy
declare -A client_bin=([load]=$BUILD/bench/load/load [pingpong]=$BUILD/bench/pingpong/pingpong)
as_root() { if ((EUID == 0)); then "$@"; else sudo "$@"; fi; }

# ---- the servers --------------------------------------------------------------
SERVERS=()
if [[ $mode == echo ]]; then
  BASELINE=${BASELINE:-epoll}
  SERVERS+=("coronet-uring=env CORONET_BACKEND=uring $echo_bin --port {port}")
  SERVERS+=("coronet-asio=env CORONET_BACKEND=asio $echo_bin --port {port}")
  SERVERS+=("net_echo-uring=env CORONET_BACKEND=uring $net_echo_bin --port {port}")
  SERVERS+=("net_echo-asio=env CORONET_BACKEND=asio $net_echo_bin --port {port}")
  SERVERS+=("epoll=$bin/epoll_echo {port}")
  [[ -x $bin/uring_echo ]] && SERVERS+=("uring=$bin/uring_echo {port}")
  [[ -x $bin/asio_echo ]] && SERVERS+=("asio=$bin/asio_echo {port}")
  NODE=${NODE:-$("$root/scripts/node26.sh" || true)}
  if [[ -n $NODE ]]; then
    SERVERS+=("node=$NODE $root/bench/reference/node_echo.js {port}")
  else
    echo "compare.sh: no Node 26 (scripts/node26.sh failed): the node column is left out" >&2
  fi
else
  BASELINE=${BASELINE:-haproxy}
  command -v haproxy >/dev/null && command -v socat >/dev/null ||
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy socat >/dev/null
  cat >"$BUILD/haproxy.cfg" <<'EOF'
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
  SERVERS+=("coronet-uring=env CORONET_BACKEND=uring $proxy_bin --listen {port} --to 127.0.0.1:{upstream}")
  SERVERS+=("coronet-asio=env CORONET_BACKEND=asio $proxy_bin --listen {port} --to 127.0.0.1:{upstream}")
  SERVERS+=("haproxy=env PORT={port} UPSTREAM={upstream} haproxy -db -f $BUILD/haproxy.cfg")
  SERVERS+=("socat=socat TCP-LISTEN:{port},bind=127.0.0.1,fork,reuseaddr,nodelay TCP:127.0.0.1:{upstream},nodelay")
fi

if [[ -n ${EXTRA:-} ]]; then
  IFS=';' read -r -a extra <<<"$EXTRA"
  SERVERS+=("${extra[@]}")
fi

if [[ -n ${ONLY:-} ]]; then
  chosen=()
  for spec in "${SERVERS[@]}"; do [[ " $ONLY " == *" ${spec%%=*} "* ]] && chosen+=("$spec"); done
  SERVERS=("${chosen[@]}")
fi

# ---- running ------------------------------------------------------------------
wait_port() {  # PORT PID: until something accepts on PORT, or the process died
  for _ in $(seq 200); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    kill -0 "$2" 2>/dev/null || return 1
    sleep 0.05
  done
  return 1
}
prio=()
[[ ${PRIO:-} == rt ]] && prio=(chrt -f 5)
start() {  # CPU LOG COMMAND: sets $pid
  "${prio[@]}" taskset -c "$1" bash -c "exec $3" >"$2" 2>&1 &
  pid=$!
}
stop() { [[ -n $1 ]] || return 0; kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

raw=$BUILD/compare-$mode.raw logs=$BUILD/compare-logs
mkdir -p "$logs"
: >"$raw"
port=$((20000 + RANDOM % 20000))
upstream_pid= pid=
if [[ $mode == proxy ]]; then
  upstream=$((port++))
  start 0 "$logs/upstream.log" "$bin/epoll_echo $upstream"
  upstream_pid=$pid
  wait_port "$upstream" "$upstream_pid" || { echo "upstream echo did not start"; exit 1; }
fi
cleanup() { for p in $pid $upstream_pid; do stop "$p"; done; }
trap cleanup EXIT

measure() {  # ROUND NAME CLIENT ARGS...: one line into $raw
  local round=$1 name=$2 client=$3 r
  shift 3
  r=$("${prio[@]}" taskset -c 0 "${client_bin[$client]}" --port "$port" -t "$SECS" --warmup "$WARMUP" "$@") || true
  echo "round=$round client=$client server=$name $r" | tee -a "$raw" >&2
}

for round in $(seq "$ROUNDS"); do
  for spec in "${SERVERS[@]}"; do
    name=${spec%%=*} cmd=${spec#*=}
    port=$((port + 1))
    cmd=${cmd//\{port\}/$port}
    [[ $mode == proxy ]] && cmd=${cmd//\{upstream\}/$upstream}
    start 1 "$logs/$name.log" "$cmd"
    if ! wait_port "$port" "$pid"; then
      echo "round=$round server=$name did not start: $(tail -2 "$logs/$name.log")" >&2
      stop "$pid"
      continue
    fi
    # socat forks per connection: count everything cpu 1 ran instead of one process
    # (which also counts whatever else the machine ran there: less precise).
    cpu_flag=(--server-pid "$pid")
    [[ " $FORKING " == *" $name "* ]] && cpu_flag=(--server-cpu 1)
    for n in $CONNS; do
      for s in $SIZES; do
        for client in $CLIENTS; do measure "$round" "$name" "$client" -c "$n" -s "$s" "${cpu_flag[@]}"; done
      done
    done
    # bulk throughput through the proxy, one stream (bench/load only)
    [[ $mode == proxy ]] && measure "$round" "$name" load --mode bulk -c 1 -s 65536 "${cpu_flag[@]}"
    echo "round=$round server=$name peak_rss_kb=$(awk '/VmHWM/{print $2}' "/proc/$pid/status")" >>"$raw"
    stop "$pid"
  done
done

# ---- the table ------------------------------------------------------------------
python3 "$root/bench/compare_table.py" "$raw" "$BASELINE" "$mode" "$ROUNDS" "$SECS" | tee "$BUILD/compare-$mode.md"
echo "compare.sh: table in $BUILD/compare-$mode.md, raw lines in $raw" >&2
