/**
 * sweep.json as `report` reads it back: every cell checked (its arguments an object with the
 * impl and lr the chart needs, its status one of the sweep's, its final figures numbers), so
 * that a hand-edited file is one line naming the cell and the field, never an internal error.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { DataError } from '../../errors';
import { fileSystemError } from '../../util/fs-errors';
import { MODEL_IMPLS } from '../../model/impls';
import { CELL_STATUSES, type CellStatus } from '../sweep';
import { SWEEP_JSON } from './layout';
import { shellCommand } from '../../util/shell-quote';

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
  // The report needs the arguments that tell cells apart; a sweep writes them all.
  const args = c.args as Record<string, unknown> | null | undefined;
  if (typeof args !== 'object' || args === null || Array.isArray(args)) return 'has no args object';
  if (!(MODEL_IMPLS as readonly unknown[]).includes(args.impl)) return `has args.impl ${JSON.stringify(args.impl)}, expected one of ${MODEL_IMPLS.join(', ')}`;
  if (typeof args.lr !== 'number' || !(args.lr > 0) || !Number.isFinite(args.lr)) return `has args.lr ${JSON.stringify(args.lr)}, expected a finite number > 0`;
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
  const hint = `rewrite it from the cells with \`${shellCommand('bnlenet', 'sweep', '--collect', '--out', dir)}\``;
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
