/**
 * Evaluation answers a stop request between batches, even on the pure-JavaScript cpu backend
 * whose kernels never return to the event loop by themselves: an AbortSignal aborted from a
 * timer (as Ctrl-C aborts the CLI's) ends it within a second or two with InterruptedError.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { firstExamples } from '../../src/data/split';
import { selectBackend } from '../../src/engine';
import { InterruptedError } from '../../src/errors';
import { buildLeNet } from '../../src/model/lenet';
import { evaluateSplit } from '../../src/train/evaluate';
import { evaluatePrecise } from '../../src/train/recompute-stats';
import { loadFixtureData } from '../helpers/fixture-data';

test('evaluateSplit and evaluatePrecise stop within two seconds of an abort from a timer, on the cpu backend', async () => {
  await selectBackend({ backend: 'cpu', gpu: false });
  // The test data set: 1,024 test images (ten cpu batches) and 4,096 training images, seconds of work.
  const data = await loadFixtureData();
  const model = buildLeNet('custom', 0);
  try {
    for (const run of [
      (signal: AbortSignal) => evaluateSplit(model, data.test, { signal }),
      (signal: AbortSignal) => evaluatePrecise(model, firstExamples(data.train, 60_000), data.test, 60_000, 256, signal),
    ]) {
      const controller = new AbortController();
      let abortedAt = 0;
      setTimeout(() => {
        abortedAt = Date.now();
        controller.abort(new InterruptedError('interrupted by SIGINT'));
      }, 300);
      await assert.rejects(run(controller.signal), /interrupted by SIGINT/);
      const late = Date.now() - abortedAt;
      assert.ok(abortedAt > 0 && late < 2000, `stopped ${late} ms after the abort`);
    }
  } finally {
    model.dispose();
  }
});
