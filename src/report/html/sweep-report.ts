/**
 * The report of a sweep dir (sweep.json): final accuracy against learning rate, a series per
 * combination of the other swept arguments (seeds pooled), and every cell in a table.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { Page } from './page';
import { paragraph, table } from './page';
import { SWEEP_AXES } from '../../train/sweep';
import type { SweepCell } from './report-data';

/** Arguments that are not a series of their own: the x axis, and repeats of the same recipe. */
const POOLED = new Set(['lr', 'seed']);

/** "impl custom, dropout 0.5": the arguments that vary between cells, lr and seed aside. */
function seriesLabel(cell: SweepCell, varying: readonly string[]): string {
  const parts = varying.filter((key) => !POOLED.has(key)).map((key) => `${key} ${JSON.stringify(cell.args[key]) ?? '-'}`);
  return parts.length > 0 ? parts.join(', ').replace(/"/g, '') : 'all cells';
}

/**
 * The sweep's axes whose values differ between cells. Only the axes: the other arguments are
 * the same for every cell, except the BatchNorm-only ones (bnLayers, ...), which an --impl none
 * cell lacks, and those would split one series per impl into two labels for the same thing.
 */
function varyingKeys(cells: readonly SweepCell[]): string[] {
  return SWEEP_AXES.filter((key) => new Set(cells.map((cell) => JSON.stringify(cell.args[key]))).size > 1);
}

export function accuracyVsLrSpec(cells: readonly SweepCell[]): TopLevelSpec {
  const varying = varyingKeys(cells);
  const values = cells.flatMap((cell) => {
    const lr = Number(cell.args.lr);
    if (!cell.final || !(lr > 0)) return [];
    const series = seriesLabel(cell, varying);
    return (
      [
        ['train acc', cell.final.trainAcc],
        ['test acc', cell.final.testAcc],
      ] as const
    )
      .filter(([, value]) => Number.isFinite(value))
      .map(([metric, value]) => ({ lr, metric, value, series, status: cell.status, seed: cell.args.seed ?? null, dir: cell.dir }));
  });
  return {
    data: { values },
    facet: { column: { field: 'metric', type: 'nominal', title: 'final accuracy after the last epoch', sort: ['train acc', 'test acc'] } },
    spec: {
      width: 380,
      height: 280,
      encoding: {
        x: { field: 'lr', type: 'quantitative', title: 'learning rate (SGD step size, log scale)', scale: { type: 'log' } },
        y: { field: 'value', type: 'quantitative', title: 'accuracy (fraction correct)', scale: { domain: [0, 1] } },
        color: { field: 'series', type: 'nominal', title: 'series' },
      },
      layer: [
        { mark: { type: 'line', strokeWidth: 2 }, encoding: { y: { aggregate: 'mean', field: 'value', type: 'quantitative', title: 'accuracy (fraction correct)' } } },
        {
          mark: { type: 'point', filled: true, size: 60 },
          encoding: {
            shape: { field: 'status', type: 'nominal', title: 'cell status' },
            tooltip: [
              { field: 'series', type: 'nominal' },
              { field: 'lr', type: 'quantitative' },
              { field: 'seed', type: 'nominal' },
              { field: 'value', type: 'quantitative', format: '.3f' },
              { field: 'status', type: 'nominal' },
              { field: 'dir', type: 'nominal' },
            ],
          },
        },
      ],
    },
  } as TopLevelSpec;
}

const f3 = (value: number | undefined) => (value !== undefined && Number.isFinite(value) ? value.toFixed(3) : '-');

export function sweepPage(dir: string, cells: readonly SweepCell[]): Page {
  const varying = varyingKeys(cells);
  const argKeys = varying.length > 0 ? varying : ['lr'];
  const plotted = cells.filter((cell) => cell.final && Number(cell.args.lr) > 0).length;
  return {
    title: 'LeNet sweep report: accuracy against learning rate',
    lead: [`Sweep dir ${dir}`, `${cells.length} cells; arguments that vary: ${varying.join(', ') || 'none'}`],
    sections: [
      {
        heading: 'Accuracy against learning rate',
        html:
          plotted < cells.length
            ? paragraph(`${cells.length - plotted} of ${cells.length} cells have no final figures yet (failed or pending): they are in the table, not on the chart.`, 'note')
            : '',
        charts: [
          {
            title: 'Final train and test accuracy against learning rate',
            caption:
              'One point per cell (its shape: the cell\'s status), the line through the mean over seeds. The exercise of ' +
              'the book: with BatchNorm the network still learns at learning rates where plain LeNet stalls or ' +
              'diverges; where the train accuracy falls to 0.1 the run no longer learns.',
            spec: accuracyVsLrSpec(cells),
          },
        ],
      },
      {
        heading: 'Cells',
        html: table([
          [...argKeys, 'status', 'loss', 'train acc', 'test acc', 'dir'],
          ...cells.map((cell) => [
            ...argKeys.map((key) => (cell.args[key] === undefined ? '-' : String(cell.args[key]))),
            cell.status,
            f3(cell.final?.loss),
            f3(cell.final?.trainAcc),
            f3(cell.final?.testAcc),
            cell.dir,
          ]),
        ]),
        charts: [],
      },
    ],
  };
}
