#!/usr/bin/env bash
# tls_echo_test.sh PROGRAM CERTS: samples/tls_echo echoes 200 KB intact to a
# Python TLS client that verifies it with the test CA, refuses a plaintext
# client with tlsClientError and serves on, and stops with status 0 within a
# second of SIGTERM.
set -u
PROGRAM=$1 CERTS=$2
command -v python3 >/dev/null || { echo "SKIP: python3 is missing"; exit 77; }
dir=$(mktemp -d /tmp/coronet-tls-echo-test.XXXXXX)
trap 'kill -KILL $(jobs -p) 2>/dev/null; rm -rf "$dir"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

cat >"$dir/client.py" <<'PY'
import socket, ssl, sys
host, port = sys.argv[1].rsplit(":", 1)
if sys.argv[3] == "plain":
    s = socket.create_connection((host, int(port)), timeout=5)
    s.sendall(b"GET / HTTP/1.1\r\n\r\n")
    try:
        while s.recv(4096): pass
    except ConnectionResetError:
        pass
    sys.exit(0)
ctx = ssl.create_default_context(cafile=sys.argv[2])
s = ctx.wrap_socket(socket.create_connection((host, int(port)), timeout=5), server_hostname="localhost")
data = bytes(i % 251 for i in range(200_000))
s.sendall(data)
got = b""
while len(got) < len(data):
    chunk = s.recv(65536)
    if not chunk: break
    got += chunk
sys.exit(0 if got == data else 1)
PY

"$PROGRAM" --key "$CERTS/server.key" --cert "$CERTS/server.crt" --port 0 >"$dir/out" 2>"$dir/err" &
pid=$! addr=""
for _ in $(seq 100); do
  addr=$(sed -n 's/.* listening on \([^ ,]*\).*/\1/p' "$dir/out")
  [[ -n $addr ]] && break
  sleep 0.05
done
[[ -n $addr ]] || { echo "FAIL: tls_echo did not start: $(cat "$dir/out" "$dir/err")"; exit 1; }
timeout 10 python3 "$dir/client.py" "$addr" "$CERTS/ca.crt" tls || fail "echo through $addr"
timeout 10 python3 "$dir/client.py" "$addr" "$CERTS/ca.crt" plain || fail "plaintext client"
timeout 10 python3 "$dir/client.py" "$addr" "$CERTS/ca.crt" tls || fail "echo after a plaintext client"
grep -q "ERR_SSL_HTTP_REQUEST" "$dir/err" || fail "no tlsClientError for the plaintext client: $(cat "$dir/err")"
kill -TERM "$pid"
for _ in $(seq 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
if kill -0 "$pid" 2>/dev/null; then fail "tls_echo still running 1 s after SIGTERM"; else
  wait "$pid" || fail "tls_echo exited with $? after SIGTERM"
fi
[[ $failures -eq 0 ]] && echo "PASS" || exit 1
