/**
 * Ctrl-C in the commands that do not train: evaluate (its cpu backend computes for minutes)
 * and report end within a few seconds of the signal with exit 130 and one line; report leaves
 * no file, or the whole page and a line saying it was written, and never a temporary file.
 * Each signal is sent as the command begins the step under test (helpers/phase-preload.ts),
 * not after a delay guessed for some machine's speed.
 */
import { before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runCli, runMain, type CliResult } from '../helpers/cli';
import { FIXTURE_DIR } from '../helpers/fixture-data';
import { listDir, tempDir } from '../helpers/temp-dir';

const DATA = ['--data-dir', FIXTURE_DIR];
/** Slow machines (2 cores shared) load modules for a second or two without a pause. */
const PROMPT_MS = 4000;
let run: string;

before(async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'bnlenet-stop-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  run = path.join(dir, 'run');
  const trained = await runMain(['train', '--limit', '256', '--epochs', '1', '--backend', 'wasm', ...DATA, '--out', run, '--quiet']);
  assert.equal(trained.code, 0, trained.stderr);
});

interface Interrupted extends CliResult {
  /** The phase was reached and the signal sent. */
  sent: boolean;
  /** How long the command took to end after the signal. */
  lateMs: number;
}

/** Runs the CLI and sends SIGINT as it calls `phase` (`module#export` under src/) for the first time. */
async function interruptAt(args: string[], phase: string): Promise<Interrupted> {
  let sentAt = 0;
  const result = await runCli(args, {
    phases: [phase],
    onPhase: (_phase, child) => {
      if (sentAt > 0) return;
      sentAt = Date.now();
      child.kill('SIGINT');
    },
  });
  return { ...result, sent: sentAt > 0, lateMs: Date.now() - sentAt };
}

function assertStopped(result: Interrupted, what: string): void {
  assert.equal(result.code, 130, `${what}: ${result.stdout}${result.stderr}`);
  assert.ok(result.lateMs < PROMPT_MS, `${what}: ended ${result.lateMs} ms after the signal`);
  assert.deepEqual(result.stderr.trim().split('\n'), ['bnlenet: interrupted by SIGINT'], what);
}

test('evaluate on the cpu backend stops within seconds of Ctrl-C, printing no result', async () => {
  // The test set's 1,024 images are ten batches of 100 on the cpu backend, each computing
  // without returning to the event loop: the signal comes as the first begins.
  const result = await interruptAt(['evaluate', '--run', run, '--backend', 'cpu', ...DATA], 'train/evaluate#evaluateSplit');
  assert.ok(result.sent, `evaluate ended before it evaluated: ${result.stdout}${result.stderr}`);
  assertStopped(result, 'SIGINT as the evaluation began');
  assert.doesNotMatch(result.stdout, /test loss/);
});

test('report stopped at any moment leaves no page or the whole page and says so, never a temporary file', async (t) => {
  const dir = tempDir(t);
  let stopped = 0;
  for (const [step, phase] of [
    ['evaluating the run', 'train/evaluate-saved#evaluateSavedRun'],
    ['drawing the page', 'report/html/page#renderPage'],
    ['writing the page', 'util/atomic-file#writeFileAtomic'],
  ] as const) {
    const out = path.join(dir, `report-${phase.replace(/\W/g, '-')}.html`);
    const result = await interruptAt(['report', '--run', run, '--out', out], phase);
    const what = `SIGINT ${step}`;
    assert.ok(result.sent, `${what}: report never got there: ${result.stdout}${result.stderr}`);
    if (result.code === 0) continue; // finished before the signal arrived: nothing to check
    if (result.code === null && result.signal === 'SIGINT') {
      // The signal came as the finished process was exiting, past its handlers: a shell reports
      // 130 all the same. The command had done its work and said so.
      assert.match(readFileSync(out, 'utf8'), /<\/html>\s*$/, `${what}: the whole page`);
      assert.match(result.stdout, /^report written to /m, `${what}: a page written is said so`);
      continue;
    }
    stopped += 1;
    assertStopped(result, what);
    if (existsSync(out)) {
      assert.match(readFileSync(out, 'utf8'), /<\/html>\s*$/, `${what}: the whole page`);
      assert.match(result.stdout, /^report written to /m, `${what}: a page written is said so`);
    } else {
      assert.equal(result.stdout, '', what);
    }
    assert.ok(!listDir(dir).some((f) => f.endsWith('.tmp')), listDir(dir).join(', '));
  }
  // Checked something: at least one signal came while report was still working.
  assert.ok(stopped > 0, 'every report finished before its signal: nothing was stopped');
});
