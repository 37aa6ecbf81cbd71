/**
 * Prints what `prepareDataset` reports: one line per file, and a progress line while a
 * download runs on a terminal. Without a terminal (CI logs, pipes) there is no progress line:
 * a line starts when the download starts and is finished by "done (26.4 MB)" or the failure
 * (or by close(), when an error or an interruption ends the download first).
 */
import type { DataEvent } from '../data';
import { ProgressLine } from './progress-line';

export interface DownloadReporter {
  onEvent(event: DataEvent): void;
  /** Clears a progress line left drawn and ends a line left open (after an error or a stop). */
  close(): void;
}

export function createDownloadReporter(
  out: NodeJS.WritableStream = process.stdout,
  barStream: NodeJS.WriteStream = process.stderr,
): DownloadReporter {
  const tty = barStream.isTTY === true;
  let bar: ProgressLine | undefined;
  let prefix = '';
  let lineOpen = false;

  const stopBar = (): void => {
    bar?.clear();
    bar = undefined;
  };
  const close = (): void => {
    stopBar();
    if (lineOpen) out.write('stopped\n');
    lineOpen = false;
  };
  const begin = (text: string): void => {
    prefix = text;
    if (!tty) {
      out.write(`${prefix} ... `);
      lineOpen = true;
    }
  };
  const finish = (text: string): void => {
    stopBar();
    out.write(lineOpen ? `${text}\n` : `${prefix} ... ${text}\n`);
    lineOpen = false;
  };

  const onEvent = (event: DataEvent): void => {
    switch (event.type) {
      case 'verified':
        out.write(`verified ${event.path} (${formatBytes(event.bytes)})\n`);
        break;
      case 'rejected':
        out.write(`${event.path}: ${event.reason}; fetching it again\n`);
        break;
      case 'fetch-start':
        begin(`${event.from.includes('://') ? 'downloading' : 'copying'} ${event.file} from ${event.from}`);
        break;
      case 'progress':
        if (!tty || event.total === undefined) break;
        bar ??= new ProgressLine(barStream);
        bar.update({
          label: event.file,
          fraction: event.received / event.total,
          parts: [`${formatBytes(event.received)} of ${formatBytes(event.total)}`],
        });
        break;
      case 'retry':
        finish(`failed: ${event.reason}; retry ${event.attempt} in ${(event.delayMs / 1000).toFixed(1)} s`);
        break;
      case 'fetched':
        finish(`done (${formatBytes(event.bytes)})`);
        break;
      case 'failed':
        finish(`failed: ${event.reason}`);
        break;
    }
  };
  return { onEvent, close };
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  if (bytes >= 1e3) return `${(bytes / 1e3).toFixed(1)} kB`;
  return `${bytes} B`;
}
