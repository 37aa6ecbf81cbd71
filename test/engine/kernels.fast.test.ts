/**
 * Each kernel the project registers for wasm, against the cpu backend's stock kernel on
 * the same inputs: the LeNet shapes and others that exercise padding, strides, layouts and
 * the fallbacks to the stock wasm kernels.
 */
import { before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core's Node build registers no gradients; tfjs-layers registers all of them on load.
import '@tensorflow/tfjs-layers';
import { selectBackend } from '../../src/engine';
import { unregisterProjectKernels } from '../../src/engine/kernels';
import { compareBackends, randomInput, type Input } from './compare';

before(async () => {
  await selectBackend({ backend: 'cpu', gpu: false });
  // The cpu backend is the reference: stock kernels only.
  unregisterProjectKernels('cpu');
  await selectBackend({ backend: 'wasm', gpu: false });
});

const runKernel = (name: string, inputs: Record<string, tf.Tensor>, attrs: object): tf.Tensor =>
  tf.engine().runKernel(name, inputs, attrs as tf.NamedAttrMap) as tf.Tensor;

type Pad = 'valid' | 'same' | number;
interface ConvCase {
  x: number[];
  filter: number[];
  strides: number;
  pad: Pad;
  format?: 'NHWC' | 'NCHW';
}

const convCases: ConvCase[] = [
  { x: [8, 28, 28, 1], filter: [5, 5, 1, 6], strides: 1, pad: 'valid' }, // LeNet conv 1
  { x: [8, 12, 12, 6], filter: [5, 5, 6, 16], strides: 1, pad: 'valid' }, // LeNet conv 2
  { x: [3, 9, 7, 4], filter: [3, 3, 4, 5], strides: 1, pad: 'same' },
  { x: [2, 10, 11, 3], filter: [4, 2, 3, 2], strides: 1, pad: 'same' },
  { x: [2, 9, 9, 3], filter: [3, 3, 3, 4], strides: 2, pad: 'valid' },
  { x: [2, 10, 9, 3], filter: [3, 3, 3, 4], strides: 2, pad: 'same' },
  { x: [2, 8, 8, 2], filter: [3, 3, 2, 3], strides: 1, pad: 1 },
  // Batches of 1, 7 and 257; channel counts that are not multiples of 4, and more than 16.
  { x: [1, 28, 28, 1], filter: [5, 5, 1, 6], strides: 1, pad: 'valid' },
  { x: [7, 12, 12, 6], filter: [5, 5, 6, 16], strides: 1, pad: 'valid' },
  { x: [257, 28, 28, 1], filter: [5, 5, 1, 6], strides: 1, pad: 'valid' },
  { x: [3, 9, 8, 5], filter: [3, 3, 5, 7], strides: 1, pad: 'same' },
  { x: [2, 7, 6, 3], filter: [2, 3, 3, 18], strides: 1, pad: 'valid' },
  { x: [2, 7, 6, 13], filter: [3, 3, 13, 3], strides: 1, pad: 'valid' },
];

function convOutShape(c: ConvCase): number[] {
  const info = tf.backend_util.computeConv2DInfo(
    c.x as [number, number, number, number],
    c.filter as [number, number, number, number],
    c.strides,
    1,
    c.pad,
  );
  return info.outShape;
}

describe('Conv2D and FusedConv2D (wasm: a direct convolution for stride 1)', () => {
  for (const c of convCases) {
    test(`x ${c.x} filter ${c.filter} stride ${c.strides} pad ${c.pad}, with bias`, async () => {
      const ins = [randomInput(c.x, 1), randomInput(c.filter, 2), randomInput([c.filter[3]], 3)];
      await compareBackends('y', ins, (x, w, b) =>
        tf.fused.conv2d({ x: x as tf.Tensor4D, filter: w as tf.Tensor4D, bias: b, strides: c.strides, pad: c.pad as 'valid' }),
      );
    });
  }
});

describe('Conv2DBackpropFilter (wasm: a direct sum for stride 1 without padding, else a conv2d with batch and channels swapped)', () => {
  for (const c of convCases) {
    test(`x ${c.x} filter ${c.filter} stride ${c.strides} pad ${c.pad}`, async () => {
      const dy = convOutShape(c);
      await compareBackends('dW', [randomInput(c.x, 1), randomInput(dy, 2)], (x, g) =>
        runKernel('Conv2DBackpropFilter', { x, dy: g }, {
          strides: c.strides,
          pad: c.pad,
          dataFormat: 'NHWC',
          filterShape: c.filter,
        }),
      );
    });
  }
  test('NCHW layout (LeNet conv 2 shapes)', async () => {
    const c = convCases[1];
    const dy = convOutShape(c);
    const toNCHW = (i: Input): Input => {
      const t = tf.tidy(() => tf.transpose(tf.tensor(i.values, i.shape), [0, 3, 1, 2]));
      const r = { shape: t.shape.slice(), values: t.dataSync() as Float32Array };
      t.dispose();
      return r;
    };
    await tf.setBackend('cpu');
    const x = toNCHW(randomInput(c.x, 3));
    const g = toNCHW(randomInput(dy, 4));
    await compareBackends('dW NCHW', [x, g], (xt, gt) =>
      runKernel('Conv2DBackpropFilter', { x: xt, dy: gt }, {
        strides: 1,
        pad: 'valid',
        dataFormat: 'NCHW',
        filterShape: c.filter,
      }),
    );
  });
});

describe('Conv2DBackpropInput (wasm: a conv2d of the padded gradient with the flipped filter)', () => {
  for (const c of convCases) {
    test(`x ${c.x} filter ${c.filter} stride ${c.strides} pad ${c.pad}`, async () => {
      const dy = convOutShape(c);
      await compareBackends('dx', [randomInput(dy, 5), randomInput(c.filter, 6)], (g, w) =>
        runKernel('Conv2DBackpropInput', { dy: g, filter: w }, {
          strides: c.strides,
          pad: c.pad,
          dataFormat: 'NHWC',
          inputShape: c.x,
        }),
      );
    });
  }
});

describe('Add, Sub, Multiply, RealDiv (channel-broadcast and small-broadcast fast paths)', () => {
  const ops: Record<string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor> = {
    Add: tf.add,
    Sub: tf.sub,
    Multiply: tf.mul,
    RealDiv: tf.div,
  };
  const pairs: [number[], number[]][] = [
    [[8, 24, 24, 6], [6]], // LeNet: BN scale of conv 1
    [[8, 24, 24, 6], [1, 1, 1, 6]],
    [[1, 1, 1, 6], [8, 24, 24, 6]],
    [[6], [8, 24, 24, 6]],
    [[8, 8, 8, 16], [8, 16]], // period of two axes
    [[256, 120], [120]], // LeNet: dense BN
    [[1021, 6], [6]], // rows with no divisor giving a long row: full-size expansion
    [[13, 5, 6], [1, 6]], // too small for a long row: full-size expansion
    [[4, 5], [4, 1]], // broadcast along the last axis: small, JavaScript loop
    [[256, 10], [256, 1]], // LeNet: the loss's log-softmax and its gradient
    [[256, 1], [256, 10]],
    [[7, 24, 24, 6], [6]], // batch 7
    [[257, 84], [84]],
    [[3, 5, 7], [7]], // no whole pattern of 28 floats: another path
    [[3, 1, 5], [1, 4, 5]], // both broadcast: small, JavaScript loop
    [[4, 5], []], // scalar: small, JavaScript loop
    [[], [2, 3]],
    [[200, 100], [200, 1]], // larger than SMALL_BROADCAST: stock
    [[4, 5], [4, 5]], // same shape, small: JavaScript
    [[8, 24, 24, 6], [8, 24, 24, 6]], // same shape: one wasm pass on every thread
    [[257, 7, 9], [257, 7, 9]], // same shape, not a multiple of 4
  ];
  for (const [name, fn] of Object.entries(ops)) {
    for (const [a, b] of pairs) {
      test(`${name} ${JSON.stringify(a)} ${JSON.stringify(b)}`, async () => {
        const bIn = randomInput(b, 8);
        // Keep divisors away from zero.
        if (name === 'RealDiv') bIn.values = bIn.values.map((v) => (v < 0 ? v - 0.5 : v + 0.5));
        await compareBackends(name, [randomInput(a, 7), bIn], fn);
      });
    }
  }
  test('int32 operands use the stock kernel', async () => {
    const a: Input = { shape: [2, 3], values: new Int32Array([1, 2, 3, 4, 5, 6]), dtype: 'int32' };
    const b: Input = { shape: [3], values: new Int32Array([7, 8, 9]), dtype: 'int32' };
    await compareBackends('int32 mul', [a, b], tf.mul);
  });
});

describe('Sum and Mean (leading-axes fast path)', () => {
  const cases: [number[], number[], boolean][] = [
    [[8, 24, 24, 6], [0, 1, 2], false], // LeNet BN moments and bias gradient
    [[8, 8, 8, 16], [0, 1, 2], true],
    [[256, 120], [0], false],
    [[4, 5, 6], [0, 1], true],
    [[4, 5, 6], [1, 2], false], // trailing axes: stock
    [[4, 5, 6], [0, 2], false], // not contiguous: stock
    [[4, 5, 6], [0, 1, 2], false], // everything: stock
    [[7, 24, 24, 6], [0, 1, 2], false], // batch 7: a tail after the whole groups of 12
    [[1, 8, 8, 16], [0, 1, 2], false],
    [[257, 120], [0], false],
    [[5, 3, 3, 7], [0, 1, 2], false], // 7 channels: groups of 28 floats
    [[9, 5], [0], true],
    [[3, 3, 3], [0, 1], false],
  ];
  for (const [name, fn] of [
    ['Sum', tf.sum],
    ['Mean', tf.mean],
  ] as const) {
    for (const [shape, axes, keepDims] of cases) {
      test(`${name} ${JSON.stringify(shape)} axes ${axes} keepDims ${keepDims}`, async () => {
        await compareBackends(name, [randomInput(shape, 9)], (x) => fn(x, axes, keepDims));
      });
    }
  }
  test('negative axes', async () => {
    await compareBackends('Sum -4..-2', [randomInput([4, 3, 2, 5], 10)], (x) => tf.sum(x, [-4, -3, -2]));
  });
});

describe('Identity (shares memory on wasm)', () => {
  test('a clone keeps its values after the original is disposed', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor([1, 2, 3, 4], [2, 2]);
    const y = tf.clone(x);
    x.dispose();
    assert.deepEqual(Array.from(y.dataSync()), [1, 2, 3, 4]);
    y.dispose();
  });
});

describe('LeNet-BN gradients on wasm match the cpu backend', () => {
  test('one training gradient of conv, BN, sigmoid, pool and dense', async () => {
    const x = randomInput([4, 28, 28, 1], 12);
    const w1 = randomInput([5, 5, 1, 6], 13);
    const w2 = randomInput([5, 5, 6, 16], 14);
    const w3 = randomInput([256, 10], 15);
    const loss = (xs: tf.Tensor, a: tf.Tensor, b: tf.Tensor, c: tf.Tensor): tf.Scalar => {
      // (tfjs needs offset and scale given for its gradient tape.)
      const bn = (t: tf.Tensor4D): tf.Tensor4D => {
        const { mean, variance } = tf.moments(t, [0, 1, 2]);
        const c = t.shape[3];
        return tf.batchNorm4d(t, mean as tf.Tensor1D, variance as tf.Tensor1D, tf.fill([c], 0.1) as tf.Tensor1D, tf.fill([c], 1.5) as tf.Tensor1D, 1e-5);
      };
      let h: tf.Tensor4D = tf.conv2d(xs as tf.Tensor4D, a as tf.Tensor4D, 1, 'valid');
      h = tf.avgPool(tf.sigmoid(bn(h)), 2, 2, 'valid') as tf.Tensor4D;
      h = tf.conv2d(h, b as tf.Tensor4D, 1, 'valid');
      h = tf.avgPool(tf.sigmoid(bn(h)), 2, 2, 'valid') as tf.Tensor4D;
      return tf.sum(tf.square(tf.matMul(tf.reshape(h, [4, 256]), c as tf.Tensor2D)));
    };
    for (const [i, name] of ['w1', 'w2', 'w3'].entries()) {
      await compareBackends(
        `d${name}`,
        [x, w1, w2, w3],
        (xs, a, b, c) => tf.grads((a2: tf.Tensor, b2: tf.Tensor, c2: tf.Tensor) => loss(xs, a2, b2, c2))([a, b, c])[i],
        1e-3,
      );
    }
  });
});

describe('BatchMatMul (transposed operands materialized)', () => {
  const cases: [number[], number[], boolean, boolean][] = [
    [[256, 120], [256, 120], false, true], // LeNet dense 1: dx = dy W^T
    [[256, 256], [256, 120], true, false], // LeNet dense 1: dW = x^T dy
    [[2, 5, 3], [2, 5, 4], true, false],
    [[2, 3, 5], [2, 4, 5], false, true],
    [[2, 5, 3], [2, 4, 5], true, true],
    [[7, 3], [3, 4], false, false],
    [[1, 84], [84, 10], false, false], // batch 1, LeNet dense 3
    [[257, 120], [257, 84], true, false],
    [[7, 13], [5, 13], false, true],
    [[13, 7], [5, 13], true, true],
  ];
  for (const [a, b, ta, tb] of cases) {
    test(`${JSON.stringify(a)}${ta ? 'ᵀ' : ''} x ${JSON.stringify(b)}${tb ? 'ᵀ' : ''}`, async () => {
      await compareBackends('matMul', [randomInput(a, 16), randomInput(b, 17)], (x, y) => tf.matMul(x, y, ta, tb));
    });
  }
});

describe('_FusedMatMul (dense layers with their bias)', () => {
  const cases: [number[], number[], boolean, boolean][] = [
    [[256, 256], [256, 120], false, false], // LeNet dense 1
    [[256, 120], [120, 84], false, false], // LeNet dense 2
    [[7, 84], [84, 10], false, false],
    [[1, 5], [7, 5], false, true],
    [[9, 257], [9, 6], true, false],
  ];
  for (const [a, b, ta, tb] of cases) {
    test(`${JSON.stringify(a)}${ta ? 'ᵀ' : ''} x ${JSON.stringify(b)}${tb ? 'ᵀ' : ''} + bias`, async () => {
      const n = tb ? b[0] : b[1];
      await compareBackends('fused matMul', [randomInput(a, 50), randomInput(b, 51), randomInput([n], 52)], (x, y, bias) =>
        tf.fused.matMul({ a: x, b: y, bias, transposeA: ta, transposeB: tb }),
      );
    });
  }
});

describe('AvgPoolGrad (direct write when windows tile the input, else scatter pass)', () => {
  const cases: [number[], number, number, Pad][] = [
    [[8, 24, 24, 6], 2, 2, 'valid'], // LeNet pool 1
    [[8, 8, 8, 16], 2, 2, 'valid'], // LeNet pool 2
    [[2, 7, 9, 3], 3, 2, 'valid'], // overlapping windows, unused edge
    [[2, 7, 9, 3], 3, 1, 'same'],
    [[2, 6, 5, 2], 2, 2, 'same'],
    [[2, 9, 6, 3], 3, 3, 'valid'], // windows tile the input: the direct-write path
    [[2, 7, 8, 3], 2, 2, 'valid'], // non-overlapping, unused edge row: the scatter path
    [[7, 24, 24, 6], 2, 2, 'valid'],
    [[1, 8, 8, 5], 2, 2, 'valid'],
  ];
  for (const [shape, size, stride, pad] of cases) {
    test(`${JSON.stringify(shape)} pool ${size} stride ${stride} ${pad}`, async () => {
      await compareBackends('avgPool grad', [randomInput(shape, 18)], (x) =>
        tf.grad((t: tf.Tensor) => {
          const y = tf.avgPool(t as tf.Tensor4D, size, stride, pad);
          // A seeded random output gradient (seedrandom in JS: the same on both backends).
          return tf.sum(tf.mul(y, tf.randomUniform(y.shape, -1, 1, 'float32', 19)));
        })(x),
      );
    });
  }
});

describe('Sigmoid and its gradient (one pass each)', () => {
  for (const shape of [[8, 24, 24, 6], [256, 84], [7, 8, 8, 16], [1, 5], [257, 7], [3]]) {
    test(`${JSON.stringify(shape)}`, async () => {
      const x = randomInput(shape, 40);
      x.values = x.values.map((v) => 12 * v); // both tails of the curve
      await compareBackends('sigmoid', [x], (t) => tf.sigmoid(t), 1e-6);
      await compareBackends('sigmoid grad', [x, randomInput(shape, 41)], (t, w) => tf.grad((u: tf.Tensor) => tf.sum(tf.mul(tf.sigmoid(u), w)))(t));
    });
  }
  test('saturates to 0 and 1 without NaN', async () => {
    const x: Input = { shape: [6], values: Float32Array.of(-1e4, -100, -88, 88, 100, 1e4) };
    await compareBackends('sigmoid', [x], (t) => tf.sigmoid(t), 1e-6);
  });
});

describe('Square', () => {
  for (const shape of [[8, 24, 24, 6], [257, 7, 9], [3, 5]]) {
    test(`${JSON.stringify(shape)}`, async () => {
      await compareBackends('square', [randomInput(shape, 43)], (x) => tf.square(x), 1e-6);
    });
  }
});

describe('Neg', () => {
  // The loss's [256, 10], sizes that end mid-vector and past one chunk (32,768 floats).
  for (const shape of [[256, 10], [3, 5], [33000]]) {
    test(`${JSON.stringify(shape)}`, async () => {
      await compareBackends('neg', [randomInput(shape, 44)], (x) => tf.neg(x), 0);
    });
  }
});

describe('AvgPool (one pass when the windows tile the input)', () => {
  const cases: [number[], number, number, Pad][] = [
    [[8, 24, 24, 6], 2, 2, 'valid'], // LeNet pool 1
    [[7, 8, 8, 16], 2, 2, 'valid'], // LeNet pool 2, batch 7
    [[1, 6, 9, 5], 3, 3, 'valid'],
    [[257, 4, 4, 3], 2, 2, 'valid'],
    [[2, 7, 9, 3], 3, 2, 'valid'], // overlapping windows: stock
    [[2, 7, 8, 3], 2, 2, 'valid'], // an unused edge row: stock
  ];
  for (const [shape, size, stride, pad] of cases) {
    test(`${JSON.stringify(shape)} pool ${size} stride ${stride} ${pad}`, async () => {
      await compareBackends('avgPool', [randomInput(shape, 42)], (x) => tf.avgPool(x as tf.Tensor4D, size, stride, pad));
    });
  }
});

describe('Cast (no copy for the same dtype)', () => {
  test('float32 to float32 and int32 to float32', async () => {
    await compareBackends('cast f32', [randomInput([3, 4], 20)], (x) => tf.cast(x, 'float32'));
    const ints: Input = { shape: [5], values: new Int32Array([1, -2, 3, 4, 5]), dtype: 'int32' };
    await compareBackends('cast i32', [ints], (x) => tf.cast(x, 'float32'));
  });
});

describe('FusedBatchNorm (per-channel pass)', () => {
  const cases: [number[], number[], boolean][] = [
    [[8, 24, 24, 6], [6], true], // LeNet BN 1
    [[8, 8, 8, 16], [1, 1, 1, 16], true], // broadcast-shaped statistics
    [[256, 120], [120], true], // LeNet dense BN
    [[4, 5, 3], [3], false], // no scale or offset
    [[4, 3], [4, 3], true], // full-shape statistics: stock
    [[7, 24, 24, 6], [6], true],
    [[257, 84], [84], true],
    [[5, 3, 3, 7], [7], true],
  ];
  for (const [xShape, sShape, affine] of cases) {
    test(`x ${JSON.stringify(xShape)} stats ${JSON.stringify(sShape)} ${affine ? 'with' : 'without'} scale/offset`, async () => {
      const variance = randomInput(sShape, 22);
      variance.values = variance.values.map((v) => v + 1.5);
      const ins = [randomInput(xShape, 21), randomInput(sShape, 23), variance, randomInput(sShape, 24), randomInput(sShape, 25)];
      await compareBackends('batchNorm', ins, (x, m, v, o, s) =>
        affine ? tf.batchNorm(x, m, v, o, s, 1e-5) : tf.batchNorm(x, m, v, undefined, undefined, 1e-3),
      );
    });
  }
});

describe("FusedBatchNorm gradient with independent statistics (tfjs-core's, on the project's kernels)", () => {
  const cases: [number[], number[]][] = [
    [[8, 24, 24, 6], [6]], // LeNet BN 1
    [[256, 84], [84]], // LeNet dense BN
  ];
  // (tfjs-core's own gradient, the reference, handles rank-1 statistics only.)
  for (const [xShape, sShape] of cases) {
    for (const [i, name] of ['x', 'mean', 'variance', 'offset', 'scale'].entries()) {
      test(`d${name}, x ${JSON.stringify(xShape)} stats ${JSON.stringify(sShape)}`, async () => {
        const variance = randomInput(sShape, 27);
        variance.values = variance.values.map((v) => v + 1.5);
        const ins = [randomInput(xShape, 26), randomInput(sShape, 28), variance, randomInput(sShape, 29), randomInput(sShape, 30)];
        await compareBackends(`d${name}`, ins, (...ts) =>
          tf.grads((x: tf.Tensor, m: tf.Tensor, v: tf.Tensor, o: tf.Tensor, sc: tf.Tensor) => {
            const y = tf.batchNorm(x, m, v, o, sc, 1e-5);
            return tf.sum(tf.mul(y, tf.randomUniform(y.shape, -1, 1, 'float32', 31)));
          })(ts)[i],
        );
      });
    }
  }
  test('the training form: statistics are the batch moments of x', async () => {
    await compareBackends('dx', [randomInput([8, 6, 6, 4], 32), randomInput([4], 33), randomInput([4], 34)], (x0, o0, s0) =>
      tf.grad((x: tf.Tensor) => {
        const { mean, variance } = tf.moments(x, [0, 1, 2]);
        const y = tf.batchNorm(x, mean, variance, o0, s0, 1e-5);
        return tf.sum(tf.mul(y, tf.randomUniform(y.shape, -1, 1, 'float32', 35)));
      })(x0),
    );
  });
});
