/**
 * The from-scratch BatchNorm against the built-in one and against the book's formula
 * computed with plain loops: same outputs, gradients and moving statistics.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { layers } from '@tensorflow/tfjs-layers';
import { BatchNorm } from '../../src/model/batchnorm-layer';
import { batchNorm } from '../../src/model/batchnorm-math';

const TOLERANCE = 1e-4;

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}

function assertClose(actual: tf.Tensor, expected: tf.Tensor, what: string): void {
  assert.deepEqual(actual.shape, expected.shape, `${what}: shape`);
  const diff = maxAbsDiff(actual, expected);
  assert.ok(diff <= TOLERANCE, `${what}: max |difference| ${diff} > ${TOLERANCE}`);
}

function pair(shape: number[]) {
  const custom = new BatchNorm({ name: 'custom' });
  const builtin = layers.batchNormalization({ name: 'builtin', momentum: 0.9, epsilon: 1e-5, axis: -1 });
  custom.build(shape);
  builtin.build(shape);
  // Give both the same non-trivial gamma and beta, so the gradient checks see them.
  const channels = shape[shape.length - 1]!;
  const gamma = tf.randomUniform([channels], 0.5, 1.5, 'float32', 7);
  const beta = tf.randomUniform([channels], -0.5, 0.5, 'float32', 8);
  for (const layer of [custom, builtin]) {
    const weights = layer.getWeights();
    layer.setWeights([gamma, beta, weights[2]!, weights[3]!]);
  }
  return { custom, builtin };
}

async function setup() {
  await tf.setBackend('cpu');
}

for (const shape of [
  [32, 10],
  [8, 6, 6, 4],
]) {
  test(`rank ${shape.length}: outputs and gradients of gamma, beta and x match the built-in`, async () => {
    await setup();
    const { custom, builtin } = pair(shape);
    const x = tf.randomNormal(shape, 3, 2, 'float32', 1);
    const upstream = tf.randomNormal(shape, 0, 1, 'float32', 2);
    const lossOf = (layer: typeof custom | typeof builtin) => (input: tf.Tensor) =>
      tf.sum(tf.mul(layer.apply(input, { training: true }) as tf.Tensor, upstream)) as tf.Scalar;
    assertClose(
      custom.apply(x, { training: true }) as tf.Tensor,
      builtin.apply(x, { training: true }) as tf.Tensor,
      'training output',
    );
    const dxCustom = tf.grad(lossOf(custom))(x);
    const dxBuiltin = tf.grad(lossOf(builtin))(x);
    assertClose(dxCustom, dxBuiltin, 'gradient of x');
    const varGrads = (layer: typeof custom | typeof builtin) =>
      tf.variableGrads(() => lossOf(layer)(x), layer.trainableWeights.map((w) => w.read() as tf.Variable)).grads;
    const gCustom = Object.values(varGrads(custom));
    const gBuiltin = Object.values(varGrads(builtin));
    assert.equal(gCustom.length, 2);
    assertClose(gCustom[0]!, gBuiltin[0]!, 'gradient of gamma');
    assertClose(gCustom[1]!, gBuiltin[1]!, 'gradient of beta');
  });

  test(`rank ${shape.length}: moving statistics after several steps match, and inference uses them`, async () => {
    await setup();
    const { custom, builtin } = pair(shape);
    for (let step = 0; step < 5; step++) {
      const x = tf.randomNormal(shape, step, 1 + step, 'float32', 10 + step);
      custom.apply(x, { training: true });
      builtin.apply(x, { training: true });
    }
    const [, , meanC, varC] = custom.getWeights();
    const [, , meanB, varB] = builtin.getWeights();
    assertClose(meanC!, meanB!, 'moving mean');
    assertClose(varC!, varB!, 'moving variance');
    // After five updates from 0 and 1, the moving statistics are neither the initial values
    // nor the last batch's: they really moved.
    assert.ok(maxAbsDiff(meanC!, tf.zerosLike(meanC!)) > 0.1, 'moving mean moved');

    const x = tf.randomNormal(shape, 5, 3, 'float32', 99);
    const inferenceCustom = custom.apply(x, { training: false }) as tf.Tensor;
    assertClose(inferenceCustom, builtin.apply(x, { training: false }) as tf.Tensor, 'inference output');
    const [gamma, beta] = custom.getWeights();
    const byMoving = tf.add(tf.mul(tf.div(tf.sub(x, meanC!), tf.sqrt(tf.add(varC!, 1e-5))), gamma!), beta!);
    assertClose(inferenceCustom, byMoving, 'inference = moving-statistics formula');
    const batchMode = custom.apply(x, { training: true }) as tf.Tensor;
    assert.ok(maxAbsDiff(inferenceCustom, batchMode) > 0.01, 'inference differs from batch statistics');
  });
}

test('the pure function matches the book formula computed with loops (rank 4, channels-last)', async () => {
  await setup();
  const [n, h, w, c] = [3, 2, 2, 2];
  const values = Array.from({ length: n * h * w * c }, (_, i) => Math.sin(i * 1.7) * 4 + (i % c));
  const x = tf.tensor4d(values, [n, h, w, c]);
  const gamma = tf.tensor1d([1.5, 0.5]);
  const beta = tf.tensor1d([0.1, -0.2]);
  const out = batchNorm({
    x,
    gamma,
    beta,
    movingMean: tf.tensor1d([0, 1]),
    movingVariance: tf.tensor1d([1, 2]),
    epsilon: 1e-5,
    momentum: 0.9,
    training: true,
  });
  const y = out.y.dataSync();
  const movingMean = out.movingMean.dataSync();
  const movingVariance = out.movingVariance.dataSync();
  for (let ch = 0; ch < c; ch++) {
    const xs = values.filter((_, i) => i % c === ch);
    const mean = xs.reduce((s, v) => s + v, 0) / xs.length;
    const variance = xs.reduce((s, v) => s + (v - mean) ** 2, 0) / xs.length; // biased
    xs.forEach((v, k) => {
      const expected = [1.5, 0.5][ch]! * ((v - mean) / Math.sqrt(variance + 1e-5)) + [0.1, -0.2][ch]!;
      assert.ok(Math.abs(y[k * c + ch]! - expected) < TOLERANCE, `y[${k},${ch}]`);
    });
    assert.ok(Math.abs(movingMean[ch]! - (0.9 * [0, 1][ch]! + 0.1 * mean)) < TOLERANCE, 'moving mean');
    assert.ok(Math.abs(movingVariance[ch]! - (0.9 * [1, 2][ch]! + 0.1 * variance)) < TOLERANCE, 'moving var');
  }
});

test('ranks other than 2, 3 and 4 are refused with a clear error', async () => {
  await setup();
  for (const shape of [[4], [2, 2, 2, 2, 2]]) {
    const layer = new BatchNorm();
    assert.throws(() => layer.apply(tf.zeros(shape), { training: true }), /rank-2 \(N, C\), rank-3 \(N, L, C\) or rank-4/);
  }
});

/**
 * The BatchNorm settings learners bring (issue 19 item 7): the book's; PyTorch's (an unbiased
 * moving variance); one with momentum 0.99 and eps 1e-7 on (N, C, L) input; Keras' and tfjs'
 * defaults (0.99, 1e-3); and a short memory (0.5).
 */
const SETTINGS = [
  { momentum: 0.9, epsilon: 1e-5, runningVariance: 'biased' },
  { momentum: 0.9, epsilon: 1e-5, runningVariance: 'unbiased' },
  { momentum: 0.99, epsilon: 1e-7, runningVariance: 'biased' },
  { momentum: 0.99, epsilon: 1e-3, runningVariance: 'biased' },
  { momentum: 0.5, epsilon: 1e-5, runningVariance: 'unbiased' },
] as const;

/** The formula in float64, channels-last (N, L, C): y, the moving statistics after one step, and dx for a given dy. */
function float64BatchNorm(
  x: Float64Array,
  dy: Float64Array,
  [n, l, c]: number[],
  p: { gamma: number[]; beta: number[]; mean: number[]; variance: number[]; momentum: number; epsilon: number; unbiased: boolean },
) {
  const count = n * l;
  const y = new Float64Array(x.length);
  const dx = new Float64Array(x.length);
  const movingMean = new Float64Array(c);
  const movingVariance = new Float64Array(c);
  for (let ch = 0; ch < c; ch++) {
    let sum = 0;
    for (let i = ch; i < x.length; i += c) sum += x[i]!;
    const mean = sum / count;
    let squares = 0;
    for (let i = ch; i < x.length; i += c) squares += (x[i]! - mean) ** 2;
    const variance = squares / count;
    const invStd = 1 / Math.sqrt(variance + p.epsilon);
    let dySum = 0;
    let dyXhat = 0;
    for (let i = ch; i < x.length; i += c) {
      const xhat = (x[i]! - mean) * invStd;
      y[i] = p.gamma[ch]! * xhat + p.beta[ch]!;
      dySum += dy[i]!;
      dyXhat += dy[i]! * xhat;
    }
    for (let i = ch; i < x.length; i += c) {
      const xhat = (x[i]! - mean) * invStd;
      dx[i] = p.gamma[ch]! * invStd * (dy[i]! - dySum / count - (xhat * dyXhat) / count);
    }
    movingMean[ch] = p.momentum * p.mean[ch]! + (1 - p.momentum) * mean;
    const followed = p.unbiased ? (variance * count) / (count - 1) : variance;
    movingVariance[ch] = p.momentum * p.variance[ch]! + (1 - p.momentum) * followed;
  }
  return { y, dx, movingMean, movingVariance };
}

function assertNear(actual: ArrayLike<number>, expected: Float64Array, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const tolerance = 1e-4 * Math.max(1, Math.abs(expected[i]!));
    assert.ok(Math.abs(actual[i]! - expected[i]!) <= tolerance, `${what}[${i}]: ${actual[i]} vs ${expected[i]} (float64)`);
  }
}

for (const setting of SETTINGS) {
  test(`rank 3 (N, L, C), momentum ${setting.momentum}, eps ${setting.epsilon}, ${setting.runningVariance} running variance: y, dx and the moving statistics match the formula in float64`, async () => {
    await setup();
    const shape = [4, 5, 3];
    const [n, l, c] = shape as [number, number, number];
    const x = Float64Array.from({ length: n * l * c }, (_, i) => Math.sin(i * 1.3) * 3 + (i % c) - 1);
    const dy = Float64Array.from({ length: x.length }, (_, i) => Math.cos(i * 0.7));
    const p = { gamma: [1.5, 0.5, -0.8], beta: [0.1, -0.2, 0.3], mean: [0, 1, -1], variance: [1, 2, 0.5] };
    const expected = float64BatchNorm(x, dy, shape, { ...p, momentum: setting.momentum, epsilon: setting.epsilon, unbiased: setting.runningVariance === 'unbiased' });
    const inputs = {
      gamma: tf.tensor1d(p.gamma),
      beta: tf.tensor1d(p.beta),
      movingMean: tf.tensor1d(p.mean),
      movingVariance: tf.tensor1d(p.variance),
      epsilon: setting.epsilon,
      momentum: setting.momentum,
      runningVariance: setting.runningVariance,
    };
    const xt = tf.tensor3d(Array.from(x), [n, l, c]);
    const out = batchNorm({ ...inputs, x: xt, training: true });
    assertNear(await out.y.data(), expected.y, 'y');
    assertNear(await out.movingMean.data(), expected.movingMean, 'moving mean');
    assertNear(await out.movingVariance.data(), expected.movingVariance, 'moving variance');
    const dyt = tf.tensor3d(Array.from(dy), [n, l, c]);
    const dx = tf.grad((input: tf.Tensor) => tf.sum(tf.mul(batchNorm({ ...inputs, x: input, training: true }).y, dyt)))(xt);
    assertNear(await dx.data(), expected.dx, 'dx');

    // Inference normalizes with the moving statistics and leaves them as they are.
    const inference = batchNorm({ ...inputs, x: xt, training: false });
    const yInference = Float64Array.from(x, (v, i) => p.gamma[i % c]! * ((v - p.mean[i % c]!) / Math.sqrt(p.variance[i % c]! + setting.epsilon)) + p.beta[i % c]!);
    assertNear(await inference.y.data(), yInference, 'inference y');
  });
}

test('the layer takes rank 3 and keeps its running-variance setting in its config, so a saved model loads back with it', async () => {
  await setup();
  const layer = new BatchNorm({ name: 'bn', momentum: 0.99, epsilon: 1e-7, runningVariance: 'unbiased' });
  const x = tf.randomNormal([4, 6, 2], 0, 1, 'float32', 3);
  (layer.apply(x, { training: true }) as tf.Tensor).dispose();
  const [, , , movingVariance] = layer.getWeights();
  const { variance } = tf.moments(x, [0, 1]);
  const unbiased = tf.mul(variance, 24 / 23);
  assertClose(movingVariance!, tf.add(tf.mul(0.99, tf.onesLike(unbiased)), tf.mul(0.01, unbiased)), 'moving variance of rank-3 input, unbiased');
  const config = layer.getConfig();
  assert.equal(config['runningVariance'], 'unbiased');
  const restored = BatchNorm.fromConfig(BatchNorm, config) as BatchNorm;
  assert.deepEqual([restored.momentum, restored.epsilon, restored.runningVariance], [0.99, 1e-7, 'unbiased']);
  const { runningVariance: _omitted, ...older } = config;
  assert.equal((BatchNorm.fromConfig(BatchNorm, older) as BatchNorm).runningVariance, 'biased', 'a model saved before the setting loads as the book\'s');
});

test('the layer serializes and is registered, so a model config loads back', async () => {
  await setup();
  const layer = new BatchNorm({ name: 'bn', momentum: 0.8, epsilon: 1e-3 });
  const config = layer.getConfig();
  assert.equal(config['momentum'], 0.8);
  assert.equal(config['epsilon'], 1e-3);
  const registered = tf.serialization.SerializationMap.getMap().classNameMap['BnlenetBatchNorm'];
  assert.ok(registered, 'BnlenetBatchNorm is in the serialization map');
});

test('lite BatchNorm: center only subtracts the batch mean, scale only divides by the batch std; both keep the moving averages', async () => {
  await setup();
  const [n, c] = [6, 3];
  const values = Array.from({ length: n * c }, (_, i) => Math.cos(i * 0.9) * 3 + i / 4);
  const x = tf.tensor2d(values, [n, c]);
  const gamma = tf.tensor1d([2, 0.5, 1]);
  const beta = tf.tensor1d([0.5, 0, -1]);
  const state = { gamma, beta, movingMean: tf.tensor1d([0, 0, 0]), movingVariance: tf.tensor1d([1, 1, 1]), epsilon: 1e-5, momentum: 0.9 };
  for (const mode of ['center', 'scale'] as const) {
    const out = batchNorm({ x, ...state, training: true, mode });
    const y = out.y.dataSync();
    for (let ch = 0; ch < c; ch++) {
      const xs = values.filter((_, i) => i % c === ch);
      const mean = xs.reduce((s, v) => s + v, 0) / n;
      const variance = xs.reduce((s, v) => s + (v - mean) ** 2, 0) / n;
      xs.forEach((v, k) => {
        const normalized = mode === 'center' ? v - mean : v / Math.sqrt(variance + 1e-5);
        const expected = [2, 0.5, 1][ch]! * normalized + [0.5, 0, -1][ch]!;
        assert.ok(Math.abs(y[k * c + ch]! - expected) < TOLERANCE, `${mode} y[${k},${ch}] ${y[k * c + ch]} vs ${expected}`);
      });
      assert.ok(Math.abs(out.movingMean.dataSync()[ch]! - 0.1 * mean) < TOLERANCE, `${mode} moving mean`);
      assert.ok(Math.abs(out.movingVariance.dataSync()[ch]! - (0.9 + 0.1 * variance)) < TOLERANCE, `${mode} moving var`);
    }
    // Inference uses the moving statistics the same lite way.
    const inference = batchNorm({ x, ...state, movingMean: tf.tensor1d([1, 2, 3]), movingVariance: tf.tensor1d([4, 4, 4]), training: false, mode }).y.dataSync();
    const expected0 = mode === 'center' ? 2 * (values[0]! - 1) + 0.5 : (2 * values[0]!) / Math.sqrt(4 + 1e-5) + 0.5;
    assert.ok(Math.abs(inference[0]! - expected0) < TOLERANCE, `${mode} inference`);
  }
});

test('lite BatchNorm center: its gradient is gamma * (dy - mean(dy)), the mean-only part of the full one', async () => {
  await setup();
  const x = tf.randomNormal([16, 5], 2, 3, 'float32', 3);
  const dy = tf.randomNormal([16, 5], 0, 1, 'float32', 4);
  const gamma = tf.tensor1d([1, 2, 3, 0.5, -1]);
  const f = (input: tf.Tensor) =>
    tf.sum(
      tf.mul(
        batchNorm({ x: input, gamma, beta: tf.zeros([5]) as tf.Tensor1D, movingMean: tf.zeros([5]) as tf.Tensor1D, movingVariance: tf.ones([5]) as tf.Tensor1D, epsilon: 1e-5, momentum: 0.9, training: true, mode: 'center' }).y,
        dy,
      ),
    ) as tf.Scalar;
  assertClose(tf.grad(f)(x), tf.mul(tf.sub(dy, tf.mean(dy, 0)), gamma), 'dx');
});

test('the layer keeps its mode in its config, so a saved lite BatchNorm loads back lite', async () => {
  await setup();
  const layer = new BatchNorm({ name: 'bn', mode: 'scale' });
  assert.equal(layer.getConfig()['mode'], 'scale');
  const clone = new BatchNorm(layer.getConfig() as ConstructorParameters<typeof BatchNorm>[0]);
  assert.equal(clone.mode, 'scale');
  assert.equal(new BatchNorm().mode, 'full');
});
