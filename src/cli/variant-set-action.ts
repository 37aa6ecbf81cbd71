/**
 * The TensorFlow.js side of `compare` and `reproduce`, loaded lazily by the commands: both train
 * the same variant set (train/variant-set.ts), each run shown by its own labelled reporter, and
 * print the comparison, which the store writes as compare.json and compare.svg. `reproduce`
 * then checks both runs against its tolerances (kept from the start on --resume), writes
 * report.md and report.json, and fails (exit 1, one line naming the failed checks) when a
 * check is outside its tolerance.
 */
import { appendFile } from 'node:fs/promises';
import type { BackendInfo } from '../engine/backend';
import { compareSvg, COMPARE_JSON, COMPARE_SVG, sideBySideLines, summaryLines } from '../report/compare';
import { outputWidth, wrapText } from '../report/terminal-width';
import type { OutputMode } from '../report/train-reporter';
import { variantChanges } from '../model/run-args';
import { writeCompareFiles, writeReproduceFiles } from '../train/store/set-files';
import type { RunSetPlan } from '../train/store/run-set';
import { openVariantSet, trainVariantSet, type TrainedComparison } from '../train/variant-set';
import { trainRun } from './reported-run';
import type { StopController } from './stop-controller';
import { outputMode, runArgsFromFlags, type TrainFlags } from './train-options';
import { shellCommand } from '../util/shell-quote';
import { BnlenetError } from '../errors';
import { prepareDataset } from '../data';
import { BATCHNORM_IMPLS, type BatchNormImpl } from '../model/impls';
import type { VariantRun } from '../train/comparison';
import { checkRun, failureText, recipeDifferences, type Tolerances } from '../train/reproduce-checks';
import {
  checkLines,
  REPORT_JSON,
  reproduceJson,
  reproduceMarkdown,
  stepSummaryMarkdown,
  verdictLabel,
  type Reproduction,
} from '../report/reproduce-report';
import { DEFAULT_RECOMPUTE_IMAGES } from '../train/recompute-stats';
import { evaluateSavedRun } from '../train/evaluate-saved';
import { provenance } from './provenance';

/** The set of a new compare (or reproduce) run, or the one --resume continues. */
export function openVariantSetWithFlags<S extends object>(flags: TrainFlags, dir: string, kind: string, settings: S): Promise<RunSetPlan<S>> {
  return openVariantSet(dir, kind, Boolean(flags.resume), (impl) => runArgsFromFlags(flags, impl), settings);
}

/** Trains both variants, writes compare.json and compare.svg, and prints the comparison. */
export async function trainAndCompare(
  stop: StopController,
  flags: TrainFlags,
  dir: string,
  plan: RunSetPlan,
  backend: BackendInfo,
): Promise<TrainedComparison> {
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
  // Each run shows its own lines, labelled; under --quiet only the comparison speaks.
  const runMode: OutputMode = mode === 'quiet' ? 'none' : mode;
  const trained = await trainVariantSet(dir, plan, stop.signal, (run, args) =>
    trainRun(stop, backend, {
      runDir: run.runDir,
      args,
      mode: runMode,
      mirrors: flags.mirror,
      reporter: { label: run.planned.name, showChart: false },
      plan: { index: run.index, count: run.of },
      resumeCommand: shellCommand('bnlenet', plan.kind, '--resume', dir),
    }),
  );
  const { comparison } = trained;
  await writeCompareFiles(dir, comparison, await compareSvg(comparison));
  if (mode === 'json') {
    out(JSON.stringify({ event: 'compare', dir, ...comparison }));
    return trained;
  }
  if (mode === 'text') out(['', ...sideBySideLines(comparison, outputWidth(process.stdout)), ''].join('\n'));
  const width = mode === 'text' ? outputWidth(process.stdout) : undefined;
  for (const line of summaryLines(comparison).flatMap((l) => wrapText(l, width))) out(line);
  if (mode === 'text') for (const line of wrapText(`saved ${COMPARE_JSON} and ${COMPARE_SVG} in ${dir}`, width)) out(line);
  return trained;
}

/** Each variant's test accuracy with recomputed BatchNorm statistics, for the report's extra row. */
async function recomputedTestAcc(dataDir: string, mirrors: readonly string[] | undefined, runs: Record<BatchNormImpl, VariantRun>) {
  const data = await prepareDataset({ dataDir, mirrors });
  const rows: Partial<Record<BatchNormImpl, { images: number; testAcc: number }>> = {};
  for (const impl of BATCHNORM_IMPLS) {
    const { precise } = await evaluateSavedRun(runs[impl].runDir, data, DEFAULT_RECOMPUTE_IMAGES);
    if (precise) rows[impl] = { images: precise.images, testAcc: precise.evaluation.accuracy };
  }
  return rows;
}

/**
 * Trains (or continues) the reproduction in `dir` and checks it. `tolerances` are the ones on
 * the command line; a resumed reproduction keeps those it started with unless given there.
 */
export async function reproduceWithFlags(
  stop: StopController,
  flags: TrainFlags,
  dir: string,
  tolerances: Tolerances,
  fromCommandLine: (keyof Tolerances)[],
  backend: BackendInfo,
): Promise<void> {
  const mode = outputMode(flags);
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const plan = await openVariantSetWithFlags(flags, dir, 'reproduce', { tolerances });
  const chosen: Tolerances = { ...plan.settings.tolerances };
  for (const key of fromCommandLine) chosen[key] = tolerances[key];
  const { comparison, runs } = await trainAndCompare(stop, flags, dir, plan, backend);
  const recomputed = await recomputedTestAcc(plan.runs[0]!.args.dataDir, flags.mirror, runs);
  const checks = BATCHNORM_IMPLS.flatMap((impl) => checkRun(impl, comparison.runs[impl].metrics, chosen));
  const reproduction: Reproduction = {
    comparison,
    checks,
    tolerances: chosen,
    provenance: provenance(backend),
    date: new Date().toISOString(),
    recomputed,
  };
  const report = await writeReproduceFiles(dir, reproduceMarkdown(reproduction), reproduceJson(reproduction));
  await appendStepSummary(reproduction, report);
  const failed = checks.filter((check) => !check.pass);
  const label = verdictLabel(failed.length === 0, recipeDifferences(comparison.args));
  if (mode === 'json') {
    out(JSON.stringify({ event: 'reproduce', passed: failed.length === 0, verdict: label, tolerances: chosen, checks, report }));
  } else if (mode === 'text') {
    out(['', ...checkLines(checks), ''].join('\n'));
    const figures = BATCHNORM_IMPLS.flatMap((impl) => (recomputed[impl] ? [`${impl} ${recomputed[impl]!.testAcc.toFixed(3)}`] : []));
    if (figures.length > 0) out(`test acc with BatchNorm statistics recomputed (information, not a check): ${figures.join(', ')}`);
  }
  if (failed.length > 0) {
    // One failed check per line, under the one-line verdict.
    const hint = [...failed.map(failureText), `see ${report} and ${REPORT_JSON}`].join('\n  ');
    throw new BnlenetError(`reproduction failed: ${failed.length} of ${checks.length} checks outside tolerance`, 1, hint);
  }
  if (mode !== 'json') out(`reproduction ${label}: all ${checks.length} checks within tolerance; report: ${report}`);
}

/** In a GitHub Actions job, the verdict and the checks on the job's summary page. */
async function appendStepSummary(reproduction: Reproduction, report: string): Promise<void> {
  const file = process.env.GITHUB_STEP_SUMMARY;
  if (!file) return;
  try {
    await appendFile(file, stepSummaryMarkdown(reproduction, report));
  } catch (err) {
    process.stderr.write(`bnlenet: warning: could not append to $GITHUB_STEP_SUMMARY (${file}): ${(err as Error).message}\n`);
  }
}
