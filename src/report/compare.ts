/**
 * Two runs of the same recipe, custom and built-in BatchNorm, side by side: their metrics per
 * epoch, the speed ratio custom/builtin, and how far apart their BatchNorm state ended. What
 * compare.json holds and what `bnlenet compare` prints; pure functions of the two runs.
 */
import * as path from 'node:path';
import type { BatchNormParams } from '../model/batchnorm-params';
import { BATCHNORM_IMPLS, type BatchNormImpl } from '../model/impls';
import type { EpochMetrics } from '../train/epoch-metrics';
import type { RunArgs } from '../train/run-record';
import { COMPARE_JSON, COMPARE_SVG } from '../train/store/layout';
import { writeFileAtomic, writeJsonAtomic } from '../util/atomic-file';
import { renderCompareSvg } from './plots';
import { finalLines } from './train-lines';

export { COMPARE_JSON, COMPARE_SVG };

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

const DIFFERENCE_NAMES: Record<keyof BatchNormDifferences, string> = {
  gamma: 'gamma',
  beta: 'beta',
  movingMean: 'moving mean',
  movingVariance: 'moving var',
};

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

/** Writes compare.json and compare.svg into dir, each atomically. */
export async function writeCompareFiles(dir: string, comparison: Comparison): Promise<void> {
  await writeJsonAtomic(path.join(dir, COMPARE_JSON), comparison);
  const svg = await renderCompareSvg(
    BATCHNORM_IMPLS.map((impl) => ({ label: impl, rows: comparison.runs[impl].metrics })),
    { title: 'LeNet-BN: custom vs built-in BatchNorm' },
  );
  await writeFileAtomic(path.join(dir, COMPARE_SVG), svg);
}

/** One run's columns of the side-by-side table, with their widths, in the order shown. */
const COLUMNS = [
  { heading: 'loss', width: 7, cell: (m: EpochMetrics) => m.loss.toFixed(3) },
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
