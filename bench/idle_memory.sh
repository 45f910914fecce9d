#!/usr/bin/env bash
# idle_memory.sh: resident memory per idle connection, server by server.
# Starts each echo server, reads its RSS, opens CONNS connections with the load
# generator's idle mode (one round trip each, then silence), reads the RSS again
# and prints (after - before) / CONNS as a markdown table.
# It then does the same with CONNS/2 on a fresh server: the difference over
# the other CONNS/2 is the marginal cost of one more connection, without the
# fixed costs the first round trips bring in (the pages of the loop's receive
# buffers that get touched, 1 MiB for coronet's default 256 buffers).
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
# measure CMD CONNS PORT: prints "RSS_BEFORE RSS_AFTER OPEN" (KiB, KiB, count).
measure() {
  local port=$3
  ${1//\{port\}/$port} >/dev/null 2>&1 &
  local pid=$!
  sleep 0.5
  local before line
  before=$(rss_kb "$pid")
  line=$("$LOAD" --mode idle --port "$port" -c "$2" -t 2 --server-pid "$pid" | grep event=all_open)
  kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true
  echo "$before $(sed -n 's/.*server_rss_kb=\([0-9]*\).*/\1/p' <<<"$line") $(sed -n 's/.* open=\([0-9]*\).*/\1/p' <<<"$line")"
}
half=$((CONNS / 2)) port=7400
echo "| server | RSS before (KiB) | RSS with $CONNS idle (KiB) | bytes per connection | marginal bytes per connection ($half to $CONNS) |"
echo "|---|---:|---:|---:|---:|"
for spec in "${servers[@]}"; do
  name=${spec%%=*} cmd=${spec#*=}
  port=$((port + 2))
  read -r before after open < <(measure "$cmd" "$CONNS" "$port")
  read -r hbefore hafter hopen < <(measure "$cmd" "$half" $((port + 1)))
  per=$(( (after - before) * 1024 / (open > 0 ? open : 1) ))
  extra=$((open - hopen))
  marginal=$(( ((after - before) - (hafter - hbefore)) * 1024 / (extra > 0 ? extra : 1) ))
  echo "| $name | $before | $after | $per | $marginal |"
done
