/** Square on wasm: x * x in the project's wasm kernels where they are loaded, else stock. */
import { Multiply, Square, type KernelConfig, type NamedAttrMap } from '@tensorflow/tfjs-core';
import { elementwiseBinary } from '../simd/elementwise';
import { wasmKernels } from '../simd';
import { defineKernel, rememberStock, runStock } from './stock';

export function squareConfig(backendName: string): KernelConfig {
  rememberStock(Square, backendName);
  return defineKernel<NamedAttrMap>(Square, backendName, (inputs, attrs, backend) => {
    const { x } = inputs;
    const kernels = wasmKernels(backend);
    if (!kernels || x.dtype !== 'float32') return runStock(Square, backendName, backend, inputs, attrs);
    return elementwiseBinary(kernels, backend, Multiply, x, x);
  });
}
