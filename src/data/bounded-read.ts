/**
 * Reads a local file only when it is a regular file no larger than a bound, so that a huge
 * file, a device such as /dev/zero or a named pipe in the data dir or the system copy costs a
 * one-line refusal instead of unbounded memory or a read that never ends.
 */
import { promises as fs, type Stats } from 'node:fs';
import { FileProblem } from './file-problem';

/**
 * Resolves with the file's bytes. Rejects with a FileProblem naming `filePath` when the file
 * is not a regular file or is larger than `maxBytes`, or with the file system's own error
 * (ENOENT, EACCES, ...), which callers turn into words with describeFsError.
 */
export async function readBounded(filePath: string, maxBytes: number): Promise<Buffer> {
  // stat before open: opening a named pipe would block until a writer appears.
  check(filePath, await fs.stat(filePath), maxBytes);
  const handle = await fs.open(filePath, 'r');
  try {
    const { size } = check(filePath, await handle.stat(), maxBytes);
    // Read at most the size seen at open: a file growing meanwhile cannot push past the bound.
    const buffer = Buffer.allocUnsafe(size);
    let filled = 0;
    while (filled < size) {
      const { bytesRead } = await handle.read(buffer, filled, size - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return buffer.subarray(0, filled);
  } finally {
    await handle.close();
  }
}

function check(filePath: string, stats: Stats, maxBytes: number): Stats {
  if (!stats.isFile()) throw new FileProblem(filePath, 'not a regular file');
  if (stats.size > maxBytes) {
    throw new FileProblem(filePath, `is ${stats.size} bytes, more than a valid copy can be (${maxBytes} bytes)`);
  }
  return stats;
}
