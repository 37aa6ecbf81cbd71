/**
 * JSON-lines files of a run dir (metrics.jsonl, params.jsonl, activations.jsonl): one JSON
 * value per line, each file rewritten whole and atomically. Read back, a line that is not JSON
 * is one line naming the file and the line; the last line alone may be cut short (a hand
 * edit, a copy interrupted), which the caller decides about.
 */
import { promises as fs } from 'node:fs';
import { DataError } from '../../errors';
import { writeFileAtomic } from '../../util/atomic-file';
import { fileSystemError } from '../../util/fs-errors';

export interface JsonLine {
  /** 1-based line number in the file. */
  number: number;
  text: string;
  value: unknown;
}

export interface JsonLinesRead {
  lines: JsonLine[];
  /** The last line, when it was not JSON (cut short); it is not among `lines`. */
  cutLast?: JsonLine;
}

/** The lines of a JSON-lines file, in order; none when the file does not exist (yet). */
export async function readJsonLinesFile(file: string): Promise<JsonLinesRead> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { lines: [] };
    throw fileSystemError(err, 'read', file);
  }
  const raw = text.split('\n').map((line, i) => ({ number: i + 1, text: line })).filter((line) => line.text.trim() !== '');
  const lines: JsonLine[] = [];
  for (const [i, line] of raw.entries()) {
    let value: unknown;
    try {
      value = JSON.parse(line.text);
    } catch {
      if (i === raw.length - 1) return { lines, cutLast: { ...line, value: undefined } };
      throw new DataError(`${file} line ${line.number} is not JSON`, 'restore the file as the run wrote it');
    }
    lines.push({ ...line, value });
  }
  return { lines };
}

/** The values of a JSON-lines file, refusing a cut last line with `repairHint` (how to repair it). */
export async function readJsonLines(file: string, repairHint: string): Promise<unknown[]> {
  const { lines, cutLast } = await readJsonLinesFile(file);
  if (cutLast) throw new DataError(`${file} line ${cutLast.number}, its last, is cut short (not JSON)`, repairHint);
  return lines.map((line) => line.value);
}

/** Rewrites a JSON-lines file from its lines' texts (each without its newline), atomically. */
export async function writeJsonLines(file: string, texts: readonly string[]): Promise<void> {
  await writeFileAtomic(file, texts.map((text) => `${text}\n`).join(''));
}
