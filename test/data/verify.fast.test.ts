import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { DataError } from '../../src/errors';
import type { FileDigests } from '../../src/data/fashion-mnist-files';
import { verifyContent } from '../../src/data/verify';
import { makeIdx, md5, sha256 } from '../helpers/idx-fixtures';

const idx = makeIdx({ shape: [3, 2] });
const original = gzipSync(idx, { level: 9 });
const spec: FileDigests = { name: 'x-idx1-ubyte.gz', sha256: sha256(idx), size: idx.length, gzipMd5: md5(original) };

test('accepts the original gzip and returns the decompressed bytes', async () => {
  assert.deepEqual(await verifyContent(spec, original, 'here'), idx);
});

test('accepts a re-gzipped copy by the SHA-256 of its content', async () => {
  const regzipped = gzipSync(idx, { level: 1 });
  assert.notEqual(md5(regzipped), spec.gzipMd5);
  assert.deepEqual(await verifyContent(spec, regzipped, 'here'), idx);
});

test('accepts a .gz by its published MD5 alone', async () => {
  const md5Only: FileDigests = { ...spec, sha256: '0'.repeat(64) };
  assert.deepEqual(await verifyContent(md5Only, original, 'here'), idx);
});

test('refuses other bytes, naming the file, the source and both digests', async () => {
  const other = gzipSync(makeIdx({ shape: [6] }));
  await assert.rejects(verifyContent(spec, other, 'http://mirror/x'), (err: unknown) => {
    assert.ok(err instanceof DataError);
    assert.ok(err.message.includes('x-idx1-ubyte.gz from http://mirror/x'), err.message);
    assert.ok(err.message.includes(`expected ${spec.sha256}`), err.message);
    assert.ok(err.message.includes(sha256(makeIdx({ shape: [6] }))), err.message);
    return true;
  });
});

test('refuses corrupt gzip as a DataError', async () => {
  await assert.rejects(verifyContent(spec, original.subarray(0, 20), 'here'), /corrupt gzip/);
});

test('refuses a gzip that inflates past the known size, naming the file and the source', async () => {
  const bomb = gzipSync(Buffer.alloc(10 * idx.length));
  await assert.rejects(verifyContent(spec, bomb, 'http://mirror/x'), (err: unknown) => {
    assert.ok(err instanceof DataError);
    assert.equal(err.message, `x-idx1-ubyte.gz from http://mirror/x: decompresses to more than ${idx.length} bytes, the size of the original`);
    return true;
  });
});
