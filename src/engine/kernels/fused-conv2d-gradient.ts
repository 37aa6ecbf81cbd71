/**
 * A gradient for FusedConv2D that computes only what the tape needs.
 *
 * tfjs-core's tf.fused.conv2d differentiates through a tf.customGrad that computes the input
 * gradient, the filter gradient and the bias gradient all at once. For the first layer of a
 * network, whose input is the data, the input gradient (a full Conv2DBackpropInput) is
 * computed and then thrown away: the engine prunes inputs that lead to no trainable variable
 * only by not calling their gradient closures, and customGrad's closures just return values
 * already computed.
 *
 * The project's tf.fused.conv2d (../layer-ops.ts) runs the FusedConv2D kernel as a plain
 * kernel call, and this gradient returns one lazy closure per input, as tfjs-core's gradients
 * of ordinary kernels do, so the engine calls only those of inputs on the tape. The closures
 * run the same kernels with the same arguments as tfjs-core's fused gradient
 * (Conv2DBackpropInput, Conv2DBackpropFilter, Sum over all axes but the last), so values are
 * unchanged bit for bit. Attributes: NHWC, dilations 1, linear activation (the only case the
 * op sends here).
 */
import * as tf from '@tensorflow/tfjs-core';
import { Conv2DBackpropFilter, Conv2DBackpropInput, FusedConv2D, type GradConfig, type NamedAttrMap, type Tensor } from '@tensorflow/tfjs-core';

export interface FusedConv2dAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number;
  dataFormat: 'NHWC';
  dilations: [number, number] | number;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  activation: 'linear';
  leakyreluAlpha?: number;
}

export const fusedConv2dGradient: GradConfig = {
  kernelName: FusedConv2D,
  inputsToSave: ['x', 'filter'],
  gradFunc: (dy, saved, attrs) => {
    const [x, filter] = saved;
    const dyT = dy as Tensor;
    const { strides, pad, dimRoundingMode } = attrs as unknown as FusedConv2dAttrs;
    const common = { strides, pad, dataFormat: 'NHWC', dimRoundingMode };
    return {
      x: () =>
        tf.engine().runKernel(Conv2DBackpropInput, { dy: dyT, filter }, {
          ...common,
          inputShape: x.shape,
        } as unknown as NamedAttrMap) as Tensor,
      filter: () =>
        tf.engine().runKernel(Conv2DBackpropFilter, { x, dy: dyT }, {
          ...common,
          filterShape: filter.shape,
        } as unknown as NamedAttrMap) as Tensor,
      bias: () => tf.sum(dyT, [0, 1, 2]),
    };
  },
};
