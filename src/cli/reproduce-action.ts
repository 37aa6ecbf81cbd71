/**
 * The part of `reproduce` that needs TensorFlow.js, loaded lazily by the command: train both
 * variants as compare does (a run set that --resume continues, with the tolerances it was
 * started with), check them against the tolerances, write report.md, and fail (exit 1, one
 * line naming the failed checks) when a check is outside its tolerance.
 */
import * as path from 'node:path';
import type { BackendInfo } from '../engine/backend';
import { BnlenetError } from '../errors';
import { BATCHNORM_IMPLS } from '../model/impls';
import { checkRun, failureText, type Tolerances } from '../report/reproduce-figures';
import { checkLines, REPORT_FILE, reproduceMarkdown } from '../report/reproduce-report';
import { writeFileAtomic } from '../util/atomic-file';
import { openVariantSet, trainAndCompare } from './compare-action';
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
  const { comparison, runs } = await trainAndCompare(stop, flags, dir, plan, backend);
  const checks = BATCHNORM_IMPLS.flatMap((impl) => checkRun(impl, comparison.runs[impl].metrics, chosen));
  const report = path.join(dir, REPORT_FILE);
  const markdown = reproduceMarkdown({
    comparison,
    checks,
    tolerances: chosen,
    versions: runs.custom.versions,
    date: new Date().toISOString(),
  });
  await writeFileAtomic(report, markdown);
  const failed = checks.filter((check) => !check.pass);
  if (mode === 'json') {
    out(JSON.stringify({ event: 'reproduce', passed: failed.length === 0, tolerances: chosen, checks, report }));
  } else if (mode === 'text') {
    out(['', ...checkLines(checks), ''].join('\n'));
  }
  if (failed.length > 0) {
    throw new BnlenetError(`reproduction failed: ${failed.map(failureText).join('; ')}`, 1, `see ${report}`);
  }
  if (mode !== 'json') out(`reproduction passed: all ${checks.length} checks within tolerance; report: ${report}`);
}
