#!/usr/bin/env bash
# The README's first command, checked as a newcomer would: run
# `scripts/echo.sh --port 7000` (which installs, builds and starts the echo
# sample), wait for "listening", send a line through it, read it back, stop
# it with Ctrl-C (SIGINT). Runs inside the fresh root (.ci/run); only bash
# and coreutils are needed, so the round trip uses bash's /dev/tcp.
set -u
cd "$(dirname "$0")/.."
out=$(mktemp /tmp/echo-quick-start.XXXXXX)
scripts/echo.sh --port 7000 >"$out" 2>&1 &
pid=$!
fail() { echo "echo quick start: $*"; echo "--- its output:"; tail -n 40 "$out"; kill -KILL "$pid" 2>/dev/null; exit 1; }

# Installing and building can take minutes on a fresh machine.
for ((i = 0; i < 1800; i++)); do
  grep -q listening "$out" && break
  kill -0 "$pid" 2>/dev/null || { wait "$pid"; fail "scripts/echo.sh exited with $? before listening"; }
  sleep 1
done
grep -q listening "$out" || fail "no 'listening' after 30 minutes"
echo "echo quick start: $(grep listening "$out") after ${i}s"

exec 3<>/dev/tcp/127.0.0.1/7000 || fail "cannot connect to 127.0.0.1:7000"
printf 'hello, coronet\n' >&3
IFS= read -r -t 10 reply <&3 || fail "no reply within 10 s"
exec 3<&-
[[ $reply == "hello, coronet" ]] || fail "echoed '$reply'"
echo "echo quick start: round trip ok"

kill -INT "$pid"
wait "$pid" || fail "echo exited with $? after Ctrl-C"
grep -q "echo stopped" "$out" || fail "no 'echo stopped' after Ctrl-C"
echo "echo quick start: stopped cleanly"
build-echo/samples/echo --info  # which backend ran in this root, and why
