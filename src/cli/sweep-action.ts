/**
 * `bnlenet sweep`: trains every combination of the list values as cells of a run set in
 * --out (resumable: rerunning skips finished cells and resumes an interrupted one), or only a
 * shard's cells, or (--collect) none; then writes sweep.json, sweep.md and sweep.svg from the
 * cells present. TensorFlow.js is loaded only when a cell trains.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { prepareDataset, type FashionMnist } from '../data';
import type { BackendInfo } from '../engine/backend';
import { BnlenetError, DataError, InterruptedError, UsageError } from '../errors';
import { hasBatchNorm } from '../model/impls';
import { DEFINING_FIELDS, differingField, SWEEP_AXES, withoutBatchNorm, type RunArgs } from '../model/run-args';
import { createDownloadReporter } from '../report/download-progress';
import { buildSweepSummary, sweepLines, SWEEP_JSON, SWEEP_MD, SWEEP_SVG, writeSweepFiles, type SweepSummary } from '../report/sweep';
import { TrainingDivergedError } from '../train/divergence';
import { createRunSet, PLAN_FILE, readRunSet, runProgress, type RunSetPlan } from '../train/run-set';
import {
  axesOf,
  cellLabel,
  clearOutcome,
  inShard,
  readCellResult,
  recordOutcome,
  sweepRuns,
  varyingAxes,
  type CellOutcome,
  type CellResult,
  type Shard,
  type SweepAxes,
} from '../train/sweep';
import { throwIfInterrupted } from '../util/abort';
import type { StopController } from './stop-controller';
import { attributeOf, givenOnCommandLine, outputMode, runArgsFromFlags, type SweepFlags } from './train-options';

const KIND = 'sweep';

export interface SweepRequest {
  flags: SweepFlags;
  command: Command;
  dir: string;
  shard?: Shard;
  collect: boolean;
  /** Selects the backend; called only when a cell is to train. */
  backend(): Promise<BackendInfo>;
}

/**
 * The arguments of one cell: the lists' values, the other flags as given. In a sweep that
 * mixes --impl none with BatchNorm cells, the BatchNorm-only flags apply to the BatchNorm
 * cells; in one of --impl none cells only, they are refused as train refuses them.
 */
function cellArgs(flags: SweepFlags, cell: Partial<RunArgs>): RunArgs {
  const values = Object.fromEntries(Object.entries(cell).map(([axis, value]) => [attributeOf(axis as keyof RunArgs), value]));
  const args = runArgsFromFlags({ ...flags, ...values, impl: cell.impl! }, cell.impl!);
  const mixed = flags.impl.some(hasBatchNorm);
  return mixed && !hasBatchNorm(args.impl) ? withoutBatchNorm(args) : args;
}

export function sweepAxesOf(flags: SweepFlags): SweepAxes {
  return Object.fromEntries(SWEEP_AXES.map((axis) => [axis, flags[attributeOf(axis)]])) as SweepAxes;
}

/** The cells the flags ask for (used also to check them before TensorFlow.js loads). */
export function requestedCells(flags: SweepFlags) {
  return sweepRuns(sweepAxesOf(flags), (cell) => cellArgs(flags, cell));
}

/** Why the plan in a dir is not the sweep the flags ask for, or undefined when it is. */
function planMismatch(plan: RunSetPlan, flags: SweepFlags): string | undefined {
  const requested = requestedCells(flags);
  if (requested.length !== plan.runs.length) return `${plan.runs.length} cells there, ${requested.length} asked for`;
  for (const [i, run] of plan.runs.entries()) {
    const asked = requested[i]!;
    const field = run.name !== asked.name ? 'name' : differingField(run.args, asked.args);
    if (field) return `cell ${i + 1} is ${run.name} there, ${asked.name} here${field !== 'name' ? ` (${field} differs)` : ''}`;
  }
  return undefined;
}

/**
 * The sweep in `dir`: the one there (checked against the flags when they name cells), or a
 * new one. Concurrent shards starting in one dir may race to create it; the loser reads it.
 */
async function openSweep(request: SweepRequest): Promise<RunSetPlan> {
  const { dir, flags, command } = request;
  const hasPlan = () => fs.access(path.join(dir, PLAN_FILE)).then(() => true, () => false);
  const rerun = `continue it with \`bnlenet sweep --out ${dir}\``;
  if (await hasPlan()) {
    const plan = await readRunSet(dir, KIND);
    const named = DEFINING_FIELDS.some((field) => givenOnCommandLine(command, field));
    const mismatch = named && !request.collect ? planMismatch(plan, flags) : undefined;
    if (mismatch) throw new UsageError(`--out ${dir} holds another sweep: ${mismatch}`, `${rerun} (its own lists), or choose a new --out`);
    return plan;
  }
  if (request.collect) throw new DataError(`${dir} holds no sweep (no ${PLAN_FILE})`, 'pass the --out of a sweep');
  const entries = await fs.readdir(dir).catch(() => []);
  if (entries.length > 0) throw new UsageError(`--out ${dir} already holds files, and no sweep`, 'choose a new directory');
  try {
    return await createRunSet(dir, KIND, requestedCells(flags), { axes: sweepAxesOf(flags) });
  } catch (err) {
    if (await hasPlan()) return readRunSet(dir, KIND);
    throw err;
  }
}

/** One line, whatever the error: a cell's failure goes into a table cell. */
const oneLine = (err: unknown) => (err instanceof Error ? err.message : String(err)).split('\n')[0]!;

/** A data loader that loads each data dir once for all the cells. */
function sharedData(flags: SweepFlags, text: boolean) {
  const loads = new Map<string, Promise<FashionMnist>>();
  return (dataDir: string, signal: AbortSignal) => {
    let load = loads.get(dataDir);
    if (!load) {
      const downloads = createDownloadReporter();
      load = prepareDataset({
        dataDir,
        mirrors: flags.mirror,
        signal,
        onEvent: (event) => text && event.type !== 'verified' && downloads.onEvent(event),
      }).finally(() => downloads.close());
      // A failed load (an interrupt, a missing file) is tried again by the next cell.
      load.catch(() => loads.delete(dataDir));
      loads.set(dataDir, load);
    }
    return load;
  };
}

/**
 * Trains (or resumes) one cell. A diverged or failed run is recorded as the cell's outcome,
 * not thrown; an outcome that cannot be recorded (the cell's dir cannot be written) is
 * returned, for this command's summary to show.
 */
async function trainCell(
  stop: StopController,
  request: SweepRequest,
  plan: RunSetPlan,
  index: number,
  loadData: ReturnType<typeof sharedData>,
  backend: BackendInfo,
): Promise<CellOutcome | undefined> {
  const planned = plan.runs[index]!;
  const cellDir = path.join(request.dir, planned.name);
  await clearOutcome(cellDir).catch(() => undefined);
  const started = (await runProgress(cellDir)) === 'started';
  const { trainRun } = require('./train-action') as typeof import('./train-action');
  const shard = request.shard ? ` --shard ${request.shard.index}/${request.shard.of}` : '';
  try {
    await trainRun(stop, backend, {
      runDir: cellDir,
      args: started ? undefined : planned.args,
      mode: 'none',
      reporter: { showBar: outputMode(request.flags) === 'text' && Boolean(process.stderr.isTTY) },
      resumeCommand: `bnlenet sweep --out ${request.dir}${shard}`,
      loadData,
    });
  } catch (err) {
    if (err instanceof InterruptedError) throw err;
    const outcome: CellOutcome =
      err instanceof TrainingDivergedError
        ? { status: 'diverged', message: `in epoch ${err.epoch}`, epoch: err.epoch }
        : { status: 'failed', message: oneLine(err) };
    return recordOutcome(cellDir, outcome).then(() => undefined, () => outcome);
  }
  return undefined;
}

function cellLine(result: CellResult, index: number, of: number, plan: RunSetPlan, before: boolean): string {
  const label = cellLabel(result.args, varyingAxes(axesOf(plan.runs)));
  const final = result.final
    ? `, loss ${result.final.loss.toFixed(3)}, train acc ${result.final.trainAcc.toFixed(3)}, test acc ${result.final.testAcc.toFixed(3)}`
    : '';
  const message = result.message ? ` ${result.status === 'failed' ? `: ${result.message}` : result.message}` : '';
  return `cell ${index + 1}/${of}${label ? `: ${label}` : ''}: ${result.status}${message}${before ? ' (earlier)' : ''}${final}`;
}

export async function runSweep(stop: StopController, request: SweepRequest): Promise<SweepSummary> {
  const mode = outputMode(request.flags);
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const plan = await openSweep(request);
  const of = plan.runs.length;
  const mine = plan.runs.map((_, i) => i).filter((i) => !request.collect && inShard(i, request.shard));
  if (mode === 'text') {
    const which = request.collect ? 'collecting' : request.shard ? `shard ${request.shard.index}/${request.shard.of}: ${mine.length} of ${of} cells` : `${of} cells`;
    out(`sweep in ${request.dir}: ${which}`);
  }
  const loadData = sharedData(request.flags, mode === 'text');
  let backend: BackendInfo | undefined;
  /** Outcomes that could not be written into their cell's dir, by cell name. */
  const unrecorded = new Map<string, CellOutcome>();
  const resultOf = async (planned: RunSetPlan['runs'][number]): Promise<CellResult> => {
    const result = await readCellResult(request.dir, planned);
    const outcome = unrecorded.get(planned.name);
    return outcome && result.status === 'pending' ? { ...result, status: outcome.status, message: outcome.message } : result;
  };
  const summarize = async () => {
    const results = await Promise.all(plan.runs.map(resultOf));
    const summary = buildSweepSummary(axesOf(plan.runs), results);
    await writeSweepFiles(request.dir, summary);
    return { summary, results };
  };
  try {
    for (const index of mine) {
      throwIfInterrupted(stop.signal);
      const planned = plan.runs[index]!;
      const before = await readCellResult(request.dir, planned);
      const done = before.status === 'ok' || before.status === 'no-learning' || before.status === 'diverged';
      if (!done) {
        const outcome = await trainCell(stop, request, plan, index, loadData, (backend ??= await request.backend()));
        if (outcome) unrecorded.set(planned.name, outcome);
      }
      const result = done ? before : await resultOf(planned);
      if (mode === 'json') out(JSON.stringify({ event: 'cell', index: index + 1, of, ...result, earlier: done }));
      if (mode === 'text') out(cellLine(result, index, of, plan, done));
    }
  } catch (err) {
    if (!(err instanceof InterruptedError)) throw err;
    await summarize();
    throw new InterruptedError(err.message, `continue it with \`bnlenet sweep --out ${request.dir}${request.shard ? ` --shard ${request.shard.index}/${request.shard.of}` : ''}\``);
  }
  const { summary, results } = await summarize();
  if (mode === 'json') out(JSON.stringify({ event: 'sweep', dir: request.dir, ...summary }));
  else {
    if (mode === 'text') out('');
    for (const line of sweepLines(summary)) out(line);
    if (mode === 'text') out(`saved ${SWEEP_JSON}, ${SWEEP_MD} and ${SWEEP_SVG} in ${request.dir}`);
  }
  // This command answers for the cells it was to train (all of them when collecting).
  const answerable = request.collect ? results : results.filter((_, i) => mine.includes(i));
  const unfinished = answerable.filter((r) => r.status === 'failed' || r.status === 'pending');
  if (unfinished.length > 0) {
    throw new BnlenetError(
      `${unfinished.length} of ${answerable.length} cells ${request.collect ? 'failed or are pending' : 'failed'}: ${unfinished.map((r) => `${r.name} (${r.status})`).join(', ')}`,
      1,
      `see ${path.join(request.dir, SWEEP_MD)}; rerun \`bnlenet sweep --out ${request.dir}\` to train them again`,
    );
  }
  return summary;
}
