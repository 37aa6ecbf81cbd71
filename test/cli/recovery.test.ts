/**
 * Run dirs left by crashes and edits, driven through the real CLI: a run killed between its
 * checkpoint and the files derived from it, a run killed before its first checkpoint, a
 * checkpoint or model holding NaN, a hand-edited run.json, and temporary files of killed
 * writers. Each ends in a run that can be resumed or inspected, or in one clear line.
 */
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { copyFileSync, cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { mkdtempSync } from 'node:fs';
import * as path from 'node:path';
import { runMain, type CliResult } from '../helpers/cli';
import { readJson, readMetrics } from '../helpers/run-files';
import { listDir, tempDir } from '../helpers/temp-dir';
import { FIXTURE_DIR } from '../helpers/fixture-data';

const DATA = ['--data-dir', FIXTURE_DIR];
const RECIPE = ['--limit', '256', '--batch-size', '128', '--test-limit', '256', '--seed', '7', '--backend', 'wasm', ...DATA];

function assertOneLine(result: CliResult, code: number, pattern: RegExp): void {
  assert.equal(result.code, code, `exit status; stdout: ${result.stdout}\nstderr: ${result.stderr}`);
  assert.match(result.stderr.trim().split('\n')[0]!, pattern);
  assert.ok(result.stderr.trim().split('\n').length <= 2, `one line and a hint: ${result.stderr}`);
  assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
}

let root: string;
/** A finished 2-epoch run and a finished 1-epoch run of the same recipe and seed. */
let twoEpochs: string;
let oneEpoch: string;

// The runs trained for these tests live in one temporary dir, removed when the file ends.
after(() => rmSync(root, { recursive: true, force: true }));

before(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'bnlenet-recovery-'));
  twoEpochs = path.join(root, 'two');
  oneEpoch = path.join(root, 'one');
  for (const [dir, epochs] of [[twoEpochs, '2'], [oneEpoch, '1']] as const) {
    const result = await runMain(['train', ...RECIPE, '--epochs', epochs, '--quiet', '--out', dir]);
    assert.equal(result.code, 0, result.stderr);
  }
});

test('killed right after the last checkpoint: evaluate and inspect-params refuse the stale model; --resume rebuilds it', async (t) => {
  // The state a kill leaves after the last epoch's checkpoint.json and before the files derived
  // from it: the model and metrics of the epoch before (identical to a 1-epoch run's, same seed
  // and shuffle), no summary.json.
  const cut = path.join(tempDir(t), 'cut');
  cpSync(twoEpochs, cut, { recursive: true });
  for (const file of ['model.json', 'weights.bin', 'metrics.jsonl']) copyFileSync(path.join(oneEpoch, file), path.join(cut, file));
  rmSync(path.join(cut, 'summary.json'));

  assertOneLine(await runMain(['evaluate', '--run', cut, ...DATA]), 1, /model files in .* are from epoch 1, but the run's checkpoint has finished epoch 2/);
  const inspect = await runMain(['inspect-params', '--run', cut]);
  assertOneLine(inspect, 1, /are from epoch 1/);
  assert.match(inspect.stderr, new RegExp(`bnlenet train --resume ${cut}`));

  const resumed = await runMain(['train', '--resume', cut]);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stdout, /every epoch of .* had been trained; its model, metrics and summary were brought up to date/);
  assert.match(resumed.stdout, /^loss \d\.\d{3}, train acc/m);
  assert.ok(readFileSync(path.join(cut, 'weights.bin')).equals(readFileSync(path.join(twoEpochs, 'weights.bin'))), 'the last epoch\'s weights');
  assert.deepEqual(readMetrics(cut), readMetrics(twoEpochs));
  assert.deepEqual(readJson(path.join(cut, 'summary.json')).final, readJson(path.join(twoEpochs, 'summary.json')).final);
  const evaluated = await runMain(['evaluate', '--run', cut, '--json', ...DATA]);
  assert.equal(evaluated.code, 0, evaluated.stderr);
  assert.equal(JSON.parse(evaluated.stdout).epochs, 2);

  assertOneLine(await runMain(['train', '--resume', cut]), 1, /has finished all 2 epochs; there is nothing to resume/);
});

test('weights.bin from another epoch than model.json (a kill between the two writes) is refused by name', async (t) => {
  const cut = path.join(tempDir(t), 'cut');
  cpSync(twoEpochs, cut, { recursive: true });
  copyFileSync(path.join(oneEpoch, 'weights.bin'), path.join(cut, 'weights.bin'));
  assertOneLine(await runMain(['inspect-params', '--run', cut]), 1, /weights\.bin is not the one .*model\.json was written with/);
});

test('a run killed before its first checkpoint resumes from the start, and stale temporary files go', async (t) => {
  const dir = tempDir(t);
  const cut = path.join(dir, 'cut');
  mkdirSync(cut);
  copyFileSync(path.join(oneEpoch, 'run.json'), path.join(cut, 'run.json'));
  // A temporary file of a writer that no longer exists (pid far above any pid_max).
  writeFileSync(path.join(cut, '.checkpoint.json.99999999.0123abcd.tmp'), '{"half": ');
  assertOneLine(await runMain(['evaluate', '--run', cut, ...DATA]), 1, /holds no model yet: its first epoch did not finish/);

  const resumed = await runMain(['train', '--resume', cut]);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stdout, /^epoch 1\/1: /m);
  assert.ok(!listDir(cut).some((f) => f.endsWith('.tmp')), `no temporary files: ${listDir(cut).join(', ')}`);
  assert.ok(readFileSync(path.join(cut, 'weights.bin')).equals(readFileSync(path.join(oneEpoch, 'weights.bin'))), 'same weights as a run never killed');
});

/** Sets the first weight of a base64 float32 buffer to NaN. */
function poisonBase64(weights: string): string {
  const bytes = Buffer.from(weights, 'base64');
  bytes.writeFloatLE(Number.NaN, 0);
  return bytes.toString('base64');
}

test('a checkpoint holding NaN weights: --resume says the run diverged and what to do instead', async (t) => {
  const cut = path.join(tempDir(t), 'cut');
  cpSync(oneEpoch, cut, { recursive: true });
  const checkpointFile = path.join(cut, 'checkpoint.json');
  const checkpoint = readJson(checkpointFile);
  checkpoint.model.weightData = poisonBase64(checkpoint.model.weightData);
  checkpoint.position.epoch = 1; // as if interrupted inside its only epoch
  checkpoint.position.nextBatch = 1;
  writeFileSync(checkpointFile, JSON.stringify(checkpoint));
  const resumed = await runMain(['train', '--resume', cut]);
  assertOneLine(resumed, 1, /checkpoint .* holds NaN or infinite weights: the run diverged and cannot continue/);
  assert.match(resumed.stderr, /start a new run with a smaller --lr \(this run's --lr is 1\)/);
  assert.doesNotMatch(resumed.stderr, /last good checkpoint/);
});

test('evaluate refuses a model with NaN weights instead of printing "test loss NaN"', async (t) => {
  const cut = path.join(tempDir(t), 'cut');
  cpSync(oneEpoch, cut, { recursive: true });
  rmSync(path.join(cut, 'checkpoint.json'));
  const weights = readFileSync(path.join(cut, 'weights.bin'));
  weights.writeFloatLE(Number.NaN, 0);
  writeFileSync(path.join(cut, 'weights.bin'), weights);
  const model = readJson(path.join(cut, 'model.json'));
  model.bnlenet.weightsSha256 = createHash('sha256').update(weights).digest('hex');
  writeFileSync(path.join(cut, 'model.json'), JSON.stringify(model));
  assertOneLine(await runMain(['evaluate', '--run', cut, ...DATA]), 1, /weights\.bin holds NaN or infinite weights/);
});

test('run.json records the kernel build; a resume on another one than recorded warns in one line that it is not bit-identical, and trains', async (t) => {
  // This process's kernels started in one build (the runtime's); run.json records it, as summary.json's backend does.
  const running = readJson(path.join(oneEpoch, 'summary.json')).backend.kernels;
  assert.ok(running === 'plain' || running === 'relaxed', `summary.json's backend.kernels: ${running}`);
  assert.equal(readJson(path.join(oneEpoch, 'run.json')).kernels, running);
  // A run killed before its first checkpoint whose run.json records the other build: this
  // process cannot start it (one build a process), so the resume says so and goes on.
  const cut = path.join(tempDir(t), 'cut');
  mkdirSync(cut);
  const record = readJson(path.join(oneEpoch, 'run.json'));
  const other = running === 'plain' ? 'relaxed' : 'plain';
  writeFileSync(path.join(cut, 'run.json'), JSON.stringify({ ...record, kernels: other }));
  const resumed = await runMain(['train', '--resume', cut, '--quiet']);
  assert.equal(resumed.code, 0, resumed.stderr);
  // (One epoch of this small recipe does not learn: its own warning may follow.)
  const lines = resumed.stderr.trim().split('\n').filter((line) => /kernels/.test(line));
  assert.equal(lines.length, 1, resumed.stderr);
  assert.match(lines[0]!, new RegExp(`^bnlenet: warning: .*cut was trained with the ${other} build of the project's wasm kernels, but this process runs the ${running} build .*: its resumed epochs will not be bit-identical to an uninterrupted run$`));
  assert.equal(readJson(path.join(cut, 'run.json')).kernels, other, 'run.json keeps the build the run started on');
  assert.equal(readJson(path.join(cut, 'summary.json')).backend.kernels, running, 'summary.json says what the resume ran');
});

test('a hand-edited run.json is validated: against its schema, and against the checkpoint', async (t) => {
  const dir = tempDir(t);
  const edit = (name: string, change: (record: any) => void) => {
    const cut = path.join(dir, name);
    cpSync(oneEpoch, cut, { recursive: true });
    const record = readJson(path.join(cut, 'run.json'));
    change(record);
    writeFileSync(path.join(cut, 'run.json'), JSON.stringify(record));
    return cut;
  };
  const impl = edit('impl', (r) => (r.args.impl = 'builtin'));
  assertOneLine(await runMain(['train', '--resume', impl]), 1, /run\.json says impl "builtin", but the run was trained with "custom"/);
  assertOneLine(await runMain(['evaluate', '--run', impl, ...DATA]), 1, /says impl "builtin", but the run was trained with "custom"/);
  const batch = edit('batch', (r) => (r.args.batchSize = 64));
  assertOneLine(await runMain(['train', '--resume', batch]), 1, /says batchSize 64, but the run was trained with 128/);
  const empty = edit('empty', (r) => (r.args = {}));
  assertOneLine(await runMain(['train', '--resume', empty]), 1, /run\.json has no args\.impl/);
  const bad = edit('bad', (r) => (r.args.lr = -1));
  assertOneLine(await runMain(['inspect-params', '--run', bad]), 1, /run\.json has args\.lr = -1, expected a finite number > 0/);
  const kernels = edit('kernels', (r) => (r.kernels = 'fast'));
  const refused = await runMain(['train', '--resume', kernels]);
  assertOneLine(refused, 1, /run\.json has kernels "fast", expected "plain" or "relaxed" \(the wasm kernel build that trained the run\) or no kernels field/);
  assert.match(refused.stderr, /restore the file as the run wrote it, or start a new run/);
  // The data dir may move: changing it is not an edit of what the run trains.
  const moved = edit('moved', (r) => (r.args.dataDir = `${FIXTURE_DIR}/.`));
  assert.equal((await runMain(['inspect-params', '--run', moved])).code, 0);
});
