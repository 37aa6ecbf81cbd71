/**
 * Identity and Cast on wasm without a copy: the output shares the input's memory and
 * reference count, as Reshape does and as the cpu backend's Identity does. (The stock wasm
 * Identity copies, and the gradient tape and optimizers call it on every activation; the
 * stock Cast copies even when the dtype does not change.) Strings, and casts that convert, go
 * to the stock kernels.
 */
import { Cast, Identity, type CastAttrs, type KernelConfig, type NamedAttrMap } from '@tensorflow/tfjs-core';
import { shareAs } from '../wasm-kernels/heap';
import { defineKernel, runStock } from './stock';

export function identityConfig(backendName: string): KernelConfig {
  return defineKernel<NamedAttrMap>(Identity, backendName, (inputs, attrs, backend) => {
    const { x } = inputs;
    if (x.dtype === 'string') return runStock(Identity, backendName, backend, inputs, attrs);
    return shareAs(backend, x, x.shape);
  });
}

export function castConfig(backendName: string): KernelConfig {
  return defineKernel<CastAttrs>(Cast, backendName, (inputs, attrs, backend) => {
    const { x } = inputs;
    if (x.dtype !== attrs.dtype || x.dtype === 'string' || x.dtype === 'complex64') {
      return runStock(Cast, backendName, backend, inputs, attrs as unknown as NamedAttrMap);
    }
    return shareAs(backend, x, x.shape);
  });
}
