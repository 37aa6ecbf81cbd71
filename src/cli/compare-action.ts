/**
 * The part of `compare` (and `reproduce`) that needs TensorFlow.js, loaded lazily by the
 * commands: train the custom then the built-in BatchNorm variant with the same seed (so the
 * same initial weights and data order) into <dir>/custom and <dir>/builtin, as a run set
 * that --resume continues, then compare them.
 */
import * as path from 'node:path';
import type { BackendInfo } from '../engine/backend';
import { BATCHNORM_IMPLS, type BatchNormImpl } from '../model/impls';
import { variantChanges } from '../model/run-args';
import {
  buildComparison,
  COMPARE_JSON,
  COMPARE_SVG,
  sideBySideLines,
  summaryLines,
  writeCompareFiles,
  type Comparison,
  type VariantRun,
} from '../report/compare';
import { outputWidth, wrapText } from '../report/terminal-width';
import type { OutputMode } from '../report/train-reporter';
import { createRunSet, readFinishedRun, readRunSet, runProgress, type RunSetPlan } from '../train/run-set';
import type { RunOutcome } from '../train/run-training';
import { throwIfInterrupted } from '../util/abort';
import type { StopController } from './stop-controller';
import { trainRun } from './train-action';
import { outputMode, runArgsFromFlags, type TrainFlags } from './train-options';

/** The set of a new compare (or reproduce) run, or the one --resume continues. */
export async function openVariantSet<S extends object>(
  flags: TrainFlags,
  dir: string,
  kind: string,
  settings: S,
): Promise<RunSetPlan<S>> {
  if (flags.resume) return readRunSet<S>(dir, kind);
  const runs = BATCHNORM_IMPLS.map((impl) => ({ name: impl, args: runArgsFromFlags(flags, impl) }));
  return createRunSet(dir, kind, runs, settings);
}

function variantRun(outcome: RunOutcome): VariantRun {
  const { summary } = outcome;
  return {
    runDir: outcome.runDir,
    metrics: outcome.metrics,
    examplesPerSec: summary.examplesPerSec,
    device: summary.backend.device,
    versions: summary.versions,
    batchNorm: summary.batchNorm,
  };
}

/**
 * Trains each variant of the set into <dir>/<impl>, one after the other, each reported with
 * its label: finished ones are read back, an interrupted one resumes, the rest start.
 */
async function trainVariants(
  stop: StopController,
  flags: TrainFlags,
  dir: string,
  plan: RunSetPlan,
  mode: OutputMode,
  backend: BackendInfo,
): Promise<Record<BatchNormImpl, VariantRun>> {
  // Each run shows its own lines, labelled; under --quiet only the comparison speaks.
  const runMode: OutputMode = mode === 'quiet' ? 'none' : mode;
  const runs: Partial<Record<BatchNormImpl, VariantRun>> = {};
  for (const [index, planned] of plan.runs.entries()) {
    throwIfInterrupted(stop.signal);
    const runDir = path.join(dir, planned.name);
    const progress = await runProgress(runDir);
    const outcome =
      progress === 'done'
        ? await readFinishedRun(runDir)
        : await trainRun(stop, backend, {
            runDir,
            args: progress === 'started' ? undefined : planned.args,
            mode: runMode,
            mirrors: flags.mirror,
            reporter: { label: planned.name, showChart: false },
            plan: { index, count: plan.runs.length },
            resumeCommand: `bnlenet ${plan.kind} --resume ${dir}`,
          });
    runs[planned.args.impl as BatchNormImpl] = variantRun(outcome);
  }
  return runs as Record<BatchNormImpl, VariantRun>;
}

/** Trains both variants, writes compare.json and compare.svg, and prints the comparison. */
export async function trainAndCompare(
  stop: StopController,
  flags: TrainFlags,
  dir: string,
  plan: RunSetPlan,
  backend: BackendInfo,
): Promise<{ comparison: Comparison; runs: Record<BatchNormImpl, VariantRun> }> {
  const mode = outputMode(flags);
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const seed = plan.runs[0]!.args.seed;
  if (mode === 'text') {
    const verb = flags.resume ? 'continuing the comparison of' : 'comparing';
    const changes = variantChanges(plan.runs[0]!.args);
    const variant = changes.length > 0 ? ` (${changes.join('; ')})` : '';
    const text = `${verb} custom and builtin BatchNorm${variant} from the same initial weights and data order (seed ${seed}) in ${dir}`;
    for (const line of wrapText(text, outputWidth(process.stdout))) out(line);
  }
  const runs = await trainVariants(stop, flags, dir, plan, mode, backend);
  const { impl: _impl, ...args } = plan.runs[0]!.args;
  const comparison = buildComparison(args, runs);
  await writeCompareFiles(dir, comparison);
  if (mode === 'json') {
    out(JSON.stringify({ event: 'compare', dir, ...comparison }));
    return { comparison, runs };
  }
  if (mode === 'text') out(['', ...sideBySideLines(comparison, outputWidth(process.stdout)), ''].join('\n'));
  const width = mode === 'text' ? outputWidth(process.stdout) : undefined;
  for (const line of summaryLines(comparison).flatMap((l) => wrapText(l, width))) out(line);
  if (mode === 'text') for (const line of wrapText(`saved ${COMPARE_JSON} and ${COMPARE_SVG} in ${dir}`, width)) out(line);
  return { comparison, runs };
}
