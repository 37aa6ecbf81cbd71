/**
 * Bad input, faults and interruptions, driven through the real CLI: every bad flag is one
 * line and exit 2 before any work; bad data and corrupt checkpoints are one line and exit 1;
 * Ctrl-C and SIGTERM checkpoint and exit 130; a resumed run ends with the same weights,
 * metrics and epoch logs as one that was never interrupted, on the kernel build it recorded.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { runCli, runMain, type CliResult } from '../helpers/cli';
import { readJson, readMetrics } from '../helpers/run-files';
import { hasRelaxedSimd } from '../../src/engine/wasm-kernels/builds';
import { listDir, tempDir } from '../helpers/temp-dir';
import { TEST_DATA_VARIABLE } from '../../src/data';
import { FIXTURE_DIR, FIXTURE_MANIFEST } from '../helpers/fixture-data';

const DATA = ['--data-dir', FIXTURE_DIR];

function assertOneLineError(result: CliResult, code: number, pattern: RegExp): void {
  assert.equal(result.code, code, `exit status; stderr: ${result.stderr}`);
  const first = result.stderr.trim().split('\n')[0]!;
  assert.match(first, pattern);
  assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace without --verbose');
}

// Every usage error is tested through main in-process (usage.fast.test.ts); this proves the
// spawned CLI's exit status and output are main's.
test('a bad flag, spawned: one line naming the flag and value, exit 2, nothing written', async (t) => {
  const cwd = tempDir(t);
  const result = await runCli(['train', '--epochs', '0'], { cwd });
  assertOneLineError(result, 2, /--epochs.*'0'.*whole number >= 1/);
  assert.ok(result.stderr.trim().split('\n').length <= 2, result.stderr);
  assert.deepEqual(listDir(cwd), [], 'no runs/ or data/ created');
});

test('bad data: a truncated file with no other source is one line naming the file, exit 1', async (t) => {
  const dir = tempDir(t);
  const data = path.join(dir, 'data');
  mkdirSync(data);
  // A copy of the test data set, its manifest with it: the files are checked as the real ones are.
  for (const f of listDir(FIXTURE_DIR)) copyFileSync(path.join(FIXTURE_DIR, f), path.join(data, f));
  truncateSync(path.join(data, 't10k-images-idx3-ubyte.gz'), 1000);
  const env = { BNLENET_SYSTEM_DATA_DIR: '', BNLENET_PUBLIC_MIRRORS: '', [TEST_DATA_VARIABLE]: path.join(data, path.basename(FIXTURE_MANIFEST)) };
  const result = await runMain(['train', '--data-dir', data, '--out', path.join(dir, 'run'), '--limit', '256'], { cwd: dir, env });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /t10k-images-idx3-ubyte\.gz/);
  assert.match(result.stderr, /corrupt gzip|truncated/);
  assert.doesNotMatch(result.stderr, /\n\s+at /);
  assert.ok(!existsSync(path.join(dir, 'run')), 'no run dir');
  const verbose = await runMain(['train', '--verbose', '--data-dir', data, '--limit', '256'], { cwd: dir, env });
  assert.match(verbose.stderr, /\n\s+at /, '--verbose shows the stack');
});

test('--resume of a dir that is not a run, or whose checkpoint is corrupt, is one clear line', async (t) => {
  const dir = tempDir(t);
  const notARun = await runMain(['train', '--resume', dir, ...DATA]);
  assertOneLineError(notARun, 1, /run\.json is missing/);
  writeFileSync(path.join(dir, 'run.json'), JSON.stringify({ format: 'bnlenet-run/1', createdAt: '', args: { impl: 'custom', epochs: 1, batchSize: 256, lr: 1, seed: 0, dataDir: FIXTURE_DIR } }));
  writeFileSync(path.join(dir, 'checkpoint.json'), '{"format": "bnlenet-checkpoint/1", "posit');
  assertOneLineError(await runMain(['train', '--resume', dir]), 1, /checkpoint .*checkpoint\.json is corrupt/);
});

/** Starts a training process and sends `signal` once it has printed its first epoch line. */
function trainAndSignal(args: string[], signal: NodeJS.Signals, env?: NodeJS.ProcessEnv): Promise<CliResult> {
  let sent = false;
  return runCli(['train', ...args], {
    env,
    onStdout: (stdout, child) => {
      if (sent || !/^epoch 1\//m.test(stdout)) return;
      sent = true;
      child.kill(signal);
    },
  });
}

/** The per-epoch figures that must not depend on an interruption (timing aside). */
const metricsOf = (dir: string) => readMetrics(dir).map(({ epoch, loss, trainAcc, testAcc }) => ({ epoch, loss, trainAcc, testAcc }));
/** The per-epoch logs, and the epochs a log has lines for. */
const LOGS = ['params.jsonl', 'activations.jsonl'];
const epochsOf = (file: string) => readFileSync(file, 'utf8').trim().split('\n').map((line) => JSON.parse(line).epoch);

/**
 * One stopped run proves both: what Ctrl-C leaves, and a resume that ends as the run never
 * stopped, on the kernel build the run recorded rather than the one the resuming process would
 * pick. Every run is a process of its own: the kernels' build is chosen once per process.
 */
test('Ctrl-C mid-epoch checkpoints and exits 130, and a resume keeps the kernel build its run recorded: a plain run resumed where relaxed would run ends byte for byte (weights, metrics, logs) as an uninterrupted plain run', async (t) => {
  const dir = tempDir(t);
  // 8 batches an epoch: the signal, sent at epoch 1's line, lands inside epoch 2.
  const args = ['--limit', '1024', '--batch-size', '128', '--test-limit', '256', '--epochs', '2', '--seed', '5', '--backend', 'wasm', ...DATA];
  const plain = { BNLENET_WASM_KERNELS: 'plain' };
  const unset = { BNLENET_WASM_KERNELS: undefined };
  const whole = path.join(dir, 'whole');
  const cut = path.join(dir, 'cut');
  const unrecorded = path.join(dir, 'unrecorded');
  const uninterrupted = await runCli(['train', ...args, '--quiet', '--out', whole], { env: plain });
  assert.equal(uninterrupted.code, 0, uninterrupted.stderr);
  assert.equal(readJson(path.join(whole, 'run.json')).kernels, 'plain');
  assert.equal(readJson(path.join(whole, 'summary.json')).backend.kernels, 'plain');

  const interrupted = await trainAndSignal([...args, '--out', cut], 'SIGINT', plain);
  assert.equal(interrupted.code, 130, `exit status; stderr: ${interrupted.stderr}`);
  assert.match(interrupted.stderr, /interrupted in epoch 2\/2 after batch \d+\/8; checkpoint saved/);
  const checkpoint = readJson(path.join(cut, 'checkpoint.json'));
  assert.equal(checkpoint.position.epoch, 2);
  assert.ok(checkpoint.position.nextBatch > 0 && checkpoint.position.nextBatch < 8, 'stopped mid-epoch');
  assert.ok(!listDir(cut).some((f) => f.endsWith('.tmp')), 'no temporary files');
  for (const log of LOGS) assert.deepEqual(epochsOf(path.join(cut, log)), [0, 1], `${log}: stopped inside epoch 2`);
  // The same stopped run, its run.json as written before the record existed.
  cpSync(cut, unrecorded, { recursive: true });
  const record = readJson(path.join(unrecorded, 'run.json'));
  delete record.kernels;
  writeFileSync(path.join(unrecorded, 'run.json'), JSON.stringify(record));

  // Without BNLENET_WASM_KERNELS a runtime with relaxed SIMD would pick relaxed; the record makes it plain.
  const resumed = await runCli(['train', '--resume', cut], { env: unset });
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stdout, /on cpu \(wasm, SIMD, \d+ threads?\); resuming at epoch 2, batch \d+/);
  assert.match(resumed.stdout, /^epoch 2\/2: /m);
  assert.equal(resumed.stderr, '', 'no warning: the same build');
  assert.deepEqual(metricsOf(cut), metricsOf(whole));
  const bytes = (d: string, name: string) => readFileSync(path.join(d, name));
  assert.ok(bytes(cut, 'weights.bin').equals(bytes(whole, 'weights.bin')), 'weights.bin identical, byte for byte');
  for (const log of LOGS) assert.ok(bytes(cut, log).equals(bytes(whole, log)), `${log} as if never stopped`);
  assert.equal(readJson(path.join(cut, 'run.json')).kernels, 'plain');
  assert.equal(readJson(path.join(cut, 'summary.json')).backend.kernels, 'plain');

  // Node 20 has only the plain build: there is no other build for a resume to take or refuse.
  if (!hasRelaxedSimd()) return t.diagnostic('this runtime has no relaxed SIMD, so it runs the plain build only: the other build is not tried');
  // What the record prevents: a resume on this runtime's own choice, relaxed, ends on other bytes.
  const unchecked = await runCli(['train', '--resume', unrecorded], { env: unset });
  assert.equal(unchecked.code, 0, unchecked.stderr);
  assert.equal(unchecked.stderr, '', 'a run.json without the record resumes, checking nothing');
  assert.equal(readJson(path.join(unrecorded, 'summary.json')).backend.kernels, 'relaxed');
  assert.ok(!bytes(unrecorded, 'weights.bin').equals(bytes(whole, 'weights.bin')), 'the relaxed build resumes to other bytes');

  // Asking for the other build than the run recorded is refused, naming both.
  const conflict = await runCli(['train', '--resume', cut], { env: { BNLENET_WASM_KERNELS: 'relaxed' } });
  assertOneLineError(conflict, 2, /^bnlenet: .*BNLENET_WASM_KERNELS=relaxed asks for the relaxed kernel build, but the run being resumed was trained with the plain build \(.*cut\/run\.json records it\)/);
});

test('SIGTERM checkpoints and exits 130 too', async (t) => {
  const out = path.join(tempDir(t), 'run');
  // One batch an epoch and more epochs than the signal can take to arrive.
  const result = await trainAndSignal(['--limit', '256', '--test-limit', '256', '--epochs', '40', '--backend', 'wasm', ...DATA, '--out', out], 'SIGTERM');
  assert.equal(result.code, 130, result.stderr);
  assert.match(result.stderr, /SIGTERM/);
  assert.ok(existsSync(path.join(out, 'checkpoint.json')));
});
