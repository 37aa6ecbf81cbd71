/**
 * The WebGPU traffic counters on a real adapter (lavapipe in CI): an upload, a dispatch and a
 * readback are each counted; and a training step through the trainer uploads no batch (the
 * split lives on the device), where assembling it on the host would upload its images.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../src/engine';
import { countsBetween, countWebgpuTraffic, type WebgpuCounts } from '../../src/engine/webgpu-counters';
import { buildLeNet } from '../../src/model/lenet';
import { bookVariant } from '../../src/model/run-args';
import { RunStore } from '../../src/train/store/run-store';
import { train } from '../../src/train/trainer';
import { NEVER_ABORTED } from '../../src/util/abort';
import { syntheticSplit } from '../../scripts/gpu-kit/synthetic';
import { webgpuAdapterOrSkip } from '../helpers/webgpu-stack';
import { tempDir } from '../helpers/temp-dir';

test('uploads, dispatches and readbacks are counted, and a training step uploads no batch', async (t) => {
  if (!(await webgpuAdapterOrSkip(t))) return;
  await selectBackend({ backend: 'webgpu', gpu: false });
  const read = countWebgpuTraffic();

  // Large enough that the backend does not hand the op to the CPU (it does under 1000 values).
  const start = read();
  const x = tf.range(0, 4096, 1, 'float32');
  const doubled = tf.add(x, x);
  const values = await doubled.data();
  assert.equal(values[4095], 8190);
  tf.dispose([x, doubled]);
  const simple = countsBetween(start, read());
  assert.equal(simple.uploads, 1);
  assert.equal(simple.uploadBytes, 4096 * 4);
  assert.equal(simple.dispatches, 1);
  assert.equal(simple.readbacks, 1);

  const batchSize = 32;
  const marks: WebgpuCounts[] = [];
  const dir = tempDir(t);
  await train({
    args: { ...bookVariant('custom'), epochs: 1, batchSize, lr: 1, seed: 0, dataDir: 'synthetic' },
    model: buildLeNet('custom', 0),
    optimizer: tf.train.sgd(1),
    train: syntheticSplit(3 * batchSize, 0),
    test: syntheticSplit(batchSize, 1),
    store: new RunStore(dir),
    observer: { onBatch: (done) => void (done <= 2 && marks.push(read())) },
    signal: NEVER_ABORTED,
  });
  const step = countsBetween(marks[0]!, marks[1]!);
  const batchImageBytes = batchSize * 28 * 28 * 4;
  assert.ok(step.dispatches > 50, `a LeNet step dispatches its kernels: ${step.dispatches}`);
  assert.equal(step.readbacks, 0, 'no readback within a step');
  assert.ok(step.uploadBytes < batchImageBytes / 10, `a step uploads ${step.uploadBytes} bytes, not its batch (${batchImageBytes})`);
});
