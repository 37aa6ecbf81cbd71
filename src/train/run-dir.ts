/**
 * Run directories: runs/<UTC time>-<impl> by default, holding run.json (the arguments),
 * checkpoint.json, metrics.jsonl, model.json + weights.bin and, at the end, summary.json.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { BnlenetError, DataError } from '../errors';
import { writeFileAtomic, writeJsonAtomic } from '../util/atomic-file';
import type { EpochMetrics } from './epoch-metrics';

export const RUNS_ROOT = 'runs';
export const RUN_FILE = 'run.json';
export const METRICS_FILE = 'metrics.jsonl';
export const SUMMARY_FILE = 'summary.json';

/** The arguments that define a run; resuming reuses them. */
export interface RunArgs {
  impl: 'custom' | 'builtin';
  epochs: number;
  batchSize: number;
  lr: number;
  seed: number;
  /** Train on the first N training examples only; undefined for all. */
  limit?: number;
  dataDir: string;
}

export interface RunRecord {
  format: 'bnlenet-run/1';
  createdAt: string;
  args: RunArgs;
}

/** runs/20261125T051500Z-custom (UTC, sortable by name). */
export function defaultRunDir(impl: string, now = new Date(), root = RUNS_ROOT): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return path.join(root, `${stamp}-${impl}`);
}

/** Creates a new run dir; an existing non-empty one is refused, since it holds another run. */
export async function createRunDir(dir: string, args: RunArgs): Promise<void> {
  const existing = await fs.readdir(dir).catch(() => [] as string[]);
  if (existing.length > 0) {
    throw new BnlenetError(
      `--out ${dir} already holds files`,
      2,
      'choose a new directory, or continue that run with --resume',
    );
  }
  await fs.mkdir(dir, { recursive: true });
  const record: RunRecord = { format: 'bnlenet-run/1', createdAt: new Date().toISOString(), args };
  await writeJsonAtomic(path.join(dir, RUN_FILE), record);
}

export async function readRunRecord(dir: string): Promise<RunRecord> {
  const file = path.join(dir, RUN_FILE);
  try {
    const record = JSON.parse(await fs.readFile(file, 'utf8')) as RunRecord;
    if (record.format !== 'bnlenet-run/1' || !record.args) throw new Error('bad format');
    return record;
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    throw new DataError(`${file} is ${missing ? 'missing: that is not a bnlenet run dir' : 'corrupt'}`, 'pass a run dir made by `bnlenet train`');
  }
}

/** Rewrites metrics.jsonl from the given metrics (one JSON object per line), atomically. */
export async function writeMetrics(dir: string, metrics: readonly EpochMetrics[]): Promise<void> {
  await writeFileAtomic(path.join(dir, METRICS_FILE), metrics.map((m) => `${JSON.stringify(m)}\n`).join(''));
}

/** The epochs recorded in a run dir's metrics.jsonl, in order; [] when it has none yet. */
export async function readMetrics(dir: string): Promise<EpochMetrics[]> {
  const file = path.join(dir, METRICS_FILE);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, i) => {
      try {
        return JSON.parse(line) as EpochMetrics;
      } catch {
        throw new DataError(`${file} line ${i + 1} is not JSON`);
      }
    });
}

/** Directories holding a run.json at `dir` or one level below it (compare and reproduce dirs). */
async function runDirsIn(dir: string, depth: number): Promise<{ dir: string; created: number }[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  const found: { dir: string; created: number }[] = [];
  for (const entry of entries.filter((e) => e.isDirectory())) {
    const child = path.join(dir, entry.name);
    const stat = await fs.stat(path.join(child, RUN_FILE)).catch(() => undefined);
    if (stat) found.push({ dir: child, created: stat.mtimeMs });
    else if (depth > 0) found.push(...(await runDirsIn(child, depth - 1)));
  }
  return found;
}

/**
 * The newest run dir under root, for --run's default: the most recently created directory
 * holding a run.json, including the runs inside compare and reproduce dirs.
 */
export async function newestRunDir(root = RUNS_ROOT): Promise<string> {
  const runs = await runDirsIn(root, 1);
  const newest = runs.reduce<(typeof runs)[number] | undefined>((a, b) => (!a || b.created > a.created ? b : a), undefined);
  if (!newest) throw new DataError(`no runs in ${path.resolve(root)}`, 'train one with `bnlenet train`, or pass --run DIR');
  return newest.dir;
}
