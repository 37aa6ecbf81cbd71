/**
 * sweep.json as `report` reads it back: every cell checked (its arguments as run.json's are,
 * its status one of the sweep's, its final figures numbers), so that a hand-edited file is one
 * line naming the cell and the field, never an internal error.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { DataError } from '../../errors';
import { fileSystemError } from '../../util/fs-errors';
import { RUN_FORMAT, runRecordProblem } from '../run-record';
import { CELL_STATUSES, type CellStatus } from '../sweep';
import { SWEEP_JSON } from './layout';

/** One cell of sweep.json, as the report draws it. */
export interface SweepFileCell {
  args: Record<string, unknown>;
  dir: string;
  status: CellStatus;
  final?: { loss: number; trainAcc: number; testAcc: number } | null;
}

function cellProblem(cell: unknown): string | undefined {
  if (typeof cell !== 'object' || cell === null) return 'is not an object';
  const c = cell as Partial<Record<keyof SweepFileCell, unknown>>;
  const args = runRecordProblem({ format: RUN_FORMAT, args: c.args });
  if (args) return args.replace(/^has no "args" object/, 'has no args object');
  if (typeof c.dir !== 'string' || c.dir === '') return 'has no dir';
  if (!(CELL_STATUSES as readonly unknown[]).includes(c.status)) return `has status ${JSON.stringify(c.status)}, expected one of ${CELL_STATUSES.join(', ')}`;
  if (c.final !== undefined && c.final !== null) {
    const final = c.final as Record<string, unknown>;
    if (typeof final !== 'object' || !['loss', 'trainAcc', 'testAcc'].every((k) => typeof final[k] === 'number')) return 'has a final that is not {loss, trainAcc, testAcc}';
  }
  return undefined;
}

export async function readSweepFile(dir: string): Promise<SweepFileCell[]> {
  const file = path.join(dir, SWEEP_JSON);
  const hint = `rewrite it from the cells with \`bnlenet sweep --collect --out ${dir}\``;
  let parsed: { cells?: unknown } | null;
  try {
    parsed = JSON.parse(await fs.readFile(file, 'utf8')) as { cells?: unknown } | null;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code) throw fileSystemError(err, 'read', file);
    throw new DataError(`${file} is corrupt (not valid JSON)`, hint);
  }
  const cells = parsed?.cells;
  if (!Array.isArray(cells)) throw new DataError(`${file} has no "cells" list of {args, dir, status, final}`, hint);
  for (const [i, cell] of cells.entries()) {
    const problem = cellProblem(cell);
    if (problem) throw new DataError(`${file}: cells[${i}] ${problem}`, hint);
  }
  return cells as SweepFileCell[];
}
