/**
 * Ctrl-C in the commands that do not train: evaluate (its cpu backend computes for minutes)
 * and report end within a few seconds of the signal with exit 130 and one line; report leaves
 * no file, or the whole page and a line saying it was written, and never a temporary file.
 */
import { before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runCli, type CliResult } from '../helpers/cli';
import { listDir, tempDir } from '../helpers/temp-dir';

const DATA = ['--data-dir', '/usr/share/datasets/fashion-mnist'];
/** Slow machines (2 cores shared) load modules for a second or two without a pause. */
const PROMPT_MS = 4000;
let run: string;

before(async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'bnlenet-stop-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  run = path.join(dir, 'run');
  const trained = await runCli(['train', '--limit', '256', '--epochs', '1', '--backend', 'wasm', ...DATA, '--out', run, '--quiet']);
  assert.equal(trained.code, 0, trained.stderr);
});

/** Runs the CLI, sends SIGINT after `delayMs`, and measures how long the command took to end after it. */
async function interruptAfter(args: string[], delayMs: number): Promise<CliResult & { lateMs: number }> {
  let sentAt = 0;
  const result = await runCli(args, {
    onSpawn: (child) =>
      setTimeout(() => {
        sentAt = Date.now();
        child.kill('SIGINT');
      }, delayMs),
  });
  return { ...result, lateMs: Date.now() - sentAt };
}

function assertStopped(result: CliResult & { lateMs: number }, what: string): void {
  assert.equal(result.code, 130, `${what}: ${result.stdout}${result.stderr}`);
  assert.ok(result.lateMs < PROMPT_MS, `${what}: ended ${result.lateMs} ms after the signal`);
  assert.deepEqual(result.stderr.trim().split('\n'), ['bnlenet: interrupted by SIGINT'], what);
}

test('evaluate on the cpu backend stops within seconds of Ctrl-C, printing no result', async () => {
  for (const delayMs of [4000, 9000]) {
    const result = await interruptAfter(['evaluate', '--run', run, '--backend', 'cpu', ...DATA], delayMs);
    assertStopped(result, `SIGINT at ${delayMs} ms`);
    assert.doesNotMatch(result.stdout, /test loss/);
  }
});

test('report stopped at any moment leaves no page or the whole page and says so, never a temporary file', async (t) => {
  const dir = tempDir(t);
  let stopped = 0;
  for (const delayMs of [1500, 4000, 7000]) {
    const out = path.join(dir, `report-${delayMs}.html`);
    const result = await interruptAfter(['report', '--run', run, '--out', out], delayMs);
    if (result.code === 0) continue; // finished before the signal: nothing to check
    if (result.code === null && result.signal === 'SIGINT') {
      // The signal came as the finished process was exiting, past its handlers: a shell reports
      // 130 all the same. The command had done its work and said so.
      assert.match(readFileSync(out, 'utf8'), /<\/html>\s*$/, 'the whole page');
      assert.match(result.stdout, /^report written to /m, 'a page written is said so');
      continue;
    }
    stopped += 1;
    assertStopped(result, `SIGINT at ${delayMs} ms`);
    if (existsSync(out)) {
      assert.match(readFileSync(out, 'utf8'), /<\/html>\s*$/, 'the whole page');
      assert.match(result.stdout, /^report written to /m, 'a page written is said so');
    } else {
      assert.equal(result.stdout, '');
    }
    assert.ok(!listDir(dir).some((f) => f.endsWith('.tmp')), listDir(dir).join(', '));
  }
  // Checked something: at least the earliest signal came while report was still working.
  assert.ok(stopped > 0, 'every report finished before its signal: nothing was stopped');
});
