/**
 * Run directories: runs/<UTC time>-<impl> by default (layout.ts lists their files). Compare,
 * reproduce and sweep dirs hold such run dirs one level down. Here: creating a dir for a new
 * run or set, finding the newest run, and telling a user who passed another kind of dir (or
 * none) what it is and what to pass instead.
 */
import { constants, existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { DataError, UsageError } from '../../errors';
import { fileSystemError } from '../../util/fs-errors';
import { OUTCOME_FILE, RUN_FILE } from './layout';
import { readOutcome } from './cell-outcome';
import { runSetAt } from './run-set';
import { shellCommand, shellQuote } from '../../util/shell-quote';
import { describeFsError } from '../../util/fs-errors';

export const RUNS_ROOT = 'runs';

/**
 * runs/20261125T051500Z-custom (UTC, sortable by name); runs/20261125T051500Z-custom-2 and so
 * on when a run of the same kind started in the same second (a script's quick succession), so
 * that a command given no --out never meets another run's dir.
 */
export function defaultRunDir(kind: string, now = new Date(), root = RUNS_ROOT): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const base = path.join(root, `${stamp}-${kind}`);
  for (let n = 1; ; n += 1) {
    const dir = n === 1 ? base : `${base}-${n}`;
    if (!existsSync(dir)) return dir;
  }
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

/** What a command wants of a run dir: to read it (evaluate, inspect-params, report) or to resume it. */
export type DirPurpose = 'read' | 'resume';

/**
 * The error for a dir that holds no run.json: one that does not exist, a run set (compare,
 * reproduce, sweep), a sweep's cell that diverged or failed before its first checkpoint, or
 * something else; each says what to pass instead.
 */
export async function notARunDir(dir: string, purpose: DirPurpose): Promise<DataError> {
  const train = purpose === 'resume' ? 'pass the dir of a run started with `bnlenet train`' : 'pass a run dir made by `bnlenet train`';
  const stat = await fs.stat(dir).catch(() => undefined);
  if (!stat) return new DataError(`${dir} does not exist`, train);
  if (!stat.isDirectory()) return new DataError(`${dir} is a file, not a run dir`, train);
  const set = await runSetAt(dir);
  if (set) {
    const first = path.join(dir, set.names[0] ?? '');
    if (purpose === 'resume') {
      const what = set.kind === 'sweep' ? `a sweep dir (${set.names.length} cells)` : `a ${set.kind} dir (runs ${set.names.join(', ')})`;
      const resume = set.kind === 'sweep' ? shellCommand('bnlenet', 'sweep', '--out', dir) : shellCommand('bnlenet', set.kind, '--resume', dir);
      return new DataError(`${dir} is ${what}, not a run dir`, `continue it with \`${resume}\``);
    }
    const shown = set.names.length > 4 ? [...set.names.slice(0, 3), '...'] : set.names;
    return new DataError(`${dir} is a ${set.kind} dir, holding the runs ${shown.join(', ')}; these commands read one run`, `pass one of them, e.g. --run ${shellQuote(first)}`);
  }
  const outcome = await readOutcome(dir).catch(() => undefined);
  if (outcome?.status === 'diverged') {
    return new DataError(
      `${dir} is a sweep cell that diverged ${outcome.message} (its ${OUTCOME_FILE} says so) before its first checkpoint: it has no model`,
      'the sweep keeps it as diverged; try a smaller --lr in a new run',
    );
  }
  if (outcome?.status === 'failed') {
    return new DataError(`${dir} is a sweep cell that failed before its first checkpoint (${outcome.message}): it has no model`, 'rerun its sweep to train it again');
  }
  return new DataError(`${path.join(dir, RUN_FILE)} is missing: that is not a bnlenet run dir`, train);
}
