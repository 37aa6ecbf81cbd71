/**
 * outcome.json: why a sweep's cell stopped short of a summary (diverged, with its epoch; or
 * failed, with the error). Validated when read: a status other than those two, or a file that
 * is not JSON, is one line naming the file, which the sweep counts as a failed cell.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { DataError } from '../../errors';
import { writeJsonAtomic } from '../../util/atomic-file';
import { OUTCOME_FILE } from './layout';

/** Why a cell stopped short of a summary, as outcome.json records it. */
export interface CellOutcome {
  status: 'diverged' | 'failed';
  message: string;
  /** The epoch in which a diverged run's loss or weights became non-finite. */
  epoch?: number;
}

const STATUSES: readonly CellOutcome['status'][] = ['diverged', 'failed'];

/** The cell's outcome, undefined when it has none; a DataError naming the file when it is not one. */
export async function readOutcome(cellDir: string): Promise<CellOutcome | undefined> {
  const file = path.join(cellDir, OUTCOME_FILE);
  const hint = 'remove it, and rerun the sweep to train the cell again';
  let parsed: Partial<CellOutcome> | null;
  try {
    parsed = JSON.parse(await fs.readFile(file, 'utf8')) as Partial<CellOutcome> | null;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new DataError(`${file} is corrupt (not valid JSON)`, hint);
  }
  if (typeof parsed !== 'object' || parsed === null) throw new DataError(`${file} is not a JSON object`, hint);
  if (!STATUSES.includes(parsed.status as CellOutcome['status'])) {
    throw new DataError(`${file} says status ${JSON.stringify(parsed.status)}, expected ${STATUSES.join(' or ')}`, hint);
  }
  if (typeof parsed.message !== 'string') throw new DataError(`${file} has no message`, hint);
  if (parsed.epoch !== undefined && !(Number.isSafeInteger(parsed.epoch) && parsed.epoch >= 1)) throw new DataError(`${file} has a bad epoch`, hint);
  return parsed as CellOutcome;
}

/** Records why a cell stopped (creating its dir, which a run that failed at its start removes). */
export async function recordOutcome(cellDir: string, outcome: CellOutcome): Promise<void> {
  await fs.mkdir(cellDir, { recursive: true });
  await writeJsonAtomic(path.join(cellDir, OUTCOME_FILE), outcome);
}

/** Forgets a failure before the cell is tried again. */
export async function clearOutcome(cellDir: string): Promise<void> {
  await fs.rm(path.join(cellDir, OUTCOME_FILE), { force: true });
}
