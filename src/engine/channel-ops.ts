/**
 * Per-channel ops on channels-last tensors (the channel is the last axis; "per channel"
 * means over every other axis), each one pass over the data where the project registers its
 * kernel (wasm and cpu, kernels/channel-affine.ts), and the same formula in plain tfjs-core
 * ops on every other backend (webgpu, tensorflow):
 *
 *   channelAffine:  y = (x - center) * scale + shift [+ plus * plusScale]
 *   channelSums:    sum = Σ a,  dot = Σ a · (b - center)
 *   channelSquares: Σ (x - center)^2
 *   channelMoments: the mean and the biased variance (Σ (x - mean)^2 / n), the variance
 *                   from a second pass; one kernel on wasm, tf.mean and channelSquares elsewhere
 *
 * scale, shift, center and plusScale are vectors of one value per channel. In plain ops the
 * affine map is two to four full-size passes with a tensor written by each, the sums three
 * and the squares three; these are what a per-channel normalization (BatchNorm) and its
 * gradient are made of. All three are differentiable (their gradients are registered with
 * the kernels, in these ops).
 */
import * as tf from '@tensorflow/tfjs-core';

export const CHANNEL_AFFINE = 'BnlenetChannelAffine';
/** The same kernel with the plus term: a kernel's gradient saves a fixed list of inputs. */
export const CHANNEL_AFFINE_PLUS = 'BnlenetChannelAffinePlus';
export const CHANNEL_SUMS = 'BnlenetChannelSums';
export const CHANNEL_SQUARES = 'BnlenetChannelSquares';
export const CHANNEL_MOMENTS = 'BnlenetChannelMoments';

export interface ChannelAffineTerms {
  /** Subtracted from x before scaling; default 0. */
  center?: tf.Tensor1D;
  /** Added after scaling; default 0. */
  shift?: tf.Tensor1D;
  /** A second tensor of x's shape, times plusScale per channel, added last. */
  plus?: tf.Tensor;
  plusScale?: tf.Tensor1D;
}

function hasKernel(name: string): boolean {
  return tf.getKernel(name, tf.getBackend()) !== undefined;
}

/** y = (x - center) * scale + shift [+ plus * plusScale], per channel (the last axis of x). */
export function channelAffine(x: tf.Tensor, scale: tf.Tensor1D, terms: ChannelAffineTerms = {}): tf.Tensor {
  const { center, shift, plus, plusScale } = terms;
  if ((plus === undefined) !== (plusScale === undefined)) throw new Error('channelAffine: plus and plusScale go together');
  const kernel = plus ? CHANNEL_AFFINE_PLUS : CHANNEL_AFFINE;
  if (hasKernel(kernel) && x.dtype === 'float32') {
    return tf.tidy(() => {
      const zeros = () => tf.zeros([x.shape[x.rank - 1]]);
      const inputs: Record<string, tf.Tensor> = { x, scale, center: center ?? zeros(), shift: shift ?? zeros() };
      if (plus && plusScale) Object.assign(inputs, { plus, plusScale });
      return tf.engine().runKernel(kernel, inputs) as tf.Tensor;
    });
  }
  return tf.tidy(() => {
    let y = tf.mul(center ? tf.sub(x, center) : x, scale);
    if (shift) y = tf.add(y, shift);
    return plus && plusScale ? tf.add(y, tf.mul(plus, plusScale)) : y;
  });
}

/** Per channel (the last axis): Σ a and Σ a · (b - center), for a and b of one shape. */
export function channelSums(a: tf.Tensor, b: tf.Tensor, center: tf.Tensor1D): { sum: tf.Tensor1D; dot: tf.Tensor1D } {
  if (hasKernel(CHANNEL_SUMS) && a.dtype === 'float32' && b.dtype === 'float32') {
    const [sum, dot] = tf.engine().runKernel(CHANNEL_SUMS, { a, b, center }) as tf.Tensor1D[];
    return { sum, dot };
  }
  const axes = a.shape.slice(0, -1).map((_, i) => i);
  return {
    sum: tf.sum(a, axes) as tf.Tensor1D,
    dot: tf.tidy(() => tf.sum(tf.mul(a, tf.sub(b, center)), axes) as tf.Tensor1D),
  };
}

/** Per channel (the last axis): Σ (x - center)^2. */
export function channelSquares(x: tf.Tensor, center: tf.Tensor1D): tf.Tensor1D {
  if (hasKernel(CHANNEL_SQUARES) && x.dtype === 'float32') {
    return tf.engine().runKernel(CHANNEL_SQUARES, { x, center }) as tf.Tensor1D;
  }
  const axes = x.shape.slice(0, -1).map((_, i) => i);
  return tf.tidy(() => tf.sum(tf.square(tf.sub(x, center)), axes) as tf.Tensor1D);
}

/**
 * Per channel (the last axis): the mean, and the biased variance around it. The kernel (wasm)
 * gives the bytes of the composed form, which runs elsewhere: the mean rounded to float32,
 * the squared deviations about that float32 mean summed, rounded, and divided by n in float32.
 */
export function channelMoments(x: tf.Tensor): { mean: tf.Tensor1D; variance: tf.Tensor1D } {
  if (hasKernel(CHANNEL_MOMENTS) && x.dtype === 'float32' && x.rank >= 1) {
    const [mean, variance] = tf.engine().runKernel(CHANNEL_MOMENTS, { x }) as tf.Tensor1D[];
    return { mean, variance };
  }
  const axes = x.shape.slice(0, -1).map((_, i) => i);
  return tf.tidy(() => {
    const mean = tf.mean(x, axes) as tf.Tensor1D;
    const variance = tf.div(channelSquares(x, mean), x.size / x.shape[x.rank - 1]) as tf.Tensor1D;
    return { mean, variance };
  });
}
