/**
 * `bnlenet train`, `evaluate` and `inspect-params` spawned as a user runs them, on the real
 * dataset at small sizes: the printed lines of the contract, the run dir's files, JSON and
 * quiet modes, and what a missing optional GPU package says.
 */
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runMain } from '../helpers/cli';
import { readMetrics, withFlag } from '../helpers/run-files';
import { listDir, tempDir } from '../helpers/temp-dir';
import { FIXTURE_DIR } from '../helpers/fixture-data';

const DATA = ['--data-dir', FIXTURE_DIR];
const SMALL = ['--limit', '1024', '--epochs', '2', '--backend', 'wasm', ...DATA];
const EPOCH_LINE = /^epoch (\d+)\/(\d+): loss (\d+\.\d{3}), train acc (\d\.\d{3}), test acc (\d\.\d{3}), (\d+\.\d) examples\/sec$/;

let runDir: string;
let trainOut: string;
let trainErr: string;

after(() => rmSync(path.dirname(runDir), { recursive: true, force: true }));

before(async () => {
  runDir = path.join(mkdtempSync(path.join(tmpdir(), 'bnlenet-cli-')), 'run');
  const result = await runMain(['train', ...SMALL, '--out', runDir]);
  assert.equal(result.code, 0, result.stderr);
  trainOut = result.stdout;
  trainErr = result.stderr;
});

test('train prints an epoch line per epoch and the book\'s two closing lines', () => {
  const lines = trainOut.trim().split('\n');
  const epochs = lines.filter((l) => EPOCH_LINE.test(l));
  assert.equal(epochs.length, 2, trainOut);
  assert.deepEqual(epochs.map((l) => EPOCH_LINE.exec(l)!.slice(1, 3)), [['1', '2'], ['2', '2']]);
  const finalIndex = lines.findIndex((l) => /^loss \d+\.\d{3}, train acc \d\.\d{3}, test acc \d\.\d{3}$/.test(l));
  assert.ok(finalIndex > 0, trainOut);
  assert.match(lines[finalIndex + 1]!, /^\d+\.\d examples\/sec on cpu \(wasm/);
  // The closing loss is the last epoch's.
  assert.equal(lines[finalIndex]!.split(',')[0], epochs[1]!.split(': ')[1]!.split(',')[0]);
  assert.match(trainOut, /gamma \(first BatchNorm layer\): \[(-?\d\.\d{4}, ){5}-?\d\.\d{4}\]/);
  assert.doesNotMatch(trainErr, /did not learn/, 'a run that learned gives no warning');
});

test('the run dir holds the model, metrics per epoch and a summary', () => {
  for (const file of ['run.json', 'model.json', 'weights.bin', 'metrics.jsonl', 'summary.json', 'checkpoint.json']) {
    assert.ok(existsSync(path.join(runDir, file)), `${file} in ${listDir(runDir).join(', ')}`);
  }
  assert.ok(!listDir(runDir).some((f) => f.endsWith('.tmp')), 'no temporary files');
  const metrics = readMetrics(runDir);
  assert.deepEqual(metrics.map((m) => m.epoch), [1, 2]);
  const summary = JSON.parse(readFileSync(path.join(runDir, 'summary.json'), 'utf8'));
  assert.equal(summary.args.impl, 'custom');
  assert.equal(summary.learned, true);
  assert.equal(summary.args.limit, 1024);
  assert.equal(summary.backend.name, 'wasm');
  assert.equal(summary.versions['@tensorflow/tfjs-core'], '4.22.0');
  assert.deepEqual(summary.final, metrics[1]);
  assert.equal(summary.batchNorm.length, 4);
  assert.equal(summary.batchNorm[0].gamma.length, 6);
});

test('inspect-params shows the first layer by default, all with --layer all, as JSON', async () => {
  const json = await runMain(['inspect-params', '--run', runDir, '--json']);
  assert.equal(json.code, 0, json.stderr);
  const parsed = JSON.parse(json.stdout);
  assert.equal(parsed.layers.length, 1);
  const summary = JSON.parse(readFileSync(path.join(runDir, 'summary.json'), 'utf8'));
  assert.deepEqual(parsed.layers[0].gamma, summary.batchNorm[0].gamma);
  assert.deepEqual(parsed.layers[0].beta, summary.batchNorm[0].beta);
  const all = JSON.parse((await runMain(['inspect-params', '--run', runDir, '--json', '--layer', 'all'])).stdout);
  assert.deepEqual(all.layers.map((l: { gamma: number[] }) => l.gamma.length), [6, 16, 120, 84]);
  const table = await runMain(['inspect-params', '--run', runDir]);
  assert.match(table.stdout, /BatchNorm layer 1 \(bn1\), 6 channels/);
  assert.equal(table.stdout.trim().split('\n').filter((l) => /^\s+\d+(\s+-?\d+\.\d{4}){4}$/.test(l)).length, 6);
  const bad = await runMain(['inspect-params', '--run', runDir, '--layer', '7']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--layer 7/);
});

test('evaluate gives the test accuracy the run reported for its last epoch', async () => {
  const result = await runMain(['evaluate', '--run', runDir, ...DATA, '--json']);
  assert.equal(result.code, 0, result.stderr);
  const evaluation = JSON.parse(result.stdout);
  const summary = JSON.parse(readFileSync(path.join(runDir, 'summary.json'), 'utf8'));
  assert.ok(Math.abs(evaluation.testAcc - summary.final.testAcc) < 1e-6, `${evaluation.testAcc} vs ${summary.final.testAcc}`);
  assert.ok(evaluation.testLoss > 0);
});

test('--json prints JSON lines only; --quiet only the closing lines', async (t) => {
  const json = await runMain(['train', ...withFlag(SMALL, '--epochs', '1'), '--json', '--out', path.join(tempDir(t), 'r')]);
  assert.equal(json.code, 0, json.stderr);
  const events = json.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(events.map((e) => e.event), ['start', 'epoch', 'end']);
  assert.equal(events[1].epoch, 1);
  const quiet = await runMain(['train', ...withFlag(SMALL, '--epochs', '1'), '--quiet', '--out', path.join(tempDir(t), 'r')]);
  assert.equal(quiet.code, 0, quiet.stderr);
  const lines = quiet.stdout.trim().split('\n');
  assert.equal(lines.length, 2, quiet.stdout);
  assert.match(lines[1]!, /examples\/sec on /);
});

test('--gpu without @tensorflow/tfjs-node-gpu says what to install and how to train without it', async (t) => {
  const out = path.join(tempDir(t), 'r');
  const result = await runMain(['train', '--gpu', ...DATA, '--out', out]);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /@tensorflow\/tfjs-node-gpu/);
  assert.match(result.stderr, /CUDA/);
  assert.match(result.stderr, /npm install --no-save --save-peer @tensorflow\/tfjs-node-gpu@4\.22\.0/);
  assert.match(result.stderr, /--backend wasm/);
  assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
  assert.ok(!existsSync(out), 'no run dir');
});

test('without --out a run goes to runs/<UTC time>-<impl>, and --run defaults to the newest run', async (t) => {
  const cwd = tempDir(t);
  const result = await runMain(['train', '--limit', '256', '--epochs', '1', '--impl', 'builtin', '--quiet', ...DATA.slice(0, 2)], { cwd });
  assert.equal(result.code, 0, result.stderr);
  const runs = listDir(path.join(cwd, 'runs'));
  assert.equal(runs.length, 1);
  assert.match(runs[0]!, /^\d{8}T\d{6}Z-builtin$/);
  const inspect = await runMain(['inspect-params', '--json'], { cwd });
  assert.equal(inspect.code, 0, inspect.stderr);
  assert.equal(JSON.parse(inspect.stdout).run, path.join('runs', runs[0]!));
  const none = await runMain(['evaluate'], { cwd: tempDir(t) });
  assert.equal(none.code, 1);
  assert.match(none.stderr, /no runs in .*runs/);
});
