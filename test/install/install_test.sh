#!/usr/bin/env bash
# install_test.sh BUILD SOURCE pkg-config|cmake
# Installs the build into a scratch root and builds a program outside the
# tree against it, as a user would: with `pkg-config --cflags --libs
# coronet`, or with CMake's find_package(coronet) and coronet::coronet.
# Then runs it: one round trip over loopback.
set -euo pipefail
build=$1
source_root=$2
how=$3
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
meson install -C "$build" --destdir "$root" --no-rebuild --quiet >/dev/null
lib=$(dirname "$(find "$root" -name 'libcoronet.so*' | head -1)")
consumer=$source_root/test/install/consumer.cpp

case $how in
pkg-config)
  pc=$(find "$root" -name coronet.pc | head -1)
  [[ -n $pc ]] || { echo "no coronet.pc installed"; exit 1; }
  export PKG_CONFIG_PATH=$(dirname "$pc") PKG_CONFIG_SYSROOT_DIR=$root
  flags=$(pkg-config --cflags --libs coronet)
  echo "pkg-config --cflags --libs coronet: $flags"
  ${CXX:-c++} -std=c++20 -Wall -Wextra -Werror "$consumer" $flags -o "$root/consumer"
  ;;
cmake)
  command -v cmake >/dev/null || { echo "SKIP: cmake is missing (scripts/deps.sh --test installs it)"; exit 77; }
  config=$(find "$root" -name coronetConfig.cmake | head -1)
  [[ -n $config ]] || { echo "no coronetConfig.cmake installed"; exit 1; }
  find "$root" -name 'coronetConfig*.cmake' -printf 'installed %P\n'
  # Given only the prefix, as a user would; the config finds the library
  # from its own place, so it works in this scratch root too.
  cmake -S "$source_root/test/install/cmake" -B "$root/cmake-build" -G Ninja \
    -DCMAKE_PREFIX_PATH="$(sed -E 's#/lib[^/]*/.*##' <<<"$config")" \
    -DCONSUMER_SOURCE="$consumer" -DCMAKE_BUILD_TYPE=Release >"$root/cmake.log" 2>&1 ||
    { tail -30 "$root/cmake.log"; exit 1; }
  ninja -C "$root/cmake-build" >>"$root/cmake.log" 2>&1 || { tail -30 "$root/cmake.log"; exit 1; }
  cp "$root/cmake-build/consumer" "$root/consumer"
  ;;
*) echo "usage: install_test.sh BUILD SOURCE pkg-config|cmake"; exit 2 ;;
esac
LD_LIBRARY_PATH=$lib "$root/consumer"
