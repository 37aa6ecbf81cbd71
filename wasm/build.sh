#!/usr/bin/env bash
# Builds the project's WebAssembly kernels from kernels.c with Debian's clang and lld
# (`bash scripts/setup.sh --wasm` installs them), into OUT_DIR (default: this folder):
#   kernels.shared.wasm    imports a shared memory: tfjs-backend-wasm's threaded build
#   kernels.unshared.wasm  imports a plain memory: its single-threaded build
# The built files are committed, so that installing and running bnlenet needs no compiler;
# the test suite rebuilds them and checks the bytes are the same (test/engine/simd-build.test.ts).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$here}"
CLANG="${CLANG:-clang-14}"
WASM_LD="${WASM_LD:-wasm-ld-14}"
for tool in "$CLANG" "$WASM_LD"; do
  command -v "$tool" >/dev/null || { echo "wasm/build.sh: $tool not found (bash scripts/setup.sh --wasm installs it)" >&2; exit 1; }
done
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# No libc, no data, no stack (see kernels.c): the stack pointer sits at address 0, where any
# use of it would trap. Only the kernels are exported; no names or producers are kept.
common=(--target=wasm32 -O3 -msimd128 -mbulk-memory -nostdlib -ffile-prefix-map="$here"=. -Wall -Wextra -Werror)
link=(--no-entry --import-memory --max-memory=4294967296 -z stack-size=0 --global-base=0 --export-dynamic --strip-all)
(cd "$here" && "$CLANG" "${common[@]}" -matomics -c kernels.c -o "$tmp/shared.o")
(cd "$here" && "$CLANG" "${common[@]}" -c kernels.c -o "$tmp/unshared.o")
"$WASM_LD" "${link[@]}" --shared-memory "$tmp/shared.o" -o "$out/kernels.shared.wasm"
"$WASM_LD" "${link[@]}" "$tmp/unshared.o" -o "$out/kernels.unshared.wasm"
