/**
 * The part of `reproduce` that needs TensorFlow.js, loaded lazily by the command: train both
 * variants as compare does (a run set that --resume continues, with the tolerances it was
 * started with), check them against the tolerances, write report.md, and fail (exit 1, one
 * line naming the failed checks) when a check is outside its tolerance.
 */
import { appendFile } from 'node:fs/promises';
import type { BackendInfo } from '../engine/backend';
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
import { writeReproduceFiles } from '../train/store/set-files';
import { evaluateSavedRun } from '../train/evaluate-saved';
import { openVariantSetWithFlags, trainAndCompare } from './comparison-run';
import { provenance } from './provenance';
import type { StopController } from './stop-controller';
import { outputMode, type TrainFlags } from './train-options';

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
