/**
 * Sum and Mean of float32 over leading axes ([N,H,W,C] over [0,1,2]: the per-channel
 * reductions of batch norm and bias gradients) as one pass over contiguous memory with
 * float64 accumulators. The stock wasm kernels transpose the reduced axes to the end first,
 * which is slow when C is small. Other axes and dtypes go to the stock kernel.
 */
import { util, type KernelConfig, type NamedAttrMap } from '@tensorflow/tfjs-core';
import { leadingAxes } from './broadcast';
import { allocF32, f32 } from './heap';
import { defineKernel, rememberStock, runStock } from './stock';

interface ReduceAttrs {
  axis: number | number[];
  keepDims: boolean;
}

function sumRows(out: Float32Array, x: Float32Array, outer: number, inner: number, scale: number): void {
  const acc = new Float64Array(inner);
  for (let o = 0, base = 0; o < outer; o++, base += inner) {
    for (let i = 0; i < inner; i++) acc[i] += x[base + i];
  }
  for (let i = 0; i < inner; i++) out[i] = acc[i] * scale;
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
    sumRows(f32(backend, out), f32(backend, x), rows.outer, rows.inner, mean ? 1 / rows.outer : 1);
    return out;
  });
}
