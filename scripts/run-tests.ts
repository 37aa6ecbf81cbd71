/**
 * Runs the compiled test suite (`npm test`) or its fast tier (`npm run test:fast`, `--fast`)
 * after `tsc` has compiled into dist/ incrementally:
 *
 * 1. removes every compiled file of dist/src, dist/test and dist/scripts whose TypeScript
 *    source is gone, so a test that was deleted or renamed never runs from a stale copy;
 * 2. builds the test data set once for the run (test/helpers/fixture-data.ts);
 * 3. runs node's test runner, two files at a time, on every `*.test.js` (the whole suite) or on
 *    the `*.fast.test.js` files only (the tier a developer runs after every change: no
 *    Chromium, no WebGPU, no spawned training). A test file is in the fast tier by its name.
 *
 * Other arguments go to `node --test` (e.g. `--test-name-pattern=resume`).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { buildFixtureData } from '../test/helpers/fixture-data';

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const DIST = path.join(REPO_ROOT, 'dist');
const COMPILED_DIRS = ['src', 'test', 'scripts'];

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath ?? entry.path, entry.name));
}

/** Removes dist/X/....js (and its .map) where X/....ts is gone; returns what it removed, relative to dist. */
function removeOrphans(): string[] {
  const removed: string[] = [];
  for (const top of COMPILED_DIRS) {
    for (const file of filesUnder(path.join(DIST, top))) {
      const match = /^(.*)\.js(\.map)?$/.exec(path.relative(DIST, file));
      if (!match || existsSync(path.join(REPO_ROOT, `${match[1]}.ts`))) continue;
      rmSync(file);
      removed.push(path.relative(DIST, file));
    }
  }
  return removed;
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const fast = args.includes('--fast');
  const passThrough = args.filter((arg) => arg !== '--fast');
  const removed = removeOrphans();
  if (removed.length > 0) console.log(`removed ${removed.length} compiled files whose source is gone: ${removed.join(', ')}`);
  await buildFixtureData();
  const pattern = fast ? /\.fast\.test\.js$/ : /\.test\.js$/;
  const tests = filesUnder(path.join(DIST, 'test'))
    .filter((file) => pattern.test(file))
    .sort();
  console.log(`${fast ? 'fast tier' : 'whole suite'}: ${tests.length} test files`);
  const result = spawnSync(
    process.execPath,
    ['--test', '--test-reporter=spec', '--test-concurrency=2', ...passThrough, ...tests.map((file) => path.relative(REPO_ROOT, file))],
    { cwd: REPO_ROOT, stdio: 'inherit' },
  );
  return result.status ?? 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  },
);
