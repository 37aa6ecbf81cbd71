/**
 * Each kernel the project registers for wasm, against the cpu backend's stock kernel on
 * the same inputs: the LeNet shapes (at batch 256 where a path depends on the size) and
 * others that exercise padding, strides, layouts and the fallbacks to the stock wasm kernels.
 * Each case also says which path the kernel takes with the project's wasm kernels and without
 * them (simd, composed, stock or js: ../../src/engine/kernel-paths.ts), so that a fast path
 * that stops being taken fails here rather than only slowing training down.
 */
import { before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core's Node build registers no gradients; tfjs-layers registers all of them on load.
import '@tensorflow/tfjs-layers';
import { selectBackend } from '../../src/engine';
import { unregisterProjectKernels } from '../../src/engine/kernels/registry';
import type { KernelPath } from '../../src/engine/kernel-paths';
import { compareBackends, randomInput, type Input, type PathsTaken, type Taken } from './compare';

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
  // Batches of 1, 7 and 257 (257 also stands for LeNet's 256: the stock cpu convolutions that
  // are the reference take seconds at that size, so only conv 1 runs at it); channel counts
  // that are not multiples of 4, and more than 16.
  { x: [1, 28, 28, 1], filter: [5, 5, 1, 6], strides: 1, pad: 'valid' },
  { x: [7, 12, 12, 6], filter: [5, 5, 6, 16], strides: 1, pad: 'valid' },
  { x: [257, 28, 28, 1], filter: [5, 5, 1, 6], strides: 1, pad: 'valid' },
  { x: [3, 9, 8, 5], filter: [3, 3, 5, 7], strides: 1, pad: 'same' },
  { x: [2, 7, 6, 3], filter: [2, 3, 3, 18], strides: 1, pad: 'valid' },
  { x: [2, 7, 6, 13], filter: [3, 3, 13, 3], strides: 1, pad: 'valid' },
];

/**
 * The paths of the three convolution kernels: the wasm kernels take stride 1 (the filter
 * gradient only without padding, else a convolution with batch and channels swapped); without
 * them the forward is stock and the gradients composed of the backend's Conv2D; strided
 * gradients of the input go to stock.
 */
function convPaths(c: ConvCase): { forward: PathsTaken; filter: PathsTaken; input: PathsTaken } {
  const plain = c.strides === 1;
  return {
    forward: { FusedConv2D: [plain ? 'simd' : 'stock', 'stock'] },
    filter: { Conv2DBackpropFilter: [plain && c.pad === 'valid' ? 'simd' : 'composed', 'composed'] },
    input: { Conv2DBackpropInput: plain ? ['simd', 'composed'] : ['stock', 'stock'] },
  };
}

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
        1e-4,
        convPaths(c).forward,
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
        1e-4,
        convPaths(c).filter,
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
      1e-4,
      { Conv2DBackpropFilter: ['composed', 'composed'] },
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
        1e-4,
        convPaths(c).input,
      );
    });
  }
});

describe('tf.conv2dTranspose with an outputShape that is not the input of a convolution giving dy', () => {
  // x [1,8,8,8] as dy of a 4x4 input: a stride-1 'same' convolution of 4x4 gives 4x4, not 8x8.
  // The stock kernel reads the 4x4 window the convolution implies; so must the project's.
  const cases: [number[], number[], number[], Pad][] = [
    [[1, 8, 8, 8], [8, 8, 8, 8], [1, 4, 4, 8], 'same'],
    [[2, 6, 6, 3], [3, 3, 5, 3], [2, 3, 3, 5], 'valid'],
  ];
  for (const [x, filter, outputShape, pad] of cases) {
    test(`x ${x} filter ${filter} outputShape ${outputShape} ${pad}`, async () => {
      await compareBackends('conv2dTranspose', [randomInput(x, 60), randomInput(filter, 61)], (xt, w) =>
        tf.conv2dTranspose(xt as tf.Tensor4D, w as tf.Tensor4D, outputShape as [number, number, number, number], 1, pad),
        1e-4,
        { Conv2DBackpropInput: ['stock', 'stock'] },
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
  // Operand shapes, and the paths with and without the wasm kernels. Up to SMALL_BROADCAST
  // (16384) output elements one JavaScript loop; above, a periodic operand is the wasm
  // kernels' per-channel job where the output holds whole patterns of lcm(P, 4) floats, else
  // (and without them) XNNPACK on long rows of the period repeated, or on a full-size expansion.
  const pairs: [number[], number[], Taken, Taken][] = [
    [[8, 24, 24, 6], [6], 'simd', 'composed'], // LeNet: BN scale of conv 1
    [[256, 24, 24, 6], [6], 'simd', 'composed'], // the same at batch 256
    [[8, 24, 24, 6], [1, 1, 1, 6], 'simd', 'composed'],
    [[1, 1, 1, 6], [8, 24, 24, 6], 'simd', 'composed'],
    [[6], [8, 24, 24, 6], 'simd', 'composed'],
    [[8, 8, 8, 16], [8, 16], 'js', 'js'], // period of two axes, small
    [[256, 120], [120], 'simd', 'composed'], // LeNet: dense BN
    [[2835, 6], [6], 'composed', 'composed'], // no whole pattern of 12 floats: long rows of 6 x 105
    [[4099, 6], [6], 'composed', 'composed'], // 4099 rows (prime) give no long row: full-size expansion
    [[1021, 6], [6], 'js', 'js'], // small
    [[13, 5, 6], [1, 6], 'js', 'js'],
    [[4, 5], [4, 1], 'js', 'js'], // broadcast along the last axis: small, JavaScript loop
    [[256, 10], [256, 1], 'js', 'js'], // LeNet: the loss's log-softmax and its gradient
    [[256, 1], [256, 10], 'js', 'js'],
    [[1, 24, 24, 6], [6], 'js', 'js'], // batch 1: small
    [[7, 24, 24, 6], [6], 'simd', 'composed'], // batch 7
    [[257, 84], [84], 'simd', 'composed'],
    [[3, 5, 7], [7], 'js', 'js'],
    [[3, 1, 5], [1, 4, 5], 'js', 'js'], // both broadcast: small, JavaScript loop
    [[4, 5], [], 'js', 'js'], // scalar: small, JavaScript loop
    [[], [2, 3], 'js', 'js'],
    [[200, 100], [200, 1], 'stock', 'stock'], // larger than SMALL_BROADCAST, no period: stock
    [[4, 5], [4, 5], 'js', 'js'], // same shape, small: JavaScript
    [[8, 24, 24, 6], [8, 24, 24, 6], 'simd', 'stock'], // same shape: one wasm pass on every thread
    [[257, 7, 9], [257, 7, 9], 'simd', 'stock'], // same shape, not a multiple of 4
  ];
  for (const [name, fn] of Object.entries(ops)) {
    for (const [a, b, withKernels, without] of pairs) {
      test(`${name} ${JSON.stringify(a)} ${JSON.stringify(b)}`, async () => {
        const bIn = randomInput(b, 8);
        // Keep divisors away from zero.
        if (name === 'RealDiv') bIn.values = bIn.values.map((v) => (v < 0 ? v - 0.5 : v + 0.5));
        await compareBackends(name, [randomInput(a, 7), bIn], fn, 1e-4, { [name]: [withKernels, without] });
      });
    }
  }
  test('int32 operands use the stock kernel', async () => {
    const a: Input = { shape: [2, 3], values: new Int32Array([1, 2, 3, 4, 5, 6]), dtype: 'int32' };
    const b: Input = { shape: [3], values: new Int32Array([7, 8, 9]), dtype: 'int32' };
    await compareBackends('int32 mul', [a, b], tf.mul, 1e-4, { Multiply: ['stock', 'stock'] });
  });
});

describe('Sum and Mean (leading-axes fast path)', () => {
  // Shape, axes, keepDims, and the path with the wasm kernels: their column sums from 8192
  // elements, one JavaScript loop below that and without them; other axes go to stock.
  const cases: [number[], number[], boolean, KernelPath][] = [
    [[8, 24, 24, 6], [0, 1, 2], false, 'simd'], // LeNet BN moments and bias gradient
    [[256, 24, 24, 6], [0, 1, 2], false, 'simd'], // the same at batch 256: many chunks
    [[8, 8, 8, 16], [0, 1, 2], true, 'simd'],
    [[256, 120], [0], false, 'simd'],
    [[4, 5, 6], [0, 1], true, 'js'],
    [[4, 5, 6], [1, 2], false, 'stock'], // trailing axes: stock
    [[4, 5, 6], [0, 2], false, 'stock'], // not contiguous: stock
    [[4, 5, 6], [0, 1, 2], false, 'stock'], // everything: stock
    [[7, 24, 24, 6], [0, 1, 2], false, 'simd'], // batch 7: a tail after the whole groups of 12
    [[1, 8, 8, 16], [0, 1, 2], false, 'js'],
    [[257, 120], [0], false, 'simd'],
    [[5, 3, 3, 7], [0, 1, 2], false, 'js'], // 7 channels: groups of 28 floats
    [[293, 5, 1, 7], [0, 1, 2], false, 'simd'], // the same, large, with a tail
    [[9, 5], [0], true, 'js'],
    [[3, 3, 3], [0, 1], false, 'js'],
  ];
  for (const [name, fn] of [
    ['Sum', tf.sum],
    ['Mean', tf.mean],
  ] as const) {
    for (const [shape, axes, keepDims, path] of cases) {
      test(`${name} ${JSON.stringify(shape)} axes ${axes} keepDims ${keepDims}`, async () => {
        const without = path === 'simd' ? 'js' : path;
        await compareBackends(name, [randomInput(shape, 9)], (x) => fn(x, axes, keepDims), 1e-4, { [name]: [path, without] });
      });
    }
  }
  test('negative axes', async () => {
    await compareBackends('Sum -4..-2', [randomInput([4, 3, 2, 5], 10)], (x) => tf.sum(x, [-4, -3, -2]), 1e-4, { Sum: ['js', 'js'] });
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
        {
          Conv2D: ['simd', 'stock'],
          Conv2DBackpropInput: ['simd', 'composed'],
          Conv2DBackpropFilter: ['simd', 'composed'],
          // The training BatchNorm's per-channel ops; the second BN's sums are small: a loop.
          BnlenetChannelMoments: [['simd', 'js'], 'js'],
          BnlenetChannelAffine: ['simd', 'js'],
          BnlenetChannelSums: [['simd', 'js'], 'js'],
          BnlenetChannelAffinePlus: ['simd', 'js'],
          Sigmoid: ['simd', 'stock'],
          BnlenetSigmoidGrad: ['simd', 'js'],
          AvgPool: ['simd', 'stock'],
          AvgPoolGrad: ['simd', 'js'],
          BatchMatMul: ['simd', 'composed'],
        },
      );
    }
  });
});

describe('BatchMatMul (transposed operands materialized)', () => {
  // With the wasm kernels' GEMM for rank 2; batched products (and everything without them)
  // through XNNPACK, transposed operands materialized first.
  const cases: [number[], number[], boolean, boolean, KernelPath][] = [
    [[256, 120], [256, 120], false, true, 'simd'], // LeNet dense 1: dx = dy W^T
    [[256, 256], [256, 120], true, false, 'simd'], // LeNet dense 1: dW = x^T dy
    [[2, 5, 3], [2, 5, 4], true, false, 'composed'],
    [[2, 3, 5], [2, 4, 5], false, true, 'composed'],
    [[2, 5, 3], [2, 4, 5], true, true, 'composed'],
    [[7, 3], [3, 4], false, false, 'simd'],
    [[1, 84], [84, 10], false, false, 'simd'], // batch 1, LeNet dense 3
    [[257, 120], [257, 84], true, false, 'simd'],
    [[7, 13], [5, 13], false, true, 'simd'],
    [[13, 7], [5, 13], true, true, 'simd'],
  ];
  for (const [a, b, ta, tb, path] of cases) {
    test(`${JSON.stringify(a)}${ta ? 'ᵀ' : ''} x ${JSON.stringify(b)}${tb ? 'ᵀ' : ''}`, async () => {
      await compareBackends('matMul', [randomInput(a, 16), randomInput(b, 17)], (x, y) => tf.matMul(x, y, ta, tb), 1e-4, {
        BatchMatMul: [path, 'composed'],
      });
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
        1e-4,
        { _FusedMatMul: ['simd', 'composed'] },
      );
    });
  }
});

describe('AvgPoolGrad (direct write when windows tile the input, else scatter pass)', () => {
  // The wasm kernels write the gradient of windows that tile the input; the rest, and
  // everything without them, is a JavaScript pass.
  const cases: [number[], number, number, Pad, KernelPath][] = [
    [[256, 24, 24, 6], 2, 2, 'valid', 'simd'], // LeNet pool 1 at batch 256
    [[8, 8, 8, 16], 2, 2, 'valid', 'simd'], // LeNet pool 2
    [[2, 7, 9, 3], 3, 2, 'valid', 'js'], // overlapping windows, unused edge
    [[2, 7, 9, 3], 3, 1, 'same', 'js'],
    [[2, 6, 5, 2], 2, 2, 'same', 'js'],
    [[2, 9, 6, 3], 3, 3, 'valid', 'simd'], // windows tile the input: the direct-write path
    [[2, 7, 8, 3], 2, 2, 'valid', 'js'], // non-overlapping, unused edge row: the scatter path
    [[7, 24, 24, 6], 2, 2, 'valid', 'simd'],
    [[1, 8, 8, 5], 2, 2, 'valid', 'simd'],
  ];
  for (const [shape, size, stride, pad, path] of cases) {
    test(`${JSON.stringify(shape)} pool ${size} stride ${stride} ${pad}`, async () => {
      const paths: PathsTaken = { AvgPoolGrad: [path, 'js'] };
      await compareBackends('avgPool grad', [randomInput(shape, 18)], (x) =>
        tf.grad((t: tf.Tensor) => {
          const y = tf.avgPool(t as tf.Tensor4D, size, stride, pad);
          // A seeded random output gradient (seedrandom in JS: the same on both backends).
          return tf.sum(tf.mul(y, tf.randomUniform(y.shape, -1, 1, 'float32', 19)));
        })(x),
        1e-4,
        paths,
      );
    });
  }
});

describe('Sigmoid and its gradient (one pass each)', () => {
  for (const shape of [[256, 24, 24, 6], [256, 84], [7, 8, 8, 16], [1, 5], [257, 7], [3]]) {
    test(`${JSON.stringify(shape)}`, async () => {
      const x = randomInput(shape, 40);
      x.values = x.values.map((v) => 12 * v); // both tails of the curve
      await compareBackends('sigmoid', [x], (t) => tf.sigmoid(t), 1e-6, { Sigmoid: ['simd', 'stock'] });
      await compareBackends('sigmoid grad', [x, randomInput(shape, 41)], (t, w) => tf.grad((u: tf.Tensor) => tf.sum(tf.mul(tf.sigmoid(u), w)))(t), 1e-4, {
        BnlenetSigmoidGrad: ['simd', 'js'],
      });
    });
  }
  test('saturates to 0 and 1 without NaN', async () => {
    const x: Input = { shape: [6], values: Float32Array.of(-1e4, -100, -88, 88, 100, 1e4) };
    await compareBackends('sigmoid', [x], (t) => tf.sigmoid(t), 1e-6, { Sigmoid: ['simd', 'stock'] });
  });
});

describe('Square', () => {
  for (const shape of [[8, 24, 24, 6], [257, 7, 9], [3, 5]]) {
    test(`${JSON.stringify(shape)}`, async () => {
      await compareBackends('square', [randomInput(shape, 43)], (x) => tf.square(x), 1e-6, { Square: ['simd', 'stock'] });
    });
  }
});

describe('Neg', () => {
  // The loss's [256, 10], sizes that end mid-vector and past one chunk (32,768 floats).
  for (const shape of [[256, 10], [3, 5], [33000]]) {
    test(`${JSON.stringify(shape)}`, async () => {
      await compareBackends('neg', [randomInput(shape, 44)], (x) => tf.neg(x), 0, { Neg: ['simd', 'stock'] });
    });
  }
});

describe('AvgPool (one pass when the windows tile the input)', () => {
  const cases: [number[], number, number, Pad, KernelPath][] = [
    [[256, 24, 24, 6], 2, 2, 'valid', 'simd'], // LeNet pool 1 at batch 256
    [[7, 8, 8, 16], 2, 2, 'valid', 'simd'], // LeNet pool 2, batch 7
    [[1, 6, 9, 5], 3, 3, 'valid', 'simd'],
    [[257, 4, 4, 3], 2, 2, 'valid', 'simd'],
    [[2, 7, 9, 3], 3, 2, 'valid', 'stock'], // overlapping windows: stock
    [[2, 7, 8, 3], 2, 2, 'valid', 'stock'], // an unused edge row: stock
  ];
  for (const [shape, size, stride, pad, path] of cases) {
    test(`${JSON.stringify(shape)} pool ${size} stride ${stride} ${pad}`, async () => {
      await compareBackends('avgPool', [randomInput(shape, 42)], (x) => tf.avgPool(x as tf.Tensor4D, size, stride, pad), 1e-4, {
        AvgPool: [path, 'stock'],
      });
    });
  }
});

describe('Cast (no copy for the same dtype)', () => {
  test('float32 to float32 and int32 to float32', async () => {
    // (tf.cast to the same dtype returns x without a kernel call: Cast is reached by a kernel.)
    const cast = (x: tf.Tensor) => tf.engine().runKernel('Cast', { x }, { dtype: 'float32' }) as tf.Tensor;
    await compareBackends('cast f32', [randomInput([3, 4], 20)], cast, 1e-4, { Cast: ['js', 'js'] });
    const ints: Input = { shape: [5], values: new Int32Array([1, -2, 3, 4, 5]), dtype: 'int32' };
    await compareBackends('cast i32', [ints], cast, 1e-4, { Cast: ['stock', 'stock'] });
  });
});

describe('FusedBatchNorm (per-channel pass)', () => {
  // The wasm kernels' per-channel pass, else three XNNPACK passes on long rows; statistics
  // that are not per channel go to stock.
  const cases: [number[], number[], boolean, PathsTaken][] = [
    [[256, 24, 24, 6], [6], true, { FusedBatchNorm: ['simd', 'composed'] }], // LeNet BN 1 at batch 256
    [[8, 8, 8, 16], [1, 1, 1, 16], true, { FusedBatchNorm: ['simd', 'composed'] }], // broadcast-shaped statistics
    [[256, 120], [120], true, { FusedBatchNorm: ['simd', 'composed'] }], // LeNet dense BN
    [[4, 5, 3], [3], false, { FusedBatchNorm: ['simd', 'composed'] }], // no scale or offset
    [[4, 3], [4, 3], true, { FusedBatchNorm: ['stock', 'stock'] }], // full-shape statistics: stock
    [[1, 24, 24, 6], [6], true, { FusedBatchNorm: ['simd', 'composed'] }],
    [[7, 24, 24, 6], [6], true, { FusedBatchNorm: ['simd', 'composed'] }],
    [[257, 84], [84], true, { FusedBatchNorm: ['simd', 'composed'] }],
    [[5, 3, 3, 7], [7], true, { FusedBatchNorm: ['simd', 'composed'] }],
  ];
  for (const [xShape, sShape, affine, paths] of cases) {
    test(`x ${JSON.stringify(xShape)} stats ${JSON.stringify(sShape)} ${affine ? 'with' : 'without'} scale/offset`, async () => {
      const variance = randomInput(sShape, 22);
      variance.values = variance.values.map((v) => v + 1.5);
      const ins = [randomInput(xShape, 21), randomInput(sShape, 23), variance, randomInput(sShape, 24), randomInput(sShape, 25)];
      await compareBackends('batchNorm', ins, (x, m, v, o, s) =>
        affine ? tf.batchNorm(x, m, v, o, s, 1e-5) : tf.batchNorm(x, m, v, undefined, undefined, 1e-3),
        1e-4,
        paths,
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
          1e-4,
          { FusedBatchNorm: ['simd', 'composed'] },
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
      1e-4,
      { BnlenetChannelAffinePlus: ['simd', 'js'], BnlenetChannelSums: ['js', 'js'] }, // small: the sums in a loop
    );
  });
});
