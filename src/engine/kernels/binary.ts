/**
 * Add, Sub, Multiply and RealDiv where one float32 operand repeats along the other
 * (channel broadcast, see broadcast.ts). XNNPACK broadcasts by calling its kernel once per
 * innermost row, which for C = 6 is one call per 6 elements; expanding the small operand
 * with block copies (tile.ts) and running the stock same-shape kernel is 3-10x faster
 * than either that or a JavaScript loop. Other shapes and dtypes go to the stock kernel.
 */
import { backend_util, type KernelConfig, type NamedAttrMap, type TensorInfo } from '@tensorflow/tfjs-core';
import { periodOf } from './broadcast';
import { defineKernel, kernelOps, rememberStock, runStock } from './stock';
import { tileF32 } from './tile';

export function broadcastBinaryConfig(kernelName: string, backendName: string): KernelConfig {
  rememberStock(kernelName, backendName);
  return defineKernel<NamedAttrMap>(kernelName, backendName, (inputs, attrs, backend) => {
    const { a, b } = inputs;
    if (a.dtype !== 'float32' || b.dtype !== 'float32') {
      return runStock(kernelName, backendName, backend, inputs, attrs);
    }
    const outShape = backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
    const full = (t: TensorInfo): boolean => t.shape.length === outShape.length && t.shape.every((d, i) => d === outShape[i]);
    const expand = full(a) && periodOf(b.shape, outShape) !== undefined ? 'b' : full(b) && periodOf(a.shape, outShape) !== undefined ? 'a' : undefined;
    if (!expand) return runStock(kernelName, backendName, backend, inputs, attrs);
    const small = inputs[expand];
    const padded = [...outShape.slice(0, outShape.length - small.shape.length).map(() => 1), ...small.shape];
    const ops = kernelOps(backendName, backend);
    const reshaped = ops.reshape(small, padded);
    const expanded = tileF32(backend, reshaped, outShape.map((d, i) => d / padded[i]));
    const out = ops.run(kernelName, { ...inputs, [expand]: expanded }, attrs);
    ops.free(reshaped, expanded);
    return out;
  });
}
