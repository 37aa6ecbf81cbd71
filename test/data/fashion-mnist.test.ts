import assert from 'node:assert/strict';
import { existsSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { DataError } from '../../src/errors';
import { FASHION_MNIST_FILES, loadFashionMnist, prepareDataset, type DataEvent } from '../../src/data';
import { toSplit } from '../../src/data/split';
import { makeIdx } from '../helpers/idx-fixtures';
import { listDir, tempDir } from '../helpers/temp-dir';

const SYSTEM_DIR = '/usr/share/datasets/fashion-mnist';
const noSystemCopy = existsSync(SYSTEM_DIR) ? false : `no system copy at ${SYSTEM_DIR}`;
const NAMES = FASHION_MNIST_FILES.map((f) => f.name);

test('loads the real dataset: counts, shapes, first labels', { skip: noSystemCopy }, async () => {
  const { train, test: testSplit } = await loadFashionMnist(SYSTEM_DIR);
  assert.equal(train.count, 60_000);
  assert.equal(testSplit.count, 10_000);
  assert.equal(train.images.length, 60_000 * 28 * 28);
  assert.equal(testSplit.images.length, 10_000 * 28 * 28);
  assert.equal(train.labels.length, 60_000);
  assert.equal([train.rows, train.cols].join('x'), '28x28');
  assert.deepEqual([...train.labels.subarray(0, 10)], [9, 0, 0, 3, 0, 2, 7, 2, 5, 5]);
  assert.ok(train.images.some((p) => p === 255), 'pixels are raw bytes 0..255');
});

test('prepareDataset copies from the system copy, then verifies without writing', { skip: noSystemCopy }, async (t) => {
  const dataDir = tempDir(t);
  const env = { BNLENET_SYSTEM_DATA_DIR: SYSTEM_DIR, BNLENET_PUBLIC_MIRRORS: '' };
  const first: DataEvent[] = [];
  const data = await prepareDataset({ dataDir, env, onEvent: (e) => first.push(e), signal: new AbortController().signal });
  assert.deepEqual([...data.train.labels.subarray(0, 10)], [9, 0, 0, 3, 0, 2, 7, 2, 5, 5]);
  assert.deepEqual(listDir(dataDir), [...NAMES].sort());
  assert.deepEqual(first.filter((e) => e.type === 'fetched').length, 4);

  const second: DataEvent[] = [];
  const again = await prepareDataset({ dataDir, env: {}, onEvent: (e) => second.push(e), signal: new AbortController().signal });
  assert.deepEqual(second.map((e) => e.type), ['verified', 'verified', 'verified', 'verified']);
  assert.equal(again.test.count, 10_000);
});

test('a labels file where images belong is a clear DataError', { skip: noSystemCopy }, async (t) => {
  const dir = tempDir(t);
  for (const name of NAMES) {
    const source = name === 'train-images-idx3-ubyte.gz' ? 'train-labels-idx1-ubyte.gz' : name;
    symlinkSync(path.join(SYSTEM_DIR, source), path.join(dir, name));
  }
  await assert.rejects(loadFashionMnist(dir), (err: unknown) => {
    assert.ok(err instanceof DataError);
    assert.match(err.message, /train-images-idx3-ubyte\.gz: expected images of shape \[N, 28, 28\], found \[60000\] \(this looks like a labels file\)/);
    return true;
  });
});

const files = { images: 'img', labels: 'lbl' };

test('a split needs as many labels as images', () => {
  const images = { shape: [2, 28, 28], data: new Uint8Array(2 * 784) };
  const labels = { shape: [3], data: new Uint8Array(3) };
  assert.throws(() => toSplit(images, labels, files), /img holds 2 images but lbl holds 3 labels/);
});

test('labels must be classes 0..9', () => {
  const images = { shape: [2, 28, 28], data: new Uint8Array(2 * 784) };
  const labels = { shape: [2], data: Uint8Array.from([9, 10]) };
  assert.throws(() => toSplit(images, labels, files), /lbl: label 10 at index 1 is not a class 0\.\.9/);
});

test('images must be N x 28 x 28 and labels rank 1; counts must be as expected', () => {
  const labels = { shape: [2], data: new Uint8Array(2) };
  const small = { shape: [2, 27, 28], data: new Uint8Array(2 * 27 * 28) };
  assert.throws(() => toSplit(small, labels, files), /img: expected images of shape \[N, 28, 28\], found \[2, 27, 28\]/);
  const images = { shape: [2, 28, 28], data: new Uint8Array(2 * 784) };
  assert.throws(() => toSplit(images, images, files), /lbl: expected labels.*\(this looks like an images file\)/);
  assert.throws(() => toSplit(images, labels, files, 60_000), /img holds 2 images, expected 60000/);
  const split = toSplit(images, labels, files, 2);
  assert.equal(split.count, 2);
  assert.equal(split.images, images.data, 'no copy');
});

test('loading a data dir with a corrupt file names the file', async (t) => {
  const dir = tempDir(t);
  for (const name of NAMES) writeFileSync(path.join(dir, name), makeIdx({ shape: [1] }).subarray(0, 3));
  await assert.rejects(loadFashionMnist(dir), /train-images-idx3-ubyte\.gz: not a valid IDX file: truncated header/);
});
