/**
 * Sigmoid and its gradient on wasm. The forward runs in the project's wasm kernels where they
 * are loaded (stock otherwise). The gradient, which tfjs-core composes as three full-size ops
 * (dy * (y * (1 - y))), is one kernel, BnlenetSigmoidGrad: one pass in the wasm kernels, else
 * one JavaScript loop. Its gradient config takes that kernel on the backends that register
 * it and tfjs-core's own gradient elsewhere (../layer-ops.ts registers it).
 */
import * as tf from '@tensorflow/tfjs-core';
import { getKernel, Sigmoid, type GradConfig, type KernelConfig, type NamedAttrMap, type Tensor } from '@tensorflow/tfjs-core';
import { sigmoid, sigmoidGradient } from '../wasm-kernels/elementwise';
import { wasmKernels } from '../wasm-kernels';
import { allocF32, f32 } from '../wasm-kernels/heap';
import { defineKernel, runStock } from './stock';

export const SIGMOID_GRAD = 'BnlenetSigmoidGrad';

export function sigmoidConfig(backendName: string): KernelConfig {
  return defineKernel<NamedAttrMap>(Sigmoid, backendName, (inputs, attrs, backend) => {
    const kernels = wasmKernels(backend);
    if (!kernels || inputs.x.dtype !== 'float32') return runStock(Sigmoid, backendName, backend, inputs, attrs);
    return sigmoid(kernels, backend, inputs.x);
  });
}

export function sigmoidGradConfig(backendName: string): KernelConfig {
  return defineKernel<NamedAttrMap>(SIGMOID_GRAD, backendName, (inputs, _attrs, backend) => {
    const { dy, y } = inputs;
    const kernels = wasmKernels(backend);
    if (kernels) return sigmoidGradient(kernels, backend, dy, y);
    const out = allocF32(backend, y.shape);
    const [g, s, dx] = [dy, y, out].map((t) => f32(backend, t));
    for (let i = 0; i < dx.length; i++) dx[i] = g[i] * s[i] * (1 - s[i]);
    return out;
  });
}

/** Sigmoid's gradient: the kernel above where registered, `stock` (tfjs-core's) elsewhere. */
export function sigmoidGradientConfig(stock: GradConfig | undefined): GradConfig {
  return {
    kernelName: Sigmoid,
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      const [y] = saved;
      const dyT = dy as Tensor;
      if (getKernel(SIGMOID_GRAD, tf.getBackend()) && dyT.dtype === 'float32' && y.dtype === 'float32') {
        return { x: () => tf.engine().runKernel(SIGMOID_GRAD, { dy: dyT, y }) as Tensor };
      }
      if (!stock) throw new Error('no gradient registered for Sigmoid');
      return stock.gradFunc(dy, saved, attrs);
    },
  };
}
