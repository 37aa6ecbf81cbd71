#!/usr/bin/env bash
# Set-up on a fresh Debian machine (root; the npm registry and Debian's packages reachable,
# nothing else): the dataset from Debian, the Node dependencies, the TypeScript build, and a
# verified copy of the data in ./data. Optional stacks, each behind its own flag:
#   --bench   Debian's PyTorch for the reference that `npm run bench` compares against, with
#             OpenBLAS (the yardstick) and the reference BLAS (run beside it for comparison)
#   --browser Debian's Chromium, for the tests that open the HTML report in a real browser
#             (playwright-core, a devDependency, drives it; it downloads no browser)
#   --wasm    Debian's clang and lld, which rebuild the project's WebAssembly kernels (wasm/);
#             the suite checks the committed modules are what they build to
#   --all     every optional stack the test suite exercises (what CI installs; not --bench)
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { echo "usage: bash scripts/setup.sh [--bench] [--browser] [--wasm] [--all]" >&2; exit 2; }

bench=0
browser=0
wasm=0
for arg in "$@"; do
  case "$arg" in
    --bench) bench=1 ;;
    --browser) browser=1 ;;
    --wasm) wasm=1 ;;
    --all) browser=1; wasm=1 ;;
    -h|--help) usage ;;
    *) echo "setup.sh: unknown option $arg" >&2; usage ;;
  esac
done

packages=(dataset-fashion-mnist)
if ((bench)); then packages+=(python3-torch libopenblas0-openmp libblas3 time); fi
if ((browser)); then packages+=(chromium); fi
if ((wasm)); then packages+=(clang-14 lld-14); fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
if ((${#missing[@]})); then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi

npm ci --no-audit --no-fund   # runs `prepare`, which compiles the TypeScript
node bin/bnlenet.js download  # copies and verifies the data into ./data
