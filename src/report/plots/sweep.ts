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
}

const PLOTTED: Partial<Record<CellStatus, string>> = { ok: 'circle', 'no-learning': 'triangle-down', diverged: 'cross' };
const PANELS = ['train acc', 'test acc'] as const;

function values(points: readonly SweepPoint[]): object[] {
  return points.flatMap((p) => {
    if (!(p.status in PLOTTED)) return [];
    return PANELS.map((metric) => ({
      lr: p.lr,
      series: p.series,
      status: p.status,
      metric,
      accuracy: p.final ? (metric === 'train acc' ? p.final.trainAcc : p.final.testAcc) : 0,
    }));
  });
}

export function renderSweepSvg(points: readonly SweepPoint[], options: ChartOptions): Promise<string> {
  const statuses = Object.keys(PLOTTED) as CellStatus[];
  const x = { field: 'lr', type: 'quantitative', title: 'learning rate', scale: { type: 'log' } } as const;
  const y = { field: 'accuracy', type: 'quantitative' as const, title: 'final accuracy', scale: { domain: [0, 1] } };
  const color = { field: 'series', type: 'nominal', title: 'cells' } as const;
  const data = values(points);
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    // An interrupted or sharded sweep may have no finished cell yet: say so rather than draw nothing.
    title: data.length > 0 ? options.title : `${options.title}: no cell has finished yet`,
    data: { values: data },
    facet: { column: { field: 'metric', type: 'nominal', title: null, sort: [...PANELS] } },
    spec: {
      width: 300,
      height: 240,
      layer: [
        { mark: { type: 'line', strokeWidth: 1.5 }, transform: [{ filter: "datum.status !== 'diverged'" }], encoding: { x, y, color } },
        {
          mark: { type: 'point', filled: true, size: 70 },
          encoding: {
            x,
            y,
            color,
            shape: { field: 'status', type: 'nominal', title: 'status', scale: { domain: statuses, range: statuses.map((s) => PLOTTED[s]!) } },
          },
        },
      ],
    },
  };
  return renderVegaLiteSvg(spec, options);
}
