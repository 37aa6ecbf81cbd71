/** Inference-mode evaluation (moving statistics) of a model on a whole split. */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { Split } from '../data';
import { yieldForStop } from '../util/abort';
import { BatchAssembler, identityOrder } from './batch';

export interface Evaluation {
  loss: number;
  accuracy: number;
}

export const EVAL_BATCH_SIZE = 1000;
/**
 * On the pure-JavaScript cpu backend a batch of 1000 computes for about ten seconds without
 * returning to the event loop; batches of 100 keep a Ctrl-C answered within a second or two.
 */
const CPU_EVAL_BATCH_SIZE = 100;

export interface EvaluateOptions {
  /** Default: EVAL_BATCH_SIZE, or CPU_EVAL_BATCH_SIZE on the cpu backend. */
  batchSize?: number;
  /** Checked before each batch: InterruptedError once aborted. */
  signal?: AbortSignal;
}

/**
 * Sums stay on the backend; the two numbers are read once at the end. The signal is checked
 * before each batch, with the event loop let run so that a Ctrl-C is seen.
 */
export async function evaluateSplit(model: LayersModel, split: Split, options: EvaluateOptions = {}): Promise<Evaluation> {
  const { signal } = options;
  const batchSize = options.batchSize ?? (tf.getBackend() === 'cpu' ? CPU_EVAL_BATCH_SIZE : EVAL_BATCH_SIZE);
  const assembler = new BatchAssembler(split, batchSize);
  const order = identityOrder(split.count);
  let lossSum = tf.scalar(0);
  let correct = tf.scalar(0);
  for (let start = 0; start < split.count; start += batchSize) {
    await yieldForStop(signal).catch((err: unknown) => {
      tf.dispose([lossSum, correct]);
      throw err;
    });
    const batch = assembler.gather(order, start, Math.min(batchSize, split.count - start));
    const [nextLoss, nextCorrect] = tf.tidy(() => {
      const logits = model.apply(batch.images, { training: false }) as tf.Tensor2D;
      const losses = tf.losses.softmaxCrossEntropy(batch.oneHot, logits, undefined, undefined, tf.Reduction.NONE);
      const hits = tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), batch.labels), 'float32'));
      return [tf.add(lossSum, tf.sum(losses)), tf.add(correct, hits)];
    });
    tf.dispose([lossSum, correct, batch.images, batch.oneHot, batch.labels]);
    lossSum = nextLoss as tf.Scalar;
    correct = nextCorrect as tf.Scalar;
  }
  const [loss, hits] = [(await lossSum.data())[0]!, (await correct.data())[0]!];
  tf.dispose([lossSum, correct]);
  return { loss: loss / split.count, accuracy: hits / split.count };
}
