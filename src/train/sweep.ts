/**
 * A sweep: every combination of a few arguments' values, each a "cell" trained as an ordinary
 * run dir inside a run set (run-set.ts), and what became of each cell.
 *
 * A cell's status follows from its files, so that a sweep can be rerun, sharded over
 * machines and collected from their dirs:
 *   ok           summary.json, and the run learned (no-learning.ts)
 *   no-learning  summary.json, final train accuracy below NO_LEARNING_BELOW
 *   diverged     outcome.json says so: the loss or weights became non-finite (final; the
 *                run's last finite checkpoint stays, and retraining would diverge again)
 *   failed       outcome.json says so, with the error's message (retried by a rerun)
 *   pending      none of these: not started, or interrupted (a rerun resumes it)
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { DataError } from '../errors';
import { writeJsonAtomic } from '../util/atomic-file';
import { learned } from './no-learning';
import { readMetrics } from './run-dir';
import { differingField, flagName, SWEEP_AXES, type RunArgName, type RunArgs } from '../model/run-args';
import { readRunRecord } from './run-record';
import { runProgress, type PlannedRun } from './run-set';

/** The arguments a sweep takes lists of (the table's sweep axes), from the outermost loop to the innermost. */
export { SWEEP_AXES };
export type SweepAxis = RunArgName;
/** Each axis's values; sweep.json and plan.json written before an axis existed lack it. */
export type SweepAxes = { [K in SweepAxis]?: RunArgs[K][] };

export const CELL_STATUSES = ['ok', 'diverged', 'no-learning', 'failed', 'pending'] as const;
export type CellStatus = (typeof CELL_STATUSES)[number];

export const OUTCOME_FILE = 'outcome.json';

/** Why a cell stopped short of a summary, as outcome.json records it. */
export interface CellOutcome {
  status: 'diverged' | 'failed';
  message: string;
  /** The epoch in which a diverged run's loss or weights became non-finite. */
  epoch?: number;
}

export interface CellResult {
  name: string;
  args: RunArgs;
  status: CellStatus;
  /** The last epoch's figures, for ok and no-learning cells. */
  final?: { loss: number; trainAcc: number; testAcc: number };
  /** Epochs finished (for a diverged or pending cell, those before it stopped). */
  epochsDone: number;
  /** A failed cell's error, a diverged cell's epoch and message. */
  message?: string;
}

/** The axes with more than one value: what tells the cells apart. */
export function varyingAxes(axes: SweepAxes): SweepAxis[] {
  return SWEEP_AXES.filter((axis) => (axes[axis]?.length ?? 0) > 1);
}

/** "impl=none lr=3" (with `separator` ","; the axes that vary, in SWEEP_AXES order). */
export function cellLabel(args: Partial<RunArgs>, axes: readonly SweepAxis[], separator = ' '): string {
  return axes.map((axis) => `${flagName(axis)}=${args[axis]}`).join(separator);
}

/**
 * Every combination of the axes' values, the last axis (lr) varying fastest, as planned runs
 * named "03-impl=none,lr=3" (the index keeps the dirs in the sweep's order). `argsFor` makes
 * a cell's full arguments from its axes' values.
 */
export function sweepRuns(axes: SweepAxes, argsFor: (cell: Partial<RunArgs>) => RunArgs): PlannedRun[] {
  let cells: Partial<RunArgs>[] = [{}];
  for (const axis of SWEEP_AXES) {
    const values: readonly unknown[] | undefined = axes[axis];
    if (values) cells = cells.flatMap((cell) => values.map((value) => ({ ...cell, [axis]: value })));
  }
  const varying = varyingAxes(axes);
  const width = String(cells.length).length;
  return cells.map((cell, i) => {
    const label = cellLabel(cell, varying, ',');
    return { name: `${String(i + 1).padStart(width, '0')}${label ? `-${label}` : ''}`, args: argsFor(cell) };
  });
}

/** The axes' values as the plan's runs hold them, in first-seen order. */
export function axesOf(runs: readonly PlannedRun[]): SweepAxes {
  const axes = Object.fromEntries(SWEEP_AXES.map((axis) => [axis, [] as unknown[]])) as Record<SweepAxis, unknown[]>;
  for (const { args } of runs) for (const axis of SWEEP_AXES) if (!axes[axis].some((v) => JSON.stringify(v) === JSON.stringify(args[axis]))) axes[axis].push(args[axis]);
  return axes as SweepAxes;
}

/** A shard of a sweep: cells index, index + of, ... (1-based), so a CI matrix spreads them over machines. */
export interface Shard {
  index: number;
  of: number;
}

export function inShard(cellIndex: number, shard: Shard | undefined): boolean {
  return shard === undefined || cellIndex % shard.of === shard.index - 1;
}

async function readOutcome(cellDir: string): Promise<CellOutcome | undefined> {
  const file = path.join(cellDir, OUTCOME_FILE);
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as CellOutcome;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new DataError(`${file} is corrupt (not valid JSON)`, 'remove it to train the cell again');
  }
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

/** What became of a planned cell in the sweep's dir, from its files. */
export async function readCellResult(setDir: string, planned: PlannedRun): Promise<CellResult> {
  const cellDir = path.join(setDir, planned.name);
  const base = { name: planned.name, args: planned.args };
  // A cell dir that cannot be read (a file in its place) holds no epochs; training it says why.
  const metrics = await readMetrics(cellDir).catch(() => []);
  const epochsDone = metrics.length;
  const record = await readRunRecord(cellDir).catch(() => undefined);
  const field = record && differingField(record.args, planned.args);
  if (field) {
    return { ...base, status: 'failed', epochsDone, message: `its run.json says ${field} ${JSON.stringify(record.args[field])}, the sweep's plan.json ${JSON.stringify(planned.args[field])}` };
  }
  const outcome = await readOutcome(cellDir);
  if (outcome) return { ...base, status: outcome.status, epochsDone, message: outcome.message };
  const finished = (await runProgress(cellDir)) === 'done';
  const last = metrics[metrics.length - 1];
  if (!finished || !last) return { ...base, status: 'pending', epochsDone };
  const final = { loss: last.loss, trainAcc: last.trainAcc, testAcc: last.testAcc };
  return { ...base, status: learned(final) ? 'ok' : 'no-learning', final, epochsDone };
}
