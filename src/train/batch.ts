/**
 * Batch assembly: images stay bytes in memory; a batch is gathered into reusable buffers (the
 * images' bytes, labels one-hot) and handed to tfjs as one tensor each, the engine scaling
 * pixels to [0, 1].
 * Each step's batch is assembled on the main thread before its kernels run, so it is kept
 * to copies of each image's bytes; the engine turns them into floats (on every core, where
 * the project's wasm kernels run).
 */
import * as tf from '@tensorflow/tfjs-core';
import { unitFloatTensor } from '../engine/images';
import { type Split, NUM_CLASSES } from '../data';

export interface Batch {
  /** [n, 28, 28, 1] float32 in [0, 1]. */
  images: tf.Tensor4D;
  /** [n, 10] one-hot float32. */
  oneHot: tf.Tensor2D;
  /** [n] int32 class indices. */
  labels: tf.Tensor1D;
  size: number;
}

/** Where the trainer takes its batches from: BatchAssembler, or DeviceBatches on a GPU. */
export interface BatchSource {
  /** The examples order[start .. start+size) as tensors; the caller disposes them. */
  gather(order: ArrayLike<number>, start: number, size: number): Batch;
  /** Frees what the source holds on the backend, if anything. */
  dispose?(): void;
}

export class BatchAssembler implements BatchSource {
  private readonly pixelsPerImage: number;
  private readonly pixels: Uint8Array;
  private readonly oneHot: Float32Array;
  private readonly labels: Int32Array;

  constructor(
    private readonly split: Split,
    maxBatchSize: number,
  ) {
    this.pixelsPerImage = split.rows * split.cols;
    this.pixels = new Uint8Array(maxBatchSize * this.pixelsPerImage);
    this.oneHot = new Float32Array(maxBatchSize * NUM_CLASSES);
    this.labels = new Int32Array(maxBatchSize);
  }

  /** The examples order[start .. start+size) as tensors; the caller disposes them. */
  gather(order: ArrayLike<number>, start: number, size: number): Batch {
    const { images, labels } = this.split;
    const perImage = this.pixelsPerImage;
    this.oneHot.fill(0, 0, size * NUM_CLASSES);
    for (let i = 0; i < size; i++) {
      const example = order[start + i]!;
      this.pixels.set(images.subarray(example * perImage, (example + 1) * perImage), i * perImage);
      const label = labels[example]!;
      this.labels[i] = label;
      this.oneHot[i * NUM_CLASSES + label] = 1;
    }
    return {
      images: unitFloatTensor(this.pixels.subarray(0, size * perImage), [size, this.split.rows, this.split.cols, 1]) as tf.Tensor4D,
      oneHot: tf.tensor2d(this.oneHot.subarray(0, size * NUM_CLASSES), [size, NUM_CLASSES]),
      labels: tf.tensor1d(this.labels.subarray(0, size), 'int32'),
      size,
    };
  }
}

/** 0, 1, 2, ... as an order, for evaluation in file order. */
export function identityOrder(count: number): Uint32Array {
  const order = new Uint32Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  return order;
}
