/**
 * Stride-1 NHWC convolutions on the project's wasm kernels (wasm/kernels.c): the forward
 * pass with any zero padding, its input gradient (the same kernel on the output gradient
 * with the filter flipped and its channel axes swapped), and its filter gradient without
 * padding (partial sums per chunk of images, added in chunk order).
 *
 * The caller checks the case (stride 1, dilation 1, NHWC, float32); these functions allocate
 * the output on `backend` and scratch on tfjs's heap, which they free.
 */
import type { KernelBackend, TensorInfo } from '@tensorflow/tfjs-core';
import { allocF32, f32, heapOffset } from '../kernels/heap';
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
 * `flip`: use the filter flipped in both spatial axes with Ci and Co swapped, i.e. filter is
 * [KH,KW,Co',Ci'] of a forward convolution and this computes that convolution's input gradient.
 */
export function convolve(
  kernels: WasmKernels,
  backend: KernelBackend,
  x: TensorInfo,
  filter: TensorInfo,
  bias: TensorInfo | undefined,
  pad: ConvPadding,
  outShape: number[],
  flip = false,
): TensorInfo {
  const [N, H, W, Ci] = x.shape;
  const [KH, KW] = filter.shape;
  const [, OH, OW, Co] = outShape;
  const Co4 = roundUp4(Co);
  const out = allocF32(backend, outShape);
  const packed = scratch(kernels, KH * KW * Ci * Co4 + Co4);
  try {
    const wp = packed.view();
    wp.fill(0);
    const w = f32(backend, filter);
    // Packed: [KH][KW][Ci][Co4], then the bias [Co4].
    for (let kh = 0; kh < KH; kh++) {
      for (let kw = 0; kw < KW; kw++) {
        for (let ci = 0; ci < Ci; ci++) {
          const row = ((kh * KW + kw) * Ci + ci) * Co4;
          for (let co = 0; co < Co; co++) {
            wp[row + co] = flip
              ? w[(((KH - 1 - kh) * KW + (KW - 1 - kw)) * Co + co) * Ci + ci]
              : w[((kh * KW + kw) * Ci + ci) * Co + co];
          }
        }
      }
    }
    if (bias) wp.set(f32(backend, bias), KH * KW * Ci * Co4);
    const per = Math.ceil(N / IMAGE_CHUNKS);
    const biasPointer = packed.pointer + KH * KW * Ci * Co4 * 4;
    const args = [heapOffset(backend, x), packed.pointer, biasPointer, heapOffset(backend, out), N, H, W, Ci, OH, OW, Co, KH, KW, pad.top, pad.left, per];
    kernels.pool.run('conv2d', args, Math.ceil(N / per));
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
