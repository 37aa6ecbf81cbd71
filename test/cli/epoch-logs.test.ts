/**
 * params.jsonl and activations.jsonl through the CLI's main in this process: one line per
 * epoch from epoch 0 in the contract's format; a run killed after its last checkpoint and
 * resumed ends with the same bytes as a run never interrupted (a run stopped with Ctrl-C, a
 * process of its own, does too: reliability.test.ts); and `evaluate --recompute-stats` prints
 * both evaluations and leaves the run's files as they were.
 */
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runMain } from '../helpers/cli';
import { readJson } from '../helpers/run-files';
import { tempDir } from '../helpers/temp-dir';
import { FIXTURE_DIR } from '../helpers/fixture-data';

const DATA = ['--data-dir', FIXTURE_DIR];
const RECIPE = ['--limit', '512', '--batch-size', '128', '--test-limit', '256', '--seed', '11', '--backend', 'wasm', ...DATA];
const LOGS = ['params.jsonl', 'activations.jsonl'];

let root: string;
let twoEpochs: string;
let oneEpoch: string;

// The runs trained for these tests live in one temporary dir, removed when the file ends.
after(() => rmSync(root, { recursive: true, force: true }));

before(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'bnlenet-logs-'));
  twoEpochs = path.join(root, 'two');
  oneEpoch = path.join(root, 'one');
  for (const [dir, epochs] of [[twoEpochs, '2'], [oneEpoch, '1']] as const) {
    const result = await runMain(['train', ...RECIPE, '--epochs', epochs, '--quiet', '--out', dir]);
    assert.equal(result.code, 0, result.stderr);
  }
});

const lines = (file: string): any[] => readFileSync(file, 'utf8').trim().split('\n').map((line) => JSON.parse(line));
const bytes = (dir: string, name: string) => readFileSync(path.join(dir, name));

test('params.jsonl and activations.jsonl hold one line per epoch from epoch 0, in the contract\'s format', () => {
  const params = lines(path.join(twoEpochs, 'params.jsonl'));
  assert.deepEqual(params.map((p) => p.epoch), [0, 1, 2]);
  assert.deepEqual(params[0].layers.map((l: any) => Object.keys(l)), Array(4).fill(['name', 'gamma', 'beta', 'movingMean', 'movingVariance']));
  assert.deepEqual(params[0].layers.map((l: any) => l.name), ['bn1', 'bn2', 'bn3', 'bn4']);
  const first = params[0].layers[0];
  assert.deepEqual([first.gamma, first.beta, first.movingMean, first.movingVariance], [Array(6).fill(1), Array(6).fill(0), Array(6).fill(0), Array(6).fill(1)], 'epoch 0: the initial state');
  // The last line is the model the run ended with (summary.json reads it from the model).
  const summary = readJson(path.join(twoEpochs, 'summary.json'));
  const contract = ({ name, gamma, beta, movingMean, movingVariance }: any) => ({ name, gamma, beta, movingMean, movingVariance });
  assert.deepEqual(params[2].layers, summary.batchNorm.map(contract));

  const activations = lines(path.join(twoEpochs, 'activations.jsonl'));
  assert.deepEqual(activations.map((a) => a.epoch), [0, 1, 2]);
  for (const record of activations) {
    assert.deepEqual(record.layers.map((l: any) => [l.position, l.name]), [[1, 'bn1'], [2, 'bn2'], [3, 'bn3'], [4, 'bn4']]);
    for (const layer of record.layers) {
      for (const side of [layer.pre, layer.post]) {
        assert.deepEqual(Object.keys(side), ['mean', 'std', 'histogram']);
        assert.equal(side.mean.length, [6, 16, 120, 84][layer.position - 1]);
        assert.equal(side.histogram.edges.length, side.histogram.counts.length + 1);
      }
    }
  }
  // Epoch 0: gamma 1 and beta 0, the BatchNorm output has mean 0 and std 1 per channel (training mode).
  for (const layer of activations[0].layers) {
    for (const m of layer.post.mean) assert.ok(Math.abs(m) < 1e-4, `${layer.name} post mean ${m}`);
    for (const s of layer.post.std) assert.ok(Math.abs(s - 1) < 1e-2, `${layer.name} post std ${s}`);
  }
});

test('a run killed after its last checkpoint, before the logs: --resume adds the missing lines, equal to those never missed', async (t) => {
  // What a kill leaves between checkpoint.json and the files derived from it: the model,
  // metrics and logs of the epoch before (a 1-epoch run of the same recipe), no summary.json.
  const cut = path.join(tempDir(t), 'cut');
  cpSync(twoEpochs, cut, { recursive: true });
  for (const file of ['model.json', 'weights.bin', 'metrics.jsonl', ...LOGS]) copyFileSync(path.join(oneEpoch, file), path.join(cut, file));
  rmSync(path.join(cut, 'summary.json'));
  assert.equal(lines(path.join(cut, 'activations.jsonl')).length, 2);
  const resumed = await runMain(['train', '--resume', cut]);
  assert.equal(resumed.code, 0, resumed.stderr);
  for (const name of LOGS) assert.ok(bytes(cut, name).equals(bytes(twoEpochs, name)), `${name} caught up`);
});

/** SHA-256 of every file in a dir, by name. */
function fingerprint(dir: string): Record<string, string> {
  return Object.fromEntries(readdirSync(dir).sort().map((name) => [name, createHash('sha256').update(readFileSync(path.join(dir, name))).digest('hex')]));
}

test('evaluate --recompute-stats prints both evaluations, --json adds the Recomputed fields, and the run is unchanged', async () => {
  const before = fingerprint(twoEpochs);
  const text = await runMain(['evaluate', '--run', twoEpochs, ...DATA, '--recompute-stats', '300']);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^test loss \d\.\d{3}, test acc \d\.\d{3} \(moving statistics, as trained\)$/m);
  assert.match(text.stdout, /^test loss \d\.\d{3}, test acc \d\.\d{3} \(BatchNorm statistics recomputed over 300 training images\)$/m);

  const json = await runMain(['evaluate', '--run', twoEpochs, ...DATA, '--recompute-stats', '--json']);
  assert.equal(json.code, 0, json.stderr);
  const result = JSON.parse(json.stdout);
  for (const key of ['testLoss', 'testAcc', 'testLossRecomputed', 'testAccRecomputed']) assert.equal(typeof result[key], 'number', key);
  assert.equal(result.recomputedOver, 512, 'the default 10,000, capped at the run\'s 512 training images');
  assert.notEqual(result.testLossRecomputed, result.testLoss, 'two evaluations, not one printed twice');
  const plain = JSON.parse((await runMain(['evaluate', '--run', twoEpochs, ...DATA, '--json'])).stdout);
  assert.equal(plain.testAcc, result.testAcc);
  assert.equal(plain.testAccRecomputed, undefined);
  assert.deepEqual(fingerprint(twoEpochs), before, 'no file of the run changed');
});

test('evaluate --recompute-stats with a bad count is a usage error of one line', async () => {
  for (const bad of ['0', '1.5', 'many']) {
    const result = await runMain(['evaluate', '--run', twoEpochs, ...DATA, '--recompute-stats', bad]);
    assert.equal(result.code, 2, `${bad}: ${result.stderr}`);
    assert.match(result.stderr, /--recompute-stats/);
    assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
  }
});
