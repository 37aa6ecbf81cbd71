/**
 * The plot files of a run dir: curves.svg, the book's training plot, drawn from the run's
 * metrics (every epoch, those before a resume included). The train layer writes it with the
 * run's other files at each epoch end, so an interrupted run leaves a current plot.
 */
import type { EpochMetrics } from '../train/epoch-metrics';
import type { DerivedFile } from '../train/run-files';
import type { RunArgs } from '../train/run-record';
import { recipeText } from './train-lines';
import { renderCurvesSvg } from './plots';

export const CURVES_FILE = 'curves.svg';

/** The chart title of a run: "LeNet-BN (custom BatchNorm)". */
export function runTitle(impl: string): string {
  return `LeNet-BN (${impl} BatchNorm)`;
}

/** curves.svg of a run with these epochs: titled with the model, the recipe under it. */
export async function curvesFile(rows: readonly EpochMetrics[], args: RunArgs): Promise<DerivedFile> {
  return { name: CURVES_FILE, content: await renderCurvesSvg(rows, { title: runTitle(args.impl), subtitle: recipeText(args) }) };
}
