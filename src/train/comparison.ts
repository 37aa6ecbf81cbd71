/**
 * Two runs of the same recipe, custom and built-in BatchNorm, compared: their metrics per
 * epoch, the speed ratio custom/builtin, and how far apart their BatchNorm state ended. What
 * compare.json holds; pure functions of the two runs (report/compare.ts shows them).
 */
import type { BatchNormParams } from '../model/batchnorm-params';
import type { BatchNormImpl } from '../model/impls';
import type { EpochMetrics } from './epoch-metrics';
import type { RunArgs } from '../model/run-args';

/** What compare needs of one finished run. */
export interface VariantRun {
  runDir: string;
  /** Every epoch, as the run's metrics.jsonl holds them. */
  metrics: EpochMetrics[];
  /** Over all training epochs, evaluation excluded. */
  examplesPerSec: number;
  device: string;
  /** Package name -> version, Node's included. */
  versions: Record<string, string>;
  batchNorm: BatchNormParams[];
}

/** The largest |custom - builtin| of each BatchNorm quantity, over every channel of every layer. */
export interface BatchNormDifferences {
  gamma: number;
  beta: number;
  movingMean: number;
  movingVariance: number;
}

export interface Comparison {
  format: 'bnlenet-compare/1';
  /** The recipe both runs share (the impl aside). */
  args: Omit<RunArgs, 'impl'>;
  device: string;
  runs: Record<BatchNormImpl, { runDir: string; examplesPerSec: number; metrics: EpochMetrics[] }>;
  /** custom examples/sec over builtin examples/sec, all epochs. */
  speedRatio: number;
  /** The same ratio per epoch, epoch 1 first. */
  epochSpeedRatios: number[];
  differences: BatchNormDifferences;
}

export function batchNormDifferences(a: readonly BatchNormParams[], b: readonly BatchNormParams[]): BatchNormDifferences {
  if (a.length !== b.length) throw new RangeError(`the runs have ${a.length} and ${b.length} BatchNorm layers`);
  const largest = (key: keyof BatchNormDifferences): number => {
    let max = 0;
    a.forEach((layer, l) => {
      const other = b[l]![key];
      if (layer[key].length !== other.length) throw new RangeError(`BatchNorm layer ${l + 1} differs in size between the runs`);
      layer[key].forEach((value, c) => (max = Math.max(max, Math.abs(value - other[c]!))));
    });
    return max;
  };
  return { gamma: largest('gamma'), beta: largest('beta'), movingMean: largest('movingMean'), movingVariance: largest('movingVariance') };
}

export function buildComparison(args: Omit<RunArgs, 'impl'>, runs: Record<BatchNormImpl, VariantRun>): Comparison {
  const { custom, builtin } = runs;
  const pick = (run: VariantRun) => ({ runDir: run.runDir, examplesPerSec: run.examplesPerSec, metrics: run.metrics });
  return {
    format: 'bnlenet-compare/1',
    args,
    device: custom.device,
    runs: { custom: pick(custom), builtin: pick(builtin) },
    speedRatio: custom.examplesPerSec / builtin.examplesPerSec,
    epochSpeedRatios: custom.metrics.map((m, i) => m.examplesPerSec / (builtin.metrics[i]?.examplesPerSec ?? NaN)),
    differences: batchNormDifferences(custom.batchNorm, builtin.batchNorm),
  };
}
