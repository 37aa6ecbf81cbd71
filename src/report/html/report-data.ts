/** What the HTML report is drawn from: plain data read from run, compare and sweep dirs. */
import type { ActivationsRecord } from '../../train/activation-probe';
import type { ParamsRecord } from '../../train/store/epoch-logs';
import type { EpochMetrics } from '../../train/epoch-metrics';
import type { Evaluation } from '../../train/evaluate';
import type { RunArgs } from '../../model/run-args';

/** The test set evaluated with the moving averages and with recomputed statistics. */
export interface RecomputedComparison {
  /** Training images the statistics were averaged over. */
  images: number;
  moving: Evaluation;
  recomputed: Evaluation;
  /** Per BatchNorm layer, the final moving averages beside the recomputed statistics. */
  layers: { name: string; movingMean: number[]; movingVariance: number[]; mean: number[]; variance: number[] }[];
}

export interface RunReportData {
  dir: string;
  /** The run's label in a compare dir (its impl); undefined for a lone run. */
  label?: string;
  args: RunArgs;
  metrics: EpochMetrics[];
  params: ParamsRecord[];
  activations: ActivationsRecord[];
  /** From summary.json, once the run finished. */
  device?: string;
  examplesPerSec?: number;
  /** The recomputed-statistics evaluation, or why it was not made. */
  recomputed?: RecomputedComparison | { skipped: string };
}

/** One cell of a sweep dir's sweep.json (the sweep command's contract). */
export interface SweepCell {
  args: Record<string, unknown>;
  dir: string;
  status: string;
  final?: { loss: number; trainAcc: number; testAcc: number } | null;
}
