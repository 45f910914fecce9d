#!/usr/bin/env bash
# subproject_test.sh SOURCE: builds a meson project that has this tree as
# subprojects/coronet (a symbolic link, as a git submodule or a copy would
# be) and runs its program: one round trip over loopback. Only the library
# is built in the subproject, not our samples or tests.
set -euo pipefail
source_root=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cp "$source_root/test/install/subproject/meson.build" "$source_root/test/install/consumer.cpp" "$dir/"
mkdir "$dir/subprojects"
ln -s "$source_root" "$dir/subprojects/coronet"
# forcefallback: use the subproject even where a coronet is installed.
meson setup "$dir/build" "$dir" --wrap-mode=forcefallback >"$dir/setup.log" 2>&1 ||
  { tail -30 "$dir/setup.log"; exit 1; }
grep -E "Run-time dependency coronet|Dependency coronet" "$dir/setup.log" || true
ninja -C "$dir/build" -j "${SUBPROJECT_JOBS:-2}" >"$dir/build.log" 2>&1 || { tail -30 "$dir/build.log"; exit 1; }
"$dir/build/consumer"
