#!/usr/bin/env bash
# Set-up on a fresh Debian machine (root; the npm registry and Debian's packages reachable,
# nothing else): the dataset from Debian, the Node dependencies, the TypeScript build, and a
# verified copy of the data in ./data. With --bench, also Debian's PyTorch for the reference
# that `npm run bench` compares against.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(dataset-fashion-mnist)
if [[ "${1:-}" == "--bench" ]]; then packages+=(python3-torch); fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi

npm ci --no-audit --no-fund   # runs `prepare`, which compiles the TypeScript
node bin/bnlenet.js download  # copies and verifies the data into ./data
