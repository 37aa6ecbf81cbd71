/**
 * One training run from start to end, the layers below wired together: the data, the
 * backend, the model, the loop, and the run directory's files. A resumed run takes its
 * arguments from the run dir and continues from its checkpoint.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { FashionMnist } from '../data/fashion-mnist';
import { firstExamples } from '../data/split';
import type { BackendInfo } from '../engine/backend';
import type { BatchNormParams } from '../model/batchnorm-params';
import { readBatchNormParams } from '../model/batchnorm-inspect';
import { buildLeNet } from '../model/lenet';
import { directorySaver } from './model-files';
import { CHECKPOINT_FILE, loadCheckpoint, type RunPosition } from './checkpoint';
import type { EpochMetrics } from './epoch-metrics';
import { createRunDir, readRunRecord, SUMMARY_FILE, writeMetrics, type RunArgs } from './run-dir';
import { listenForStop } from './stop-request';
import { train, type TrainHooks } from './trainer';
import { writeJsonAtomic } from '../util/atomic-file';
import { BnlenetError } from '../errors';

export interface Summary {
  format: 'bnlenet-summary/1';
  args: RunArgs;
  backend: BackendInfo;
  versions: Record<string, string>;
  final: EpochMetrics;
  examplesPerSec: number;
  trainSeconds: number;
  batchNorm: BatchNormParams[];
}

export interface RunRequest {
  args: RunArgs;
  runDir: string;
  /** Continue the run in runDir from its checkpoint instead of starting one. */
  resume: boolean;
  backend: BackendInfo;
  /** Loads the data (after the backend is ready); the data layer verifies it. */
  loadData: (dataDir: string) => Promise<FashionMnist>;
  hooks: TrainHooks;
  /** Called when the data and model are ready, just before the first batch. */
  onStart?: (info: { examples: number; resumedAt?: { epoch: number; batch: number } }) => void;
  /** Called once when the first Ctrl-C/SIGTERM arrives. */
  onStopRequested?: (signal: NodeJS.Signals) => void;
}

export interface RunOutcome {
  runDir: string;
  summary: Summary;
  /** Every epoch of the run, those before a resume included (as metrics.jsonl holds them). */
  metrics: EpochMetrics[];
}


/** The run's arguments: the given ones for a new run, the recorded ones for a resumed run. */
export async function resolveRunArgs(request: { args: RunArgs; runDir: string; resume: boolean }): Promise<RunArgs> {
  return request.resume ? (await readRunRecord(request.runDir)).args : request.args;
}

export async function runTraining(request: RunRequest): Promise<RunOutcome> {
  const args = request.args;
  // A resumed run fails fast on a bad checkpoint, before the data is loaded.
  const checkpoint = request.resume ? await loadCheckpoint(request.runDir) : undefined;
  if (checkpoint && checkpoint.position.epoch > args.epochs) {
    throw new BnlenetError(`${request.runDir} has finished all ${args.epochs} epochs; there is nothing to resume`, 1);
  }
  const data = await request.loadData(args.dataDir);
  const trainSplit = firstExamples(data.train, args.limit);

  let model: tfl.LayersModel;
  let from: RunPosition | undefined;
  const optimizer = tf.train.sgd(args.lr);
  if (checkpoint) {
    model = await tfl.loadLayersModel(tf.io.fromMemory(checkpoint.artifacts));
    await checkpoint.restoreOptimizer(optimizer);
    from = checkpoint.position;
    await writeMetrics(request.runDir, from.metrics);
  } else {
    model = buildLeNet(args.impl, args.seed);
    await createRunDir(request.runDir, args);
  }
  request.onStart?.({
    examples: trainSplit.count,
    resumedAt: from && { epoch: from.epoch, batch: from.nextBatch },
  });

  const stop = listenForStop(request.onStopRequested);
  let result;
  try {
    result = await train({
      model,
      optimizer,
      train: trainSplit,
      test: data.test,
      settings: { epochs: args.epochs, batchSize: args.batchSize, seed: args.seed },
      runDir: request.runDir,
      from,
      stopRequested: stop.requested,
      hooks: {
        ...request.hooks,
        onEpochEnd: async (metrics, history) => {
          await model.save(directorySaver(request.runDir));
          await writeMetrics(request.runDir, history);
          await request.hooks.onEpochEnd?.(metrics, history);
        },
      },
    });
  } catch (err) {
    // A new run that failed before its first checkpoint leaves nothing behind in runs/.
    const checkpointed = await fs.access(path.join(request.runDir, CHECKPOINT_FILE)).then(() => true, () => false);
    if (!request.resume && !checkpointed) await fs.rm(request.runDir, { recursive: true, force: true });
    throw err;
  } finally {
    stop.dispose();
  }

  const summary: Summary = {
    format: 'bnlenet-summary/1',
    args,
    backend: request.backend,
    versions: { node: process.version, ...request.backend.packages },
    final: result.metrics[result.metrics.length - 1]!,
    examplesPerSec: result.examplesPerSec,
    trainSeconds: result.trainSeconds,
    batchNorm: readBatchNormParams(model),
  };
  await writeJsonAtomic(path.join(request.runDir, SUMMARY_FILE), summary);
  optimizer.dispose();
  model.dispose();
  return { runDir: request.runDir, summary, metrics: result.metrics };
}
