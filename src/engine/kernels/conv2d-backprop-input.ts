/**
 * Conv2DBackpropInput for stride 1, channels-last, as one forward convolution: the output
 * gradient padded by (K - 1 - pad) convolved with the filter flipped in both spatial axes and
 * with its channel axes swapped ([KH,KW,Co,Ci]), run by the backend's own Conv2D (XNNPACK
 * on wasm), much faster than wasm's stock loop; or, where the project's wasm kernels are
 * loaded, as their direct input gradient (../wasm-kernels/conv.ts). Strided and channels-first cases
 * go to the stock kernel, and so does a dy that is not the output of a convolution of
 * inputShape (tf.conv2dTranspose lets its caller give any outputShape): the stock kernel reads
 * only the window of dy that the convolution implies, and both paths here would read all of
 * it.
 */
import {
  backend_util,
  Conv2DBackpropInput,
  type Conv2DBackpropInputAttrs,
  type KernelConfig,
  type NamedAttrMap,
  util,
} from '@tensorflow/tfjs-core';
import { inputGradient } from '../wasm-kernels/conv';
import { wasmKernels } from '../wasm-kernels';
import { defineKernel, kernelOps, runStock } from './stock';

export function conv2DBackpropInputConfig(backendName: string): KernelConfig {
  return defineKernel<Conv2DBackpropInputAttrs>(Conv2DBackpropInput, backendName, (inputs, attrs, backend) => {
    const { dy, filter } = inputs;
    const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs;
    const info = backend_util.computeConv2DInfo(
      inputShape,
      filter.shape as [number, number, number, number],
      strides,
      1,
      pad,
      dimRoundingMode,
      false,
      backend_util.convertConv2DDataFormat(dataFormat),
    );
    const { top, left } = info.padInfo;
    const { filterHeight, filterWidth, inHeight, inWidth, outHeight, outWidth } = info;
    const pads = [filterHeight - 1 - top, inHeight - outHeight + top, filterWidth - 1 - left, inWidth - outWidth + left];
    if (
      !util.arraysEqual(dy.shape, info.outShape) ||
      info.strideHeight !== 1 ||
      info.strideWidth !== 1 ||
      info.dataFormat !== 'channelsLast' ||
      pads.some((p) => p < 0)
    ) {
      return runStock(Conv2DBackpropInput, backendName, backend, inputs, attrs as unknown as NamedAttrMap);
    }
    const kernels = wasmKernels(backend);
    if (kernels && dy.dtype === 'float32' && filter.dtype === 'float32') {
      return inputGradient(kernels, backend, dy, filter, info.padInfo, inputShape);
    }
    const ops = kernelOps(backendName, backend);
    const flipped = ops.run('Reverse', { x: filter }, { dims: [0, 1] });
    const swapped = ops.transpose(flipped, [0, 1, 3, 2]);
    ops.free(flipped);
    const out = ops.conv2d(dy, swapped, pads, [1, 1]);
    ops.free(swapped);
    return out;
  });
}
