/**
 * Matrix products on the project's wasm kernels (wasm/kernels.c): C = op(A) op(B) (+ bias)
 * for one matrix each (batch 1), with either operand transposed. A transposed A is read in
 * place; B is first packed into zero-padded rows. Each output row is computed by one thread,
 * each value summed over k in order.
 */
import { util, type KernelBackend, type TensorInfo } from '@tensorflow/tfjs-core';
import { allocF32, f32, heapOffset } from './heap';
import type { WasmKernels } from './index';

/** Output rows per chunk. */
const ROWS_PER_CHUNK = 16;

export function matMul(
  kernels: WasmKernels,
  backend: KernelBackend,
  a: TensorInfo,
  b: TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
  bias?: TensorInfo,
): TensorInfo {
  const [ar, ac] = a.shape.slice(-2);
  const [br, bc] = b.shape.slice(-2);
  const [M, K] = transposeA ? [ac, ar] : [ar, ac];
  const N = transposeB ? br : bc;
  const N4 = (N + 3) & ~3;
  const out = allocF32(backend, [...a.shape.slice(0, -2), M, N]);
  const packed = kernels.malloc((K * N4 + N4) * 4);
  try {
    const biasPointer = packed + K * N4 * 4;
    if (bias) {
      const values = new Float32Array(kernels.memory.buffer, biasPointer, N4);
      values.fill(0);
      values.set(f32(backend, bias));
    }
    const [rbk, rbn] = transposeB ? [1, K] : [N, 1];
    const perK = Math.max(1, Math.ceil(K / 8));
    kernels.pool.run('pack_rows', [heapOffset(backend, b), rbk, rbn, packed, K, N, perK], Math.ceil(K / perK));
    const [ram, rak] = transposeA ? [1, M] : [K, 1];
    const args = [heapOffset(backend, a), ram, rak, packed, bias ? biasPointer : 0, heapOffset(backend, out), M, N, K, ROWS_PER_CHUNK];
    kernels.pool.run('gemm', args, Math.ceil(M / ROWS_PER_CHUNK));
  } finally {
    kernels.free(packed);
  }
  return out;
}

/** Whether matMul takes these operands: float32, rank 2 or 3 with batch 1, inner sizes agreeing. */
export function matMulFits(a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean): boolean {
  if (a.dtype !== 'float32' || b.dtype !== 'float32') return false;
  if (a.shape.length < 2 || b.shape.length < 2 || a.shape.length > 3 || b.shape.length > 3) return false;
  const batch = (t: TensorInfo) => util.sizeFromShape(t.shape.slice(0, -2));
  if (batch(a) !== 1 || batch(b) !== 1) return false;
  const K = transposeA ? a.shape[a.shape.length - 2] : a.shape[a.shape.length - 1];
  const Kb = transposeB ? b.shape[b.shape.length - 1] : b.shape[b.shape.length - 2];
  return K === Kb && K > 0;
}
