import assert from 'node:assert/strict';
import { truncateSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { DataError } from '../../src/errors';
import { decompress, parseIdx, readIdxFile } from '../../src/data/idx';
import { gzipIdx, makeIdx } from '../helpers/idx-fixtures';
import { tempDir } from '../helpers/temp-dir';

/** Asserts a DataError naming the file, saying `what`, and hinting at a fix. */
function assertDataError(what: RegExp, file = 'f.idx') {
  return (err: unknown): boolean => {
    assert.ok(err instanceof DataError, `expected a DataError, got ${String(err)}`);
    assert.ok(err.message.includes(file), `message names the file: ${err.message}`);
    assert.match(err.message, what);
    assert.match(err.hint ?? '', /bnlenet download/);
    return true;
  };
}

test('parses shape and data of a rank-3 file, as a view without copying', () => {
  const bytes = makeIdx({ shape: [2, 3, 4] });
  const idx = parseIdx(bytes, 'f.idx');
  assert.deepEqual(idx.shape, [2, 3, 4]);
  assert.equal(idx.data.length, 24);
  assert.equal(idx.data[23], 23);
  assert.equal(idx.data.buffer, bytes.buffer, 'a view on the input buffer');
  assert.equal(idx.data.byteOffset, bytes.byteOffset + 16);
});

test('parses a rank-1 file with big-endian dimensions', () => {
  const idx = parseIdx(makeIdx({ shape: [258] }), 'f.idx');
  assert.deepEqual(idx.shape, [258]);
});

test('reads gzip and plain files alike, telling them apart by magic bytes', async (t) => {
  const dir = tempDir(t);
  const plain = path.join(dir, 'plain.gz'); // a misleading name on purpose
  const gz = path.join(dir, 'packed');
  writeFileSync(plain, makeIdx({ shape: [5, 2] }));
  writeFileSync(gz, gzipIdx({ shape: [5, 2] }));
  const size = makeIdx({ shape: [5, 2] }).length;
  assert.deepEqual((await readIdxFile(plain, size)).shape, [5, 2]);
  assert.deepEqual([...(await readIdxFile(gz, size)).data], [...(await readIdxFile(plain, size)).data]);
});

test('rejects a truncated header', () => {
  assert.throws(() => parseIdx(Buffer.from([0, 0]), 'f.idx'), assertDataError(/truncated header/));
  const rank3Short = makeIdx({ shape: [1, 1, 1] }).subarray(0, 10);
  assert.throws(() => parseIdx(rank3Short, 'f.idx'), assertDataError(/truncated header.*rank 3 needs 16/));
});

test('rejects a truncated payload', () => {
  const bytes = makeIdx({ shape: [4, 4] });
  assert.throws(() => parseIdx(bytes.subarray(0, bytes.length - 1), 'f.idx'), assertDataError(/truncated payload \(15 of 16/));
});

test('rejects extra bytes after the payload as a length mismatch', () => {
  const bytes = Buffer.concat([makeIdx({ shape: [4] }), Buffer.from([1, 2])]);
  assert.throws(() => parseIdx(bytes, 'f.idx'), assertDataError(/length mismatch \(6 payload bytes.*needs 4/));
});

test('rejects a bad magic number', () => {
  const bytes = makeIdx({ shape: [4] });
  bytes[0] = 0x1f;
  assert.throws(() => parseIdx(bytes, 'f.idx'), assertDataError(/bad magic/));
});

test('rejects a type byte other than unsigned byte', () => {
  assert.throws(() => parseIdx(makeIdx({ shape: [4], type: 0x0d }), 'f.idx'), assertDataError(/type byte 0x0d/));
});

test('rejects rank 0', () => {
  assert.throws(() => parseIdx(makeIdx({ shape: [] }), 'f.idx'), assertDataError(/rank 0/));
});

test('rejects corrupt gzip: truncated stream and garbage after the magic', async () => {
  const gz = gzipIdx({ shape: [1000] });
  await assert.rejects(decompress(gz.subarray(0, gz.length >> 1), 'f.idx', 1008), assertDataError(/corrupt gzip/));
  const garbage = Buffer.concat([gz.subarray(0, 2), Buffer.alloc(50, 0xff)]);
  await assert.rejects(decompress(garbage, 'f.idx', 1008), assertDataError(/corrupt gzip/));
});

test('a missing file is a DataError naming it', async (t) => {
  const missing = path.join(tempDir(t), 'nope.gz');
  await assert.rejects(readIdxFile(missing, 100), (err: unknown) => {
    assert.ok(err instanceof DataError);
    assert.match(err.message, /nope\.gz: no such file/);
    return true;
  });
});

test('a gzip of a broken IDX reports the IDX problem', async (t) => {
  const file = path.join(tempDir(t), 'bad.gz');
  writeFileSync(file, gzipSync(makeIdx({ shape: [4] }).subarray(0, 10)));
  await assert.rejects(readIdxFile(file, 12), assertDataError(/truncated payload/, 'bad.gz'));
});

test('decompression stops at the known size: a gzip bomb is refused, naming the file', async () => {
  // 8 MiB of zeros in 8 kB; zlib gives up a little past the 1008 bytes asked for.
  const bomb = gzipSync(Buffer.alloc(8 * 2 ** 20));
  await assert.rejects(decompress(bomb, 'f.idx', 1008), assertDataError(/^f\.idx: decompresses to more than 1008 bytes, the size of the original$/));
  const exact = makeIdx({ shape: [1000] });
  assert.deepEqual(await decompress(gzipSync(exact), 'f.idx', exact.length), exact, 'exactly the size is fine');
});

test('readIdxFile refuses a file larger than a valid copy can be, and anything but a regular file, unread', async (t) => {
  const big = path.join(tempDir(t), 'big.gz');
  writeFileSync(big, '');
  // Sparse: 100 MB that take no disk and would take 100 MB of memory to read.
  truncateSync(big, 100e6);
  await assert.rejects(readIdxFile(big, 1008), assertDataError(/^.*big\.gz: is 100000000 bytes, more than a valid copy can be \(\d+ bytes\)$/, 'big.gz'));
  await assert.rejects(readIdxFile('/dev/zero', 1008), assertDataError(/^\/dev\/zero: not a regular file$/, '/dev/zero'));
});
