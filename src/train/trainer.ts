/**
 * The training loop of the book: SGD on softmax cross-entropy averaged over the batch, a
 * seeded shuffle each epoch, per-epoch loss and accuracy from the training-mode forward
 * passes, test accuracy in inference mode, examples/sec over training time only.
 *
 * Per batch nothing is read back from the backend: loss and correct counts accumulate as
 * tensors and are read once per epoch. A checkpoint is written at every epoch end and when
 * a stop is requested (Ctrl-C, SIGTERM), after the batch in flight finishes.
 */
import { performance } from 'node:perf_hooks';
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { Split } from '../data/split';
import { BnlenetError, InterruptedError } from '../errors';
import { BatchAssembler } from './batch';
import { saveCheckpoint, type RunPosition } from './checkpoint';
import type { EpochMetrics } from './epoch-metrics';
import { evaluateSplit } from './evaluate';
import { permutation, SeededRandom } from './shuffle';

export interface TrainSettings {
  epochs: number;
  batchSize: number;
  seed: number;
}

export interface TrainHooks {
  onEpochStart?(epoch: number, epochs: number, batches: number, firstBatch: number): void;
  /** After each batch; `runningLoss` reads the backend, so call it sparingly. */
  onBatch?(done: number, batches: number, runningLoss: () => number): void;
  /** `history` is every finished epoch of the run, those before a resume included. */
  onEpochEnd?(metrics: EpochMetrics, history: readonly EpochMetrics[]): Promise<void> | void;
}

export interface TrainJob {
  model: LayersModel;
  optimizer: tf.Optimizer;
  train: Split;
  test: Split;
  settings: TrainSettings;
  runDir: string;
  hooks: TrainHooks;
  /** Polled after every batch: true asks the loop to checkpoint and stop. */
  stopRequested: () => boolean;
  /** Where to continue from (a resumed run); a fresh run starts at epoch 1, batch 0. */
  from?: RunPosition;
}

export interface TrainResult {
  metrics: EpochMetrics[];
  /** Training examples of all epochs over their training seconds (evaluation excluded). */
  examplesPerSec: number;
  trainSeconds: number;
}

/** The starting position of a fresh run. */
export function freshPosition(seed: number): RunPosition {
  return {
    epoch: 1,
    nextBatch: 0,
    shuffleStateAtEpochStart: seed,
    partial: { lossSum: 0, correct: 0, seen: 0, trainSeconds: 0 },
    metrics: [],
    trainSecondsTotal: 0,
  };
}

function crossEntropyStep(model: LayersModel, optimizer: tf.Optimizer, images: tf.Tensor, oneHot: tf.Tensor, labels: tf.Tensor) {
  let hits: tf.Scalar | undefined;
  const loss = optimizer.minimize(() => {
    const logits = model.apply(images, { training: true }) as tf.Tensor2D;
    hits = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), labels), 'float32'))) as tf.Scalar;
    return tf.losses.softmaxCrossEntropy(oneHot, logits);
  }, true) as tf.Scalar;
  return { loss, hits: hits! };
}

export async function train(job: TrainJob): Promise<TrainResult> {
  const { model, optimizer, settings, hooks } = job;
  const position = structuredClone(job.from ?? freshPosition(settings.seed));
  const assembler = new BatchAssembler(job.train, settings.batchSize);
  const batches = Math.ceil(job.train.count / settings.batchSize);
  const diverged = (epoch: number): never => {
    const kept =
      epoch > 1
        ? `the last good checkpoint (end of epoch ${epoch - 1}) is kept in ${job.runDir}`
        : 'no epoch finished, so there is no checkpoint';
    throw new BnlenetError(
      `training diverged: the loss became NaN or infinite in epoch ${epoch}`,
      1,
      `${kept}; try a smaller --lr`,
    );
  };

  for (; position.epoch <= settings.epochs; position.epoch++) {
    const epoch = position.epoch;
    const random = new SeededRandom(position.shuffleStateAtEpochStart);
    const order = permutation(job.train.count, random);
    let lossSum = tf.scalar(position.partial.lossSum);
    let correct = tf.scalar(position.partial.correct);
    let seen = position.partial.seen;
    const readSums = async () => ({ lossSum: (await lossSum.data())[0]!, correct: (await correct.data())[0]! });
    hooks.onEpochStart?.(epoch, settings.epochs, batches, position.nextBatch);
    const started = performance.now();

    for (let b = position.nextBatch; b < batches; b++) {
      const size = Math.min(settings.batchSize, job.train.count - b * settings.batchSize);
      const batch = assembler.gather(order, b * settings.batchSize, size);
      const step = crossEntropyStep(model, optimizer, batch.images, batch.oneHot, batch.labels);
      const nextLoss = tf.tidy(() => tf.add(lossSum, tf.mul(step.loss, size)));
      const nextCorrect = tf.add(correct, step.hits);
      tf.dispose([lossSum, correct, step.loss, step.hits, batch.images, batch.oneHot, batch.labels]);
      lossSum = nextLoss as tf.Scalar;
      correct = nextCorrect as tf.Scalar;
      seen += size;
      hooks.onBatch?.(b + 1, batches, () => lossSum.dataSync()[0]! / seen);
      // Let signal handlers run between batches.
      await new Promise<void>((resolve) => setImmediate(resolve));

      if (job.stopRequested() && b + 1 < batches) {
        const sums = await readSums();
        tf.dispose([lossSum, correct]);
        if (!Number.isFinite(sums.lossSum)) diverged(epoch);
        position.nextBatch = b + 1;
        position.partial = { ...sums, seen, trainSeconds: position.partial.trainSeconds + (performance.now() - started) / 1000 };
        await saveCheckpoint(job.runDir, model, optimizer, position);
        throw new InterruptedError(
          `interrupted in epoch ${epoch}/${settings.epochs} after batch ${b + 1}/${batches}; ` +
            `checkpoint saved in ${job.runDir}`,
        );
      }
    }

    const sums = await readSums(); // waits for the backend, so the clock covers all the work
    const trainSeconds = position.partial.trainSeconds + (performance.now() - started) / 1000;
    tf.dispose([lossSum, correct]);
    if (!Number.isFinite(sums.lossSum)) diverged(epoch);
    const test = await evaluateSplit(model, job.test);
    const metrics: EpochMetrics = {
      epoch,
      epochs: settings.epochs,
      loss: sums.lossSum / seen,
      trainAcc: sums.correct / seen,
      testAcc: test.accuracy,
      examplesPerSec: (seen - position.partial.seen) / (trainSeconds - position.partial.trainSeconds),
      trainSeconds,
    };
    position.metrics.push(metrics);
    position.trainSecondsTotal += trainSeconds;
    position.nextBatch = 0;
    position.shuffleStateAtEpochStart = random.savedState;
    position.partial = { lossSum: 0, correct: 0, seen: 0, trainSeconds: 0 };
    await saveCheckpoint(job.runDir, model, optimizer, { ...position, epoch: epoch + 1 });
    await hooks.onEpochEnd?.(metrics, position.metrics);
  }

  const totalSeen = job.train.count * settings.epochs;
  return {
    metrics: position.metrics,
    examplesPerSec: totalSeen / position.trainSecondsTotal,
    trainSeconds: position.trainSecondsTotal,
  };
}
