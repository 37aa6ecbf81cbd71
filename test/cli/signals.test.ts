/**
 * Ctrl-C and SIGTERM as users and cancelled CI jobs send them, to the real CLI: honoured at
 * the next batch or epoch boundary in every command, from process start to exit, with exit
 * status 130 and the exact command that continues the work; compare and reproduce continue
 * with --resume to the same results as runs never interrupted.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { runCli, runMain, type CliResult } from '../helpers/cli';
import { readJson, readMetrics } from '../helpers/run-files';
import { listDir, tempDir } from '../helpers/temp-dir';
import { FIXTURE_DIR } from '../helpers/fixture-data';

const DATA = ['--data-dir', FIXTURE_DIR];

/** Runs the CLI and sends `signals` (one after another, `gapMs` apart) once stdout matches `when`. */
function runAndSignal(args: string[], when: RegExp, signals: NodeJS.Signals[], gapMs = 0): Promise<CliResult> {
  let sent = false;
  return runCli(args, {
    onStdout: (stdout, child) => {
      if (sent || !when.test(stdout)) return;
      sent = true;
      signals.forEach((signal, i) => setTimeout(() => child.kill(signal), i * gapMs));
    },
  });
}

test('Ctrl-C with one batch per epoch stops after that batch instead of training every epoch', async (t) => {
  // A dir a shell would split: the suggested command must quote it.
  const out = path.join(tempDir(t), "dir with spaces", "it's run 2");
  const result = await runAndSignal(['train', '--limit', '256', '--epochs', '40', '--backend', 'wasm', ...DATA, '--out', out], /^epoch 1\/40/m, ['SIGINT']);
  assert.equal(result.code, 130, result.stderr);
  assert.match(result.stderr, /SIGINT: finishing the current batch and saving a checkpoint/);
  assert.match(result.stderr, /interrupted (in|after) epoch [12]\/40/);
  const suggested = /continue it with `([^`]+)`/.exec(result.stderr)?.[1];
  assert.ok(suggested, result.stderr);
  const words = execFileSync('sh', ['-c', `printf '%s\\0' ${suggested}`], { encoding: 'utf8' }).split('\0').slice(0, -1);
  assert.deepEqual(words, ['bnlenet', 'train', '--resume', out], `pasted into a shell: ${suggested}`);
  assert.ok(readMetrics(out).length <= 2, `stopped at once, not after ${readMetrics(out).length} epochs`);
});

test('a signal at any instant of start-up is honoured promptly (130), leaving no run dir or a resumable one', async (t) => {
  const dir = tempDir(t);
  // Each step of start-up, signalled as it begins (helpers/phase-preload.ts); undefined: at once.
  for (const [step, phase] of [
    ['before Node runs bnlenet', undefined],
    ["while bnlenet's modules start", 'cli/main#run'],
    ['while TensorFlow.js and its backend load', 'engine/backend#selectBackend'],
    ['as the run dir is created and the data loads', 'train/run-training#runTraining'],
    ['in the first batch', 'train/trainer#train'],
  ] as const) {
    const out = path.join(dir, `run-${phase?.replace(/\W/g, '-') ?? 'spawn'}`);
    const started = Date.now();
    const args = ['train', '--limit', '2048', '--epochs', '20', '--backend', 'wasm', ...DATA, '--out', out];
    let sent = false;
    const signal = (child: ChildProcess) => {
      if (!sent) child.kill('SIGINT');
      sent = true;
    };
    const result = await runCli(args, phase ? { phases: [phase], onPhase: (_phase, child) => signal(child) } : { onSpawn: signal });
    const what = `SIGINT ${step}`;
    assert.ok(sent, `${what}: train never got there: ${result.stderr}`);
    // Before Node has run bnlenet's first line the signal ends the process itself, which a
    // shell reports as 130 too; after that the CLI exits with 130. Never 0: a dropped signal.
    assert.ok(result.code === 130 || (result.code === null && result.signal === 'SIGINT'), `${what}: exit ${result.code} ${result.signal ?? ''} ${result.stderr}`);
    assert.ok(Date.now() - started < 30_000, `ended promptly after a signal ${step}`);
    if (existsSync(out)) {
      assert.ok(existsSync(path.join(out, 'checkpoint.json')), `a run dir left by a signal ${step} holds a checkpoint: ${listDir(out).join(', ')}`);
    } else {
      // Nothing kept: a hint to --resume would name a dir that is not there.
      assert.doesNotMatch(result.stderr, /--resume/, `${what}: no dir left, yet ${result.stderr}`);
    }
  }
});

test('two quick Ctrl-C at any moment leave a run that --resume finishes, with no temporary files', async (t) => {
  const out = path.join(tempDir(t), 'run');
  const args = ['train', '--limit', '512', '--epochs', '2', '--backend', 'wasm', ...DATA, '--out', out];
  const result = await runAndSignal(args, /^epoch 1\/2/m, ['SIGINT', 'SIGINT'], 5);
  assert.equal(result.code, 130, result.stderr);
  if (!existsSync(out)) return; // stopped before anything was kept: nothing to resume, nothing left
  const resumed = await runMain(['train', '--resume', out, '--quiet']);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.deepEqual(readMetrics(out).map((m) => m.epoch), [1, 2]);
  assert.ok(!listDir(out).some((f) => f.endsWith('.tmp')), listDir(out).join(', '));
});

test('SIGTERM during compare stops it (exit 130); compare --resume finishes with the same results as an uninterrupted compare', async (t) => {
  const dir = tempDir(t);
  // Two batches per epoch: the stop comes inside the second epoch, which the resume finishes.
  const recipe = ['--limit', '512', '--test-limit', '256', '--epochs', '2', '--seed', '4', '--backend', 'wasm', ...DATA];
  const whole = path.join(dir, 'whole');
  const cut = path.join(dir, 'cut');
  const uninterrupted = await runMain(['compare', ...recipe, '--quiet', '--out', whole]);
  assert.equal(uninterrupted.code, 0, uninterrupted.stderr);

  const stopped = await runAndSignal(['compare', ...recipe, '--out', cut], /^\[custom\] epoch 1\/2/m, ['SIGTERM']);
  assert.equal(stopped.code, 130, stopped.stderr);
  assert.match(stopped.stderr, new RegExp(`continue it with \`bnlenet compare --resume ${cut}\``));
  assert.ok(!existsSync(path.join(cut, 'builtin', 'summary.json')), 'the other variant did not train');
  assert.ok(!existsSync(path.join(cut, 'compare.json')));

  const resumed = await runMain(['compare', '--resume', cut]);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stdout, /continuing the comparison/);
  const metricsOf = (d: string) => readJson(path.join(d, 'compare.json')).runs.builtin.metrics.map(({ loss, trainAcc, testAcc }: any) => ({ loss, trainAcc, testAcc }));
  assert.deepEqual(metricsOf(cut), metricsOf(whole));
  for (const impl of ['custom', 'builtin']) {
    assert.ok(readFileSync(path.join(cut, impl, 'weights.bin')).equals(readFileSync(path.join(whole, impl, 'weights.bin'))), impl);
  }
  const again = await runMain(['compare', '--resume', cut, '--lr', '0.5']);
  assert.equal(again.code, 2, 'run-defining flags cannot change on --resume');
});

test('reproduce --resume continues with the tolerances it started with', async (t) => {
  const out = path.join(tempDir(t), 'repro');
  const lenient = ['--max-loss', '10', '--min-train-acc', '0', '--min-test-acc', '0'];
  const args = ['reproduce', '--limit', '256', '--test-limit', '256', '--epochs', '2', '--backend', 'wasm', ...DATA, ...lenient, '--out', out];
  const stopped = await runAndSignal(args, /^\[custom\] epoch 1\/2/m, ['SIGINT']);
  assert.equal(stopped.code, 130, stopped.stderr);
  assert.match(stopped.stderr, /bnlenet reproduce --resume/);
  const resumed = await runMain(['reproduce', '--resume', out]);
  assert.equal(resumed.code, 0, `${resumed.stdout}\n${resumed.stderr}`);
  assert.match(resumed.stdout, /reproduction PASS \(not the book.s recipe/);
  assert.ok(existsSync(path.join(out, 'report.md')));
  const strict = await runMain(['reproduce', '--resume', out, '--min-train-acc', '0.99']);
  assert.equal(strict.code, 1, 'a tolerance given again on --resume applies');
  assert.match(strict.stderr, /reproduction failed: [\s\S]*final train acc/);
});
