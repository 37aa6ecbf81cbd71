/**
 * "Precise BatchNorm" (Wu and Johnson 2021, "Rethinking 'Batch' in BatchNorm", section 3):
 * each BatchNorm's population mean and variance recomputed with the final weights, as true
 * averages over N training images, instead of the moving averages that training left behind
 * (which mix statistics of earlier weights, each weighed by momentum^age).
 *
 * The images go through the network in batches of the run's batch size, every BatchNorm
 * normalizing with its batch's statistics as in training (batch-statistics-forward.ts); each
 * BatchNorm's input is summarized per channel by the batch's mean and biased variance, and the
 * batches are merged exactly (Chan et al.'s pairwise formula, in float64): the result is the
 * mean and biased variance over all N images (and, for conv layers, all positions), what the
 * moving averages estimate. Nothing in the model changes until `setMovingStatistics`.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { Split } from '../data';
import { BatchAssembler, identityOrder } from './batch';
import {
  batchNormName,
  batchNormPositions,
  batchStatisticsForward,
  snapshotMovingStatistics,
  weightLayerName,
  type Position,
} from './batch-statistics-forward';
import { yieldForStop } from '../util/abort';
import { evaluateSplit, type Evaluation } from './evaluate';

export const DEFAULT_RECOMPUTE_IMAGES = 10_000;

export interface RecomputedStatistics {
  position: Position;
  /** The BatchNorm layer's name (bn1 ... bn4). */
  name: string;
  mean: number[];
  variance: number[];
}

/** Running mean and sum of squared deviations of each channel, merged batch by batch. */
class ChannelMoments {
  private count = 0;
  private mean: number[] = [];
  private m2: number[] = [];

  add(count: number, mean: ArrayLike<number>, variance: ArrayLike<number>): void {
    const total = this.count + count;
    for (let c = 0; c < mean.length; c++) {
      const delta = mean[c]! - (this.mean[c] ?? 0);
      this.mean[c] = (this.mean[c] ?? 0) + (delta * count) / total;
      this.m2[c] = (this.m2[c] ?? 0) + variance[c]! * count + (delta * delta * this.count * count) / total;
    }
    this.count = total;
  }

  result(): { mean: number[]; variance: number[] } {
    return { mean: [...this.mean], variance: this.m2.map((m2) => m2 / this.count) };
  }
}

/**
 * The population statistics of every BatchNorm of `model` over the first `images` examples of
 * `train` (all of them when it holds fewer), in batches of `batchSize`. [] without BatchNorm.
 */
export async function recomputeBatchNormStatistics(
  model: LayersModel,
  train: Split,
  images: number,
  batchSize: number,
  signal?: AbortSignal,
): Promise<RecomputedStatistics[]> {
  const positions = batchNormPositions(model);
  if (positions.length === 0) return [];
  const count = Math.min(images, train.count);
  const inputs = new Set(positions.map(weightLayerName));
  const moments = positions.map(() => new ChannelMoments());
  const assembler = new BatchAssembler(train, batchSize);
  const order = identityOrder(count);
  for (let start = 0; start < count; start += batchSize) {
    await yieldForStop(signal);
    const batch = assembler.gather(order, start, Math.min(batchSize, count - start));
    const outputs = batchStatisticsForward(model, batch.images, inputs);
    tf.dispose([batch.images, batch.oneHot, batch.labels]);
    try {
      for (const [i, position] of positions.entries()) {
        const x = outputs.get(weightLayerName(position))!;
        const perChannel = x.size / x.shape[x.shape.length - 1]!;
        const { mean, variance } = tf.moments(x, [...Array(x.rank - 1).keys()]);
        moments[i]!.add(perChannel, await mean.data(), await variance.data());
        tf.dispose([mean, variance]);
      }
    } finally {
      outputs.forEach((tensor) => tensor.dispose());
    }
  }
  return positions.map((position, i) => ({ position, name: batchNormName(position), ...moments[i]!.result() }));
}

/** Writes the statistics into the model's BatchNorm layers as their moving mean and variance. */
export function setMovingStatistics(model: LayersModel, statistics: readonly RecomputedStatistics[]): void {
  for (const { name, mean, variance } of statistics) {
    const layer = model.getLayer(name);
    for (const [suffix, values] of [
      ['moving_mean', mean],
      ['moving_variance', variance],
    ] as const) {
      const weight = layer.weights.find((w) => w.originalName.endsWith(`/${suffix}`));
      if (!weight) throw new Error(`${name} has no ${suffix} weight`);
      const value = tf.tensor1d(values, 'float32');
      weight.write(value);
      value.dispose();
    }
  }
}

export interface PreciseEvaluation {
  /** The images the statistics were averaged over (fewer than asked when the split is smaller). */
  images: number;
  statistics: RecomputedStatistics[];
  evaluation: Evaluation;
}

/**
 * Recomputes the statistics over `images` training images, evaluates `test` with them, and
 * puts the model's moving statistics back as they were: the caller's model is unchanged.
 */
export async function evaluatePrecise(
  model: LayersModel,
  train: Split,
  test: Split,
  images: number,
  batchSize: number,
  signal?: AbortSignal,
): Promise<PreciseEvaluation> {
  const statistics = await recomputeBatchNormStatistics(model, train, images, batchSize, signal);
  const snapshot = snapshotMovingStatistics(model);
  try {
    setMovingStatistics(model, statistics);
    return { images: Math.min(images, train.count), statistics, evaluation: await evaluateSplit(model, test, { signal }) };
  } finally {
    snapshot.restore();
  }
}
