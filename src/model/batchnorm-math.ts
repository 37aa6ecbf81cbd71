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
 * The training-mode gradient of the book's (full) BatchNorm is written by hand (tf.customGrad)
 * rather than left to autodiff, which broadcasts and re-reduces per-channel terms several
 * times. Forward is three passes over the data and backward two, written with the
 * per-channel ops of ../engine/channel-ops.ts: forward the mean (tf.mean), the sum of squared
 * deviations, then y = (x - mean) * (gamma / sigma) + beta as one affine map per channel;
 * backward the sums of dy and dy * (x - mean), then dx as one affine map of x and dy per
 * channel. Each of those ops is one kernel pass on wasm and cpu, and the same formula in
 * plain tfjs-core ops elsewhere (webgpu). The "lite" modes of the chapter's exercises (`center`: only subtract the mean;
 * `scale`: only divide by the standard deviation) are plain ops that autodiff differentiates:
 * they are for experiments, not speed.
 */
import * as tf from '@tensorflow/tfjs-core';
import { channelAffine, channelSquares, channelSums } from '../engine/channel-ops';
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

/**
 * y = gamma * (x - mean) / sqrt(var + eps) + beta with the batch's own mean and biased
 * variance, differentiable in x, gamma and beta through a hand-written gradient.
 */
function normalizeWithBatchStatistics(
  x: tf.Tensor,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  axes: number[],
  epsilon: number,
): BatchStatistics {
  // customGrad returns one tensor; the batch statistics leave through this side channel.
  // They are kept past customGrad's internal tidy and handed to the caller, who owns them.
  let mean: tf.Tensor1D | undefined;
  let variance: tf.Tensor1D | undefined;
  const count = axes.reduce((n, axis) => n * x.shape[axis]!, 1);

  const normalize = tf.customGrad((xIn, gammaIn, betaIn, save) => {
    const input = xIn as tf.Tensor;
    const g = gammaIn as tf.Tensor1D;
    const b = betaIn as tf.Tensor1D;
    const batchMean = tf.mean(input, axes) as tf.Tensor1D;
    // The biased variance, mean((x - mean)^2), its sum taken in one pass.
    const batchVariance = tf.div(channelSquares(input, batchMean), count) as tf.Tensor1D;
    const invStd = tf.rsqrt(tf.add(batchVariance, epsilon)) as tf.Tensor1D;
    mean = tf.keep(batchMean);
    variance = tf.keep(batchVariance);
    (save as tf.GradSaveFunc)([input, batchMean, invStd, g]);
    // y = gamma * x_hat + beta with x_hat = (x - mean) * invStd: per channel, one affine map
    // of x, (x - mean) * (gamma * invStd) + beta, so x_hat is never written out.
    const y = channelAffine(input, tf.mul(g, invStd) as tf.Tensor1D, { center: batchMean, shift: b });
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [savedX, savedMean, savedInvStd, savedGamma] = saved as [tf.Tensor, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];
        // Per channel, in one pass: sum dy = dbeta, and sum dy (x - mean) = dgamma / invStd.
        const { sum: dBeta, dot: dyCentered } = channelSums(dy, savedX, savedMean);
        const dGamma = tf.mul(dyCentered, savedInvStd) as tf.Tensor1D; // sum dy * x_hat
        // dx = gamma * invStd * (dy - mean(dy) - x_hat * mean(dy * x_hat)), per channel; with
        // k = gamma * invStd and x_hat = (x - mean) * invStd that is one affine map of x plus
        // k * dy:  dx = (x - mean) * (-k * invStd * dgamma / n) + (-k * dbeta / n) + k * dy.
        const k = tf.mul(savedGamma, savedInvStd) as tf.Tensor1D;
        const slope = tf.mul(k, tf.mul(savedInvStd, tf.div(dGamma, -count))) as tf.Tensor1D;
        const shift = tf.mul(k, tf.div(dBeta, -count)) as tf.Tensor1D;
        const dx = channelAffine(savedX, slope, { center: savedMean, shift, plus: dy, plusScale: k });
        return [dx, dGamma, dBeta];
      },
    };
  });

  const y = normalize(x, gamma, beta);
  if (!mean || !variance) throw new Error('BatchNorm: batch statistics were not computed');
  // Ownership passes to the caller's tidy scope: untrack them from keep by re-wrapping.
  const ownedMean = tf.clone(mean);
  const ownedVariance = tf.clone(variance);
  mean.dispose();
  variance.dispose();
  return { y, mean: ownedMean, variance: ownedVariance };
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
