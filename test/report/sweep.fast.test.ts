/**
 * A sweep's summary from its cells' results: counts, the highest learning rate at which every
 * seed of a variant learned (and what happened just above it), sweep.md's table and sweep.svg's
 * points, one per plotted cell and panel.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { bookVariant } from '../../src/model/run-args';
import { renderSweepSvg } from '../../src/report/plots';
import { sweepLines, sweepMarkdown, sweepSvg } from '../../src/report/sweep';
import { writeSweepFiles } from '../../src/train/store/set-files';
import { buildSweepSummary } from '../../src/train/sweep-summary';
import type { RunArgs } from '../../src/model/run-args';
import type { CellResult, CellStatus, SweepAxes } from '../../src/train/sweep';
import { tempDir } from '../helpers/temp-dir';
import { byRole, parseSvgDocument } from './plots/svg-dom';

const AXES: SweepAxes = { impl: ['custom', 'none'], batchSize: [256], dropout: [0], seed: [0, 1], lr: [0.1, 1, 10] };

function cell(impl: 'custom' | 'none', lr: number, seed: number, status: CellStatus): CellResult {
  const args: RunArgs = { ...bookVariant(impl), epochs: 2, batchSize: 256, lr, seed, dataDir: 'data' };
  const final = status === 'ok' ? { loss: 0.5, trainAcc: 0.8, testAcc: 0.75 } : status === 'no-learning' ? { loss: 2.3, trainAcc: 0.1, testAcc: 0.1 } : undefined;
  return { name: `${impl}-${lr}-${seed}`, args, status, final, epochsDone: final ? 2 : 0, ...(status === 'diverged' ? { message: 'in epoch 1' } : {}) };
}

const CELLS = [
  cell('custom', 0.1, 0, 'ok'),
  cell('custom', 0.1, 1, 'ok'),
  cell('custom', 1, 0, 'ok'),
  cell('custom', 1, 1, 'ok'),
  cell('custom', 10, 0, 'ok'),
  cell('custom', 10, 1, 'diverged'),
  cell('none', 0.1, 0, 'no-learning'),
  cell('none', 0.1, 1, 'ok'),
  cell('none', 1, 0, 'ok'),
  cell('none', 1, 1, 'ok'),
  cell('none', 10, 0, 'diverged'),
  cell('none', 10, 1, 'pending'),
];

test('the highest learning rate at which every seed learned, per variant, and what happened above it', () => {
  const summary = buildSweepSummary(AXES, CELLS);
  assert.deepEqual(summary.counts, { ok: 8, diverged: 2, 'no-learning': 1, failed: 0, pending: 1 });
  assert.deepEqual(summary.learningRates, [
    { variant: 'impl=custom', highestLr: 1, above: { lr: 10, statuses: ['ok', 'diverged'] }, incomplete: false },
    { variant: 'impl=none', highestLr: 1, above: { lr: 10, statuses: ['diverged', 'pending'] }, incomplete: true },
  ]);
  assert.deepEqual(sweepLines(summary), [
    '12 cells: 8 ok, 2 diverged, 1 no-learning, 1 pending',
    'highest learning rate that learned (every seed ok):',
    '  impl=custom: learned up to lr 1 (at 10: ok, diverged)',
    '  impl=none: learned up to lr 1 (at 10: diverged, pending) [incomplete: some cells failed or are pending]',
  ]);
  const [only] = buildSweepSummary({ ...AXES, impl: ['none'], seed: [0] }, [cell('none', 0.1, 0, 'no-learning'), cell('none', 1, 0, 'diverged')]).learningRates;
  assert.deepEqual(only, { variant: 'all cells', highestLr: null, above: { lr: 0.1, statuses: ['no-learning'] }, incomplete: false });
});

test('sweep.json keeps every cell with its dir, status and final figures (null where there are none)', () => {
  const summary = buildSweepSummary(AXES, CELLS);
  assert.equal(summary.cells.length, 12);
  assert.deepEqual(summary.cells[5], { name: 'custom-10-1', dir: 'custom-10-1', args: CELLS[5]!.args, status: 'diverged', final: null, epochsDone: 0, message: 'in epoch 1' });
  assert.deepEqual(summary.cells[0]!.final, { loss: 0.5, trainAcc: 0.8, testAcc: 0.75 });
});

test('sweep.md has the learning-rate limits and one table row per cell; sweep.svg one point per plotted cell and panel', async (t) => {
  const summary = buildSweepSummary(AXES, CELLS);
  const md = sweepMarkdown(summary);
  assert.match(md, /^- impl=custom: learned up to lr 1 \(at 10: ok, diverged\)$/m);
  assert.match(md, /^\| \[custom-10-1\]\(custom-10-1\/\) \| custom \| 10 \| 1 \| 256 \| 0 \| diverged: in epoch 1 \| - \| - \| - \|$/m);
  assert.match(md, /^\| \[none-0\.1-0\]\(none-0\.1-0\/\) \| none \| 0\.1 \| 0 \| 256 \| 0 \| no-learning \| 2\.300 \| 0\.100 \| 0\.100 \|$/m);
  assert.equal(md.split('\n').filter((l) => l.startsWith('| [')).length, 12);

  const dir = tempDir(t);
  await writeSweepFiles(dir, summary, md, await sweepSvg(summary));
  assert.deepEqual(JSON.parse(readFileSync(path.join(dir, 'sweep.json'), 'utf8')), JSON.parse(JSON.stringify(summary)));
  const points = byRole(parseSvgDocument(readFileSync(path.join(dir, 'sweep.svg'), 'utf8')), 'point');
  // 11 cells have a status to plot (the pending one has none), in two panels.
  assert.equal(points.length, 22);
  const labels = points.map((p) => p.attrs['aria-label']!);
  assert.equal(labels.filter((l) => /status: diverged/.test(l)).length, 4);
  assert.ok(labels.some((l) => /learning rate \(log scale\): 10; final accuracy \(fraction correct\): 0; cells: impl=custom, seed=1; status: diverged/.test(l)), labels.join('\n'));
});

test('sweep.svg of a sweep with no finished cell says so instead of drawing empty panels', async () => {
  const svg = await renderSweepSvg([{ lr: 1, series: 'all cells', status: 'pending' }], { title: 'Final accuracy against the learning rate' });
  assert.match(svg, /no cell has finished yet/);
  assert.equal(byRole(parseSvgDocument(svg), 'point').length, 0);
});

test('a one-cell sweep says "1 cell", and a diverging loss in sweep.md is in exponent form', () => {
  const diverging = { ...cell('custom', 100, 0, 'no-learning'), final: { loss: 6.499761259401293e30, trainAcc: 0.1, testAcc: 0.1 } };
  const summary = buildSweepSummary({ ...AXES, impl: ['custom'], seed: [0], lr: [100] }, [diverging]);
  assert.equal(sweepLines(summary)[0], '1 cell: 1 no-learning');
  assert.match(sweepMarkdown(summary), /6\.50e\+30/);
  assert.doesNotMatch(sweepMarkdown(summary), /6499761259/);
});
