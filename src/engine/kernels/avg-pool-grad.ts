/**
 * AvgPoolGrad for float32 NHWC as one scatter pass: each output gradient, times
 * 1/(filter area), is added to the in-bounds input positions of its window, a channel row at
 * a time. Where the windows tile the input (LeNet's 2x2 / 2) each input position gets one
 * window's value, in the project's wasm kernels where they are loaded. The stock wasm kernel is a per-element loop about 5x slower on LeNet's 2x2
 * pools. (Same arithmetic as the cpu backend's kernel, which also divides by the full
 * filter area.)
 */
import { AvgPoolGrad, backend_util, type AvgPoolGradAttrs, type KernelConfig, type NamedAttrMap } from '@tensorflow/tfjs-core';
import { avgPoolTiledGradient } from '../wasm-kernels/elementwise';
import { wasmKernels } from '../wasm-kernels';
import { tilingWindow } from './avg-pool';
import { allocF32, f32 } from '../wasm-kernels/heap';
import { defineKernel, runStock } from './stock';

export function avgPoolGradConfig(backendName: string): KernelConfig {
  return defineKernel<AvgPoolGradAttrs>(AvgPoolGrad, backendName, (inputs, attrs, backend) => {
    const { dy, input } = inputs;
    if (dy.dtype !== 'float32' || input.shape.length !== 4) {
      return runStock(AvgPoolGrad, backendName, backend, inputs, attrs as unknown as NamedAttrMap);
    }
    const info = backend_util.computePool2DInfo(
      input.shape as [number, number, number, number],
      attrs.filterSize,
      attrs.strides,
      1,
      attrs.pad,
    );
    const window = tilingWindow(info);
    const kernels = wasmKernels(backend);
    if (window && kernels) return avgPoolTiledGradient(kernels, backend, dy, input.shape, window);
    const { batchSize, inHeight, inWidth, inChannels: C, outHeight, outWidth } = info;
    const { filterHeight, filterWidth, strideHeight, strideWidth } = info;
    const { top, left } = info.padInfo;
    const out = allocF32(backend, input.shape);
    const dx = f32(backend, out);
    const g = f32(backend, dy);
    const scale = 1 / (filterHeight * filterWidth);
    if (window) {
      // The windows tile the input exactly (LeNet's 2x2, stride 2): each input position gets
      // one window's value, written once, with no zero fill and no accumulation.
      const rowLength = inWidth * C;
      for (let n = 0; n < batchSize; n++) {
        for (let oh = 0; oh < outHeight; oh++) {
          const rowStart = ((n * inHeight + oh * strideHeight) * inWidth * C) | 0;
          const src0 = ((n * outHeight + oh) * outWidth * C) | 0;
          // First input row of the band: each window's values repeated filterWidth times.
          for (let ow = 0; ow < outWidth; ow++) {
            const src = src0 + ow * C;
            let dst = rowStart + ow * strideWidth * C;
            for (let kw = 0; kw < filterWidth; kw++, dst += C) {
              for (let c = 0; c < C; c++) dx[dst + c] = g[src + c] * scale;
            }
          }
          // The other rows of the band are copies of the first.
          for (let kh = 1; kh < filterHeight; kh++) dx.copyWithin(rowStart + kh * rowLength, rowStart, rowStart + rowLength);
        }
      }
      return out;
    }
    dx.fill(0);
    for (let n = 0; n < batchSize; n++) {
      for (let oh = 0; oh < outHeight; oh++) {
        for (let ow = 0; ow < outWidth; ow++) {
          const src = (((n * outHeight + oh) * outWidth + ow) * C) | 0;
          for (let kh = 0; kh < filterHeight; kh++) {
            const h = oh * strideHeight + kh - top;
            if (h < 0 || h >= inHeight) continue;
            for (let kw = 0; kw < filterWidth; kw++) {
              const w = ow * strideWidth + kw - left;
              if (w < 0 || w >= inWidth) continue;
              const dst = (((n * inHeight + h) * inWidth + w) * C) | 0;
              for (let c = 0; c < C; c++) dx[dst + c] += g[src + c] * scale;
            }
          }
        }
      }
    }
    return out;
  });
}
