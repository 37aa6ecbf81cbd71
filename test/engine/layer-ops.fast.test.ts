/**
 * The ops the engine replaces for tfjs-layers (src/engine/layer-ops.ts), proven where it
 * matters: one real LeNet training step through tfjs-layers per BatchNorm, on wasm, with
 * the model loaded after the backend is selected (as the CLI does), and the kernels that ran
 * read from tf.profile.
 */
import { before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../src/engine';
import { BATCHNORM_IMPLS, type BatchNormImpl } from '../../src/model/impls';
import { randomInput } from './compare';

const BATCH = 8;

before(async () => {
  await selectBackend({ backend: 'wasm', gpu: false });
});

/** The kernels one training step ran, with the shape of each one's first output. */
async function stepKernels(impl: BatchNormImpl): Promise<{ name: string; out: string }[]> {
  // tfjs-layers loads here, after the backend: the order the CLI loads them in.
  const { buildLeNet } = await import('../../src/model/lenet.js');
  const model = buildLeNet(impl, 0);
  const optimizer = tf.train.sgd(0.1);
  const images = tf.tensor(randomInput([BATCH, 28, 28, 1], 3).values, [BATCH, 28, 28, 1]);
  const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 7], 'int32'), 10);
  const info = await tf.profile(() => {
    const loss = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(labels, model.apply(images, { training: true }) as tf.Tensor), true);
    tf.dispose(loss ?? []);
  });
  tf.dispose([images, labels]);
  model.dispose();
  optimizer.dispose();
  return info.kernels.map((k) => ({ name: k.name, out: JSON.stringify(k.outputShapes[0]) }));
}

const count = (kernels: { name: string }[], name: string) => kernels.filter((k) => k.name === name).length;

describe('one LeNet training step through tfjs-layers (wasm)', () => {
  for (const impl of BATCHNORM_IMPLS) {
    test(`${impl}: the first conv's input gradient is skipped`, async () => {
      const kernels = await stepKernels(impl);
      const inputGradients = kernels.filter((k) => k.name === 'Conv2DBackpropInput').map((k) => k.out);
      assert.deepEqual(inputGradients, [JSON.stringify([BATCH, 12, 12, 6])], 'only conv2 computes an input gradient');
      assert.equal(count(kernels, 'Conv2DBackpropFilter'), 2);
    });
  }
  for (const impl of BATCHNORM_IMPLS) {
    test(`${impl}: each of the 4 BatchNorms runs the engine's training BatchNorm, forward and backward`, async () => {
      const kernels = await stepKernels(impl);
      // One definition for both (src/engine/batch-norm-training.ts): its per-channel ops, one
      // pass each (src/engine/channel-ops.ts): moments, y; sums, dx.
      assert.equal(count(kernels, 'Rsqrt'), 4);
      for (const name of ['BnlenetChannelMoments', 'BnlenetChannelAffine', 'BnlenetChannelSums', 'BnlenetChannelAffinePlus']) {
        assert.equal(count(kernels, name), 4, `${name}: ${kernels.map((k) => k.name).join(' ')}`);
      }
      assert.equal(count(kernels, 'BnlenetSigmoidGrad'), 4, 'each sigmoid differentiated in one kernel');
      // Neither tfjs-core's moments (Mean, Square) nor its FusedBatchNorm and gradient ran.
      for (const name of ['Mean', 'Square', 'FusedBatchNorm', 'Tile']) assert.equal(count(kernels, name), 0, name);
    });
  }
});
