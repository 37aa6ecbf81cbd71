/**
 * The model variants of the chapter's exercises as the builder makes them: which layers,
 * named as the contract fixes, with or without biases, trainable or not, lite or full; the
 * same initial kernels under the same seed; impossible variants refused; and every variant
 * saved and loaded back as it was built.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { buildLeNet } from '../../src/model/lenet';
import { bookVariant, describeVariant, runArgsProblem, type ModelVariant } from '../../src/model/run-args';
import type { ModelImpl } from '../../src/model/impls';

const variant = (impl: ModelImpl, over: Partial<ModelVariant> = {}): ModelVariant => ({ ...bookVariant(impl), ...over });
const names = (model: tfl.LayersModel) => model.layers.map((l) => l.name);
const layer = (model: tfl.LayersModel, name: string) => model.getLayer(name);

async function setup() {
  await tf.setBackend('cpu');
}

test("the book's LeNet-BN and the plain LeNet: layer names fixed by position", async () => {
  await setup();
  assert.deepEqual(names(buildLeNet('custom', 0)), [
    'conv1', 'bn1', 'sigmoid1', 'pool1', 'conv2', 'bn2', 'sigmoid2', 'pool2', 'flatten',
    'dense1', 'bn3', 'sigmoid3', 'dense2', 'bn4', 'sigmoid4', 'dense3',
  ]);
  assert.deepEqual(names(buildLeNet('none', 0)), [
    'conv1', 'sigmoid1', 'pool1', 'conv2', 'sigmoid2', 'pool2', 'flatten', 'dense1', 'sigmoid3', 'dense2', 'sigmoid4', 'dense3',
  ]);
  assert.deepEqual(names(buildLeNet(variant('builtin', { bnLayers: [2, 4] }), 0)).filter((n) => n.startsWith('bn')), ['bn2', 'bn4']);
  assert.equal(layer(buildLeNet('builtin', 0), 'bn1').getClassName(), 'BatchNormalization');
  assert.equal(layer(buildLeNet('custom', 0), 'bn1').getClassName(), 'BnlenetBatchNorm');
});

test('dropout sits after the sigmoids of dense1 and dense2, with or without BatchNorm', async () => {
  await setup();
  const withBn = names(buildLeNet(variant('custom', { dropout: 0.5 }), 0));
  assert.deepEqual(withBn.slice(withBn.indexOf('dense1')), ['dense1', 'bn3', 'sigmoid3', 'dropout3', 'dense2', 'bn4', 'sigmoid4', 'dropout4', 'dense3']);
  const plain = names(buildLeNet(variant('none', { dropout: 0.2 }), 0));
  assert.deepEqual(plain.slice(plain.indexOf('dense1')), ['dense1', 'sigmoid3', 'dropout3', 'dense2', 'sigmoid4', 'dropout4', 'dense3']);
  assert.equal(layer(buildLeNet(variant('none', { dropout: 0.2 }), 0), 'dropout4').getConfig()['rate'], 0.2);
});

test('--no-bias drops the bias of exactly the layers that feed a BatchNorm', async () => {
  await setup();
  const model = buildLeNet(variant('custom', { bnLayers: [2, 3], noBias: true }), 0);
  const hasBias = (name: string) => layer(model, name).getConfig()['useBias'];
  assert.deepEqual(['conv1', 'conv2', 'dense1', 'dense2', 'dense3'].map(hasBias), [true, false, false, true, true]);
  assert.equal(layer(model, 'conv2').getWeights().length, 1, 'conv2 holds a kernel only');
});

test('--freeze-affine: gamma and beta are not among the trainable weights, for both BatchNorms', async () => {
  await setup();
  for (const impl of ['custom', 'builtin'] as const) {
    const frozen = buildLeNet(variant(impl, { freezeAffine: true }), 0);
    const trained = frozen.trainableWeights.map((w) => w.originalName.split('/').pop());
    assert.deepEqual(trained, ['kernel', 'bias', 'kernel', 'bias', 'kernel', 'bias', 'kernel', 'bias', 'kernel', 'bias'], impl);
    const book = buildLeNet(impl, 0);
    assert.equal(book.trainableWeights.length, 10 + 8, `${impl}: the book's trains gamma and beta of 4 layers`);
  }
});

test('every variant starts from the same kernels under the same seed', async () => {
  await setup();
  const kernels = (model: tfl.LayersModel) =>
    ['conv1', 'conv2', 'dense1', 'dense2', 'dense3'].map((n) => Array.from(layer(model, n).getWeights()[0]!.dataSync()));
  const book = kernels(buildLeNet('custom', 5));
  for (const v of [variant('none', { dropout: 0.5 }), variant('builtin', { noBias: true, bnLayers: [1] }), variant('custom', { bnMode: 'scale' })]) {
    assert.deepEqual(kernels(buildLeNet(v, 5)), book, describeVariant(v));
  }
  assert.notDeepEqual(kernels(buildLeNet('custom', 6)), book);
});

test('impossible variants are refused with the reason', () => {
  const cases: [ModelVariant, RegExp][] = [
    [variant('none', { bnLayers: [1] }), /--bn-layers cannot go with --impl none/],
    [variant('none', { noBias: true }), /--no-bias cannot go with --impl none/],
    [variant('none', { freezeAffine: true }), /--freeze-affine cannot go with --impl none/],
    [variant('none', { bnMode: 'center' }), /--bn-mode center cannot go with --impl none/],
    [variant('builtin', { bnMode: 'scale' }), /--bn-mode scale needs --impl custom: the built-in BatchNorm/],
    [variant('custom', { bnLayers: [] }), /--bn-layers needs at least one position/],
    [variant('custom', { dropout: 1 }), /--dropout 1: a dropout rate is from 0 up to but not including 1/],
  ];
  for (const [v, reason] of cases) {
    assert.match(runArgsProblem(v) ?? '', reason);
    assert.throws(() => buildLeNet(v, 0), reason);
  }
  assert.equal(runArgsProblem(variant('builtin', { bnLayers: [3], noBias: true, freezeAffine: true, dropout: 0.5 })), undefined);
});

test('a saved variant loads back as it was built: layers, biases, trainability, lite mode, dropout', async () => {
  await setup();
  const v = variant('custom', { bnLayers: [1, 3], noBias: true, freezeAffine: true, bnMode: 'center', dropout: 0.3 });
  const model = buildLeNet(v, 2);
  const saved = await (async () => {
    let artifacts: tf.io.ModelArtifacts | undefined;
    await model.save(tf.io.withSaveHandler(async (a) => ((artifacts = a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })));
    return artifacts!;
  })();
  const loaded = await tfl.loadLayersModel(tf.io.fromMemory(saved));
  assert.deepEqual(names(loaded), names(model));
  assert.equal(loaded.trainableWeights.length, model.trainableWeights.length);
  assert.equal(layer(loaded, 'bn3').getConfig()['mode'], 'center');
  assert.equal(layer(loaded, 'bn3').trainable, false);
  assert.equal(layer(loaded, 'conv1').getConfig()['useBias'], false);
  assert.equal(layer(loaded, 'conv2').getConfig()['useBias'], true);
  assert.equal(layer(loaded, 'dropout3').getConfig()['rate'], 0.3);
  const x = tf.randomUniform([4, 28, 28, 1], 0, 1, 'float32', 1);
  assert.deepEqual(Array.from((loaded.predict(x) as tf.Tensor).dataSync()), Array.from((model.predict(x) as tf.Tensor).dataSync()));
});

test('the variant in words, for run lines and chart titles', () => {
  assert.equal(describeVariant(bookVariant('custom')), 'LeNet-BN (custom BatchNorm)');
  assert.equal(describeVariant(variant('none', { dropout: 0.5 })), 'LeNet (no BatchNorm, dropout 0.5)');
  assert.equal(
    describeVariant(variant('builtin', { bnLayers: [1, 2], noBias: true, freezeAffine: true })),
    'LeNet-BN (builtin BatchNorm at 1,2; no bias before BatchNorm; gamma and beta frozen)',
  );
  assert.equal(describeVariant(variant('custom', { bnMode: 'center' })), 'LeNet-BN (custom BatchNorm; center only)');
});
