#!/usr/bin/env bash
# Installs the Debian 12 packages coronet needs, skipping those present.
#   scripts/deps.sh          what building and running the samples needs
#   scripts/deps.sh --test   that, plus what the test suite needs
# Runs apt-get through sudo when not root. On failure, shows apt's error.
set -euo pipefail

# g++, meson and the two backends' headers: liburing for io_uring, Boost for
# the Asio fallback (headers only, nothing to link). dpkg-dev (part of
# build-essential) tells meson Debian's multiarch libdir: without it a
# minimal Debian installs into lib64, which Debian's ld.so, pkg-config and
# CMake do not search. libssl-dev is coronet::tls (OpenSSL 3); the openssl
# program makes the TLS tests' certificates and is what s_client/s_server
# interop is tested against.
packages=(meson ninja-build pkg-config g++ dpkg-dev liburing-dev libboost1.81-dev libssl-dev openssl)
if [[ "${1:-}" == "--test" ]]; then
  packages+=(
    doctest-dev                                      # the test framework
    cmake                                            # the find_package(coronet) test
    python3                                          # sample test clients, compile-fail checks
    clang-14 libclang-rt-14-dev libfuzzer-14-dev     # sanitizer build and fuzzers
    clang-format-14                                  # the layout check (scripts/format.sh --check)
    npm libatomic1 ca-certificates                   # Node 26 from npm (scripts/node26.sh)
  )
fi

missing=()
for p in "${packages[@]}"; do
  # Node.js from NodeSource (or nvm) brings its own npm and conflicts with
  # Debian's npm package: any working npm will do.
  [[ $p == npm ]] && command -v npm >/dev/null && continue
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

sudo=()
[[ $(id -u) -ne 0 ]] && sudo=(sudo)
echo "deps: installing ${missing[*]}"
log=$(mktemp /tmp/coronet-deps.XXXXXX.log)
apt_get() {  # apt-get ARGS, its output kept in $log for when it fails
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get "$@" >>"$log" 2>&1 && return
  echo "deps: apt-get $1 failed; the end of its output ($log):" >&2
  tail -n 20 "$log" >&2
  exit 1
}
apt_get update -q
apt_get install -y -q --no-install-recommends "${missing[@]}"
rm -f "$log"
