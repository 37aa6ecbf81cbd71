/**
 * The activation probe and the recomputed BatchNorm statistics on real LeNets (wasm, the real
 * dataset): the probe leaves the model byte for byte as it found it, measures in training mode,
 * and covers every position with or without a BatchNorm; the recomputed statistics are the true
 * mean and variance over all the images, however they are batched; evaluating with them leaves
 * the model unchanged.
 */
import { before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initializers, layers, sequential, type LayersModel } from '@tensorflow/tfjs-layers';
import { type FashionMnist } from '../../src/data/fashion-mnist';
import { firstExamples } from '../../src/data/split';
import { selectBackend } from '../../src/engine';
import { BATCHNORM_IMPLS } from '../../src/model/impls';
import { buildLeNet } from '../../src/model/lenet';
import { bookVariant } from '../../src/model/run-args';
import { ActivationProbe, histogram, PROBE_SIZE } from '../../src/train/activation-probe';
import { BatchAssembler, identityOrder } from '../../src/train/batch';
import { modelArtifacts } from '../../src/train/store/checkpoint';
import { evaluateSplit } from '../../src/train/evaluate';
import { evaluatePrecise, recomputeBatchNormStatistics } from '../../src/train/recompute-stats';
import { train } from '../../src/train/trainer';
import { RunStore } from '../../src/train/store/run-store';
import { NEVER_ABORTED } from '../../src/util/abort';
import { tempDir } from '../helpers/temp-dir';
import { FIXTURE_DIR, loadFixtureData } from '../helpers/fixture-data';

/** The test data set (real images, few of them): dataDir in the runs' arguments. */
const DATA_DIR = FIXTURE_DIR;
let data: FashionMnist;

before(async () => {
  await selectBackend({ backend: 'wasm', gpu: false });
  data = await loadFixtureData();
});

/** Every weight of the model, moving statistics included, as the bytes a save would write. */
async function weightBytes(model: LayersModel): Promise<Buffer> {
  return Buffer.from((await modelArtifacts(model)).weightData);
}

/** A LeNet trained for one short epoch, so that its moving statistics are no longer 0 and 1. */
async function trainedLeNet(t: import('node:test').TestContext, impl: (typeof BATCHNORM_IMPLS)[number]): Promise<LayersModel> {
  const model = buildLeNet(impl, 5);
  const optimizer = tf.train.sgd(1);
  await train({
    args: { ...bookVariant(impl), epochs: 1, batchSize: 128, lr: 1, seed: 5, dataDir: DATA_DIR },
    model,
    optimizer,
    train: firstExamples(data.train, 512),
    test: firstExamples(data.test, 256),
    store: new RunStore(tempDir(t)),
    observer: {},
    signal: NEVER_ABORTED,
  });
  optimizer.dispose();
  return model;
}

for (const impl of BATCHNORM_IMPLS) {
  test(`${impl}: the probe leaves every weight and moving statistic byte for byte as it was, and measures in training mode`, async (t) => {
    const model = await trainedLeNet(t, impl);
    const probe = new ActivationProbe(firstExamples(data.train, 1024), 5);
    const before = await weightBytes(model);
    const tensors = tf.memory().numTensors;
    const first = await probe.measure(model, 1);
    const second = await probe.measure(model, 1);
    assert.ok((await weightBytes(model)).equals(before), 'weights and moving statistics unchanged');
    assert.equal(tf.memory().numTensors, tensors, 'no tensor leaked');
    assert.deepEqual(second, first, 'the same batch and the same function each time');

    assert.deepEqual(first.layers.map((l) => [l.position, l.name]), [[1, 'bn1'], [2, 'bn2'], [3, 'bn3'], [4, 'bn4']]);
    const gammas = new Map((await Promise.all(model.layers.filter((l) => /^bn\d$/.test(l.name)).map(async (l) => [l.name, await l.weights[0]!.read().data()] as const))));
    for (const layer of first.layers) {
      const channels = layer.pre.mean.length;
      assert.equal(layer.post!.mean.length, channels);
      // Training mode: the output is normalized with the probe batch's own statistics, so its
      // per-channel std is |gamma| * sqrt(var / (var + eps)); with the moving averages it would not be.
      const gamma = gammas.get(layer.name)!;
      for (let c = 0; c < channels; c++) {
        const expected = Math.abs(gamma[c]!) * Math.sqrt(layer.pre.std[c]! ** 2 / (layer.pre.std[c]! ** 2 + 1e-5));
        assert.ok(Math.abs(layer.post!.std[c]! - expected) < 2e-3 * Math.max(1, expected), `${layer.name} channel ${c}: post std ${layer.post!.std[c]} vs ${expected}`);
      }
      const values = PROBE_SIZE * (layer.position <= 2 ? [24 * 24, 8 * 8][layer.position - 1]! : 1) * channels;
      for (const side of [layer.pre, layer.post!]) {
        assert.equal(side.histogram.counts.reduce((a, b) => a + b, 0), values, `${layer.name}: every value in a bin`);
        assert.equal(side.histogram.edges.length, side.histogram.counts.length + 1);
      }
    }
    model.dispose();
  });
}

test('a network without BatchNorm: the probe measures the weight layers\' outputs at positions 1 to 4, pre only', async () => {
  // The layer names every LeNet variant uses, without BatchNorm (as --impl none builds it).
  const init = { kernelInitializer: initializers.glorotUniform({ seed: 1 }) };
  const model = sequential({
    layers: [
      layers.conv2d({ name: 'conv1', inputShape: [28, 28, 1], filters: 6, kernelSize: 5, ...init }),
      layers.activation({ name: 'sigmoid1', activation: 'sigmoid' }),
      layers.averagePooling2d({ name: 'pool1', poolSize: 2, strides: 2 }),
      layers.conv2d({ name: 'conv2', filters: 16, kernelSize: 5, ...init }),
      layers.activation({ name: 'sigmoid2', activation: 'sigmoid' }),
      layers.averagePooling2d({ name: 'pool2', poolSize: 2, strides: 2 }),
      layers.flatten({ name: 'flatten' }),
      layers.dense({ name: 'dense1', units: 120, ...init }),
      layers.activation({ name: 'sigmoid3', activation: 'sigmoid' }),
      layers.dense({ name: 'dense2', units: 84, ...init }),
      layers.activation({ name: 'sigmoid4', activation: 'sigmoid' }),
      layers.dense({ name: 'dense3', units: 10, ...init }),
    ],
  });
  const record = await new ActivationProbe(firstExamples(data.train, 300), 2).measure(model, 0);
  assert.deepEqual(record.layers.map((l) => [l.position, l.name, l.post === undefined]), [
    [1, 'conv1', true],
    [2, 'conv2', true],
    [3, 'dense1', true],
    [4, 'dense2', true],
  ]);
  assert.deepEqual(record.layers.map((l) => l.pre.mean.length), [6, 16, 120, 84]);
  assert.deepEqual(await recomputeBatchNormStatistics(model, firstExamples(data.train, 300), 300, 100), []);
  model.dispose();
});

test('the probe images depend on the seed, and fewer training images than 256 are all used', async () => {
  const model = buildLeNet('custom', 0);
  const split = firstExamples(data.train, 2048);
  const [a, b, c] = await Promise.all([new ActivationProbe(split, 1).measure(model, 0), new ActivationProbe(split, 2).measure(model, 0), new ActivationProbe(split, 1).measure(model, 0)]);
  assert.deepEqual(a, c);
  assert.notDeepEqual(a.layers[0]!.pre.mean, b.layers[0]!.pre.mean);
  const small = await new ActivationProbe(firstExamples(data.train, 100), 1).measure(model, 0);
  assert.equal(small.layers[2]!.pre.histogram.counts.reduce((x, y) => x + y, 0), 100 * 120);
  model.dispose();
});

test('recomputed statistics are the mean and biased variance over all the images, however they are batched', async (t) => {
  const model = await trainedLeNet(t, 'custom');
  const split = firstExamples(data.train, 1000);
  // bn1's input is conv1 of the raw images, which no batch statistic touches: its population
  // statistics can be computed in one pass over all 500 images, independently of the batching.
  const images = 500;
  const all = new BatchAssembler(split, images).gather(identityOrder(images), 0, images);
  const conv1 = model.getLayer('conv1').apply(all.images) as tf.Tensor;
  const moments = tf.moments(conv1, [0, 1, 2]);
  const [mean, variance] = [await moments.mean.data(), await moments.variance.data()];
  tf.dispose([all.images, all.oneHot, all.labels, conv1, moments.mean, moments.variance]);
  for (const batchSize of [128, 500]) {
    const stats = await recomputeBatchNormStatistics(model, split, images, batchSize); // 128: three full batches and one of 116
    assert.deepEqual(stats.map((s) => s.name), ['bn1', 'bn2', 'bn3', 'bn4']);
    for (let c = 0; c < 6; c++) {
      assert.ok(Math.abs(stats[0]!.mean[c]! - mean[c]!) < 1e-5, `batch ${batchSize}, channel ${c}: mean ${stats[0]!.mean[c]} vs ${mean[c]}`);
      assert.ok(Math.abs(stats[0]!.variance[c]! - variance[c]!) < 1e-5 * Math.max(1, variance[c]!), `batch ${batchSize}, channel ${c}: variance`);
    }
    assert.deepEqual(stats.map((s) => s.mean.length), [6, 16, 120, 84]);
  }
  model.dispose();
});

test('evaluating with recomputed statistics leaves the model unchanged, and differs from the moving averages', async (t) => {
  const model = await trainedLeNet(t, 'builtin');
  const before = await weightBytes(model);
  const test = firstExamples(data.test, 500);
  const moving = await evaluateSplit(model, test);
  const precise = await evaluatePrecise(model, firstExamples(data.train, 512), test, 10_000, 128);
  assert.equal(precise.images, 512, 'no more images than the run trained on');
  assert.ok((await weightBytes(model)).equals(before), 'the model is as it was');
  assert.deepEqual(await evaluateSplit(model, test), moving);
  // After one short epoch the moving averages are still near their start (0 and 1), far from
  // the statistics of the weights: the two evaluations differ.
  assert.notEqual(precise.evaluation.loss, moving.loss);
  model.dispose();
});

test('histogram: equal-width bins from the smallest to the largest value, the largest in the last bin', () => {
  assert.deepEqual(histogram([0, 1, 2, 3, 4], 4), { edges: [0, 1, 2, 3, 4], counts: [1, 1, 1, 2] });
  assert.deepEqual(histogram([2, 2, 2], 4), { edges: [1.5, 2.5], counts: [3] });
});
