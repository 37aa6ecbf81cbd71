/**
 * A saved run evaluated: its model (opened and checked by the store) on the test set with its
 * moving statistics and, on request, with each BatchNorm's statistics recomputed over the
 * run's training images. What `evaluate`, `report` and `reproduce` show; the run's files are
 * only read.
 */
import { firstExamples, type FashionMnist } from '../data';
import { readBatchNormParams } from '../model/batchnorm-inspect';
import { evaluateSplit } from './evaluate';
import { evaluatePrecise } from './recompute-stats';
import { openSavedRun } from './store/saved-run';

/**
 * Opens a run's model and evaluates the test set with its moving statistics and, with
 * `recomputeImages`, with each BatchNorm's statistics recomputed over that many of the run's
 * training images (evaluatePrecise).
 */
export async function evaluateSavedRun(dir: string, data: FashionMnist, recomputeImages?: number, signal?: AbortSignal) {
  const run = await openSavedRun(dir);
  try {
    const { args } = run.record;
    // A run trained with --test-limit is evaluated on the same test images as it was trained with.
    const test = firstExamples(data.test, args.testLimit);
    const result = await evaluateSplit(run.model, test, { signal });
    const precise =
      recomputeImages === undefined
        ? undefined
        : await evaluatePrecise(run.model, firstExamples(data.train, args.limit), test, recomputeImages, args.batchSize, signal);
    // The moving statistics beside the recomputed ones, for the report's chart.
    const batchNorm = precise ? await readBatchNormParams(run.model) : [];
    return { args, epochsDone: run.epochsDone, result, precise, batchNorm };
  } finally {
    run.model.dispose();
  }
}
