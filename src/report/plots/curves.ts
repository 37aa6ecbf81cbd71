/**
 * The training curves as SVG: the book's plot (train loss, train acc and test acc against
 * epoch, x from 1 to the planned epochs) for one run, and the same curves of several runs
 * overlaid, a stroke dash per run.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { EpochMetrics } from '../../train/epoch-metrics';
import { lastEpoch, METRICS, toMetricPoints } from './series';
import { renderVegaLiteSvg, type ChartOptions } from './vega-render';

export interface LabelledRun {
  label: string;
  rows: readonly EpochMetrics[];
}

/** The book's matplotlib styles: 'b-', 'm--', 'g-.'. */
const METRIC_COLORS = ['#1f77b4', '#bf00bf', '#008000'];
const METRIC_DASHES = [
  [1, 0],
  [6, 3],
  [6, 3, 1, 3],
];
const RUN_DASHES = [
  [1, 0],
  [6, 3],
  [2, 2],
  [6, 3, 1, 3],
];

/** Legend entries drawn as short line segments, so that they show each series' dash. */
const LINE_LEGEND = { symbolType: 'stroke', symbolSize: 400, symbolStrokeWidth: 2 };
const WIDTH = 480;
const HEIGHT = 300;

function curvesSpec(title: string, values: object[], maxEpoch: number, byRun: string[] | undefined): TopLevelSpec {
  const metricDomain = METRICS.map((m) => m.name);
  const metricScale = { domain: metricDomain, range: METRIC_COLORS };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    width: WIDTH,
    height: HEIGHT,
    data: { values },
    encoding: {
      x: {
        field: 'epoch',
        type: 'quantitative',
        title: 'epoch',
        scale: { domain: [1, maxEpoch], nice: false },
        axis: { values: epochTicks(maxEpoch), format: 'd' },
      },
      y: { field: 'value', type: 'quantitative', title: 'loss / accuracy' },
      color: { field: 'metric', type: 'nominal', title: 'metric', scale: metricScale, legend: LINE_LEGEND },
    },
    layer: [
      {
        mark: { type: 'line', strokeWidth: 2 },
        encoding: byRun
          ? {
              strokeDash: {
                field: 'run',
                type: 'nominal',
                title: 'run',
                scale: { domain: byRun, range: RUN_DASHES },
                legend: LINE_LEGEND,
              },
            }
          : {
              strokeDash: {
                field: 'metric',
                type: 'nominal',
                title: 'metric',
                scale: { domain: metricDomain, range: METRIC_DASHES },
                legend: LINE_LEGEND,
              },
            },
      },
      // detail adds the run to each point's aria-label (a run's points differ only there).
      {
        mark: { type: 'point', filled: true, size: 30 },
        encoding: byRun ? { detail: { field: 'run', type: 'nominal' } } : {},
      },
    ],
  };
}

/** Train loss, train accuracy and test accuracy against epoch: one chart, three series, a legend. */
export function renderCurvesSvg(rows: readonly EpochMetrics[], options: ChartOptions): Promise<string> {
  return renderVegaLiteSvg(curvesSpec(options.title, toMetricPoints(rows), lastEpoch(rows), undefined), options);
}

/** The curves of several runs (e.g. custom and builtin BatchNorm) on one chart. */
export function renderCompareSvg(runs: readonly LabelledRun[], options: ChartOptions): Promise<string> {
  const labels = runs.map((r) => r.label);
  if (new Set(labels).size !== labels.length) throw new RangeError(`run labels must differ: ${labels.join(', ')}`);
  const values = runs.flatMap((r) => toMetricPoints(r.rows, r.label));
  const maxEpoch = Math.max(1, ...runs.map((r) => lastEpoch(r.rows)));
  return renderVegaLiteSvg(curvesSpec(options.title, values, maxEpoch, labels), options);
}

/** Whole epochs only, about ten of them at most. */
function epochTicks(maxEpoch: number): number[] {
  const step = Math.max(1, Math.ceil((maxEpoch - 1) / 10));
  const ticks: number[] = [];
  for (let e = 1; e <= maxEpoch; e += step) ticks.push(e);
  return ticks;
}
