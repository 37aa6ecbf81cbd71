/**
 * Run directories: runs/<UTC time>-<impl> by default, holding run.json (the arguments),
 * checkpoint.json, metrics.jsonl, model.json + weights.bin and, at the end, summary.json.
 * Compare, reproduce and sweep dirs hold such run dirs one level down.
 */
import { constants, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { DataError, UsageError } from '../errors';
import { writeFileAtomic } from '../util/atomic-file';
import { describeFsError, fileSystemError } from '../util/fs-errors';
import type { EpochMetrics } from './epoch-metrics';
import { RUN_FILE } from './run-record';

export const RUNS_ROOT = 'runs';
export const METRICS_FILE = 'metrics.jsonl';
export const SUMMARY_FILE = 'summary.json';

/** runs/20261125T051500Z-custom (UTC, sortable by name). */
export function defaultRunDir(kind: string, now = new Date(), root = RUNS_ROOT): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return path.join(root, `${stamp}-${kind}`);
}

/**
 * Creates `dir` for a new run (or compare, reproduce, sweep), refusing one that holds files
 * (another run's) or that cannot be a directory, before any work starts. `resumeHint` says how
 * to continue what is there.
 */
export async function createEmptyDir(dir: string, resumeHint: string): Promise<void> {
  let existing: string[] = [];
  try {
    existing = await fs.readdir(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') throw notADirectory(dir, await isFile(dir));
    if (code === 'ENAMETOOLONG') throw new UsageError(`--out ${dir}: ${describeFsError(err)}`, 'choose a shorter name for --out');
    if (code !== 'ENOENT') throw fileSystemError(err, 'read', dir);
  }
  if (existing.length > 0) {
    throw new UsageError(`--out ${dir} already holds files`, `choose a new directory, or ${resumeHint}`);
  }
  try {
    await fs.mkdir(dir, { recursive: true });
  } catch (err) {
    throw await whyNotCreated(dir, err);
  }
}

const isFile = (p: string) => fs.stat(p).then((s) => !s.isDirectory(), () => false);

function notADirectory(dir: string, itself: boolean): UsageError {
  const what = itself ? 'is a file, not a directory' : ': a part of that path is a file, not a directory';
  return new UsageError(`--out ${dir}${itself ? ' ' : ''}${what}`, 'choose a directory for --out');
}

/**
 * The error for a directory that could not be created. A recursive mkdir reports ENOENT on a
 * read-only file system, so the deepest existing ancestor is asked what is wrong with it.
 */
async function whyNotCreated(dir: string, err: unknown): Promise<Error> {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOTDIR' || code === 'EEXIST') return notADirectory(dir, await isFile(dir));
  let ancestor = path.dirname(path.resolve(dir));
  while (!(await fs.stat(ancestor).then(() => true, () => false)) && ancestor !== path.dirname(ancestor)) {
    ancestor = path.dirname(ancestor);
  }
  const denied = await fs.access(ancestor, constants.W_OK).then(() => undefined, (e: unknown) => e);
  return fileSystemError(denied ?? err, 'create', dir);
}

/** Rewrites metrics.jsonl from the given metrics (one JSON object per line), atomically. */
export async function writeMetrics(dir: string, metrics: readonly EpochMetrics[]): Promise<void> {
  await writeFileAtomic(path.join(dir, METRICS_FILE), metrics.map((m) => `${JSON.stringify(m)}\n`).join(''));
}

/** The epochs recorded in a run dir's metrics.jsonl, in order; [] when it has none yet. */
export async function readMetrics(dir: string): Promise<EpochMetrics[]> {
  return readJsonLines<EpochMetrics>(path.join(dir, METRICS_FILE));
}

/** The values of a JSON-lines file of a run dir, in order; [] when the file does not exist (yet). */
export async function readJsonLines<T>(file: string): Promise<T[]> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw fileSystemError(err, 'read', file);
  }
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, i) => {
      try {
        return JSON.parse(line) as T;
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
