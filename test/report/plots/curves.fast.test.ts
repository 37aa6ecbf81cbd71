import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderCompareSvg, renderCurvesSvg, type ChartOptions } from '../../../src/report/plots';
import type { EpochMetrics } from '../../../src/train/epoch-metrics';
import { epochRows } from './fixtures';
import { byRole, parseSvgDocument, textsIn, vegaNumber, type SvgElement } from './svg-dom';

/** The book's legend, in its order, and the field each curve draws. */
const FIELDS = { 'train loss': 'loss', 'train acc': 'trainAcc', 'test acc': 'testAcc' } as const;
type Metric = keyof typeof FIELDS;
const METRICS = Object.keys(FIELDS) as Metric[];

/** Options that fail the test on any vega-lite or vega warning. */
function strict(title: string): ChartOptions {
  return { title, onWarning: (message) => assert.fail(`vega warning: ${message}`) };
}

function labels(root: SvgElement, role: string): string[] {
  return byRole(root, role).map((e) => e.attrs['aria-label']);
}

/** The aria-label vega gives the point of one epoch and metric. */
function pointLabel(row: EpochMetrics, metric: Metric, run?: string): string {
  return (
    `epoch: ${row.epoch}; loss / accuracy: ${vegaNumber(row[FIELDS[metric]])}; metric: ${metric}` +
    (run ? `; run: ${run}` : '')
  );
}

test('renderCurvesSvg draws the three series with axis titles, a legend and one point per value', async () => {
  const rows = epochRows(5, 10);
  const root = parseSvgDocument(await renderCurvesSvg(rows, strict('LeNet-BN (custom)')));

  assert.deepEqual(textsIn(root, 'role-title-text'), ['LeNet-BN (custom)']);
  assert.deepEqual(textsIn(root, 'role-axis-title'), ['epoch', 'loss / accuracy']);
  assert.deepEqual(textsIn(root, 'role-legend-label'), METRICS);
  // The x axis spans the planned epochs, as the book's plot does (xlim=[1, num_epochs]).
  assert.match(labels(root, 'axis')[0], /^X-axis titled 'epoch' for a linear scale with values from 1 to 10$/);
  assert.deepEqual(textsIn(root, 'role-axis-label').slice(0, 10), ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10']);

  assert.deepEqual(labels(root, 'point').sort(), rows.flatMap((r) => METRICS.map((m) => pointLabel(r, m))).sort());
  const lines = byRole(root, 'line mark');
  assert.equal(lines.length, 3);
  // The book's styles: solid, dashed and dash-dot, one colour each.
  assert.equal(new Set(lines.map((l) => l.attrs.stroke)).size, 3);
  assert.equal(new Set(lines.map((l) => l.attrs['stroke-dasharray'])).size, 3);
});

test('renderCurvesSvg output follows the data and escapes the title', async () => {
  const rows = epochRows(4);
  const before = await renderCurvesSvg(rows, strict('a < b & c'));
  const changed = rows.map((r) => (r.epoch === 3 ? { ...r, testAcc: 0.4375 } : r));
  const after = await renderCurvesSvg(changed, strict('a < b & c'));
  assert.notEqual(after, before);
  assert.ok(labels(parseSvgDocument(after), 'point').includes(pointLabel(changed[2], 'test acc')));
  assert.ok(!labels(parseSvgDocument(after), 'point').includes(pointLabel(rows[2], 'test acc')));
  assert.deepEqual(textsIn(parseSvgDocument(before), 'role-title-text'), ['a < b & c']);
  // Same data, same picture: nothing random or time-dependent in the output.
  assert.equal(await renderCurvesSvg(rows, strict('a < b & c')), before);
});

/** The path of each legend symbol: a stroke segment ('M-10,0L10,0') or a marker. */
function legendSymbols(svg: string): string[] {
  return [...svg.matchAll(/role-legend-symbol[^>]*><path [^>]*d="([^"]+)"/g)].map((m) => m[1]!);
}

test('renderCurvesSvg with one epoch draws markers and a legend of markers; a diverged (NaN) loss is left out', async () => {
  const oneSvg = await renderCurvesSvg(epochRows(1), strict('one'));
  const one = parseSvgDocument(oneSvg);
  assert.equal(byRole(one, 'point').length, 3);
  assert.match(labels(one, 'axis')[0], /values from 1 to 1$/);
  assert.ok(legendSymbols(oneSvg).every((d) => !/^M-\d+,0L\d+,0$/.test(d)), `no line segments in the legend: ${legendSymbols(oneSvg)}`);
  assert.ok(legendSymbols(await renderCurvesSvg(epochRows(2), strict('two'))).every((d) => /^M-\d+,0L\d+,0$/.test(d)), 'two epochs: line segments');

  const rows = epochRows(3);
  rows[2] = { ...rows[2], loss: NaN };
  const svg = await renderCurvesSvg(rows, strict('nan'));
  assert.doesNotMatch(svg, /NaN/);
  assert.equal(byRole(parseSvgDocument(svg), 'point').length, 3 * 3 - 1);
});

test('renderCompareSvg overlays every metric of every run: a dash per metric as on curves.svg, a marker per run', async () => {
  const custom = epochRows(4);
  const builtin = epochRows(4).map((r) => ({ ...r, loss: r.loss / 2 }));
  const svg = await renderCompareSvg(
      [
        { label: 'custom', rows: custom },
        { label: 'builtin', rows: builtin },
      ],
      strict('custom vs builtin'),
    );
  const root = parseSvgDocument(svg);
  assert.deepEqual(textsIn(root, 'role-legend-label'), [...METRICS, 'custom', 'builtin']);
  assert.deepEqual(textsIn(root, 'role-title-subtitle'), ['largest |custom - builtin| at any point: 5.0e-1']);
  assert.deepEqual(textsIn(root, 'role-axis-title'), ['epoch', 'loss / accuracy']);
  assert.deepEqual(
    labels(root, 'point').sort(),
    [
      ...custom.flatMap((r) => METRICS.map((m) => pointLabel(r, m, 'custom'))),
      ...builtin.flatMap((r) => METRICS.map((m) => pointLabel(r, m, 'builtin'))),
    ].sort(),
  );
  const lines = byRole(root, 'line mark');
  assert.equal(lines.length, 6);
  // One meaning per style on every chart: the dash is the metric's, whatever the run.
  const dashes = (metric: string) => new Set(lines.filter((l) => l.attrs['aria-label'].includes(`metric: ${metric}`)).map((l) => l.attrs['stroke-dasharray']));
  for (const metric of METRICS) assert.equal(dashes(metric).size, 1, metric);
  assert.equal(new Set(METRICS.map((m) => [...dashes(m)][0])).size, 3);
  // The runs' markers differ in shape, so coinciding points show both.
  const shapes = (run: string) => new Set(byRole(root, 'point').filter((p) => p.attrs['aria-label'].endsWith(`run: ${run}`)).map((p) => p.attrs.d?.replace(/[\d.]+/g, '#')));
  assert.equal(shapes('custom').size, 1);
  assert.equal(shapes('builtin').size, 1);
  assert.notDeepEqual(shapes('custom'), shapes('builtin'));
});

test('renderCompareSvg of coinciding runs says so, with the largest difference', async () => {
  const custom = epochRows(3);
  const builtin = custom.map((r) => ({ ...r, loss: r.loss + 3e-7 }));
  const root = parseSvgDocument(await renderCompareSvg([{ label: 'custom', rows: custom }, { label: 'builtin', rows: builtin }], strict('same')));
  assert.deepEqual(textsIn(root, 'role-title-subtitle'), ['largest |custom - builtin| at any point: 3.0e-7 (the curves coincide; the markers show both)']);
});

test('renderCompareSvg refuses two runs with the same label', async () => {
  assert.throws(
    () =>
      renderCompareSvg(
        [
          { label: 'x', rows: epochRows(2) },
          { label: 'x', rows: epochRows(2) },
        ],
        { title: 't' },
      ),
    RangeError,
  );
});
