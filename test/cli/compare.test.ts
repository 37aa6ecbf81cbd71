/**
 * `bnlenet compare` as a user runs it: both variants from the same initial weights, their
 * figures side by side and in compare.json exactly as their own metrics.jsonl holds them,
 * the speed ratio, the BatchNorm differences, compare.svg.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { selectBackend } from '../../src/engine';
import { buildLeNet } from '../../src/model/lenet';
import { bookVariant } from '../../src/model/run-args';
import { runMain, type CliResult } from '../helpers/cli';
import { assertSamePoints, chartPoints, expectedPoints, jsonLines, readJson, readMetrics, SMALL_RUN, withFlag } from '../helpers/run-files';

const VARIANTS = ['custom', 'builtin'] as const;

let cwd: string;
let json: CliResult;
let compareDir: string;

before(async () => {
  cwd = mkdtempSync(path.join(tmpdir(), 'bnlenet-compare-'));
  // No --out: the default, runs/<UTC time>-compare under the working dir.
  json = await runMain(['compare', ...SMALL_RUN, '--seed', '3', '--json'], { cwd });
  assert.equal(json.code, 0, json.stderr);
  const runs = readdirSync(path.join(cwd, 'runs'));
  assert.equal(runs.length, 1);
  assert.match(runs[0]!, /^\d{8}T\d{6}Z-compare$/);
  compareDir = path.join(cwd, 'runs', runs[0]!);
});
after(() => rmSync(cwd, { recursive: true, force: true }));

test('both variants start from the same weights under the same seed', async () => {
  await selectBackend({ backend: 'cpu', gpu: false });
  // Conv and dense kernels and biases, in order; BatchNorm starts at gamma 1, beta 0 in both.
  const weightsOf = (impl: 'custom' | 'builtin', seed: number) => {
    const model = buildLeNet(impl, seed);
    const layers = model.layers.filter((l) => /^(conv|dense)/.test(l.name));
    const values = layers.flatMap((l) => l.getWeights().map((w) => Array.from(w.dataSync())));
    model.dispose();
    return values;
  };
  const custom = weightsOf('custom', 3);
  assert.equal(custom.length, 10);
  assert.deepEqual(weightsOf('builtin', 3), custom);
  assert.notDeepEqual(weightsOf('builtin', 4), custom);
});

test('--json: JSON lines only, each run tagged, then one compare object matching both runs\' own files', () => {
  const events = jsonLines(json.stdout);
  assert.deepEqual(
    events.map((e) => `${e.event}${e.run ? `:${e.run}` : ''}`),
    ['start:custom', 'epoch:custom', 'epoch:custom', 'end:custom', 'start:builtin', 'epoch:builtin', 'epoch:builtin', 'end:builtin', 'compare'],
  );
  const compare = events.at(-1)!;
  assert.equal(compare.dir, path.join('runs', path.basename(compareDir)));
  const { event: _event, dir: _dir, ...saved } = compare;
  assert.deepEqual(readJson(path.join(compareDir, 'compare.json')), saved);
  for (const impl of VARIANTS) {
    const runDir = path.join(compareDir, impl);
    assert.equal(readJson(path.join(runDir, 'run.json')).args.impl, impl);
    assert.deepEqual(compare.runs[impl].metrics, readMetrics(runDir));
    assert.equal(compare.runs[impl].examplesPerSec, readJson(path.join(runDir, 'summary.json')).examplesPerSec);
    assert.ok(existsSync(path.join(runDir, 'curves.svg')));
  }
  assert.equal(compare.speedRatio, compare.runs.custom.examplesPerSec / compare.runs.builtin.examplesPerSec);
  const { impl: _impl, ...bookLeNetBn } = bookVariant('custom');
  assert.deepEqual(compare.args, { ...bookLeNetBn, epochs: 2, batchSize: 256, lr: 1, seed: 3, limit: 512, dataDir: SMALL_RUN.at(-1) });
});

test('same start, same function: the runs agree to rounding, at epoch 1 and in the final BatchNorm state', () => {
  const compare = readJson(path.join(compareDir, 'compare.json'));
  const [custom, builtin] = VARIANTS.map((impl) => compare.runs[impl].metrics[0]);
  assert.ok(Math.abs(custom.loss - builtin.loss) < 1e-4, `epoch-1 loss ${custom.loss} vs ${builtin.loss}`);
  assert.equal(custom.trainAcc, builtin.trainAcc);
  for (const [name, diff] of Object.entries(compare.differences as Record<string, number>)) {
    assert.ok(diff >= 0 && diff < 1e-3, `${name} differs by ${diff}`);
  }
  // The differences are the largest over all channels of both runs' summaries.
  const [a, b] = VARIANTS.map((impl) => readJson(path.join(compareDir, impl, 'summary.json')).batchNorm);
  const largest = (key: string) => Math.max(...a.flatMap((layer: any, l: number) => layer[key].map((v: number, c: number) => Math.abs(v - b[l][key][c]))));
  assert.deepEqual(compare.differences, { gamma: largest('gamma'), beta: largest('beta'), movingMean: largest('movingMean'), movingVariance: largest('movingVariance') });
});

test('compare.svg draws both runs\' curves, one point per epoch, curve and run', () => {
  const points = chartPoints(path.join(compareDir, 'compare.svg'));
  assertSamePoints(points, VARIANTS.flatMap((impl) => expectedPoints(readMetrics(path.join(compareDir, impl)), impl)));
});

test('text mode prints the two runs side by side per epoch, the ratio and the differences', async () => {
  const out = path.join(cwd, 'text');
  const result = await runMain(['compare', ...withFlag(SMALL_RUN, '--epochs', '1'), '--out', out], { cwd });
  assert.equal(result.code, 0, result.stderr);
  const lines = result.stdout.split('\n');
  const [custom, builtin] = VARIANTS.map((impl) => readMetrics(path.join(out, impl)));
  for (const [i, m] of custom.entries()) {
    const b = builtin[i]!;
    const row = lines.find((l) => new RegExp(`^ +${m.epoch}  `).test(l));
    assert.ok(row, result.stdout);
    const expected = [m, b].flatMap((x) => [x.loss.toFixed(3), x.trainAcc.toFixed(3), x.testAcc.toFixed(3), x.examplesPerSec.toFixed(1)]);
    assert.deepEqual(row.split(/[\s|]+/).filter(Boolean), [String(m.epoch), ...expected, (m.examplesPerSec / b.examplesPerSec).toFixed(2)]);
  }
  const compare = readJson(path.join(out, 'compare.json'));
  assert.match(result.stdout, new RegExp(`^speed custom/builtin: ${compare.speedRatio.toFixed(2)} \\(on cpu \\(wasm`, 'm'));
  assert.match(result.stdout, /^largest \|custom - builtin\| over all BatchNorm layers: gamma \S+, beta \S+, moving mean \S+, moving var \S+$/m);
  assert.match(result.stdout, /^\[custom\] epoch 1\/1: /m);
  assert.match(result.stdout, /^\[builtin\] epoch 1\/1: /m);

  const again = await runMain(['compare', ...SMALL_RUN, '--out', out], { cwd });
  assert.equal(again.code, 2, 'an existing compare dir is refused');
  assert.match(again.stderr, /already holds files/);
  assert.match(again.stderr, new RegExp(`or continue it with \`bnlenet compare --resume ${out}\``));

  // Commands that read one run point into the compare dir's runs.
  for (const command of ['inspect-params', 'evaluate']) {
    const pointed = await runMain([command, '--run', out], { cwd });
    assert.equal(pointed.code, 1);
    assert.match(pointed.stderr, new RegExp(`^bnlenet: ${out} is a compare dir, holding the runs custom, builtin; these commands read one run\n  pass one of them, e.g. --run ${out}/custom\n$`));
  }
});
