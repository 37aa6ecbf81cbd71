/**
 * Where `train --resume` continues a run, with every file it reads checked first, before any
 * data loads: run.json, the checkpoint (its arguments equal to run.json's, its model the run's
 * variant), and each epoch log against the checkpoint (epoch-logs.ts). A run killed before its
 * first checkpoint starts again from epoch 0.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { removeStaleTemporaries } from '../../util/atomic-file';
import { differingField, type RunArgs } from '../../model/run-args';
import type { KernelBuild } from '../../engine/wasm-kernels/builds';
import { hasCheckpoint, loadCheckpoint, type LoadedCheckpoint } from './checkpoint';
import { checkEpochLog, type CheckedLog } from './epoch-logs';
import { EPOCH_LOGS, SUMMARY_FILE } from './layout';
import { changedRunRecord, readRunRecord } from './run-record-file';

export interface ResumePoint {
  args: RunArgs;
  /** The wasm kernel build run.json records (undefined: it records none). */
  kernels?: KernelBuild;
  /** Undefined when the run was killed before its first checkpoint. */
  checkpoint?: LoadedCheckpoint;
  /** Each epoch log as checked against the checkpoint; undefined without one. */
  logs?: CheckedLog[];
  /** The logs lack the checkpoint's epoch (a crash before they were written): its model measures it again. */
  logsBehind: boolean;
  /** Every epoch has been trained: at most the files derived from the checkpoint need writing. */
  trained: boolean;
  /** summary.json is there: the run had finished. */
  finished: boolean;
  /** What the checks repaired, one line each, for the user. */
  repairs: string[];
}

export async function openForResume(dir: string): Promise<ResumePoint> {
  const { args, kernels } = await readRunRecord(dir, 'resume');
  await removeStaleTemporaries(dir);
  const finished = await fs.access(path.join(dir, SUMMARY_FILE)).then(() => true, () => false);
  if (!(await hasCheckpoint(dir))) return { args, kernels, logsBehind: false, trained: false, finished, repairs: [] };
  const checkpoint = await loadCheckpoint(dir);
  const field = checkpoint.args && differingField(args, checkpoint.args);
  if (field) throw changedRunRecord(dir, field, args[field], checkpoint.args![field]);
  const { position } = checkpoint;
  const epochs = position.metrics.length;
  const atEpochEnd = position.nextBatch === 0;
  const logs: CheckedLog[] = [];
  for (const log of EPOCH_LOGS) logs.push(await checkEpochLog(dir, log, epochs, atEpochEnd, args, checkpoint.logDigests?.[log]));
  const repairs = logs.filter((log) => log.dropped.length > 0).map((log) => `${path.join(dir, log.log)}: dropped ${log.dropped.join('; ')}`);
  return {
    args,
    kernels,
    checkpoint,
    logs,
    logsBehind: logs.some((log) => log.kept.length === epochs),
    trained: position.epoch > args.epochs,
    finished,
    repairs,
  };
}
