/**
 * Elementwise work on the project's wasm kernels (wasm/kernels.c): the sigmoid and its
 * gradient, a binary op with an operand that repeats with a period along the other (the
 * per-channel operand of a channels-last tensor), and average pooling whose windows tile the
 * input. Each output element depends on its inputs only, so any split into chunks gives the
 * same bytes.
 */
import { util, type KernelBackend, type TensorInfo } from '@tensorflow/tfjs-core';
import { allocF32, heapOffset } from './heap';
import type { WasmKernels } from './index';

/** Elements per chunk of an elementwise job (a multiple of 4). */
const CHUNK_ELEMENTS = 1 << 15;

/** The bits of a float32, as the kernels take float arguments. */
function floatBits(value: number): number {
  return new Int32Array(Float32Array.of(value).buffer)[0];
}

function elementChunks(n: number): { per: number; chunks: number } {
  return { per: CHUNK_ELEMENTS, chunks: Math.ceil(n / CHUNK_ELEMENTS) };
}

/** A one-input elementwise job of the module (`sigmoid`, `negate`) on x: a new tensor. */
function unaryJob(job: 'sigmoid' | 'negate', kernels: WasmKernels, backend: KernelBackend, x: TensorInfo): TensorInfo {
  const n = util.sizeFromShape(x.shape);
  const out = allocF32(backend, x.shape);
  const { per, chunks } = elementChunks(n);
  kernels.pool.run(job, [heapOffset(backend, x), heapOffset(backend, out), n, per], chunks);
  return out;
}

/** sigmoid(x), a new tensor. */
export function sigmoid(kernels: WasmKernels, backend: KernelBackend, x: TensorInfo): TensorInfo {
  return unaryJob('sigmoid', kernels, backend, x);
}

/** dy * y * (1 - y) for the sigmoid's output y, a new tensor. */
export function sigmoidGradient(kernels: WasmKernels, backend: KernelBackend, dy: TensorInfo, y: TensorInfo): TensorInfo {
  const n = util.sizeFromShape(y.shape);
  const out = allocF32(backend, y.shape);
  const { per, chunks } = elementChunks(n);
  kernels.pool.run('sigmoid_grad', [heapOffset(backend, dy), heapOffset(backend, y), heapOffset(backend, out), n, per], chunks);
  return out;
}

export const BINARY_OPS = { Add: 0, Sub: 1, Multiply: 2, RealDiv: 3 } as const;
export type BinaryOp = keyof typeof BINARY_OPS;

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/**
 * big op period (or period op big if periodFirst), where period's values repeat along big's
 * memory: element i pairs with period[i % P]. Null when big's size is not a multiple of the
 * pattern the kernel needs (lcm(P, 4) floats): the caller takes another path.
 */
export function periodicBinary(
  kernels: WasmKernels,
  backend: KernelBackend,
  op: BinaryOp,
  big: TensorInfo,
  period: ArrayLike<number>,
  periodFirst: boolean,
): TensorInfo | null {
  const P = period.length;
  const L = (P * 4) / gcd(P, 4);
  const n = util.sizeFromShape(big.shape);
  if (n % L !== 0) return null;
  const groups = n / L;
  const out = allocF32(backend, big.shape);
  const pattern = kernels.malloc(L * 4);
  try {
    const view = new Float32Array(kernels.memory.buffer, pattern, L);
    for (let j = 0; j < L; j++) view[j] = period[j % P];
    const per = Math.max(1, Math.floor(CHUNK_ELEMENTS / L));
    const args = [heapOffset(backend, big), pattern, heapOffset(backend, out), BINARY_OPS[op], periodFirst ? 1 : 0, L, groups, per];
    kernels.pool.run('channel_binary', args, Math.ceil(groups / per));
  } finally {
    kernels.free(pattern);
  }
  return out;
}

/** The window of an average pooling whose windows tile the input exactly. */
export interface TiledWindow {
  height: number;
  width: number;
}

/** Average pooling of x [N,H,W,C] by windows that tile it, a new [N,H/h,W/w,C] tensor. */
export function avgPoolTiled(kernels: WasmKernels, backend: KernelBackend, x: TensorInfo, window: TiledWindow): TensorInfo {
  const [N, H, W, C] = x.shape;
  const out = allocF32(backend, [N, H / window.height, W / window.width, C]);
  const per = Math.max(1, Math.ceil(N / 32));
  const args = [heapOffset(backend, x), heapOffset(backend, out), N, H, W, C, window.height, window.width, floatBits(1 / (window.height * window.width)), per];
  kernels.pool.run('avg_pool_tiled', args, Math.ceil(N / per));
  return out;
}

/** The gradient of avgPoolTiled: dx [N,H,W,C] (inputShape) from dy. */
export function avgPoolTiledGradient(kernels: WasmKernels, backend: KernelBackend, dy: TensorInfo, inputShape: number[], window: TiledWindow): TensorInfo {
  const [N, H, W, C] = inputShape;
  const out = allocF32(backend, inputShape);
  const per = Math.max(1, Math.ceil(N / 32));
  const args = [heapOffset(backend, dy), heapOffset(backend, out), N, H, W, C, window.height, window.width, floatBits(1 / (window.height * window.width)), per];
  kernels.pool.run('avg_pool_tiled_grad', args, Math.ceil(N / per));
  return out;
}

/** bytes / 255 as a new float32 tensor of `shape` (the bytes are copied onto tfjs's heap). */
export function bytesToUnit(kernels: WasmKernels, backend: KernelBackend, bytes: Uint8Array, shape: number[]): TensorInfo {
  const n = bytes.length;
  const out = allocF32(backend, shape);
  const staging = kernels.malloc(Math.max(1, n));
  try {
    new Uint8Array(kernels.memory.buffer, staging, n).set(bytes);
    const per = 1 << 16;
    kernels.pool.run('bytes_to_unit', [staging, heapOffset(backend, out), n, per], Math.ceil(n / per));
  } finally {
    kernels.free(staging);
  }
  return out;
}

/** -x, a new tensor. */
export function negate(kernels: WasmKernels, backend: KernelBackend, x: TensorInfo): TensorInfo {
  return unaryJob('negate', kernels, backend, x);
}

/** a op b for float32 operands of one shape, a new tensor. */
export function elementwiseBinary(kernels: WasmKernels, backend: KernelBackend, op: BinaryOp, a: TensorInfo, b: TensorInfo): TensorInfo {
  const n = util.sizeFromShape(a.shape);
  const out = allocF32(backend, a.shape);
  const { per, chunks } = elementChunks(n);
  kernels.pool.run('elementwise_binary', [heapOffset(backend, a), heapOffset(backend, b), heapOffset(backend, out), BINARY_OPS[op], n, per], chunks);
  return out;
}
