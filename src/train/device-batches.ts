/**
 * Batches gathered on the device: the training split is uploaded once (images as [0, 1] floats,
 * labels as int32), each epoch's order once when the epoch first asks for a batch, and a batch is
 * then a slice of the order and two gathers, with no upload per step. The tensors equal those of
 * BatchAssembler (batch.ts) value for value: the same bytes / 255, the same one-hot rows.
 */
import * as tf from '@tensorflow/tfjs-core';
import { NUM_CLASSES, type Split } from '../data';
import { unitFloatTensor } from '../engine/images';
import type { Batch, BatchSource } from './batch';

export class DeviceBatches implements BatchSource {
  private readonly images: tf.Tensor4D;
  private readonly labels: tf.Tensor1D;
  private order: { from: ArrayLike<number>; tensor: tf.Tensor1D } | undefined;

  constructor(split: Split) {
    this.images = unitFloatTensor(split.images, [split.count, split.rows, split.cols, 1]) as tf.Tensor4D;
    this.labels = tf.tensor1d(Int32Array.from(split.labels), 'int32');
  }

  /** The examples order[start .. start+size) as tensors; the caller disposes them. */
  gather(order: ArrayLike<number>, start: number, size: number): Batch {
    if (this.order?.from !== order) {
      this.order?.tensor.dispose();
      this.order = { from: order, tensor: tf.tensor1d(Int32Array.from(order), 'int32') };
    }
    const indices = this.order.tensor;
    return tf.tidy(() => {
      const picked = tf.slice(indices, start, size);
      const labels = tf.gather(this.labels, picked) as tf.Tensor1D;
      return {
        images: tf.gather(this.images, picked) as tf.Tensor4D,
        oneHot: tf.cast(tf.oneHot(labels, NUM_CLASSES), 'float32') as tf.Tensor2D,
        labels,
        size,
      };
    });
  }

  dispose(): void {
    tf.dispose([this.images, this.labels]);
    this.order?.tensor.dispose();
    this.order = undefined;
  }
}
