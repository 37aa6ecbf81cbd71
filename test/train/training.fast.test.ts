/**
 * Real training at small sizes on the default backend (wasm) with real images (the test data set): the loss
 * falls and the network learns, tensors do not leak, both variants start from the same
 * weights and take the same steps, a saved model predicts as the live one did, a divergence
 * stops the run keeping the last finite checkpoint, and a stop request is honoured after an
 * epoch's last batch.
 */
import { before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { type FashionMnist } from '../../src/data/fashion-mnist';
import { selectBackend } from '../../src/engine';
import { InterruptedError } from '../../src/errors';
import type { BatchNormImpl } from '../../src/model/impls';
import { buildLeNet } from '../../src/model/lenet';
import { bookVariant } from '../../src/model/run-args';
import { loadCheckpoint } from '../../src/train/store/checkpoint';
import { CHECKPOINT_FILE } from '../../src/train/store/layout';
import { TrainingDivergedError } from '../../src/train/divergence';
import { readModelFiles } from '../../src/train/store/model-files';
import { RunStore } from '../../src/train/store/run-store';
import type { RunArgs } from '../../src/model/run-args';
import { train, type TrainLoop } from '../../src/train/trainer';
import { firstExamples } from '../../src/data/split';
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

function loop(runDir: string, impl: BatchNormImpl, overrides: Partial<Omit<TrainLoop, 'args'>> & { args?: Partial<RunArgs> } = {}): TrainLoop {
  const args: RunArgs = { ...bookVariant(impl), epochs: 3, batchSize: 256, lr: 1, seed: 3, dataDir: DATA_DIR, ...overrides.args };
  return {
    model: buildLeNet(args, args.seed),
    optimizer: tf.train.sgd(args.lr),
    train: firstExamples(data.train, 1024),
    test: firstExamples(data.test, 1000),
    store: new RunStore(runDir),
    observer: {},
    signal: NEVER_ABORTED,
    ...overrides,
    args,
  };
}

test('a short real run lowers the loss, learns well above chance, and keeps the tensor count flat', async (t) => {
  const tensorsAfterEpoch: number[] = [];
  const result = await train(
    loop(tempDir(t), 'custom', {
      train: firstExamples(data.train, 2048),
      observer: { onEpochEnd: () => void tensorsAfterEpoch.push(tf.memory().numTensors) },
    }),
  );
  const losses = result.metrics.map((m) => m.loss);
  assert.equal(losses.length, 3);
  assert.ok(losses[2]! < losses[1]! && losses[1]! < losses[0]!, `loss falls every epoch: ${losses.join(' -> ')}`);
  assert.ok(result.metrics[2]!.trainAcc > 0.5, `train acc ${result.metrics[2]!.trainAcc} > 0.5 (chance is 0.1)`);
  // Test accuracy jumps between epochs at lr 1.0 (GUIDE.md); the best epoch must be far above chance.
  const bestTest = Math.max(...result.metrics.map((m) => m.testAcc));
  assert.ok(bestTest > 0.55, `best test acc ${bestTest} > 0.55`);
  // examples/sec is the examples over the training seconds, per epoch and for the run.
  for (const m of result.metrics) assert.ok(Math.abs(m.examplesPerSec * m.trainSeconds - 2048) < 1e-6 * 2048, `epoch ${m.epoch}`);
  assert.ok(Math.abs(result.examplesPerSec * result.trainSeconds - 3 * 2048) < 1e-6 * 2048);
  assert.equal(tensorsAfterEpoch[1], tensorsAfterEpoch[0], `tensors per epoch: ${tensorsAfterEpoch.join(', ')}`);
  assert.equal(tensorsAfterEpoch[2], tensorsAfterEpoch[0], `tensors per epoch: ${tensorsAfterEpoch.join(', ')}`);
});

test('a step that throws mid-epoch (here the observer) leaves no tensor of the epoch behind', async (t) => {
  const failing = loop(tempDir(t), 'custom', {
    observer: {
      onBatch: (b) => {
        if (b === 2) throw new Error('observer failed');
      },
    },
  });
  // The first step creates what lives as long as the model (the BatchNorms' written moving statistics).
  await train({ ...failing, args: { ...failing.args, epochs: 1 }, train: firstExamples(data.train, 256) });
  const before = tf.memory().numTensors;
  await assert.rejects(train(failing), /observer failed/);
  assert.equal(tf.memory().numTensors, before, 'the running sums and the batch-size scalars were disposed');
});

test('custom and built-in start from the same weights and take the same steps: one training BatchNorm', async (t) => {
  const custom = loop(tempDir(t), 'custom', { args: { epochs: 1 } });
  const builtin = loop(tempDir(t), 'builtin', { args: { epochs: 1 } });
  const weightsOf = (m: tfl.LayersModel) =>
    m.layers.filter((l) => l.name.startsWith('conv') || l.name.startsWith('dense')).flatMap((l) => l.getWeights());
  const [a, b] = [weightsOf(custom.model), weightsOf(builtin.model)];
  assert.equal(a.length, 10);
  a.forEach((w, i) => assert.deepEqual(Array.from(w.dataSync()), Array.from(b[i]!.dataSync()), `weight ${i}`));
  const [rc, rb] = [await train(custom), await train(builtin)];
  // Both BatchNorms train through the engine's one training BatchNorm (src/engine/
  // batch-norm-training.ts), so every step is the same to the bit; only the moving averages,
  // which each layer updates its own way, and so the test accuracy, may differ.
  assert.equal(rc.metrics[0]!.loss, rb.metrics[0]!.loss, 'the same training loss');
  assert.ok(Math.abs(rc.metrics[0]!.testAcc - rb.metrics[0]!.testAcc) <= 0.01);
});

test('the model files an epoch end writes load back and predict exactly as the live model', async (t) => {
  const dir = tempDir(t);
  const l = loop(dir, 'custom', { args: { epochs: 1 } });
  await train(l);
  const files = await readModelFiles(dir);
  assert.equal(files.marker?.epoch, 1, 'model.json says which epoch its weights are from');
  const loaded = await tfl.loadLayersModel(tf.io.fromMemory(files.artifacts));
  const x = tf.tensor4d(Float32Array.from(data.test.images.subarray(0, 64 * 784), (v) => v / 255), [64, 28, 28, 1]);
  const before = (l.model.predict(x) as tf.Tensor).dataSync();
  const after = (loaded.predict(x) as tf.Tensor).dataSync();
  assert.deepEqual(Array.from(after), Array.from(before));
  assert.equal(loaded.layers[1]!.getClassName(), 'BnlenetBatchNorm');
});

test('a loss that becomes NaN or infinite stops the run, keeps the last finite checkpoint and says so', async (t) => {
  const dir = tempDir(t);
  const optimizer = tf.train.sgd(1);
  const l = loop(dir, 'custom', {
    optimizer,
    // After a healthy epoch 1, an absurd learning rate makes epoch 2 diverge.
    observer: { onEpochEnd: () => optimizer.setLearningRate(1e38) },
  });
  const error = await train(l).then(
    () => assert.fail('the run should diverge'),
    (err: unknown) => err,
  );
  assert.ok(error instanceof TrainingDivergedError);
  assert.match(error.message, /diverged: the loss or the weights became NaN or infinite in epoch 2/);
  assert.match(error.hint!, /keeps its last finite checkpoint \(the end of epoch 1\).*start a new run with a smaller --lr than 1/);
  assert.doesNotMatch(error.hint!, /--resume/);
  assert.ok(existsSync(path.join(dir, CHECKPOINT_FILE)));
  const checkpoint = await loadCheckpoint(dir); // refuses non-finite weights, so this proves them finite
  assert.equal(checkpoint.position.epoch, 2, 'checkpoint is the end of epoch 1');
  assert.equal(checkpoint.position.metrics.length, 1);
  assert.equal(JSON.parse(readFileSync(path.join(dir, CHECKPOINT_FILE), 'utf8')).args.impl, 'custom');
});

test('a stop requested during an epoch\'s only batch is honoured there: checkpoint, then InterruptedError', async (t) => {
  const dir = tempDir(t);
  const controller = new AbortController();
  const epochsSeen: number[] = [];
  const l = loop(dir, 'builtin', {
    train: firstExamples(data.train, 256),
    signal: controller.signal,
    observer: { onBatch: () => controller.abort(), onEpochEnd: (m) => void epochsSeen.push(m.epoch) },
  });
  await assert.rejects(train(l), (err: unknown) => err instanceof InterruptedError && /epoch 1\/3 after batch 1\/1/.test(err.message));
  assert.deepEqual(epochsSeen, [], 'no further epoch trained');
  const checkpoint = await loadCheckpoint(dir);
  assert.deepEqual([checkpoint.position.epoch, checkpoint.position.nextBatch], [1, 1]);
});
