/**
 * params.jsonl and activations.jsonl: one line per epoch from epoch 0 (the initial weights),
 * what the report draws of BatchNorm over a run.
 *
 *   params.jsonl       {"epoch": E, "layers": [{"name", "gamma", "beta", "movingMean", "movingVariance"}]}
 *   activations.jsonl  {"epoch": E, "layers": [{"position", "name", "pre": {...}, "post": {...}}]}
 *
 * Unlike the other derived files these hold history that the checkpoint does not (earlier
 * epochs' weights), so each file is its own record: an epoch's line is written after that
 * epoch's checkpoint (RunFiles' order), by rewriting the file atomically with the lines of
 * earlier epochs kept and the new one added. A crash therefore leaves a file that ends at the
 * checkpoint's epoch or the one before, never torn and never with an epoch twice; when it ends
 * before, the resumed run measures the checkpoint's model (the same weights, so the same line)
 * and adds it (`catchUp`). A run restarted from scratch rewrites epoch 0 and drops the rest.
 */
import * as path from 'node:path';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { DataError } from '../errors';
import { readBatchNormParams } from '../model/batchnorm-inspect';
import { writeFileAtomic } from '../util/atomic-file';
import type { ActivationProbe, ActivationsRecord } from './activation-probe';
import { readJsonLines } from './run-dir';

export const PARAMS_LOG = 'params.jsonl';
export const ACTIVATIONS_LOG = 'activations.jsonl';

export interface LayerParams {
  name: string;
  gamma: number[];
  beta: number[];
  movingMean: number[];
  movingVariance: number[];
}

/** One line of params.jsonl. */
export interface ParamsRecord {
  epoch: number;
  layers: LayerParams[];
}

export class EpochLogs {
  constructor(
    private readonly dir: string,
    private readonly probe: ActivationProbe,
  ) {}

  /** Measures the model as it is now as epoch `epoch` and writes both lines. */
  async record(model: LayersModel, epoch: number): Promise<void> {
    const layers = (await readBatchNormParams(model)).map(({ name, gamma, beta, movingMean, movingVariance }) => ({
      name,
      gamma,
      beta,
      movingMean,
      movingVariance,
    }));
    const params: ParamsRecord = { epoch, layers };
    const activations: ActivationsRecord = await this.probe.measure(model, epoch);
    await writeEpochLine(path.join(this.dir, PARAMS_LOG), params);
    await writeEpochLine(path.join(this.dir, ACTIVATIONS_LOG), activations);
  }

  /** Adds epoch `epoch` (the checkpoint's model) to a log that a crash left one epoch behind. */
  async catchUp(model: LayersModel, epoch: number): Promise<void> {
    if (!(await logsHoldEpoch(this.dir, epoch))) await this.record(model, epoch);
  }
}

/** Whether both logs already have a line for `epoch` (cheap: no TensorFlow.js). */
export async function logsHoldEpoch(dir: string, epoch: number): Promise<boolean> {
  for (const name of [PARAMS_LOG, ACTIVATIONS_LOG]) {
    if (!(await readEpochRecords(path.join(dir, name))).some((record) => record.epoch === epoch)) return false;
  }
  return true;
}

/** The records of a log in order; [] when the file does not exist (yet). */
export async function readEpochLog<T extends { epoch: number }>(dir: string, name: typeof PARAMS_LOG | typeof ACTIVATIONS_LOG): Promise<T[]> {
  return (await readEpochRecords(path.join(dir, name))) as T[];
}

async function readEpochRecords(file: string): Promise<{ epoch: number }[]> {
  const records = await readJsonLines<{ epoch?: unknown }>(file);
  const bad = records.findIndex((record) => typeof record?.epoch !== 'number');
  if (bad >= 0) throw new DataError(`${file} line ${bad + 1} is not an epoch record`, 'restore the file as the run wrote it, or remove it');
  return records as { epoch: number }[];
}

/**
 * Rewrites `file` with the records of earlier epochs and this one last, atomically. The kept
 * lines are written again as JSON.stringify wrote them (numbers round-trip exactly).
 */
async function writeEpochLine(file: string, record: { epoch: number }): Promise<void> {
  const earlier = (await readEpochRecords(file)).filter((line) => line.epoch < record.epoch);
  await writeFileAtomic(file, [...earlier, record].map((line) => `${JSON.stringify(line)}\n`).join(''));
}
