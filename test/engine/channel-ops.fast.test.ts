/**
 * The per-channel ops of src/engine/channel-ops.ts through the project's kernels (wasm, with
 * and without the wasm kernels) against the same formulas in tfjs-core ops with stock kernels
 * on the cpu backend: values, and gradients with respect to every input.
 */
import { before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers';
import { selectBackend } from '../../src/engine';
import { CHANNEL_AFFINE, CHANNEL_AFFINE_PLUS, CHANNEL_MOMENTS, CHANNEL_SQUARES, CHANNEL_SUMS, channelAffine, channelMoments, channelSquares, channelSums } from '../../src/engine/channel-ops';
import { registerProjectKernels, unregisterProjectKernels } from '../../src/engine/kernels/registry';
import type { KernelPath } from '../../src/engine/kernel-paths';
import { compareBackends, randomInput, type Input, type PathsTaken } from './compare';

before(async () => {
  await selectBackend({ backend: 'cpu', gpu: false });
  // The cpu backend is the reference: without the project's kernels the ops are tfjs-core ops.
  unregisterProjectKernels('cpu');
  await selectBackend({ backend: 'wasm', gpu: false });
});

/**
 * Shapes, with the path the affine map and the sums take with the wasm kernels: the affine
 * map is a wasm job once x holds a whole group of lcm(C, 4) floats, the sums from 8192
 * elements (below, one JavaScript loop costs less than a job). Without them, both are loops.
 */
const SHAPES: [number[], KernelPath, KernelPath][] = [
  [[32, 24, 24, 6], 'simd', 'simd'], // LeNet BN 1 (batch 32: 14 chunks of the sums' job)
  [[8, 8, 8, 16], 'simd', 'simd'], // LeNet BN 2
  [[16, 120], 'simd', 'js'], // LeNet BN 3
  [[256, 84], 'simd', 'simd'], // LeNet BN 4 at batch 256
  // Batches of 1, 7 and 257; channel counts that are not multiples of 4; sizes with a tail.
  [[1, 24, 24, 6], 'simd', 'js'],
  [[7, 24, 24, 6], 'simd', 'simd'],
  [[257, 84], 'simd', 'simd'],
  [[5, 3, 3, 7], 'simd', 'js'],
  [[3, 5], 'js', 'js'],
  [[2, 3], 'js', 'js'],
];

/** The value of `f` and its gradients with respect to every input, as one flat tensor. */
function valueAndGrads(f: (...ts: tf.Tensor[]) => tf.Tensor, w: tf.Tensor, ...ins: tf.Tensor[]): tf.Tensor {
  return tf.tidy(() => {
    const y = f(...ins);
    const grads = tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(f(...xs), w)))(ins);
    return tf.concat([y, ...grads].map((t) => tf.reshape(t, [-1])));
  });
}

/** x with an offset (so that centring matters), and per-channel vectors. */
function inputs(shape: number[], seed: number): { x: Input; perChannel: (k: number) => Input } {
  const x = randomInput(shape, seed);
  x.values = x.values.map((v) => 2 + 3 * v);
  const C = shape[shape.length - 1];
  return { x, perChannel: (k) => randomInput([C], seed + k) };
}

describe('per-channel ops as kernels (wasm) against tfjs-core ops (cpu)', () => {
  for (const [shape, affinePath, sumsPath] of SHAPES) {
    const affine: PathsTaken = { [CHANNEL_AFFINE]: [affinePath, 'js'] };
    const affinePlus: PathsTaken = { [CHANNEL_AFFINE_PLUS]: [affinePath, 'js'] };
    const sums: PathsTaken = { [CHANNEL_SUMS]: [sumsPath, 'js'] };
    const squares: PathsTaken = { [CHANNEL_SQUARES]: [sumsPath, 'js'] };
    test(`${JSON.stringify(shape)}: channelAffine, with and without the plus term`, async () => {
      const { x, perChannel } = inputs(shape, 21);
      const w = randomInput(shape, 22);
      const plus = randomInput(shape, 23);
      await compareBackends(
        'affine',
        [x, perChannel(1), perChannel(2), perChannel(3), w],
        (xs, scale, center, shift, wt) =>
          valueAndGrads((a, s, c, b) => channelAffine(a, s as tf.Tensor1D, { center: c as tf.Tensor1D, shift: b as tf.Tensor1D }), wt, xs, scale, center, shift),
        1e-4,
        { ...affine, ...sums },
      );
      await compareBackends(
        'affine without center and shift',
        [x, perChannel(1), w],
        (xs, scale, wt) => valueAndGrads((a, s) => channelAffine(a, s as tf.Tensor1D), wt, xs, scale),
        1e-4,
        { ...affine, ...sums },
      );
      await compareBackends(
        'affine plus',
        [x, perChannel(1), perChannel(2), perChannel(3), plus, perChannel(4), w],
        (xs, scale, center, shift, p, q, wt) =>
          valueAndGrads(
            (a, s, c, b, pp, qq) => channelAffine(a, s as tf.Tensor1D, { center: c as tf.Tensor1D, shift: b as tf.Tensor1D, plus: pp, plusScale: qq as tf.Tensor1D }),
            wt,
            xs,
            scale,
            center,
            shift,
            p,
            q,
          ),
        1e-4,
        { ...affinePlus, ...affine, ...sums },
      );
    });
    test(`${JSON.stringify(shape)}: channelSums and channelSquares`, async () => {
      const { x, perChannel } = inputs(shape, 31);
      const a = randomInput(shape, 32);
      await compareBackends(
        'sums',
        [a, x, perChannel(1), perChannel(2), perChannel(3)],
        (as, xs, center, w1, w2) =>
          valueAndGrads(
            (p, q, c) => {
              const { sum, dot } = channelSums(p, q, c as tf.Tensor1D);
              return tf.concat([tf.mul(sum, w1), tf.mul(dot, w2)]);
            },
            tf.ones([2 * center.size]),
            as,
            xs,
            center,
          ),
        1e-4,
        { ...sums, ...affine },
      );
      await compareBackends(
        'squares',
        [x, perChannel(1), perChannel(2)],
        (xs, center, w) => valueAndGrads((p, c) => channelSquares(p, c as tf.Tensor1D), w, xs, center),
        1e-4,
        { ...squares, ...affine },
      );
    });
  }
  for (const [shape, , sumsPath] of SHAPES) {
    test(`${JSON.stringify(shape)}: channelMoments, one kernel with the bytes of tf.mean and channelSquares`, async () => {
      const { x, perChannel } = inputs(shape, 41);
      const moments = (xs: tf.Tensor) => {
        const { mean, variance } = channelMoments(xs);
        return tf.concat([mean, variance]);
      };
      await compareBackends('moments', [x, perChannel(1), perChannel(2)], (xs, w1, w2) =>
        valueAndGrads((a) => tf.concat([tf.mul(channelMoments(a).mean, w1), tf.mul(channelMoments(a).variance, w2)]), tf.ones([2 * w1.size]), xs),
        1e-4,
        { [CHANNEL_MOMENTS]: [sumsPath, 'js'] },
      );
      await tf.setBackend('wasm');
      const t = tf.tensor(x.values, x.shape);
      const fused = moments(t);
      unregisterProjectKernels('wasm', [CHANNEL_MOMENTS]);
      try {
        const composed = moments(t);
        assert.deepEqual(Array.from(fused.dataSync()), Array.from(composed.dataSync()));
        tf.dispose(composed);
      } finally {
        registerProjectKernels('wasm', [CHANNEL_MOMENTS]);
      }
      tf.dispose([t, fused]);
    });
  }
  test('the ops run their kernels on wasm, and tfjs-core ops where none is registered (cpu here)', async () => {
    const names = async (f: () => tf.Tensor[]) => (await tf.profile(() => tf.dispose(f()))).kernels.map((k) => k.name);
    const run = () => {
      const x = tf.ones([4, 3, 3, 5]);
      const v = tf.ones([5]) as tf.Tensor1D;
      const { sum, dot } = channelSums(x, x, v);
      return [x, v, channelAffine(x, v, { center: v }), channelAffine(x, v, { plus: x, plusScale: v }), sum, dot, channelSquares(x, v)];
    };
    await tf.setBackend('wasm');
    assert.deepEqual(
      (await names(run)).filter((n) => n.startsWith('Bnlenet')),
      [CHANNEL_SUMS, CHANNEL_AFFINE, CHANNEL_AFFINE_PLUS, CHANNEL_SQUARES],
    );
    await tf.setBackend('cpu');
    assert.deepEqual((await names(run)).filter((n) => n.startsWith('Bnlenet')), []);
    await tf.setBackend('wasm');
  });
});
