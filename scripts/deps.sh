#!/usr/bin/env bash
# Installs what coronet needs to build and test, from Debian's packages.
# Does nothing for packages already present. Usage: scripts/deps.sh [--test]
set -euo pipefail

packages=(meson ninja-build pkg-config g++ liburing-dev libboost1.81-dev doctest-dev)
if [[ "${1:-}" == "--test" ]]; then
  # clang builds the sanitizer and fuzzing runs; node checks us against Node.
  packages+=(clang-14 libclang-rt-14-dev libfuzzer-14-dev nodejs python3)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

sudo=()
[[ $(id -u) -ne 0 ]] && sudo=(sudo)
echo "installing: ${missing[*]}"
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
