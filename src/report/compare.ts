/**
 * Two runs of the same recipe, custom and built-in BatchNorm, side by side, as `bnlenet
 * compare` prints and draws them; the comparison itself is computed in train/comparison.ts.
 */
import { BATCHNORM_IMPLS } from '../model/impls';
import type { BatchNormDifferences, Comparison } from '../train/comparison';
import type { EpochMetrics } from '../train/epoch-metrics';
import { COMPARE_JSON, COMPARE_SVG } from '../train/store/layout';
import { renderCompareSvg } from './plots';
import { finalLines, formatFigure } from './train-lines';

export { COMPARE_JSON, COMPARE_SVG };

const DIFFERENCE_NAMES: Record<keyof BatchNormDifferences, string> = {
  gamma: 'gamma',
  beta: 'beta',
  movingMean: 'moving mean',
  movingVariance: 'moving var',
};

/** compare.svg: both runs' curves on one chart. */
export function compareSvg(comparison: Comparison): Promise<string> {
  return renderCompareSvg(
    BATCHNORM_IMPLS.map((impl) => ({ label: impl, rows: comparison.runs[impl].metrics })),
    { title: 'LeNet-BN: custom vs built-in BatchNorm' },
  );
}

/** One run's columns of the side-by-side table, with their widths, in the order shown. */
const COLUMNS = [
  { heading: 'loss', width: 7, cell: (m: EpochMetrics) => formatFigure(m.loss) },
  { heading: 'train acc', width: 11, cell: (m: EpochMetrics) => m.trainAcc.toFixed(3) },
  { heading: 'test acc', width: 10, cell: (m: EpochMetrics) => m.testAcc.toFixed(3) },
  { heading: 'examples/sec', width: 14, cell: (m: EpochMetrics) => m.examplesPerSec.toFixed(1) },
] as const;
type Column = (typeof COLUMNS)[number];
/** What goes first when the table is wider than the terminal: speed, then the ratio, then train acc. */
const DROP_ORDER = ['examples/sec', 'ratio', 'train acc'] as const;
const RATIO_HEADING = '  |  speed custom/builtin';

function tableLines(c: Comparison, columns: readonly Column[], ratio: boolean): string[] {
  const title = (impl: string) => `${impl} BatchNorm`;
  const titleWidth = Math.max(...BATCHNORM_IMPLS.map((impl) => title(impl).length + 1));
  // A group too narrow for its title widens its first column.
  const widths = columns.map((col, i) => col.width + (i === 0 ? Math.max(0, titleWidth - columns.reduce((sum, c) => sum + c.width, 0)) : 0));
  const groupWidth = widths.reduce((sum, w) => sum + w, 0);
  const row = (texts: readonly string[]) => texts.map((text, i) => text.padStart(widths[i]!)).join('');
  const cells = (m: EpochMetrics | undefined) => row(columns.map((col) => (m ? col.cell(m) : '-')));
  const lines = [
    ' '.repeat(5) + BATCHNORM_IMPLS.map((impl) => title(impl).padStart(groupWidth)).join('  |') + '  |',
    'epoch' + BATCHNORM_IMPLS.map(() => row(columns.map((col) => col.heading))).join('  |') + '  |' + (ratio ? RATIO_HEADING.slice(3) : ''),
  ];
  const epochs = Math.max(c.runs.custom.metrics.length, c.runs.builtin.metrics.length);
  for (let i = 0; i < epochs; i++) {
    const custom = c.runs.custom.metrics[i];
    const builtin = c.runs.builtin.metrics[i];
    const speed = c.epochSpeedRatios[i];
    const ratioText = speed !== undefined && Number.isFinite(speed) ? speed.toFixed(2) : '-';
    lines.push(String((custom ?? builtin)!.epoch).padStart(5) + [cells(custom), cells(builtin)].join('  |') + '  |' + (ratio ? `  ${ratioText}` : ''));
  }
  return lines;
}

/**
 * The per-epoch table: both runs' loss, accuracies and examples/sec, and the speed ratio,
 * with columns left out (speed first) until it fits `width` (undefined: all of them).
 */
export function sideBySideLines(c: Comparison, width?: number): string[] {
  let columns: readonly Column[] = COLUMNS;
  let ratio = true;
  let lines = tableLines(c, columns, ratio);
  for (const drop of DROP_ORDER) {
    if (width === undefined || Math.max(...lines.map((l) => l.length)) <= width) break;
    if (drop === 'ratio') ratio = false;
    else columns = columns.filter((col) => col.heading !== drop);
    lines = tableLines(c, columns, ratio);
  }
  return lines;
}

/** "gamma 5.36e-7, beta 7.38e-8, moving mean 1.55e-6, moving var 5.96e-7" */
export function differencesText(d: BatchNormDifferences): string {
  const format = (value: number) => (value === 0 ? '0' : value.toExponential(2));
  return (Object.keys(DIFFERENCE_NAMES) as (keyof BatchNormDifferences)[])
    .map((key) => `${DIFFERENCE_NAMES[key]} ${format(d[key])}`)
    .join(', ');
}

/** The closing summary: each run's book lines, the speed ratio, the BatchNorm differences. */
export function summaryLines(c: Comparison): string[] {
  const lines: string[] = [];
  for (const impl of BATCHNORM_IMPLS) {
    const run = c.runs[impl];
    const last = run.metrics[run.metrics.length - 1];
    if (!last) continue;
    const [metrics] = finalLines(last, run.examplesPerSec, c.device);
    lines.push(`${impl.padEnd(7)}: ${metrics}, ${run.examplesPerSec.toFixed(1)} examples/sec`);
  }
  lines.push(`speed custom/builtin: ${c.speedRatio.toFixed(2)} (on ${c.device})`);
  lines.push(`largest |custom - builtin| over all BatchNorm layers: ${differencesText(c.differences)}`);
  return lines;
}
