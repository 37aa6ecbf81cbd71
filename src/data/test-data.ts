/**
 * A smaller data set for the test suite: the first few thousand Fashion-MNIST images, cut by
 * the suite (test/helpers/fixture-data.ts) into a dir of their own, beside a manifest of their
 * digests. The environment variable BNLENET_TEST_DATA_MANIFEST names that manifest, and only
 * for the data dir that holds it does the tool take any data set other than the real one; it
 * verifies the smaller files by the same code (the SHA-256 of their decompressed bytes, their
 * exact sizes, their structure) with the manifest's digests. Every other data dir, and every
 * data dir without the variable, is checked as before against the real digests in
 * fashion-mnist-files.ts. A test data set is never fetched: where its files are missing or
 * bad, the suite builds them again.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { DataError } from '../errors';
import { FASHION_MNIST, FASHION_MNIST_FILES, IMAGE_COLS, IMAGE_ROWS, SPLIT_SIZES, type DatasetFile, type DatasetSpec } from './fashion-mnist-files';

export const TEST_DATA_VARIABLE = 'BNLENET_TEST_DATA_MANIFEST';
export const TEST_DATA_FORMAT = 'bnlenet-test-data/1';

/** What the manifest holds: the split sizes and each file's digest, under the original names. */
export interface TestDataManifest {
  format: typeof TEST_DATA_FORMAT;
  /** Words for people: where the images came from. */
  source: string;
  splitSizes: { train: number; test: number };
  files: { name: string; sha256: string }[];
}

/** The decompressed size of an IDX file of `count` examples: a header, then 28x28 bytes or 1 byte each. */
export function idxSize(kind: DatasetFile['kind'], count: number): number {
  return kind === 'images' ? 16 + count * IMAGE_ROWS * IMAGE_COLS : 8 + count;
}

/** The data set `dataDir` must hold: the real one, or the test data set whose manifest the environment names in that dir. */
export function datasetSpec(dataDir: string, env: NodeJS.ProcessEnv = process.env): DatasetSpec {
  const manifestPath = env[TEST_DATA_VARIABLE];
  if (manifestPath === undefined || manifestPath === '') return FASHION_MNIST;
  const file = path.resolve(manifestPath);
  if (path.dirname(file) !== path.resolve(dataDir)) return FASHION_MNIST;
  const fail = (problem: string): never => {
    throw new DataError(`${TEST_DATA_VARIABLE} names ${file}, which ${problem}`, `unset ${TEST_DATA_VARIABLE} to use the real data set (it is for the test suite only)`);
  };
  let manifest: TestDataManifest;
  try {
    manifest = JSON.parse(readFileSync(file, 'utf8')) as TestDataManifest;
  } catch (err) {
    return fail(`cannot be read as JSON (${(err as Error).message})`);
  }
  if (manifest?.format !== TEST_DATA_FORMAT) fail(`is not a ${TEST_DATA_FORMAT} manifest`);
  const sizes = manifest.splitSizes;
  for (const split of ['train', 'test'] as const) {
    const count = sizes?.[split];
    if (!Number.isSafeInteger(count) || count < 1 || count > SPLIT_SIZES[split]) {
      fail(`has splitSizes.${split} = ${JSON.stringify(count)}, expected 1..${SPLIT_SIZES[split]}`);
    }
  }
  const files = FASHION_MNIST_FILES.map((real): DatasetFile => {
    const entry = Array.isArray(manifest.files) ? manifest.files.find((f) => f?.name === real.name) : undefined;
    if (typeof entry?.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(entry.sha256)) fail(`has no SHA-256 for ${real.name}`);
    // No published MD5: a test file verifies by the SHA-256 of its decompressed bytes only.
    return { name: real.name, split: real.split, kind: real.kind, sha256: entry!.sha256, size: idxSize(real.kind, sizes[real.split]) };
  });
  return { files, splitSizes: { train: sizes.train, test: sizes.test }, testManifest: file };
}
