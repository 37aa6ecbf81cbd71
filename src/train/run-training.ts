/**
 * One training run from start to end: the run dir, the data, the model, the loop and the
 * summary, wired together. A new run creates its dir and run.json before loading any data (so
 * a dir that cannot be written fails at once); a resumed run has every file it reads checked
 * by the store first (store/resume.ts), and continues from the checkpoint, or from the start
 * when the run was killed before its first one. run.json records the wasm kernel build a new
 * run trains on; the commands start that build again for a resume (store/recorded-kernels.ts),
 * and a resume that runs another says in one line that it is no longer bit-identical.
 */
import { promises as fs } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { datasetSpec, type FashionMnist, firstExamples } from '../data';
import type { BackendInfo } from '../engine/backend';
import { resumedBuildWarning } from '../engine/wasm-kernels/builds';
import { BnlenetError } from '../errors';
import type { BatchNormParams } from '../model/batchnorm-params';
import { readBatchNormParams } from '../model/batchnorm-inspect';
import { buildLeNet } from '../model/lenet';
import { throwIfInterrupted } from '../util/abort';
import { ActivationProbe, epochLogLines } from './activation-probe';
import type { EpochMetrics } from './epoch-metrics';
import { learned } from './no-learning';
import type { RunArgs } from '../model/run-args';
import { hasCheckpoint } from './store/checkpoint';
import { openForResume, type ResumePoint } from './store/resume';
import { RunStore, type DerivedFiles } from './store/run-store';
import { train, type TrainObserver } from './trainer';

export interface Summary {
  format: 'bnlenet-summary/1';
  args: RunArgs;
  backend: BackendInfo;
  versions: Record<string, string>;
  final: EpochMetrics;
  /** False when the final training accuracy stayed near chance (see no-learning.ts). */
  learned: boolean;
  examplesPerSec: number;
  trainSeconds: number;
  batchNorm: BatchNormParams[];
}

export interface RunStart {
  args: RunArgs;
  examples: number;
  /** Where a resumed run continues: epoch (1-based) and batch index within it. */
  resumedAt?: { epoch: number; batch: number };
  /** What a resume repaired in the run's files (epoch log lines dropped), one line each. */
  repairs: string[];
}

export interface RunRequest {
  runDir: string;
  /** A new run's arguments; undefined to resume the run in runDir with its own. */
  args?: RunArgs;
  backend: BackendInfo;
  /** Loads and verifies the data; aborts with `signal`. */
  loadData(dataDir: string, signal: AbortSignal): Promise<FashionMnist>;
  /** Aborted by Ctrl-C or SIGTERM: the run checkpoints at the next batch and stops. */
  signal: AbortSignal;
  observer: TrainObserver;
  /** Files the run keeps beside its metrics (curves.svg), rendered by the report layer. */
  derived?: DerivedFiles;
  /** When the data and model are ready, just before the first batch. */
  onStart?(start: RunStart): void;
  /** A warning about the run, one line (a resume on another kernel build than it recorded); default: stderr. */
  onWarning?(text: string): void;
}

export interface RunOutcome {
  runDir: string;
  args: RunArgs;
  summary: Summary;
  /** Every epoch of the run, those before a resume included (as metrics.jsonl holds them). */
  metrics: EpochMetrics[];
  /** True when a resume found every epoch trained and only rebuilt the files derived from the checkpoint. */
  recovered?: boolean;
  /** What a resume repaired in the run's files, one line each. */
  repairs?: string[];
}

async function summarize(
  args: RunArgs,
  backend: BackendInfo,
  model: tfl.LayersModel,
  metrics: EpochMetrics[],
  trainSeconds: number,
  examples: number,
): Promise<Summary> {
  return {
    format: 'bnlenet-summary/1',
    args,
    backend,
    versions: { node: process.version, ...backend.packages },
    final: metrics[metrics.length - 1]!,
    learned: learned(metrics[metrics.length - 1]!),
    examplesPerSec: (examples * args.epochs) / trainSeconds,
    trainSeconds,
    batchNorm: await readBatchNormParams(model),
  };
}

export async function runTraining(request: RunRequest): Promise<RunOutcome> {
  const { runDir, signal } = request;
  const store = new RunStore(runDir, request.derived);
  const resumed = request.args ? undefined : await openForResume(runDir);
  const args = request.args ?? resumed!.args;
  if (resumed?.trained) return finishTrained(request, store, resumed);
  if (!resumed) await store.create(args, request.backend.kernels);
  // run.json keeps the build the run started on; a resume on another says so, and continues.
  const warning = resumed && resumedBuildWarning(runDir, resumed.kernels, request.backend.kernels, request.backend.device);
  if (warning) (request.onWarning ?? ((text) => process.stderr.write(`bnlenet: warning: ${text}\n`)))(warning);

  let model: tfl.LayersModel | undefined;
  const optimizer = tf.train.sgd(args.lr);
  try {
    const data = await request.loadData(args.dataDir, signal);
    const trainSplit = firstExamples(data.train, args.limit);
    throwIfInterrupted(signal);
    // params.jsonl and activations.jsonl: the probe's images are drawn from the seed, so a
    // resumed run measures the same ones.
    store.keepEpochLogs(epochLogLines(new ActivationProbe(trainSplit, args.seed)));
    const checkpoint = resumed?.checkpoint;
    if (checkpoint) {
      model = await tfl.loadLayersModel(tf.io.fromMemory(checkpoint.artifacts));
      await checkpoint.restoreOptimizer(optimizer);
      await store.resume(resumed, model);
    } else {
      model = buildLeNet(args, args.seed);
      await store.runStart(model);
    }
    const from = checkpoint?.position;
    const repairs = resumed?.repairs ?? [];
    request.onStart?.({ args, examples: trainSplit.count, resumedAt: from && { epoch: from.epoch, batch: from.nextBatch }, repairs });
    const result = await train({
      args,
      model,
      optimizer,
      train: trainSplit,
      // --test-limit: the test accuracy of each epoch is measured on the first N test images.
      test: firstExamples(data.test, args.testLimit),
      store,
      observer: request.observer,
      signal,
      from,
    });
    const summary = await summarize(args, request.backend, model, result.metrics, result.trainSeconds, trainSplit.count);
    await store.writeSummary(summary);
    throwIfInterrupted(signal);
    return { runDir, args, summary, metrics: result.metrics, repairs };
  } catch (err) {
    // A new run that stopped before its first checkpoint leaves nothing behind in runs/.
    if (!resumed && !(await hasCheckpoint(runDir))) await fs.rm(runDir, { recursive: true, force: true });
    throw err;
  } finally {
    optimizer.dispose();
    model?.dispose();
  }
}

/**
 * A resumed run whose checkpoint has finished every epoch: its process died after the last
 * checkpoint but before (all of) the files derived from it were written, or its logs needed
 * repairs. Those are rebuilt, and the run is complete; with nothing missing, there was nothing
 * to resume.
 */
async function finishTrained(request: RunRequest, store: RunStore, point: ResumePoint): Promise<RunOutcome> {
  const { args, checkpoint } = point;
  if (point.finished && point.repairs.length === 0 && !point.logsBehind) {
    throw new BnlenetError(`${request.runDir} has finished all ${args.epochs} epochs; there is nothing to resume`, 1);
  }
  const model = await tfl.loadLayersModel(tf.io.fromMemory(checkpoint!.artifacts));
  try {
    // The epoch logs' last line is measured on training images: load them only when it is missing.
    if (point.logsBehind) {
      const data = await request.loadData(args.dataDir, request.signal);
      store.keepEpochLogs(epochLogLines(new ActivationProbe(firstExamples(data.train, args.limit), args.seed)));
    }
    await store.resume(point, model);
    const metrics = checkpoint!.position.metrics;
    const trainSize = datasetSpec(args.dataDir).splitSizes.train;
    const examples = Math.min(args.limit ?? trainSize, trainSize);
    const summary = await summarize(args, request.backend, model, metrics, checkpoint!.position.trainSecondsTotal, examples);
    await store.writeSummary(summary);
    return { runDir: request.runDir, args, summary, metrics, recovered: true, repairs: point.repairs };
  } finally {
    model.dispose();
  }
}
