/**
 * Output into a closed pipe (`bnlenet train | head -1`): the command stops as after Ctrl-C,
 * exit 130, one line on stderr saying why (and how to continue), never an unhandled EPIPE
 * with a stack trace; a training run stays resumable.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { runCli, runMain, type CliResult } from '../helpers/cli';
import { FIXTURE_DIR } from '../helpers/fixture-data';
import { readMetrics, withFlag } from '../helpers/run-files';
import { tempDir } from '../helpers/temp-dir';

const DATA = ['--data-dir', FIXTURE_DIR];
/** One batch per epoch; a run stopped in its first epoch has a second to resume. */
const SMALL = ['--limit', '256', '--epochs', '2', '--backend', 'wasm', ...DATA];

/** The reader closes its end once it has read `lines` lines (0: before the command writes anything). */
function runIntoClosedPipe(args: string[], lines: number): Promise<CliResult> {
  return runCli(args, {
    onSpawn: (child) => {
      if (lines === 0) child.stdout!.destroy();
    },
    onStdout: (stdout, child) => {
      if (lines > 0 && stdout.split('\n').length > lines) child.stdout!.destroy();
    },
  });
}

function assertQuietStop(result: CliResult, hint?: RegExp): void {
  assert.equal(result.code, 130, result.stderr);
  assert.doesNotMatch(result.stderr, /Unhandled|EPIPE|\n\s+at /, result.stderr);
  assert.match(result.stderr, /the output was closed/);
  if (hint) assert.match(result.stderr, hint);
  assert.ok(result.stderr.trim().split('\n').length <= 3, `a notice, the stop and a hint at most: ${result.stderr}`);
}

test('train into a pipe closed after its first line stops with a checkpoint that --resume finishes', async (t) => {
  const out = path.join(tempDir(t), 'run');
  const result = await runIntoClosedPipe(['train', ...SMALL, '--out', out], 1);
  assertQuietStop(result, /continue it with `bnlenet train --resume /);
  assert.ok(existsSync(path.join(out, 'checkpoint.json')));
  const resumed = await runMain(['train', '--resume', out, '--quiet']);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.deepEqual(readMetrics(out).map((m) => m.epoch), [1, 2]);

  // Commands that only print: the same stop, one line, whether or not anything was read.
  for (const args of [['inspect-params', '--run', out, '--layer', 'all'], ['evaluate', '--run', out, '--backend', 'wasm', ...DATA]]) {
    assertQuietStop(await runIntoClosedPipe(args, 0));
  }
});

test('sweep into a pipe closed after its first line stops at a cell boundary and says how to continue', async (t) => {
  const out = path.join(tempDir(t), 'sweep');
  const result = await runIntoClosedPipe(['sweep', '--lr', '0.1,1', ...withFlag(SMALL, '--epochs', '1'), '--out', out], 1);
  assertQuietStop(result, /continue it with `bnlenet sweep --out /);
});
