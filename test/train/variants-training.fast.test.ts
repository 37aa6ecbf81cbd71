/**
 * Each model variant really trains (wasm, the real dataset, small sizes): its loss falls, and
 * what the variant promises holds after training: frozen gamma and beta stay 1 and 0 while
 * the moving statistics follow the batches; dropping the bias before BatchNorm changes nothing
 * (the bias gets no gradient through a BatchNorm, exercise 1's answer); dropout makes a run
 * differ from the same run without it yet stay reproducible from its seed.
 */
import { before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { type FashionMnist } from '../../src/data/fashion-mnist';
import { firstExamples } from '../../src/data/split';
import { selectBackend } from '../../src/engine';
import { readBatchNormParams } from '../../src/model/batchnorm-inspect';
import { buildLeNet } from '../../src/model/lenet';
import { bookVariant, describeVariant, type ModelVariant } from '../../src/model/run-args';
import type { EpochMetrics } from '../../src/train/epoch-metrics';
import { RunStore } from '../../src/train/store/run-store';
import { train } from '../../src/train/trainer';
import { NEVER_ABORTED } from '../../src/util/abort';
import { tempDir } from '../helpers/temp-dir';
import type { TestContext } from 'node:test';
import { FIXTURE_DIR, loadFixtureData } from '../helpers/fixture-data';

/** The test data set (real images, few of them): dataDir in the runs' arguments. */
const DATA_DIR = FIXTURE_DIR;
let data: FashionMnist;

before(async () => {
  await selectBackend({ backend: 'wasm', gpu: false });
  data = await loadFixtureData();
});

/** Two epochs of 1024 examples in batches of 64 (16 steps an epoch), evaluated on 500 test images. */
async function trainVariant(t: TestContext, variant: ModelVariant, lr = 1): Promise<{ metrics: EpochMetrics[]; model: LayersModel }> {
  const args = { ...variant, epochs: 2, batchSize: 64, lr, seed: 3, dataDir: DATA_DIR };
  const model = buildLeNet(args, args.seed);
  const optimizer = tf.train.sgd(lr);
  t.after(() => {
    model.dispose();
    optimizer.dispose();
  });
  const result = await train({
    args,
    model,
    optimizer,
    train: firstExamples(data.train, 1024),
    test: firstExamples(data.test, 500),
    store: new RunStore(tempDir(t)),
    observer: {},
    signal: NEVER_ABORTED,
  });
  return { metrics: result.metrics, model };
}

function assertLossFalls(metrics: EpochMetrics[], what: string): void {
  const [first, second] = metrics.map((m) => m.loss);
  assert.ok(Number.isFinite(second) && second! < first!, `${what}: loss ${first} -> ${second}`);
}

const book = bookVariant('custom');

test('LeNet without BatchNorm (the book trains it at lr 0.9) and BatchNorm at two positions only: the loss falls', async (t) => {
  for (const [variant, lr] of [[bookVariant('none'), 0.9], [{ ...book, bnLayers: [1, 2] }, 1]] as [ModelVariant, number][]) {
    assertLossFalls((await trainVariant(t, variant, lr)).metrics, describeVariant(variant));
  }
});

test('lite BatchNorm (center only, scale only) trains: the loss falls at lr 0.1', async (t) => {
  for (const bnMode of ['center', 'scale'] as const) {
    const variant: ModelVariant = { ...book, bnMode };
    assertLossFalls((await trainVariant(t, variant, 0.1)).metrics, describeVariant(variant));
  }
});

test('frozen gamma and beta stay 1 and 0 through training while the moving statistics move, for both BatchNorms', async (t) => {
  for (const impl of ['custom', 'builtin'] as const) {
    const { metrics, model } = await trainVariant(t, { ...bookVariant(impl), freezeAffine: true });
    assertLossFalls(metrics, `${impl} frozen`);
    assert.ok(metrics[1]!.trainAcc > 0.3, `${impl} frozen learns: train acc ${metrics[1]!.trainAcc}`);
    for (const layer of await readBatchNormParams(model)) {
      assert.ok(layer.gamma.every((g) => g === 1) && layer.beta.every((b) => b === 0), `${impl} ${layer.name}: gamma ${layer.gamma[0]}, beta ${layer.beta[0]}`);
      assert.ok(layer.movingMean.some((m) => Math.abs(m) > 1e-3), `${impl} ${layer.name}: the moving mean moved`);
    }
  }
});

test('without the bias before each BatchNorm the run is the same run: that bias gets no gradient', async (t) => {
  const withBias = await trainVariant(t, book);
  const without = await trainVariant(t, { ...book, noBias: true });
  assert.ok(withBias.metrics[1]!.trainAcc > 0.4, `learns: train acc ${withBias.metrics[1]!.trainAcc}`);
  withBias.metrics.forEach((m, i) => {
    const other = without.metrics[i]!;
    assert.ok(Math.abs(m.loss - other.loss) < 1e-4, `epoch ${m.epoch}: loss ${m.loss} with bias, ${other.loss} without`);
    assert.ok(Math.abs(m.testAcc - other.testAcc) <= 0.002, `epoch ${m.epoch}: test acc ${m.testAcc} vs ${other.testAcc}`);
  });
  // The biases that were kept stayed at their initial zero, to float rounding.
  const conv1Bias = withBias.model.getLayer('conv1').getWeights()[1]!;
  assert.ok(tf.max(tf.abs(conv1Bias)).dataSync()[0]! < 1e-5);
});

test('dropout: the run differs from the same run without it, and is the same run again under the same seed', async (t) => {
  const variant: ModelVariant = { ...book, dropout: 0.5 };
  const [a, b] = [await trainVariant(t, variant), await trainVariant(t, variant)];
  assertLossFalls(a.metrics, 'dropout 0.5');
  assert.deepEqual(a.metrics.map((m) => [m.loss, m.trainAcc, m.testAcc]), b.metrics.map((m) => [m.loss, m.trainAcc, m.testAcc]));
  const plain = await trainVariant(t, book);
  assert.notEqual(a.metrics[0]!.loss, plain.metrics[0]!.loss);
});
