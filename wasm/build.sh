#!/usr/bin/env bash
# Builds the project's WebAssembly kernels from kernels.c with Debian's clang and lld
# (`bash scripts/setup.sh --wasm` installs them), into OUT_DIR (default: this folder):
#   kernels.shared.wasm            imports a shared memory: tfjs-backend-wasm's threaded build
#   kernels.unshared.wasm          imports a plain memory: its single-threaded build
#   kernels.relaxed.shared.wasm    the same two with relaxed SIMD: multiply-adds as
#   kernels.relaxed.unshared.wasm  f32x4.relaxed_madd (fused where the CPU has FMA)
# The engine takes the relaxed build where the runtime validates it (Node 22 and later), the
# plain one elsewhere (src/engine/simd/index.ts).
# The built files are committed, so that installing and running bnlenet needs no compiler;
# the test suite rebuilds them and checks the bytes are the same (test/engine/wasm-kernels.test.ts).
# clang-16 at least: clang-14 encodes relaxed_madd with a pre-standard opcode V8 rejects.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$here}"
CLANG="${CLANG:-clang-16}"
WASM_LD="${WASM_LD:-wasm-ld-16}"
for tool in "$CLANG" "$WASM_LD"; do
  command -v "$tool" >/dev/null || { echo "wasm/build.sh: $tool not found (bash scripts/setup.sh --wasm installs it)" >&2; exit 1; }
done
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# No libc, no data, no stack (see kernels.c): the stack pointer sits at address 0, where any
# use of it would trap. Only the kernels are exported; no names or producers are kept.
common=(--target=wasm32 -O3 -msimd128 -mbulk-memory -nostdlib -ffile-prefix-map="$here"=. -Wall -Wextra -Werror)
link=(--no-entry --import-memory --max-memory=4294967296 -z stack-size=0 --global-base=0 --export-dynamic --strip-all)
relaxed=(-mrelaxed-simd -DRELAXED_SIMD)
# kernels.c in two parts (see its head): the filter gradient with clang's scheduler keeping the
# source's order, the rest with clang's own.
filter_grad=(-DFILTER_GRAD_PART -mllvm -pre-RA-sched=source -Wno-unused-function)  # the shared helpers it does not use
build() {  # name, then extra compiler flags
  local name="$1"; shift
  (cd "$here" && "$CLANG" "${common[@]}" "$@" -matomics -c kernels.c -o "$tmp/$name.shared.o")
  (cd "$here" && "$CLANG" "${common[@]}" "$@" "${filter_grad[@]}" -matomics -c kernels.c -o "$tmp/$name.shared.fg.o")
  (cd "$here" && "$CLANG" "${common[@]}" "$@" -c kernels.c -o "$tmp/$name.unshared.o")
  (cd "$here" && "$CLANG" "${common[@]}" "$@" "${filter_grad[@]}" -c kernels.c -o "$tmp/$name.unshared.fg.o")
  "$WASM_LD" "${link[@]}" --shared-memory "$tmp/$name.shared.o" "$tmp/$name.shared.fg.o" -o "$out/$name.shared.wasm"
  "$WASM_LD" "${link[@]}" "$tmp/$name.unshared.o" "$tmp/$name.unshared.fg.o" -o "$out/$name.unshared.wasm"
}
build kernels
build kernels.relaxed "${relaxed[@]}"
