/**
 * The plot files of a run dir: curves.svg, the book's training plot, drawn from the run's
 * metrics.jsonl (every epoch of the run, those before a resume included) and rewritten
 * atomically, so an interrupted run leaves a current plot.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { DataError } from '../errors';
import type { EpochMetrics } from '../train/epoch-metrics';
import { METRICS_FILE } from '../train/run-dir';
import { writeFileAtomic } from '../util/atomic-file';
import { renderCurvesSvg } from './plots';

export const CURVES_FILE = 'curves.svg';

/** The epochs recorded in a run dir's metrics.jsonl, in order; [] when it has none yet. */
export async function readRunMetrics(dir: string): Promise<EpochMetrics[]> {
  const file = path.join(dir, METRICS_FILE);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, i) => {
      try {
        return JSON.parse(line) as EpochMetrics;
      } catch {
        throw new DataError(`${file} line ${i + 1} is not JSON`);
      }
    });
}

/** The chart title of a run: "LeNet-BN (custom BatchNorm)". */
export function runTitle(impl: string): string {
  return `LeNet-BN (${impl} BatchNorm)`;
}

/** Renders the run's curves and writes them to <dir>/curves.svg, atomically; returns the path. */
export async function writeCurvesSvg(dir: string, rows: readonly EpochMetrics[], impl: string): Promise<string> {
  const file = path.join(dir, CURVES_FILE);
  await writeFileAtomic(file, await renderCurvesSvg(rows, { title: runTitle(impl) }));
  return file;
}
