/**
 * The GPU kit's child process: trains one BatchNorm variant on one backend through the
 * project's own training loop (src/train/trainer.ts) on synthetic batches, and prints one JSON
 * line (TrainChildOutput). measure.ts runs it once per variant and backend.
 *
 *   node dist/scripts/gpu-kit/train-child.js --backend webgpu --impl custom \
 *     --batch-size 256 --steps 20 --epochs 3 --check-steps 3
 *
 * Timing (--epochs E >= 2, --steps >= 2): E epochs of --steps batches each. Epoch 1 is the warm-up
 * (it compiles every shader a step needs); the rate is that of epochs 2..E as the trainer
 * measures them (from epoch start to the read of the epoch's sums, which waits for the GPU).
 * No running loss is read meanwhile, so the per-step counts are those of a step as a run
 * without a progress bar does it; they are taken over one step of epoch 2.
 *
 * Check (--check-steps K): a fresh model trains K batches, reading the running loss after each
 * one; the losses and every weight after them are printed, for measure.ts to compare between
 * backends.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { firstExamples, type Split } from '../../src/data';
import { selectBackend } from '../../src/engine';
import { countsBetween, countWebgpuTraffic, type WebgpuCounts } from '../../src/engine/webgpu-counters';
import { BATCHNORM_IMPLS, type BatchNormImpl } from '../../src/model/impls';
import { buildLeNet } from '../../src/model/lenet';
import { bookVariant } from '../../src/model/run-args';
import type { EpochMetrics } from '../../src/train/epoch-metrics';
import { RunStore } from '../../src/train/store/run-store';
import { train, type TrainObserver } from '../../src/train/trainer';
import { NEVER_ABORTED } from '../../src/util/abort';
import { syntheticSplit } from './synthetic';

/** The seed of the model and the synthetic data alike. */
export const KIT_SEED = 0;

export interface TimingOutput {
  /** Every epoch as the trainer measured it; epoch 1 is the warm-up. */
  epochs: Pick<EpochMetrics, 'epoch' | 'loss' | 'trainSeconds' | 'examplesPerSec'>[];
  /** WebGPU only: one training step's traffic, and one epoch end's (sums, evaluation, files). */
  perStep?: WebgpuCounts;
  perEpochEnd?: WebgpuCounts;
}

export interface CheckOutput {
  /** The running loss after each step (the epoch's mean so far). */
  runningLosses: number[];
  weights: { name: string; values: number[] }[];
}

export interface TrainChildOutput {
  backend: string;
  device: string;
  impl: BatchNormImpl;
  batchSize: number;
  timing?: TimingOutput;
  check?: CheckOutput;
}

interface RunPlan {
  impl: BatchNormImpl;
  batchSize: number;
  epochs: number;
  train: Split;
  test: Split;
  observer: TrainObserver;
}

async function trainOnce(plan: RunPlan): Promise<{ metrics: EpochMetrics[]; model: LayersModel }> {
  const runDir = await mkdtemp(path.join(tmpdir(), 'bnlenet-gpu-kit-'));
  const model = buildLeNet(plan.impl, KIT_SEED);
  try {
    const result = await train({
      args: { ...bookVariant(plan.impl), epochs: plan.epochs, batchSize: plan.batchSize, lr: 1, seed: KIT_SEED, dataDir: 'synthetic' },
      model,
      optimizer: tf.train.sgd(1),
      train: plan.train,
      test: plan.test,
      store: new RunStore(runDir),
      observer: plan.observer,
      signal: NEVER_ABORTED,
    });
    return { metrics: result.metrics, model };
  } finally {
    await rm(runDir, { recursive: true, force: true });
  }
}

async function timing(impl: BatchNormImpl, batchSize: number, steps: number, epochs: number, data: Split, test: Split, counting: boolean): Promise<TimingOutput> {
  const read = counting ? countWebgpuTraffic() : undefined;
  let epoch = 0;
  const marks: Record<string, WebgpuCounts> = {};
  const mark = (name: string) => {
    if (read) marks[name] = read();
  };
  const { metrics, model } = await trainOnce({
    impl,
    batchSize,
    epochs,
    train: firstExamples(data, steps * batchSize),
    test,
    observer: {
      onEpochStart: (e) => void (epoch = e),
      onBatch: (done, batches) => {
        if (epoch !== 2) return;
        // One step: the second of epoch 2 (the counts are the same for every full batch).
        // The last batch marks where the epoch's end begins.
        if (done === 1) mark('stepStart');
        if (done === 2) mark('stepEnd');
        if (done === batches) mark('epochEndStart');
      },
      onEpochEnd: (m) => void (m.epoch === 2 && mark('epochEnd')),
    },
  });
  model.dispose();
  const output: TimingOutput = {
    epochs: metrics.map((m) => ({ epoch: m.epoch, loss: m.loss, trainSeconds: m.trainSeconds, examplesPerSec: m.examplesPerSec })),
  };
  if (read) {
    output.perStep = countsBetween(marks.stepStart!, marks.stepEnd!);
    output.perEpochEnd = countsBetween(marks.epochEndStart!, marks.epochEnd!);
  }
  return output;
}

async function check(impl: BatchNormImpl, batchSize: number, steps: number, data: Split, test: Split): Promise<CheckOutput> {
  const runningLosses: number[] = [];
  const { model } = await trainOnce({
    impl,
    batchSize,
    epochs: 1,
    train: firstExamples(data, steps * batchSize),
    test,
    observer: { lossEvery: 1, onBatch: (_done, _batches, loss) => void runningLosses.push(loss!) },
  });
  const weights = [];
  for (const w of model.weights) weights.push({ name: w.originalName, values: Array.from(await w.read().data()) });
  model.dispose();
  return { runningLosses, weights };
}

async function main(): Promise<string> {
  const { values } = parseArgs({
    options: {
      backend: { type: 'string' },
      impl: { type: 'string' },
      'batch-size': { type: 'string', default: '256' },
      steps: { type: 'string', default: '0' },
      epochs: { type: 'string', default: '0' },
      'check-steps': { type: 'string', default: '0' },
    },
  });
  const impl = BATCHNORM_IMPLS.find((name) => name === values.impl);
  if (impl === undefined) throw new Error(`--impl ${BATCHNORM_IMPLS.join('|')} is required`);
  if (values.backend !== 'webgpu' && values.backend !== 'wasm') throw new Error('--backend webgpu|wasm is required');
  const [batchSize, steps, epochs, checkSteps] = [values['batch-size'], values.steps, values.epochs, values['check-steps']].map(Number) as [number, number, number, number];
  const info = await selectBackend({ backend: values.backend, gpu: false });
  // One set of synthetic images for both runs: the check trains on its first batches.
  const data = syntheticSplit(Math.max(steps, checkSteps) * batchSize, KIT_SEED);
  // One test batch of the training batches' shape: a new shape would compile new shaders.
  const test = syntheticSplit(batchSize, KIT_SEED + 1);
  const output: TrainChildOutput = { backend: info.name, device: info.device, impl, batchSize };
  if (epochs >= 2 && steps >= 2) output.timing = await timing(impl, batchSize, steps, epochs, data, test, info.name === 'webgpu');
  if (checkSteps >= 1) output.check = await check(impl, batchSize, checkSteps, data, test);
  return `${JSON.stringify(output)}\n`;
}

// An explicit exit: nothing of the backend (wasm threads, Dawn) may keep the child alive; but
// only once the line (a megabyte: every weight) is out, as a pipe takes it in parts.
main().then(
  (line) => process.stdout.write(line, () => process.exit(0)),
  (err: unknown) => {
    process.stderr.write(`train-child: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
