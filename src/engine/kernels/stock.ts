/**
 * Calling other kernels from inside a kernel. A kernel the project registers composes the
 * backend's own kernels (Conv2D, Transpose, ...) the way tfjs backends do internally: by
 * calling kernel functions on TensorInfos and freeing the intermediates itself, so that
 * nothing is recorded on the gradient tape or the engine's tensor count.
 *
 * The stock kernel a project kernel replaces is captured before it is unregistered, so that
 * the replacement can fall back to it for the cases it does not handle.
 */
import {
  getKernel,
  type KernelBackend,
  type KernelConfig,
  type KernelFunc,
  type NamedAttrMap,
  type NamedTensorInfoMap,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { markComposed, markHandedBack } from '../kernel-paths';

const replaced = new Map<string, KernelConfig>();

function key(kernelName: string, backendName: string): string {
  return `${backendName}/${kernelName}`;
}

/** Remembers the stock kernel `kernelName` of `backendName` before it is replaced. */
export function rememberStock(kernelName: string, backendName: string): void {
  const k = key(kernelName, backendName);
  if (replaced.has(k)) return;
  const config = getKernel(kernelName, backendName);
  if (config) replaced.set(k, config);
}

/** The stock kernel's config if the project replaced it (to put it back). */
export function stockConfig(kernelName: string, backendName: string): KernelConfig | undefined {
  return replaced.get(key(kernelName, backendName));
}

/** The stock kernel, whether or not the project has replaced it; undefined if none. */
export function stockKernel(kernelName: string, backendName: string): KernelFunc | undefined {
  return (replaced.get(key(kernelName, backendName)) ?? getKernel(kernelName, backendName))?.kernelFunc;
}

function callStock(
  kernelName: string,
  backendName: string,
  backend: KernelBackend,
  inputs: NamedTensorInfoMap,
  attrs: NamedAttrMap,
): TensorInfo {
  const fn = stockKernel(kernelName, backendName);
  if (!fn) throw new Error(`kernel ${kernelName} is not registered for backend ${backendName}`);
  const out = fn({ inputs, backend, attrs });
  if (Array.isArray(out)) throw new Error(`kernel ${kernelName} returned ${out.length} outputs`);
  return out as TensorInfo;
}

/**
 * Hands a case to the backend's stock kernel `kernelName` and returns its single output (a
 * kernel's fallback: counted as its stock path when it is the kernel's own name).
 */
export function runStock(
  kernelName: string,
  backendName: string,
  backend: KernelBackend,
  inputs: NamedTensorInfoMap,
  attrs: NamedAttrMap = {},
): TensorInfo {
  markHandedBack(kernelName);
  return callStock(kernelName, backendName, backend, inputs, attrs);
}

/** Frees intermediates produced by runStock. */
export function release(backend: KernelBackend, ...infos: TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

/** A kernel-level helper bound to one backend: run(name, inputs, attrs), and free(...). */
export interface KernelOps {
  run(kernelName: string, inputs: NamedTensorInfoMap, attrs?: NamedAttrMap): TensorInfo;
  free(...infos: TensorInfo[]): void;
  transpose(x: TensorInfo, perm: number[]): TensorInfo;
  reshape(x: TensorInfo, shape: number[]): TensorInfo;
  /** Stride-1 NHWC Conv2D with explicit padding [top, bottom, left, right]. */
  conv2d(x: TensorInfo, filter: TensorInfo, pads: readonly number[], dilations: [number, number]): TensorInfo;
}

export function kernelOps(backendName: string, backend: KernelBackend): KernelOps {
  const run = (kernelName: string, inputs: NamedTensorInfoMap, attrs: NamedAttrMap = {}): TensorInfo => {
    markComposed();
    return callStock(kernelName, backendName, backend, inputs, attrs);
  };
  return {
    run,
    free: (...infos) => release(backend, ...infos),
    transpose: (x, perm) => run('Transpose', { x }, { perm }),
    reshape: (x, shape) => run('Reshape', { x }, { shape }),
    conv2d: (x, filter, [top, bottom, left, right], dilations) =>
      run(
        'Conv2D',
        { x, filter },
        {
          strides: [1, 1],
          pad: [
            [0, 0],
            [top, bottom],
            [left, right],
            [0, 0],
          ],
          dataFormat: 'NHWC',
          dilations,
          dimRoundingMode: undefined as unknown as string,
        },
      ),
  };
}

/** A kernel body with its inputs looked up by name and its attrs typed. */
export type KernelBody<A> = (
  inputs: Record<string, TensorInfo>,
  attrs: A,
  backend: KernelBackend,
) => TensorInfo;

/** A KernelConfig for `kernelName` on `backendName` running `body`. */
export function defineKernel<A>(kernelName: string, backendName: string, body: KernelBody<A>): KernelConfig {
  const kernelFunc: KernelFunc = ({ inputs, backend, attrs }) =>
    body(inputs as Record<string, TensorInfo>, attrs as unknown as A, backend as KernelBackend);
  return { kernelName, backendName, kernelFunc };
}
