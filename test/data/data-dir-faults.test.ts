/**
 * The data dir's own faults, as a user meets them through `bnlenet download`: a full disk (a
 * small tmpfs), a read-only file system (a read-only bind mount), and temp files left by a
 * download that was killed outright. Mounting needs privileges: where it is refused, those
 * tests skip with a line saying why.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { STALE_AFTER_MS } from '../../src/data/temp-file';
import { BIN } from '../helpers/cli';
import { listDir, tempDir } from '../helpers/temp-dir';
import { assertVerified, download, localEnv, mirror, NAMES, noSystemCopy, SYSTEM_DIR } from './download-cli-setup';

/** Mounts with `args` on a fresh directory, unmounted when the test ends; a skip reason if refused. */
function tryMount(t: TestContext, args: (dir: string) => string[]): string | { skip: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'bnlenet-mount-'));
  const result = spawnSync('mount', args(dir), { encoding: 'utf8' });
  if (result.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    return { skip: `cannot mount here (${(result.stderr || String(result.error)).trim()})` };
  }
  t.after(() => {
    spawnSync('umount', [dir]);
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

test('a full disk mid-download is one line naming the data dir; no retry, no other source, nothing left', { skip: noSystemCopy }, async (t) => {
  const dataDir = tryMount(t, (dir) => ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir]);
  if (typeof dataDir !== 'string') return t.skip(dataDir.skip);
  const first = await mirror(t);
  const second = await mirror(t);
  const result = await download(t, ['--data-dir', dataDir, '--mirror', first.url, '--mirror', second.url], {
    BNLENET_HTTP_RETRIES: '3',
  });
  assert.equal(result.code, 1, result.stderr);
  assert.equal(
    result.stderr,
    `bnlenet: cannot write in data dir ${dataDir}: no space left on device\n  free some space there, or choose another with --data-dir DIR\n`,
  );
  assert.equal(first.requests.length, 1, 'not retried');
  assert.equal(second.requests.length, 0, 'no other source can help');
  assert.deepEqual(listDir(dataDir), []);

  // The same from the system copy, which is copied rather than downloaded.
  const copied = await download(t, ['--data-dir', dataDir], { BNLENET_SYSTEM_DATA_DIR: SYSTEM_DIR });
  assert.equal(copied.code, 1, copied.stderr);
  assert.match(copied.stderr, new RegExp(`^bnlenet: cannot write in data dir ${dataDir}: no space left on device\n`));
  assert.deepEqual(listDir(dataDir), []);
});

test('a read-only data dir: verified copies are used, anything to write is one line naming the dir', { skip: noSystemCopy }, async (t) => {
  const source = tempDir(t);
  const dataDir = tryMount(t, (dir) => ['--bind', '-o', 'ro', source, dir]);
  if (typeof dataDir !== 'string') return t.skip(dataDir.skip);
  const empty = await download(t, ['--data-dir', dataDir], { BNLENET_SYSTEM_DATA_DIR: SYSTEM_DIR });
  assert.equal(empty.code, 1, empty.stderr);
  assert.equal(empty.stderr, `bnlenet: cannot write in data dir ${dataDir}: read-only file system\n  choose another with --data-dir DIR\n`);

  // Filled through the writable path underneath (with the real files), it serves without writing anything.
  for (const name of NAMES) copyFileSync(path.join(SYSTEM_DIR, name), path.join(source, name));
  const reuse = await download(t, ['--data-dir', dataDir]);
  assert.equal(reuse.code, 0, reuse.stderr);
  assert.match(reuse.stdout, new RegExp(`^verified ${dataDir}/${NAMES[0]}`));
});

/** The pid of a process that has exited: no temp file of its can be in use. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

test('temp files of a download killed outright are removed by the next run; a live one is kept', { skip: noSystemCopy }, async (t) => {
  const stalled = await mirror(t, 'stall');
  const dataDir = tempDir(t);
  const killed = spawn(process.execPath, [BIN, 'download', '--data-dir', dataDir, '--mirror', stalled.url], {
    env: { ...process.env, ...(await localEnv(t, { BNLENET_HTTP_TIMEOUT_MS: '20000' })) },
    stdio: 'ignore',
  });
  const exited = new Promise((resolve) => killed.on('close', resolve));
  let leftover: string | undefined;
  for (let waited = 0; waited < 10_000 && leftover === undefined; waited += 20) {
    leftover = readdirSync(dataDir).find((n) => n.endsWith('.tmp') && statSync(path.join(dataDir, n)).size > 0);
    if (leftover === undefined) await sleep(20);
  }
  assert.ok(leftover, 'a temp file existed mid-download');
  killed.kill('SIGKILL');
  await exited;
  assert.deepEqual(listDir(dataDir), [leftover], 'SIGKILL leaves its temp file');

  const old = (Date.now() - STALE_AFTER_MS - 60_000) / 1000;
  const fresh = `.${NAMES[1]}.${deadPid()}.0123abcd.tmp`; // just written: its owner may live elsewhere
  const live = `.${NAMES[2]}.${process.pid}.cafe0123.tmp`; // this test process: alive
  const other = `.notes.txt.${deadPid()}.0123abcd.tmp`; // not one of the dataset's files
  for (const name of [fresh, live, other]) writeFileSync(path.join(dataDir, name), 'x');
  for (const name of [leftover, live, other]) utimesSync(path.join(dataDir, name), old, old);

  const result = await download(t, ['--data-dir', dataDir], { BNLENET_SYSTEM_DATA_DIR: SYSTEM_DIR });
  assert.equal(result.code, 0, result.stderr);
  const names = readdirSync(dataDir);
  assert.ok(!names.includes(leftover), 'the killed run’s temp file is gone');
  assert.deepEqual(names.filter((n) => n.startsWith('.')).sort(), [fresh, live, other].sort());
  for (const name of [fresh, live, other]) rmSync(path.join(dataDir, name));
  await assertVerified(dataDir);
});
