import assert from 'node:assert/strict';
import { test } from 'node:test';
import { terminalChart } from '../../../src/report/plots';
import { epochRows } from './fixtures';

const NAMES = ['train loss', 'train acc', 'test acc'];
const LABEL_WIDTH = 'train loss '.length;
const ANSI = /\x1b\[[0-9;]*m/g;

/**
 * The plot of each metric row (the axis line excluded), padded back to `width` columns: rows
 * are trimmed at the end. Checks that nothing but a min/max label follows the plot.
 */
function plots(chart: string, width: number): string[] {
  return chart
    .split('\n')
    .slice(0, -1)
    .map((line) => {
      const rest = [...line.slice(LABEL_WIDTH)];
      const after = rest.slice(width).join('');
      assert.match(after, /^(| {2}(min|max) .*)$/, line);
      return rest.slice(0, width).join('').padEnd(width);
    });
}

test('terminalChart: one sparkline row per metric, the given width, min and max labels, an epoch axis', () => {
  const chart = terminalChart(epochRows(7), { width: 14 });
  const lines = chart.split('\n');
  assert.equal(lines.length, 4);
  NAMES.forEach((name, i) => assert.ok(lines[i].startsWith(name.padEnd(LABEL_WIDTH)), lines[i]));
  assert.match(lines[0], /min 0\.063 {2}max 1\.000$/);
  assert.match(lines[1], /min 0\.500 {2}max 0\.969$/);
  assert.match(lines[2], /min 0\.500 {2}max 0\.938$/);
  assert.equal(lines[3], `${' '.repeat(LABEL_WIDTH)}1${'7'.padStart(13)}  epoch`);
  // Seven epochs over 14 columns: two columns each. The loss falls from the top block to the
  // bottom one; train accuracy rises the other way.
  const [loss, trainAcc] = plots(chart, 14);
  assert.equal(loss, '██▄▄▃▃▂▂▂▂▁▁▁▁');
  assert.equal(trainAcc, '▁▁▃▃▅▅▆▆▇▇████');
  assert.doesNotMatch(chart, ANSI);
});

test('terminalChart: height rows per metric, max on the top row and min on the bottom one', () => {
  const chart = terminalChart(epochRows(7), { width: 7, height: 3 });
  const lines = chart.split('\n');
  assert.equal(lines.length, 3 * 3 + 1);
  assert.equal(plots(chart, 7).length, 9);
  assert.match(lines[0], /^train loss █ {8}max 1\.000$/);
  assert.match(lines[1], /^ {11}█▄▁$/);
  assert.match(lines[2], /^ {11}███▆▄▃▁ {2}min 0\.063$/);
  assert.ok(lines[3].startsWith('train acc '));
});

test('terminalChart with one epoch: flat mid-height rows, min equal to max, no NaN', () => {
  const chart = terminalChart(epochRows(1), { width: 5 });
  assert.doesNotMatch(chart, /NaN|undefined/);
  const lines = chart.split('\n');
  assert.equal(lines.length, 4);
  assert.deepEqual(plots(chart, 5), ['▄▄▄▄▄', '▄▄▄▄▄', '▄▄▄▄▄']);
  assert.match(lines[0], /min 1\.000 {2}max 1\.000$/);
  assert.equal(lines[3], `${' '.repeat(LABEL_WIDTH)}1      epoch`);
});

test('terminalChart samples many epochs, first and last included', () => {
  const rows = Array.from({ length: 100 }, (_, i) => ({
    ...epochRows(1)[0],
    epoch: i + 1,
    epochs: 100,
    loss: 100 - i,
  }));
  const chart = terminalChart(rows, { width: 10 });
  const [loss] = plots(chart, 10);
  assert.equal(loss[0], '█');
  assert.equal(loss[9], '▁');
  assert.match(chart.split('\n')[3], /1 +100 {2}epoch$/);
});

test('terminalChart colours only when asked, and the colours change nothing else', () => {
  const rows = epochRows(5);
  for (const height of [1, 3]) {
    const plain = terminalChart(rows, { height });
    const coloured = terminalChart(rows, { height, color: true });
    assert.doesNotMatch(plain, ANSI);
    // A colour and a reset around each plot row.
    assert.equal(coloured.match(ANSI)?.length, 2 * 3 * height);
    assert.equal(coloured.replace(ANSI, ''), plain);
  }
});

test('terminalChart: a non-finite value shows as ×, and the scale ignores it', () => {
  const rows = epochRows(4);
  rows[1] = { ...rows[1], loss: Infinity };
  const chart = terminalChart(rows, { width: 4 });
  assert.equal(plots(chart, 4)[0], '█×▂▁');
  assert.match(chart.split('\n')[0], /min 0\.250 {2}max 1\.000$/);
});

test('terminalChart: empty input gives an empty string; bad sizes are refused', () => {
  assert.equal(terminalChart([]), '');
  for (const bad of [{ width: 0 }, { height: -1 }, { width: 2.5 }]) {
    assert.throws(() => terminalChart(epochRows(2), bad), RangeError);
  }
});
