/**
 * Batches gathered on the device (what the trainer uses on WebGPU) equal those assembled on the
 * host from the bytes, value for value: the same images in [0, 1], one-hot rows and labels, for
 * full and partial batches and for a new epoch's order; and disposing frees every tensor.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../src/engine';
import { BatchAssembler, type Batch } from '../../src/train/batch';
import { DeviceBatches } from '../../src/train/device-batches';
import { permutation, SeededRandom } from '../../src/train/shuffle';
import { syntheticSplit } from '../../scripts/gpu-kit/synthetic';

before(async () => {
  await selectBackend({ backend: 'wasm', gpu: false });
});

async function values(batch: Batch) {
  const out = { images: await batch.images.data(), oneHot: await batch.oneHot.data(), labels: await batch.labels.data() };
  tf.dispose([batch.images, batch.oneHot, batch.labels]);
  return out;
}

test('device batches equal host batches for full and partial batches over two epochs', async () => {
  const split = syntheticSplit(70, 3);
  const host = new BatchAssembler(split, 32);
  const before = tf.memory().numTensors;
  const device = new DeviceBatches(split);
  const random = new SeededRandom(5);
  for (let epoch = 0; epoch < 2; epoch++) {
    const order = permutation(split.count, random);
    for (const [start, size] of [[0, 32], [32, 32], [64, 6]] as const) {
      const d = device.gather(order, start, size);
      const h = host.gather(order, start, size);
      assert.deepEqual(d.images.shape, h.images.shape);
      assert.deepEqual(d.oneHot.shape, h.oneHot.shape);
      assert.equal(d.labels.dtype, h.labels.dtype);
      assert.deepEqual(await values(d), await values(h), `epoch ${epoch}, batch at ${start}`);
    }
  }
  device.dispose();
  assert.equal(tf.memory().numTensors, before, 'dispose freed the split and the order');
});
