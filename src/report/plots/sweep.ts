/**
 * A sweep's final accuracies against the learning rate (log axis): train and test accuracy
 * side by side, one line per series (a combination of the other swept values), each cell a
 * point shaped by its status. Cells that did not learn keep their (low) accuracy; diverged
 * cells have none and are drawn as crosses on the zero line. Failed and pending cells are
 * left out.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { CellStatus } from '../../train/sweep';
import { renderVegaLiteSvg, type ChartOptions } from './vega-render';

export interface SweepPoint {
  lr: number;
  /** "impl=none"; what the line of this cell is. */
  series: string;
  status: CellStatus;
  final?: { trainAcc: number; testAcc: number };
  /** Shown in the HTML report's tooltips: which cell a point is. */
  dir?: string;
  seed?: number;
}

const PLOTTED: Partial<Record<CellStatus, string>> = { ok: 'circle', 'no-learning': 'triangle-down', diverged: 'cross' };
const PANELS = ['train acc', 'test acc'] as const;

/** Whether a cell has a point on the chart: failed and pending cells have none. */
export function isPlotted(status: CellStatus): boolean {
  return status in PLOTTED;
}

function values(points: readonly SweepPoint[]): object[] {
  return points.flatMap((p) => {
    if (!isPlotted(p.status)) return [];
    return PANELS.map((metric) => ({
      lr: p.lr,
      series: p.series,
      status: p.status,
      metric,
      accuracy: p.final ? (metric === 'train acc' ? p.final.trainAcc : p.final.testAcc) : 0,
      ...(p.dir !== undefined && { dir: p.dir }),
      ...(p.seed !== undefined && { seed: p.seed }),
    }));
  });
}

/** Where the chart is drawn: sweep.svg's static size, or the HTML page's, which has tooltips. */
export interface SweepLayout {
  width: number;
  height: number;
  tooltips: boolean;
}

const SVG_LAYOUT: SweepLayout = { width: 300, height: 240, tooltips: false };

/** The chart of sweep.svg and of the HTML report's sweep page: one spec, so both read alike. */
export function sweepSpec(points: readonly SweepPoint[], title: string, layout: SweepLayout = SVG_LAYOUT): TopLevelSpec {
  const statuses = Object.keys(PLOTTED) as CellStatus[];
  const x = { field: 'lr', type: 'quantitative', title: 'learning rate (log scale)', scale: { type: 'log' } } as const;
  const y = { field: 'accuracy', type: 'quantitative' as const, title: 'final accuracy (fraction correct)', scale: { domain: [0, 1] } };
  const color = { field: 'series', type: 'nominal', title: 'cells' } as const;
  const data = values(points);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    // An interrupted or sharded sweep may have no finished cell yet: say so rather than draw nothing.
    title: data.length > 0 ? title : `${title}: no cell has finished yet`,
    data: { values: data },
    facet: { column: { field: 'metric', type: 'nominal', title: null, sort: [...PANELS] } },
    spec: {
      width: layout.width,
      height: layout.height,
      layer: [
        // A series holds one cell per learning rate (seeds are series of their own); the mean
        // keeps the line single-valued should cells ever share a series and a learning rate.
        {
          mark: { type: 'line', strokeWidth: 1.5 },
          transform: [{ filter: "datum.status !== 'diverged'" }],
          encoding: { x, y: { ...y, aggregate: 'mean' }, color },
        },
        {
          mark: { type: 'point', filled: true, size: 70 },
          encoding: {
            x,
            y,
            color,
            shape: { field: 'status', type: 'nominal', title: 'status', scale: { domain: statuses, range: statuses.map((s) => PLOTTED[s]!) } },
            ...(layout.tooltips && {
              tooltip: [
                { field: 'series', type: 'nominal' },
                { field: 'lr', type: 'quantitative' },
                { field: 'seed', type: 'nominal' },
                { field: 'accuracy', type: 'quantitative', format: '.3f' },
                { field: 'status', type: 'nominal' },
                { field: 'dir', type: 'nominal' },
              ],
            }),
          },
        },
      ],
    },
  };
}

export function renderSweepSvg(points: readonly SweepPoint[], options: ChartOptions): Promise<string> {
  return renderVegaLiteSvg(sweepSpec(points, options.title), options);
}
