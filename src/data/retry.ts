/** Retries with exponential backoff; the wait ends early when the run is interrupted. */
import { setTimeout as sleep } from 'node:timers/promises';

export interface RetryPolicy {
  retries: number;
  retryDelayMs: number;
  isRetryable(err: unknown): boolean;
  /** Told before each wait, e.g. to print "retrying in 2 s". */
  onRetry?(attempt: number, delayMs: number, err: unknown): void;
  signal?: AbortSignal;
  /** Date.now() after which no retry starts (the last failure is thrown instead). */
  deadline?: number;
}

export async function withRetries<T>(attemptOnce: () => Promise<T>, policy: RetryPolicy): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await attemptOnce();
    } catch (err) {
      if (attempt > policy.retries || !policy.isRetryable(err)) throw err;
      const delayMs = policy.retryDelayMs * 2 ** (attempt - 1);
      if (policy.deadline !== undefined && Date.now() + delayMs > policy.deadline) throw err;
      policy.onRetry?.(attempt, delayMs, err);
      await sleep(delayMs, undefined, { signal: policy.signal });
    }
  }
}
