/**
 * Stop requests as lower layers see them: an AbortSignal that the CLI aborts on Ctrl-C or
 * SIGTERM, polled at batch, epoch and file boundaries.
 */
import { InterruptedError } from '../errors';

/** The one error an aborted operation ends with, which the CLI maps to exit status 130. */
export function interruptedError(signal: AbortSignal): InterruptedError {
  return signal.reason instanceof InterruptedError ? signal.reason : new InterruptedError('interrupted');
}

/** Throws the signal's InterruptedError when a stop was requested. */
export function throwIfInterrupted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw interruptedError(signal);
}

/** A signal that never aborts, for callers that take no stop requests. */
export const NEVER_ABORTED: AbortSignal = new AbortController().signal;

/**
 * Lets the event loop run, so that a Ctrl-C that arrived meanwhile is seen (a chain of awaits
 * on settled promises never returns to it), then throws when a stop was requested. For loops
 * that compute for long between awaits: evaluation, recomputed statistics.
 */
export async function yieldForStop(signal: AbortSignal | undefined): Promise<void> {
  await new Promise<void>((resolve) => setImmediate(resolve));
  throwIfInterrupted(signal);
}
