/**
 * `bnlenet download` as a user runs it: spawned from bin/bnlenet.js against a local mirror
 * serving the real files, a local "system copy", and sources that fail (what it says to a bad
 * flag, a bad data dir or when every source fails: main run in-process). Every run points the
 * public mirrors at a closed local port, so nothing here can reach the internet.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { BIN } from '../helpers/cli';
import { listDir, tempDir } from '../helpers/temp-dir';
import { assertVerified, closedUrl, download, downloadInProcess, localEnv, mirror, NAMES, noSystemCopy as skip, SORTED, SYSTEM_DIR } from './download-cli-setup';

test('download from a mirror fills an empty data dir with verified files', { skip }, async (t) => {
  const server = await mirror(t);
  const dataDir = path.join(tempDir(t), 'new', 'data');
  const result = await download(t, ['--data-dir', dataDir, '--mirror', server.url]);
  assert.equal(result.code, 0, result.stderr);
  const lines = result.stdout.trim().split('\n');
  assert.equal(lines.length, 4);
  assert.equal(lines[0], `downloading ${NAMES[0]} from ${server.url}${NAMES[0]} ... done (26.4 MB)`);
  await assertVerified(dataDir);
});

test('without mirrors the system copy is used; a rerun verifies and writes nothing', { skip }, async (t) => {
  const dataDir = tempDir(t);
  const first = await download(t, [], { BNLENET_DATA_DIR: dataDir, BNLENET_SYSTEM_DATA_DIR: SYSTEM_DIR });
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, new RegExp(`copying ${NAMES[0]} from ${SYSTEM_DIR}/${NAMES[0]} \\.\\.\\. done`));
  await assertVerified(dataDir);

  const mtimes = () => NAMES.map((n) => statSync(path.join(dataDir, n)).mtimeMs);
  const before = mtimes();
  await sleep(20);
  // Without a system copy (and with the mirrors closed): what is verified comes from the data dir alone.
  const again = await download(t, ['--data-dir', dataDir], { BNLENET_SYSTEM_DATA_DIR: path.join(tempDir(t), 'no-system-copy') });
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(
    again.stdout.trim().split('\n').map((l) => l.replace(/ \(.*\)$/, '')),
    NAMES.map((n) => `verified ${path.join(dataDir, n)}`),
  );
  assert.deepEqual(mtimes(), before, 'nothing rewritten');
  assert.deepEqual(listDir(dataDir), SORTED);
});

test('a mirror that is not an http(s) URL is a usage error (exit 2)', async (t) => {
  const result = await downloadInProcess(t, ['--data-dir', tempDir(t), '--mirror', 'ftp://example.org/x/']);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /--mirror: 'ftp:\/\/example\.org\/x\/' is not an http\(s\) base URL/);
});

test('when every source fails: exit 1, each source listed, no stack trace, nothing left', async (t) => {
  const dataDir = tempDir(t);
  const result = await downloadInProcess(t, ['--data-dir', dataDir]);
  assert.equal(result.code, 1);
  const stderr = result.stderr;
  assert.match(stderr, new RegExp(`^bnlenet: could not get a verified ${NAMES[0]}; sources tried:`));
  assert.ok(stderr.includes(`data dir ${path.join(dataDir, NAMES[0])}: not present`), stderr);
  assert.match(stderr, new RegExp(`system copy .*/${NAMES[0]}: no such file`));
  assert.ok(stderr.includes(`public mirror ${await closedUrl()}${NAMES[0]}: connection refused`), stderr);
  assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
  assert.deepEqual(listDir(dataDir), []);
});

test('a data dir that cannot be created is one clear line, exit 1', async (t) => {
  const file = path.join(tempDir(t), 'file');
  writeFileSync(file, '');
  const result = await downloadInProcess(t, ['--data-dir', file]);
  assert.equal(result.code, 1);
  assert.match(result.stderr, new RegExp(`^bnlenet: cannot create data dir ${file}: already exists and is not a directory\n`));
});

test('two concurrent downloads into one data dir both end verified', { skip }, async (t) => {
  const server = await mirror(t);
  const dataDir = tempDir(t);
  const args = ['--data-dir', dataDir, '--mirror', server.url];
  const [a, b] = await Promise.all([download(t, args), download(t, args)]);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(b.code, 0, b.stderr);
  await assertVerified(dataDir);
});

test('Ctrl-C mid-download removes the temp file and exits 130', { skip }, async (t) => {
  const server = await mirror(t, 'stall');
  const dataDir = tempDir(t);
  mkdirSync(dataDir, { recursive: true });
  const child = spawn(process.execPath, [BIN, 'download', '--data-dir', dataDir, '--mirror', server.url], {
    env: { ...process.env, ...(await localEnv(t, { BNLENET_HTTP_TIMEOUT_MS: '20000' })) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  // Wait until part of the body is on disk, so there is a real temp file to clean up.
  for (let waited = 0; waited < 10_000; waited += 20) {
    const temp = readdirSync(dataDir).find((n) => n.endsWith('.tmp'));
    if (temp && statSync(path.join(dataDir, temp)).size > 0) break;
    await sleep(20);
  }
  assert.ok(readdirSync(dataDir).some((n) => n.endsWith('.tmp')), 'a temp file existed mid-download');
  child.kill('SIGINT');
  assert.equal(await exited, 130, stderr);
  assert.match(stderr, /interrupted by SIGINT/);
  assert.deepEqual(listDir(dataDir), []);
});
