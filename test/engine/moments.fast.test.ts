/**
 * tf.moments through the engine's batch moments (src/engine/batch-norm-training.ts: the mean
 * and one pass of BnlenetChannelSquares) and their gradient (wasm) against tfjs-core's
 * composed op with stock kernels on the cpu backend.
 */
import { before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers';
import { selectBackend } from '../../src/engine';
import { unregisterProjectKernels } from '../../src/engine/kernels/registry';
import { CHANNEL_MOMENTS } from '../../src/engine/channel-ops';
import type { KernelPath } from '../../src/engine/kernel-paths';
import { assertClose, assertPaths, randomInput, type Input, type PathsTaken, type Result } from './compare';

before(async () => {
  await selectBackend({ backend: 'cpu', gpu: false });
  unregisterProjectKernels('cpu');
  await selectBackend({ backend: 'wasm', gpu: false });
});

type Use = 'both' | 'mean' | 'variance';

/** mean, variance, and d/dx of sum(mean * wm) + sum(variance * wv) (or one of the two). */
async function momentsAndGrad(backendName: string, ins: Input[], axes: number[], use: Use): Promise<Result[]> {
  await tf.setBackend(backendName);
  const [x, wm, wv] = ins.map((i) => tf.tensor(i.values, i.shape));
  const { mean, variance } = tf.moments(x, axes);
  const dx = tf.grad((xs: tf.Tensor) => {
    const m = tf.moments(xs, axes);
    const terms = [];
    if (use !== 'variance') terms.push(tf.sum(tf.mul(m.mean, wm)));
    if (use !== 'mean') terms.push(tf.sum(tf.mul(m.variance, wv)));
    return terms.length === 1 ? terms[0] : tf.add(terms[0], terms[1]);
  })(x);
  const out = [mean, variance, dx].map((t) => ({ shape: t.shape.slice(), values: t.dataSync() as Float32Array }));
  tf.dispose([x, wm, wv, mean, variance, dx]);
  return out;
}

/** Shapes and axes, and the path of the squared deviations' sums (a wasm job from 8192 elements). */
const cases: { shape: number[]; axes: number[]; sums?: KernelPath }[] = [
  { shape: [8, 24, 24, 6], axes: [0, 1, 2], sums: 'simd' }, // LeNet BN 1
  { shape: [8, 8, 8, 16], axes: [0, 1, 2], sums: 'simd' }, // LeNet BN 2
  { shape: [16, 120], axes: [0], sums: 'js' }, // LeNet BN 3
  { shape: [5, 7, 3], axes: [1, 0], sums: 'js' },
  { shape: [7, 24, 24, 6], axes: [0, 1, 2], sums: 'simd' },
  { shape: [1, 8, 8, 16], axes: [0, 1, 2], sums: 'js' },
  { shape: [257, 84], axes: [0], sums: 'simd' },
  { shape: [5, 3, 3, 7], axes: [0, 1, 2], sums: 'js' },
  // Leading axes that leave more than the channel axis: tfjs-core's moments.
  { shape: [4, 5, 6], axes: [0] },
];

describe('tf.moments as the batch moments of the training BatchNorm (wasm)', () => {
  for (const c of cases) {
    for (const use of ['both', 'mean', 'variance'] as Use[]) {
      test(`${JSON.stringify(c.shape)} axes ${c.axes}, gradient of ${use}`, async () => {
        const C = c.shape.slice(c.axes.length);
        // An offset, so that centring matters.
        const xIn = randomInput(c.shape, 7);
        xIn.values = xIn.values.map((v) => 3 + 2 * v);
        const ins = [xIn, randomInput(C, 8), randomInput(C, 9)];
        const paths: PathsTaken = c.sums ? { [CHANNEL_MOMENTS]: [c.sums, c.sums] } : {};
        const actual = await assertPaths('wasm', paths, 0, () => momentsAndGrad('wasm', ins, c.axes, use));
        const expected = await momentsAndGrad('cpu', ins, c.axes, use);
        await tf.setBackend('wasm');
        ['mean', 'variance', 'dx'].forEach((label, i) => assertClose(actual[i], expected[i], 1e-4, label));
      });
    }
  }
  test('runs the per-channel kernels for every axis but the last only; other axes and keepDims use tfjs-core', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor(randomInput([4, 5, 6], 3).values, [4, 5, 6]);
    const names = async (f: () => void) => (await tf.profile(f)).kernels.map((k) => k.name);
    assert.ok((await names(() => tf.dispose(Object.values(tf.moments(x, [0, 1]))))).includes(CHANNEL_MOMENTS));
    assert.ok(!(await names(() => tf.dispose(Object.values(tf.moments(x, [2]))))).includes(CHANNEL_MOMENTS));
    assert.ok(!(await names(() => tf.dispose(Object.values(tf.moments(x, [0]))))).includes(CHANNEL_MOMENTS));
    assert.ok(!(await names(() => tf.dispose(Object.values(tf.moments(x, [0, 1], true))))).includes(CHANNEL_MOMENTS));
    const other = tf.moments(x, [2]);
    const reference = tf.mean(x, 2);
    assertClose({ shape: other.mean.shape, values: other.mean.dataSync() as Float32Array }, { shape: reference.shape, values: reference.dataSync() as Float32Array });
    tf.dispose([x, other.mean, other.variance, reference]);
  });
});
