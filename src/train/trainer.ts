/**
 * The training loop of the book: SGD on softmax cross-entropy averaged over the batch, a
 * seeded shuffle each epoch, per-epoch loss and accuracy from the training-mode forward
 * passes, test accuracy in inference mode, examples/sec over training time only.
 *
 * Per batch nothing is read back from the backend (reads are asynchronous, as WebGPU under
 * Node requires): loss and correct counts accumulate as tensors and are read once per epoch,
 * and the running loss only every `lossEvery` batches when an observer asks for it. One
 * position (where the run is) moves forward batch by batch and epoch by epoch; at each epoch
 * end the store writes the run's files in one call. A stop request (the AbortSignal) is
 * honoured after any batch, the last of an epoch included, and after any epoch end.
 */
import { performance } from 'node:perf_hooks';
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { Split } from '../data';
import { InterruptedError } from '../errors';
import { computesOffHost } from '../engine/data-placement';
import { BatchAssembler, type BatchSource } from './batch';
import { TrainingDivergedError } from './divergence';
import { DeviceBatches } from './device-batches';
import type { EpochMetrics } from './epoch-metrics';
import { accuracyOn } from './evaluate';
import type { RunArgs } from '../model/run-args';
import { permutation, SeededRandom } from './shuffle';
import { NonFiniteWeightsError, type RunPosition } from './store/checkpoint';
import type { RunStore } from './store/run-store';

/** What the report layer is told while a run trains; it only draws. */
export interface TrainObserver {
  onEpochStart?(epoch: number, epochs: number, batches: number, firstBatch: number): void;
  /** After each batch; `runningLoss` (the epoch's mean so far) is given every `lossEvery` batches. */
  onBatch?(done: number, batches: number, runningLoss?: number): void;
  /** After the epoch's files are written; `history` is every finished epoch, those before a resume included. */
  onEpochEnd?(metrics: EpochMetrics, history: readonly EpochMetrics[]): void;
  /** How often to read the running loss back from the backend; never when undefined. */
  lossEvery?: number;
}

export interface TrainLoop {
  args: RunArgs;
  model: LayersModel;
  optimizer: tf.Optimizer;
  train: Split;
  test: Split;
  store: RunStore;
  observer: TrainObserver;
  signal: AbortSignal;
  /** Where to continue from (a resumed run's checkpoint); a fresh run starts at epoch 1, batch 0. */
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

function crossEntropyStep(
  model: LayersModel,
  trained: tf.Variable[],
  optimizer: tf.Optimizer,
  images: tf.Tensor,
  oneHot: tf.Tensor,
  labels: tf.Tensor,
) {
  let hits: tf.Scalar | undefined;
  const loss = optimizer.minimize(() => {
    const logits = model.apply(images, { training: true }) as tf.Tensor2D;
    hits = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), labels), 'float32'))) as tf.Scalar;
    return tf.losses.softmaxCrossEntropy(oneHot, logits);
  }, true, trained) as tf.Scalar;
  return { loss, hits: hits! };
}

export async function train(loop: TrainLoop): Promise<TrainResult> {
  // Where the backend computes off the host (a GPU), the split goes there once and batches are
  // gathered there; elsewhere each batch is assembled from the bytes. The same tensors either way.
  const assembler: BatchSource = computesOffHost() ? new DeviceBatches(loop.train) : new BatchAssembler(loop.train, loop.args.batchSize);
  try {
    return await trainWith(loop, assembler);
  } finally {
    assembler.dispose?.();
  }
}

/**
 * How often, at most, a step on the CPU lets the event loop turn so that a Ctrl-C's handler
 * runs. A turn costs 0.5-0.8 ms in a training process here (V8's pending foreground tasks run
 * in it), 3-5% of a step when taken after every batch (measured: epoch 3 of `train --impl
 * builtin --limit 10240`, 21.0k ex/s with a turn per batch, 22.2k with one per 8). A stop is
 * seen at most this much later; the flag is still checked after every batch, so a signal
 * handled while the epoch's end wrote its files stops the run after the next batch.
 */
const TURN_INTERVAL_MS = 50;

async function trainWith(loop: TrainLoop, assembler: BatchSource): Promise<TrainResult> {
  const { args, model, optimizer, observer, store } = loop;
  const position = structuredClone(loop.from ?? freshPosition(args.seed));
  /** The newest checkpoint on disk, for what a divergence keeps. */
  let saved: RunPosition | undefined = loop.from && structuredClone(loop.from);
  // The model's trainable weights, not every trainable variable alive: a layer that is not
  // trainable (frozen gamma and beta) keeps its weights, however it was built or loaded.
  const trained = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const batches = Math.ceil(loop.train.count / args.batchSize);
  // On a GPU each batch lets the event loop turn, which the device's callbacks may need.
  const turnsEveryBatch = computesOffHost();
  let lastTurn = performance.now();
  const diverged = (epoch: number) => new TrainingDivergedError(epoch, store.dir, saved, args.lr);
  /** Writes a checkpoint (and at an epoch end the files derived from it) of the position as it is now. */
  const commit = async (write: (state: Parameters<RunStore['stopped']>[0]) => Promise<void>, epoch: number) => {
    try {
      await write({ args, model, optimizer, position });
    } catch (err) {
      throw err instanceof NonFiniteWeightsError ? diverged(epoch) : err;
    }
    saved = structuredClone(position);
  };

  while (position.epoch <= args.epochs) {
    const epoch = position.epoch;
    const random = new SeededRandom(position.shuffleStateAtEpochStart);
    const order = permutation(loop.train.count, random);
    let lossSum = tf.scalar(position.partial.lossSum);
    let correct = tf.scalar(position.partial.correct);
    let seen = position.partial.seen;
    // One readback for both sums: each waits for all the queued work.
    const readSums = async () => {
      const both = tf.stack([lossSum, correct]);
      const [sumOfLosses, hits] = await both.data();
      both.dispose();
      return { lossSum: sumOfLosses!, correct: hits! };
    };
    // The batch sizes as tensors, made once an epoch: a number would be uploaded every step.
    const sizes = new Map<number, tf.Scalar>();
    const sizeTensor = (size: number) => sizes.get(size) ?? sizes.set(size, tf.keep(tf.scalar(size))).get(size)!;
    observer.onEpochStart?.(epoch, args.epochs, batches, position.nextBatch);
    const started = performance.now();

    try {
      for (let b = position.nextBatch; b < batches; b++) {
        const size = Math.min(args.batchSize, loop.train.count - b * args.batchSize);
        const batch = assembler.gather(order, b * args.batchSize, size);
        const step = crossEntropyStep(model, trained, optimizer, batch.images, batch.oneHot, batch.labels);
        const nextLoss = tf.tidy(() => tf.add(lossSum, tf.mul(step.loss, sizeTensor(size))));
        const nextCorrect = tf.add(correct, step.hits);
        tf.dispose([lossSum, correct, step.loss, step.hits, batch.images, batch.oneHot, batch.labels]);
        lossSum = nextLoss as tf.Scalar;
        correct = nextCorrect as tf.Scalar;
        seen += size;
        const every = observer.lossEvery;
        const running = every && (b + 1) % every === 0 ? (await lossSum.data())[0]! / seen : undefined;
        observer.onBatch?.(b + 1, batches, running);
        // Let signal handlers run (the loop checks the flag they set after every batch).
        if (turnsEveryBatch || performance.now() - lastTurn >= TURN_INTERVAL_MS) {
          await new Promise<void>((resolve) => setImmediate(resolve));
          lastTurn = performance.now();
        }

        if (loop.signal.aborted) {
          const sums = await readSums();
          tf.dispose([lossSum, correct, ...sizes.values()]);
          if (!Number.isFinite(sums.lossSum)) throw diverged(epoch);
          position.nextBatch = b + 1;
          position.partial = { ...sums, seen, trainSeconds: position.partial.trainSeconds + (performance.now() - started) / 1000 };
          await commit((state) => store.stopped(state), epoch);
          throw new InterruptedError(
            `interrupted in epoch ${epoch}/${args.epochs} after batch ${b + 1}/${batches}; checkpoint saved in ${store.dir}`,
          );
        }
      }
    } catch (err) {
      // A step, an observer or the store that throws leaves no sums or sizes behind (disposing
      // twice is nothing to tfjs, so the stop's own dispose above may have come first).
      tf.dispose([lossSum, correct, ...sizes.values()]);
      throw err;
    }

    const sums = await readSums(); // waits for the backend, so the clock covers all the work
    const trainSeconds = position.partial.trainSeconds + (performance.now() - started) / 1000;
    tf.dispose([lossSum, correct, ...sizes.values()]);
    if (!Number.isFinite(sums.lossSum)) throw diverged(epoch);
    const testAcc = await accuracyOn(model, loop.test);
    const metrics: EpochMetrics = {
      epoch,
      epochs: args.epochs,
      loss: sums.lossSum / seen,
      trainAcc: sums.correct / seen,
      testAcc,
      examplesPerSec: (seen - position.partial.seen) / (trainSeconds - position.partial.trainSeconds),
      trainSeconds,
    };
    // The position moves to the next epoch's start; the store commits it with the epoch's files.
    position.metrics.push(metrics);
    position.trainSecondsTotal += trainSeconds;
    position.epoch = epoch + 1;
    position.nextBatch = 0;
    position.shuffleStateAtEpochStart = random.savedState;
    position.partial = { lossSum: 0, correct: 0, seen: 0, trainSeconds: 0 };
    await commit((state) => store.epochEnd(state), epoch);
    observer.onEpochEnd?.(metrics, position.metrics);
    if (loop.signal.aborted && epoch < args.epochs) {
      throw new InterruptedError(`interrupted after epoch ${epoch}/${args.epochs}; checkpoint saved in ${store.dir}`);
    }
  }

  const totalSeen = loop.train.count * args.epochs;
  return {
    metrics: position.metrics,
    examplesPerSec: totalSeen / position.trainSecondsTotal,
    trainSeconds: position.trainSecondsTotal,
  };
}
