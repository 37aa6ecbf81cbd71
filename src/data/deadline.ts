/**
 * A file's overall deadline as an AbortSignal: it fires when the caller's signal does (an
 * interrupt) or when the time is up, whichever comes first, and `expired` tells the two apart.
 * Everything a fetch does (requests, body streams, retry waits) takes this one signal, so a
 * server that trickles forever is cut off on time.
 */

/** setTimeout holds at most 2^31 - 1 ms (24.8 days); a longer deadline is none in practice. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface Deadline {
  signal: AbortSignal;
  /** Date.now() at which it expires. */
  at: number;
  /** The length given, for messages. */
  ms: number;
  /** True once the time is up (false when only the caller's signal fired). */
  readonly expired: boolean;
}

export async function withDeadline<T>(ms: number, parent: AbortSignal, work: (deadline: Deadline) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let expired = false;
  const timer = setTimeout(() => {
    expired = true;
    controller.abort(new Error(`deadline of ${ms} ms passed`));
  }, Math.min(ms, MAX_TIMER_MS));
  const forward = (): void => controller.abort(parent.reason);
  if (parent.aborted) forward();
  else parent.addEventListener('abort', forward, { once: true });
  try {
    return await work({
      signal: controller.signal,
      at: Date.now() + ms,
      ms,
      get expired() {
        return expired;
      },
    });
  } finally {
    clearTimeout(timer);
    parent.removeEventListener('abort', forward);
  }
}

/** "2 s", "1.5 s", "60 s": the deadline as the user set it. */
export function deadlineSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}
