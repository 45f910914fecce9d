#!/usr/bin/env bash
# Installs the build into a scratch root and builds a program against it
# with pkg-config alone, as a user outside the tree would.
set -euo pipefail
build=$1
source_root=$2
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
meson install -C "$build" --destdir "$root" --no-rebuild --quiet >/dev/null
pc=$(find "$root" -name coronet.pc | head -1)
[[ -n $pc ]] || { echo "no coronet.pc installed"; exit 1; }
export PKG_CONFIG_PATH=$(dirname "$pc") PKG_CONFIG_SYSROOT_DIR=$root
flags=$(pkg-config --cflags --libs coronet)
echo "pkg-config --cflags --libs coronet: $flags"
${CXX:-c++} -std=c++20 -Wall -Wextra -Werror "$source_root/test/install/consumer.cpp" $flags -o "$root/consumer"
lib=$(dirname "$(find "$root" -name 'libcoronet.so*' | head -1)")
LD_LIBRARY_PATH=$lib "$root/consumer"
