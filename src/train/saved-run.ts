/**
 * Opening a run dir for evaluation and inspection: its arguments (checked against its
 * checkpoint), and its model, refused when the model files are behind the checkpoint (a run
 * stopped while saving) or were written by two different epochs.
 */
import { access } from 'node:fs/promises';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '../model/custom-layers'; // registers the project's layers so saved models load
import { DataError } from '../errors';
import { hasCheckpoint, loadCheckpoint } from './checkpoint';
import { MODEL_FILE, readModelFiles } from './model-files';
import { readMetrics } from './run-dir';
import { differingField, readRunRecord, type RunRecord } from './run-record';
import { runSetAt } from './run-set';
import { shellCommand, shellQuote } from '../util/shell-quote';

export interface SavedRun {
  dir: string;
  record: RunRecord;
  model: tfl.LayersModel;
  /** Epochs the saved model has completed. */
  epochsDone: number;
}

export async function openSavedRun(dir: string): Promise<SavedRun> {
  const set = await runSetAt(dir);
  if (set) {
    const shown = set.names.length > 4 ? [...set.names.slice(0, 3), '...'] : set.names;
    throw new DataError(
      `${dir} is a ${set.kind} dir, holding the runs ${shown.join(', ')}; these commands read one run`,
      `pass one of them, e.g. --run ${shellQuote(path.join(dir, set.names[0] ?? ''))}`,
    );
  }
  const record = await readRunRecord(dir);
  const resume = shellCommand('bnlenet', 'train', '--resume', dir);
  const modelExists = await access(path.join(dir, MODEL_FILE)).then(() => true, () => false);
  const checkpoint = (await hasCheckpoint(dir)) ? await loadCheckpoint(dir) : undefined;
  if (!modelExists && !checkpoint?.position.metrics.length) {
    throw new DataError(`${dir} holds no model yet: its first epoch did not finish`, `continue it with \`${resume}\``);
  }
  const field = checkpoint?.args && differingField(record.args, checkpoint.args);
  if (field) {
    throw new DataError(
      `${path.join(dir, 'run.json')} says ${field} ${JSON.stringify(record.args[field])}, but the run was trained with ` +
        `${JSON.stringify(checkpoint!.args![field])}: run.json was changed after the run started`,
      `restore ${field} to ${JSON.stringify(checkpoint!.args![field])} in run.json`,
    );
  }
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
  const model = await tfl.loadLayersModel(tf.io.fromMemory(files.artifacts));
  return { dir, record, model, epochsDone: modelEpochs };
}
