/**
 * Ctrl-C and SIGTERM during a download: instead of node's default (die at once, leaving a
 * temp file), abort the work in flight so that temp files are removed, then let the caller
 * throw InterruptedError, which the CLI maps to exit status 130.
 */
import { InterruptedError } from '../errors';

export async function whileInterruptible<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals): void => controller.abort(new InterruptedError(`interrupted by ${name}`));
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await work(controller.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** Turns whatever an aborted operation threw into the one error the CLI maps to 130. */
export function interruptedError(signal: AbortSignal): InterruptedError {
  return signal.reason instanceof InterruptedError ? signal.reason : new InterruptedError('interrupted');
}
