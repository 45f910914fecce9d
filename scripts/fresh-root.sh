#!/usr/bin/env bash
# Runs commands the way a newcomer would: in a fresh Debian 12 root
# (debootstrap --variant=minbase, plus git and ca-certificates) that holds
# only a clean clone of this repository, as root, with a clean environment.
#
#   scripts/fresh-root.sh [--commit REV] [--keep-going] 'CMD' ['CMD' ...]
#
# Each CMD runs with bash in /project inside the root; the first to fail
# stops the run (--keep-going: runs the rest) and its exit code is ours. REV defaults to HEAD (commit your
# work first: the clone sees only commits). Needs root (chroot, mount).
#
# The minbase root is made once and kept in $FRESH_ROOT_CACHE (default
# /var/cache/coronet-fresh-root); every run works on a throw-away copy of it.
# Downloaded .debs and npm tarballs are kept there too, so a second run
# installs the same packages without fetching them again: the root itself
# stays minbase + git + ca-certificates. FRESH_ROOT_KEEP=1 keeps the copy.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
commit=HEAD
keep_going=
while [[ ${1:-} == --* ]]; do
  case $1 in
  --commit) commit=$2; shift 2 ;;
  --keep-going) keep_going=1; shift ;;
  *) echo "fresh-root: unknown option $1" >&2; exit 2 ;;
  esac
done
[[ $# -gt 0 ]] || { echo "usage: scripts/fresh-root.sh [--commit REV] 'CMD' ..." >&2; exit 2; }
[[ $(id -u) -eq 0 ]] || { echo "fresh-root: needs root (chroot and mount)" >&2; exit 2; }
commit=$(git -C "$repo" rev-parse --verify "$commit^{commit}")

cache=${FRESH_ROOT_CACHE:-/var/cache/coronet-fresh-root}
base=$cache/bookworm
mkdir -p "$cache/apt-archives/partial" "$cache/npm"

# The host's Debian mirror, so the root is made from (and installs from)
# the same place the host does.
host_mirror() {
  local uri
  uri=$(grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' | grep -v security | head -1)
  [[ -n $uri ]] || uri=$(grep -hs '^deb ' /etc/apt/sources.list | awk '{print $2}' | grep -v security | head -1)
  echo "${uri:-http://deb.debian.org/debian}"
}

make_base() {
  command -v debootstrap >/dev/null || {
    echo "fresh-root: installing debootstrap"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
  }
  local mirror log=$cache/debootstrap.log
  mirror=$(host_mirror)
  echo "fresh-root: debootstrap --variant=minbase bookworm from $mirror (once; log in $log)"
  rm -rf "$base.new"
  debootstrap --variant=minbase --include=git,ca-certificates bookworm "$base.new" "$mirror" >"$log" 2>&1 ||
    { tail -20 "$log"; echo "fresh-root: debootstrap failed, see $log" >&2; return 1; }
  # Security and point-release updates too, as on an installed Debian 12.
  local sec
  sec=$(grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' | grep security | head -1)
  {
    echo "deb $mirror bookworm main"
    echo "deb $mirror bookworm-updates main"
    echo "deb ${sec:-http://security.debian.org/debian-security} bookworm-security main"
  } >"$base.new/etc/apt/sources.list"
  rm -f "$base.new"/var/cache/apt/archives/*.deb
  mv "$base.new" "$base"
}
[[ -d $base ]] || make_base

root=$(mktemp -d /var/tmp/coronet-fresh-XXXXXX)
mounted=()
cleanup() {
  local i
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do umount -R -l "${mounted[i]}" 2>/dev/null || true; done
  if [[ -z ${FRESH_ROOT_KEEP:-} ]]; then rm -rf --one-file-system "$root"; else echo "fresh-root: kept $root"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

cp -a "$base/." "$root/"
cp /etc/resolv.conf "$root/etc/resolv.conf"
# debootstrap writes no /etc/hosts; every installed Debian (the installer,
# a container runtime) has one, and the tests resolve "localhost" through it.
printf '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' >"$root/etc/hosts"
# This machine's CA bundle: npm (HTTPS) must trust what the host trusts.
cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/host-ca.crt"
git clone -q --no-hardlinks "$repo" "$root/project"
git -C "$root/project" -c advice.detachedHead=false checkout -q "$commit"

bind() {  # mount-args... target
  mount "$@"
  mounted+=("${!#}")
}
bind -t proc proc "$root/proc"
bind -t sysfs -o ro sysfs "$root/sys"
bind --rbind /dev "$root/dev"
mount --make-rslave "$root/dev"
bind -t tmpfs -o mode=1777 tmpfs "$root/tmp"
mkdir -p "$root/root/.npm"
bind --bind "$cache/apt-archives" "$root/var/cache/apt/archives"
bind --bind "$cache/npm" "$root/root/.npm"

echo "fresh-root: Debian 12 minbase at $root, /project at ${commit:0:12}"
status=0
for cmd in "$@"; do
  echo "### $cmd"
  rc=0
  chroot "$root" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    npm_config_cafile=/etc/ssl/certs/host-ca.crt \
    bash -c "cd /project && $cmd" </dev/null || rc=$?
  [[ $rc -eq 0 ]] && continue
  echo "### exit $rc: $cmd"
  [[ $status -ne 0 ]] || status=$rc
  [[ -n $keep_going ]] || break
done
exit "$status"
