/**
 * Identity on wasm without a copy: the output shares the input's memory and reference
 * count, as Reshape does and as the cpu backend's Identity does. (The stock wasm Identity
 * copies; the gradient tape and optimizers call it on every activation.)
 */
import { Identity, type KernelConfig, type NamedAttrMap } from '@tensorflow/tfjs-core';
import { shareAs } from './heap';
import { defineKernel, rememberStock, runStock } from './stock';

export function identityConfig(backendName: string): KernelConfig {
  rememberStock(Identity, backendName);
  return defineKernel<NamedAttrMap>(Identity, backendName, (inputs, attrs, backend) => {
    const { x } = inputs;
    if (x.dtype === 'string') return runStock(Identity, backendName, backend, inputs, attrs);
    return shareAs(backend, x, x.shape);
  });
}
