/**
 * Opening a run dir for evaluation and inspection: its arguments (checked against its
 * checkpoint), and its model, refused when the model files are not the checkpoint's model:
 * behind it (a run stopped while saving), written by two different epochs, or another run's.
 */
import { access } from 'node:fs/promises';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '../../model/custom-layers'; // registers the project's layers so saved models load
import { DataError } from '../../errors';
import { differingField } from '../../model/run-args';
import { type RunRecord } from '../run-record';
import { hasCheckpoint, loadCheckpoint } from './checkpoint';
import { MODEL_FILE } from './layout';
import { readMetrics } from './metrics-file';
import { readModelFiles, sha256 } from './model-files';
import { modelVariantProblem } from './model-variant';
import { changedRunRecord, readRunRecord } from './run-record-file';
import { shellCommand } from '../../util/shell-quote';

export interface SavedRun {
  dir: string;
  record: RunRecord;
  model: tfl.LayersModel;
  /** Epochs the saved model has completed. */
  epochsDone: number;
}

export async function openSavedRun(dir: string): Promise<SavedRun> {
  const record = await readRunRecord(dir, 'read');
  const resume = shellCommand('bnlenet', 'train', '--resume', dir);
  const modelExists = await access(path.join(dir, MODEL_FILE)).then(() => true, () => false);
  const checkpoint = (await hasCheckpoint(dir)) ? await loadCheckpoint(dir) : undefined;
  if (!modelExists && !checkpoint?.position.metrics.length) {
    throw new DataError(`${dir} holds no model yet: its first epoch did not finish`, `continue it with \`${resume}\``);
  }
  const field = checkpoint?.args && differingField(record.args, checkpoint.args);
  if (field) throw changedRunRecord(dir, field, record.args[field], checkpoint!.args![field]);
  const checkpointEpochs = checkpoint?.position.metrics.length ?? 0;
  const files = modelExists ? await readModelFiles(dir) : undefined;
  const modelEpochs = files?.marker?.epoch ?? (await readMetrics(dir)).length;
  if (!files || modelEpochs < checkpointEpochs) {
    throw new DataError(
      `the model files in ${dir} are from epoch ${files ? modelEpochs : 0}, but the run's checkpoint has finished epoch ` +
        `${checkpointEpochs} (the run was stopped while saving)`,
      `bring them up to date with \`${resume}\``,
    );
  }
  const modelFile = path.join(dir, MODEL_FILE);
  const another = 'restore the files this run wrote, or train a new run';
  // A checkpoint at an epoch end holds the very weights the model files were written from.
  const atEpochEnd = checkpoint && checkpoint.position.nextBatch === 0 && checkpointEpochs > 0;
  const sameWeights = !atEpochEnd || !files.marker || files.marker.weightsSha256 === sha256(new Uint8Array(checkpoint.artifacts.weightData));
  if (checkpoint && (modelEpochs > checkpointEpochs || !sameWeights)) {
    throw new DataError(`${modelFile} is not the model of ${checkpoint.file}: the two come from different runs`, another);
  }
  const variant = modelVariantProblem(files.artifacts.modelTopology, record.args);
  if (variant) throw new DataError(`${modelFile} holds ${variant}: it is another run's model`, another);
  const model = await tfl.loadLayersModel(tf.io.fromMemory(files.artifacts));
  return { dir, record, model, epochsDone: modelEpochs };
}
