/** Timeouts, retries and redirects for downloads, with defaults a slow link can live with. */
import { UsageError } from '../errors';

export interface HttpOptions {
  /** From starting the request (DNS included) to an open TCP connection. */
  connectTimeoutMs: number;
  /** The longest the connection may go without a byte, before the headers or mid-body. */
  idleTimeoutMs: number;
  /** Further attempts after a retryable failure (network error, timeout, 5xx, 408, 429). */
  retries: number;
  /** Wait before the first retry; doubled for each one after. */
  retryDelayMs: number;
  maxRedirects: number;
  /**
   * Time from a file's first network attempt after which no new attempt (retry or next
   * source) starts. With the timeouts below it bounds a failing fetch: the last attempt
   * starts within the budget and ends within connect + idle timeout, so under a minute.
   */
  attemptBudgetMs: number;
}

export const DEFAULT_HTTP_OPTIONS: Readonly<HttpOptions> = {
  connectTimeoutMs: 10_000,
  idleTimeoutMs: 20_000,
  retries: 3,
  retryDelayMs: 1_000,
  maxRedirects: 5,
  attemptBudgetMs: 30_000,
};

/**
 * BNLENET_HTTP_TIMEOUT_MS sets both timeouts and BNLENET_HTTP_RETRIES the retry count, so
 * that tests (and users on odd networks) can change them without a flag on every command.
 */
export function httpOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): HttpOptions {
  const options = { ...DEFAULT_HTTP_OPTIONS };
  const timeout = readCount(env, 'BNLENET_HTTP_TIMEOUT_MS', 1);
  if (timeout !== undefined) {
    options.connectTimeoutMs = timeout;
    options.idleTimeoutMs = timeout;
  }
  const retries = readCount(env, 'BNLENET_HTTP_RETRIES', 0);
  if (retries !== undefined) options.retries = retries;
  return options;
}

function readCount(env: NodeJS.ProcessEnv, name: string, min: number): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    throw new UsageError(`${name}: '${raw}' is not an integer >= ${min}`);
  }
  return value;
}
