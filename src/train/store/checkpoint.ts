/**
 * The training checkpoint: everything needed to continue a run exactly where it stopped,
 * in ONE file written atomically (so there is never a model from one step beside the state
 * of another): the run's arguments, the model (topology and weights, moving statistics
 * included), the optimizer's weights, the position in the run, the shuffle state and the
 * metrics so far. It is the run's commit point: the other files of a run dir are derived
 * from it and can be rebuilt from it (see run-store.ts). It also holds a digest of each line
 * the epoch logs held when it was written, so that a resume can tell a log line that was
 * edited, or copied from another run, from the one the run wrote.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { BnlenetError, DataError } from '../../errors';
import { writeJsonAtomic } from '../../util/atomic-file';
import type { EpochMetrics } from '../epoch-metrics';
import type { RunArgs } from '../../model/run-args';
import { CHECKPOINT_FILE, type EpochLogName } from './layout';
import { modelVariantProblem } from './model-variant';

const FORMAT = 'bnlenet-checkpoint/1';

/** Where the run is: `epoch` is in progress and `nextBatch` of its batches is next. */
export interface RunPosition {
  /** 1-based epoch in progress (epochs + 1 when the run is complete). */
  epoch: number;
  /** Index of the next batch of that epoch to train (its batch count: trained, not evaluated). */
  nextBatch: number;
  /** The shuffle PRNG's state at the start of `epoch`, to redraw its permutation. */
  shuffleStateAtEpochStart: number;
  /** Sums of the epoch so far, as float32 values read from the backend. */
  partial: { lossSum: number; correct: number; seen: number; trainSeconds: number };
  /** Completed epochs' metrics. */
  metrics: EpochMetrics[];
  /** Training seconds of completed epochs, for the run's overall examples/sec. */
  trainSecondsTotal: number;
}

interface NamedValues {
  name: string;
  shape: number[];
  values: number[];
}

interface CheckpointFile {
  format: string;
  /** Absent in checkpoints written before the arguments were recorded here. */
  args?: RunArgs;
  position: RunPosition;
  /** Digests of the epoch logs' lines, one per epoch from 0; absent in older checkpoints and in runs that keep no logs. */
  logDigests?: LogDigests;
  optimizer: NamedValues[];
  model: {
    modelTopology: tf.io.ModelArtifacts['modelTopology'];
    weightSpecs: tf.io.WeightsManifestEntry[];
    weightData: string;
  };
}

/** Saving was refused: a weight is NaN or infinite (the run diverged). */
export class NonFiniteWeightsError extends BnlenetError {
  constructor(where: string) {
    super(`${where} holds NaN or infinite weights`);
    this.name = 'NonFiniteWeightsError';
  }
}

/** The model's topology and weights as tfjs serializes them (weights in one buffer). */
export async function modelArtifacts(model: LayersModel): Promise<tf.io.ModelArtifacts & { weightData: ArrayBuffer }> {
  let captured: tf.io.ModelArtifacts | undefined;
  await model.save({
    async save(artifacts) {
      captured = artifacts;
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
  });
  const weightData = tf.io.concatenateArrayBuffers(captured!.weightData as ArrayBuffer | ArrayBuffer[]);
  return { ...captured!, weightData };
}

/** Whether every float32 weight is finite (LeNet's weights are all float32). */
export function weightsAreFinite(weightData: ArrayBuffer): boolean {
  const values = new Float32Array(weightData);
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i]!)) return false;
  return true;
}

/** Per epoch log, the digest of each line the run wrote (index = epoch). */
export type LogDigests = Record<EpochLogName, string[]>;

export type ModelArtifactsWithWeights = tf.io.ModelArtifacts & { weightData: ArrayBuffer };

export interface CheckpointState {
  args: RunArgs;
  model: LayersModel;
  optimizer: tf.Optimizer;
  position: RunPosition;
}

/** The model's artifacts, refused (NonFiniteWeightsError) when a weight is NaN or infinite. */
export async function finiteArtifacts(model: LayersModel): Promise<ModelArtifactsWithWeights> {
  const artifacts = await modelArtifacts(model);
  if (!weightsAreFinite(artifacts.weightData)) throw new NonFiniteWeightsError('the model');
  return artifacts;
}

/** Writes checkpoint.json atomically, from the model's artifacts (see finiteArtifacts). */
export async function saveCheckpoint(
  runDir: string,
  state: CheckpointState,
  artifacts: ModelArtifactsWithWeights,
  logDigests?: LogDigests,
): Promise<void> {
  const optimizerWeights = await state.optimizer.getWeights();
  const optimizerValues = await Promise.all(
    optimizerWeights.map(async ({ name, tensor }) => ({ name, shape: tensor.shape, values: Array.from(await tensor.data()) })),
  );
  // getWeights() makes fresh tensors (SGD's iteration count); they are ours to free.
  tf.dispose(optimizerWeights.map(({ tensor }) => tensor));
  const file: CheckpointFile = {
    format: FORMAT,
    args: state.args,
    position: state.position,
    ...(logDigests ? { logDigests } : {}),
    optimizer: optimizerValues,
    model: {
      modelTopology: artifacts.modelTopology,
      weightSpecs: artifacts.weightSpecs ?? [],
      weightData: Buffer.from(artifacts.weightData).toString('base64'),
    },
  };
  await writeJsonAtomic(path.join(runDir, CHECKPOINT_FILE), file);
}

export interface LoadedCheckpoint {
  file: string;
  /** The arguments the run was trained with; undefined in checkpoints of older versions. */
  args?: RunArgs;
  position: RunPosition;
  logDigests?: LogDigests;
  /** Model artifacts for tf.loadLayersModel(tf.io.fromMemory(...)). */
  artifacts: ModelArtifactsWithWeights;
  /** Restores the optimizer's weights (for SGD: its iteration count). */
  restoreOptimizer(optimizer: tf.Optimizer): Promise<void>;
}

/** Whether the run dir has a checkpoint at all (a run killed in its first epoch has none). */
export async function hasCheckpoint(runDir: string): Promise<boolean> {
  return fs.access(path.join(runDir, CHECKPOINT_FILE)).then(
    () => true,
    () => false,
  );
}

/**
 * Reads and checks checkpoint.json: its format, its weights (their size, finite), its position
 * and, given the run's arguments, that its model is that run's variant. Every problem is one
 * line naming the file.
 */
export async function loadCheckpoint(runDir: string, runArgs?: RunArgs): Promise<LoadedCheckpoint> {
  const file = path.join(runDir, CHECKPOINT_FILE);
  const hint = 'restore it, or start a new run (or resume another run dir)';
  let parsed: CheckpointFile;
  try {
    parsed = JSON.parse(await fs.readFile(file, 'utf8')) as CheckpointFile;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'is missing' : code ? `cannot be read (${code})` : 'is corrupt (not valid JSON: cut short?)';
    throw new DataError(`checkpoint ${file} ${why}`, hint);
  }
  const problem = checkpointShapeProblem(parsed);
  if (problem) throw new DataError(`checkpoint ${file} is corrupt or of another format: ${problem}`, hint);
  const weights = Buffer.from(parsed.model.weightData, 'base64');
  const expected = parsed.model.weightSpecs.reduce((n, s) => n + 4 * s.shape.reduce((a, b) => a * b, 1), 0);
  if (weights.byteLength !== expected) {
    throw new DataError(`checkpoint ${file} is corrupt: ${weights.byteLength} weight bytes, expected ${expected}`, hint);
  }
  const weightData = new Uint8Array(weights).buffer;
  if (!weightsAreFinite(weightData)) {
    const lr = parsed.args ? ` (this run's --lr is ${parsed.args.lr})` : '';
    throw new DataError(
      `checkpoint ${file} holds NaN or infinite weights: the run diverged and cannot continue`,
      `start a new run with a smaller --lr${lr}`,
    );
  }
  const args = runArgs ?? parsed.args;
  const variant = args && modelVariantProblem(parsed.model.modelTopology, args);
  if (variant) {
    throw new DataError(
      `checkpoint ${file} holds ${variant}: it is another run's checkpoint`,
      'restore the checkpoint this run wrote, or start a new run',
    );
  }
  return {
    file,
    args: parsed.args,
    position: parsed.position,
    logDigests: parsed.logDigests,
    artifacts: {
      modelTopology: parsed.model.modelTopology,
      weightSpecs: parsed.model.weightSpecs,
      weightData,
    },
    async restoreOptimizer(optimizer: tf.Optimizer) {
      const named = parsed.optimizer.map(({ name, shape, values }) => ({ name, tensor: tf.tensor(values, shape) }));
      await optimizer.setWeights(named);
      tf.dispose(named.map(({ tensor }) => tensor));
    },
  };
}

const isCount = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** What is wrong with a parsed checkpoint's structure, or undefined. */
function checkpointShapeProblem(parsed: CheckpointFile): string | undefined {
  if (typeof parsed !== 'object' || parsed === null) return 'not a JSON object';
  if (parsed.format !== FORMAT) return `format ${JSON.stringify(parsed.format)}, expected ${FORMAT}`;
  const position = parsed.position as Partial<RunPosition> | undefined;
  if (typeof position !== 'object' || position === null) return 'no position';
  if (!isCount(position.epoch) || position.epoch! < 1 || !isCount(position.nextBatch) || !Array.isArray(position.metrics)) return 'a bad position';
  if (typeof parsed.model?.weightData !== 'string' || !Array.isArray(parsed.model.weightSpecs)) return 'no model weights';
  const shapes = parsed.model.weightSpecs.map((spec) => (spec as Partial<tf.io.WeightsManifestEntry> | null)?.shape);
  if (!shapes.every((shape) => Array.isArray(shape) && shape.every((n) => Number.isSafeInteger(n) && n >= 0))) return 'a weight of no valid shape';
  if (!Array.isArray(position.metrics) || typeof position.shuffleStateAtEpochStart !== 'number' || typeof position.partial !== 'object' || position.partial === null) return 'a bad position';
  if (!Array.isArray(parsed.optimizer)) return 'no optimizer state';
  if (parsed.logDigests !== undefined) {
    const digests = parsed.logDigests as Partial<Record<string, unknown>>;
    if (typeof digests !== 'object' || digests === null || Object.values(digests).some((d) => !Array.isArray(d))) return 'bad log digests';
  }
  return undefined;
}
