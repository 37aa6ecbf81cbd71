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

/** out[c] = scale * sum over r of x[r*C + c], for R rows of C. */
function sumColumns(out: Float32Array, x: Float32Array, rows: number, C: number, scale: number): void {
  const n = rows * C;
  const step = 4 * C;
  for (let c = 0; c < C; c++) {
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let i = c;
    for (; i + 3 * C < n; i += step) {
      s0 += x[i];
      s1 += x[i + C];
      s2 += x[i + 2 * C];
      s3 += x[i + 3 * C];
    }
    for (; i < n; i += C) s0 += x[i];
    out[c] = (s0 + s1 + s2 + s3) * scale;
  }
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
