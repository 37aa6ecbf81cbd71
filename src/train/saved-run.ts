/** Opening a finished (or checkpointed) run dir for evaluation and inspection. */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as tfl from '@tensorflow/tfjs-layers';
import '../model/batchnorm-layer'; // registers the custom layer so saved models load
import { DataError } from '../errors';
import { directoryLoader, MODEL_FILE } from './model-files';
import { readMetrics, readRunRecord, type RunRecord } from './run-dir';

export interface SavedRun {
  dir: string;
  record: RunRecord;
  model: tfl.LayersModel;
  /** Epochs the saved model has completed. */
  epochsDone: number;
}

export async function openSavedRun(dir: string): Promise<SavedRun> {
  const record = await readRunRecord(dir);
  try {
    await fs.access(path.join(dir, MODEL_FILE));
  } catch {
    throw new DataError(
      `${dir} holds no model yet: its first epoch did not finish`,
      `continue it with \`bnlenet train --resume ${dir}\``,
    );
  }
  const model = await tfl.loadLayersModel(directoryLoader(dir));
  const epochsDone = (await readMetrics(dir)).length;
  return { dir, record, model, epochsDone };
}
