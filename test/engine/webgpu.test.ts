/**
 * The WebGPU backend on a real adapter (Mesa's lavapipe in CI): the project registers no kernel
 * and reroutes no op there; a few training steps of both BatchNorms dispatch only the kernels
 * TensorFlow.js's WebGPU package registered, also after the cpu backend has installed the
 * project's op replacements in the same process, and give the cpu backend's losses, weights and
 * moving statistics within 1e-4 (relative). The tests run in order: the first loads the stack
 * before anything else runs here.
 */
import { before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { firstExamples, type FashionMnist } from '../../src/data';
import { isInstalled, selectBackend } from '../../src/engine';
import { projectKernelNames } from '../../src/engine/kernels/registry';
import { layerOpsEnabled } from '../../src/engine/layer-ops';
import { loadWebgpu } from '../../src/engine/webgpu';
import { buildLeNet } from '../../src/model/lenet';
import { bookVariant } from '../../src/model/run-args';
import type { BatchNormImpl } from '../../src/model/impls';
import { RunStore } from '../../src/train/store/run-store';
import { train } from '../../src/train/trainer';
import { NEVER_ABORTED } from '../../src/util/abort';
import { webgpuAdapterOrSkip } from '../helpers/webgpu-stack';
import { tempDir } from '../helpers/temp-dir';
import { assertClose } from './compare';
import { FIXTURE_DIR, loadFixtureData } from '../helpers/fixture-data';

/** The test data set (real images, few of them): dataDir in the runs' arguments. */
const DATA_DIR = FIXTURE_DIR;
let data: FashionMnist;
/** The kernel functions TensorFlow.js's WebGPU package registered, before the project ran. */
let stockKernels: Map<string, tf.KernelFunc> | undefined;

before(async () => {
  data = await loadFixtureData();
});

/** Runs `fn` and returns the names of the kernels the engine dispatched meanwhile. */
async function kernelsDispatched(fn: () => Promise<unknown>): Promise<Set<string>> {
  const engine = tf.engine();
  const original = engine.runKernel;
  const names = new Set<string>();
  engine.runKernel = function (this: typeof engine, name: string, ...rest: unknown[]) {
    names.add(name);
    return (original as (...args: unknown[]) => unknown).call(this, name, ...rest);
  } as typeof engine.runKernel;
  try {
    await fn();
  } finally {
    engine.runKernel = original;
  }
  return names;
}

function assertStockKernels(used: Set<string>): void {
  assert.ok(stockKernels, 'the stock kernels were recorded');
  assert.ok(used.has('FusedConv2D') || used.has('Conv2D'), `the recorder saw the convolutions: ${[...used].join(' ')}`);
  for (const name of used) {
    const kernel = tf.getKernel(name, 'webgpu');
    assert.ok(kernel, `${name} is registered for webgpu`);
    assert.equal(kernel.kernelFunc, stockKernels.get(name), `${name} on webgpu is TensorFlow.js's own kernel`);
  }
}

interface StepRecord {
  runningLosses: number[];
  loss: number;
  trainAcc: number;
  testAcc: number;
  weights: { name: string; values: Float32Array }[];
}

/** One epoch of 3 batches of 32 real images on the current backend, seed 4. */
async function trainFewSteps(t: { name: string }, impl: BatchNormImpl, runDir: string): Promise<StepRecord> {
  const model: LayersModel = buildLeNet(impl, 4);
  const runningLosses: number[] = [];
  const result = await train({
    args: { ...bookVariant(impl), epochs: 1, batchSize: 32, lr: 1, seed: 4, dataDir: DATA_DIR },
    model,
    optimizer: tf.train.sgd(1),
    train: firstExamples(data.train, 96),
    // The batch's shapes again: lavapipe compiles each new shape's shaders for seconds.
    test: firstExamples(data.test, 32),
    store: new RunStore(runDir),
    // The running loss after every step, read as the CLI's progress bar reads it.
    observer: { lossEvery: 1, onBatch: (_done, _batches, runningLoss) => void runningLosses.push(runningLoss!) },
    signal: NEVER_ABORTED,
  });
  const weights = await Promise.all(
    model.weights.map(async (w) => ({ name: `${t.name}: ${w.originalName}`, values: (await w.read().data()) as Float32Array })),
  );
  const [m] = result.metrics;
  model.dispose();
  return { runningLosses, loss: m!.loss, trainAcc: m!.trainAcc, testAcc: m!.testAcc, weights };
}

/**
 * Within 1e-4 of the reference's largest magnitude; for the biases that feed a BatchNorm, whose
 * gradient is zero in exact arithmetic and which hold float noise around 0 (~1e-7), that
 * magnitude is taken as at least 0.01.
 */
function assertWeightClose(actual: Float32Array, expected: Float32Array, label: string): void {
  const scale = expected.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  assertClose({ shape: [], values: actual }, { shape: [], values: expected }, (1e-4 * Math.max(scale, 0.01)) / Math.max(scale, 1e-30), label);
}

function assertRelative(actual: number, expected: number, label: string): void {
  assert.ok(Math.abs(actual - expected) <= 1e-4 * Math.abs(expected), `${label}: ${actual} vs ${expected}`);
}

test('WebGPU starts with TensorFlow.js\'s own kernels: the project registers and reroutes nothing there', async (t) => {
  const adapter = await webgpuAdapterOrSkip(t);
  if (!adapter) return;
  await loadWebgpu(tf, { gpu: false }, isInstalled, {});
  stockKernels = new Map(tf.getKernelsForBackend('webgpu').map((k) => [k.kernelName, k.kernelFunc]));
  const info = await selectBackend({ backend: 'webgpu', gpu: false });
  assert.equal(info.name, 'webgpu');
  assert.equal(tf.getBackend(), 'webgpu');
  assert.match(info.device, /^webgpu \(.+\)$/);
  if (adapter.isFallbackAdapter) assert.match(info.device, /, software fallback adapter\)$/);
  assert.equal(info.packages['@tensorflow/tfjs-backend-webgpu'], '4.22.0');
  assert.deepEqual(projectKernelNames('webgpu'), []);
  assert.equal(layerOpsEnabled('webgpu'), false, 'tf.fused.conv2d, tf.moments and tf.batchNorm are not rerouted on webgpu');
});

test('a few steps of both BatchNorms on WebGPU equal the cpu backend\'s within 1e-4, on TensorFlow.js\'s own kernels', async (t) => {
  if (!(await webgpuAdapterOrSkip(t))) return;
  for (const impl of ['custom', 'builtin'] as const) {
    // cpu first: it installs the project's op replacements process-wide, and WebGPU must
    // still run only its own kernels afterwards.
    await selectBackend({ backend: 'cpu', gpu: false });
    const cpu = await trainFewSteps(t, impl, tempDir(t));
    await selectBackend({ backend: 'webgpu', gpu: false });
    let webgpu: StepRecord | undefined;
    const used = await kernelsDispatched(async () => (webgpu = await trainFewSteps(t, impl, tempDir(t))));
    assertStockKernels(used);
    assert.equal(webgpu!.runningLosses.length, 3);
    webgpu!.runningLosses.forEach((loss, i) => assertRelative(loss, cpu.runningLosses[i]!, `${impl} loss after step ${i + 1}`));
    assertRelative(webgpu!.loss, cpu.loss, `${impl} epoch loss`);
    assert.equal(webgpu!.trainAcc, cpu.trainAcc, `${impl} train acc`);
    assert.ok(Math.abs(webgpu!.testAcc - cpu.testAcc) <= 1 / 32, `${impl} test acc ${webgpu!.testAcc} vs ${cpu.testAcc}`);
    assert.equal(webgpu!.weights.length, cpu.weights.length, `${impl}: the same weights on both backends`);
    webgpu!.weights.forEach((w, i) => assertWeightClose(w.values, cpu.weights[i]!.values, w.name));
  }
});
