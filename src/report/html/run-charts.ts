/**
 * The charts of a run as Vega-Lite specs: the book's training curves (of one run, or several
 * overlaid), gamma and beta per channel over the epochs, the distribution of each BatchNorm's
 * input and output over the epochs, and the final moving averages against the statistics
 * recomputed with the final weights. Every axis says its unit; every encoding has a legend.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { ActivationsRecord, Histogram } from '../../train/activation-probe';
import type { ParamsRecord } from '../../train/store/epoch-logs';
import type { EpochMetrics } from '../../train/epoch-metrics';
import { curvesSpec as plotCurvesSpec, epochTicks } from '../plots/curves';
import { lastEpoch, toMetricPoints } from '../plots/series';
import type { RecomputedComparison } from './report-data';

/** Legend entries drawn as short line segments, so that they show each series' dash and width. */
const LINE_LEGEND = { symbolType: 'stroke', symbolSize: 400, symbolStrokeWidth: 2 };

export const EPOCH_AXIS_TITLE = 'epoch (passes over the training set)';
const VALUE_AXIS_TITLE = 'loss (cross-entropy, nats) / accuracy (fraction correct)';
const ACTIVATION_AXIS_TITLE = 'activation value (unitless)';
const CURVE_WIDTH = 560;
const CURVE_HEIGHT = 320;

export interface CurveRun {
  /** The run's label in the legend when several runs share the chart. */
  label?: string;
  metrics: readonly EpochMetrics[];
}

/**
 * Train loss, train accuracy and test accuracy against epoch, styled as the run's SVG files
 * are (plots/curves.ts): a metric is a colour and a dash; several runs differ by marker shape,
 * the first filled and the others hollow around it, so that curves which coincide stay visible.
 */
export function curvesSpec(runs: readonly CurveRun[]): TopLevelSpec {
  const several = runs.length > 1;
  const labels = runs.map((run, i) => run.label ?? `run ${i + 1}`);
  const values = runs.flatMap((run, i) => toMetricPoints(run.metrics, several ? labels[i] : undefined));
  const maxEpoch = Math.max(1, ...runs.map((run) => lastEpoch(run.metrics)));
  return plotCurvesSpec(undefined, values, maxEpoch, several ? labels : undefined, {
    width: CURVE_WIDTH,
    height: CURVE_HEIGHT,
    xTitle: EPOCH_AXIS_TITLE,
    yTitle: VALUE_AXIS_TITLE,
    tooltip: true,
  });
}

/** The layers' parameter lines: one row per layer, gamma and beta side by side, a line per channel. */
export function paramsSpec(records: readonly ParamsRecord[], runs?: readonly { label: string; records: readonly ParamsRecord[] }[]): TopLevelSpec {
  const sources = runs ?? [{ label: '', records }];
  const values = sources.flatMap(({ label, records: rows }) =>
    rows.flatMap((record) =>
      record.layers.flatMap((layer) =>
        (['gamma', 'beta'] as const).flatMap((param) =>
          layer[param].map((value, channel) => ({ run: label, layer: layer.name, param, channel, epoch: record.epoch, value })),
        ),
      ),
    ),
  );
  const several = sources.length > 1;
  const maxEpoch = Math.max(1, ...sources.flatMap(({ records: rows }) => rows.map((r) => r.epoch)));
  return {
    data: { values },
    facet: {
      row: { field: 'layer', type: 'nominal', title: 'BatchNorm layer' },
      column: { field: 'param', type: 'nominal', title: 'parameter', sort: ['gamma', 'beta'] },
    },
    resolve: { scale: { y: 'independent' } },
    spec: {
      width: 330,
      height: 150,
      mark: { type: 'line', strokeWidth: 1.3, point: false },
      encoding: {
        x: { field: 'epoch', type: 'quantitative', title: 'epoch (0 = initial weights)', axis: { values: [0, ...epochTicks(maxEpoch)], format: 'd' } },
        y: { field: 'value', type: 'quantitative', title: 'value (unitless: scale or shift)', scale: { zero: false } },
        color: several
          ? { field: 'channel', type: 'nominal', title: 'channel' }
          : { field: 'channel', type: 'quantitative', title: 'channel (index)', scale: { scheme: 'turbo' } },
        detail: { field: 'channel', type: 'nominal' },
        ...(several
          ? {
              strokeDash: { field: 'run', type: 'nominal', title: 'run', scale: { domain: sources.map((source) => source.label), range: [[1, 0], [5, 3]] }, legend: LINE_LEGEND },
            }
          : {}),
        tooltip: [
          { field: 'layer', type: 'nominal' },
          { field: 'param', type: 'nominal' },
          { field: 'channel', type: 'quantitative' },
          { field: 'epoch', type: 'quantitative' },
          { field: 'value', type: 'quantitative', format: '.4f' },
          ...(several ? [{ field: 'run', type: 'nominal' } as const] : []),
        ],
      },
    },
  } as TopLevelSpec;
}

const SIDES = { pre: 'input (pre)', post: 'output (post)' } as const;

function histogramRows(histogram: Histogram, side: string, epoch: number) {
  const total = histogram.counts.reduce((a, b) => a + b, 0) || 1;
  return histogram.counts.map((count, i) => ({ side, epoch, lo: histogram.edges[i]!, hi: histogram.edges[i + 1]!, share: count / total }));
}

/**
 * The distribution of one position's BatchNorm input and output at every epoch: a row of bins
 * per epoch, darker where more values fall. Input and output have their own x scales.
 */
export function histogramsSpec(records: readonly ActivationsRecord[], position: number): TopLevelSpec {
  const values = records.flatMap((record) => {
    const layer = record.layers.find((l) => l.position === position);
    if (!layer) return [];
    return [
      ...histogramRows(layer.pre.histogram, SIDES.pre, record.epoch),
      ...(layer.post ? histogramRows(layer.post.histogram, SIDES.post, record.epoch) : []),
    ];
  });
  return {
    data: { values },
    facet: { column: { field: 'side', type: 'nominal', title: null, sort: [SIDES.pre, SIDES.post] } },
    resolve: { scale: { x: 'independent' } },
    spec: {
      width: 400,
      height: { step: 16 },
      mark: { type: 'rect' },
      encoding: {
        x: { field: 'lo', type: 'quantitative', title: ACTIVATION_AXIS_TITLE, scale: { zero: false, nice: false } },
        x2: { field: 'hi' },
        y: { field: 'epoch', type: 'ordinal', title: 'epoch (0 = initial weights)' },
        color: {
          field: 'share',
          type: 'quantitative',
          title: 'share of values in the bin',
          scale: { type: 'sqrt', scheme: 'blues' },
          legend: { format: '.0%' },
        },
        tooltip: [
          { field: 'side', type: 'nominal' },
          { field: 'epoch', type: 'ordinal' },
          { field: 'lo', type: 'quantitative', title: 'from', format: '.3f' },
          { field: 'hi', type: 'quantitative', title: 'to', format: '.3f' },
          { field: 'share', type: 'quantitative', format: '.2%' },
        ],
      },
    },
  } as TopLevelSpec;
}

/**
 * Per channel, the final moving average (y) against the statistic recomputed with the final
 * weights (x); the grey line is y = x, where the two would agree.
 */
export function movingVsRecomputedSpec(comparison: RecomputedComparison): TopLevelSpec {
  const values = comparison.layers.flatMap((layer) =>
    (
      [
        ['mean', layer.movingMean, layer.mean],
        ['variance', layer.movingVariance, layer.variance],
      ] as const
    ).flatMap(([statistic, moving, recomputed]) =>
      moving.map((value, channel) => ({ layer: layer.name, statistic, channel, moving: value, recomputed: recomputed[channel]! })),
    ),
  );
  return {
    data: { values },
    facet: { column: { field: 'statistic', type: 'nominal', title: 'statistic', sort: ['mean', 'variance'] } },
    resolve: { scale: { x: 'independent', y: 'independent' } },
    spec: {
      width: 360,
      height: 300,
      layer: [
        {
          mark: { type: 'line', color: '#999', strokeDash: [4, 3] },
          encoding: {
            x: { field: 'recomputed', type: 'quantitative' },
            y: { field: 'recomputed', type: 'quantitative' },
          },
        },
        {
          mark: { type: 'point', filled: true, size: 36, opacity: 0.8 },
          encoding: {
            x: { field: 'recomputed', type: 'quantitative', title: `recomputed over ${comparison.images} training images (unitless)` },
            y: { field: 'moving', type: 'quantitative', title: 'moving average kept by training (unitless)' },
            color: { field: 'layer', type: 'nominal', title: 'BatchNorm layer' },
            tooltip: [
              { field: 'layer', type: 'nominal' },
              { field: 'channel', type: 'quantitative' },
              { field: 'moving', type: 'quantitative', format: '.4f' },
              { field: 'recomputed', type: 'quantitative', format: '.4f' },
            ],
          },
        },
      ],
    },
  } as TopLevelSpec;
}
