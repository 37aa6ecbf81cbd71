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
 * The test loss and accuracy of `model` on `split` (what `bnlenet evaluate` prints). Sums stay
 * on the backend; the two numbers are read once at the end. The signal is checked before each
 * batch, with the event loop let run so that a Ctrl-C is seen.
 */
export async function evaluateSplit(model: LayersModel, split: Split, options: EvaluateOptions = {}): Promise<Evaluation> {
  const { loss, hits } = await passOver(model, split, options, true);
  return { loss: loss! / split.count, accuracy: hits / split.count };
}

/**
 * The accuracy alone, as an epoch's end reports it: the pass the book times (logits, argmax,
 * compare), without the cross-entropy of every image, which made the pass 2-4% slower here
 * (10,000 test images, Node 24).
 */
export async function accuracyOn(model: LayersModel, split: Split, options: EvaluateOptions = {}): Promise<number> {
  return (await passOver(model, split, options, false)).hits / split.count;
}

async function passOver(model: LayersModel, split: Split, options: EvaluateOptions, withLoss: boolean): Promise<{ loss?: number; hits: number }> {
  const { signal } = options;
  const batchSize = options.batchSize ?? (tf.getBackend() === 'cpu' ? CPU_EVAL_BATCH_SIZE : EVAL_BATCH_SIZE);
  const assembler = new BatchAssembler(split, batchSize);
  const order = identityOrder(split.count);
  let lossSum = withLoss ? tf.scalar(0) : undefined;
  let correct = tf.scalar(0);
  const sums = () => (lossSum ? [lossSum, correct] : [correct]);
  for (let start = 0; start < split.count; start += batchSize) {
    await yieldForStop(signal).catch((err: unknown) => {
      tf.dispose(sums());
      throw err;
    });
    const batch = assembler.gather(order, start, Math.min(batchSize, split.count - start));
    const [nextCorrect, nextLoss] = tf.tidy(() => {
      const logits = model.apply(batch.images, { training: false }) as tf.Tensor2D;
      const hits = tf.add(correct, tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), batch.labels), 'float32')));
      if (!lossSum) return [hits];
      const losses = tf.losses.softmaxCrossEntropy(batch.oneHot, logits, undefined, undefined, tf.Reduction.NONE);
      return [hits, tf.add(lossSum, tf.sum(losses))];
    });
    tf.dispose([...sums(), batch.images, batch.oneHot, batch.labels]);
    correct = nextCorrect as tf.Scalar;
    lossSum = nextLoss as tf.Scalar | undefined;
  }
  const hits = (await correct.data())[0]!;
  const loss = lossSum && (await lossSum.data())[0]!;
  tf.dispose(sums());
  return { loss, hits };
}
