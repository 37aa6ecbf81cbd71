/**
 * Image bytes to a float32 tensor of pixel values in [0, 1] (byte / 255), for batch assembly:
 * in the project's wasm kernels where they are loaded (a copy onto tfjs's heap and one pass
 * on every core), else in JavaScript. Both give the same floats.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelBackend } from '@tensorflow/tfjs-core';
import { bytesToUnit } from './wasm-kernels/elementwise';
import { wasmKernels } from './wasm-kernels';

export function unitFloatTensor(bytes: Uint8Array, shape: number[]): tf.Tensor {
  const backend = tf.backend() as KernelBackend;
  const kernels = wasmKernels(backend);
  if (kernels) return tf.engine().makeTensorFromTensorInfo(bytesToUnit(kernels, backend, bytes, shape), backend);
  const values = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) values[i] = bytes[i] / 255;
  return tf.tensor(values, shape, 'float32');
}
