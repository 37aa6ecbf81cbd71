/**
 * tf.fused.conv2d through FusedConv2D with the lazy per-input gradient (src/engine/layer-ops.ts):
 * values and gradients equal tfjs-core's own op (customGrad) computed on the cpu backend with
 * stock kernels, and the input gradient is not computed when the input is not trained.
 */
import { before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers';
import { selectBackend } from '../../src/engine';
import { unregisterProjectKernels } from '../../src/engine/kernels/registry';
import { assertClose, randomInput, type Input, type Result } from './compare';

before(async () => {
  await selectBackend({ backend: 'cpu', gpu: false });
  unregisterProjectKernels('cpu'); // the reference: tfjs-core's op and stock kernels
  await selectBackend({ backend: 'wasm', gpu: false });
});

interface Case {
  x: number[];
  filter: number[];
  strides: number;
  pad: 'valid' | 'same';
  bias: boolean;
}

const cases: Case[] = [
  { x: [4, 28, 28, 1], filter: [5, 5, 1, 6], strides: 1, pad: 'valid', bias: true }, // LeNet conv 1
  { x: [4, 12, 12, 6], filter: [5, 5, 6, 16], strides: 1, pad: 'valid', bias: true }, // LeNet conv 2
  { x: [2, 9, 7, 3], filter: [3, 3, 3, 4], strides: 1, pad: 'same', bias: false },
  { x: [2, 9, 9, 3], filter: [3, 3, 3, 4], strides: 2, pad: 'valid', bias: true },
];

/** y and the gradients of sum(y * w) with respect to x, filter and bias. */
async function valueAndGrads(backendName: string, c: Case, ins: Input[]): Promise<Result[]> {
  await tf.setBackend(backendName);
  const [x, filter, bias, w] = ins.map((i) => tf.tensor(i.values, i.shape));
  const f = (xs: tf.Tensor, fs: tf.Tensor, bs: tf.Tensor) =>
    tf.fused.conv2d({
      x: xs as tf.Tensor4D,
      filter: fs as tf.Tensor4D,
      strides: c.strides,
      pad: c.pad,
      bias: c.bias ? bs : undefined,
    });
  const y = f(x, filter, bias);
  const loss = (xs: tf.Tensor, fs: tf.Tensor, bs: tf.Tensor) => tf.sum(tf.mul(f(xs, fs, bs), w));
  const grads = c.bias
    ? tf.grads(loss)([x, filter, bias])
    : tf.grads((xs: tf.Tensor, fs: tf.Tensor) => loss(xs, fs, bias))([x, filter]);
  const out = [y, ...grads];
  const results = out.map((t) => ({ shape: t.shape.slice(), values: t.dataSync() as Float32Array }));
  tf.dispose([x, filter, bias, w, ...out]);
  return results;
}

describe('tf.fused.conv2d with a per-input gradient (wasm)', () => {
  for (const c of cases) {
    test(`x ${c.x} filter ${c.filter} stride ${c.strides} pad ${c.pad} bias ${c.bias}`, async () => {
      const outShape = tf.backend_util.computeConv2DInfo(
        c.x as [number, number, number, number],
        c.filter as [number, number, number, number],
        c.strides,
        1,
        c.pad,
      ).outShape;
      const ins = [randomInput(c.x, 1), randomInput(c.filter, 2), randomInput([c.filter[3]], 3), randomInput(outShape, 4)];
      const actual = await valueAndGrads('wasm', c, ins);
      const expected = await valueAndGrads('cpu', c, ins);
      await tf.setBackend('wasm');
      ['y', 'dx', 'dfilter', 'dbias'].slice(0, actual.length).forEach((label, i) => assertClose(actual[i], expected[i], 1e-4, label));
    });
  }
  for (const [backendName, computed] of [['wasm', false], ['cpu', true]] as const) {
    test(`the input gradient of an input that is not trained is ${computed ? 'computed by the stock op on cpu with the project kernels removed' : 'not computed on wasm'}`, async () => {
    await tf.setBackend(backendName);
    const x = tf.tensor(randomInput([2, 28, 28, 1], 5).values, [2, 28, 28, 1]);
    const filter = tf.variable(tf.tensor(randomInput([5, 5, 1, 6], 6).values, [5, 5, 1, 6]));
    const bias = tf.variable(tf.zeros([6]));
    const loss = () => tf.sum(tf.fused.conv2d({ x: x as tf.Tensor4D, filter: filter as tf.Tensor4D, bias, pad: 'valid', strides: 1 })) as tf.Scalar;
    const info = await tf.profile(() => {
      const { value, grads } = tf.variableGrads(loss);
      tf.dispose([value, ...Object.values(grads)]);
    });
    const names = info.kernels.map((k) => k.name);
    assert.ok(names.includes('Conv2DBackpropFilter'), names.join(' '));
    assert.equal(names.includes('Conv2DBackpropInput'), computed, names.join(' '));
    tf.dispose([x, filter, bias]);
    });
  }
});
