/**
 * Bench child for the WebGPU figure (see webgpu.ts): trains one BatchNorm variant on
 * `--backend webgpu` through the project's training loop for a few warm-up and timed steps,
 * and prints one JSON line (WebgpuChildOutput).
 *
 *   node dist/scripts/bench/webgpu-child.js --impl custom --batch-size 256 --data-dir data
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { firstExamples, loadFashionMnist } from '../../src/data';
import { selectBackend } from '../../src/engine';
import { countsBetween, countWebgpuTraffic, type WebgpuCounts } from '../../src/engine/webgpu-counters';
import { buildLeNet } from '../../src/model/lenet';
import { bookVariant } from '../../src/model/run-args';
import { RunStore } from '../../src/train/store/run-store';
import { train } from '../../src/train/trainer';
import { NEVER_ABORTED } from '../../src/util/abort';
import { IMPLS, type Impl } from './report';
import { WEBGPU_TIMED_STEPS, WEBGPU_WARMUP_STEPS, type WebgpuChildOutput } from './webgpu';

async function child(): Promise<void> {
  const { values } = parseArgs({
    options: { impl: { type: 'string' }, 'batch-size': { type: 'string' }, 'data-dir': { type: 'string' } },
  });
  const impl = values.impl as Impl;
  if (!IMPLS.includes(impl)) throw new Error('--impl custom|builtin is required');
  const batchSize = Number(values['batch-size'] ?? 256);
  const backend = await selectBackend({ backend: 'webgpu', gpu: false });
  const data = await loadFashionMnist(values['data-dir'] ?? 'data');
  const runDir = await mkdtemp(path.join(tmpdir(), 'bnlenet-bench-webgpu-'));
  let started = 0;
  let seconds = 0;
  // The traffic of one step: the one after the warm-up, which reads no running loss (the
  // counts are the same for every full batch).
  const readCounts = countWebgpuTraffic();
  const marks: WebgpuCounts[] = [];
  try {
    // WebGPU queues work without waiting for it: a read of the running loss waits for every
    // queued step. The loop reads it every WEBGPU_WARMUP_STEPS batches; the read after the
    // warm-up starts the clock and the one after the last step stops it.
    const steps = WEBGPU_WARMUP_STEPS + WEBGPU_TIMED_STEPS;
    await train({
      args: { ...bookVariant(impl), epochs: 1, batchSize, lr: 1, seed: 0, dataDir: values['data-dir'] ?? 'data' },
      model: buildLeNet(impl, 0),
      optimizer: tf.train.sgd(1),
      train: firstExamples(data.train, steps * batchSize),
      test: firstExamples(data.test, batchSize),
      store: new RunStore(runDir),
      observer: {
        lossEvery: WEBGPU_WARMUP_STEPS,
        onBatch: (done) => {
          if (done === WEBGPU_WARMUP_STEPS) started = performance.now();
          if (done === WEBGPU_WARMUP_STEPS || done === WEBGPU_WARMUP_STEPS + 1) marks.push(readCounts());
          if (done === steps) seconds = (performance.now() - started) / 1000;
        },
      },
      signal: NEVER_ABORTED,
    });
  } finally {
    await rm(runDir, { recursive: true, force: true });
  }
  const output: WebgpuChildOutput = {
    device: backend.device,
    impl,
    examplesPerSec: (WEBGPU_TIMED_STEPS * batchSize) / seconds,
    seconds,
    perStep: countsBetween(marks[0]!, marks[1]!),
  };
  process.stdout.write(`${JSON.stringify(output)}\n`);
}

// An explicit exit, as train-once.ts does: nothing of the backend may keep the child alive.
child().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`webgpu: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
