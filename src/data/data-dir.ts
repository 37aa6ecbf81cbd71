/** Where the dataset lives: `--data-dir`, else BNLENET_DATA_DIR, else ./data. */
import { constants, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { DataError } from '../errors';
import { describeFsError } from '../util/fs-errors';

export function resolveDataDir(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  const chosen = flag !== undefined && flag !== '' ? flag : env.BNLENET_DATA_DIR || 'data';
  return path.resolve(chosen);
}

/**
 * Creates the data dir when missing and checks it can be listed and read, so that a bad
 * directory is one clear line up front instead of four per-file failures. Writability is
 * checked only when something is written: a read-only dir with a verified copy is fine.
 */
export async function openDataDir(dir: string): Promise<void> {
  try {
    // recursive mkdir fails with EEXIST when the path is a file, so no separate stat is needed.
    await fs.mkdir(dir, { recursive: true });
  } catch (err) {
    throw new DataError(`cannot create data dir ${dir}: ${describeFsError(err)}`, 'choose another with --data-dir DIR');
  }
  try {
    await fs.access(dir, constants.R_OK | constants.X_OK);
  } catch (err) {
    throw new DataError(`cannot read data dir ${dir}: ${describeFsError(err)}`, 'choose another with --data-dir DIR');
  }
}
