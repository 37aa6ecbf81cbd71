/**
 * Training a planned set of runs in one dir (compare's two variants, reproduce's, a sweep's
 * cells, or a shard of them), one after the other: a run that finished earlier is read back, an
 * interrupted one resumes from its checkpoint, a broken one (its files do not read back) starts
 * again, the rest start. How each run is trained and shown (its reporter, its data) is the
 * caller's hook; what became of each is read from its files (sweep.ts's readCellResult).
 *
 * A sweep records a run that diverges or fails as the cell's outcome and goes on, and locks
 * each cell while training it, so that two sweeps on one dir never train a cell twice;
 * compare and reproduce stop at the first failure (the whole set is one answer).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { InterruptedError } from '../errors';
import { throwIfInterrupted } from '../util/abort';
import { isDiskFull } from '../util/fs-errors';
import { TrainingDivergedError } from './divergence';
import type { RunArgs } from '../model/run-args';
import { clearOutcome, recordOutcome, type CellOutcome } from './store/cell-outcome';
import { lockCell } from './store/cell-lock';
import { runProgress, type PlannedRun, type RunSetPlan } from './store/run-set';
import { readCellResult, type CellResult } from './sweep';

/** One run of the set, as the hooks see it. */
export interface SetRun {
  /** 0-based index in the plan. */
  index: number;
  /** How many runs the plan has. */
  of: number;
  planned: PlannedRun;
  runDir: string;
}

export interface RunSetRequest {
  dir: string;
  plan: RunSetPlan;
  /** The runs this command trains, by index (a shard's); default every run of the plan. */
  indices?: readonly number[];
  /** 'stop': a failure stops the set (compare, reproduce); 'record': it becomes the run's outcome and the set goes on, each run locked while trained (sweep). */
  failures: 'stop' | 'record';
  signal: AbortSignal;
  /** Trains one run: a new one with `args`, or the one in run.runDir resumed when `args` is undefined. */
  train(run: SetRun, args: RunArgs | undefined): Promise<unknown>;
  /** Another process is training the run (its lock's pid): it is left to it. */
  onBusy?(run: SetRun, pid: number): void;
  /** The run's files do not read back; it is started again from the beginning. */
  onBroken?(run: SetRun, why: string): void;
  /** What became of the run; `earlier` when it had finished before this command. */
  onResult?(run: SetRun, result: CellResult, earlier: boolean): void;
}

export interface RunSetTrained {
  /** Runs another process was training, by index, with its pid. */
  busy: Map<number, number>;
  /** What became of each planned run (every run of the plan, not only this command's), from its files. */
  results(): Promise<CellResult[]>;
}

/** Statuses a run keeps: training it again would give the same. */
const FINAL: readonly CellResult['status'][] = ['ok', 'no-learning', 'diverged'];

/** One line, whatever the error: a cell's failure goes into a table cell. */
const oneLine = (err: unknown) => (err instanceof Error ? err.message : String(err)).split('\n')[0]!;

export async function trainRunSet(request: RunSetRequest): Promise<RunSetTrained> {
  const { dir, plan } = request;
  const busy = new Map<number, number>();
  /** Outcomes that could not be written into their run's dir, by run name. */
  const unrecorded = new Map<string, CellOutcome>();
  const resultOf = async (planned: PlannedRun): Promise<CellResult> => {
    const result = await readCellResult(dir, planned);
    const outcome = unrecorded.get(planned.name);
    return outcome && result.status === 'pending' ? { ...result, status: outcome.status, message: outcome.message } : result;
  };
  const trained: RunSetTrained = { busy, results: () => Promise.all(plan.runs.map(resultOf)) };
  for (const index of request.indices ?? plan.runs.map((_, i) => i)) {
    throwIfInterrupted(request.signal);
    const planned = plan.runs[index]!;
    const run: SetRun = { index, of: plan.runs.length, planned, runDir: path.join(dir, planned.name) };
    const lock = request.failures === 'record' ? await lockCell(run.runDir) : { held: true as const, release: async () => undefined };
    if (!lock.held) {
      busy.set(index, lock.pid);
      request.onBusy?.(run, lock.pid);
      continue;
    }
    try {
      // Read under the lock: another process may have finished the run meanwhile.
      const before = await readCellResult(dir, planned);
      const earlier = FINAL.includes(before.status);
      if (before.broken) {
        request.onBroken?.(run, before.message ?? 'its files do not read back');
        await fs.rm(run.runDir, { recursive: true, force: true });
      }
      if (!earlier) {
        const outcome = await trainOne(request, run);
        if (outcome) unrecorded.set(planned.name, outcome);
      }
      request.onResult?.(run, earlier ? before : await resultOf(planned), earlier);
    } finally {
      await lock.release();
    }
  }
  return trained;
}

/**
 * Trains (or resumes) one run. Under 'record', a diverged or failed run becomes its outcome,
 * not an error; an outcome that cannot be recorded (the dir cannot be written) is returned.
 */
async function trainOne(request: RunSetRequest, run: SetRun): Promise<CellOutcome | undefined> {
  const started = (await runProgress(run.runDir)) === 'started';
  if (request.failures === 'record') await clearOutcome(run.runDir).catch(() => undefined);
  try {
    await request.train(run, started ? undefined : run.planned.args);
  } catch (err) {
    // A full disk fails every later run as well: stop the set there (the rerun continues it).
    if (err instanceof InterruptedError || request.failures === 'stop' || isDiskFull(err)) throw err;
    const outcome: CellOutcome =
      err instanceof TrainingDivergedError
        ? { status: 'diverged', message: `in epoch ${err.epoch}`, epoch: err.epoch }
        : { status: 'failed', message: oneLine(err) };
    return recordOutcome(run.runDir, outcome).then(() => undefined, () => outcome);
  }
  return undefined;
}
