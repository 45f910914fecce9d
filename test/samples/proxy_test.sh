#!/usr/bin/env bash
# proxy_test.sh PROXY ECHO: the proxy sample in front of the echo sample, on
# loopback TCP and Unix sockets. Checks the echo through the proxy, half-close
# pass-through, an upstream that is down or silent (connect timeout), the idle
# timeout, --threads, and that SIGTERM stops the proxy with status 0 within a
# second.
# Every program listens on port 0 and we read the port it printed.
set -u
PROXY=$1 ECHO=$2
command -v python3 >/dev/null || { echo "SKIP: python3 is missing"; exit 77; }
dir=$(mktemp -d /tmp/coronet-proxy-test.XXXXXX)
pids=()
failures=0
cleanup() {
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$dir"
}
trap cleanup EXIT

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# start NAME CMD...: runs CMD in the background, waits for its "listening on"
# line and sets $addr to the address it printed and $pid to its pid.
start() {
  local name=$1; shift
  : >"$dir/$name.out"  # exists before the background job opens it
  "$@" >>"$dir/$name.out" 2>&1 &
  pid=$!
  pids+=("$pid")
  for _ in $(seq 100); do
    addr=$(sed -n 's/.* listening on \([^ ,]*\).*/\1/p' "$dir/$name.out")
    [[ -n $addr ]] && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  echo "FAIL: $name did not start:"; cat "$dir/$name.out"; exit 1
}

# stop PID NAME: SIGTERM, then it must exit with 0 within a second.
stop() {
  kill -TERM "$1"
  for _ in $(seq 20); do kill -0 "$1" 2>/dev/null || break; sleep 0.05; done
  if kill -0 "$1" 2>/dev/null; then fail "$2 still running 1 s after SIGTERM"; return; fi
  wait "$1"; local rc=$?
  [[ $rc == 0 ]] || fail "$2 exited with $rc after SIGTERM"
}

# client ADDRESS CHECK: a small Python client; ADDRESS is host:port or a path.
cat >"$dir/client.py" <<'EOF'
import os, socket, sys, time
addr, check = sys.argv[1], sys.argv[2]
def connect():
    if addr.startswith("/"):
        s = socket.socket(socket.AF_UNIX); s.connect(addr)
    else:
        host, port = addr.rsplit(":", 1); s = socket.create_connection((host, int(port)))
    s.settimeout(5)
    return s
def read_to_eof(s):
    out = bytearray()
    while chunk := s.recv(65536): out += chunk
    return bytes(out)
if check == "echo":            # round trips of several sizes on one connection
    s = connect()
    for n in (1, 100, 65536, 300000):
        data = os.urandom(n); s.sendall(data); got = bytearray()
        while len(got) < n:
            chunk = s.recv(65536)
            if not chunk: sys.exit(f"EOF after {len(got)} of {n} bytes")
            got += chunk
        if got != data: sys.exit(f"echo of {n} bytes differs")
elif check == "half-close":    # shut our write side: the rest still comes back, then EOF
    s = connect(); data = os.urandom(200000); s.sendall(data); s.shutdown(socket.SHUT_WR)
    got = read_to_eof(s)
    if got != data: sys.exit(f"got {len(got)} of {len(data)} bytes before EOF")
elif check == "closed":        # the proxy closes us (upstream down, idle timeout)
    s = connect(); t0 = time.monotonic()
    try:
        if s.recv(1) != b"": sys.exit("expected EOF, got data")
    except ConnectionResetError: pass
    print(f"closed after {time.monotonic() - t0:.2f}s")
elif check == "hold":          # an open connection the proxy must cancel on SIGTERM
    s = connect(); s.sendall(b"x"); s.recv(1); print("holding", flush=True); time.sleep(3)
EOF
client() { timeout 10 python3 "$dir/client.py" "$@" || fail "client $*"; }

start echo "$ECHO" --port 0; echo_tcp=$addr echo_pid=$pid
start echo_unix "$ECHO" --path "$dir/echo.sock"; echo_unix_pid=$pid

# TCP -> TCP: echo, half-close, then SIGTERM with a connection still open.
start proxy "$PROXY" --listen 127.0.0.1:0 --to "$echo_tcp"; p=$addr proxy_pid=$pid
client "$p" echo
client "$p" half-close
: >"$dir/hold.out"
python3 "$dir/client.py" "$p" hold >>"$dir/hold.out" &
for _ in $(seq 40); do grep -q holding "$dir/hold.out" && break; sleep 0.05; done
stop "$proxy_pid" "proxy (TCP, one open connection)"

# Upstream down: the client is closed, the proxy keeps serving.
dead=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
start proxy_dead "$PROXY" --listen 0 --to "127.0.0.1:$dead"; p=$addr proxy_pid=$pid
client "$p" closed
client "$p" closed
kill -0 "$proxy_pid" 2>/dev/null || fail "proxy died when the upstream was down"
grep -q ECONNREFUSED "$dir/proxy_dead.out" || fail "proxy did not report ECONNREFUSED"
stop "$proxy_pid" "proxy (upstream down)"

# An upstream that never answers (its accept queue is full, so SYNs are
# dropped): the connect timeout closes the client.
python3 - >"$dir/blackhole.out" <<'PY' &
import socket, sys, time
l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen(0); port = l.getsockname()[1]
fill = [socket.socket() for _ in range(3)]
for c in fill:
    c.setblocking(False); c.connect_ex(("127.0.0.1", port))
time.sleep(0.2); print(port, flush=True); time.sleep(20)
PY
blackhole_pid=$!
pids+=("$blackhole_pid")
for _ in $(seq 40); do [[ -s $dir/blackhole.out ]] && break; sleep 0.05; done
start proxy_bh "$PROXY" --listen 0 --to "127.0.0.1:$(cat "$dir/blackhole.out")" --connect-timeout 200; p=$addr proxy_pid=$pid
out=$(timeout 10 python3 "$dir/client.py" "$p" closed) || fail "client of a silent upstream was not closed"
[[ $out =~ closed\ after\ 0\.[1-5] ]] || fail "connect timeout fired at the wrong time: $out"
grep -q ETIMEDOUT "$dir/proxy_bh.out" || fail "proxy did not report ETIMEDOUT: $(cat "$dir/proxy_bh.out")"
stop "$proxy_pid" "proxy (connect timeout)"
kill "$blackhole_pid"; wait "$blackhole_pid" 2>/dev/null

# Unix listen, Unix upstream.
start proxy_unix "$PROXY" --listen "unix:$dir/proxy.sock" --to "unix:$dir/echo.sock"; proxy_pid=$pid
client "$dir/proxy.sock" echo
client "$dir/proxy.sock" half-close
stop "$proxy_pid" "proxy (Unix)"
[[ -e $dir/proxy.sock ]] && fail "proxy left its Unix socket path behind"

# Unix listen, TCP upstream, with an idle timeout.
start proxy_idle "$PROXY" --listen "unix:$dir/idle.sock" --to "$echo_tcp" --idle-timeout 200; proxy_pid=$pid
client "$dir/idle.sock" echo
out=$(timeout 10 python3 "$dir/client.py" "$dir/idle.sock" closed) || fail "idle connection was not closed"
[[ $out =~ closed\ after\ 0\.[1-9] ]] || fail "idle timeout fired at the wrong time: $out"
stop "$proxy_pid" "proxy (idle timeout)"

# Several threads share the port; a Unix path with threads is refused.
start proxy_mt "$PROXY" --listen 0 --to "$echo_tcp" --threads 3; p=$addr proxy_pid=$pid
for _ in 1 2 3 4 5 6; do client "$p" echo; done
stop "$proxy_pid" "proxy (3 threads)"
if "$PROXY" --listen "unix:$dir/mt.sock" --to "$echo_tcp" --threads 2 2>"$dir/mt.err"; then
  fail "Unix listen with --threads 2 was accepted"
fi
grep -q "threads" "$dir/mt.err" || fail "no clear message for Unix listen with --threads: $(cat "$dir/mt.err")"

stop "$echo_pid" echo
stop "$echo_unix_pid" "echo (Unix)"
if ((failures)); then echo "$failures failure(s)"; exit 1; fi
echo "proxy sample: all checks passed"
