#!/usr/bin/env bash
# A smoke run of bnlenet's CLI on another Node.js than the one the full suite ran on: train,
# evaluate, Ctrl-C and resume (byte for byte against a run never stopped), report. .ci/run runs
# the whole suite on one supported Node and this on the other.
#   bash scripts/ci-node-smoke.sh MAJOR     (installs node@MAJOR from npm: scripts/install-node.sh)
# Needs the build (dist/) and the data (./data), as scripts/setup.sh leaves them. About a minute.
set -euo pipefail
cd "$(dirname "$0")/.."
major="${1:-}"
[[ $major =~ ^[0-9]+$ ]] || { echo "usage: bash scripts/ci-node-smoke.sh MAJOR (e.g. 22)" >&2; exit 2; }
node="$(bash scripts/install-node.sh "$major")/node"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
say() { echo "ci-node-smoke (Node $("$node" --version)): $*"; }
fail() { echo "ci-node-smoke (Node $major): FAILED: $*" >&2; exit 1; }
bnlenet() { "$node" bin/bnlenet.js "$@"; }

# 32 batches an epoch, so that a Ctrl-C sent when epoch 1 ends lands inside epoch 2.
args=(--limit 8192 --epochs 2 --seed 3 --backend wasm)

say "train"
bnlenet train "${args[@]}" --quiet --out "$tmp/whole" > "$tmp/whole.out" || fail "train exited $? ($(cat "$tmp/whole.out"))"
grep -Eq '^loss [0-9.]+, train acc [0-9.]+, test acc [0-9.]+$' "$tmp/whole.out" || fail "train printed no closing line: $(cat "$tmp/whole.out")"
say "$(head -2 "$tmp/whole.out" | tr '\n' ' ')"

say "evaluate"
evaluated=$(bnlenet evaluate --run "$tmp/whole" --json) || fail "evaluate exited $?"
"$node" -e 'const r = JSON.parse(process.argv[1]); if (!(r.testAcc > 0.5 && r.testAcc <= 1)) process.exit(1)' "$evaluated" \
  || fail "evaluate gave $evaluated"

say "train, Ctrl-C in epoch 2, resume"
# node itself in the background (not through the function), so that $! is its process id.
"$node" bin/bnlenet.js train "${args[@]}" --out "$tmp/cut" > "$tmp/cut.out" 2> "$tmp/cut.err" &
pid=$!
for _ in $(seq 1200); do
  if grep -q '^epoch 1/' "$tmp/cut.out"; then kill -INT "$pid"; break; fi
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.05
done
status=0
wait "$pid" || status=$?
[[ $status -eq 130 ]] || fail "the interrupted run exited $status, not 130: $(cat "$tmp/cut.err")"
bnlenet train --resume "$tmp/cut" --quiet > "$tmp/resumed.out" || fail "train --resume exited $?"
cmp -s "$tmp/whole/weights.bin" "$tmp/cut/weights.bin" || fail "the resumed run's weights.bin differs from the run never stopped"

say "report"
bnlenet report --run "$tmp/cut" --out "$tmp/report.html" > /dev/null || fail "report exited $?"
grep -q 'schema/vega/v5.json' "$tmp/report.html" || fail "report.html has no chart (no Vega spec)"
say "all passed"
