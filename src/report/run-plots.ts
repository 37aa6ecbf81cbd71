/**
 * The plot files of a run dir: curves.svg, the book's training plot, drawn from the run's
 * metrics (every epoch, those before a resume included). The train layer writes it with the
 * run's other files at each epoch end, so an interrupted run leaves a current plot.
 */
import { describeVariant } from '../model/run-args';
import type { EpochMetrics } from '../train/epoch-metrics';
import { CURVES_FILE } from '../train/store/layout';
import type { DerivedFile } from '../train/store/run-store';
import type { RunArgs } from '../model/run-args';
import { recipeText } from './train-lines';
import { renderCurvesSvg } from './plots';

export { CURVES_FILE };

/** curves.svg of a run with these epochs: titled with its model ("LeNet-BN (custom BatchNorm)"), the recipe under it. */
export async function curvesFile(rows: readonly EpochMetrics[], args: RunArgs): Promise<DerivedFile> {
  return { name: CURVES_FILE, content: await renderCurvesSvg(rows, { title: describeVariant(args), subtitle: recipeText(args) }) };
}
