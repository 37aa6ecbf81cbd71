/**
 * The part of `reproduce` that needs TensorFlow.js, loaded lazily by the command: train both
 * variants as compare does (a run set that --resume continues, with the tolerances it was
 * started with), check them against the tolerances, write report.md, and fail (exit 1, one
 * line naming the failed checks) when a check is outside its tolerance.
 */
import { appendFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { BackendInfo } from '../engine/backend';
import { BnlenetError } from '../errors';
import { BATCHNORM_IMPLS } from '../model/impls';
import { checkRun, failureText, recipeDifferences, type Tolerances } from '../report/reproduce-figures';
import {
  checkLines,
  REPORT_FILE,
  REPORT_JSON,
  reproduceJson,
  reproduceMarkdown,
  stepSummaryMarkdown,
  verdictLabel,
  type Reproduction,
} from '../report/reproduce-report';
import { writeFileAtomic, writeJsonAtomic } from '../util/atomic-file';
import { openVariantSet, trainAndCompare } from './compare-action';
import { provenance } from './provenance';
import type { StopController } from './stop-controller';
import { outputMode, type TrainFlags } from './train-options';

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
  const plan = await openVariantSet(flags, dir, 'reproduce', { tolerances });
  const chosen: Tolerances = { ...plan.settings.tolerances };
  for (const key of fromCommandLine) chosen[key] = tolerances[key];
  const { comparison } = await trainAndCompare(stop, flags, dir, plan, backend);
  const checks = BATCHNORM_IMPLS.flatMap((impl) => checkRun(impl, comparison.runs[impl].metrics, chosen));
  const report = path.join(dir, REPORT_FILE);
  const reproduction: Reproduction = { comparison, checks, tolerances: chosen, provenance: provenance(backend), date: new Date().toISOString() };
  await writeFileAtomic(report, reproduceMarkdown(reproduction));
  await writeJsonAtomic(path.join(dir, REPORT_JSON), reproduceJson(reproduction));
  await appendStepSummary(reproduction, report);
  const failed = checks.filter((check) => !check.pass);
  const label = verdictLabel(failed.length === 0, recipeDifferences(comparison.args));
  if (mode === 'json') {
    out(JSON.stringify({ event: 'reproduce', passed: failed.length === 0, verdict: label, tolerances: chosen, checks, report }));
  } else if (mode === 'text') {
    out(['', ...checkLines(checks), ''].join('\n'));
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
