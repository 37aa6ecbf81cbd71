/**
 * Per-channel sums of channels-last float32 tensors (rows of C contiguous values): what Sum
 * and Mean over leading axes, and the per-channel ops of BatchNorm (channel-affine.ts) need.
 * In the project's wasm kernels where they are loaded (../wasm-kernels/channels.ts), else in the one
 * JavaScript loop below.
 *
 * The loop walks the data in blocks of rows that stay in cache while each channel is summed,
 * with four float64 partial sums per channel and sum (two each for the gradient's pair),
 * combined in a fixed order: the result depends on the data only.
 */
import type { KernelBackend, TensorInfo } from '@tensorflow/tfjs-core';
import { columnSumsJob } from '../wasm-kernels/channels';
import { wasmKernels, type WasmKernels } from '../wasm-kernels';
import { f32 } from '../wasm-kernels/heap';

/** Rows per block: a block of the input stays in cache while each channel is summed. */
const BLOCK_ELEMENTS = 8192;

/** What is summed per channel c: x, (x - center[c])^2, or dy and dy (x - center[c]). */
type Term =
  | { kind: 'value' }
  | { kind: 'squaredDeviation'; center: ArrayLike<number> }
  | { kind: 'gradient'; center: ArrayLike<number>; dy: Float32Array };

/**
 * sums[c] (and, for the gradient, sums[C + c] = sum dy (x - center)) over `rows` rows of C.
 * `sums` has C entries, or 2C for the gradient.
 */
function columnSums(x: Float32Array, rows: number, C: number, term: Term, sums: Float64Array): void {
  const n = rows * C;
  const blockLength = Math.max(4, Math.floor(BLOCK_ELEMENTS / C / 4) * 4) * C;
  const step = 4 * C;
  const partial = new Float64Array(4 * C);
  for (let start = 0; start < n; start += blockLength) {
    const end = Math.min(n, start + blockLength);
    for (let c = 0; c < C; c++) {
      let s0 = partial[4 * c];
      let s1 = partial[4 * c + 1];
      let s2 = partial[4 * c + 2];
      let s3 = partial[4 * c + 3];
      let i = start + c;
      if (term.kind === 'value') {
        for (; i + 3 * C < end; i += step) {
          s0 += x[i];
          s1 += x[i + C];
          s2 += x[i + 2 * C];
          s3 += x[i + 3 * C];
        }
        for (; i < end; i += C) s0 += x[i];
      } else if (term.kind === 'squaredDeviation') {
        const m = term.center[c];
        for (; i + 3 * C < end; i += step) {
          const d0 = x[i] - m;
          const d1 = x[i + C] - m;
          const d2 = x[i + 2 * C] - m;
          const d3 = x[i + 3 * C] - m;
          s0 += d0 * d0;
          s1 += d1 * d1;
          s2 += d2 * d2;
          s3 += d3 * d3;
        }
        for (; i < end; i += C) s0 += (x[i] - m) * (x[i] - m);
      } else {
        // s0, s1: sum dy over even and odd rows; s2, s3: sum dy (x - m) likewise.
        const m = term.center[c];
        const g = term.dy;
        for (; i + C < end; i += 2 * C) {
          const ga = g[i];
          const gb = g[i + C];
          s0 += ga;
          s1 += gb;
          s2 += ga * (x[i] - m);
          s3 += gb * (x[i + C] - m);
        }
        for (; i < end; i += C) {
          s0 += g[i];
          s2 += g[i] * (x[i] - m);
        }
      }
      partial[4 * c] = s0;
      partial[4 * c + 1] = s1;
      partial[4 * c + 2] = s2;
      partial[4 * c + 3] = s3;
    }
  }
  for (let c = 0; c < C; c++) {
    const [s0, s1, s2, s3] = [partial[4 * c], partial[4 * c + 1], partial[4 * c + 2], partial[4 * c + 3]];
    if (term.kind === 'gradient') {
      sums[c] = s0 + s1;
      sums[C + c] = s2 + s3;
    } else {
      sums[c] = s0 + s1 + s2 + s3;
    }
  }
}

/** Below this many elements, a job for the wasm kernels costs more than this loop. */
const WASM_MIN_ELEMENTS = 1 << 13;

/** The wasm kernels, for x large enough to be worth a job. */
function kernelsFor(backend: KernelBackend, x: TensorInfo): WasmKernels | undefined {
  return x.shape.reduce((a, b) => a * b, 1) >= WASM_MIN_ELEMENTS ? wasmKernels(backend) : undefined;
}

/** Per channel: the sum of x (C channels, rows of C). */
export function channelTotals(backend: KernelBackend, x: TensorInfo, C: number): Float64Array {
  const kernels = kernelsFor(backend, x);
  if (kernels) return columnSumsJob(kernels, backend, x, C, 'value');
  const data = f32(backend, x);
  const sums = new Float64Array(C);
  columnSums(data, data.length / C, C, { kind: 'value' }, sums);
  return sums;
}

/** Per channel: the sum of (x - center[c])^2 (C channels, rows of C). */
export function squaredDeviationSums(backend: KernelBackend, x: TensorInfo, center: ArrayLike<number>, C: number): Float64Array {
  const kernels = kernelsFor(backend, x);
  if (kernels) return columnSumsJob(kernels, backend, x, C, 'squaredDeviation', center);
  const data = f32(backend, x);
  const squares = new Float64Array(C);
  columnSums(data, data.length / C, C, { kind: 'squaredDeviation', center }, squares);
  return squares;
}

/** Per channel: sumDy[c] = sum dy, sumDyXm[c] = sum dy (x - mean[c]). */
export function gradientSums(
  backend: KernelBackend,
  dy: TensorInfo,
  x: TensorInfo,
  mean: ArrayLike<number>,
  C: number,
): { sumDy: Float64Array; sumDyXm: Float64Array } {
  const kernels = kernelsFor(backend, x);
  let sums: Float64Array;
  if (kernels) {
    sums = columnSumsJob(kernels, backend, x, C, 'gradient', mean, dy);
  } else {
    const data = f32(backend, x);
    sums = new Float64Array(2 * C);
    columnSums(data, data.length / C, C, { kind: 'gradient', center: mean, dy: f32(backend, dy) }, sums);
  }
  return { sumDy: sums.subarray(0, C), sumDyXm: sums.subarray(C) };
}
