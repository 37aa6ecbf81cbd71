/**
 * What params.jsonl and activations.jsonl cost a run: the time of one epoch end's logging
 * (what the run store does for them at an epoch end: the BatchNorm parameters read, the probe
 * batch measured, both files rewritten) against the training time of an epoch of the full data set (235 steps of 256),
 * measured in the same process, interleaved, so that both see the same machine load.
 *
 *   npm run build && node dist/scripts/probe-cost.js [--rounds 5] [--steps 20] [--data-dir DIR]
 *
 * Each round trains `steps` real steps through the training loop (its trainSeconds: training
 * only, evaluation excluded) and then records one epoch of the logs; the epoch's time is
 * extrapolated from the steps. Prints each round and the median share.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import * as tf from '@tensorflow/tfjs-core';
import { firstExamples, prepareDataset, SPLIT_SIZES } from '../src/data';
import { selectBackend } from '../src/engine';
import { buildLeNet } from '../src/model/lenet';
import { bookVariant } from '../src/model/run-args';
import { ActivationProbe, epochLogLines } from '../src/train/activation-probe';
import { median } from './bench/stats';
import { writeJsonLines } from '../src/train/store/json-lines';
import { EPOCH_LOGS, type EpochLogName } from '../src/train/store/layout';
import { RunStore } from '../src/train/store/run-store';
import { train } from '../src/train/trainer';
import { NEVER_ABORTED } from '../src/util/abort';

const BATCH = 256;

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(name);
  return at >= 0 && process.argv[at + 1] ? process.argv[at + 1]! : fallback;
}


async function main(): Promise<void> {
  const rounds = Number(option('--rounds', '5'));
  const steps = Number(option('--steps', '20'));
  const backend = await selectBackend({ backend: 'wasm', gpu: false });
  const data = await prepareDataset({ dataDir: option('--data-dir', '/usr/share/datasets/fashion-mnist') });
  const dir = mkdtempSync(path.join(tmpdir(), 'bnlenet-probe-cost-'));
  const model = buildLeNet('custom', 0);
  const optimizer = tf.train.sgd(1);
  const measure = epochLogLines(new ActivationProbe(data.train, 0));
  const lines = Object.fromEntries(EPOCH_LOGS.map((log) => [log, [] as string[]])) as Record<EpochLogName, string[]>;
  // As the store does at an epoch end: measure the lines, rewrite both files with them added.
  const logs = {
    async record(epoch: number) {
      const records = await measure(model, epoch);
      for (const log of EPOCH_LOGS) {
        lines[log].push(JSON.stringify(records[log]));
        await writeJsonLines(path.join(dir, log), lines[log]);
      }
    },
  };
  const stepsPerEpoch = Math.ceil(SPLIT_SIZES.train / BATCH);
  const trainStep = async () => {
    const result = await train({
      args: { ...bookVariant('custom'), epochs: 1, batchSize: BATCH, lr: 1, seed: 0, dataDir: '' },
      model,
      optimizer,
      train: firstExamples(data.train, steps * BATCH),
      test: firstExamples(data.test, 10),
      store: new RunStore(dir),
      observer: {},
      signal: NEVER_ABORTED,
    });
    return result.trainSeconds / steps;
  };
  try {
    process.stdout.write(`on ${backend.device}; ${rounds} rounds of ${steps} training steps (batch ${BATCH}) and one epoch end's logs\n`);
    await trainStep(); // warm-up: kernels compiled, buffers allocated
    await logs.record(0);
    const shares: number[] = [];
    for (let round = 1; round <= rounds; round++) {
      const stepSeconds = await trainStep();
      const started = performance.now();
      await logs.record(round);
      const logSeconds = (performance.now() - started) / 1000;
      const epochSeconds = stepSeconds * stepsPerEpoch;
      shares.push(logSeconds / epochSeconds);
      process.stdout.write(
        `round ${round}: step ${(stepSeconds * 1000).toFixed(1)} ms (epoch of ${stepsPerEpoch} steps ${epochSeconds.toFixed(1)} s), ` +
          `logs ${(logSeconds * 1000).toFixed(1)} ms = ${(100 * logSeconds / epochSeconds).toFixed(2)}% of the epoch\n`,
      );
    }
    process.stdout.write(`median: ${(100 * median(shares)!).toFixed(2)}% of an epoch's training time\n`);
  } finally {
    optimizer.dispose();
    model.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

void main().catch((err: unknown) => {
  process.stderr.write(`probe-cost: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
