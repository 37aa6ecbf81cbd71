/**
 * Conv2D and FusedConv2D (linear activation) with stride 1 and dilation 1, NHWC, float32, on
 * the project's wasm kernels (../wasm-kernels/conv.ts) where they are loaded: a direct convolution,
 * faster than XNNPACK's on LeNet's small channel counts. Everything else, and everything when
 * the kernels are not loaded, goes to the stock kernel.
 */
import {
  backend_util,
  util,
  type Conv2DAttrs,
  type FusedConv2DAttrs,
  type KernelConfig,
  type NamedAttrMap,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { convolve } from '../wasm-kernels/conv';
import { wasmKernels } from '../wasm-kernels';
import { defineKernel, runStock } from './stock';

export function conv2dConfig(kernelName: 'Conv2D' | 'FusedConv2D', backendName: string): KernelConfig {
  return defineKernel<Conv2DAttrs & Partial<FusedConv2DAttrs>>(kernelName, backendName, (inputs, attrs, backend) => {
    const { x, filter, bias, preluActivationWeights } = inputs as Record<string, TensorInfo | undefined> & { x: TensorInfo; filter: TensorInfo };
    const kernels = wasmKernels(backend);
    const stock = () => runStock(kernelName, backendName, backend, inputs, attrs as unknown as NamedAttrMap);
    if (!kernels || x.dtype !== 'float32' || filter.dtype !== 'float32' || x.shape.length !== 4) return stock();
    if ((attrs.activation ?? 'linear') !== 'linear' || preluActivationWeights) return stock();
    const info = backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      filter.shape as [number, number, number, number],
      attrs.strides,
      attrs.dilations,
      attrs.pad,
      attrs.dimRoundingMode,
      false,
      backend_util.convertConv2DDataFormat(attrs.dataFormat),
    );
    const Co = info.outChannels;
    const plain = info.strideHeight === 1 && info.strideWidth === 1 && info.dilationHeight === 1 && info.dilationWidth === 1;
    if (!plain || info.dataFormat !== 'channelsLast' || info.padInfo.top < 0 || info.padInfo.left < 0) return stock();
    if (bias && (bias.dtype !== 'float32' || util.sizeFromShape(bias.shape) !== Co || bias.shape[bias.shape.length - 1] !== Co)) return stock();
    return convolve(kernels, backend, x, filter, bias, info.padInfo, info.outShape);
  });
}
