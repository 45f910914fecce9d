#!/usr/bin/env bash
# echo_samples_test.sh PROGRAM: the echo sample (core or node:net) over TCP,
# a Unix path and --threads 2; each run must echo 200 KB intact and stop with
# status 0 within a second of SIGTERM.
set -u
PROGRAM=$1
command -v python3 >/dev/null || { echo "SKIP: python3 is missing"; exit 77; }
dir=$(mktemp -d /tmp/coronet-echo-test.XXXXXX)
trap 'kill -KILL $(jobs -p) 2>/dev/null; rm -rf "$dir"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

cat >"$dir/client.py" <<'PY'
import socket, sys
addr = sys.argv[1]
if addr.startswith("/"):
    s = socket.socket(socket.AF_UNIX); s.connect(addr)
else:
    host, port = addr.rsplit(":", 1); s = socket.create_connection((host, int(port)))
s.settimeout(5)
data = bytes(i % 251 for i in range(200_000))
s.sendall(data)
s.shutdown(socket.SHUT_WR)
got = b""
while True:
    chunk = s.recv(65536)
    if not chunk: break
    got += chunk
sys.exit(0 if got == data else 1)
PY

# run NAME ARGS...: start, wait for "listening on ADDR", echo through it, stop.
run() {
  local name=$1; shift
  "$PROGRAM" "$@" >"$dir/$name.out" 2>&1 &
  local pid=$! addr=""
  for _ in $(seq 100); do
    addr=$(sed -n 's/.* listening on \([^ ,]*\).*/\1/p' "$dir/$name.out")
    [[ -n $addr ]] && break
    sleep 0.05
  done
  [[ -n $addr ]] || { fail "$name did not start: $(cat "$dir/$name.out")"; return; }
  for _ in 1 2 3; do timeout 10 python3 "$dir/client.py" "$addr" || fail "$name: echo through $addr"; done
  kill -TERM "$pid"
  for _ in $(seq 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
  if kill -0 "$pid" 2>/dev/null; then fail "$name still running 1 s after SIGTERM"; return; fi
  wait "$pid" || fail "$name exited with $? after SIGTERM"
}

free_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
run tcp --port 0
run unix --path "$dir/echo.sock"
run threads --port "$free_port" --threads 2
[[ -e $dir/echo.sock ]] && fail "the Unix socket file was left behind"
"$PROGRAM" --path "$dir/x.sock" --threads 2 >/dev/null 2>&1 && fail "--threads 2 with a Unix path was accepted"

[[ $failures == 0 ]] && echo "all checks passed"
exit $((failures > 0))
