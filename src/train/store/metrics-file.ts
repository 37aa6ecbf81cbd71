/** metrics.jsonl: one EpochMetrics object per finished epoch, rewritten whole at each epoch end. */
import * as path from 'node:path';
import { DataError } from '../../errors';
import type { EpochMetrics } from '../epoch-metrics';
import { readJsonLines, writeJsonLines } from './json-lines';
import { METRICS_FILE } from './layout';
import { shellCommand } from '../../util/shell-quote';

const METRIC_FIELDS = ['epoch', 'epochs', 'loss', 'trainAcc', 'testAcc', 'examplesPerSec', 'trainSeconds'] as const satisfies readonly (keyof EpochMetrics)[];

/** Rewrites metrics.jsonl from the given metrics (one JSON object per line), atomically. */
export async function writeMetrics(dir: string, metrics: readonly EpochMetrics[]): Promise<void> {
  await writeJsonLines(path.join(dir, METRICS_FILE), metrics.map((m) => JSON.stringify(m)));
}

/** The epochs recorded in a run dir's metrics.jsonl, in order, each checked; [] when it has none yet. */
export async function readMetrics(dir: string): Promise<EpochMetrics[]> {
  const file = path.join(dir, METRICS_FILE);
  const resume = `rebuild it from the checkpoint with \`${shellCommand('bnlenet', 'train', '--resume', dir)}\``;
  const values = await readJsonLines(file, resume);
  values.forEach((value, i) => {
    const m = value as Partial<Record<string, unknown>> | null;
    const bad = typeof m !== 'object' || m === null ? 'is not an object' : METRIC_FIELDS.find((f) => typeof m[f] !== 'number');
    if (bad) throw new DataError(`${file} line ${i + 1} ${bad === 'is not an object' ? bad : `has no number ${bad}`}`, resume);
    if (m!.epoch !== i + 1) throw new DataError(`${file} line ${i + 1} is epoch ${String(m!.epoch)}, expected ${i + 1}`, resume);
  });
  return values as EpochMetrics[];
}
