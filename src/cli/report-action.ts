/**
 * `bnlenet report`, loaded lazily by the command: tells a run dir from a compare (or
 * reproduce) dir and a sweep dir, reads it, and writes the HTML page atomically.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { DataError } from '../errors';
import { renderPage, type Page } from '../report/html/page';
import { comparePage, runPage } from '../report/html/run-report';
import { sweepPage } from '../report/html/sweep-report';
import { PLAN_FILE, REPORT_HTML, RUN_FILE, SWEEP_JSON as SWEEP_FILE } from '../train/store/layout';
import { newestRunDir } from '../train/store/run-dir';
import { readRunSet } from '../train/store/run-set';
import { readSweepFile } from '../train/store/sweep-file';
import { yieldForStop } from '../util/abort';
import { writeFileAtomic } from '../util/atomic-file';
import { shellCommand } from '../util/shell-quote';
import { readRunForReport, reportDataLoader } from './report-inputs';


const exists = (file: string) => fs.access(file).then(() => true, () => false);

/** The page for `dir`, whichever kind of dir it is. */
async function pageFor(dir: string, dataDir: string | undefined, signal?: AbortSignal): Promise<Page> {
  if (await exists(path.join(dir, SWEEP_FILE))) return sweepPage(dir, await readSweepFile(dir));
  const planFile = path.join(dir, PLAN_FILE);
  if (await exists(planFile)) {
    const kind = (JSON.parse(await fs.readFile(planFile, 'utf8').catch(() => '{}')) as { kind?: string }).kind ?? 'compare';
    if (kind === 'sweep') {
      throw new DataError(`${dir} has no ${SWEEP_FILE} yet`, `write it from the cells present with \`${shellCommand('bnlenet', 'sweep', '--collect', '--out', dir)}\``);
    }
    const plan = await readRunSet(dir, kind);
    const load = reportDataLoader(signal);
    const runs = [];
    for (const planned of plan.runs) {
      const runDir = path.join(dir, planned.name);
      if (await exists(path.join(runDir, RUN_FILE))) runs.push(await readRunForReport(runDir, dataDir, load, planned.name, signal));
    }
    if (runs.length === 0) throw new DataError(`${dir} holds no run yet`, `continue it with \`${shellCommand('bnlenet', kind, '--resume', dir)}\``);
    return comparePage(kind, dir, runs);
  }
  if (await exists(path.join(dir, RUN_FILE))) return runPage(await readRunForReport(dir, dataDir, reportDataLoader(signal), undefined, signal));
  throw new DataError(`${dir} is not a run, compare, reproduce or sweep dir (no ${RUN_FILE}, ${PLAN_FILE} or ${SWEEP_FILE})`, 'pass a dir made by bnlenet with --run');
}

/** Writes the report of `runFlag` (default: the newest run) to `outFlag` (default <dir>/report.html); returns the file. */
export async function writeReport(
  runFlag: string | undefined,
  outFlag: string | undefined,
  dataDir: string | undefined,
  signal?: AbortSignal,
): Promise<string> {
  const dir = runFlag ?? (await newestRunDir());
  const page = await pageFor(dir, dataDir, signal);
  await yieldForStop(signal);
  const warnings = new Set<string>();
  const html = renderPage(page, (message) => warnings.add(message));
  for (const warning of warnings) process.stderr.write(`bnlenet: warning: chart: ${warning}\n`);
  const out = outFlag ?? path.join(dir, REPORT_HTML);
  await yieldForStop(signal);
  await writeFileAtomic(out, html);
  return out;
}
