#!/usr/bin/env bash
# idle_memory.sh: resident memory per idle connection, server by server.
# Starts each echo server, reads its RSS, opens CONNS connections with the load
# generator's idle mode (one round trip each, then silence), reads the RSS again
# and prints (after - before) / CONNS as a markdown table.
#   env: CONNS=10000 BUILD=build-bench (see compare.sh), LOAD=, ECHO=, NET_ECHO=
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
CONNS=${CONNS:-10000} BUILD=${BUILD:-$root/build-bench}
[[ -f $BUILD/build.ninja ]] || meson setup "$BUILD" "$root" --buildtype=release -Dbench=true -Dtests=false >/dev/null
nice ninja -C "$BUILD" -j2 >/dev/null
ECHO=${ECHO:-$BUILD/samples/echo} NET_ECHO=${NET_ECHO:-$BUILD/samples/net_echo} LOAD=${LOAD:-$BUILD/bench/load/load}
ref=$BUILD/bench/reference
ulimit -n "$(ulimit -Hn)"  # client and server each hold CONNS descriptors

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
servers=(
  "coronet echo (io_uring)=env CORONET_BACKEND=uring $ECHO --port {port}"
  "coronet echo (Asio)=env CORONET_BACKEND=asio $ECHO --port {port}"
  "coronet net_echo (io_uring)=env CORONET_BACKEND=uring $NET_ECHO --port {port}"
  "epoll reference=$ref/epoll_echo {port}"
  "io_uring reference=$ref/uring_echo {port}"
)
echo "| server | RSS before (KiB) | RSS with $CONNS idle (KiB) | bytes per connection |"
echo "|---|---:|---:|---:|"
port=7400
for spec in "${servers[@]}"; do
  name=${spec%%=*} cmd=${spec#*=}
  port=$((port + 1))
  ${cmd//\{port\}/$port} >/dev/null 2>&1 &
  pid=$!
  sleep 0.5
  before=$(rss_kb "$pid")
  line=$("$LOAD" --mode idle --port "$port" -c "$CONNS" -t 2 --server-pid "$pid" | grep event=all_open)
  after=$(sed -n 's/.*server_rss_kb=\([0-9]*\).*/\1/p' <<<"$line")
  open=$(sed -n 's/.* open=\([0-9]*\).*/\1/p' <<<"$line")
  kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true
  echo "| $name | $before | $after | $(( (after - before) * 1024 / (open > 0 ? open : 1) )) |"
done
