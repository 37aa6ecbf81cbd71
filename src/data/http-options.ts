/** Timeouts, retries, redirects and the per-file deadline for downloads, with defaults a slow link can live with. */
import { UsageError } from '../errors';
import { parseDecimal, parseWhole } from '../util/number-text';

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
   * The most one file may take, from its first source to its last byte, all retries and
   * sources included: the attempt in flight is abandoned when it passes, and no new one
   * starts. The timeouts above cannot bound a server that trickles a byte a second.
   */
  deadlineMs: number;
}

export const DEFAULT_HTTP_OPTIONS: Readonly<HttpOptions> = {
  connectTimeoutMs: 10_000,
  idleTimeoutMs: 20_000,
  retries: 3,
  retryDelayMs: 1_000,
  maxRedirects: 5,
  deadlineMs: 60_000,
};

/** The variable that sets the per-file deadline in seconds (download's --timeout sets it too). */
export const DEADLINE_VARIABLE = 'BNLENET_DOWNLOAD_TIMEOUT';

/**
 * BNLENET_HTTP_TIMEOUT_MS sets both timeouts, BNLENET_HTTP_RETRIES the retry count and
 * BNLENET_DOWNLOAD_TIMEOUT the per-file deadline in seconds, so that tests (and users on odd
 * networks) can change them without a flag on every command that may download.
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
  const deadline = env[DEADLINE_VARIABLE];
  if (deadline !== undefined && deadline !== '') options.deadlineMs = parseSeconds(deadline, DEADLINE_VARIABLE) * 1000;
  return options;
}

/** A number of seconds > 0 (fractions allowed), for the deadline; `origin` names the flag or variable. */
export function parseSeconds(raw: string, origin: string): number {
  const value = parseDecimal(raw);
  if (value === undefined || value <= 0) throw new UsageError(`${origin}: '${raw}' is not a number of seconds > 0`);
  return value;
}

function readCount(env: NodeJS.ProcessEnv, name: string, min: number): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = parseWhole(raw);
  if (value === undefined || value < min) {
    throw new UsageError(`${name}: '${raw}' is not an integer >= ${min}`);
  }
  return value;
}
