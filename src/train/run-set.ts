/**
 * A set of runs trained as one command (compare, reproduce, and sweep): a dir holding
 * plan.json (what the command was asked, each run's arguments) and one ordinary run dir per
 * run, named after it. plan.json is written before the first run starts, so a set that was
 * interrupted can be continued with --resume: finished runs are read back, an interrupted
 * one is resumed from its checkpoint, and the rest are trained.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { DataError } from '../errors';
import { writeJsonAtomic } from '../util/atomic-file';
import { createEmptyDir, readMetrics, SUMMARY_FILE } from './run-dir';
import { completeRunArgs, RUN_FILE, runRecordProblem, type RunArgs } from './run-record';
import type { RunOutcome, Summary } from './run-training';
import { shellCommand } from '../util/shell-quote';

export const PLAN_FILE = 'plan.json';
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
  const plan: RunSetPlan<S> = { format: FORMAT, kind, createdAt: new Date().toISOString(), runs, settings };
  await writeJsonAtomic(path.join(dir, PLAN_FILE), plan);
  return plan;
}

export async function readRunSet<S extends object>(dir: string, kind: string): Promise<RunSetPlan<S>> {
  const file = path.join(dir, PLAN_FILE);
  let plan: RunSetPlan<S>;
  try {
    plan = JSON.parse(await fs.readFile(file, 'utf8')) as RunSetPlan<S>;
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR';
    throw new DataError(
      `${file} is ${missing ? `missing: that is not a bnlenet ${kind} dir` : 'corrupt (not valid JSON)'}`,
      `pass a dir made by \`bnlenet ${kind}\``,
    );
  }
  if (plan.format !== FORMAT || !Array.isArray(plan.runs) || typeof plan.settings !== 'object') {
    throw new DataError(`${file} is corrupt or of another format (expected ${FORMAT})`, `pass a dir made by \`bnlenet ${kind}\``);
  }
  if (plan.kind !== kind) {
    throw new DataError(`${dir} was made by \`bnlenet ${plan.kind}\`, not \`bnlenet ${kind}\``, `continue it with \`${shellCommand('bnlenet', plan.kind, '--resume', dir)}\``);
  }
  for (const run of plan.runs) {
    const problem = typeof run.name === 'string' && /^[\w.=,+-]+$/.test(run.name) ? runRecordProblem({ format: 'bnlenet-run/1', args: run.args }) : 'has a bad run name';
    if (problem) throw new DataError(`${file}: run ${JSON.stringify(run.name)} ${problem.replace(/^has args/, 'has')}`, 'restore plan.json as the command wrote it');
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

/** A finished run as its files record it (summary.json and metrics.jsonl). */
export async function readFinishedRun(runDir: string): Promise<RunOutcome> {
  const file = path.join(runDir, SUMMARY_FILE);
  let summary: Summary;
  try {
    summary = JSON.parse(await fs.readFile(file, 'utf8')) as Summary;
  } catch {
    throw new DataError(`${file} is corrupt (not valid JSON)`, `rebuild it with \`${shellCommand('bnlenet', 'train', '--resume', runDir)}\` after removing it`);
  }
  if (summary.format !== 'bnlenet-summary/1') throw new DataError(`${file} is of another format`);
  return { runDir, args: completeRunArgs(summary.args), summary, metrics: await readMetrics(runDir) };
}
