/**
 * Sum and Mean of float32 over leading axes ([N,H,W,C] over [0,1,2]: the per-channel
 * reductions of batch norm and bias gradients) in one pass of column-sums.ts: faster than
 * the stock kernels, which transpose the reduced axes to the end first. (A GEMM
 * ones[1,R] x X[R,C] is fast only when X is reused, since XNNPACK packs its right operand on
 * every new tensor.) Other axes and dtypes go to the stock kernel.
 */
import { util, type KernelConfig, type NamedAttrMap } from '@tensorflow/tfjs-core';
import { leadingAxes } from './broadcast';
import { channelTotals } from './column-sums';
import { allocF32, f32 } from '../wasm-kernels/heap';
import { defineKernel, runStock } from './stock';

interface ReduceAttrs {
  axis: number | number[];
  keepDims: boolean;
}

export function leadingReduceConfig(kernelName: string, backendName: string, mean: boolean): KernelConfig {
  return defineKernel<ReduceAttrs>(kernelName, backendName, (inputs, attrs, backend) => {
    const { x } = inputs;
    const axes = util.parseAxisParam(attrs.axis, x.shape);
    const rows = x.dtype === 'float32' ? leadingAxes(x.shape, axes) : undefined;
    if (!rows) return runStock(kernelName, backendName, backend, inputs, attrs as unknown as NamedAttrMap);
    const kept = x.shape.slice(axes.length);
    const outShape = attrs.keepDims ? [...axes.map(() => 1), ...kept] : kept;
    const sums = channelTotals(backend, x, rows.inner);
    const out = allocF32(backend, outShape);
    const values = f32(backend, out);
    const scale = mean ? 1 / rows.outer : 1;
    for (let c = 0; c < rows.inner; c++) values[c] = sums[c] * scale;
    return out;
  });
}
