/**
 * tf.batchNorm of tf.moments of the same x (the built-in BatchNorm layer in training) as the
 * engine's training BatchNorm (src/engine/batch-norm-training.ts, the from-scratch
 * BatchNorm's too) with its one-pass gradient (wasm), against tfjs-core's ops and autodiff
 * with stock kernels on the cpu backend.
 */
import { before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers';
import { selectBackend } from '../../src/engine';
import { unregisterProjectKernels } from '../../src/engine/kernels/registry';
import { CHANNEL_AFFINE, CHANNEL_AFFINE_PLUS, CHANNEL_MOMENTS, CHANNEL_SUMS } from '../../src/engine/channel-ops';
import type { KernelPath } from '../../src/engine/kernel-paths';
import { assertClose, assertPaths, randomInput, type Input, type PathsTaken, type Result } from './compare';

before(async () => {
  await selectBackend({ backend: 'cpu', gpu: false });
  unregisterProjectKernels('cpu');
  await selectBackend({ backend: 'wasm', gpu: false });
});

const EPS = 1e-5;

function normalize(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor {
  const axes = x.shape.slice(0, -1).map((_, i) => i);
  const { mean, variance } = tf.moments(x, axes);
  return x.rank === 2
    ? tf.batchNorm2d(x as tf.Tensor2D, mean as tf.Tensor1D, variance as tf.Tensor1D, beta as tf.Tensor1D, gamma as tf.Tensor1D, EPS)
    : tf.batchNorm4d(x as tf.Tensor4D, mean as tf.Tensor1D, variance as tf.Tensor1D, beta as tf.Tensor1D, gamma as tf.Tensor1D, EPS);
}

/** y and the gradients of sum(y * w) with respect to x, gamma and beta. */
async function valueAndGrads(backendName: string, ins: Input[]): Promise<Result[]> {
  await tf.setBackend(backendName);
  const [x, gamma, beta, w] = ins.map((i) => tf.tensor(i.values, i.shape));
  const y = normalize(x, gamma, beta);
  const grads = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.sum(tf.mul(normalize(a, b, c), w)))([x, gamma, beta]);
  const out = [y, ...grads].map((t) => ({ shape: t.shape.slice(), values: t.dataSync() as Float32Array }));
  tf.dispose([x, gamma, beta, w, y, ...grads]);
  return out;
}

describe('batch norm of the batch moments as the training BatchNorm (wasm)', () => {
  // Shapes, with the paths of the affine maps and of the sums with the wasm kernels (jobs of
  // theirs from a whole group of lcm(C, 4) floats and from 8192 elements: channel-ops.test.ts).
  const cases: [number[], KernelPath, KernelPath][] = [
    [[8, 24, 24, 6], 'simd', 'simd'],
    [[8, 8, 8, 16], 'simd', 'simd'],
    [[16, 120], 'simd', 'js'],
    [[16, 84], 'simd', 'js'],
    [[7, 24, 24, 6], 'simd', 'simd'],
    [[1, 8, 8, 16], 'simd', 'js'],
    [[257, 84], 'simd', 'simd'],
    [[5, 3, 3, 7], 'simd', 'js'],
    [[3, 5], 'js', 'js'],
  ];
  for (const [shape, affine, sums] of cases) {
    test(`x ${JSON.stringify(shape)}: y, dx, dgamma, dbeta`, async () => {
      const C = shape[shape.length - 1];
      const x = randomInput(shape, 11);
      x.values = x.values.map((v) => 2 + 3 * v);
      const gamma = randomInput([C], 12);
      gamma.values = gamma.values.map((v) => 1 + 0.5 * v);
      const ins = [x, gamma, randomInput([C], 13), randomInput(shape, 14)];
      const paths: PathsTaken = {
        [CHANNEL_MOMENTS]: [sums, sums],
        [CHANNEL_SUMS]: [sums, sums],
        [CHANNEL_AFFINE]: [affine, affine],
        [CHANNEL_AFFINE_PLUS]: [affine, affine],
      };
      const actual = await assertPaths('wasm', paths, 0, () => valueAndGrads('wasm', ins));
      const expected = await valueAndGrads('cpu', ins);
      await tf.setBackend('wasm');
      ['y', 'dx', 'dgamma', 'dbeta'].forEach((label, i) => assertClose(actual[i], expected[i], 1e-4, label));
    });
  }
  test('runs only for statistics that are the moments of the same x', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor(randomInput([4, 3, 3, 5], 1).values, [4, 3, 3, 5]) as tf.Tensor4D;
    const other = tf.add(x, 1) as tf.Tensor4D;
    const gamma = tf.ones([5]) as tf.Tensor1D;
    const beta = tf.zeros([5]) as tf.Tensor1D;
    const { mean, variance } = tf.moments(x, [0, 1, 2]) as { mean: tf.Tensor1D; variance: tf.Tensor1D };
    const given = tf.onesLike(variance) as tf.Tensor1D;
    const names = async (f: () => tf.Tensor) => (await tf.profile(() => tf.dispose(f()))).kernels.map((k) => k.name);
    assert.ok((await names(() => tf.batchNorm4d(x, mean, variance, beta, gamma, EPS))).includes(CHANNEL_AFFINE));
    assert.ok(!(await names(() => tf.batchNorm4d(other, mean, variance, beta, gamma, EPS))).includes(CHANNEL_AFFINE));
    assert.ok(!(await names(() => tf.batchNorm4d(x, mean, given, beta, gamma, EPS))).includes(CHANNEL_AFFINE));
    assert.ok(!(await names(() => tf.batchNorm4d(x, mean, variance, undefined, gamma, EPS))).includes(CHANNEL_AFFINE));
    tf.dispose([x, other, gamma, beta, mean, variance, given]);
  });
});
