/**
 * Dropout whose masks follow from the run's seed, so that a run with dropout is reproducible
 * and a resumed run takes the same steps as one never interrupted.
 *
 * tfjs-layers' own dropout draws its mask from Math.random, or, given a seed, draws the SAME
 * mask at every step (tf.dropout reseeds its generator on each call). Here the mask of the
 * k-th training call is drawn from the stream seeded by (seed, k); k is the layer's `step`,
 * which getConfig saves with the model, so a checkpoint records how many masks were drawn and
 * a model loaded from it continues the sequence. Inference (training false) passes its input
 * through and draws nothing. Inverted dropout, as the book's: kept units are scaled by
 * 1 / (1 - rate), so inference needs no rescaling.
 */
import * as tf from '@tensorflow/tfjs-core';
import { layers } from '@tensorflow/tfjs-layers';

import type { LayerArgs } from '@tensorflow/tfjs-layers/dist/engine/topology';
type Shape = (number | null)[];

export interface SeededDropoutArgs extends LayerArgs {
  /** Fraction of units zeroed in training, from 0 up to but not including 1. */
  rate: number;
  seed: number;
  /** Training calls so far (masks drawn); 0 for a new layer. */
  step?: number;
}

export class SeededDropout extends layers.Layer {
  static readonly className = 'BnlenetDropout';
  readonly rate: number;
  readonly seed: number;
  private step: number;

  constructor(args: SeededDropoutArgs) {
    super(args);
    if (!(args.rate >= 0 && args.rate < 1)) throw new RangeError(`dropout rate ${args.rate}: expected 0 <= rate < 1`);
    this.rate = args.rate;
    this.seed = args.seed;
    this.step = args.step ?? 0;
    this.supportsMasking = true;
  }

  /** Training calls so far. */
  get masksDrawn(): number {
    return this.step;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    if (kwargs.training !== true || this.rate === 0) return tf.clone(x);
    const keep = 1 - this.rate;
    const stream = `${this.seed}/${this.step}`;
    this.step += 1;
    return tf.tidy(() => {
      const kept = tf.floor(tf.add(tf.randomUniform(x.shape, 0, 1, 'float32', stream), keep));
      return tf.mul(x, tf.div(kept, keep));
    });
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    return inputShape;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.rate, seed: this.seed, step: this.step };
  }
}

tf.serialization.registerClass(SeededDropout);
