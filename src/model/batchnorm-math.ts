/**
 * The BatchNorm math of "Dive into Deep Learning" 7.5 as one pure function: tensors in,
 * tensors out, no state. The layer in batchnorm-layer.ts owns the variables and calls this.
 *
 * Channels-last throughout (TensorFlow.js convention): the statistics of a rank-2 input
 * (N, C) are over axis 0; of a rank-3 input (N, L, C) over axes 0 and 1; of a rank-4 input
 * (N, H, W, C) over axes 0, 1 and 2, one value per channel.
 *
 * Training mode normalizes with the batch mean and the *biased* batch variance, and returns
 * the moving averages updated as the book writes them:
 *   moving = momentum * moving + (1 - momentum) * batch      (momentum 0.9, eps 1e-5)
 * so momentum here is the weight of the old value (PyTorch's momentum=0.1 is this 0.9;
 * Keras' default 0.99 means the same thing as here). With `runningVariance: 'unbiased'` the
 * moving variance follows the batch variance times n/(n-1), n the values per channel, as
 * PyTorch's BatchNorm does; the normalization itself still uses the biased one. Inference mode
 * normalizes with the moving statistics and returns them unchanged.
 *
 * The training-mode normalization of the book's (full) BatchNorm, with its hand-written
 * gradient, is the engine's (../engine/batch-norm-training.ts), which the built-in layer
 * reaches too: three passes forward and two backward, each one kernel pass on wasm and cpu,
 * the same formula in plain tfjs-core ops elsewhere (webgpu). The "lite" modes of the chapter's exercises (`center`: only subtract the mean;
 * `scale`: only divide by the standard deviation) are plain ops that autodiff differentiates:
 * they are for experiments, not speed.
 */
import * as tf from '@tensorflow/tfjs-core';
import { normalizeWithBatchStatistics } from '../engine/batch-norm-training';
import type { BnMode, BnRunningVariance } from './variant';

export const BOOK_MOMENTUM = 0.9;
export const BOOK_EPSILON = 1e-5;

export interface BatchNormInputs {
  x: tf.Tensor;
  gamma: tf.Tensor1D;
  beta: tf.Tensor1D;
  movingMean: tf.Tensor1D;
  movingVariance: tf.Tensor1D;
  /** Added to the variance before the square root. */
  epsilon: number;
  /** Weight of the old moving value in the moving-average update. */
  momentum: number;
  /** Batch statistics (and updated moving averages) when true; moving statistics when false. */
  training: boolean;
  /** What to normalize by; default 'full' (the book's). Both moving averages are kept in every mode. */
  mode?: BnMode;
  /** The batch variance the moving variance follows; default 'biased' (the book's). */
  runningVariance?: BnRunningVariance;
}

export interface BatchNormOutputs {
  y: tf.Tensor;
  movingMean: tf.Tensor1D;
  movingVariance: tf.Tensor1D;
}

/** The axes the statistics are taken over: every axis but the last (channel) one. */
export function reductionAxes(rank: number): number[] {
  if (rank < 2 || rank > 4) throw new Error(`BatchNorm takes rank-2 (N, C), rank-3 (N, L, C) or rank-4 (N, H, W, C) input, got rank ${rank}`);
  return [...Array(rank - 1).keys()];
}

export function batchNorm(inputs: BatchNormInputs): BatchNormOutputs {
  const { x, gamma, beta, movingMean, movingVariance, epsilon, momentum, training } = inputs;
  const mode = inputs.mode ?? 'full';
  const axes = reductionAxes(x.rank);
  if (!training) {
    const y =
      mode === 'full'
        ? tf.batchNorm(x, movingMean, movingVariance, beta, gamma, epsilon)
        : tf.tidy(() => affine(liteNormalize(mode, x, movingMean, movingVariance, epsilon), gamma, beta));
    return { y, movingMean, movingVariance };
  }
  const { y, mean, variance } =
    mode === 'full' ? normalizeWithBatchStatistics(x, gamma, beta, axes, epsilon) : liteWithBatchStatistics(mode, x, gamma, beta, axes, epsilon);
  const keep = 1 - momentum;
  // Unbiased: n/(n-1) for the n values each channel's variance was taken over (1 when n is 1, as there is no spread to correct).
  const count = axes.reduce((n, axis) => n * x.shape[axis]!, 1);
  const correction = inputs.runningVariance === 'unbiased' && count > 1 ? count / (count - 1) : 1;
  return {
    y,
    movingMean: tf.tidy(() => tf.add(tf.mul(movingMean, momentum), tf.mul(mean, keep))),
    movingVariance: tf.tidy(() => tf.add(tf.mul(movingVariance, momentum), tf.mul(variance, keep * correction))),
  };
}

interface BatchStatistics {
  y: tf.Tensor;
  mean: tf.Tensor1D;
  variance: tf.Tensor1D;
}

const affine = (normalized: tf.Tensor, gamma: tf.Tensor1D, beta: tf.Tensor1D): tf.Tensor => tf.add(tf.mul(normalized, gamma), beta);

/** center: x - mean; scale: x / sqrt(variance + eps) (the variance still taken about the mean). */
function liteNormalize(mode: Exclude<BnMode, 'full'>, x: tf.Tensor, mean: tf.Tensor1D, variance: tf.Tensor1D, epsilon: number): tf.Tensor {
  return mode === 'center' ? tf.sub(x, mean) : tf.mul(x, tf.rsqrt(tf.add(variance, epsilon)));
}

/** A lite BatchNorm with the batch's own statistics; autodiff differentiates it. */
function liteWithBatchStatistics(
  mode: Exclude<BnMode, 'full'>,
  x: tf.Tensor,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  axes: number[],
  epsilon: number,
): BatchStatistics {
  const mean = tf.mean(x, axes) as tf.Tensor1D;
  const variance = tf.mean(tf.square(tf.sub(x, mean)), axes) as tf.Tensor1D;
  return { y: affine(liteNormalize(mode, x, mean, variance, epsilon), gamma, beta), mean, variance };
}
