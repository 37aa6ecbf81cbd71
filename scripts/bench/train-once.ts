/**
 * Bench child: one training run of one BatchNorm variant, in a process of its own, on the
 * backend `bnlenet train` picks by default, through the same runTraining the CLI uses (into a
 * temporary run dir). Then one timed inference pass over the test set with the saved model.
 * Prints one JSON line (TrainOnceOutput) on stdout.
 *
 *   node dist/scripts/bench/train-once.js --impl custom --epochs 3 --limit 10000 \
 *     --batch-size 256 --data-dir data
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { FashionMnist } from '../../src/data/fashion-mnist';
import { prepareDataset } from '../../src/data/prepare';
import { selectBackend } from '../../src/engine';
import { BATCHNORM_IMPLS, type BatchNormImpl } from '../../src/model/impls';
import { bookVariant } from '../../src/model/run-args';
import type { EpochMetrics } from '../../src/train/epoch-metrics';
import { accuracyOn } from '../../src/train/evaluate';
import { runTraining } from '../../src/train/run-training';
import { NEVER_ABORTED } from '../../src/util/abort';
import { openSavedRun } from '../../src/train/store/saved-run';
import { median, type EpochTiming } from './stats';

export interface TrainOnceOutput {
  device: string;
  packages: Record<string, string>;
  epochs: (EpochTiming & { loss: number; trainAcc: number; testAcc: number })[];
  /** seconds: the median of `passes` timed passes over the test set. */
  inference: { examples: number; seconds: number; accuracy: number; passes: number };
}

/** Timed inference passes after the warm-up one. */
const INFERENCE_PASSES = 5;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      impl: { type: 'string' },
      epochs: { type: 'string' },
      limit: { type: 'string' },
      'batch-size': { type: 'string' },
      'data-dir': { type: 'string' },
      seed: { type: 'string', default: '0' },
    },
  });
  const impl = BATCHNORM_IMPLS.find((name: BatchNormImpl) => name === values.impl);
  if (impl === undefined) throw new Error(`--impl ${BATCHNORM_IMPLS.join('|')} is required`);
  const dataDir = values['data-dir'];
  if (dataDir === undefined) throw new Error('--data-dir is required');
  const backend = await selectBackend({ backend: 'auto', gpu: false });
  const runDir = await mkdtemp(path.join(tmpdir(), 'bnlenet-bench-'));
  try {
    const metrics: EpochMetrics[] = [];
    const limit = values.limit === undefined ? undefined : Number(values.limit);
    const loaded: { data?: FashionMnist } = {};
    const outcome = await runTraining({
      args: {
        ...bookVariant(impl),
        epochs: Number(values.epochs ?? 3),
        batchSize: Number(values['batch-size'] ?? 256),
        lr: 1,
        seed: Number(values.seed),
        limit,
        dataDir,
      },
      runDir: path.join(runDir, 'run'),
      backend,
      signal: NEVER_ABORTED,
      // The CLI's path: the parent verified the data dir, so this only checks and reads it.
      loadData: async (dir) => (loaded.data = await prepareDataset({ dataDir: dir })),
      observer: { onEpochEnd: (m) => void metrics.push(m) },
    });
    const data = loaded.data;
    if (data === undefined) throw new Error('internal: runTraining did not load the data');
    const examples = Math.min(limit ?? data.train.count, data.train.count);

    const run = await openSavedRun(outcome.runDir);
    // The pass an epoch's end makes, as PyTorch's script times its own: logits, argmax, compare.
    await accuracyOn(run.model, data.test); // warm-up, as training's first epoch is
    // One pass over 10,000 images takes about 0.15 s, where a neighbour's burst moves a single
    // pass by 10-20%: the median of INFERENCE_PASSES timed passes is this run's figure.
    const passes: number[] = [];
    let accuracy = 0;
    for (let pass = 0; pass < INFERENCE_PASSES; pass += 1) {
      const started = performance.now();
      accuracy = await accuracyOn(run.model, data.test);
      passes.push((performance.now() - started) / 1000);
    }
    const inferenceSeconds = median(passes)!;
    run.model.dispose();

    const output: TrainOnceOutput = {
      device: backend.device,
      packages: backend.packages,
      epochs: metrics.map((m) => ({
        epoch: m.epoch,
        examples,
        seconds: m.trainSeconds,
        loss: m.loss,
        trainAcc: m.trainAcc,
        testAcc: m.testAcc,
      })),
      inference: { examples: data.test.count, seconds: inferenceSeconds, accuracy, passes: INFERENCE_PASSES },
    };
    process.stdout.write(`${JSON.stringify(output)}\n`);
  } finally {
    await rm(runDir, { recursive: true, force: true });
  }
}

// An explicit exit: wasm worker threads must not keep a finished child alive.
main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`train-once: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
