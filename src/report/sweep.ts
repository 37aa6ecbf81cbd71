/**
 * A sweep's summary (computed in train/sweep-summary.ts) as the user sees it: sweep.md (the
 * table, and per variant the highest learning rate that still learned), sweep.svg (final
 * accuracies against the learning rate), and the console lines.
 */
import { hasBatchNorm } from '../model/impls';
import { flagName, RUN_ARGS, SWEEP_AXES, variantChanges } from '../model/run-args';
import { CELL_STATUSES, cellLabel, type SweepAxis } from '../train/sweep';
import { CHANCE_ACCURACY, NO_LEARNING_BELOW } from '../train/no-learning';
import { variantAxes, type LearningRateLimit, type SweepSummary } from '../train/sweep-summary';
import { SWEEP_JSON, SWEEP_MD, SWEEP_SVG } from '../train/store/layout';
import { renderSweepSvg } from './plots';
import { markdownTable } from './markdown';
import { formatFigure, plural } from './train-lines';

export { SWEEP_JSON, SWEEP_MD, SWEEP_SVG };

const LEADING: readonly SweepAxis[] = ['impl', 'lr', 'seed'];

const fixed3 = (v: number | undefined) => (v === undefined ? '-' : formatFigure(v));

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
  return `${plural(summary.cells.length, 'cell')}: ${parts.join(', ')}`;
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

/** sweep.svg: final accuracy against the learning rate, a series per variant (and seed). */
export function sweepSvg(summary: SweepSummary): Promise<string> {
  const series = variantAxes(summary.axes).concat((summary.axes.seed?.length ?? 0) > 1 ? ['seed'] : []);
  return renderSweepSvg(
    summary.cells.map((c) => ({ lr: c.args.lr, series: cellLabel(c.args, series, ', ') || 'all cells', status: c.status, final: c.final ?? undefined })),
    { title: 'Final accuracy against the learning rate' },
  );
}
