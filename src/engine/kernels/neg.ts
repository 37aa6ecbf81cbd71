/**
 * Neg on wasm: the project's wasm kernel where loaded, else stock. The stock kernel runs
 * through XNNPACK's thread pool, whose wake-up cost about 0.3 ms a call on this workplace's
 * 2-core machine (more under load): more than the loss's whole [256, 10] takes to negate.
 */
import { Neg, type KernelConfig, type NamedAttrMap } from '@tensorflow/tfjs-core';
import { negate } from '../simd/elementwise';
import { wasmKernels } from '../simd';
import { defineKernel, rememberStock, runStock } from './stock';

export function negConfig(backendName: string): KernelConfig {
  rememberStock(Neg, backendName);
  return defineKernel<NamedAttrMap>(Neg, backendName, (inputs, attrs, backend) => {
    const kernels = wasmKernels(backend);
    if (!kernels || inputs.x.dtype !== 'float32') return runStock(Neg, backendName, backend, inputs, attrs);
    return negate(kernels, backend, inputs.x);
  });
}
