/**
 * Sum and Mean of float32 over leading axes ([N,H,W,C] over [0,1,2]: the per-channel
 * reductions of batch norm and bias gradients) in JavaScript, one channel at a time with
 * four float64 partial sums: 2x faster than the stock kernels, which transpose the reduced
 * axes to the end first. (A GEMM ones[1,R] x X[R,C] is fast only when X is reused, since
 * XNNPACK packs its right operand on every new tensor.) Other axes and dtypes go to the
 * stock kernel.
 */
import { util, type KernelConfig, type NamedAttrMap } from '@tensorflow/tfjs-core';
import { leadingAxes } from './broadcast';
import { allocF32, f32 } from './heap';
import { defineKernel, rememberStock, runStock } from './stock';

/** Rows per block: a block of the input stays in cache while each channel is summed. */
const BLOCK_ELEMENTS = 8192;

/**
 * sum over r of x[r*C + c] (or of (x[r*C + c] - center[c])^2) for each c: per block of rows
 * that stays in cache while each channel is summed, four float64 partial sums (fixed order).
 */
export function columnSums(x: Float32Array, rows: number, C: number, center: Float64Array | undefined, out: Float64Array): void {
  const n = rows * C;
  const step = 4 * C;
  const blockLength = Math.max(4, Math.floor(BLOCK_ELEMENTS / C / 4) * 4) * C;
  const partial = new Float64Array(4 * C);
  for (let start = 0; start < n; start += blockLength) {
    const end = Math.min(n, start + blockLength);
    for (let c = 0; c < C; c++) {
      let s0 = partial[4 * c];
      let s1 = partial[4 * c + 1];
      let s2 = partial[4 * c + 2];
      let s3 = partial[4 * c + 3];
      let i = start + c;
      if (center) {
        const m = center[c];
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
        for (; i + 3 * C < end; i += step) {
          s0 += x[i];
          s1 += x[i + C];
          s2 += x[i + 2 * C];
          s3 += x[i + 3 * C];
        }
        for (; i < end; i += C) s0 += x[i];
      }
      partial[4 * c] = s0;
      partial[4 * c + 1] = s1;
      partial[4 * c + 2] = s2;
      partial[4 * c + 3] = s3;
    }
  }
  for (let c = 0; c < C; c++) out[c] = partial[4 * c] + partial[4 * c + 1] + partial[4 * c + 2] + partial[4 * c + 3];
}

/** out[c] = scale * sum over r of x[r*C + c], for R rows of C. */
function sumColumns(out: Float32Array, x: Float32Array, rows: number, C: number, scale: number): void {
  const sums = new Float64Array(C);
  columnSums(x, rows, C, undefined, sums);
  for (let c = 0; c < C; c++) out[c] = sums[c] * scale;
}

interface ReduceAttrs {
  axis: number | number[];
  keepDims: boolean;
}

export function leadingReduceConfig(kernelName: string, backendName: string, mean: boolean): KernelConfig {
  rememberStock(kernelName, backendName);
  return defineKernel<ReduceAttrs>(kernelName, backendName, (inputs, attrs, backend) => {
    const { x } = inputs;
    const axes = util.parseAxisParam(attrs.axis, x.shape);
    const rows = x.dtype === 'float32' ? leadingAxes(x.shape, axes) : undefined;
    if (!rows) return runStock(kernelName, backendName, backend, inputs, attrs as unknown as NamedAttrMap);
    const kept = x.shape.slice(axes.length);
    const outShape = attrs.keepDims ? [...axes.map(() => 1), ...kept] : kept;
    const out = allocF32(backend, outShape);
    sumColumns(f32(backend, out), f32(backend, x), rows.outer, rows.inner, mean ? 1 / rows.outer : 1);
    return out;
  });
}
