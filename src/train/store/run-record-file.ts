/**
 * run.json: the run's arguments, written when the run starts and read back by --resume,
 * evaluate, inspect-params and report. Its fields are checked by run-record.ts; a dir that has
 * no run.json is told what it is instead (run-dir.ts).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { DataError } from '../../errors';
import { writeJsonAtomic } from '../../util/atomic-file';
import { completeRunArgs, type RunArgs } from '../../model/run-args';
import type { KernelBuild } from '../../engine/wasm-kernels/builds';
import { RUN_FORMAT, runRecordProblem, type RunRecord } from '../run-record';
import { RUN_FILE } from './layout';
import { notARunDir, type DirPurpose } from './run-dir';
import { fileSystemError } from '../../util/fs-errors';

/** Reads and checks run.json; `purpose` picks what a dir without one is told to do. */
export async function readRunRecord(dir: string, purpose: DirPurpose = 'read'): Promise<RunRecord> {
  const file = path.join(dir, RUN_FILE);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw await notARunDir(dir, purpose);
    throw fileSystemError(err, 'read', file);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new DataError(`${file} is corrupt (not valid JSON)`, 'restore it, or start a new run');
  }
  const problem = runRecordProblem(parsed);
  if (problem) throw new DataError(`${file} ${problem}`, 'restore the file as the run wrote it, or start a new run');
  const record = parsed as RunRecord;
  return { ...record, args: completeRunArgs(record.args) };
}

/** Writes a new run's run.json; `kernels`: the wasm kernel build it starts on, if any. */
export async function writeRunRecord(dir: string, args: RunArgs, kernels?: KernelBuild): Promise<void> {
  const record: RunRecord = { format: RUN_FORMAT, createdAt: new Date().toISOString(), args, ...(kernels ? { kernels } : {}) };
  await writeJsonAtomic(path.join(dir, RUN_FILE), record);
}

/** The error for a run.json that disagrees with the checkpoint on `field`. */
export function changedRunRecord(dir: string, field: string, recorded: unknown, trained: unknown): DataError {
  return new DataError(
    `${path.join(dir, RUN_FILE)} says ${field} ${JSON.stringify(recorded)}, but the run was trained with ` +
      `${JSON.stringify(trained)} (its checkpoint says so): run.json was changed after the run started`,
    `restore ${field} to ${JSON.stringify(trained)} in run.json, or start a new run`,
  );
}
