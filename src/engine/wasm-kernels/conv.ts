/**
 * Stride-1 NHWC convolutions on the project's wasm kernels (wasm/kernels.c): the forward
 * pass and its input gradient with any zero padding, and its filter gradient without padding
 * (partial sums per chunk of images, added in chunk order).
 *
 * The caller checks the case (stride 1, dilation 1, NHWC, float32); these functions allocate
 * the output on `backend` and scratch on tfjs's heap, which they free.
 */
import type { KernelBackend, TensorInfo } from '@tensorflow/tfjs-core';
import { allocF32, f32, heapOffset } from './heap';
import type { WasmKernels } from './index';

/** Jobs split the images into at most this many chunks (the filter gradient's partial sums). */
const IMAGE_CHUNKS = 32;

const roundUp4 = (n: number) => (n + 3) & ~3;

/** A float32 scratch array of n values on tfjs's heap, with its pointer. */
function scratch(kernels: WasmKernels, n: number): { pointer: number; view: () => Float32Array } {
  const pointer = kernels.malloc(n * 4);
  return { pointer, view: () => new Float32Array(kernels.memory.buffer, pointer, n) };
}

export interface ConvPadding {
  top: number;
  left: number;
}

/**
 * y = conv(x, filter) + bias for x [N,H,W,Ci], filter [KH,KW,Ci,Co], stride 1, zero padding
 * `pad` (top, left; bottom and right follow from outShape [N,OH,OW,Co]).
 */
export function convolve(
  kernels: WasmKernels,
  backend: KernelBackend,
  x: TensorInfo,
  filter: TensorInfo,
  bias: TensorInfo | undefined,
  pad: ConvPadding,
  outShape: number[],
): TensorInfo {
  const [N, H, W, Ci] = x.shape;
  const [KH, KW] = filter.shape;
  const [, OH, OW, Co] = outShape;
  const Co4 = roundUp4(Co);
  const per = Math.ceil(N / IMAGE_CHUNKS);
  const chunks = Math.ceil(N / per);
  const padded = pad.top !== 0 || pad.left !== 0 || OH + KH - 1 !== H || OW + KW - 1 !== W;
  const out = allocF32(backend, outShape);
  const packed = scratch(kernels, KH * KW * Ci * Co4 + Co4);
  // One padded image per chunk (see conv2d in wasm/kernels.c).
  const images = padded ? scratch(kernels, chunks * (OH + KH - 1) * (OW + KW - 1) * Ci) : undefined;
  try {
    const wp = packed.view();
    wp.fill(0);
    const w = f32(backend, filter);
    // Packed: [KH][KW][Ci][Co4], then the bias [Co4].
    for (let kh = 0; kh < KH; kh++) {
      for (let kw = 0; kw < KW; kw++) {
        for (let ci = 0; ci < Ci; ci++) {
          const row = ((kh * KW + kw) * Ci + ci) * Co4;
          for (let co = 0; co < Co; co++) wp[row + co] = w[((kh * KW + kw) * Ci + ci) * Co + co];
        }
      }
    }
    if (bias) wp.set(f32(backend, bias), KH * KW * Ci * Co4);
    const biasPointer = packed.pointer + KH * KW * Ci * Co4 * 4;
    const args = [heapOffset(backend, x), packed.pointer, biasPointer, heapOffset(backend, out), images?.pointer ?? 0];
    kernels.pool.run('conv2d', [...args, N, H, W, Ci, OH, OW, Co, KH, KW, pad.top, pad.left, per], chunks);
  } finally {
    kernels.free(packed.pointer);
    if (images) kernels.free(images.pointer);
  }
  return out;
}

/**
 * dx of a stride-1 convolution with zero padding `pad` (top, left) of x [N,H,W,Ci] (xShape)
 * by filter [KH,KW,Ci,Co], from dy [N,OH,OW,Co].
 */
export function inputGradient(
  kernels: WasmKernels,
  backend: KernelBackend,
  dy: TensorInfo,
  filter: TensorInfo,
  pad: ConvPadding,
  xShape: number[],
): TensorInfo {
  const [N, H, W, Ci] = xShape;
  const [KH, KW, , Co] = filter.shape;
  const [, OH, OW] = dy.shape;
  const Ci4 = roundUp4(Ci);
  const out = allocF32(backend, xShape);
  const packed = scratch(kernels, KH * KW * Co * Ci4);
  try {
    const wt = packed.view();
    wt.fill(0);
    const w = f32(backend, filter);
    // Packed: [KH][KW][Co][Ci4], each tap's matrix transposed.
    for (let tap = 0; tap < KH * KW; tap++) {
      for (let ci = 0; ci < Ci; ci++) {
        for (let co = 0; co < Co; co++) wt[(tap * Co + co) * Ci4 + ci] = w[(tap * Ci + ci) * Co + co];
      }
    }
    const per = Math.ceil(N / IMAGE_CHUNKS);
    const args = [heapOffset(backend, dy), packed.pointer, heapOffset(backend, out), N, H, W, Ci, OH, OW, Co, KH, KW, pad.top, pad.left, per];
    kernels.pool.run('conv2d_input_grad', args, Math.ceil(N / per));
  } finally {
    kernels.free(packed.pointer);
  }
  return out;
}

/**
 * dW[kh,kw,ci,co] = sum over n, oh, ow of x[n, oh+kh, ow+kw, ci] dy[n,oh,ow,co]: the filter
 * gradient of a stride-1 convolution without padding, x [N,H,W,Ci], dy [N,OH,OW,Co].
 */
export function filterGradient(kernels: WasmKernels, backend: KernelBackend, x: TensorInfo, dy: TensorInfo, filterShape: number[]): TensorInfo {
  const [N, H, W, Ci] = x.shape;
  const [, OH, OW, Co] = dy.shape;
  const [KH, KW] = filterShape;
  const Co4 = roundUp4(Co);
  const rows = KH * KW * Ci;
  const per = Math.ceil(N / IMAGE_CHUNKS);
  const chunks = Math.ceil(N / per);
  const out = allocF32(backend, filterShape);
  const partials = scratch(kernels, chunks * rows * Co4);
  try {
    const args = [heapOffset(backend, x), heapOffset(backend, dy), partials.pointer, N, H, W, Ci, OH, OW, Co, KH, KW, per];
    kernels.pool.run('conv2d_filter_grad', args, chunks);
    const rowsPer = Math.ceil(rows / IMAGE_CHUNKS);
    kernels.pool.run('sum_partials', [partials.pointer, heapOffset(backend, out), chunks, rows, Co, rowsPer], Math.ceil(rows / rowsPer));
  } finally {
    kernels.free(partials.pointer);
  }
  return out;
}
