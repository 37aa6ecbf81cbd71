/**
 * Downloads through ensureFile against a real server on 127.0.0.1, with a small generated file
 * and short timeouts. Each test checks what is left in the data dir: the verified file or
 * nothing, never a temp file or a partial one.
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { test, type TestContext } from 'node:test';
import { DataError, InterruptedError } from '../../src/errors';
import { checkCached, ensureFile, type EnsureContext } from '../../src/data/ensure-file';
import type { DataEvent } from '../../src/data/events';
import type { FileDigests } from '../../src/data/fashion-mnist-files';
import { maxStoredBytes } from '../../src/data/size-bounds';
import type { Source } from '../../src/data/sources';
import { closedPortUrl, HUGE_LENGTH, startFileServer, type ServeMode, type TestServer } from '../helpers/http-server';
import { gzipBomb, gzipIdx, makeIdx, sha256 } from '../helpers/idx-fixtures';
import { listDir, tempDir } from '../helpers/temp-dir';

const NAME = 'small-idx1-ubyte.gz';
const SHAPE = [40_000];
// Scrambled bytes, so that gzip cannot shrink the body to a few bytes and "half a body" is real.
const FIXTURE = { shape: SHAPE, data: Uint8Array.from({ length: SHAPE[0] }, (_, i) => (i * 7919) % 251) };
const BODY = gzipIdx(FIXTURE);
const SPEC: FileDigests = { name: NAME, sha256: sha256(makeIdx(FIXTURE)), size: makeIdx(FIXTURE).length };
const HTTP = { connectTimeoutMs: 1000, idleTimeoutMs: 300, retries: 1, retryDelayMs: 10, maxRedirects: 3, deadlineMs: 10_000 };

interface Setup {
  dataDir: string;
  events: DataEvent[];
  ctx: EnsureContext;
}

function setup(t: TestContext, bases: string[], controller = new AbortController()): Setup {
  const dataDir = tempDir(t);
  const events: DataEvent[] = [];
  const sources: Source[] = bases.map((base) => ({ kind: 'http', role: 'mirror', base }));
  return { dataDir, events, ctx: { dataDir, sources, http: HTTP, signal: controller.signal, onEvent: (e) => events.push(e) } };
}

async function server(t: TestContext, mode: ServeMode): Promise<TestServer> {
  const s = await startFileServer(new Map([[NAME, BODY]]), mode);
  t.after(() => s.close());
  return s;
}

/** Expects the all-sources-failed DataError and returns its message. */
async function failure(promise: Promise<unknown>): Promise<string> {
  let message = '';
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof DataError, String(err));
    assert.ok(!(err instanceof InterruptedError));
    message = err.message;
    return true;
  });
  assert.match(message, new RegExp(`could not get a verified ${NAME}; sources tried:`));
  return message;
}

test('good: the verified file lands under its name, nothing else', async (t) => {
  const s = await server(t, 'good');
  const { dataDir, events, ctx } = setup(t, [s.url]);
  const content = await ensureFile(SPEC, undefined, ctx);
  assert.equal(sha256(content), SPEC.sha256);
  assert.deepEqual(listDir(dataDir), [NAME]);
  assert.deepEqual(readFileSync(path.join(dataDir, NAME)), BODY);
  assert.deepEqual(events.filter((e) => e.type !== 'progress').map((e) => e.type), ['fetch-start', 'fetched']);
  const last = events.filter((e) => e.type === 'progress').pop();
  assert.deepEqual(last && { received: last.received, total: last.total }, { received: BODY.length, total: BODY.length });
});

test('404 is not retried; the error lists the source', async (t) => {
  const s = await server(t, 'not-found');
  const { dataDir, ctx } = setup(t, [s.url]);
  const message = await failure(ensureFile(SPEC, undefined, ctx));
  assert.ok(message.includes(`mirror ${s.url}${NAME}: HTTP 404 Not Found`), message);
  assert.equal(s.requests.length, 1);
  assert.deepEqual(listDir(dataDir), []);
});

test('500 then good: the retry succeeds', async (t) => {
  const s = await server(t, 'fail-then-good');
  const { dataDir, events, ctx } = setup(t, [s.url]);
  await ensureFile(SPEC, undefined, ctx);
  assert.equal(s.requests.length, 2);
  const retry = events.find((e) => e.type === 'retry');
  assert.ok(retry && retry.type === 'retry' && retry.reason === 'HTTP 500 Internal Server Error' && retry.attempt === 1);
  assert.deepEqual(listDir(dataDir), [NAME]);
});

test('a server that never answers times out, is retried, then fails', async (t) => {
  const s = await server(t, 'hang');
  const { dataDir, ctx } = setup(t, [s.url]);
  const message = await failure(ensureFile(SPEC, undefined, ctx));
  assert.match(message, /no data for 300 ms \(no response\)/);
  assert.equal(s.requests.length, 2, 'one retry');
  assert.deepEqual(listDir(dataDir), []);
});

test('a connection dropped mid-body leaves nothing behind', async (t) => {
  const s = await server(t, 'drop');
  const { dataDir, ctx } = setup(t, [s.url]);
  const message = await failure(ensureFile(SPEC, undefined, ctx));
  assert.match(message, new RegExp(`connection closed after \\d+ of ${BODY.length} bytes`));
  assert.deepEqual(listDir(dataDir), []);
});

test('a body that stalls mid-way times out and leaves nothing behind', async (t) => {
  const s = await server(t, 'stall');
  const { dataDir, ctx } = setup(t, [s.url]);
  const message = await failure(ensureFile(SPEC, undefined, ctx));
  assert.match(message, /no data for 300 ms \(stalled mid-body\)/);
  assert.deepEqual(listDir(dataDir), []);
});

test('wrong bytes are refused with both digests and not installed', async (t) => {
  const s = await server(t, 'wrong');
  const { dataDir, ctx } = setup(t, [s.url]);
  const message = await failure(ensureFile(SPEC, undefined, ctx));
  assert.match(message, new RegExp(`failed verification: SHA-256 of the decompressed data is [0-9a-f]{64}, expected ${SPEC.sha256}`));
  assert.equal(s.requests.length, 1, 'a verification failure is not retried');
  assert.deepEqual(listDir(dataDir), []);
});

test('redirects are followed', async (t) => {
  const s = await server(t, 'redirect');
  const { dataDir, ctx } = setup(t, [s.url]);
  await ensureFile(SPEC, undefined, ctx);
  assert.deepEqual(s.requests, [`/${NAME}`, `/moved/${NAME}`]);
  assert.deepEqual(listDir(dataDir), [NAME]);
});

test('the next source is tried when one fails; the error lists every source', async (t) => {
  const bad = await server(t, 'not-found');
  const good = await server(t, 'good');
  const refused = await closedPortUrl();
  const first = setup(t, [refused, bad.url, good.url]);
  await ensureFile(SPEC, undefined, first.ctx);
  assert.deepEqual(listDir(first.dataDir), [NAME]);

  const second = setup(t, [refused, bad.url, 'http://bnlenet-test.invalid/']);
  const message = await failure(ensureFile(SPEC, { reason: 'not present' }, second.ctx));
  const lines = message.split('\n').slice(1).map((l) => l.trim());
  assert.deepEqual(lines, [
    `data dir ${path.join(second.dataDir, NAME)}: not present`,
    `mirror ${refused}${NAME}: connection refused`,
    `mirror ${bad.url}${NAME}: HTTP 404 Not Found`,
    `mirror http://bnlenet-test.invalid/${NAME}: host not found (bnlenet-test.invalid)`,
  ]);
  assert.deepEqual(listDir(second.dataDir), []);
});

test('a corrupt cached copy is rejected and replaced; a verified one is used as is', async (t) => {
  const s = await server(t, 'good');
  const { dataDir, events, ctx } = setup(t, [s.url]);
  writeFileSync(path.join(dataDir, NAME), BODY.subarray(0, 100));
  const cached = await checkCached(SPEC, dataDir);
  assert.ok('reason' in cached && /corrupt gzip/.test(cached.reason));
  await ensureFile(SPEC, cached, ctx);
  assert.equal(events[0].type, 'rejected');
  assert.deepEqual(readFileSync(path.join(dataDir, NAME)), BODY);
  const again = await checkCached(SPEC, dataDir);
  assert.ok('content' in again);
  events.length = 0;
  await ensureFile(SPEC, again, ctx);
  assert.deepEqual(events.map((e) => e.type), ['verified']);
  assert.equal(s.requests.length, 1);
});

test('with --force, a failed fetch leaves the old verified file untouched', async (t) => {
  const s = await server(t, 'wrong');
  const { dataDir, ctx } = setup(t, [s.url]);
  writeFileSync(path.join(dataDir, NAME), BODY);
  await failure(ensureFile(SPEC, undefined, ctx));
  assert.deepEqual(listDir(dataDir), [NAME]);
  assert.deepEqual(readFileSync(path.join(dataDir, NAME)), BODY);
});

test('an interrupt mid-download removes the temp file and throws InterruptedError', async (t) => {
  const s = await server(t, 'stall');
  const controller = new AbortController();
  const { dataDir, ctx } = setup(t, [s.url], controller);
  ctx.http = { ...HTTP, idleTimeoutMs: 10_000 };
  ctx.onEvent = (e) => {
    if (e.type === 'progress' && e.received > 0) controller.abort(new InterruptedError('interrupted by SIGINT'));
  };
  await assert.rejects(ensureFile(SPEC, undefined, ctx), (err: unknown) => {
    assert.ok(err instanceof InterruptedError);
    assert.equal(err.exitCode, 130);
    return true;
  });
  assert.deepEqual(listDir(dataDir), []);
});

test('once the file deadline has passed, no new attempt starts: hanging sources fail in bounded time', async (t) => {
  const servers = await Promise.all([server(t, 'hang'), server(t, 'hang'), server(t, 'hang')]);
  const { ctx } = setup(t, servers.map((s) => s.url));
  // Each attempt hangs for the 300 ms idle timeout; with 2 retries a source would take ~0.9 s,
  // three sources ~2.7 s. A 500 ms deadline cuts the first source's second attempt, then stops.
  ctx.http = { ...HTTP, retries: 2, deadlineMs: 500 };
  const started = Date.now();
  await assert.rejects(ensureFile(SPEC, undefined, ctx), (err: unknown) => {
    assert.ok(err instanceof DataError);
    assert.match(err.message, new RegExp(`mirror ${servers[0].url}${NAME}: not finished within the 0.5 s deadline`));
    assert.equal(err.message.match(/not tried, the 0\.5 s deadline for this file had passed/g)?.length, 2, err.message);
    return true;
  });
  assert.ok(Date.now() - started < 1000, `took ${Date.now() - started} ms`);
  assert.equal(servers[0].requests.length, 2);
  assert.equal(servers[1].requests.length + servers[2].requests.length, 0);
});

test('a body declared larger than a valid copy can be is refused on the headers, not retried', async (t) => {
  const s = await server(t, 'huge');
  const { dataDir, events, ctx } = setup(t, [s.url]);
  const message = await failure(ensureFile(SPEC, undefined, ctx));
  assert.match(message, new RegExp(`: declares ${HUGE_LENGTH} bytes, more than a valid copy can be \\(${maxStoredBytes(SPEC.size)} bytes\\)`));
  assert.equal(s.requests.length, 1);
  assert.ok(!events.some((e) => e.type === 'progress'), 'no body byte was taken');
  assert.deepEqual(listDir(dataDir), []);
});

test('a body without a length is cut off once it passes the largest valid size', async (t) => {
  const s = await server(t, 'endless');
  const { dataDir, events, ctx } = setup(t, [s.url]);
  const message = await failure(ensureFile(SPEC, undefined, ctx));
  const cap = maxStoredBytes(SPEC.size);
  assert.match(message, new RegExp(`: sent more than ${cap} bytes, more than a valid copy can be`));
  const written = events.filter((e) => e.type === 'progress').pop();
  assert.ok(written && written.received <= cap, 'nothing past the bound was written');
  assert.equal(s.requests.length, 1, 'not retried');
  assert.deepEqual(listDir(dataDir), []);
});

test('a trickling body is abandoned at the deadline; later sources are not tried', async (t) => {
  const trickle = await server(t, 'trickle');
  trickle.trickleMs = 20;
  const good = await server(t, 'good');
  const { dataDir, ctx } = setup(t, [trickle.url, good.url]);
  ctx.http = { ...HTTP, deadlineMs: 700 };
  const started = Date.now();
  const message = await failure(ensureFile(SPEC, undefined, ctx));
  const elapsed = Date.now() - started;
  assert.ok(elapsed >= 700 && elapsed < 1200, `took ${elapsed} ms`);
  assert.ok(message.includes(`mirror ${trickle.url}${NAME}: not finished within the 0.7 s deadline`), message);
  assert.ok(message.includes(`mirror ${good.url}${NAME}: not tried, the 0.7 s deadline for this file had passed`), message);
  assert.equal(good.requests.length, 0);
  assert.deepEqual(listDir(dataDir), []);
});

test('a gzip bomb from a server is refused naming the file, and the next source is tried', async (t) => {
  // About 60 kB on the wire (under the size bound), 60 MiB inflated: 1,500 times the file.
  const bombBody = gzipBomb(60 * 2 ** 20, 2 ** 20);
  assert.ok(bombBody.length < maxStoredBytes(SPEC.size));
  const bomb = await startFileServer(new Map([[NAME, bombBody]]));
  t.after(() => bomb.close());
  const good = await server(t, 'good');
  const { dataDir, events, ctx } = setup(t, [bomb.url, good.url]);
  await ensureFile(SPEC, undefined, ctx);
  const failed = events.find((e) => e.type === 'failed');
  assert.deepEqual(failed, {
    type: 'failed',
    file: NAME,
    from: `${bomb.url}${NAME}`,
    reason: `decompresses to more than ${SPEC.size} bytes, the size of the original`,
  });
  assert.deepEqual(listDir(dataDir), [NAME]);
  assert.deepEqual(readFileSync(path.join(dataDir, NAME)), BODY);
});

test('the same bounds hold for a copy in the data dir and for a directory source', async (t) => {
  const good = await server(t, 'good');
  const systemDir = tempDir(t);
  writeFileSync(path.join(systemDir, NAME), gzipBomb(60 * 2 ** 20, 2 ** 20));
  const { dataDir, events, ctx } = setup(t, [good.url]);
  ctx.sources = [{ kind: 'dir', role: 'system copy', base: systemDir }, ...ctx.sources];

  // Sparse, so that it costs no disk: far past the bound, refused without being read.
  writeFileSync(path.join(dataDir, NAME), '');
  truncateSync(path.join(dataDir, NAME), 2 ** 30);
  const cached = await checkCached(SPEC, dataDir);
  assert.deepEqual(cached, { reason: `is ${2 ** 30} bytes, more than a valid copy can be (${maxStoredBytes(SPEC.size)} bytes)` });
  await ensureFile(SPEC, cached, ctx);
  assert.deepEqual(
    events.filter((e) => e.type === 'failed').map((e) => e.type === 'failed' && e.reason),
    [`decompresses to more than ${SPEC.size} bytes, the size of the original`],
  );
  assert.deepEqual(listDir(dataDir), [NAME]);
  assert.deepEqual(readFileSync(path.join(dataDir, NAME)), BODY);

  rmSync(path.join(dataDir, NAME));
  symlinkSync('/dev/zero', path.join(dataDir, NAME));
  assert.deepEqual(await checkCached(SPEC, dataDir), { reason: 'not a regular file' });
});

test('https:// to a plain-HTTP server fails on one line and is not retried', async (t) => {
  const s = await server(t, 'good');
  const tlsUrl = s.url.replace(/^http:/, 'https:');
  const { dataDir, ctx } = setup(t, [tlsUrl]);
  ctx.http = { ...HTTP, retries: 3 };
  const message = await failure(ensureFile(SPEC, undefined, ctx));
  assert.equal(
    message.split('\n')[1].trim(),
    `mirror ${tlsUrl}${NAME}: TLS handshake failed (wrong version number): is this an https server? Try http://`,
  );
  assert.equal(s.connections, 1);
  assert.deepEqual(listDir(dataDir), []);
});
