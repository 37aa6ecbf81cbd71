/**
 * Per-channel work on channels-last float32 tensors in the project's wasm kernels
 * (wasm/kernels.c): sums per channel, and the per-channel affine maps of batch norm.
 *
 * The data is seen as groups of L = lcm(C, 4) floats, so that lane j of every group holds
 * channel j % C; the elements after the last whole group (fewer than L) are done here in
 * JavaScript with the same float32 arithmetic. Sums: each chunk of groups gives L partial
 * sums per lane (float32), which are added per channel in float64, chunk by chunk and lane by
 * lane in order, then the tail: the result depends on the data only.
 */
import type { KernelBackend, TensorInfo } from '@tensorflow/tfjs-core';
import { allocF32, f32, heapOffset } from './heap';
import type { WasmKernels } from './index';

/** About this many floats per chunk of groups. */
const CHUNK_FLOATS = 8192;

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

interface Layout {
  C: number;
  /** Floats per group: a multiple of 4 and of C. */
  L: number;
  groups: number;
  /** Groups per chunk. */
  per: number;
  chunks: number;
  /** Index of the first element after the whole groups. */
  tail: number;
  size: number;
}

function layout(size: number, C: number): Layout {
  const L = (C * 4) / gcd(C, 4);
  const groups = Math.floor(size / L);
  const per = Math.max(1, Math.floor(CHUNK_FLOATS / L));
  return { C, L, groups, per, chunks: Math.ceil(groups / per), tail: groups * L, size };
}

/** L floats per coefficient, each channel's value repeated, on tfjs's heap. */
function writePattern(kernels: WasmKernels, L: number, coefficients: ArrayLike<number>[]): number {
  const pointer = kernels.malloc(coefficients.length * L * 4);
  const view = new Float32Array(kernels.memory.buffer, pointer, coefficients.length * L);
  coefficients.forEach((values, i) => {
    for (let j = 0; j < L; j++) view[i * L + j] = values[j % values.length];
  });
  return pointer;
}

const KIND = { value: 0, squaredDeviation: 1, gradient: 2 } as const;

/**
 * Per channel: sum x (kind value), sum (x - center)^2 (squaredDeviation), or sum dy and
 * sum dy (x - center) (gradient: 2C sums, those of dy first).
 */
export function columnSumsJob(
  kernels: WasmKernels,
  backend: KernelBackend,
  x: TensorInfo,
  C: number,
  kind: keyof typeof KIND,
  center?: ArrayLike<number>,
  dy?: TensorInfo,
): Float64Array {
  const size = x.shape.reduce((a, b) => a * b, 1);
  const { L, groups, per, chunks, tail } = layout(size, C);
  const width = kind === 'gradient' ? 2 * L : L;
  const sums = new Float64Array(kind === 'gradient' ? 2 * C : C);
  const centerF32 = Float32Array.from(center ?? [0]);
  const pattern = writePattern(kernels, L, [centerF32]);
  const partials = kernels.malloc(Math.max(1, chunks) * 2 * width * 4);
  try {
    const args = [heapOffset(backend, x), dy ? heapOffset(backend, dy) : 0, pattern, partials, KIND[kind], L, groups, per];
    kernels.pool.run('column_sums', args, chunks);
    const part = new Float32Array(kernels.memory.buffer, partials, chunks * 2 * width);
    for (let k = 0; k < chunks; k++) {
      for (let j = 0; j < width; j++) {
        sums[(j >= L ? C : 0) + (j % C)] += part[k * 2 * width + j];
      }
    }
  } finally {
    kernels.free(pattern);
    kernels.free(partials);
  }
  const xs = f32(backend, x);
  const g = dy ? f32(backend, dy) : undefined;
  for (let i = tail; i < size; i++) {
    const c = i % C;
    if (kind === 'value') sums[c] += xs[i];
    else {
      const d = Math.fround(xs[i] - centerF32[c]);
      if (kind === 'squaredDeviation') sums[c] += Math.fround(d * d);
      else {
        sums[c] += g![i];
        sums[C + c] += Math.fround(g![i] * d);
      }
    }
  }
  return sums;
}

/**
 * Per channel, as a new tensor of x's shape: y = (x - m) k + b (`dy` absent), or
 * y = dy k + (x - m) b + a (`dy` and `a` given).
 */
export function channelAffineJob(
  kernels: WasmKernels,
  backend: KernelBackend,
  x: TensorInfo,
  m: ArrayLike<number>,
  k: ArrayLike<number>,
  b: ArrayLike<number>,
  dy?: TensorInfo,
  a?: ArrayLike<number>,
): TensorInfo {
  const C = k.length;
  const size = x.shape.reduce((p, q) => p * q, 1);
  const { L, groups, tail } = layout(size, C);
  const out = allocF32(backend, x.shape);
  const gradient = dy !== undefined && a !== undefined;
  const coefficients = [m, k, b, ...(gradient ? [a] : [])].map((v) => Float32Array.from(v));
  const pattern = writePattern(kernels, L, coefficients);
  try {
    // The outputs of a group depend on nothing else: any chunking gives the same bytes.
    const per = Math.max(1, Math.ceil(groups / 16));
    const args = [heapOffset(backend, x), gradient ? heapOffset(backend, dy) : 0, pattern, heapOffset(backend, out), gradient ? 1 : 0, L, groups, per];
    kernels.pool.run('channel_affine', args, Math.ceil(groups / per));
  } finally {
    kernels.free(pattern);
  }
  // The tail, with the kernel's float32 operations in its order.
  const [mf, kf, bf, af] = coefficients;
  const xs = f32(backend, x);
  const ys = f32(backend, out);
  const g = gradient ? f32(backend, dy) : undefined;
  const fr = Math.fround;
  for (let i = tail; i < size; i++) {
    const c = i % C;
    const centered = fr(xs[i] - mf[c]);
    ys[i] = g ? fr(fr(af[c] + fr(centered * bf[c])) + fr(g[i] * kf[c])) : fr(bf[c] + fr(centered * kf[c]));
  }
  return out;
}
