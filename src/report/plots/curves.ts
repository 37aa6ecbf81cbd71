/**
 * The training curves as SVG: the book's plot (train loss, train acc and test acc against
 * epoch, x from 1 to the planned epochs) for one run, and the same curves of several runs
 * overlaid. One meaning per style on every chart: a metric is a colour and a dash (the book's
 * matplotlib styles), a run is a marker shape. Runs whose curves coincide (the two BatchNorms
 * compute the same function) stay visible: their markers differ, and the subtitle gives the
 * largest difference between them.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { EpochMetrics } from '../../train/epoch-metrics';
import { lastEpoch, METRICS, toMetricPoints, type MetricPoint } from './series';
import { renderVegaLiteSvg, titleOf, type ChartOptions } from './vega-render';

export interface LabelledRun {
  label: string;
  rows: readonly EpochMetrics[];
}

/** The book's matplotlib styles: 'b-', 'm--', 'g-.'. */
export const METRIC_COLORS = ['#1f77b4', '#bf00bf', '#008000'];
export const METRIC_DASHES = [
  [1, 0],
  [6, 3],
  [6, 3, 1, 3],
];
/** A run's markers: the first filled, the others hollow and larger, so that coinciding points show both. */
const RUN_SHAPES = ['circle', 'square', 'triangle-up', 'diamond'];

/** How a curves chart is laid out: the SVG files' defaults, or the HTML report's. */
export interface CurvesLayout {
  width: number;
  height: number;
  xTitle: string;
  yTitle: string;
  /** Tooltips on the points (for a page in a browser; an SVG file has no use for them). */
  tooltip: boolean;
}

const SVG_LAYOUT: CurvesLayout = { width: 480, height: 300, xTitle: 'epoch', yTitle: 'loss / accuracy', tooltip: false };

/** Legend entries as short line segments showing each series' dash, or as markers when no series has a line. */
function legend(hasLines: boolean): object {
  return hasLines ? { symbolType: 'stroke', symbolSize: 400, symbolStrokeWidth: 2 } : { symbolType: 'circle' };
}

/**
 * The curves chart's spec: `values` of one run (no `run` field) or of the runs named in
 * `runs`, x from 1 to `maxEpoch`; no title when `options` is undefined (the page gives one).
 */
export function curvesSpec(
  options: ChartOptions | undefined,
  values: MetricPoint[],
  maxEpoch: number,
  runs: string[] | undefined,
  layout: CurvesLayout = SVG_LAYOUT,
): TopLevelSpec {
  const metricDomain = METRICS.map((m) => m.name);
  // A line needs two epochs of the same series.
  const hasLines = new Set(values.map((v) => `${v.run ?? ''}/${v.metric}`)).size < values.length;
  const metricLegend = legend(hasLines);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    ...(options ? { title: titleOf(options) } : {}),
    width: layout.width,
    height: layout.height,
    data: { values },
    encoding: {
      x: {
        field: 'epoch',
        type: 'quantitative',
        title: layout.xTitle,
        scale: { domain: [1, maxEpoch], nice: false },
        axis: { values: epochTicks(maxEpoch), format: 'd' },
      },
      y: { field: 'value', type: 'quantitative', title: layout.yTitle },
      color: { field: 'metric', type: 'nominal', title: 'metric', scale: { domain: metricDomain, range: METRIC_COLORS }, legend: metricLegend },
      ...(layout.tooltip
        ? {
            tooltip: [
              { field: 'epoch', type: 'quantitative' },
              { field: 'metric', type: 'nominal' },
              { field: 'value', type: 'quantitative', format: '.4f' },
              ...(runs ? [{ field: 'run', type: 'nominal' } as const] : []),
            ],
          }
        : {}),
    },
    layer: [
      {
        mark: { type: 'line', strokeWidth: 2 },
        encoding: {
          strokeDash: { field: 'metric', type: 'nominal', title: 'metric', scale: { domain: metricDomain, range: METRIC_DASHES }, legend: metricLegend },
          ...(runs ? { detail: { field: 'run', type: 'nominal' } } : {}),
        },
      },
      runs
        ? {
            mark: { type: 'point', strokeWidth: 1.5, opacity: 1 },
            encoding: {
              shape: { field: 'run', type: 'nominal', title: 'run', scale: { domain: runs, range: RUN_SHAPES } },
              // The first run's markers are filled; the others are hollow outlines around them.
              fill: { condition: { test: `datum.run === ${JSON.stringify(runs[0])}`, field: 'metric', type: 'nominal', legend: null }, value: 'transparent' },
              size: { condition: { test: `datum.run === ${JSON.stringify(runs[0])}`, value: 30 }, value: 90 },
            },
          }
        : { mark: { type: 'point', filled: true, size: 30 } },
    ],
  };
}

/** Train loss, train accuracy and test accuracy against epoch: one chart, three series, a legend. */
export function renderCurvesSvg(rows: readonly EpochMetrics[], options: ChartOptions): Promise<string> {
  return renderVegaLiteSvg(curvesSpec(options, toMetricPoints(rows), lastEpoch(rows), undefined), options);
}

/** The largest |a - b| over the points two runs share (same epoch and metric); undefined when none. */
export function largestDifference(a: readonly MetricPoint[], b: readonly MetricPoint[]): number | undefined {
  const key = (p: MetricPoint) => `${p.epoch}/${p.metric}`;
  const other = new Map(b.map((p) => [key(p), p.value]));
  let largest: number | undefined;
  for (const p of a) {
    const value = other.get(key(p));
    if (value !== undefined) largest = Math.max(largest ?? 0, Math.abs(p.value - value));
  }
  return largest;
}

/** The curves of several runs (e.g. custom and builtin BatchNorm) on one chart. */
export function renderCompareSvg(runs: readonly LabelledRun[], options: ChartOptions): Promise<string> {
  const labels = runs.map((r) => r.label);
  if (new Set(labels).size !== labels.length) throw new RangeError(`run labels must differ: ${labels.join(', ')}`);
  const byRun = runs.map((r) => toMetricPoints(r.rows, r.label));
  const maxEpoch = Math.max(1, ...runs.map((r) => lastEpoch(r.rows)));
  const difference = byRun.length === 2 ? largestDifference(byRun[0]!, byRun[1]!) : undefined;
  const note =
    difference === undefined
      ? undefined
      : `largest |${labels[0]} - ${labels[1]}| at any point: ${difference === 0 ? '0' : difference.toExponential(1)}` +
        (difference < 5e-3 ? ' (the curves coincide; the markers show both)' : '');
  const chart = { ...options, subtitle: [options.subtitle, note].filter(Boolean).join('; ') || undefined };
  return renderVegaLiteSvg(curvesSpec(chart, byRun.flat(), maxEpoch, labels), chart);
}

/** Whole epochs only, about ten of them at most. */
export function epochTicks(maxEpoch: number): number[] {
  const step = Math.max(1, Math.ceil((maxEpoch - 1) / 10));
  const ticks: number[] = [];
  for (let e = 1; e <= maxEpoch; e += step) ticks.push(e);
  return ticks;
}
