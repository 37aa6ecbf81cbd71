/**
 * run.json: the arguments that define a run, written when the run starts and read back by
 * --resume, evaluate, inspect-params and report. The file is validated field by field when
 * read, since a user may have edited it: a bad field is one line naming it. What each field
 * must be, and what a record written before a field existed reads back as, is in the table of
 * run arguments (model/run-args.ts); this file reads and writes the file.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { DataError } from '../errors';
import { completeRunArgs, storedArgsProblem, type RunArgs } from '../model/run-args';
import { writeJsonAtomic } from '../util/atomic-file';

// Until the run-dir store takes them over, callers keep importing the checks from here.
export { completeRunArgs, DEFINING_FIELDS, differingField, type DefiningField, type RunArgs } from '../model/run-args';

export const RUN_FILE = 'run.json';
const FORMAT = 'bnlenet-run/1';

export interface RunRecord {
  format: typeof FORMAT;
  createdAt: string;
  args: RunArgs;
}

/** The problem with a parsed run.json, or undefined when it is a valid record. */
export function runRecordProblem(value: unknown): string | undefined {
  const record = value as Partial<RunRecord> | null;
  if (typeof record !== 'object' || record === null) return 'is not a JSON object';
  if (record.format !== FORMAT) return `has format ${JSON.stringify(record.format)}, expected "${FORMAT}"`;
  const args = record.args as Record<string, unknown> | undefined;
  if (typeof args !== 'object' || args === null) return 'has no "args" object';
  return storedArgsProblem(args);
}

export async function readRunRecord(dir: string): Promise<RunRecord> {
  const file = path.join(dir, RUN_FILE);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new DataError(`${file} is missing: that is not a bnlenet run dir`, 'pass a run dir made by `bnlenet train`');
    }
    throw new DataError(`${file} cannot be read (${(err as Error).message})`);
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

export async function writeRunRecord(dir: string, args: RunArgs): Promise<void> {
  const record: RunRecord = { format: FORMAT, createdAt: new Date().toISOString(), args };
  await writeJsonAtomic(path.join(dir, RUN_FILE), record);
}
