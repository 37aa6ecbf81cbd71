/**
 * Downloads through ensureFile against a real server on 127.0.0.1, with a small generated file
 * and short timeouts. Each test checks what is left in the data dir: the verified file or
 * nothing, never a temp file or a partial one.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { test, type TestContext } from 'node:test';
import { DataError, InterruptedError } from '../../src/errors';
import { checkCached, ensureFile, type EnsureContext } from '../../src/data/ensure-file';
import type { DataEvent } from '../../src/data/events';
import type { FileDigests } from '../../src/data/fashion-mnist-files';
import type { Source } from '../../src/data/sources';
import { closedPortUrl, startFileServer, type ServeMode, type TestServer } from '../helpers/http-server';
import { gzipIdx, makeIdx, sha256 } from '../helpers/idx-fixtures';
import { listDir, tempDir } from '../helpers/temp-dir';

const NAME = 'small-idx1-ubyte.gz';
const SHAPE = [40_000];
// Scrambled bytes, so that gzip cannot shrink the body to a few bytes and "half a body" is real.
const FIXTURE = { shape: SHAPE, data: Uint8Array.from({ length: SHAPE[0] }, (_, i) => (i * 7919) % 251) };
const BODY = gzipIdx(FIXTURE);
const SPEC: FileDigests = { name: NAME, sha256: sha256(makeIdx(FIXTURE)) };
const HTTP = { connectTimeoutMs: 1000, idleTimeoutMs: 300, retries: 1, retryDelayMs: 10, maxRedirects: 3, attemptBudgetMs: 10_000 };

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

test('once the attempt budget is spent, no new attempt starts: hanging sources fail in bounded time', async (t) => {
  const servers = await Promise.all([server(t, 'hang'), server(t, 'hang'), server(t, 'hang')]);
  const { ctx } = setup(t, servers.map((s) => s.url));
  // Each attempt hangs for the 300 ms idle timeout; with 2 retries a source would take ~0.9 s,
  // three sources ~2.7 s. A 500 ms budget lets the first source's attempts run, then stops.
  ctx.http = { ...HTTP, retries: 2, attemptBudgetMs: 500 };
  const started = Date.now();
  await assert.rejects(ensureFile(SPEC, undefined, ctx), (err: unknown) => {
    assert.ok(err instanceof DataError);
    assert.match(err.message, /no data for 300 ms/);
    assert.equal(err.message.match(/not tried, 0\.5 s of attempts already spent/g)?.length, 2, err.message);
    return true;
  });
  assert.ok(Date.now() - started < 1500, `took ${Date.now() - started} ms`);
});
