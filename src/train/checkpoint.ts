/**
 * The training checkpoint: everything needed to continue a run exactly where it stopped,
 * in ONE file written atomically (so there is never a model from one step beside the state
 * of another): the model (topology and weights, moving statistics included), the optimizer's
 * weights, the position in the run, the shuffle state and the metrics so far.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { DataError } from '../errors';
import { writeJsonAtomic } from '../util/atomic-file';
import type { EpochMetrics } from './epoch-metrics';

export const CHECKPOINT_FILE = 'checkpoint.json';
const FORMAT = 'bnlenet-checkpoint/1';

/** Where the run is: `epoch` is in progress and `nextBatch` of its batches is next. */
export interface RunPosition {
  /** 1-based epoch in progress (epochs + 1 when the run is complete). */
  epoch: number;
  /** Index of the next batch of that epoch to train. */
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
  position: RunPosition;
  optimizer: NamedValues[];
  model: {
    modelTopology: tf.io.ModelArtifacts['modelTopology'];
    weightSpecs: tf.io.WeightsManifestEntry[];
    weightData: string;
  };
}

async function modelArtifacts(model: LayersModel): Promise<tf.io.ModelArtifacts> {
  let captured: tf.io.ModelArtifacts | undefined;
  await model.save({
    async save(artifacts) {
      captured = artifacts;
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
  });
  return captured!;
}

export async function saveCheckpoint(
  runDir: string,
  model: LayersModel,
  optimizer: tf.Optimizer,
  position: RunPosition,
): Promise<void> {
  const artifacts = await modelArtifacts(model);
  const weightData = Buffer.from(tf.io.concatenateArrayBuffers(artifacts.weightData as ArrayBuffer | ArrayBuffer[]));
  const optimizerWeights = await optimizer.getWeights();
  const optimizerValues = await Promise.all(
    optimizerWeights.map(async ({ name, tensor }) => ({ name, shape: tensor.shape, values: Array.from(await tensor.data()) })),
  );
  // getWeights() makes fresh tensors (SGD's iteration count); they are ours to free.
  tf.dispose(optimizerWeights.map(({ tensor }) => tensor));
  const file: CheckpointFile = {
    format: FORMAT,
    position,
    optimizer: optimizerValues,
    model: {
      modelTopology: artifacts.modelTopology,
      weightSpecs: artifacts.weightSpecs ?? [],
      weightData: weightData.toString('base64'),
    },
  };
  await writeJsonAtomic(path.join(runDir, CHECKPOINT_FILE), file);
}

export interface LoadedCheckpoint {
  position: RunPosition;
  /** Model artifacts for tf.loadLayersModel(tf.io.fromMemory(...)). */
  artifacts: tf.io.ModelArtifacts;
  /** Restores the optimizer's weights (for SGD: its iteration count). */
  restoreOptimizer(optimizer: tf.Optimizer): Promise<void>;
}

export async function loadCheckpoint(runDir: string): Promise<LoadedCheckpoint> {
  const file = path.join(runDir, CHECKPOINT_FILE);
  const hint = 'start a new run without --resume, or resume another run dir';
  let parsed: CheckpointFile;
  try {
    parsed = JSON.parse(await fs.readFile(file, 'utf8')) as CheckpointFile;
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'is missing' : 'is corrupt (not valid JSON)';
    throw new DataError(`checkpoint ${file} ${why}`, hint);
  }
  if (parsed.format !== FORMAT || !parsed.position || !parsed.model?.weightData || !Array.isArray(parsed.optimizer)) {
    throw new DataError(`checkpoint ${file} is corrupt or of another format (expected ${FORMAT})`, hint);
  }
  const weights = Buffer.from(parsed.model.weightData, 'base64');
  const expected = parsed.model.weightSpecs.reduce((n, s) => n + 4 * s.shape.reduce((a, b) => a * b, 1), 0);
  if (weights.byteLength !== expected) {
    throw new DataError(`checkpoint ${file} is corrupt: ${weights.byteLength} weight bytes, expected ${expected}`, hint);
  }
  return {
    position: parsed.position,
    artifacts: {
      modelTopology: parsed.model.modelTopology,
      weightSpecs: parsed.model.weightSpecs,
      weightData: new Uint8Array(weights).buffer,
    },
    async restoreOptimizer(optimizer: tf.Optimizer) {
      const named = parsed.optimizer.map(({ name, shape, values }) => ({ name, tensor: tf.tensor(values, shape) }));
      await optimizer.setWeights(named);
      tf.dispose(named.map(({ tensor }) => tensor));
    },
  };
}
