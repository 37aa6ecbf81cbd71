/**
 * The data dir's own faults, as a user meets them through `bnlenet download`: a full disk (a
 * small tmpfs) and a read-only file system (a read-only bind mount). Mounting needs
 * privileges: where it is refused, those tests skip with a line saying why.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { test, type TestContext } from 'node:test';
import { listDir, tempDir } from '../helpers/temp-dir';
import { download, mirror, NAMES, noSystemCopy, SYSTEM_DIR } from './download-cli-setup';

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

  // Filled through the writable path underneath, it serves without writing anything.
  const fill = await download(t, ['--data-dir', source], { BNLENET_SYSTEM_DATA_DIR: SYSTEM_DIR });
  assert.equal(fill.code, 0, fill.stderr);
  const reuse = await download(t, ['--data-dir', dataDir]);
  assert.equal(reuse.code, 0, reuse.stderr);
  assert.match(reuse.stdout, new RegExp(`^verified ${dataDir}/${NAMES[0]}`));
});
