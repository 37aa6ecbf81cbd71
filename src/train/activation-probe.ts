/**
 * The activation probe: a fixed batch of training images, drawn once from the run's seed, sent
 * through the network in training mode (BatchNorm on the batch's own statistics, as the
 * training step sees it; see batch-statistics-forward.ts) at every epoch end, to record what
 * each BatchNorm receives and gives: per-channel mean and standard deviation and a histogram
 * of all values, for the input (`pre`, the output of the weight layer at the position) and the
 * output (`post`, absent where the position has no BatchNorm).
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { Split } from '../data';
import { readBatchNormParams } from '../model/batchnorm-inspect';
import { BatchAssembler } from './batch';
import {
  batchNormName,
  batchNormPositions,
  batchStatisticsForward,
  POSITIONS,
  weightLayerName,
  type Position,
} from './batch-statistics-forward';
import { permutation, SeededRandom } from './shuffle';
import type { ParamsRecord } from './store/epoch-logs';
import { ACTIVATIONS_LOG, PARAMS_LOG } from './store/layout';
import type { MeasureEpoch } from './store/run-store';

export const PROBE_SIZE = 256;
export const HISTOGRAM_BINS = 40;
/** Mixed into the seed so that the probe's draw is not the first epoch's shuffle. */
const PROBE_STREAM = 0x70726f62; // "prob"

export interface Histogram {
  /** bins + 1 edges from the smallest to the largest value. */
  edges: number[];
  /** How many values fall in each bin (the last bin includes its right edge). */
  counts: number[];
}

export interface SignalStats {
  /** Per channel (the last axis), over the batch and, for conv layers, height and width. */
  mean: number[];
  /** Per channel, the biased standard deviation (as BatchNorm's variance). */
  std: number[];
  histogram: Histogram;
}

export interface PositionActivations {
  position: Position;
  /** The BatchNorm's name where the position has one, else the weight layer's. */
  name: string;
  pre: SignalStats;
  post?: SignalStats;
}

/** One line of activations.jsonl. */
export interface ActivationsRecord {
  epoch: number;
  layers: PositionActivations[];
}

/** The probe images of a run: min(256, N) training images in an order drawn from the seed. */
export class ActivationProbe {
  private readonly order: Uint32Array;
  readonly size: number;

  constructor(
    private readonly train: Split,
    seed: number,
  ) {
    this.order = permutation(train.count, new SeededRandom((seed ^ PROBE_STREAM) >>> 0));
    this.size = Math.min(PROBE_SIZE, train.count);
  }

  /** The statistics at every position, measured on the model as it is now. */
  async measure(model: LayersModel, epoch: number): Promise<ActivationsRecord> {
    const withBatchNorm = new Set(batchNormPositions(model));
    const keep = new Set(POSITIONS.flatMap((p) => (withBatchNorm.has(p) ? [weightLayerName(p), batchNormName(p)] : [weightLayerName(p)])));
    const batch = new BatchAssembler(this.train, this.size).gather(this.order, 0, this.size);
    let outputs: Map<string, tf.Tensor> | undefined;
    try {
      outputs = batchStatisticsForward(model, batch.images, keep);
      const layers: PositionActivations[] = [];
      for (const position of POSITIONS) {
        // Every variant has the four weight layers; the BatchNorm after one is optional.
        const pre = outputs.get(weightLayerName(position))!;
        const post = outputs.get(batchNormName(position));
        layers.push({
          position,
          name: post ? batchNormName(position) : weightLayerName(position),
          pre: signalStats(await pre.data(), pre.shape[pre.shape.length - 1]!),
          ...(post ? { post: signalStats(await post.data(), post.shape[post.shape.length - 1]!) } : {}),
        });
      }
      return { epoch, layers };
    } finally {
      batch.images.dispose();
      batch.oneHot.dispose();
      batch.labels.dispose();
      outputs?.forEach((tensor) => tensor.dispose());
    }
  }
}

/** Channels-last values: channel c holds indices c, c + channels, c + 2 * channels, ... */
export function signalStats(values: ArrayLike<number>, channels: number): SignalStats {
  const perChannel = values.length / channels;
  const mean = new Array<number>(channels).fill(0);
  for (let i = 0; i < values.length; i++) mean[i % channels]! += values[i]!;
  for (let c = 0; c < channels; c++) mean[c]! /= perChannel;
  // Two passes (deviations from the mean) keep float64 sums accurate.
  const variance = new Array<number>(channels).fill(0);
  for (let i = 0; i < values.length; i++) {
    const d = values[i]! - mean[i % channels]!;
    variance[i % channels]! += d * d;
  }
  return { mean, std: variance.map((v) => Math.sqrt(v / perChannel)), histogram: histogram(values, HISTOGRAM_BINS) };
}

export function histogram(values: ArrayLike<number>, bins: number): Histogram {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    lo = Math.min(lo, values[i]!);
    hi = Math.max(hi, values[i]!);
  }
  if (!(hi > lo)) {
    // All values equal (or none): one bin of width 1 around them.
    const at = Number.isFinite(lo) ? lo : 0;
    return { edges: [at - 0.5, at + 0.5], counts: [values.length] };
  }
  const width = (hi - lo) / bins;
  const counts = new Array<number>(bins).fill(0);
  for (let i = 0; i < values.length; i++) counts[Math.min(bins - 1, Math.floor((values[i]! - lo) / width))]! += 1;
  const edges = Array.from({ length: bins + 1 }, (_, k) => (k === bins ? hi : lo + k * width));
  return { edges, counts };
}

/** Both epoch logs' lines for the model as it is now: BatchNorm parameters, then the probe's statistics. */
export function epochLogLines(probe: ActivationProbe): MeasureEpoch {
  return async (model, epoch) => {
    const layers = (await readBatchNormParams(model)).map(({ name, gamma, beta, movingMean, movingVariance }) => ({
      name,
      gamma,
      beta,
      movingMean,
      movingVariance,
    }));
    const params: ParamsRecord = { epoch, layers };
    return { [PARAMS_LOG]: params, [ACTIVATIONS_LOG]: await probe.measure(model, epoch) };
  };
}
