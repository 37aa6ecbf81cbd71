/** Inference-mode evaluation (moving statistics) of a model on a whole split. */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { Split } from '../data';
import { BatchAssembler, identityOrder } from './batch';

export interface Evaluation {
  loss: number;
  accuracy: number;
}

export const EVAL_BATCH_SIZE = 1000;

/** Sums stay on the backend; the two numbers are read once at the end. */
export async function evaluateSplit(model: LayersModel, split: Split, batchSize = EVAL_BATCH_SIZE): Promise<Evaluation> {
  const assembler = new BatchAssembler(split, batchSize);
  const order = identityOrder(split.count);
  let lossSum = tf.scalar(0);
  let correct = tf.scalar(0);
  for (let start = 0; start < split.count; start += batchSize) {
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
