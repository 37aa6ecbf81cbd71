/**
 * A sweep: every combination of a few arguments' values, each a "cell" trained as an ordinary
 * run dir inside a run set (store/run-set.ts, trained by run-set-training.ts), and what
 * became of each cell.
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
import * as path from 'node:path';
import { learned } from './no-learning';
import { differingField, flagName, SWEEP_AXES, type RunArgName, type RunArgs } from '../model/run-args';
import { readOutcome } from './store/cell-outcome';
import { CHECKPOINT_FILE } from './store/layout';
import { hasCheckpoint, loadCheckpoint } from './store/checkpoint';
import { readMetrics } from './store/metrics-file';
import { readRunRecord } from './store/run-record-file';
import { readFinishedRun, runProgress, type PlannedRun } from './store/run-set';

/** The arguments a sweep takes lists of (the table's sweep axes), from the outermost loop to the innermost. */
export { SWEEP_AXES };
export type SweepAxis = RunArgName;
/** Each axis's values; sweep.json and plan.json written before an axis existed lack it. */
export type SweepAxes = { [K in SweepAxis]?: RunArgs[K][] };

export const CELL_STATUSES = ['ok', 'diverged', 'no-learning', 'failed', 'pending'] as const;
export type CellStatus = (typeof CELL_STATUSES)[number];

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
  /** The cell's files do not read back (a failed cell): a rerun trains it again from the start. */
  broken?: true;
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

/**
 * What became of a planned cell in the sweep's dir, from its files, each checked before the
 * cell counts: an outcome.json that is not one, or a finished cell whose files do not read
 * back (a truncated checkpoint, summary or metrics), is a failed cell, with the reason, and
 * `broken` (a rerun trains it again from the start), never ok.
 */
export async function readCellResult(setDir: string, planned: PlannedRun): Promise<CellResult> {
  const cellDir = path.join(setDir, planned.name);
  const base = { name: planned.name, args: planned.args };
  // A cell dir that cannot be read (a file in its place) holds no epochs; training it says why.
  const metrics = await readMetrics(cellDir).catch(() => []);
  const epochsDone = metrics.length;
  const broken = (err: unknown): CellResult => ({ ...base, status: 'failed', epochsDone, message: (err as Error).message, broken: true });
  const record = await readRunRecord(cellDir).catch(() => undefined);
  const field = record && differingField(record.args, planned.args);
  if (field) {
    return { ...base, status: 'failed', epochsDone, message: `its run.json says ${field} ${JSON.stringify(record.args[field])}, the sweep's plan.json ${JSON.stringify(planned.args[field])}` };
  }
  let outcome;
  try {
    outcome = await readOutcome(cellDir);
  } catch (err) {
    return broken(err);
  }
  if (outcome) return { ...base, status: outcome.status, epochsDone, message: outcome.message };
  if ((await runProgress(cellDir)) !== 'done') return { ...base, status: 'pending', epochsDone };
  let finished;
  try {
    finished = await readFinishedRun(cellDir);
    if (await hasCheckpoint(cellDir)) await loadCheckpoint(cellDir);
    else throw new Error(`${path.join(cellDir, CHECKPOINT_FILE)} is missing`);
  } catch (err) {
    return broken(err);
  }
  const last = finished.metrics[finished.metrics.length - 1];
  if (!last) return broken(new Error(`${cellDir} has a summary but no metrics`));
  const final = { loss: last.loss, trainAcc: last.trainAcc, testAcc: last.testAcc };
  return { ...base, status: learned(final) ? 'ok' : 'no-learning', final, epochsDone: finished.metrics.length };
}
