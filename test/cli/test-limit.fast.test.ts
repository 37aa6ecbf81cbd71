/**
 * `--test-limit N` through main in this process, training on the test data set: the start line
 * says the test accuracy is measured on the first N test images, run.json and summary.json
 * record it, each epoch measures exactly those images (evaluate, which honours the run's
 * limit, finds the run's last test accuracy), and --json's start event carries it.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { runMain } from '../helpers/cli';
import { FIXTURE_DIR, FIXTURE_SIZES } from '../helpers/fixture-data';
import { jsonLines, readJson, readMetrics } from '../helpers/run-files';
import { tempDir } from '../helpers/temp-dir';

const SMALL = ['--limit', '256', '--epochs', '1', '--batch-size', '128', '--backend', 'wasm', '--data-dir', FIXTURE_DIR];

test('--test-limit: said at the start, recorded in run.json, and the test set evaluate uses too', async (t) => {
  const out = path.join(tempDir(t), 'run');
  const trained = await runMain(['train', ...SMALL, '--test-limit', '100', '--out', out]);
  assert.equal(trained.code, 0, trained.stderr);
  assert.match(trained.stdout, /^training .* on 256 examples: 1 epoch, batch 128, lr 1, seed 0, test acc on the first 100 test images, on cpu/m);
  assert.equal(readJson(path.join(out, 'run.json')).args.testLimit, 100);
  assert.equal(readJson(path.join(out, 'summary.json')).args.testLimit, 100);
  const [epoch] = readMetrics(out);
  // An accuracy over 100 images is a whole number of hundredths.
  assert.ok(Math.abs(epoch!.testAcc * 100 - Math.round(epoch!.testAcc * 100)) < 1e-9, `test acc ${epoch!.testAcc}`);

  const evaluated = await runMain(['evaluate', '--run', out, '--data-dir', FIXTURE_DIR, '--json']);
  assert.equal(evaluated.code, 0, evaluated.stderr);
  const evaluation = JSON.parse(evaluated.stdout);
  assert.equal(evaluation.testLimit, 100);
  assert.ok(Math.abs(evaluation.testAcc - epoch!.testAcc) < 1e-6, `evaluate ${evaluation.testAcc}, the run's last epoch ${epoch!.testAcc}`);
  const text = await runMain(['evaluate', '--run', out, '--data-dir', FIXTURE_DIR]);
  assert.match(text.stdout, /its test set: the first 100 test images \(--test-limit\)/);
});

test('without --test-limit every test image counts, and run.json has no limit; --json\'s start event carries one given', async (t) => {
  const out = path.join(tempDir(t), 'run');
  const trained = await runMain(['train', ...SMALL, '--quiet', '--out', out]);
  assert.equal(trained.code, 0, trained.stderr);
  assert.equal(readJson(path.join(out, 'run.json')).args.testLimit, undefined);
  const [epoch] = readMetrics(out);
  const correct = epoch!.testAcc * FIXTURE_SIZES.test;
  assert.ok(Math.abs(correct - Math.round(correct)) < 1e-6, `test acc ${epoch!.testAcc} is a count over all ${FIXTURE_SIZES.test} images`);
  const json = await runMain(['train', ...SMALL, '--test-limit', '64', '--json', '--out', path.join(tempDir(t), 'json')]);
  assert.equal(json.code, 0, json.stderr);
  assert.equal(jsonLines(json.stdout)[0].testLimit, 64);
});
