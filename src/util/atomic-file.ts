/**
 * Writes that a crash cannot leave half-done: the bytes go to a temporary file beside the
 * target (same directory, so the rename stays on one filesystem), are flushed, and the
 * temporary file is renamed over the target. Readers see the old file or the new one.
 *
 * Writes in flight are counted, so that the CLI can let them finish before it exits on a
 * second Ctrl-C; temporary files that a killed process left behind carry its pid in their
 * name and are removed by the next process that works in the same directory.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { fileSystemError } from './fs-errors';

/** `.<name>.<pid>.<8 hex>.tmp`: the pattern of temporaryPathFor's names. */
const TEMPORARY_NAME = /^\.(.+)\.(\d+)\.[0-9a-f]{8}\.tmp$/;
/** The longest file name (in bytes) of the usual file systems (NAME_MAX: ext4, xfs, btrfs, tmpfs, APFS). */
const NAME_MAX_BYTES = 255;
/** What a temporary name adds to the target's: the dot, and `.<pid up to 10 digits>.<8 hex>.tmp`. */
const TEMPORARY_EXTRA_BYTES = 1 + 1 + 10 + 1 + 8 + 4;

/**
 * The part of the target's name that its temporary names carry: all of it, or for a name
 * near the limit its start, cut at a character, so the temporary name is legal wherever the
 * target's is (a report named with 250 characters must not fail on its temporary file).
 */
function temporaryBase(name: string): string {
  const room = NAME_MAX_BYTES - TEMPORARY_EXTRA_BYTES;
  if (Buffer.byteLength(name) <= room) return name;
  const characters = Array.from(name);
  while (Buffer.byteLength(characters.join('')) > room) characters.pop();
  return characters.join('');
}

/** A temporary name beside `target`, unique per process and call, and no longer than the file system allows. */
export function temporaryPathFor(target: string): string {
  const suffix = `${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  return path.join(path.dirname(target), `.${temporaryBase(path.basename(target))}.${suffix}`);
}

let inFlight = 0;
const settledWaiters: (() => void)[] = [];

/** Resolves once no atomic write is in flight (at once when none is). */
export function writesSettled(): Promise<void> {
  return inFlight === 0 ? Promise.resolve() : new Promise((resolve) => settledWaiters.push(resolve));
}

export async function writeFileAtomic(target: string, data: string | Uint8Array): Promise<void> {
  const temporary = temporaryPathFor(target);
  inFlight += 1;
  try {
    const handle = await fs.open(temporary, 'w');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(temporary, target);
  } catch (err) {
    // The temporary name is never shown: the error names the target.
    await fs.rm(temporary, { force: true }).catch(() => undefined);
    throw fileSystemError(err, 'write', target);
  } finally {
    inFlight -= 1;
    if (inFlight === 0) settledWaiters.splice(0).forEach((resolve) => resolve());
  }
}

export async function writeJsonAtomic(target: string, value: unknown): Promise<void> {
  await writeFileAtomic(target, `${JSON.stringify(value, null, 2)}\n`);
}

function processIsAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface StaleTemporaries {
  /** Only the temporaries of these file names; default: any. */
  names?: readonly string[];
  /**
   * Only those unwritten this long. A dir that processes in other pid namespaces (containers)
   * share can hold a live writer's file whose pid looks dead from here.
   */
  minAgeMs?: number;
}

/**
 * Removes the temporary files in `dir` whose writing process is gone (killed mid-write);
 * returns their names. Best effort: a dir that cannot be listed or written keeps them, and
 * whatever needs it next reports why.
 */
export async function removeStaleTemporaries(dir: string, options: StaleTemporaries = {}): Promise<string[]> {
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const name of names) {
    const match = TEMPORARY_NAME.exec(name);
    if (match === null || processIsAlive(Number(match[2]))) continue;
    if (options.names && !options.names.some((wanted) => temporaryBase(wanted) === match[1])) continue;
    const file = path.join(dir, name);
    try {
      if (options.minAgeMs && Date.now() - (await fs.stat(file)).mtimeMs < options.minAgeMs) continue;
      await fs.rm(file, { force: true });
      removed.push(name);
    } catch {
      // Gone meanwhile, or a read-only dir that keeps its leftovers.
    }
  }
  return removed;
}
