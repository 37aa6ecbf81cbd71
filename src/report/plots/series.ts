/**
 * The three curves of the book's training plot, in the book's legend order, and the long
 * ("tidy") form the charts draw from: one row per (epoch, metric[, run]).
 */
import type { EpochMetrics } from '../../train/epoch-metrics';

export const METRICS = [
  { name: 'train loss', key: 'loss' },
  { name: 'train acc', key: 'trainAcc' },
  { name: 'test acc', key: 'testAcc' },
] as const satisfies readonly { name: string; key: keyof EpochMetrics }[];

export type MetricName = (typeof METRICS)[number]['name'];

export interface MetricPoint {
  epoch: number;
  metric: MetricName;
  value: number;
  /** The run's label; only when several runs share a chart. */
  run?: string;
}

/** One point per epoch and metric; non-finite values (a diverged loss) are left out. */
export function toMetricPoints(rows: readonly EpochMetrics[], run?: string): MetricPoint[] {
  const points: MetricPoint[] = [];
  for (const row of rows) {
    for (const { name, key } of METRICS) {
      const value = row[key];
      if (!Number.isFinite(value)) continue;
      points.push(
        run === undefined ? { epoch: row.epoch, metric: name, value } : { epoch: row.epoch, metric: name, value, run },
      );
    }
  }
  return points;
}

/** The last epoch the x axis should reach: the planned epochs, or further if a run went on. */
export function lastEpoch(rows: readonly EpochMetrics[]): number {
  let last = 1;
  for (const row of rows) last = Math.max(last, row.epoch, row.epochs);
  return last;
}
