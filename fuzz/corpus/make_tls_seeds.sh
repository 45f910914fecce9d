#!/usr/bin/env bash
# Remakes the seed ClientHellos in fuzz/corpus/fuzz_tls_record: openssl
# s_client talks to a loopback listener that keeps the client's first flight
# and hangs up. Seeds give the fuzzer a well-formed start, so it mutates
# into the handshake's inner fields instead of spending its time finding
# the record header. Needs openssl and python3.
set -euo pipefail
out=$(cd "$(dirname "$0")" && pwd)/fuzz_tls_record
mkdir -p "$out"
capture() {  # name, s_client options...
  local name=$1
  shift
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  python3 - "$port" "$out/$name" <<'PY' &
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(1)
s.settimeout(10)
c, _ = s.accept()
c.settimeout(2)
data = b""
try:
    while len(data) < 5 or len(data) < 5 + int.from_bytes(data[3:5], "big"):
        chunk = c.recv(4096)
        if not chunk:
            break
        data += chunk
except socket.timeout:
    pass
open(sys.argv[2], "wb").write(data)
PY
  local listener=$!
  sleep 0.3
  timeout 5 openssl s_client -connect "127.0.0.1:$port" "$@" </dev/null >/dev/null 2>&1 || true
  wait "$listener"
}
capture tls13_sni_alpn -servername localhost -alpn h2,http/1.1
capture tls13_plain -noservername
capture tls12_only -tls1_2 -servername localhost
capture tls13_p256 -groups P-256 -servername example.test
capture tls13_aes128 -ciphersuites TLS_AES_128_GCM_SHA256 -servername localhost
ls -l "$out"
