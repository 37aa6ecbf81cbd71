/**
 * The report of a sweep dir (sweep.json): final accuracy against learning rate, a series per
 * combination of the other swept arguments (a seed is one when seeds vary), and every cell in a table.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { Page } from './page';
import { paragraph, table } from './page';
import type { RunArgs } from '../../model/run-args';
import { CELL_STATUSES, cellLabel, SWEEP_AXES, type CellStatus, type SweepAxis } from '../../train/sweep';
import { isPlotted, sweepSpec, type SweepPoint } from '../plots/sweep';
import type { SweepCell } from './report-data';

/**
 * The sweep's axes whose values differ between cells. Only the axes: the other arguments are
 * the same for every cell, except the BatchNorm-only ones (bnLayers, ...), which an --impl none
 * cell lacks, and those would split one series per impl into two labels for the same thing.
 */
function varyingKeys(cells: readonly SweepCell[]): SweepAxis[] {
  return SWEEP_AXES.filter((key) => new Set(cells.map((cell) => JSON.stringify(cell.args[key]))).size > 1);
}

/** sweep.svg's chart, the same spec, with every cell's dir in its tooltip. */
export function accuracyVsLrSpec(cells: readonly SweepCell[]): TopLevelSpec {
  // A series per combination of the varying axes but the learning rate, as sweep.svg draws them.
  const seriesAxes = varyingKeys(cells).filter((key) => key !== 'lr');
  const points: SweepPoint[] = cells
    .filter((cell) => Number(cell.args.lr) > 0 && (CELL_STATUSES as readonly string[]).includes(cell.status))
    .map((cell) => ({
      lr: Number(cell.args.lr),
      series: cellLabel(cell.args as Pick<RunArgs, SweepAxis>, seriesAxes, ', ') || 'all cells',
      status: cell.status as CellStatus,
      final: cell.final ?? undefined,
      dir: cell.dir,
      seed: typeof cell.args.seed === 'number' ? cell.args.seed : undefined,
    }));
  return sweepSpec(points, 'Final train and test accuracy against learning rate', { width: 380, height: 280, tooltips: true });
}

const f3 = (value: number | undefined) => (value !== undefined && Number.isFinite(value) ? value.toFixed(3) : '-');

export function sweepPage(dir: string, cells: readonly SweepCell[]): Page {
  const varying = varyingKeys(cells);
  const argKeys = varying.length > 0 ? varying : ['lr'];
  const plotted = cells.filter((cell) => Number(cell.args.lr) > 0 && isPlotted(cell.status as CellStatus)).length;
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
              'One point per cell (its shape: the cell\'s status; a diverged cell is a cross on the zero line), a line per ' +
              'series (one value of each swept argument but the learning rate), as in sweep.svg. The exercise of ' +
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
