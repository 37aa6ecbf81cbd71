/**
 * The part of `reproduce` that needs TensorFlow.js, loaded lazily by the command: train both
 * variants as compare does, check them against the tolerances, write report.md, and fail
 * (exit 1, one line naming the failed checks) when a check is outside its tolerance.
 */
import * as path from 'node:path';
import { BnlenetError } from '../errors';
import { VARIANTS } from '../report/compare';
import { checkRun, failureText, type Tolerances } from '../report/reproduce-figures';
import { checkLines, REPORT_FILE, reproduceMarkdown } from '../report/reproduce-report';
import { writeFileAtomic } from '../util/atomic-file';
import { trainAndCompare } from './compare-action';
import { outputMode, type TrainFlags } from './train-options';

export async function reproduceWithFlags(flags: TrainFlags, dir: string, tolerances: Tolerances): Promise<void> {
  const mode = outputMode(flags);
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const { comparison, runs } = await trainAndCompare(flags, dir);
  const checks = VARIANTS.flatMap((impl) => checkRun(impl, comparison.runs[impl].metrics, tolerances));
  const report = path.join(dir, REPORT_FILE);
  const markdown = reproduceMarkdown({
    comparison,
    checks,
    tolerances,
    versions: runs.custom.versions,
    date: new Date().toISOString(),
  });
  await writeFileAtomic(report, markdown);
  const failed = checks.filter((check) => !check.pass);
  if (mode === 'json') {
    out(JSON.stringify({ event: 'reproduce', passed: failed.length === 0, tolerances, checks, report }));
  } else if (mode === 'text') {
    out(['', ...checkLines(checks), ''].join('\n'));
  }
  if (failed.length > 0) {
    throw new BnlenetError(`reproduction failed: ${failed.map(failureText).join('; ')}`, 1, `see ${report}`);
  }
  if (mode !== 'json') out(`reproduction passed: all ${checks.length} checks within tolerance; report: ${report}`);
}
