/**
 * The test data set (src/data/test-data.ts, built by test/helpers/fixture-data.ts): it loads
 * through the tool's own verification, with its manifest's digests, only in the dir that holds
 * the manifest; a changed file fails as a bad real file does, and nothing is fetched for it;
 * every other dir, and the same dir without the variable, is checked against the real digests;
 * a bad manifest is one line naming the variable.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { prepareDataset, TEST_DATA_VARIABLE } from '../../src/data';
import { DataError } from '../../src/errors';
import { FIXTURE_ENV, FIXTURE_MANIFEST, FIXTURE_SIZES, fixtureDataDir, loadFixtureData } from '../helpers/fixture-data';
import { listDir, tempDir } from '../helpers/temp-dir';

const NO_SOURCES = { BNLENET_SYSTEM_DATA_DIR: '', BNLENET_PUBLIC_MIRRORS: '' };

/** A copy of the test data set in a fresh dir, and the environment naming the copy's manifest. */
async function copyOfFixture(dir: string): Promise<NodeJS.ProcessEnv> {
  const source = await fixtureDataDir();
  for (const file of listDir(source)) copyFileSync(path.join(source, file), path.join(dir, file));
  return { ...process.env, ...NO_SOURCES, [TEST_DATA_VARIABLE]: path.join(dir, path.basename(FIXTURE_MANIFEST)) };
}

test('the test data set loads through verification: its sizes, and the real first labels', async () => {
  const data = await loadFixtureData();
  assert.equal(data.train.count, FIXTURE_SIZES.train);
  assert.equal(data.test.count, FIXTURE_SIZES.test);
  assert.deepEqual(Array.from(data.train.labels.subarray(0, 10)), [9, 0, 0, 3, 0, 2, 7, 2, 5, 5], "Fashion-MNIST's first ten training labels");
  assert.equal(data.train.images.length, FIXTURE_SIZES.train * 784);
});

test('a changed file of the test data set fails verification by name, and nothing is fetched for it', async (t) => {
  const dir = tempDir(t);
  const env = await copyOfFixture(dir);
  const file = path.join(dir, 'train-labels-idx1-ubyte.gz');
  const labels = gunzipSync(readFileSync(file));
  labels[8] = (labels[8]! + 1) % 10; // still a valid label, so only the digest can tell
  writeFileSync(file, gzipSync(labels));
  await assert.rejects(prepareDataset({ dataDir: dir, env }), (err: unknown) => {
    assert.ok(err instanceof DataError);
    assert.match(err.message, /train-labels-idx1-ubyte\.gz: failed verification: SHA-256 of the decompressed data/);
    assert.doesNotMatch(err.message, /system copy|mirror/, 'no source tried');
    assert.match(err.hint!, /test suite/);
    return true;
  });
});

test('without the variable, or in another dir, the test files are checked against the real digests', async (t) => {
  const dir = tempDir(t);
  const env = await copyOfFixture(dir);
  const realDigest = /train-images-idx3-ubyte\.gz.*expected c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888/;
  await assert.rejects(prepareDataset({ dataDir: dir, env: { ...env, [TEST_DATA_VARIABLE]: '' } }), realDigest);
  // The variable names the suite's own manifest: it says nothing about this dir.
  await assert.rejects(prepareDataset({ dataDir: dir, env: { ...env, ...FIXTURE_ENV } }), realDigest);
});

test('a bad manifest is one line naming the variable and the file', async (t) => {
  const dir = tempDir(t);
  const env = await copyOfFixture(dir);
  const manifestFile = env[TEST_DATA_VARIABLE]!;
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
  const cases: [unknown, RegExp][] = [
    ['{"format": ', /cannot be read as JSON/],
    [{ ...manifest, format: 'other/1' }, /is not a bnlenet-test-data\/1 manifest/],
    [{ ...manifest, splitSizes: { train: 60_001, test: 10 } }, /splitSizes\.train = 60001, expected 1\.\.60000/],
    [{ ...manifest, files: manifest.files.slice(1) }, /has no SHA-256 for train-images-idx3-ubyte\.gz/],
  ];
  for (const [content, expected] of cases) {
    writeFileSync(manifestFile, typeof content === 'string' ? content : JSON.stringify(content));
    await assert.rejects(prepareDataset({ dataDir: dir, env }), (err: unknown) => {
      assert.ok(err instanceof DataError);
      assert.match(err.message, new RegExp(`^${TEST_DATA_VARIABLE} names ${manifestFile.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}, which `));
      assert.match(err.message, expected);
      assert.doesNotMatch(err.message, /\n/);
      return true;
    });
  }
});
