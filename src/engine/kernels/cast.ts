/**
 * Cast on wasm without a copy when the dtype does not change (the output shares the input's
 * memory, as Identity does); the stock kernel copies. Real conversions go to stock.
 */
import { Cast, type CastAttrs, type KernelConfig, type NamedAttrMap } from '@tensorflow/tfjs-core';
import { shareAs } from './heap';
import { defineKernel, rememberStock, runStock } from './stock';

export function castConfig(backendName: string): KernelConfig {
  rememberStock(Cast, backendName);
  return defineKernel<CastAttrs>(Cast, backendName, (inputs, attrs, backend) => {
    const { x } = inputs;
    if (x.dtype !== attrs.dtype || x.dtype === 'string' || x.dtype === 'complex64') {
      return runStock(Cast, backendName, backend, inputs, attrs as unknown as NamedAttrMap);
    }
    return shareAs(backend, x, x.shape);
  });
}
