/**
 * A tfjs IOHandler for a directory: pure tfjs has no file saver under Node. It writes the
 * standard layout (model.json + weights.bin, loadable by tf.loadLayersModel anywhere), each
 * file atomically, weights first, so model.json never names weights that are not there.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { DataError } from '../errors';
import { writeFileAtomic, writeJsonAtomic } from '../util/atomic-file';

export const MODEL_FILE = 'model.json';
export const WEIGHTS_FILE = 'weights.bin';

function weightBytes(data: tf.io.WeightData): Uint8Array {
  const buffers = Array.isArray(data) ? data : [data];
  return new Uint8Array(tf.io.concatenateArrayBuffers(buffers));
}

export function directorySaver(dir: string): tf.io.IOHandler {
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      await fs.mkdir(dir, { recursive: true });
      const weights = artifacts.weightData ? weightBytes(artifacts.weightData) : new Uint8Array();
      await writeFileAtomic(path.join(dir, WEIGHTS_FILE), weights);
      await writeJsonAtomic(path.join(dir, MODEL_FILE), {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        weightsManifest: [{ paths: [`./${WEIGHTS_FILE}`], weights: artifacts.weightSpecs ?? [] }],
      });
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
  };
}

export function directoryLoader(dir: string): tf.io.IOHandler {
  return {
    async load(): Promise<tf.io.ModelArtifacts> {
      const modelPath = path.join(dir, MODEL_FILE);
      const weightsPath = path.join(dir, WEIGHTS_FILE);
      const hint = 'train a model into that run dir again, or choose another with --run';
      let json: tf.io.ModelJSON;
      try {
        json = JSON.parse(await fs.readFile(modelPath, 'utf8')) as tf.io.ModelJSON;
      } catch (err) {
        const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'is missing' : 'is not valid JSON';
        throw new DataError(`${modelPath} ${why}`, hint);
      }
      const specs = json.weightsManifest?.flatMap((group) => group.weights) ?? [];
      let weights: Buffer;
      try {
        weights = await fs.readFile(weightsPath);
      } catch {
        throw new DataError(`${weightsPath} is missing or unreadable`, hint);
      }
      // Every weight of LeNet-BN is float32: 4 bytes a value.
      const expected = specs.reduce((n, spec) => n + 4 * spec.shape.reduce((a, b) => a * b, 1), 0);
      if (weights.byteLength !== expected) {
        throw new DataError(`${weightsPath} holds ${weights.byteLength} bytes, ${modelPath} expects ${expected}`, hint);
      }
      return {
        modelTopology: json.modelTopology,
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy,
        weightSpecs: specs,
        weightData: new Uint8Array(weights).buffer,
      };
    },
  };
}
