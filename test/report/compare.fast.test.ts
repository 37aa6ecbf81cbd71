import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sideBySideLines, summaryLines } from '../../src/report/compare';
import { batchNormDifferences, buildComparison, type VariantRun } from '../../src/train/comparison';
import { bnLayer, epochRows } from './plots/fixtures';
import { bookVariant } from '../../src/model/run-args';

const { impl: _impl, ...BOOK_LENET_BN } = bookVariant('custom');
const ARGS = { ...BOOK_LENET_BN, epochs: 3, batchSize: 256, lr: 1, seed: 0, dataDir: 'data' };

function variant(name: string, examplesPerSec: number, scale = 1): VariantRun {
  return {
    runDir: `runs/x/${name}`,
    metrics: epochRows(3).map((m) => ({ ...m, loss: m.loss * scale, examplesPerSec: examplesPerSec + m.epoch })),
    examplesPerSec,
    device: 'cpu (test)',
    versions: { node: 'v20' },
    batchNorm: [bnLayer(1, 6), bnLayer(2, 16)],
  };
}

test('batchNormDifferences takes the largest |a - b| per quantity over every channel of every layer', () => {
  const a = [bnLayer(1, 6), bnLayer(2, 16)];
  const b = structuredClone(a);
  assert.deepEqual(batchNormDifferences(a, b), { gamma: 0, beta: 0, movingMean: 0, movingVariance: 0 });
  b[1]!.gamma[15] += 0.25;
  b[0]!.gamma[2] -= 0.125;
  b[0]!.beta[0] -= 0.5;
  b[1]!.movingVariance[3] = a[1]!.movingVariance[3]! + 2;
  assert.deepEqual(batchNormDifferences(a, b), { gamma: 0.25, beta: 0.5, movingMean: 0, movingVariance: 2 });
  assert.throws(() => batchNormDifferences(a, a.slice(0, 1)), RangeError);
  assert.throws(() => batchNormDifferences([bnLayer(1, 6)], [bnLayer(1, 5)]), RangeError);
});

test('buildComparison keeps both runs, the speed ratio custom/builtin overall and per epoch', () => {
  const c = buildComparison(ARGS, { custom: variant('custom', 500), builtin: variant('builtin', 1000, 0.5) });
  assert.equal(c.format, 'bnlenet-compare/1');
  assert.equal(c.speedRatio, 0.5);
  assert.deepEqual(c.epochSpeedRatios, [501 / 1001, 502 / 1002, 503 / 1003]);
  assert.equal(c.runs.builtin.metrics[0]!.loss, 0.5);
  assert.equal(c.device, 'cpu (test)');
  assert.deepEqual(c.differences, { gamma: 0, beta: 0, movingMean: 0, movingVariance: 0 });
});

test('sideBySideLines prints one row per epoch with both runs\' figures and the ratio; summaryLines closes', () => {
  const c = buildComparison(ARGS, { custom: variant('custom', 500), builtin: variant('builtin', 1000, 0.5) });
  const lines = sideBySideLines(c);
  assert.equal(lines.length, 2 + 3);
  assert.match(lines[0]!, /custom BatchNorm .*builtin BatchNorm/);
  assert.match(lines[1]!, /^epoch +loss +train acc +test acc +examples\/sec +\| +loss/);
  assert.deepEqual(lines[2]!.split(/[\s|]+/).filter(Boolean), ['1', '1.000', '0.500', '0.500', '501.0', '0.500', '0.500', '0.500', '1001.0', '0.50']);
  // Columns line up under their headings.
  assert.equal(lines[2]!.indexOf('|'), lines[1]!.indexOf('|'));
  // Narrower terminals lose the speed columns first, then the ratio, then train acc.
  for (const [width, headings] of [
    [90, ['epoch', 'loss', 'train', 'acc', 'test', 'acc', 'loss', 'train', 'acc', 'test', 'acc', 'speed', 'custom/builtin']],
    [70, ['epoch', 'loss', 'train', 'acc', 'test', 'acc', 'loss', 'train', 'acc', 'test', 'acc']],
    [50, ['epoch', 'loss', 'test', 'acc', 'loss', 'test', 'acc']],
  ] as const) {
    const narrow = sideBySideLines(c, width);
    assert.ok(narrow.every((l) => l.length <= width), `${width}: ${narrow.join('\n')}`);
    assert.deepEqual(narrow[1]!.split(/[\s|]+/).filter(Boolean), headings, `${width}`);
    assert.equal(narrow.length, 5);
  }
  const summary = summaryLines(c);
  assert.equal(summary[0], 'custom : loss 0.375, train acc 0.750, test acc 0.625, 500.0 examples/sec');
  assert.equal(summary[2], 'speed custom/builtin: 0.50 (on cpu (test))');
  assert.equal(summary[3], 'largest |custom - builtin| over all BatchNorm layers: gamma 0, beta 0, moving mean 0, moving var 0');
});
