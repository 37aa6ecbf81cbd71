#!/usr/bin/env bash
# Installs Node.js MAJOR from the npm registry (the `node` package, which carries the Node
# binary for this platform: no other download) into .node/MAJOR/ at the repository root
# (git-ignored), unless a Node of that major version is already there; prints its bin folder.
#   bash scripts/install-node.sh 24     ->  .node/24/node_modules/node/bin
# CI uses it to run the suite on one supported Node and a smoke subset on the other
# (scripts/ci-node-smoke.sh); `PATH="$(bash scripts/install-node.sh 24):$PATH" npm test` does
# the same by hand.
set -euo pipefail
cd "$(dirname "$0")/.."
major="${1:-}"
[[ $major =~ ^[0-9]+$ ]] || { echo "usage: bash scripts/install-node.sh MAJOR (e.g. 24)" >&2; exit 2; }
prefix=".node/$major"
bin="$PWD/$prefix/node_modules/node/bin"
if [[ -x $bin/node ]] && [[ $("$bin/node" --version) == "v$major."* ]]; then
  echo "$bin"
  exit 0
fi
rm -rf "$prefix"
mkdir -p "$prefix"
# --prefix keeps the install (and its own package.json) inside .node/MAJOR; the project's
# node_modules and lockfile are not touched.
npm install --prefix "$prefix" --no-audit --no-fund --loglevel=error "node@$major" >&2
[[ $("$bin/node" --version) == "v$major."* ]] || { echo "install-node.sh: node@$major did not install a Node $major binary in $bin" >&2; exit 1; }
echo "$bin"
