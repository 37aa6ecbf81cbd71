/**
 * Conv2DBackpropFilter as one forward convolution, for backends that lack it (wasm) or run
 * it slowly. With x [N,H,W,Ci], dy [N,OH,OW,Co] and stride s,
 *
 *   dW[kh,kw,ci,co] = sum over n,oh,ow of x[n, oh*s + kh - padTop, ow*s + kw - padLeft, ci] * dy[n,oh,ow,co]
 *
 * which is a convolution of x with batch and channel axes swapped ([Ci,H,W,N], "batch" Ci,
 * "channels" N) by dy as a filter ([OH,OW,N,Co]), dilated by s, padded as the forward conv
 * was. The result [Ci,KH,KW,Co] (sliced to KH x KW if the input had unused edge rows) is
 * transposed to the filter layout [KH,KW,Ci,Co]. The convolution runs in the backend's own
 * Conv2D (XNNPACK on wasm).
 *
 * Where the project's wasm kernels are loaded, stride 1 without padding, channels-last (LeNet's
 * case) runs as a direct sum instead (../wasm-kernels/conv.ts).
 */
import {
  backend_util,
  Conv2DBackpropFilter,
  type Conv2DBackpropFilterAttrs,
  type KernelConfig,
} from '@tensorflow/tfjs-core';
import { filterGradient } from '../wasm-kernels/conv';
import { wasmKernels } from '../wasm-kernels';
import { defineKernel, kernelOps } from './stock';

export function conv2DBackpropFilterConfig(backendName: string): KernelConfig {
  return defineKernel<Conv2DBackpropFilterAttrs>(Conv2DBackpropFilter, backendName, (inputs, attrs, backend) => {
    const { x, dy } = inputs;
    const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs;
    const format = backend_util.convertConv2DDataFormat(dataFormat);
    const info = backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      filterShape,
      strides,
      1,
      pad,
      dimRoundingMode,
      false,
      format,
    );
    const kernels = wasmKernels(backend);
    const { top, left, bottom: padBottom, right: padRight } = info.padInfo;
    const unpadded = top === 0 && left === 0 && padBottom === 0 && padRight === 0;
    const stride1 = info.strideHeight === 1 && info.strideWidth === 1;
    if (kernels && unpadded && stride1 && info.dataFormat === 'channelsLast' && x.dtype === 'float32' && dy.dtype === 'float32') {
      return filterGradient(kernels, backend, x, dy, filterShape);
    }
    const ops = kernelOps(backendName, backend);
    const nhwc = info.dataFormat === 'channelsLast';
    // x -> [Ci, H, W, N]; dy -> [OH, OW, N, Co].
    const xT = ops.transpose(x, nhwc ? [3, 1, 2, 0] : [1, 2, 3, 0]);
    const dyT = ops.transpose(dy, nhwc ? [1, 2, 0, 3] : [2, 3, 0, 1]);
    const { inHeight, inWidth, outHeight, outWidth, strideHeight, strideWidth } = info;
    const { filterHeight, filterWidth } = info;
    const bottom = Math.max(0, filterHeight + (outHeight - 1) * strideHeight - inHeight - top);
    const right = Math.max(0, filterWidth + (outWidth - 1) * strideWidth - inWidth - left);
    const grad = ops.conv2d(xT, dyT, [top, bottom, left, right], [strideHeight, strideWidth]);
    ops.free(xT, dyT);
    let cropped = grad;
    if (grad.shape[1] !== filterHeight || grad.shape[2] !== filterWidth) {
      cropped = ops.run(
        'Slice',
        { x: grad },
        { begin: [0, 0, 0, 0], size: [grad.shape[0], filterHeight, filterWidth, grad.shape[3]] },
      );
      ops.free(grad);
    }
    const out = ops.transpose(cropped, [1, 2, 0, 3]);
    ops.free(cropped);
    return out;
  });
}
