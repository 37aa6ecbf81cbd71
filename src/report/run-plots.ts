/**
 * The plot files of a run dir: curves.svg, the book's training plot, drawn from the run's
 * metrics (every epoch, those before a resume included) and rewritten atomically, so an interrupted run leaves a current plot.
 */
import * as path from 'node:path';
import type { EpochMetrics } from '../train/epoch-metrics';
import { writeFileAtomic } from '../util/atomic-file';
import { renderCurvesSvg } from './plots';

export const CURVES_FILE = 'curves.svg';

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
