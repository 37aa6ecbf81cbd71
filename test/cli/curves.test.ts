/**
 * What a user sees of a run: curves.svg in the run dir (one point per epoch and curve, from
 * metrics.jsonl), and `inspect-params --plot`'s SVG of gamma and beta.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { runCli, runMain } from '../helpers/cli';
import { assertSamePoints, chartPoints, expectedPoints, readJson, readMetrics, SMALL_RUN } from '../helpers/run-files';
import { listDir } from '../helpers/temp-dir';
import { byRole, parseSvgDocument, textsIn } from '../report/plots/svg-dom';

let root: string;
let runDir: string;

before(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'bnlenet-curves-'));
  runDir = path.join(root, 'run');
  const result = await runMain(['train', ...SMALL_RUN, '--out', runDir]);
  assert.equal(result.code, 0, result.stderr);
});
after(() => rmSync(root, { recursive: true, force: true }));

test('a run writes curves.svg: well-formed, titled, one point per epoch and curve, as in metrics.jsonl', () => {
  const file = path.join(runDir, 'curves.svg');
  assert.ok(existsSync(file), listDir(runDir).join(', '));
  assert.ok(!listDir(runDir).some((name) => name.endsWith('.tmp')), 'no temporary files left');
  const svg = parseSvgDocument(readFileSync(file, 'utf8'));
  assert.deepEqual(textsIn(svg, 'role-title-text'), ['LeNet-BN (custom BatchNorm)']);
  const metrics = readMetrics(runDir);
  assert.equal(metrics.length, 2);
  assertSamePoints(chartPoints(file), expectedPoints(metrics));
});

test('inspect-params --plot writes params.svg into the run dir: a gamma and a beta bar per channel', async () => {
  const result = await runMain(['inspect-params', '--run', runDir, '--plot']);
  assert.equal(result.code, 0, result.stderr);
  const file = path.join(runDir, 'params.svg');
  assert.match(result.stdout, new RegExp(`^gamma and beta plotted to ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
  const svg = parseSvgDocument(readFileSync(file, 'utf8'));
  const gamma = readJson(path.join(runDir, 'summary.json')).batchNorm[0].gamma as number[];
  const bars = byRole(svg, 'bar').map((b) => b.attrs['aria-label']!);
  assert.equal(bars.length, 2 * 6);
  // Bars carry the layer's learned values (vega prints them to 12 significant digits).
  const plottedGamma = bars
    .filter((label) => label.endsWith('parameter: gamma'))
    .map((label) => Number(/value: ([^;]+);/.exec(label)![1]!.replace('\u2212', '-')));
  plottedGamma.forEach((value, c) => assert.ok(Math.abs(value - gamma[c]!) < 1e-9, `channel ${c}: ${value} vs ${gamma[c]}`));
});

test('inspect-params --plot FILE --layer all --json: every layer plotted to FILE, named in the JSON', async () => {
  const file = path.join(root, 'plots', 'all-layers.svg');
  const result = await runMain(['inspect-params', '--run', runDir, '--layer', 'all', '--plot', file, '--json']);
  assert.equal(result.code, 0, result.stderr);
  const out = JSON.parse(result.stdout);
  assert.equal(out.plot, file);
  assert.equal(out.layers.length, 4);
  const svg = parseSvgDocument(readFileSync(file, 'utf8'));
  assert.equal(byRole(svg, 'bar').length, 2 * (6 + 16 + 120 + 84));
});

test('an interrupted run keeps a current curves.svg; resumed, it plots the epochs before and after', async (t) => {
  const dir = path.join(root, 'interrupted');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const args = ['train', '--limit', '2048', '--epochs', '2', '--backend', 'wasm', '--data-dir', SMALL_RUN.at(-1)!, '--out', dir];
  const interrupted = await runCli(args, {
    onStdout: (stdout, child) => {
      if (/^epoch 1\/2:/m.test(stdout)) child.kill('SIGINT');
    },
  });
  assert.equal(interrupted.code, 130, interrupted.stderr);
  const curves = path.join(dir, 'curves.svg');
  assertSamePoints(chartPoints(curves), expectedPoints(readMetrics(dir)));
  assert.deepEqual(readMetrics(dir).map((m) => m.epoch), [1]);

  const resumed = await runMain(['train', '--resume', dir]);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.deepEqual(readMetrics(dir).map((m) => m.epoch), [1, 2]);
  assertSamePoints(chartPoints(curves), expectedPoints(readMetrics(dir)));
});
