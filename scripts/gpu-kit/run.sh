#!/usr/bin/env bash
# bnlenet's GPU kit (built by `npm run gpu-kit`): measures training on WebGPU on this machine
# and writes gpu-report.json into $OUT when set, else the current dir.
#
#   bash .gpu-kit/run.sh [--allow-software] [--quick]
#
# Needs x86_64 Linux with a GPU driver, bash, tar, and xz (or python3, whose lzma module
# stands in for it); no Node.js, no network. It unpacks the kit into a temp dir, puts the
# kit's Vulkan loader on the library path (and, where no Vulkan driver is registered, the
# NVIDIA driver's nvidia_icd.json in VK_DRIVER_FILES), then runs the measurement
# (dist/scripts/gpu-kit/measure.js in the kit), which says what it does as it goes.
#   --allow-software  measure a software adapter (Mesa's lavapipe) too, instead of refusing it
#   --quick           small sizes: a few minutes on lavapipe
set -euo pipefail
KIT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
say() { printf 'gpu-kit: %s\n' "$*" >&2; }
fail() { say "$*"; exit 1; }

flags=()
for arg in "$@"; do
  case "$arg" in
    --allow-software | --quick) flags+=("$arg") ;;
    -h | --help) sed -n '2,13s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) say "unknown option $arg (run.sh takes --allow-software and --quick)"; exit 2 ;;
  esac
done
[ "$(uname -sm)" = "Linux x86_64" ] || fail "the kit holds Node.js and Dawn for Linux x86_64; this is $(uname -sm)"
out_dir="${OUT:-$PWD}"
[ -d "$out_dir" ] && [ -w "$out_dir" ] || fail "cannot write the report into $out_dir (set OUT to a writable dir)"

TMP="$(mktemp -d "${TMPDIR:-/tmp}/bnlenet-gpu-kit.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT

# xz, else python3's lzma module.
unxz_to_stdout() {
  if command -v xz >/dev/null; then
    xz -dc "$1"
  elif command -v python3 >/dev/null; then
    python3 -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), sys.stdout.buffer)' "$1"
  else
    fail "neither xz nor python3 is here to unpack $1"
  fi
}

# A .deb's files: dpkg -x, else ar and tar, else python3 (a .deb is an ar archive holding data.tar.*).
unpack_deb() {
  local deb="$1" dest="$2"
  if command -v dpkg >/dev/null; then
    dpkg -x "$deb" "$dest"
  elif command -v ar >/dev/null; then
    local parts="$TMP/deb-parts"
    mkdir -p "$parts" && (cd "$parts" && ar x "$deb") && tar -xf "$parts"/data.tar.* -C "$dest" && rm -rf "$parts"
  elif command -v python3 >/dev/null; then
    python3 - "$deb" "$dest" <<'PY'
import io, sys, tarfile
deb, dest = sys.argv[1], sys.argv[2]
raw = open(deb, "rb").read()
assert raw[:8] == b"!<arch>\n", f"{deb} is not an ar archive"
pos = 8
while pos < len(raw):
    name, size = raw[pos:pos + 16].decode().strip().rstrip("/"), int(raw[pos + 48:pos + 58])
    if name.startswith("data.tar"):
        tarfile.open(fileobj=io.BytesIO(raw[pos + 60:pos + 60 + size])).extractall(dest)
    pos += 60 + size + (size % 2)
PY
  else
    fail "neither dpkg, ar nor python3 is here to unpack $deb"
  fi
}

say "unpacking the kit into $TMP"
unxz_to_stdout "$KIT/node.xz" >"$TMP/node"
chmod +x "$TMP/node"
mkdir -p "$TMP/app" "$TMP/bin" "$TMP/vulkan"
ln -s "$TMP/node" "$TMP/bin/node"
unxz_to_stdout "$KIT/app.tar.xz" | tar -xf - -C "$TMP/app"
unxz_to_stdout "$KIT/dawn.tar.xz" | tar -xf - -C "$TMP/app"
data_args=()
if [ -f "$KIT/data.tar.xz" ]; then
  mkdir -p "$TMP/data"
  unxz_to_stdout "$KIT/data.tar.xz" | tar -xf - -C "$TMP/data"
  data_args=(--data-dir "$TMP/data")
else
  reason="$("$TMP/node" -p 'require(process.argv[1]).dataReason || "the kit holds no data"' "$KIT/kit.json" 2>/dev/null || echo 'the kit holds no data')"
  data_args=(--no-data "$reason")
fi

# The Vulkan loader: the kit's own, first on the library path (the machine's, if any, after it).
for deb in "$KIT"/debs/*.deb; do unpack_deb "$deb" "$TMP/vulkan"; done
loader_dir="$(dirname "$(find "$TMP/vulkan" -name 'libvulkan.so.1' | head -n 1)")"
[ -n "$loader_dir" ] && [ "$loader_dir" != . ] || fail "the kit's libvulkan1 holds no libvulkan.so.1"
export LD_LIBRARY_PATH="$loader_dir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

# A driver the loader finds by itself: a manifest in the dirs it searches. Else the NVIDIA
# driver's, wherever its install tree put it (a container's driver often sits in /usr/local/nvidia).
icd_dirs=(/etc/vulkan/icd.d /usr/local/share/vulkan/icd.d /usr/share/vulkan/icd.d)
has_icd() { for d in "${icd_dirs[@]}"; do compgen -G "$d/*.json" >/dev/null && return 0; done; return 1; }
if [ -z "${VK_DRIVER_FILES:-}${VK_ICD_FILENAMES:-}" ] && ! has_icd; then
  nvidia_icd=""
  for d in /usr/local/nvidia/share/vulkan/icd.d /usr/local/nvidia/etc/vulkan/icd.d /usr/lib/x86_64-linux-gnu/nvidia/current /opt/nvidia/share/vulkan/icd.d; do
    [ -f "$d/nvidia_icd.json" ] && { nvidia_icd="$d/nvidia_icd.json"; break; }
  done
  if [ -z "$nvidia_icd" ]; then
    nvidia_icd="$(find /usr /opt /etc -maxdepth 7 -name nvidia_icd.json -path '*vulkan/icd.d*' 2>/dev/null | head -n 1 || true)"
  fi
  if [ -n "$nvidia_icd" ]; then
    say "no Vulkan driver is registered; using the NVIDIA driver's $nvidia_icd"
    export VK_DRIVER_FILES="$nvidia_icd"
    # The manifest names its library by file name: the driver's own lib dir must be searched.
    for d in /usr/local/nvidia/lib64 /usr/local/nvidia/lib; do [ -d "$d" ] && LD_LIBRARY_PATH="$LD_LIBRARY_PATH:$d"; done
  else
    say "no Vulkan driver is registered and no nvidia_icd.json was found; Dawn will say what it sees"
  fi
fi

reference_args=()
[ -f "$KIT/d2l_lenet_bn.py" ] && reference_args=(--reference "$KIT/d2l_lenet_bn.py")
export PATH="$TMP/bin:$PATH"
"$TMP/node" "$TMP/app/dist/scripts/gpu-kit/measure.js" --out "$out_dir" \
  "${data_args[@]}" ${reference_args[@]+"${reference_args[@]}"} ${flags[@]+"${flags[@]}"}
