/**
 * Runs the same computation on the wasm backend (with the project's kernels) and on the cpu
 * backend (stock kernels, the reference), and compares the results. On wasm it runs twice:
 * with the project's WebAssembly kernels and without them (the path taken where they cannot
 * load), so that both stay right; and, where the caller says which path each kernel takes in
 * the two runs, asserts that it took that one (a fast path that silently fell back fails).
 */
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { pauseWasmKernels } from '../../src/engine/wasm-kernels';
import { pathCounts, resetPathCounts, type KernelPath } from '../../src/engine/kernel-paths';

export interface Input {
  shape: number[];
  values: Float32Array | Int32Array;
  dtype?: 'float32' | 'int32';
}

/** Deterministic pseudo-random values in [-1, 1) (no global RNG state touched). */
export function randomInput(shape: number[], seed = 1): Input {
  const n = shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    values[i] = s / 2 ** 31 - 1;
  }
  return { shape, values };
}

export interface Result {
  shape: number[];
  values: Float32Array | Int32Array | Uint8Array;
}

/** Runs `fn` on `backendName` with the inputs as tensors there; returns shape and values. */
export async function runOn(
  backendName: string,
  inputs: Input[],
  fn: (...ts: tf.Tensor[]) => tf.Tensor,
): Promise<Result> {
  await tf.setBackend(backendName);
  const ts = inputs.map((i) => tf.tensor(i.values, i.shape, i.dtype ?? 'float32'));
  const out = fn(...ts);
  const result = { shape: out.shape.slice(), values: out.dataSync() as Result['values'] };
  tf.dispose([...ts, out]);
  return result;
}

/** Asserts equal shapes and max |a - b| <= tol * max |b| (relative to the reference's scale). */
export function assertClose(actual: Result, expected: Result, tol = 1e-4, label = ''): void {
  assert.deepEqual(actual.shape, expected.shape, `${label}: shape`);
  let scale = 0;
  let err = 0;
  let at = -1;
  for (let i = 0; i < expected.values.length; i++) {
    scale = Math.max(scale, Math.abs(expected.values[i]));
    const e = Math.abs(actual.values[i] - expected.values[i]);
    if (!(e <= err)) {
      err = e;
      at = i;
    }
  }
  assert.ok(
    err <= tol * Math.max(scale, 1e-30),
    `${label}: max error ${err} at ${at} (got ${actual.values[at]}, want ${expected.values[at]}), scale ${scale}`,
  );
}

/** The path (or paths) a kernel takes on every call of a run. */
export type Taken = KernelPath | KernelPath[];
/** Per kernel name: the paths taken with the project's wasm kernels, and without them. */
export type PathsTaken = Record<string, [Taken, Taken]>;

/** Runs `run` and asserts that each kernel of `paths` took exactly the paths given (at `side`). */
export async function assertPaths<T>(label: string, paths: PathsTaken, side: 0 | 1, run: () => Promise<T>): Promise<T> {
  resetPathCounts();
  const result = await run();
  const counts = pathCounts();
  for (const [kernel, sides] of Object.entries(paths)) {
    const want = [sides[side]].flat().sort();
    const c = counts[kernel];
    const took = c ? Object.entries(c).filter(([, n]) => n > 0).map(([p]) => p).sort() : [];
    assert.deepEqual(took, want, `${label}: ${kernel} took ${took.length ? took.join(' and ') : 'no path (did not run)'}, not ${want.join(' and ')} (counts ${JSON.stringify(c ?? {})})`);
  }
  return result;
}

/**
 * wasm (project kernels, with and without the wasm ones) against cpu (stock); with `paths`,
 * the path each kernel named there took in the two wasm runs.
 */
export async function compareBackends(
  label: string,
  inputs: Input[],
  fn: (...ts: tf.Tensor[]) => tf.Tensor,
  tol = 1e-4,
  paths: PathsTaken = {},
): Promise<void> {
  const expected = await runOn('cpu', inputs, fn);
  const withKernels = `${label} (wasm kernels)`;
  assertClose(await assertPaths(withKernels, paths, 0, () => runOn('wasm', inputs, fn)), expected, tol, withKernels);
  const wasm = tf.findBackend('wasm');
  if (!wasm) throw new Error('no wasm backend');
  pauseWasmKernels(wasm, true);
  try {
    const without = `${label} (without the wasm kernels)`;
    assertClose(await assertPaths(without, paths, 1, () => runOn('wasm', inputs, fn)), expected, tol, without);
  } finally {
    pauseWasmKernels(wasm, false);
  }
}
