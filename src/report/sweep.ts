/**
 * A sweep's summary (computed in train/sweep-summary.ts) as the user sees it: sweep.md (the
 * table, and per variant the highest learning rate that still learned), sweep.svg (final
 * accuracies against the learning rate), and the console lines.
 */
import { CELL_STATUSES, cellLabel, type SweepAxis } from '../train/sweep';
import { CHANCE_ACCURACY, NO_LEARNING_BELOW } from '../train/learning';
import { variantAxes, type LearningRateLimit, type SweepSummary } from '../train/sweep-summary';
import { SWEEP_JSON, SWEEP_MD, SWEEP_SVG } from '../train/store/layout';
import { renderSweepSvg } from './plots';
import { markdownTable } from './markdown';

export { SWEEP_JSON, SWEEP_MD, SWEEP_SVG };

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
  const fixed = first
    ? `${first.epochs} epochs, ${first.limit === undefined ? 'all' : `the first ${first.limit}`} training examples` +
      (first.impl !== 'none' ? `, BatchNorm at ${first.bnLayers.join(',')}, mode ${first.bnMode}` : '') +
      (first.noBias ? ', no bias before BatchNorm' : '') +
      (first.freezeAffine ? ', gamma and beta frozen' : '')
    : '';
  const lists = (Object.keys(summary.axes) as SweepAxis[]).map((axis) => `${axis} ${summary.axes[axis].join(', ')}`).join('; ');
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
      ['cell', 'impl', 'lr', 'seed', 'batch', 'dropout', 'status', 'loss', 'train acc', 'test acc'],
      summary.cells.map((c) => [
        `[${c.name}](${c.dir}/)`,
        c.args.impl,
        c.args.lr,
        c.args.seed,
        c.args.batchSize,
        c.args.dropout,
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
  const series = variantAxes(summary.axes).concat(summary.axes.seed.length > 1 ? ['seed'] : []);
  return renderSweepSvg(
    summary.cells.map((c) => ({ lr: c.args.lr, series: cellLabel(c.args, series, ', ') || 'all cells', status: c.status, final: c.final ?? undefined })),
    { title: 'Final accuracy against the learning rate' },
  );
}
