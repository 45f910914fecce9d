#!/usr/bin/env bash
# TLS echo server CPU per round trip: samples/tls_echo against Node 26's tls
# echo, the same Node client load on each (TLS 1.3, AES-128-GCM), at 1 and
# 50 connections, 64 B and 4 KiB. The server's CPU (user + system, from
# /proc) is divided by the round trips. Usage:
#   bench/tls/compare.sh BUILD_DIR [ROUNDS_PER_RUN]
# With --handshakes: a fresh connection per round trip instead (connect,
# full TLS 1.3 handshake, one 64 B round trip, close) from 1 and 8 client
# loops for SECONDS each (default 3): handshakes per second, and the
# server's CPU per handshake.
#   bench/tls/compare.sh --handshakes BUILD_DIR [SECONDS]
set -eu
mode=echo
if [[ ${1:-} == --handshakes ]]; then
  mode=handshakes
  shift
fi
build=${1:?usage: compare.sh [--handshakes] BUILD_DIR [ROUNDS|SECONDS]}
total=${2:-20000}
seconds=${2:-3}
here=$(cd "$(dirname "$0")" && pwd)
node=$("$here/../../scripts/node26.sh")
certs=$(mktemp -d /tmp/coronet-tls-bench.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$certs"' EXIT
"$here/../../test/tls/make_certs.sh" "$certs"
ticks=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# serve NAME COMMAND...: start, wait for the port, run every load, print rows.
serve() {
  local name=$1; shift
  "$@" >"$certs/$name.out" 2>&1 &
  local pid=$! port=""
  for _ in $(seq 100); do
    port=$(sed -n 's/.*listening on [^:]*:\([0-9]*\).*/\1/p' "$certs/$name.out")
    [[ -n $port ]] && break
    sleep 0.05
  done
  if [[ $mode == handshakes ]]; then
    for conns in 1 8; do
      local before after out
      before=$(cpu $pid)
      out=$("$node" "$here/tls_handshakes.js" "$port" "$certs/ca.crt" "$conns" "$seconds" 64)
      after=$(cpu $pid)
      awk -v n="$name" -v c="$conns" -v t=$((after - before)) -v hz="$ticks" -v out="$out" \
          'BEGIN { split(out, f, " "); printf "| %s | %d | %.0f | %.0f |\n", n, c, f[1] / f[2] * 1000, t / hz * 1e6 / f[1] }'
    done
    kill $pid
    return
  fi
  for conns in 1 50; do
    for size in 64 4096; do
      local rounds=$((total / conns)) before after ms
      before=$(cpu $pid)
      ms=$("$node" "$here/tls_client.js" "$port" "$certs/ca.crt" "$conns" "$rounds" "$size")
      after=$(cpu $pid)
      awk -v n="$name" -v c="$conns" -v s="$size" -v t=$((after - before)) -v hz="$ticks" \
          -v r=$((rounds * conns)) -v ms="$ms" \
          'BEGIN { printf "| %s | %d | %d | %.1f | %.0f |\n", n, c, s, t / hz * 1e6 / r, r / ms * 1000 }'
    done
  done
  kill $pid
}

if [[ $mode == handshakes ]]; then
  echo "| server | client loops | handshakes/s | server CPU µs per handshake |"
  echo "|---|---|---|---|"
else
  echo "| server | connections | bytes | server CPU µs per round trip | round trips/s |"
  echo "|---|---|---|---|---|"
fi
CORONET_BACKEND=uring serve "coronet tls_echo (io_uring)" "$build/samples/tls_echo" --key "$certs/server.key" --cert "$certs/server.crt" --port 0
CORONET_BACKEND=asio serve "coronet tls_echo (asio)" "$build/samples/tls_echo" --key "$certs/server.key" --cert "$certs/server.crt" --port 0
serve "Node 26 tls" "$node" "$here/node_tls_echo.js" "$certs/server.key" "$certs/server.crt"
