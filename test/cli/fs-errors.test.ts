/**
 * File-system faults under a run dir, through the real CLI: --out naming a file, a read-only
 * directory (a read-only bind mount) and a full disk (a small tmpfs). Each is one line naming
 * the path and the cause, found before any data is loaded where it can be, with nothing
 * half-written left behind. Mounting needs root; where it is not permitted the test says so
 * and skips.
 */
import { after, test, type TestContext } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runMain, type CliResult } from '../helpers/cli';
import { listDir, tempDir } from '../helpers/temp-dir';
import { FIXTURE_DIR } from '../helpers/fixture-data';

const SMALL = ['--limit', '256', '--epochs', '1', '--backend', 'wasm', '--data-dir', FIXTURE_DIR];

function assertOneLine(result: CliResult, code: number, pattern: RegExp): void {
  assert.equal(result.code, code, `exit status; stderr: ${result.stderr}`);
  assert.match(result.stderr.trim().split('\n')[0]!, pattern);
  assert.ok(result.stderr.trim().split('\n').length <= 2, result.stderr);
  assert.doesNotMatch(result.stderr, /\n\s+at |unexpected error|ENOENT|EROFS|ENOSPC/, 'no stack, no raw error code');
}

const mounts: string[] = [];
after(() => {
  for (const dir of mounts.reverse()) {
    try {
      execFileSync('umount', [dir], { stdio: 'ignore' });
    } catch {
      // already gone
    }
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Mounts with `args` on a fresh dir; undefined (and a visible skip) when mounting is not permitted. */
function mountOrSkip(t: TestContext, args: (dir: string) => string[]): string | undefined {
  const dir = mkdtempSync(path.join(tmpdir(), 'bnlenet-mount-'));
  try {
    execFileSync('mount', args(dir), { stdio: 'pipe' });
    mounts.push(dir);
    return dir;
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    t.skip(`mounting is not permitted here (${(err as Error).message.split('\n')[0]})`);
    return undefined;
  }
}

test('a read-only --out fails at once, naming the path and "read-only file system"', async (t) => {
  const source = tempDir(t);
  const readOnly = mountOrSkip(t, (dir) => ['--bind', '-o', 'ro', source, dir]);
  if (!readOnly) return;
  // Some kernels ignore ro on the first bind: remount to be sure.
  execFileSync('mount', ['-o', 'remount,bind,ro', readOnly]);
  const out = path.join(readOnly, 'run');
  const result = await runMain(['train', ...SMALL, '--out', out]);
  assertOneLine(result, 1, new RegExp(`cannot create ${out}: read-only file system`));
  assert.match(result.stderr, /choose a directory you can write to/);
  assert.doesNotMatch(result.stdout, /epoch/, 'failed before training');
});

test('a full disk names the file it could not write, and leaves no temporary file', async (t) => {
  // Room for run.json but not for the first checkpoint (the model's weights, base64).
  const small = mountOrSkip(t, (dir) => ['-t', 'tmpfs', '-o', 'size=96k', 'tmpfs', dir]);
  if (!small) return;
  const out = path.join(small, 'run');
  mkdirSync(out);
  const result = await runMain(['train', ...SMALL, '--out', out]);
  assertOneLine(result, 1, /cannot write .*run\/checkpoint\.json: no space left on device/);
  assert.match(result.stderr, /free some space/);
  if (existsSync(out)) assert.ok(!listDir(out).some((f) => f.endsWith('.tmp')), listDir(out).join(', '));
});

test('a sweep on a full disk stops at the cell that hit it, and says how to continue once there is room', async (t) => {
  // Room for the plan and the first cell's run.json, not for its checkpoint.
  const small = mountOrSkip(t, (dir) => ['-t', 'tmpfs', '-o', 'size=96k', 'tmpfs', dir]);
  if (!small) return;
  const out = path.join(small, 'sweep dir');
  const result = await runMain(['sweep', ...SMALL, '--lr', '0.5,1,2', '--out', out]);
  assertOneLine(result, 1, /cannot write .*checkpoint\.json: no space left on device/);
  assert.match(result.stderr, /free some space on that disk, then continue the sweep with `bnlenet sweep --out '.*sweep dir'`/);
  // The later cells were never started: one cell line at most, none for cells 2 and 3.
  assert.doesNotMatch(result.stdout, /cell [23]\/3/);
});
