#!/bin/sh
# The test runner refuses a CORONET_BACKEND that names no backend: exit 2 and
# a message naming the value, before any test runs on some other backend.
# (meson's should_fail would pass any non-zero status, a crash included.)
# Usage: unknown_backend_test.sh TEST_PROGRAM
prog=$1
out=$(CORONET_BACKEND=bogus "$prog" 2>&1)
status=$?
if [ "$status" -ne 2 ]; then
  echo "CORONET_BACKEND=bogus: exit status $status, wanted 2; it printed: $out"
  exit 1
fi
case $out in
  *"'bogus'"*) ;;
  *) echo "CORONET_BACKEND=bogus: exit 2, but the message does not name the value: $out"; exit 1 ;;
esac
# Unset, the same program runs and passes.
(unset CORONET_BACKEND; "$prog" >/dev/null 2>&1) || { echo "without CORONET_BACKEND it failed"; exit 1; }
echo "ok: exit 2 and: $out"
