import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderParamsSvg } from '../../../src/report/plots';
import { bnLayer } from './fixtures';
import { byRole, parseSvgDocument, textsIn, vegaNumber } from './svg-dom';

const options = { title: 'BatchNorm gamma and beta', onWarning: (m: string) => assert.fail(`vega warning: ${m}`) };

test('renderParamsSvg draws a gamma bar and a beta bar per channel, labelled with their values', async () => {
  const layer = bnLayer(1, 6);
  const root = parseSvgDocument(await renderParamsSvg([layer], options));
  // Vega writes the layer's title before the chart's.
  assert.deepEqual(textsIn(root, 'role-title-text'), ['BN1 (batch_normalization_1)', 'BatchNorm gamma and beta']);
  assert.deepEqual(textsIn(root, 'role-legend-label'), ['gamma', 'beta']);
  assert.deepEqual(textsIn(root, 'role-axis-title'), ['channel', 'value']);
  // The initial values as dashed rules: gamma at 1, beta at 0.
  const rules = byRole(root, 'rule mark').map((r) => `${r.attrs['aria-label']}; dashed: ${r.attrs['stroke-dasharray'] !== undefined}`);
  assert.deepEqual(rules.sort(), ['value: 0; parameter: beta; dashed: true', 'value: 1; parameter: gamma; dashed: true']);
  assert.deepEqual(textsIn(root, 'role-title-subtitle'), ['dashed lines: the initial values, gamma 1 and beta 0']);
  const bars = byRole(root, 'bar').map((b) => b.attrs['aria-label']);
  const expected = [
    ...layer.gamma.map((v, c) => `channel: ${c}; value: ${vegaNumber(v)}; parameter: gamma`),
    ...layer.beta.map((v, c) => `channel: ${c}; value: ${vegaNumber(v)}; parameter: beta`),
  ];
  assert.deepEqual(bars.sort(), expected.sort());
});

test('renderParamsSvg gives each layer its own row, axis and bars: channels for conv layers, units for dense ones', async () => {
  const layers = [bnLayer(1, 6), bnLayer(2, 16), { ...bnLayer(3, 120), axis: 'unit' as const }, { ...bnLayer(4, 84), axis: 'unit' as const }];
  const root = parseSvgDocument(await renderParamsSvg(layers, options));
  assert.deepEqual(
    textsIn(root, 'role-title-text').slice(0, -1),
    layers.map((l) => `BN${l.index} (${l.name})`),
  );
  assert.equal(byRole(root, 'bar').length, 2 * (6 + 16 + 120 + 84));
  const xAxes = byRole(root, 'axis')
    .map((a) => a.attrs['aria-label'])
    .filter((l) => l.startsWith('X-axis'));
  assert.deepEqual(
    xAxes.map((l) => /with (\d+) values/.exec(l)?.[1]),
    ['6', '16', '120', '84'],
  );
  assert.deepEqual(xAxes.map((l) => /titled '(\w+)'/.exec(l)?.[1]), ['channel', 'channel', 'unit', 'unit']);
});

test('renderParamsSvg follows the data', async () => {
  const layer = bnLayer(1, 6);
  const before = await renderParamsSvg([layer], options);
  const after = await renderParamsSvg([{ ...layer, beta: layer.beta.map((b, c) => (c === 2 ? 0.75 : b)) }], options);
  assert.notEqual(after, before);
  assert.ok(after.includes('channel: 2; value: 0.75; parameter: beta'));
  assert.ok(!before.includes('channel: 2; value: 0.75; parameter: beta'));
});
