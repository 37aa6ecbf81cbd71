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
import { createDownloadReporter } from '../report/download-progress';
import { sweepLines, sweepMarkdown, sweepSvg, SWEEP_JSON, SWEEP_MD, SWEEP_SVG } from '../report/sweep';
import { trainRunSet, type RunSetTrained } from '../train/run-set-training';
import { writeSweepFiles } from '../train/store/set-files';
import { buildSweepSummary, type SweepSummary } from '../train/sweep-summary';
import { DEFINING_FIELDS, differingField, type DefiningField } from '../train/run-record';
import { CELL_LOCK_SUFFIX, PLAN_FILE } from '../train/store/layout';
import { readRunRecord } from '../train/store/run-record-file';
import { createRunSet, readRunSet, writeRunSetPlan, type RunSetPlan } from '../train/store/run-set';
import {
  axesOf,
  cellLabel,
  inShard,
  readCellResult,
  sweepRuns,
  varyingAxes,
  type CellResult,
  type Shard,
  type SweepAxes,
  SWEEP_AXES,
} from '../train/sweep';
import type { StopController } from './stop-controller';
import { givenOnCommandLine, outputMode, runArgsFromFlags, type SweepFlags, type TrainFlags } from './train-options';

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

/** The flags of one cell: the lists' values, and for a cell without BatchNorm none of the BatchNorm flags. */
function cellFlags(flags: SweepFlags, cell: Pick<TrainFlags, 'lr' | 'seed' | 'batchSize' | 'dropout' | 'impl'>): TrainFlags {
  const plain = !hasBatchNorm(cell.impl);
  return { ...flags, ...cell, ...(plain ? { bnLayers: undefined, bias: true, freezeAffine: false, bnMode: 'full' } : {}) };
}

export function sweepAxesOf(flags: SweepFlags): SweepAxes {
  return { impl: flags.impl, batchSize: flags.batchSize, dropout: flags.dropout, seed: flags.seed, lr: flags.lr };
}

/** The cells the flags ask for (used also to check them before TensorFlow.js loads). */
export function requestedCells(flags: SweepFlags) {
  return sweepRuns(sweepAxesOf(flags), (cell) => runArgsFromFlags(cellFlags(flags, cell), cell.impl));
}

const flagOf = (field: string) => `--${field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/**
 * Why the plan in a dir is not the sweep the flags ask for, or undefined when it is. Only
 * the flags given on the command line are compared (the others are the plan's own), and the
 * answer names the first that differs.
 */
function planMismatch(plan: RunSetPlan, flags: SweepFlags, command: Command): string | undefined {
  const given = (field: DefiningField) => givenOnCommandLine(command, field);
  const there = axesOf(plan.runs);
  const asked = sweepAxesOf(flags);
  const axes = Object.fromEntries(SWEEP_AXES.map((axis) => [axis, given(axis) ? asked[axis] : there[axis]])) as SweepAxes;
  const requested = sweepRuns(axes, (cell) => runArgsFromFlags(cellFlags(flags, cell), cell.impl));
  const list = SWEEP_AXES.find((axis) => JSON.stringify(axes[axis]) !== JSON.stringify(there[axis]));
  if (list) {
    const counts = requested.length !== plan.runs.length ? `${plan.runs.length} cells there, ${requested.length} asked for: ` : '';
    return `${counts}${flagOf(list)} lists ${there[list].join(',')} there, ${axes[list].join(',')} here`;
  }
  for (const [i, run] of plan.runs.entries()) {
    const field = DEFINING_FIELDS.find((f) => given(f) && JSON.stringify(run.args[f]) !== JSON.stringify(requested[i]!.args[f]));
    if (field) return `${flagOf(field)} is ${JSON.stringify(run.args[field])} there, ${JSON.stringify(requested[i]!.args[field])} here`;
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
    const mismatch = named && !request.collect ? planMismatch(plan, flags, command) : undefined;
    if (mismatch) throw new UsageError(`--out ${dir} holds another sweep: ${mismatch}`, `${rerun} (its own lists), or choose a new --out`);
    return plan;
  }
  if (request.collect) throw new DataError(`${dir} holds no sweep (no ${PLAN_FILE})`, 'pass the --out of a sweep');
  const entries = await fs.readdir(dir).catch(() => []);
  if (entries.length > 0) return rebuildPlan(request, entries);
  try {
    return await createRunSet(dir, KIND, requestedCells(flags), { axes: sweepAxesOf(flags) });
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
async function rebuildPlan(request: SweepRequest, entries: string[]): Promise<RunSetPlan> {
  const { dir, flags } = request;
  const requested = requestedCells(flags);
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
  const plan = await writeRunSetPlan(dir, KIND, requested, { axes: sweepAxesOf(flags) });
  process.stderr.write(`bnlenet: ${dir} had no ${PLAN_FILE}; rebuilt it from the flags, which match its ${cells.length} cell dirs\n`);
  return plan;
}

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
  const shardFlag = request.shard ? ` --shard ${request.shard.index}/${request.shard.of}` : '';
  const label = (args: CellResult['args']) => cellLabel(args, varyingAxes(axesOf(plan.runs)));
  let trained: RunSetTrained | undefined;
  const summarize = async () => {
    const results = trained ? await trained.results() : await Promise.all(plan.runs.map((planned) => readCellResult(request.dir, planned)));
    const summary = buildSweepSummary(axesOf(plan.runs), results);
    await writeSweepFiles(request.dir, summary, sweepMarkdown(summary), await sweepSvg(summary));
    return { summary, results };
  };
  try {
    trained = await trainRunSet({
      dir: request.dir,
      plan,
      indices: mine,
      failures: 'record',
      signal: stop.signal,
      train: async (run, args) => {
        // TensorFlow.js is loaded only when a cell trains.
        const { trainRun } = require('./reported-run') as typeof import('./reported-run');
        return trainRun(stop, (backend ??= await request.backend()), {
          runDir: run.runDir,
          args,
          mode: 'none',
          reporter: { showBar: mode === 'text' && Boolean(process.stderr.isTTY) },
          resumeCommand: `bnlenet sweep --out ${request.dir}${shardFlag}`,
          loadData,
        });
      },
      onBusy: (run, pid) => {
        const named = label(run.planned.args);
        if (mode === 'json') out(JSON.stringify({ event: 'cell', index: run.index + 1, of, name: run.planned.name, status: 'busy', pid }));
        if (mode === 'text') out(`cell ${run.index + 1}/${of}${named ? `: ${named}` : ''}: skipped, being trained by another bnlenet (pid ${pid}) in this dir`);
      },
      onBroken: (run, why) => {
        if (mode === 'text') out(`cell ${run.index + 1}/${of}: ${run.planned.name} is broken (${why}); training it again from the start`);
      },
      onResult: (run, result, earlier) => {
        if (mode === 'json') out(JSON.stringify({ event: 'cell', index: run.index + 1, of, ...result, earlier }));
        if (mode === 'text') out(cellLine(result, run.index, of, plan, earlier));
      },
    });
  } catch (err) {
    if (!(err instanceof InterruptedError)) throw err;
    await summarize();
    throw new InterruptedError(err.message, `continue it with \`bnlenet sweep --out ${request.dir}${shardFlag}\``);
  }
  const { summary, results } = await summarize();
  // This command answers for the cells it was to train (all of them when collecting), and a
  // shard speaks only of its own.
  const busy = trained?.busy ?? new Map<number, number>();
  const answerable = request.collect ? results : results.filter((_, i) => mine.includes(i) && !busy.has(i));
  const spoken = request.shard && !request.collect ? buildSweepSummary(axesOf(plan.runs), answerable) : summary;
  if (mode === 'json') out(JSON.stringify({ event: 'sweep', dir: request.dir, ...summary }));
  else {
    if (mode === 'text') out('');
    const shard = request.shard && `shard ${request.shard.index}/${request.shard.of}`;
    if (spoken !== summary && answerable.length === 0) out(`${shard} holds none of the sweep's ${of} cells`);
    else {
      if (spoken !== summary) out(`${shard}, its ${answerable.length} cells:`);
      for (const line of sweepLines(spoken)) out(line);
    }
    if (mode === 'text') out(`saved ${SWEEP_JSON}, ${SWEEP_MD} and ${SWEEP_SVG} in ${request.dir}`);
  }
  const unfinished = answerable.filter((r) => r.status === 'failed' || r.status === 'pending');
  if (unfinished.length > 0) {
    throw new BnlenetError(
      `${unfinished.length} of ${answerable.length} cells ${request.collect ? 'failed or are pending' : 'failed'}: ${unfinished.map((r) => `${r.name} (${r.status})`).join(', ')}`,
      1,
      `see ${path.join(request.dir, SWEEP_MD)}; rerun \`bnlenet sweep --out ${request.dir}\` to train them again`,
    );
  }
  if (busy.size > 0) {
    const pids = [...new Set(busy.values())].join(', ');
    throw new BnlenetError(
      `${busy.size} of ${mine.length} cells were being trained by another bnlenet sweep in ${request.dir} (pid ${pids}) and were left to it`,
      1,
      `rerun \`bnlenet sweep --out ${request.dir}\` once it has finished, to collect them`,
    );
  }
  return summary;
}
