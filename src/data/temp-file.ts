/**
 * Temporary files in the data dir. Fetched bytes land in `.NAME.PID.RANDOM.tmp` and reach
 * their real name only by an atomic rename after verification, so the data dir never shows a
 * partial or unverified file under a real name, and two processes never share a temp file.
 * A process killed outright (SIGKILL, power loss) cannot remove its temp file; the next run
 * removes those whose process is gone.
 */
import { rmSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { DataError } from '../errors';
import { removeStaleTemporaries, temporaryPathFor } from '../util/atomic-file';
import { describeFsError } from '../util/fs-errors';

const live = new Set<string>();
let exitHookInstalled = false;

/**
 * Creates an empty temp file for `fileName` in `dir`, runs `use` on its path, and removes the
 * file afterwards unless `use` renamed it away. Failing to create it means the data dir is not
 * writable, which no other source can fix: that is a DataError at once.
 */
export async function withTempFile<T>(dir: string, fileName: string, use: (tempPath: string) => Promise<T>): Promise<T> {
  const tempPath = temporaryPathFor(path.join(dir, fileName));
  try {
    await fs.writeFile(tempPath, '', { flag: 'wx' });
  } catch (err) {
    throw dataDirWriteError(dir, err);
  }
  live.add(tempPath);
  installExitHook();
  try {
    return await use(tempPath);
  } finally {
    // A failed removal must not hide the error that got us here; the exit hook tries again.
    await fs.rm(tempPath, { force: true }).then(
      () => live.delete(tempPath),
      () => undefined,
    );
  }
}

/** Writing into the data dir failed (no space, read-only, permission): one line naming the dir. */
export function dataDirWriteError(dir: string, err: unknown): DataError {
  const full = (err as NodeJS.ErrnoException).code === 'ENOSPC' || (err as NodeJS.ErrnoException).code === 'EDQUOT';
  return new DataError(
    `cannot write in data dir ${dir}: ${describeFsError(err)}`,
    full ? 'free some space there, or choose another with --data-dir DIR' : 'choose another with --data-dir DIR',
  );
}

/**
 * A temp file is only stale once it has also gone unwritten this long: a process in another
 * pid namespace (a container sharing the data dir) looks dead from here while it downloads.
 */
export const STALE_AFTER_MS = 5 * 60_000;

/**
 * Removes the temp files of `fileNames` in `dir` left by processes that no longer run and
 * unwritten for STALE_AFTER_MS. Temp files of a live process (another download at the same
 * time) are kept.
 */
export async function removeStaleTempFiles(dir: string, fileNames: readonly string[]): Promise<void> {
  await removeStaleTemporaries(dir, { names: fileNames, minAgeMs: STALE_AFTER_MS });
}

/**
 * A last resort for exits that skip the finally blocks above (process.exit from elsewhere):
 * 'exit' handlers must be synchronous, hence rmSync.
 */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const tempPath of live) {
      try {
        rmSync(tempPath, { force: true });
      } catch {
        // Exiting anyway; the next run removes it once its process is gone.
      }
    }
  });
}
