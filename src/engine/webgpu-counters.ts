/**
 * Counts of the WebGPU backend's traffic between host and GPU: compute dispatches, tensor
 * uploads (host values copied into a GPU buffer), uniform writes (each dispatch's small
 * parameter block) and readbacks (a GPU buffer mapped and copied back to the host, which waits
 * for all queued work). They say where a training step waits on the host, the same on Mesa's
 * lavapipe as on a GPU.
 *
 * Off by default, and free while off: nothing is hooked until `countWebgpuTraffic` is called
 * (by the bench and the GPU kit), after the WebGPU backend has started. It wraps the backend's
 * own upload and readback methods on its instance, and Dawn's dispatch and queue-write
 * methods on their prototypes (Dawn's classes are on the global object once the backend is
 * loaded: see webgpu.ts).
 */
import * as tf from '@tensorflow/tfjs-core';

export interface WebgpuCounts {
  dispatches: number;
  uploads: number;
  uploadBytes: number;
  uniformWrites: number;
  readbacks: number;
}

/** The parts of TensorFlow.js's WebGPUBackend (4.22) that are counted. */
interface WebgpuBackendInternals {
  tensorMap: { get(dataId: object): { values?: unknown; resource?: unknown; dtype: string; shape: number[] } | undefined };
  uploadToGPU(dataId: object): void;
  getBufferData(buffer: unknown): Promise<ArrayBuffer>;
}

type Method = (...args: unknown[]) => unknown;

const counts: WebgpuCounts = { dispatches: 0, uploads: 0, uploadBytes: 0, uniformWrites: 0, readbacks: 0 };
let installed = false;

function wrap(owner: Record<string, unknown>, name: string, before: (self: unknown, args: unknown[]) => void): void {
  const original = owner[name];
  if (typeof original !== 'function') throw new Error(`WebGPU counters: ${name} is not a method here (tfjs or Dawn changed)`);
  owner[name] = function (this: unknown, ...args: unknown[]) {
    before(this, args);
    return (original as Method).apply(this, args);
  };
}

function prototypeOf(className: string): Record<string, unknown> {
  const cls = (globalThis as Record<string, unknown>)[className] as { prototype?: Record<string, unknown> } | undefined;
  if (!cls?.prototype) throw new Error(`WebGPU counters: ${className} is not defined (is the WebGPU backend loaded?)`);
  return cls.prototype;
}

/**
 * Starts counting (once per process) on the active WebGPU backend, and returns a function that
 * reads the counts so far: the difference of two readings is what happened between them.
 */
export function countWebgpuTraffic(): () => WebgpuCounts {
  if (!installed) {
    if (tf.getBackend() !== 'webgpu') throw new Error(`WebGPU counters: the active backend is ${tf.getBackend()}, not webgpu`);
    const backend = tf.backend() as unknown as WebgpuBackendInternals & Record<string, unknown>;
    wrap(backend, 'uploadToGPU', (self, [dataId]) => {
      const data = (self as WebgpuBackendInternals).tensorMap.get(dataId as object);
      // Only a tensor whose values are still on the host is copied; one already on the GPU is not.
      if (data && data.resource == null && data.values != null) {
        counts.uploads += 1;
        counts.uploadBytes += 4 * data.shape.reduce((a, b) => a * b, 1);
      }
    });
    wrap(backend, 'getBufferData', () => void (counts.readbacks += 1));
    wrap(prototypeOf('GPUComputePassEncoder'), 'dispatchWorkgroups', () => void (counts.dispatches += 1));
    wrap(prototypeOf('GPUQueue'), 'writeBuffer', () => void (counts.uniformWrites += 1));
    installed = true;
  }
  return () => ({ ...counts });
}

/** `after - before`, per `per` (steps, say). */
export function countsBetween(before: WebgpuCounts, after: WebgpuCounts, per = 1): WebgpuCounts {
  const d = (key: keyof WebgpuCounts) => (after[key] - before[key]) / per;
  return { dispatches: d('dispatches'), uploads: d('uploads'), uploadBytes: d('uploadBytes'), uniformWrites: d('uniformWrites'), readbacks: d('readbacks') };
}

/** "N dispatches, N uploads (N KiB), N uniform writes, N readbacks" (one decimal where fractional). */
export function formatCounts(c: WebgpuCounts): string {
  const n = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(1));
  return (
    `${n(c.dispatches)} dispatches, ${n(c.uploads)} uploads (${n(Math.round(c.uploadBytes / 102.4) / 10)} KiB), ` +
    `${n(c.uniformWrites)} uniform writes, ${n(c.readbacks)} readbacks`
  );
}
