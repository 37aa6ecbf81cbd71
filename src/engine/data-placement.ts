/**
 * Where the training data should live while a run trains. On a backend that computes away
 * from host memory (WebGPU: a GPU's own memory), uploading each batch costs a host-to-device
 * copy per step (800 KB at batch 256), so the training split is uploaded once and each batch
 * gathered there. On the CPU backends (wasm, cpu, tfjs-node) host memory is where they compute,
 * and assembling a batch from the bytes is cheapest (the whole split as floats would be four
 * times the bytes).
 */
import * as tf from '@tensorflow/tfjs-core';

/** Backends whose tensors live in a device's own memory. */
const DEVICE_MEMORY_BACKENDS: ReadonlySet<string> = new Set(['webgpu']);

/** Whether the active backend keeps its tensors off the host. */
export function computesOffHost(): boolean {
  return DEVICE_MEMORY_BACKENDS.has(tf.getBackend());
}
