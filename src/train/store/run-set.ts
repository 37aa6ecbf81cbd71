/**
 * A set of runs trained as one command (compare, reproduce, and sweep): a dir holding
 * plan.json (what the command was asked, each run's arguments) and one ordinary run dir per
 * run, named after it. plan.json is written before the first run starts, so a set that was
 * interrupted can be continued with --resume: finished runs are read back, an interrupted
 * one is resumed from its checkpoint, and the rest are trained.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { DataError } from '../../errors';
import { writeJsonAtomic } from '../../util/atomic-file';
import { completeRunArgs, type RunArgs } from '../../model/run-args';
import { RUN_FORMAT, runRecordProblem } from '../run-record';
import type { RunOutcome, Summary } from '../run-training';
import { PLAN_FILE, RUN_FILE, SUMMARY_FILE } from './layout';
import { readMetrics } from './metrics-file';
import { createEmptyDir } from './run-dir';
import { shellCommand } from '../../util/shell-quote';

const FORMAT = 'bnlenet-set/1';

export interface PlannedRun {
  /** The run dir's name inside the set's dir. */
  name: string;
  args: RunArgs;
}

export interface RunSetPlan<Settings extends object = object> {
  format: typeof FORMAT;
  /** The command that made the set: compare, reproduce, sweep. */
  kind: string;
  createdAt: string;
  runs: PlannedRun[];
  /** What else the command needs to continue (reproduce's tolerances, ...). */
  settings: Settings;
}

/** How far a planned run got. */
export type RunProgress = 'done' | 'started' | 'not-started';

export async function createRunSet<S extends object>(dir: string, kind: string, runs: PlannedRun[], settings: S): Promise<RunSetPlan<S>> {
  await createEmptyDir(dir, `continue it with \`${shellCommand('bnlenet', kind, '--resume', dir)}\``);
  return writeRunSetPlan(dir, kind, runs, settings);
}

/** Writes plan.json into an existing dir (a new set's, or one whose plan.json was lost). */
export async function writeRunSetPlan<S extends object>(dir: string, kind: string, runs: PlannedRun[], settings: S): Promise<RunSetPlan<S>> {
  const plan: RunSetPlan<S> = { format: FORMAT, kind, createdAt: new Date().toISOString(), runs, settings };
  await writeJsonAtomic(path.join(dir, PLAN_FILE), plan);
  return plan;
}

/** How to get past a plan.json that cannot be read, for each kind of set. */
function planWayOut(dir: string, kind: string): string {
  return kind === 'sweep'
    ? `restore it, or remove it and rerun \`${shellCommand('bnlenet', 'sweep', '--out', dir)}\` with the sweep's own lists: plan.json is rebuilt from the cells that match them`
    : `restore it, or start a new \`bnlenet ${kind}\` in another dir`;
}

export async function readRunSet<S extends object>(dir: string, kind: string): Promise<RunSetPlan<S>> {
  const file = path.join(dir, PLAN_FILE);
  let plan: RunSetPlan<S>;
  try {
    plan = JSON.parse(await fs.readFile(file, 'utf8')) as RunSetPlan<S>;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new DataError(`${file} is missing: that is not a bnlenet ${kind} dir`, `pass a dir made by \`bnlenet ${kind}\``);
    }
    throw new DataError(`${file} is corrupt (not valid JSON)`, planWayOut(dir, kind));
  }
  if (typeof plan !== 'object' || plan === null || plan.format !== FORMAT || !Array.isArray(plan.runs) || typeof plan.settings !== 'object' || plan.settings === null) {
    throw new DataError(`${file} is corrupt or of another format (expected ${FORMAT})`, planWayOut(dir, kind));
  }
  if (plan.kind !== kind) {
    throw new DataError(`${dir} was made by \`bnlenet ${plan.kind}\`, not \`bnlenet ${kind}\``, `continue it with \`${shellCommand('bnlenet', plan.kind, '--resume', dir)}\``);
  }
  for (const run of plan.runs) {
    const problem =
      typeof run === 'object' && run !== null && typeof run.name === 'string' && /^[\w.=,+-]+$/.test(run.name)
        ? runRecordProblem({ format: RUN_FORMAT, args: run.args })
        : 'has a bad run name';
    if (problem) throw new DataError(`${file}: run ${JSON.stringify(run?.name)} ${problem.replace(/^has args/, 'has')}`, planWayOut(dir, kind));
    run.args = completeRunArgs(run.args);
  }
  return plan;
}

/**
 * The set a dir holds (its kind and run names), or undefined when it holds no plan.json: for
 * commands that take one run and are handed a set's dir.
 */
export async function runSetAt(dir: string): Promise<{ kind: string; names: string[] } | undefined> {
  try {
    const plan = JSON.parse(await fs.readFile(path.join(dir, PLAN_FILE), 'utf8')) as Partial<RunSetPlan>;
    if (plan.format !== FORMAT || !Array.isArray(plan.runs)) return undefined;
    return { kind: String(plan.kind), names: plan.runs.map((run) => String(run.name)) };
  } catch {
    return undefined;
  }
}

export async function runProgress(runDir: string): Promise<RunProgress> {
  const exists = (name: string) => fs.access(path.join(runDir, name)).then(() => true, () => false);
  if (await exists(SUMMARY_FILE)) return 'done';
  return (await exists(RUN_FILE)) ? 'started' : 'not-started';
}

/** A finished run as its files record it (summary.json and metrics.jsonl), each checked. */
export async function readFinishedRun(runDir: string): Promise<RunOutcome> {
  const summary = await readSummary(runDir);
  if (!summary) throw new DataError(`${path.join(runDir, SUMMARY_FILE)} is missing: the run has not finished`, `continue it with \`${shellCommand('bnlenet', 'train', '--resume', runDir)}\``);
  return { runDir, args: summary.args, summary, metrics: await readMetrics(runDir) };
}

/** A run's summary.json, checked; undefined when the run has not finished (no summary yet). */
export async function readSummary(runDir: string): Promise<Summary | undefined> {
  const file = path.join(runDir, SUMMARY_FILE);
  const hint = `remove it and rebuild it from the checkpoint with \`${shellCommand('bnlenet', 'train', '--resume', runDir)}\``;
  let summary: Summary;
  try {
    summary = JSON.parse(await fs.readFile(file, 'utf8')) as Summary;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new DataError(`${file} is corrupt (not valid JSON)`, hint);
  }
  const problem = summaryProblem(summary);
  if (problem) throw new DataError(`${file} ${problem}`, hint);
  const record = runRecordProblem({ format: RUN_FORMAT, args: summary.args });
  if (record) throw new DataError(`${file} ${record}`, hint);
  return { ...summary, args: completeRunArgs(summary.args) };
}

const isNumber = (v: unknown) => typeof v === 'number';

/** What is wrong with a parsed summary.json, or undefined. */
function summaryProblem(summary: Partial<Summary> | null): string | undefined {
  if (typeof summary !== 'object' || summary === null) return 'is not a JSON object';
  if (summary.format !== 'bnlenet-summary/1') return 'is of another format';
  const final = summary.final as Partial<Record<string, unknown>> | undefined;
  if (typeof final !== 'object' || final === null || !['loss', 'trainAcc', 'testAcc'].every((k) => isNumber(final[k]))) return 'has no final loss and accuracies';
  if (!isNumber(summary.examplesPerSec) || typeof summary.backend?.device !== 'string' || !Array.isArray(summary.batchNorm)) return 'is incomplete';
  return undefined;
}
