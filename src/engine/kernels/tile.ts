/**
 * Full-size float32 tensors built by block copies, for kernels that hand an elementwise op a
 * broadcast operand expanded (binary.ts): x tiled by repetitions (the innermost rows copied
 * once, then each axis from the innermost out replicated with copyWithin), and a per-channel
 * vector repeated along a tensor's memory.
 */
import type { KernelBackend, TensorInfo } from '@tensorflow/tfjs-core';
import { allocF32, f32 } from '../wasm-kernels/heap';

/** Writes x (shape, strides xs) tiled by reps into out (strides os), for axes d.. . */
function tileAxis(
  out: Float32Array,
  outOff: number,
  x: Float32Array,
  xOff: number,
  shape: readonly number[],
  reps: readonly number[],
  d: number,
): void {
  const rank = shape.length;
  if (d === rank - 1) {
    const row = x.subarray(xOff, xOff + shape[d]);
    for (let r = 0; r < reps[d]; r++) out.set(row, outOff + r * shape[d]);
    return;
  }
  let xStride = 1;
  let outStride = 1;
  for (let i = d + 1; i < rank; i++) {
    xStride *= shape[i];
    outStride *= shape[i] * reps[i];
  }
  for (let i = 0; i < shape[d]; i++) tileAxis(out, outOff + i * outStride, x, xOff + i * xStride, shape, reps, d + 1);
  const block = shape[d] * outStride;
  for (let r = 1; r < reps[d]; r++) out.copyWithin(outOff + r * block, outOff, outOff + block);
}

/** x tiled by reps, for float32 x of rank >= 1 with elements. */
export function tileF32(backend: KernelBackend, x: TensorInfo, reps: readonly number[]): TensorInfo {
  const out = allocF32(backend, x.shape.map((d, i) => d * reps[i]));
  tileAxis(f32(backend, out), 0, f32(backend, x), 0, x.shape, reps, 0);
  return out;
}

/**
 * A float32 tensor of `shape` whose memory repeats `period` (a per-channel vector, for the
 * last axis), written by doubling block copies.
 */
export function repeatF32(backend: KernelBackend, period: ArrayLike<number>, shape: number[]): TensorInfo {
  const out = allocF32(backend, shape);
  const data = f32(backend, out);
  const p = Math.min(period.length, data.length);
  for (let i = 0; i < p; i++) data[i] = period[i];
  for (let filled = p; filled < data.length; filled *= 2) {
    data.copyWithin(filled, 0, Math.min(filled, data.length - filled));
  }
  return out;
}
