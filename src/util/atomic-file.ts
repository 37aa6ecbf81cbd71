/**
 * Writes that a crash cannot leave half-done: the bytes go to a temporary file beside the
 * target (same directory, so the rename stays on one filesystem), are flushed, and the
 * temporary file is renamed over the target. Readers see the old file or the new one.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/** A temporary name beside `target`, unique per process and call. */
export function temporaryPathFor(target: string): string {
  const suffix = `${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  return path.join(path.dirname(target), `.${path.basename(target)}.${suffix}`);
}

export async function writeFileAtomic(target: string, data: string | Uint8Array): Promise<void> {
  const temporary = temporaryPathFor(target);
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
    await fs.rm(temporary, { force: true });
    throw err;
  }
}

export async function writeJsonAtomic(target: string, value: unknown): Promise<void> {
  await writeFileAtomic(target, `${JSON.stringify(value, null, 2)}\n`);
}
