/**
 * AvgPool on wasm for float32 NHWC whose windows tile the input (stride = window, no padding,
 * nothing left over: LeNet's 2x2 / 2), in the project's wasm kernels where they are loaded.
 * Everything else goes to the stock kernel.
 */
import { AvgPool, backend_util, type AvgPoolAttrs, type KernelConfig, type NamedAttrMap } from '@tensorflow/tfjs-core';
import { avgPoolTiled, type TiledWindow } from '../wasm-kernels/elementwise';
import { wasmKernels } from '../wasm-kernels';
import { defineKernel, runStock } from './stock';

/** The window, if pooling x of `shape` with `info` tiles it exactly. */
export function tilingWindow(info: backend_util.Conv2DInfo): TiledWindow | undefined {
  const { filterHeight, filterWidth, strideHeight, strideWidth, inHeight, inWidth, outHeight, outWidth } = info;
  const { top, left } = info.padInfo;
  const tiles =
    strideHeight === filterHeight &&
    strideWidth === filterWidth &&
    top === 0 &&
    left === 0 &&
    outHeight * strideHeight === inHeight &&
    outWidth * strideWidth === inWidth;
  return tiles ? { height: filterHeight, width: filterWidth } : undefined;
}

export function avgPoolConfig(backendName: string): KernelConfig {
  return defineKernel<AvgPoolAttrs>(AvgPool, backendName, (inputs, attrs, backend) => {
    const { x } = inputs;
    const kernels = wasmKernels(backend);
    const stock = () => runStock(AvgPool, backendName, backend, inputs, attrs as unknown as NamedAttrMap);
    if (!kernels || x.dtype !== 'float32' || x.shape.length !== 4) return stock();
    const info = backend_util.computePool2DInfo(x.shape as [number, number, number, number], attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
    const window = tilingWindow(info);
    return window ? avgPoolTiled(kernels, backend, x, window) : stock();
  });
}
