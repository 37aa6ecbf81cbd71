import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { DataError, UsageError } from '../../src/errors';
import { openDataDir, resolveDataDir } from '../../src/data/data-dir';
import { DEFAULT_HTTP_OPTIONS, httpOptionsFromEnv } from '../../src/data/http-options';
import { DEFAULT_PUBLIC_MIRRORS, DEFAULT_SYSTEM_DATA_DIR, parseMirrorUrl, planSources, sourceLocation } from '../../src/data/sources';
import { tempDir } from '../helpers/temp-dir';

test('data dir: flag, else BNLENET_DATA_DIR, else ./data, resolved against cwd', () => {
  assert.equal(resolveDataDir('x', { BNLENET_DATA_DIR: '/env' }), path.resolve('x'));
  assert.equal(resolveDataDir(undefined, { BNLENET_DATA_DIR: '/env' }), '/env');
  assert.equal(resolveDataDir(undefined, {}), path.resolve('data'));
  assert.equal(resolveDataDir(undefined, { BNLENET_DATA_DIR: '' }), path.resolve('data'));
});

test('a data dir that cannot be created is one DataError line', async (t) => {
  const file = path.join(tempDir(t), 'a-file');
  writeFileSync(file, '');
  await assert.rejects(openDataDir(file), (err: unknown) => {
    assert.ok(err instanceof DataError);
    assert.equal(err.message, `cannot create data dir ${file}: already exists and is not a directory`);
    return true;
  });
  await assert.rejects(openDataDir(path.join(file, 'sub')), /cannot create data dir .*a path component is not a directory/);
});

test('mirror URLs: http(s) only, normalized to a base ending in /', () => {
  assert.equal(parseMirrorUrl('http://h:8/a/b', '--mirror'), 'http://h:8/a/b/');
  assert.equal(parseMirrorUrl('https://h/', '--mirror'), 'https://h/');
  for (const bad of ['ftp://h/', 'not a url', '/local/dir', 'http://h/?q=1']) {
    assert.throws(
      () => parseMirrorUrl(bad, '--mirror'),
      (err: unknown) => err instanceof UsageError && err.exitCode === 2 && err.message.includes(`--mirror: '${bad}'`),
    );
  }
});

test('sources: mirrors only when given; else system copy then public mirrors, both overridable', () => {
  const roles = (s: { role: string; base: string }[]) => s.map((x) => `${x.role} ${x.base}`);
  assert.deepEqual(roles(planSources(['http://m/'], {})), ['mirror http://m/']);
  assert.deepEqual(roles(planSources([], {})), [
    `system copy ${DEFAULT_SYSTEM_DATA_DIR}`,
    ...DEFAULT_PUBLIC_MIRRORS.map((m) => `public mirror ${m}`),
  ]);
  const env = { BNLENET_SYSTEM_DATA_DIR: '/sys', BNLENET_PUBLIC_MIRRORS: ' http://a/x , http://b/ ' };
  assert.deepEqual(roles(planSources([], env)), ['system copy /sys', 'public mirror http://a/x/', 'public mirror http://b/']);
  assert.deepEqual(planSources([], { BNLENET_SYSTEM_DATA_DIR: '', BNLENET_PUBLIC_MIRRORS: '' }), []);
  assert.throws(() => planSources([], { BNLENET_PUBLIC_MIRRORS: 'nope' }), /BNLENET_PUBLIC_MIRRORS: 'nope'/);
  assert.equal(sourceLocation({ kind: 'http', role: 'mirror', base: 'http://m/d/' }, 'f.gz'), 'http://m/d/f.gz');
  assert.equal(sourceLocation({ kind: 'dir', role: 'system copy', base: '/s/' }, 'f.gz'), '/s/f.gz');
});

test('http settings from the environment', () => {
  assert.deepEqual(httpOptionsFromEnv({}), DEFAULT_HTTP_OPTIONS);
  const set = httpOptionsFromEnv({ BNLENET_HTTP_TIMEOUT_MS: '250', BNLENET_HTTP_RETRIES: '0' });
  assert.equal(set.connectTimeoutMs, 250);
  assert.equal(set.idleTimeoutMs, 250);
  assert.equal(set.retries, 0);
  assert.throws(() => httpOptionsFromEnv({ BNLENET_HTTP_TIMEOUT_MS: '0' }), UsageError);
  assert.throws(() => httpOptionsFromEnv({ BNLENET_HTTP_RETRIES: 'many' }), /BNLENET_HTTP_RETRIES: 'many'/);
  assert.equal(DEFAULT_HTTP_OPTIONS.deadlineMs, 60_000, 'a file that cannot be had fails within a minute');
  assert.equal(httpOptionsFromEnv({ BNLENET_DOWNLOAD_TIMEOUT: '2.5' }).deadlineMs, 2500);
  for (const bad of ['0', '-3', 'soon', 'Infinity']) {
    assert.throws(
      () => httpOptionsFromEnv({ BNLENET_DOWNLOAD_TIMEOUT: bad }),
      (err: unknown) => err instanceof UsageError && err.message === `BNLENET_DOWNLOAD_TIMEOUT: '${bad}' is not a number of seconds > 0`,
    );
  }
});
