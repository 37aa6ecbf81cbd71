/**
 * The project's WebAssembly SIMD kernels (wasm/kernels.c, built by wasm/build.sh), started on
 * tfjs-backend-wasm's own memory so that they read and write tensors in place, with one
 * helper thread per extra core (pool.ts).
 *
 * `startWasmKernels` loads them once the wasm backend runs; the kernels of ../kernels/ use
 * them through `wasmKernels(backend)` where they are loaded and keep their previous path
 * (XNNPACK and JavaScript) where not. They do not load when the JavaScript engine lacks
 * WebAssembly SIMD, when tfjs-backend-wasm's memory cannot be reached, or when
 * BNLENET_WASM_KERNELS=0 turns them off; `startWasmKernels` then says why. Which of the two
 * builds loads (builds.ts): a resumed run's recorded one, else BNLENET_WASM_KERNELS=plain or
 * =relaxed, else relaxed where the runtime has relaxed SIMD.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { KernelBackend } from '@tensorflow/tfjs-core';
import { chooseKernelBuild, type KernelBuild, type RecordedBuild } from './builds';
import { KernelPool } from './pool';

export { chooseKernelBuild, hasRelaxedSimd, KERNEL_BUILDS, type KernelBuild, type RecordedBuild } from './builds';

/** Where the built modules are: wasm/ at the package root (this file is dist/src/engine/wasm-kernels/). */
export const WASM_DIR = path.resolve(__dirname, '..', '..', '..', '..', 'wasm');

/** Each build's two modules: on a shared memory (tfjs's threaded build) and on a plain one. */
export const MODULE_FILES: Record<KernelBuild, { shared: string; unshared: string }> = {
  plain: { shared: 'kernels.shared.wasm', unshared: 'kernels.unshared.wasm' },
  relaxed: { shared: 'kernels.relaxed.shared.wasm', unshared: 'kernels.relaxed.unshared.wasm' },
};

/** Every kernel the module exports; jobs name them. */
export const KERNEL_NAMES = [
  'conv2d',
  'conv2d_input_grad',
  'conv2d_filter_grad',
  'sum_partials',
  'column_sums',
  'channel_affine',
  'channel_binary',
  'sigmoid',
  'sigmoid_grad',
  'avg_pool_tiled',
  'avg_pool_tiled_grad',
  'bytes_to_unit',
  'pack_rows',
  'gemm',
  'elementwise_binary',
  'negate',
] as const;
export type KernelName = (typeof KERNEL_NAMES)[number];

export interface WasmKernels {
  pool: KernelPool;
  memory: WebAssembly.Memory;
  /** Allocates `bytes` on tfjs's heap (free with `free`): scratch for packed filters, partial sums. */
  malloc(bytes: number): number;
  free(pointer: number): void;
  /** Which build runs (chosen once at start-up). */
  build: KernelBuild;
}

interface WasmModuleLike {
  wasmMemory?: WebAssembly.Memory;
  asm?: { memory?: WebAssembly.Memory };
  _malloc(bytes: number): number;
  _free(pointer: number): void;
}

const loaded = new WeakMap<object, WasmKernels>();
const paused = new WeakSet<object>();

/** The project's kernels on `backend`, if they were started there (and are not paused). */
export function wasmKernels(backend: KernelBackend): WasmKernels | undefined {
  return paused.has(backend) ? undefined : loaded.get(backend);
}

/** The ids of the sections of a WebAssembly binary (1 type, 2 import, ..., 11 data). */
export function sectionIds(bytes: Uint8Array): number[] {
  const ids: number[] = [];
  let at = 8; // magic and version
  while (at < bytes.length) {
    ids.push(bytes[at++]);
    let size = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = bytes[at++];
      size += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) break;
    }
    at += size;
  }
  return ids;
}

export type StartResult = { started: true; threads: number; build: KernelBuild } | { started: false; reason: string };

/**
 * Starts the kernels on the wasm backend `backend` with `threads` threads (the main one and
 * threads - 1 helpers; helpers need tfjs's threaded build, whose memory is shared), in the
 * build `recorded` names when a resumed run recorded one. Kernels already started on `backend`
 * stay as they are, whatever build they run (the caller compares: resumedBuildWarning).
 * Throws UsageError when BNLENET_WASM_KERNELS asks for another build than `recorded`.
 */
export function startWasmKernels(backend: KernelBackend, threads: number, env: NodeJS.ProcessEnv = process.env, recorded?: RecordedBuild): StartResult {
  const existing = loaded.get(backend);
  if (existing) return { started: true, threads: existing.pool.threads, build: existing.build };
  if (env.BNLENET_WASM_KERNELS === '0') return { started: false, reason: 'turned off by BNLENET_WASM_KERNELS=0' };
  const choice = chooseKernelBuild(env, undefined, recorded);
  if ('reason' in choice) return { started: false, reason: choice.reason };
  const { build } = choice;
  const wasm = (backend as unknown as { wasm?: WasmModuleLike }).wasm;
  const memory = wasm?.wasmMemory ?? wasm?.asm?.memory;
  if (!wasm || !memory || typeof wasm._malloc !== 'function') {
    return { started: false, reason: "tfjs-backend-wasm's memory is not reachable in this version" };
  }
  const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  const file = path.join(WASM_DIR, shared ? MODULE_FILES[build].shared : MODULE_FILES[build].unshared);
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(file);
  } catch (err) {
    return { started: false, reason: `cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)})` };
  }
  if (!WebAssembly.validate(bytes)) {
    return { started: false, reason: 'this JavaScript engine has no WebAssembly SIMD' };
  }
  // Data of its own would be written over tfjs's heap: refuse such a module.
  if (sectionIds(bytes).includes(11)) return { started: false, reason: `${file} has a data section` };
  try {
    const module = new WebAssembly.Module(bytes);
    const pool = new KernelPool(module, memory, KERNEL_NAMES, shared ? Math.max(0, threads - 1) : 0);
    loaded.set(backend, {
      pool,
      memory,
      malloc: (n) => wasm._malloc(n),
      free: (p) => wasm._free(p),
      build,
    });
    return { started: true, threads: pool.threads, build };
  } catch (err) {
    return { started: false, reason: `${file} did not load (${err instanceof Error ? err.message : String(err)})` };
  }
}

/**
 * Pauses (or resumes) the kernels on `backend`: the kernels of ../kernels/ take their
 * previous path meanwhile. For tests and measurements that compare the two in one process.
 */
export function pauseWasmKernels(backend: KernelBackend, pause: boolean): void {
  if (pause) paused.add(backend);
  else paused.delete(backend);
}
