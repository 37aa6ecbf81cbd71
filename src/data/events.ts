/**
 * What the data layer reports while it works, for the report layer to print (or not):
 * the data layer itself never writes to the console.
 */
export type DataEvent =
  /** A copy already in the data dir passed verification; nothing was written. */
  | { type: 'verified'; file: string; path: string; bytes: number }
  /** A copy in the data dir failed verification or could not be read; it will be replaced. */
  | { type: 'rejected'; file: string; path: string; reason: string }
  /** Fetching from one source begins; `from` is a URL or a path, `role` e.g. "mirror". */
  | { type: 'fetch-start'; file: string; role: string; from: string }
  | { type: 'progress'; file: string; received: number; total: number | undefined }
  /** A retryable failure; the next attempt at the same source follows after `delayMs`. */
  | { type: 'retry'; file: string; from: string; attempt: number; delayMs: number; reason: string }
  /** The file was fetched, verified and renamed into place. */
  | { type: 'fetched'; file: string; from: string; path: string; bytes: number }
  /** This source failed for this file; the next source (if any) is tried. */
  | { type: 'failed'; file: string; from: string; reason: string };

export type DataEventListener = (event: DataEvent) => void;
