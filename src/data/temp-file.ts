/**
 * Temporary files in the data dir. Fetched bytes land in `.NAME.PID.RANDOM.tmp` and reach
 * their real name only by an atomic rename after verification, so the data dir never shows a
 * partial or unverified file under a real name, and two processes never share a temp file.
 */
import { rmSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { DataError } from '../errors';
import { temporaryPathFor } from '../util/atomic-file';
import { describeFsError } from './fs-errors';

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
    throw new DataError(`cannot write in data dir ${dir}: ${describeFsError(err)}`, 'choose another with --data-dir DIR');
  }
  live.add(tempPath);
  installExitHook();
  try {
    return await use(tempPath);
  } finally {
    await fs.rm(tempPath, { force: true });
    live.delete(tempPath);
  }
}

/**
 * A last resort for exits that skip the finally blocks above (process.exit from elsewhere):
 * 'exit' handlers must be synchronous, hence rmSync.
 */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const tempPath of live) rmSync(tempPath, { force: true });
  });
}
