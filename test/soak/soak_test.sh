#!/usr/bin/env bash
# soak_test.sh CLIENT MODE SERVER [ECHO]: a bounded soak of one sample on the
# backend CORONET_BACKEND names. MODE is "echo" (SERVER is the echo or
# net_echo sample) or "proxy" (SERVER is the proxy sample, in front of ECHO).
#
# Runs soak_client (test/soak/soak_client.cpp) against it twice: a short
# warm-up, then the load (SOAK_CONNECTIONS, default 1000). Every byte of each
# connection that ends cleanly must come back. Afterwards the servers' open
# descriptors must be back to where they were before the load, and their RSS
# within SOAK_RSS_SLACK_KB (default 16384) of what it was after the warm-up
# (so allocator warm-up is not mistaken for a leak). Then one more clean
# connection must work, and SIGTERM must stop the servers with status 0.
#
# SOAK_SEED fixes the client's seed (printed otherwise); SOAK_SKIP names a
# plan kind to leave out (e.g. fin_blocked, see soak_client.cpp).
set -u
CLIENT=$1 MODE=$2 SERVER=$3 ECHO=${4:-}
connections=${SOAK_CONNECTIONS:-1000}
rss_slack_kb=${SOAK_RSS_SLACK_KB:-16384}
seed=${SOAK_SEED:-$(date +%s%N | cut -c1-15)}
dir=$(mktemp -d /tmp/coronet-soak.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$dir"
}
trap cleanup EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# start NAME CMD...: runs CMD in the background, waits for "listening on
# HOST:PORT", sets $port and $pid.
start() {
  local name=$1; shift
  : >"$dir/$name.out"
  "$@" >>"$dir/$name.out" 2>&1 &
  pid=$!
  pids+=("$pid")
  local addr=""
  for _ in $(seq 100); do
    addr=$(sed -n 's/.* listening on \([^ ,]*\).*/\1/p' "$dir/$name.out")
    [[ -n $addr ]] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  [[ -n $addr ]] || { echo "FAIL: $name did not start:"; cat "$dir/$name.out"; exit 1; }
  port=${addr##*:}
}

fds() { ls "/proc/$1/fd" 2>/dev/null | wc -l; }
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null; }

# stop PID NAME: SIGTERM, then it must exit with 0 within two seconds.
stop() {
  kill -TERM "$1"
  for _ in $(seq 40); do kill -0 "$1" 2>/dev/null || break; sleep 0.05; done
  if kill -0 "$1" 2>/dev/null; then fail "$2 still running 2 s after SIGTERM"; return; fi
  wait "$1"; local rc=$?
  [[ $rc == 0 ]] || fail "$2 exited with $rc after SIGTERM"
}

servers=()  # pid:name of each process whose resources are watched
if [[ $MODE == proxy ]]; then
  start echo "$ECHO" --port 0
  servers+=("$pid:echo")
  start proxy "$SERVER" --listen 127.0.0.1:0 --to "127.0.0.1:$port"
  servers+=("$pid:proxy")
else
  start server "$SERVER" --port 0
  servers+=("$pid:$(basename "$SERVER")")
fi
echo "soak: $MODE via $(basename "$SERVER") on ${CORONET_BACKEND:-default} backend, port $port, seed $seed"

declare -A fds_before rss_warm
for s in "${servers[@]}"; do fds_before[$s]=$(fds "${s%%:*}"); done

skip=()
[[ -n ${SOAK_SKIP:-} ]] && skip=(--skip "$SOAK_SKIP")
"$CLIENT" --port "$port" --connections 40 --seed "$((seed + 1))" "${skip[@]}" >"$dir/warmup.out" 2>&1 ||
  { fail "warm-up load"; cat "$dir/warmup.out"; }
for s in "${servers[@]}"; do rss_warm[$s]=$(rss_kb "${s%%:*}"); done

"$CLIENT" --port "$port" --connections "$connections" --seed "$seed" "${skip[@]}" || fail "soak load"

# The servers close their side of a reset connection as soon as they see it,
# but give them a moment to finish what is in flight.
for s in "${servers[@]}"; do
  p=${s%%:*} name=${s#*:}
  for _ in $(seq 40); do [[ $(fds "$p") -le ${fds_before[$s]} ]] && break; sleep 0.05; done
  kill -0 "$p" 2>/dev/null || { fail "$name died during the load: $(tail -5 "$dir"/*.out)"; continue; }
  f=$(fds "$p") r=$(rss_kb "$p")
  echo "soak: $name: fds ${fds_before[$s]} before, $f after; RSS ${rss_warm[$s]} kB after warm-up, $r kB after"
  [[ $f -le ${fds_before[$s]} ]] || fail "$name holds $((f - fds_before[$s])) more descriptors than before the load"
  [[ $r -le $((rss_warm[$s] + rss_slack_kb)) ]] || fail "$name RSS grew by $((r - rss_warm[$s])) kB"
done

"$CLIENT" --port "$port" --connections 1 --seed "$seed" --skip fin_blocked --skip rst_mid --skip rst_after_fin \
  --skip empty >"$dir/after.out" 2>&1 || { fail "a clean connection after the load"; cat "$dir/after.out"; }

for ((i = ${#servers[@]} - 1; i >= 0; i--)); do stop "${servers[i]%%:*}" "${servers[i]#*:}"; done

[[ $failures == 0 ]] && echo "all checks passed"
exit $((failures > 0))
