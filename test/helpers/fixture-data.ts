/**
 * The test data set: the first FIXTURE_SIZES.train training and FIXTURE_SIZES.test test images
 * of the real Fashion-MNIST (./data, verified by the tool's own code first), written as the four
 * IDX .gz files under their original names, with a manifest of their digests
 * (src/data/test-data.ts). The CLI takes it as the data in FIXTURE_DIR when
 * BNLENET_TEST_DATA_MANIFEST names the manifest, and verifies its files as it verifies the real
 * ones; loading it costs milliseconds where the
 * real files cost over a second per process, and an epoch evaluates 1,024 test images instead
 * of 10,000.
 *
 * `npm test` and `npm run test:fast` build it once per run (scripts/run-tests.ts); a test file
 * run on its own builds it when it is missing.
 */
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { FASHION_MNIST_FILES, prepareDataset, TEST_DATA_VARIABLE, type FashionMnist } from '../../src/data';
import { makeIdx, sha256 } from './idx-fixtures';
import { idxSize, TEST_DATA_FORMAT, type TestDataManifest } from '../../src/data/test-data';

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
/** Under dist/ (git-ignored, and gone with a clean build). */
export const FIXTURE_DIR = path.join(REPO_ROOT, 'dist', 'test-data');
export const FIXTURE_MANIFEST = path.join(FIXTURE_DIR, 'test-data.json');
export const FIXTURE_SIZES = { train: 4096, test: 1024 } as const;
/** The environment that makes the CLI (spawned or in-process) take the test data set. */
export const FIXTURE_ENV: Readonly<Record<string, string>> = { [TEST_DATA_VARIABLE]: FIXTURE_MANIFEST };

/** Builds the test data set from the real one in `sourceDir`, replacing any old copy. */
export async function buildFixtureData(sourceDir = path.join(REPO_ROOT, 'data')): Promise<void> {
  // The real files verified by the real code, against the digests in fashion-mnist-files.ts.
  const real = await prepareDataset({ dataDir: sourceDir });
  const building = `${FIXTURE_DIR}.${process.pid}.tmp`;
  rmSync(building, { recursive: true, force: true });
  mkdirSync(building, { recursive: true });
  const manifest: TestDataManifest = {
    format: TEST_DATA_FORMAT,
    source: `the first ${FIXTURE_SIZES.train} training and ${FIXTURE_SIZES.test} test images of Fashion-MNIST, cut from ${sourceDir}`,
    splitSizes: { ...FIXTURE_SIZES },
    files: [],
  };
  for (const file of FASHION_MNIST_FILES) {
    const idx = idxBytes(real, file.split, file.kind, FIXTURE_SIZES[file.split]);
    if (idx.length !== idxSize(file.kind, FIXTURE_SIZES[file.split])) throw new Error(`internal: ${file.name} has ${idx.length} bytes`);
    writeFileSync(path.join(building, file.name), gzipSync(idx, { level: 1 }));
    manifest.files.push({ name: file.name, sha256: sha256(idx) });
  }
  writeFileSync(path.join(building, path.basename(FIXTURE_MANIFEST)), `${JSON.stringify(manifest, null, 2)}\n`);
  rmSync(FIXTURE_DIR, { recursive: true, force: true });
  try {
    renameSync(building, FIXTURE_DIR);
  } catch (err) {
    // Another test process built the same bytes at the same moment: theirs will do.
    rmSync(building, { recursive: true, force: true });
    if (!existsSync(FIXTURE_MANIFEST)) throw err;
  }
}

/** The test data set's dir, built first when missing; with FIXTURE_ENV set, prepareDataset verifies and loads it. */
export async function fixtureDataDir(): Promise<string> {
  if (!existsSync(FIXTURE_MANIFEST)) await buildFixtureData();
  return FIXTURE_DIR;
}

/** The test data set, loaded through the tool's own verification. */
export async function loadFixtureData(): Promise<FashionMnist> {
  return prepareDataset({ dataDir: await fixtureDataDir(), env: { ...process.env, ...FIXTURE_ENV } });
}

/** An IDX file of the first `count` examples of one split. */
function idxBytes(data: FashionMnist, split: 'train' | 'test', kind: 'images' | 'labels', count: number): Buffer {
  const source = data[split];
  return kind === 'images'
    ? makeIdx({ shape: [count, source.rows, source.cols], data: source.images.subarray(0, count * source.rows * source.cols) })
    : makeIdx({ shape: [count], data: source.labels.subarray(0, count) });
}
