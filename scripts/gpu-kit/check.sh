#!/usr/bin/env bash
# Proves the GPU kit here (.ci/run runs it after npm test): builds it (npm run gpu-kit), runs
# `run.sh --allow-software --quick` as a bare GPU machine would (no Node.js: in a mount
# namespace where every node binary on the system PATH is an empty file; an empty environment
# but for a minimal PATH, OUT and TMPDIR; from a dir outside the checkout), on Mesa's lavapipe,
# and checks the gpu-report.json it writes: complete, and WebGPU's losses and weights within
# 1e-3 of wasm's. Needs root (or user namespaces) for unshare, and the WebGPU stack
# (bash scripts/setup.sh --webgpu). Prints the report.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
say() { printf 'gpu-kit check: %s\n' "$*" >&2; }

cd "$ROOT"
npm run gpu-kit
du -sh .gpu-kit >&2

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/out" "$work/cwd" "$work/tmp"
: >"$work/empty"

# Every node (and nodejs) the minimal PATH could find, and what its links point at.
minimal_path=/usr/sbin:/usr/bin:/sbin:/bin
hidden=()
for dir in ${minimal_path//:/ } /usr/local/bin; do
  for name in node nodejs; do
    [ -e "$dir/$name" ] && hidden+=("$(readlink -f "$dir/$name")")
  done
done
hidden=($(printf '%s\n' ${hidden[@]+"${hidden[@]}"} | sort -u))
mounts=""
for binary in ${hidden[@]+"${hidden[@]}"}; do mounts+="mount --bind '$work/empty' '$binary'; "; done

say "running the kit with Node hidden (${hidden[*]:-none found}) from $work/cwd"
unshare --mount --propagation private bash -c "
  set -e
  $mounts
  cd '$work/cwd'
  exec env -i PATH=$minimal_path OUT='$work/out' TMPDIR='$work/tmp' bash -c '
    if node --version 2>/dev/null | grep -q .; then echo \"gpu-kit check: node still runs here\" >&2; exit 1; fi
    exec bash \"\$0\" --allow-software --quick' '$ROOT/.gpu-kit/run.sh'
"

report="$work/out/gpu-report.json"
[ -f "$report" ] || { say "run.sh wrote no $report"; exit 1; }
cat "$report"
node "$ROOT/dist/scripts/gpu-kit/check-report.js" "$report"
# The kit leaves nothing behind in its temp dir.
if [ -n "$(ls -A "$work/tmp")" ]; then say "run.sh left files in TMPDIR: $(ls -A "$work/tmp")"; exit 1; fi
