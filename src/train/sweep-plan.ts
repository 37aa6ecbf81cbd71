/**
 * A sweep's plan.json as a sweep command opens it: the sweep already in the dir, checked
 * against the flags given on the command line (the first that differs is named), a new one in
 * an empty dir, or, in a dir whose plan.json was lost, one rebuilt from the flags when every
 * entry there is a cell of that sweep. Concurrent shards starting in one dir may race to
 * create it; the loser reads it.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { DataError, UsageError } from '../errors';
import { DEFINING_FIELDS, differingField, RUN_ARGS, type DefiningField, type RunArgName } from '../model/run-args';
import { CELL_LOCK_SUFFIX, PLAN_FILE, SWEEP_JSON, SWEEP_MD, SWEEP_SVG } from './store/layout';
import { readRunRecord } from './store/run-record-file';
import { createRunSet, readRunSet, writeRunSetPlan, type PlannedRun, type RunSetPlan } from './store/run-set';
import { axesOf, SWEEP_AXES, type SweepAxes } from './sweep';
import { shellCommand } from '../util/shell-quote';

const KIND = 'sweep';

export interface SweepPlanRequest {
  dir: string;
  /** --collect: train nothing, so read the plan there without checking the flags. */
  collect: boolean;
  /** The lists the flags give. */
  axes: SweepAxes;
  /** Whether a field was given on the command line; the others are the plan's own. */
  given(field: DefiningField): boolean;
  /** The cells of a sweep over `axes`, with the flags' other arguments. */
  cellsFor(axes: SweepAxes): PlannedRun[];
  /** plan.json was lost and has been rebuilt from the flags, matching that many cell dirs. */
  onRebuilt?(cells: number): void;
}

/** The flag of an argument, as the user typed it (from the table of run arguments). */
const flagOf = (field: RunArgName) => RUN_ARGS[field].flag;

/**
 * Why the plan in a dir is not the sweep the flags ask for, or undefined when it is. Only
 * the flags given on the command line are compared (the others are the plan's own), and the
 * answer names the first that differs.
 */
function planMismatch(plan: RunSetPlan, request: SweepPlanRequest): string | undefined {
  const { given } = request;
  const there = axesOf(plan.runs);
  const axes = Object.fromEntries(SWEEP_AXES.map((axis) => [axis, given(axis) ? request.axes[axis] : there[axis]])) as SweepAxes;
  const requested = request.cellsFor(axes);
  const list = SWEEP_AXES.find((axis) => JSON.stringify(axes[axis]) !== JSON.stringify(there[axis]));
  if (list) {
    // The count is the flags' own sweep (their defaults for the lists not given), as a rerun with them would train.
    const asked = request.cellsFor(request.axes).length;
    const counts = asked !== plan.runs.length ? `${plan.runs.length} cells there, ${asked} asked for: ` : '';
    return `${counts}${flagOf(list)} lists ${(there[list] ?? []).join(',')} there, ${(axes[list] ?? []).join(',')} here`;
  }
  for (const [i, run] of plan.runs.entries()) {
    const field = DEFINING_FIELDS.find((f) => given(f) && JSON.stringify(run.args[f]) !== JSON.stringify(requested[i]!.args[f]));
    if (field) return `${flagOf(field)} is ${JSON.stringify(run.args[field])} there, ${JSON.stringify(requested[i]!.args[field])} here`;
  }
  return undefined;
}

/** The sweep in `dir`: the one there, a new one, or one rebuilt (see the header). */
export async function openSweepPlan(request: SweepPlanRequest): Promise<RunSetPlan> {
  const { dir } = request;
  const hasPlan = () => fs.access(path.join(dir, PLAN_FILE)).then(() => true, () => false);
  const rerun = `continue it with \`${shellCommand('bnlenet', 'sweep', '--out', dir)}\``;
  if (await hasPlan()) {
    const plan = await readRunSet(dir, KIND);
    const named = DEFINING_FIELDS.some((field) => request.given(field));
    const mismatch = named && !request.collect ? planMismatch(plan, request) : undefined;
    if (mismatch) throw new UsageError(`--out ${dir} holds another sweep: ${mismatch}`, `${rerun} (its own lists), or choose a new --out`);
    return plan;
  }
  if (request.collect) throw new DataError(`${dir} holds no sweep (no ${PLAN_FILE})`, 'pass the --out of a sweep');
  const entries = await fs.readdir(dir).catch(() => []);
  if (entries.length > 0) return rebuildPlan(request, entries);
  try {
    return await createRunSet(dir, KIND, request.cellsFor(request.axes), { axes: request.axes });
  } catch (err) {
    if (await hasPlan()) return readRunSet(dir, KIND);
    throw err;
  }
}

/**
 * A dir that holds files but no plan.json (deleted by hand): when every entry is a cell of the
 * sweep the flags ask for (its dir named as that cell, its run.json that cell's arguments) or a
 * file of the sweep's summary, plan.json is written again from the flags, and the sweep goes on.
 */
async function rebuildPlan(request: SweepPlanRequest, entries: string[]): Promise<RunSetPlan> {
  const { dir } = request;
  const requested = request.cellsFor(request.axes);
  const own = new Set([SWEEP_JSON, SWEEP_MD, SWEEP_SVG, ...requested.flatMap((run) => [run.name, `${run.name}${CELL_LOCK_SUFFIX}`])]);
  const strangers = entries.filter((entry) => !own.has(entry) && !entry.startsWith('.'));
  const cells = requested.filter((run) => entries.includes(run.name));
  const mismatched = [];
  for (const run of cells) {
    const record = await readRunRecord(path.join(dir, run.name)).catch(() => undefined);
    if (record && differingField(record.args, run.args)) mismatched.push(run.name);
  }
  if (strangers.length > 0 || cells.length === 0 || mismatched.length > 0) {
    const why = mismatched.length > 0 ? `cell ${mismatched[0]} was trained with other arguments` : `${[...strangers, ...entries][0]} is not a cell of the sweep asked for`;
    throw new UsageError(
      `--out ${dir} already holds files, and no sweep (no ${PLAN_FILE}): ${why}`,
      `choose a new directory, or pass the lists and flags its sweep was started with: ${PLAN_FILE} is then rebuilt from its cells`,
    );
  }
  const plan = await writeRunSetPlan(dir, KIND, requested, { axes: request.axes });
  request.onRebuilt?.(cells.length);
  return plan;
}
