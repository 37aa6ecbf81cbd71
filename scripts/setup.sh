#!/usr/bin/env bash
# Set-up on a fresh Debian machine (root; the npm registry and Debian's packages reachable,
# nothing else): the dataset from Debian, the Node dependencies, the TypeScript build, and a
# verified copy of the data in ./data. Optional stacks, each behind its own flag:
#   --bench   Debian's PyTorch for the reference that `npm run bench` compares against, with
#             OpenBLAS (the yardstick) and the reference BLAS (run beside it for comparison)
#   --browser Debian's Chromium, for the tests that open the HTML report in a real browser
#             (playwright-core, a devDependency, drives it; it downloads no browser)
#   --wasm    Debian's clang-16 and lld-16, which rebuild the project's WebAssembly kernels (wasm/);
#             the suite checks the committed modules are what they build to
#   --webgpu  the WebGPU packages at the versions package.json pins, and where Dawn finds no
#             adapter (no GPU driver), Mesa's software Vulkan driver, lavapipe: the
#             distribution's, or where Dawn refuses that one, the one from Debian's backports
#   --all     every optional stack the test suite exercises (what CI installs; not --bench)
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { echo "usage: bash scripts/setup.sh [--bench] [--browser] [--wasm] [--webgpu] [--all]" >&2; exit 2; }

bench=0
browser=0
wasm=0
webgpu=0
for arg in "$@"; do
  case "$arg" in
    --bench) bench=1 ;;
    --browser) browser=1 ;;
    --wasm) wasm=1 ;;
    --webgpu) webgpu=1 ;;
    --all) browser=1; wasm=1; webgpu=1 ;;
    -h|--help) usage ;;
    *) echo "setup.sh: unknown option $arg" >&2; usage ;;
  esac
done

packages=(dataset-fashion-mnist)
if ((bench)); then packages+=(python3-torch libopenblas0-openmp libblas3 time); fi
if ((browser)); then packages+=(chromium); fi
if ((wasm)); then packages+=(clang-16 lld-16); fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
apt_install() { DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@"; }
if ((${#missing[@]})); then
  $SUDO apt-get update -qq
  apt_install "${missing[@]}"
fi

npm ci --no-audit --no-fund   # runs `prepare`, which compiles the TypeScript
node bin/bnlenet.js download  # copies and verifies the data into ./data

# Adds <codename>-backports as an apt source, with the archive address and signing key of the
# machine's own source for <codename>: a deb822 stanza in sources.list.d/*.sources, else a
# one-line entry in sources.list or sources.list.d/*.list.
add_backports() {
  local codename suite entry
  codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
  [[ -n $codename ]] || { echo "setup.sh: no VERSION_CODENAME in /etc/os-release" >&2; exit 1; }
  suite="$codename-backports"
  if grep -q " $suite/main " <<<"$(apt-cache policy)"; then return; fi  # already a source
  # deb822: prints "URI<tab>Signed-By" of the first deb stanza whose Suites include <codename>.
  entry=$(for f in /etc/apt/sources.list.d/*.sources; do if [[ -f $f ]]; then cat "$f"; echo; fi; done | awk -v want="$codename" '
    BEGIN { RS = ""; FS = "\n" }
    {
      types = uris = suites = signed = ""
      for (i = 1; i <= NF; i++) {
        if ($i ~ /^Types:/) types = " " substr($i, 7) " "
        if ($i ~ /^URIs:/) { uris = substr($i, 6); sub(/^[ \t]+/, "", uris) }
        if ($i ~ /^Suites:/) suites = " " substr($i, 8) " "
        if ($i ~ /^Signed-By:/) { signed = substr($i, 11); sub(/^[ \t]+/, "", signed) }
      }
      if (types ~ / deb / && suites ~ (" " want " ")) { print uris "\t" signed; exit }
    }') || true
  if [[ -n $entry ]]; then
    local uri=${entry%%$'\t'*} signed=${entry#*$'\t'}
    {
      printf 'Types: deb\nURIs: %s\nSuites: %s\nComponents: main\n' "$uri" "$suite"
      if [[ -n $signed ]]; then printf 'Signed-By: %s\n' "$signed"; fi
    } | $SUDO tee "/etc/apt/sources.list.d/$suite.sources" >/dev/null
  else
    # One-line: "deb [options] URI <codename> components"; prints "deb [options] URI".
    entry=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | awk -v want="$codename" '
      $1 == "deb" {
        n = 2
        if ($2 ~ /^\[/) { while (n < NF && $n !~ /\]$/) n++; n++ }
        if ($(n + 1) == want) { line = $1; for (i = 2; i <= n; i++) line = line " " $i; print line; exit }
      }') || true
    [[ -n $entry ]] || { echo "setup.sh: no apt source for $codename to derive $suite from; add $suite yourself" >&2; exit 1; }
    echo "$entry $suite main" | $SUDO tee "/etc/apt/sources.list.d/$suite.list" >/dev/null
  fi
  $SUDO apt-get update -qq
}

# Prints Dawn's adapter as one JSON line; fails when Dawn finds none.
webgpu_adapter() { node dist/src/engine/webgpu-adapter.js 2>/dev/null; }

if ((webgpu)); then
  # npm skips packages listed as optional peers unless asked with --save-peer; --no-save
  # leaves package.json and the lockfile alone (so the next `npm ci` removes them again).
  pins=$(node -p 'const p = require("./package.json").peerDependencies; ["@tensorflow/tfjs-backend-webgpu", "webgpu"].map((n) => n + "@" + p[n]).join(" ")')
  # shellcheck disable=SC2086
  npm install --no-save --save-peer --no-audit --no-fund $pins
  if ! webgpu_adapter >/dev/null; then
    echo "setup.sh: Dawn found no WebGPU adapter; installing Mesa's software Vulkan driver (lavapipe)"
    $SUDO apt-get update -qq
    apt_install mesa-vulkan-drivers libvulkan1
    if ! webgpu_adapter >/dev/null; then
      codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
      echo "setup.sh: Dawn refuses this Mesa's lavapipe; installing a newer one from $codename-backports"
      add_backports
      apt_install -t "$codename-backports" mesa-vulkan-drivers
    fi
  fi
  adapter=$(webgpu_adapter) || {
    echo "setup.sh: Dawn still finds no WebGPU adapter; run \`node dist/src/engine/webgpu-adapter.js\` to see why" >&2
    exit 1
  }
  echo "WebGPU adapter: $adapter"
fi
