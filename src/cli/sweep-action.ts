/**
 * `bnlenet sweep`, loaded lazily by the command: opens the sweep's plan (train/sweep-plan.ts),
 * has train/ train this command's cells (trainRunSet: every cell, a shard's, or with --collect
 * none), prints a line per cell, and has the store write sweep.json, sweep.md and sweep.svg
 * from the cells present. TensorFlow.js is loaded only when a cell trains.
 */
import * as path from 'node:path';
import type { Command } from 'commander';
import { prepareDataset, type FashionMnist } from '../data';
import type { BackendInfo } from '../engine/backend';
import { BnlenetError, InterruptedError } from '../errors';
import { hasBatchNorm } from '../model/impls';
import { SWEEP_AXES, withoutBatchNorm, type RunArgs } from '../model/run-args';
import { createDownloadReporter } from '../report/download-progress';
import { sweepLines, sweepMarkdown, sweepSvg, SWEEP_JSON, SWEEP_MD, SWEEP_SVG } from '../report/sweep';
import { trainRunSet, type RunSetTrained } from '../train/run-set-training';
import { writeSweepFiles } from '../train/store/set-files';
import { buildSweepSummary, type SweepSummary } from '../train/sweep-summary';
import { PLAN_FILE } from '../train/store/layout';
import type { RunSetPlan } from '../train/store/run-set';
import { openSweepPlan } from '../train/sweep-plan';
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
} from '../train/sweep';
import type { StopController } from './stop-controller';
import { attributeOf, givenOnCommandLine, outputMode, runArgsFromFlags, type SweepFlags } from './train-options';
import { outputWidth, wrapText } from '../report/terminal-width';
import { formatFigure, plural } from '../report/train-lines';
import { shellCommand } from '../util/shell-quote';
import { isDiskFull } from '../util/fs-errors';

export interface SweepRequest {
  flags: SweepFlags;
  command: Command;
  dir: string;
  shard?: Shard;
  collect: boolean;
  /** Selects the backend: before the plan is written, unless collecting (which trains nothing). */
  backend(): Promise<BackendInfo>;
}

/**
 * The arguments of one cell: the lists' values, the other flags as given. In a sweep that
 * mixes --impl none with BatchNorm cells, the BatchNorm-only flags apply to the BatchNorm
 * cells; in one of --impl none cells only, they are refused as train refuses them.
 */
function cellArgs(flags: SweepFlags, cell: Partial<RunArgs>, axes: SweepAxes): RunArgs {
  const values = Object.fromEntries(Object.entries(cell).map(([axis, value]) => [attributeOf(axis as keyof RunArgs), value]));
  const args = runArgsFromFlags({ ...flags, ...values, impl: cell.impl! }, cell.impl!);
  const mixed = (axes.impl ?? []).some(hasBatchNorm);
  return mixed && !hasBatchNorm(args.impl) ? withoutBatchNorm(args) : args;
}

/** The cells of these lists, the other flags as given. */
function cellsOf(flags: SweepFlags, axes: SweepAxes) {
  return sweepRuns(axes, (cell) => cellArgs(flags, cell, axes));
}

export function sweepAxesOf(flags: SweepFlags): SweepAxes {
  return Object.fromEntries(SWEEP_AXES.map((axis) => [axis, flags[attributeOf(axis)]])) as SweepAxes;
}

/** The cells the flags ask for (used also to check them before TensorFlow.js loads). */
export function requestedCells(flags: SweepFlags) {
  return cellsOf(flags, sweepAxesOf(flags));
}

/** The sweep in the dir: the one there (checked against the flags given), or a new one. */
function openSweep(request: SweepRequest): Promise<RunSetPlan> {
  return openSweepPlan({
    dir: request.dir,
    collect: request.collect,
    axes: sweepAxesOf(request.flags),
    given: (field) => givenOnCommandLine(request.command, field),
    cellsFor: (axes) => cellsOf(request.flags, axes),
    onRebuilt: (cells) => process.stderr.write(`bnlenet: ${request.dir} had no ${PLAN_FILE}; rebuilt it from the flags, which match its ${cells} cell dirs\n`),
  });
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
    ? `, loss ${formatFigure(result.final.loss)}, train acc ${formatFigure(result.final.trainAcc)}, test acc ${formatFigure(result.final.testAcc)}`
    : '';
  const message = result.message ? (result.status === 'failed' ? `: ${result.message}` : ` ${result.message}`) : '';
  return `cell ${index + 1}/${of}${label ? `: ${label}` : ''}: ${result.status}${message}${before ? ' (earlier)' : ''}${final}`;
}

export async function runSweep(stop: StopController, request: SweepRequest): Promise<SweepSummary> {
  const mode = outputMode(request.flags);
  // Text lines are wrapped at word boundaries to a terminal's width (or $COLUMNS).
  const width = mode === 'text' ? outputWidth(process.stdout) : undefined;
  const out = (line: string) => process.stdout.write(line === '' ? '\n' : `${wrapText(line, width).join('\n')}\n`);
  // The backend first, when cells are to be trained: a backend that cannot start (a package
  // not installed, no GPU) fails before the sweep's plan is written, leaving nothing behind.
  let backend: BackendInfo | undefined = request.collect ? undefined : await request.backend();
  const plan = await openSweep(request);
  const of = plan.runs.length;
  const mine = plan.runs.map((_, i) => i).filter((i) => !request.collect && inShard(i, request.shard));
  if (mode === 'text') {
    const which = request.collect
      ? 'collecting'
      : request.shard
        ? `shard ${request.shard.index}/${request.shard.of}: ${mine.length} of ${plural(of, 'cell')}`
        : plural(of, 'cell');
    out(`sweep in ${request.dir}: ${which}`);
  }
  const loadData = sharedData(request.flags, mode === 'text');
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
        const { trainRun } = require('./reported-run') as typeof import('./reported-run');
        return trainRun(stop, (backend ??= await request.backend()), {
          runDir: run.runDir,
          args,
          mode: 'none',
          // The progress line names the cell, and its time left counts this command's later cells.
          reporter: { showBar: mode === 'text' && Boolean(process.stderr.isTTY), label: `cell ${run.index + 1}/${plan.runs.length}` },
          plan: { index: Math.max(0, mine.indexOf(run.index)), count: mine.length },
          resumeCommand: `${shellCommand('bnlenet', 'sweep', '--out', request.dir)}${shardFlag}`,
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
    const rerun = `${shellCommand('bnlenet', 'sweep', '--out', request.dir)}${shardFlag}`;
    // A full disk stops the sweep at the cell that hit it (the later ones would fail alike).
    if (isDiskFull(err)) throw new BnlenetError((err as Error).message, 1, `free some space on that disk, then continue the sweep with \`${rerun}\``);
    if (!(err instanceof InterruptedError)) throw err;
    await summarize();
    throw new InterruptedError(err.message, `continue it with \`${rerun}\``);
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
      `see ${path.join(request.dir, SWEEP_MD)}; rerun \`${shellCommand('bnlenet', 'sweep', '--out', request.dir)}\` to train them again`,
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
