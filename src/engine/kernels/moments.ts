/**
 * tf.moments (batch mean and biased variance, which the built-in BatchNorm layer of
 * tfjs-layers takes in training) as one kernel, BnlenetMoments, for float32 reduced over
 * leading axes ([N,H,W,C] over [0,1,2], [N,C] over [0]) without keepDims:
 *
 *   mean[c] = sum x / n,  var[c] = sum (x - mean[c])^2 / n     (two passes, column-sums.ts)
 *
 * tfjs-core composes moments from Mean, Sub, Square and Mean. The op that reaches this kernel
 * is in ../layer-ops.ts. In the built-in BatchNorm's training step the outputs feed only the
 * moving averages and the fused batch-norm kernel (batch-norm-train.ts), so this node is
 * never differentiated there; its gradient, for any other use, is the exact derivative of
 * the two outputs in tfjs ops:
 *
 *   dx = dmean[c] / n + dvar[c] * 2 (x - mean[c]) / n
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GradConfig, KernelBackend, KernelConfig, KernelFunc, Tensor, TensorInfo } from '@tensorflow/tfjs-core';
import { leadingAxes } from './broadcast';
import { channelMoments } from './column-sums';
import { allocF32, f32 } from './heap';

export const MOMENTS = 'BnlenetMoments';

export interface MomentsAttrs {
  /** The leading axes reduced, sorted. */
  axes: number[];
}

export function momentsConfig(backendName: string): KernelConfig {
  const kernelFunc: KernelFunc = ({ inputs, backend: b, attrs }) => {
    const backend = b as KernelBackend;
    const { x } = inputs as { x: TensorInfo };
    const { axes } = attrs as unknown as MomentsAttrs;
    const rows = leadingAxes(x.shape, axes);
    if (!rows || x.dtype !== 'float32') throw new Error(`${MOMENTS}: float32 over leading axes only`);
    const kept = x.shape.slice(axes.length);
    const moments = channelMoments(backend, x, rows.inner);
    const outputs = [allocF32(backend, kept), allocF32(backend, kept)];
    f32(backend, outputs[0]).set(moments.mean);
    f32(backend, outputs[1]).set(moments.variance);
    return outputs;
  };
  return { kernelName: MOMENTS, backendName, kernelFunc };
}

export const momentsGradient: GradConfig = {
  kernelName: MOMENTS,
  inputsToSave: ['x'],
  outputsToSave: [true, false],
  gradFunc: (dy, saved) => {
    const [x, mean] = saved;
    const [dMean, dVariance] = (dy as (Tensor | null)[]).map((d) => d ?? tf.zerosLike(mean));
    const n = x.size / mean.size;
    return {
      x: () => tf.add(tf.div(dMean, n), tf.mul(tf.sub(x, mean), tf.mul(dVariance, 2 / n))),
    };
  },
};
