/**
 * A run's model as files: the standard tfjs layout (model.json + weights.bin, loadable by
 * tf.loadLayersModel anywhere), each written atomically, weights first. model.json also
 * records, under "bnlenet", the epoch the weights are from and their SHA-256, so a reader
 * can tell a model that is behind the run's checkpoint, or weights.bin and model.json from
 * two different epochs (a process killed between the two writes).
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type * as tf from '@tensorflow/tfjs-core';
import { DataError } from '../../errors';
import { writeFileAtomic, writeJsonAtomic } from '../../util/atomic-file';
import { weightsAreFinite } from './checkpoint';
import { MODEL_FILE, WEIGHTS_FILE } from './layout';
import { shellCommand } from '../../util/shell-quote';

/** What model.json says of its weights. */
export interface ModelMarker {
  /** Completed epochs the weights are from. */
  epoch: number;
  weightsSha256: string;
}

type ModelFileJson = tf.io.ModelJSON & { bnlenet?: ModelMarker };

export const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** Writes weights.bin, then model.json naming them; `epoch` is how many epochs they have seen. */
export async function writeModelFiles(dir: string, artifacts: tf.io.ModelArtifacts & { weightData: ArrayBuffer }, epoch: number): Promise<void> {
  const weights = new Uint8Array(artifacts.weightData);
  await writeFileAtomic(path.join(dir, WEIGHTS_FILE), weights);
  const json: ModelFileJson = {
    modelTopology: artifacts.modelTopology!,
    format: artifacts.format,
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy,
    weightsManifest: [{ paths: [`./${WEIGHTS_FILE}`], weights: artifacts.weightSpecs ?? [] }],
    bnlenet: { epoch, weightsSha256: sha256(weights) },
  };
  await writeJsonAtomic(path.join(dir, MODEL_FILE), json);
}

export interface ModelFiles {
  artifacts: tf.io.ModelArtifacts;
  /** Undefined for model files written before the marker existed. */
  marker?: ModelMarker;
}

/** Reads and checks model.json + weights.bin; every problem is one line naming the file. */
export async function readModelFiles(dir: string): Promise<ModelFiles> {
  const modelPath = path.join(dir, MODEL_FILE);
  const weightsPath = path.join(dir, WEIGHTS_FILE);
  const hint = `bring the files up to date with \`${shellCommand('bnlenet', 'train', '--resume', dir)}\`, or choose another run with --run`;
  let json: ModelFileJson;
  try {
    json = JSON.parse(await fs.readFile(modelPath, 'utf8')) as ModelFileJson;
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'is missing' : 'is not valid JSON';
    throw new DataError(`${modelPath} ${why}`, hint);
  }
  const manifest = typeof json === 'object' && json !== null ? json.weightsManifest : undefined;
  if (!Array.isArray(manifest) || !manifest.every((group) => Array.isArray(group?.weights)) || typeof json.modelTopology !== 'object') {
    throw new DataError(`${modelPath} is not a TensorFlow.js model (no topology or weights manifest)`, hint);
  }
  const specs = manifest.flatMap((group) => group.weights);
  if (!specs.every((spec) => Array.isArray(spec?.shape) && spec.shape.every((n) => Number.isSafeInteger(n) && n >= 0))) {
    throw new DataError(`${modelPath} has a weight of no valid shape`, hint);
  }
  let weights: Buffer;
  try {
    weights = await fs.readFile(weightsPath);
  } catch {
    throw new DataError(`${weightsPath} is missing or unreadable`, hint);
  }
  // Every weight of LeNet is float32: 4 bytes a value.
  const expected = specs.reduce((n, spec) => n + 4 * spec.shape.reduce((a, b) => a * b, 1), 0);
  if (weights.byteLength !== expected) {
    throw new DataError(`${weightsPath} holds ${weights.byteLength} bytes, ${modelPath} expects ${expected}`, hint);
  }
  if (json.bnlenet && sha256(weights) !== json.bnlenet.weightsSha256) {
    throw new DataError(`${weightsPath} is not the one ${modelPath} was written with (a save was cut short)`, hint);
  }
  const weightData = new Uint8Array(weights).buffer;
  if (!weightsAreFinite(weightData)) {
    throw new DataError(`${weightsPath} holds NaN or infinite weights: the model diverged`, 'train a new run with a smaller --lr');
  }
  return {
    artifacts: {
      modelTopology: json.modelTopology,
      format: json.format,
      generatedBy: json.generatedBy,
      convertedBy: json.convertedBy,
      weightSpecs: specs,
      weightData,
    },
    marker: json.bnlenet,
  };
}
