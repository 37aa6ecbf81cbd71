/**
 * The from-scratch BatchNorm as a tfjs-layers Layer. The layer owns the state; the math is
 * batchNorm() in batchnorm-math.ts. As in tfjs-layers' own normalization.ts:
 * - gamma (ones) and beta (zeros) are trainable weights;
 * - the moving mean (zeros) and variance (ones) are non-trainable weights, so model saving
 *   writes them and loading restores them;
 * - the shape comes from the input at build time (channels-last, rank 2 or 4);
 * - the `training` flag comes with each call (no global mode);
 * - the class is registered for serialization, so a saved model loads back.
 * The "lite" BatchNorm of the chapter's exercises is a setting saved in the layer's config:
 * `mode` 'center' only subtracts the mean, 'scale' only divides by the standard deviation;
 * so are momentum, epsilon and `runningVariance` ('unbiased': PyTorch's moving variance).
 */
import * as tf from '@tensorflow/tfjs-core';
import { initializers, layers, LayerVariable } from '@tensorflow/tfjs-layers';
import { batchNorm, BOOK_EPSILON, BOOK_MOMENTUM, reductionAxes } from './batchnorm-math';
import type { BnMode, BnRunningVariance } from './variant';

import type { LayerArgs } from '@tensorflow/tfjs-layers/dist/engine/topology';
type Shape = (number | null)[];

export interface BatchNormArgs extends LayerArgs {
  momentum?: number;
  epsilon?: number;
  /** What to normalize by; default 'full'. */
  mode?: BnMode;
  /** The batch variance the moving variance follows; default 'biased'. */
  runningVariance?: BnRunningVariance;
}

export class BatchNorm extends layers.Layer {
  static readonly className = 'BnlenetBatchNorm';
  readonly momentum: number;
  readonly epsilon: number;
  readonly mode: BnMode;
  readonly runningVariance: BnRunningVariance;
  private gamma?: LayerVariable;
  private beta?: LayerVariable;
  private movingMean?: LayerVariable;
  private movingVariance?: LayerVariable;

  constructor(args: BatchNormArgs = {}) {
    super(args);
    this.momentum = args.momentum ?? BOOK_MOMENTUM;
    this.epsilon = args.epsilon ?? BOOK_EPSILON;
    this.mode = args.mode ?? 'full';
    // Models saved before the setting existed load back as the book's (biased).
    this.runningVariance = args.runningVariance ?? 'biased';
    this.supportsMasking = true;
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    reductionAxes(shape.length); // throws a clear error for ranks other than 2, 3 and 4
    const channels = shape[shape.length - 1];
    if (channels == null) throw new Error(`${this.name}: the channel axis must have a known size`);
    this.gamma = this.addWeight('gamma', [channels], 'float32', initializers.ones(), undefined, true);
    this.beta = this.addWeight('beta', [channels], 'float32', initializers.zeros(), undefined, true);
    this.movingMean = this.addWeight('moving_mean', [channels], 'float32', initializers.zeros(), undefined, false);
    this.movingVariance = this.addWeight(
      'moving_variance',
      [channels],
      'float32',
      initializers.ones(),
      undefined,
      false,
    );
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    const training = kwargs.training === true;
    const out = batchNorm({
      x,
      gamma: this.gamma!.read() as tf.Tensor1D,
      beta: this.beta!.read() as tf.Tensor1D,
      movingMean: this.movingMean!.read() as tf.Tensor1D,
      movingVariance: this.movingVariance!.read() as tf.Tensor1D,
      epsilon: this.epsilon,
      momentum: this.momentum,
      training,
      mode: this.mode,
      runningVariance: this.runningVariance,
    });
    if (training) {
      this.movingMean!.write(out.movingMean);
      this.movingVariance!.write(out.movingVariance);
    }
    return out.y;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    return inputShape;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), momentum: this.momentum, epsilon: this.epsilon, mode: this.mode, runningVariance: this.runningVariance };
  }
}

tf.serialization.registerClass(BatchNorm);
