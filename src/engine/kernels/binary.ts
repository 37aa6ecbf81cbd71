/**
 * Add, Sub, Multiply and RealDiv where one float32 operand repeats along the other
 * (channel broadcast, see broadcast.ts), as one pass over contiguous memory. Other shapes
 * and dtypes go to the stock kernel.
 */
import { backend_util, type KernelConfig, type NamedAttrMap } from '@tensorflow/tfjs-core';
import { periodOf } from './broadcast';
import { allocF32, f32 } from './heap';
import { defineKernel, rememberStock, runStock } from './stock';

export type BinaryOp = 'add' | 'sub' | 'mul' | 'div';

// One loop per op and operand order, so that each stays monomorphic for the JIT.
// out[o*P + p] = big[o*P + p] (op) small[p]   (or small[p] (op) big[...] when smallFirst).
type Loop = (out: Float32Array, big: Float32Array, small: Float32Array, period: number) => void;

const loops: Record<BinaryOp, [Loop, Loop]> = {
  add: [
    (out, big, small, period) => {
      for (let base = 0; base < out.length; base += period)
        for (let p = 0; p < period; p++) out[base + p] = big[base + p] + small[p];
    },
    (out, big, small, period) => {
      for (let base = 0; base < out.length; base += period)
        for (let p = 0; p < period; p++) out[base + p] = small[p] + big[base + p];
    },
  ],
  sub: [
    (out, big, small, period) => {
      for (let base = 0; base < out.length; base += period)
        for (let p = 0; p < period; p++) out[base + p] = big[base + p] - small[p];
    },
    (out, big, small, period) => {
      for (let base = 0; base < out.length; base += period)
        for (let p = 0; p < period; p++) out[base + p] = small[p] - big[base + p];
    },
  ],
  mul: [
    (out, big, small, period) => {
      for (let base = 0; base < out.length; base += period)
        for (let p = 0; p < period; p++) out[base + p] = big[base + p] * small[p];
    },
    (out, big, small, period) => {
      for (let base = 0; base < out.length; base += period)
        for (let p = 0; p < period; p++) out[base + p] = small[p] * big[base + p];
    },
  ],
  div: [
    (out, big, small, period) => {
      for (let base = 0; base < out.length; base += period)
        for (let p = 0; p < period; p++) out[base + p] = big[base + p] / small[p];
    },
    (out, big, small, period) => {
      for (let base = 0; base < out.length; base += period)
        for (let p = 0; p < period; p++) out[base + p] = small[p] / big[base + p];
    },
  ],
};

export function broadcastBinaryConfig(kernelName: string, backendName: string, op: BinaryOp): KernelConfig {
  rememberStock(kernelName, backendName);
  const [bigFirst, smallFirst] = loops[op];
  return defineKernel<NamedAttrMap>(kernelName, backendName, (inputs, attrs, backend) => {
    const { a, b } = inputs;
    if (a.dtype === 'float32' && b.dtype === 'float32') {
      const outShape = backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
      const bPeriod = a.shape.length === outShape.length ? periodOf(b.shape, outShape) : undefined;
      const aPeriod = bPeriod === undefined && b.shape.length === outShape.length ? periodOf(a.shape, outShape) : undefined;
      const [big, small, period, loop] =
        bPeriod !== undefined ? [a, b, bPeriod, bigFirst] : [b, a, aPeriod, smallFirst];
      if (period !== undefined && big.shape.every((d, i) => d === outShape[i])) {
        const out = allocF32(backend, outShape);
        loop(f32(backend, out), f32(backend, big), f32(backend, small), period);
        return out;
      }
    }
    return runStock(kernelName, backendName, backend, inputs, attrs);
  });
}
