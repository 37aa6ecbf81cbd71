/**
 * The outcome of `bnlenet sweep`: sweep.json (every cell's arguments, dir, status and final
 * figures), sweep.md (the table, and per variant the highest learning rate that still
 * learned), sweep.svg (final accuracies against the learning rate), and the console lines.
 * Pure functions of the cells' results, but for the file writes.
 */
import * as path from 'node:path';
import { hasBatchNorm } from '../model/impls';
import { flagName, RUN_ARGS, SWEEP_AXES, variantChanges } from '../model/run-args';
import {
  CELL_STATUSES,
  cellLabel,
  varyingAxes,
  type CellResult,
  type CellStatus,
  type SweepAxes,
  type SweepAxis,
} from '../train/sweep';
import { CHANCE_ACCURACY, NO_LEARNING_BELOW } from '../train/no-learning';
import { writeFileAtomic, writeJsonAtomic } from '../util/atomic-file';
import { renderSweepSvg } from './plots';
import { markdownTable } from './markdown';

export const SWEEP_JSON = 'sweep.json';
export const SWEEP_MD = 'sweep.md';
export const SWEEP_SVG = 'sweep.svg';

/** Per variant (the cells that differ only in lr and seed): the highest lr at which every cell learned. */
export interface LearningRateLimit {
  /** "impl=none"; "all cells" when nothing but lr and seed varies. */
  variant: string;
  /** The highest lr at which every seed's cell was ok; null when none was. */
  highestLr: number | null;
  /** The next lr tried above it, and how its cells ended (the first that did not learn). */
  above?: { lr: number; statuses: CellStatus[] };
  /** True while some of the variant's cells are pending or failed: the answer may change. */
  incomplete: boolean;
}

export interface SweepSummary {
  format: 'bnlenet-sweep/1';
  axes: SweepAxes;
  cells: {
    name: string;
    /** The cell's run dir, relative to the sweep dir. */
    dir: string;
    args: CellResult['args'];
    status: CellStatus;
    final: CellResult['final'] | null;
    epochsDone: number;
    message?: string;
  }[];
  counts: Record<CellStatus, number>;
  learningRates: LearningRateLimit[];
}

/** The axes other than lr and seed that vary: a variant is one combination of their values. */
function variantAxes(axes: SweepAxes): SweepAxis[] {
  return varyingAxes(axes).filter((axis) => axis !== 'lr' && axis !== 'seed');
}

function learningRateLimits(cells: readonly CellResult[], axes: SweepAxes): LearningRateLimit[] {
  const groupAxes = variantAxes(axes);
  const groups = new Map<string, CellResult[]>();
  for (const cell of cells) {
    const key = cellLabel(cell.args, groupAxes) || 'all cells';
    groups.set(key, [...(groups.get(key) ?? []), cell]);
  }
  return [...groups].map(([variant, group]) => {
    const lrs = [...new Set(group.map((c) => c.args.lr))].sort((a, b) => a - b);
    const statusesAt = (lr: number) => group.filter((c) => c.args.lr === lr).map((c) => c.status);
    const learned = lrs.filter((lr) => statusesAt(lr).every((s) => s === 'ok'));
    const highestLr = learned.length > 0 ? learned[learned.length - 1]! : null;
    const next = lrs.find((lr) => (highestLr === null || lr > highestLr) && !learned.includes(lr));
    return {
      variant,
      highestLr,
      ...(next !== undefined ? { above: { lr: next, statuses: statusesAt(next) } } : {}),
      incomplete: group.some((c) => c.status === 'pending' || c.status === 'failed'),
    };
  });
}

export function buildSweepSummary(axes: SweepAxes, cells: readonly CellResult[]): SweepSummary {
  const counts = Object.fromEntries(CELL_STATUSES.map((s) => [s, cells.filter((c) => c.status === s).length])) as Record<CellStatus, number>;
  return {
    format: 'bnlenet-sweep/1',
    axes,
    cells: cells.map((c) => ({
      name: c.name,
      dir: c.name,
      args: c.args,
      status: c.status,
      final: c.final ?? null,
      epochsDone: c.epochsDone,
      ...(c.message !== undefined ? { message: c.message } : {}),
    })),
    counts,
    learningRates: learningRateLimits(cells, axes),
  };
}

const LEADING: readonly SweepAxis[] = ['impl', 'lr', 'seed'];

const fixed3 = (v: number | undefined) => (v === undefined ? '-' : v.toFixed(3));

/** "ok", "diverged (in epoch 2)", "failed: <message>" */
function statusText(cell: SweepSummary['cells'][number]): string {
  return cell.message && cell.status !== 'pending' ? `${cell.status}: ${cell.message}` : cell.status;
}

/** "impl=custom: learns up to lr 10 (at 30: diverged)" */
export function limitText(limit: LearningRateLimit): string {
  const highest = limit.highestLr === null ? 'learned at none of the learning rates tried' : `learned up to lr ${limit.highestLr}`;
  const above = limit.above ? ` (at ${limit.above.lr}: ${[...new Set(limit.above.statuses)].join(', ')})` : '';
  return `${limit.variant}: ${highest}${above}${limit.incomplete ? ' [incomplete: some cells failed or are pending]' : ''}`;
}

export function countsText(summary: SweepSummary): string {
  const parts = CELL_STATUSES.filter((s) => summary.counts[s] > 0).map((s) => `${summary.counts[s]} ${s}`);
  return `${summary.cells.length} cells: ${parts.join(', ')}`;
}

/** The closing lines: counts and, per variant, the highest lr that learned. */
export function sweepLines(summary: SweepSummary): string[] {
  return [countsText(summary), 'highest learning rate that learned (every seed ok):', ...summary.learningRates.map((l) => `  ${limitText(l)}`)];
}

/** sweep.md: what was swept, the highest learning rates, and every cell. */
export function sweepMarkdown(summary: SweepSummary): string {
  const first = summary.cells[0]?.args;
  // What every cell shares beyond the lists: a BatchNorm cell's settings (an --impl none cell has none).
  const shared = summary.cells.find((c) => hasBatchNorm(c.args.impl))?.args ?? first;
  const changes = shared ? variantChanges(shared, SWEEP_AXES) : [];
  const fixed = first
    ? `${first.epochs} epochs, ${first.limit === undefined ? 'all' : `the first ${first.limit}`} training examples` +
      (changes.length > 0 ? `, ${changes.join(', ')}` : '')
    : '';
  const lists = SWEEP_AXES.filter((axis) => summary.axes[axis]).map((axis) => `${flagName(axis)} ${summary.axes[axis]!.join(', ')}`).join('; ');
  // impl, lr and seed lead; then the axes with a column of their own, and any other that varies.
  const columns = [...LEADING, ...SWEEP_AXES.filter((axis) => !LEADING.includes(axis))].filter(
    (axis) => summary.axes[axis] && (RUN_ARGS[axis].sweepColumn !== undefined || summary.axes[axis]!.length > 1),
  );
  return [
    '# bnlenet sweep',
    '',
    `${countsText(summary)}. Swept: ${lists}. Every cell: ${fixed}.`,
    '',
    '## Highest learning rate that learned',
    '',
    `A cell learned when it finished with train accuracy at least ${NO_LEARNING_BELOW} (chance is ${CHANCE_ACCURACY}) and a finite loss; ` +
      'with several seeds, every seed must have. The limit lies between the rate given and the next one tried.',
    '',
    ...summary.learningRates.map((l) => `- ${limitText(l)}`),
    '',
    '## Cells',
    '',
    ...markdownTable(
      ['cell', ...columns.map((axis) => RUN_ARGS[axis].sweepColumn ?? flagName(axis)), 'status', 'loss', 'train acc', 'test acc'],
      summary.cells.map((c) => [
        `[${c.name}](${c.dir}/)`,
        ...columns.map((axis) => String(c.args[axis])),
        statusText(c).replace(/\|/g, '\\|'),
        fixed3(c.final?.loss),
        fixed3(c.final?.trainAcc),
        fixed3(c.final?.testAcc),
      ]),
    ),
    '',
    `![final accuracy against the learning rate](${SWEEP_SVG})`,
    '',
  ].join('\n');
}

/** Writes sweep.json, sweep.md and sweep.svg into dir, each atomically. */
export async function writeSweepFiles(dir: string, summary: SweepSummary): Promise<void> {
  await writeJsonAtomic(path.join(dir, SWEEP_JSON), summary);
  await writeFileAtomic(path.join(dir, SWEEP_MD), sweepMarkdown(summary));
  const series = variantAxes(summary.axes).concat((summary.axes.seed?.length ?? 0) > 1 ? ['seed'] : []);
  await writeFileAtomic(
    path.join(dir, SWEEP_SVG),
    await renderSweepSvg(
      summary.cells.map((c) => ({ lr: c.args.lr, series: cellLabel(c.args, series, ', ') || 'all cells', status: c.status, final: c.final ?? undefined })),
      { title: 'Final accuracy against the learning rate' },
    ),
  );
}
