/**
 * BatchNorm in training, with the batch's own statistics: the forward pass and its
 * hand-written gradient, written once and used by both BatchNorms of the project. The
 * from-scratch layer reaches it through the pure function of ../model/batchnorm-math.ts; the
 * built-in layer of tfjs-layers (tf.moments, then tf.batchNorm of those moments) through the
 * replaced ops of layer-ops.ts. It is made of the per-channel ops of channel-ops.ts, so it is
 * one kernel pass per step on wasm and cpu, and the same formula in plain tfjs-core ops on
 * every other backend:
 *
 *   forward:  the mean and the sum of squared deviations (channelMoments), then
 *             y = (x - mean) * (gamma / sigma) + beta as one affine map per channel;
 *   backward: the sums of dy and dy * (x - mean) in one pass, then dx as one affine map of x
 *             and dy per channel.
 *
 * The gradient is tf.customGrad's rather than autodiff's, which broadcasts and re-reduces
 * per-channel terms several times; the statistics are functions of x in it (the usual
 * batch-norm gradient), so nothing differentiates them separately.
 */
import * as tf from '@tensorflow/tfjs-core';
import { channelAffine, channelMoments, channelSums } from './channel-ops';

export interface BatchStatistics {
  mean: tf.Tensor1D;
  /** The biased variance, mean((x - mean)^2). */
  variance: tf.Tensor1D;
}

/** The number of values each channel's statistics are taken over. */
function countOver(x: tf.Tensor, axes: readonly number[]): number {
  return axes.reduce((n, axis) => n * x.shape[axis]!, 1);
}

/** The batch mean and biased variance of x over `axes`: every axis but the channel one. */
export function batchMoments(x: tf.Tensor, axes: number[]): BatchStatistics {
  if (axes.length !== x.rank - 1 || axes.some((axis, i) => axis !== i)) {
    throw new Error(`batch moments are over every axis but the last, got axes [${axes}] of rank ${x.rank}`);
  }
  return channelMoments(x);
}

/**
 * y = gamma * (x - mean) / sqrt(var + eps) + beta with the batch's own mean and biased
 * variance over `axes`, differentiable in x, gamma and beta. `statistics`, when given, are
 * those moments already taken (by batchMoments): they are used rather than taken again. The
 * statistics are returned beside y, owned by the caller.
 */
export function normalizeWithBatchStatistics(
  x: tf.Tensor,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  axes: number[],
  epsilon: number,
  statistics?: BatchStatistics,
): { y: tf.Tensor } & BatchStatistics {
  // customGrad returns one tensor; the batch statistics leave through this side channel.
  // They are kept past customGrad's internal tidy and handed to the caller, who owns them.
  let mean: tf.Tensor1D | undefined;
  let variance: tf.Tensor1D | undefined;
  const count = countOver(x, axes);

  const normalize = tf.customGrad((xIn, gammaIn, betaIn, save) => {
    const input = xIn as tf.Tensor;
    const g = gammaIn as tf.Tensor1D;
    const b = betaIn as tf.Tensor1D;
    const { mean: batchMean, variance: batchVariance } = statistics ?? batchMoments(input, axes);
    const invStd = tf.rsqrt(tf.add(batchVariance, epsilon)) as tf.Tensor1D;
    if (!statistics) {
      mean = tf.keep(batchMean);
      variance = tf.keep(batchVariance);
    }
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
  if (statistics) return { y, mean: tf.clone(statistics.mean), variance: tf.clone(statistics.variance) };
  if (!mean || !variance) throw new Error('BatchNorm: batch statistics were not computed');
  // Ownership passes to the caller's tidy scope: untrack them from keep by re-wrapping.
  const ownedMean = tf.clone(mean);
  const ownedVariance = tf.clone(variance);
  mean.dispose();
  variance.dispose();
  return { y, mean: ownedMean, variance: ownedVariance };
}
