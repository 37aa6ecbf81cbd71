/**
 * A sweep cell's lock: `<cell>.lock` beside the cell's dir, created exclusively by the process
 * that trains the cell and holding its pid, so that two sweeps run on one --out at once (two
 * shells, two CI jobs on a shared disk) never train the same cell twice. A lock whose process
 * is gone (killed) is taken over.
 */
import { promises as fs } from 'node:fs';
import { CELL_LOCK_SUFFIX } from './layout';

export type CellLock = { held: true; release(): Promise<void> } | { held: false; pid: number };

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Takes the lock of the cell whose dir is `cellDir`, or says which live process holds it. */
export async function lockCell(cellDir: string): Promise<CellLock> {
  const file = `${cellDir}${CELL_LOCK_SUFFIX}`;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await fs.writeFile(file, `${process.pid}\n`, { flag: 'wx' });
      return { held: true, release: () => fs.rm(file, { force: true }) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const pid = Number((await fs.readFile(file, 'utf8').catch(() => '')).trim());
    if (Number.isSafeInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) return { held: false, pid };
    await fs.rm(file, { force: true }); // its process is gone: a stale lock
  }
  throw new Error(`cannot take the lock ${file}`);
}
