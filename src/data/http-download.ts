/**
 * One HTTP(S) download into an existing (temporary) file, with node's own http and https:
 * a connect timeout, an idle timeout that also catches a server stalling mid-body, redirects
 * followed up to a limit, and failures sorted into retryable and not.
 */
import { promises as fs } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import { pipeline } from 'node:stream/promises';
import type { HttpOptions } from './http-options';

/** A failed download: `message` is one line for the user; `retryable` says if trying again may help. */
export class FetchError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'FetchError';
  }
}

export type ProgressListener = (received: number, total: number | undefined) => void;

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const RETRYABLE_STATUSES = new Set([408, 429]);

/**
 * Downloads `url` into `dest`, which must exist (it is truncated and written, never created,
 * so a late open can never bring back a file the caller has already removed).
 * Returns the number of bytes written. Rejects with FetchError, or with the AbortError of `signal`.
 */
export async function downloadFile(
  url: string,
  dest: string,
  options: HttpOptions,
  signal?: AbortSignal,
  onProgress?: ProgressListener,
): Promise<number> {
  let current = new URL(url);
  for (let redirects = 0; ; redirects++) {
    const outcome = await fetchOnce(current, dest, options, signal, onProgress);
    if (typeof outcome === 'number') return outcome;
    if (redirects >= options.maxRedirects) {
      throw new FetchError(`more than ${options.maxRedirects} redirects`, false);
    }
    current = outcome;
  }
}

/** One request: resolves with the byte count, or with the URL a redirect points to. */
function fetchOnce(
  url: URL,
  dest: string,
  options: HttpOptions,
  signal: AbortSignal | undefined,
  onProgress: ProgressListener | undefined,
): Promise<number | URL> {
  return new Promise((resolve, reject) => {
    // The first failure we caused ourselves (a timeout) wins over the "socket hang up" or
    // "aborted" that node reports once we destroy the request.
    let failure: FetchError | undefined;
    let responded = false;
    const fail = (err: FetchError): void => {
      failure ??= err;
      request.destroy(err);
    };
    const get = url.protocol === 'https:' ? https.get : http.get;
    // agent: false gives a fresh socket, so 'connect' always fires and the connect timer is honest.
    const request = get(url, { agent: false, signal, headers: { 'user-agent': 'bnlenet' } });
    const connectTimer = setTimeout(
      () => fail(new FetchError(`no connection within ${options.connectTimeoutMs} ms`, true)),
      options.connectTimeoutMs,
    );
    request.on('socket', (socket) => {
      socket.once('connect', () => {
        clearTimeout(connectTimer);
        request.setTimeout(options.idleTimeoutMs, () =>
          fail(new FetchError(`no data for ${options.idleTimeoutMs} ms (${responded ? 'stalled mid-body' : 'no response'})`, true)),
        );
      });
    });
    request.on('error', (err) => {
      clearTimeout(connectTimer);
      // Once a response is in, its body pipeline reports the failure (after the file is closed).
      if (!responded) reject(failure ?? describeNetworkError(err));
    });
    request.on('response', (response) => {
      responded = true;
      clearTimeout(connectTimer);
      const status = response.statusCode ?? 0;
      const location = response.headers.location;
      if (REDIRECT_STATUSES.has(status) && location) {
        response.resume();
        request.destroy();
        const next = new URL(location, url);
        if (next.protocol !== 'http:' && next.protocol !== 'https:') {
          reject(new FetchError(`redirected to unsupported URL ${next.href}`, false));
        } else {
          resolve(next);
        }
        return;
      }
      if (status !== 200) {
        response.resume();
        request.destroy();
        const retryable = status >= 500 || RETRYABLE_STATUSES.has(status);
        reject(new FetchError(`HTTP ${status} ${response.statusMessage ?? ''}`.trim(), retryable));
        return;
      }
      const length = Number(response.headers['content-length']);
      const total = Number.isFinite(length) ? length : undefined;
      saveBody(response, dest, total, onProgress).then(resolve, (err: unknown) => {
        reject(failure ?? describeBodyError(err, total));
      });
    });
  });
}

async function saveBody(
  response: http.IncomingMessage,
  dest: string,
  total: number | undefined,
  onProgress: ProgressListener | undefined,
): Promise<number> {
  const handle = await fs.open(dest, 'r+');
  try {
    await handle.truncate(0);
  } catch (err) {
    await handle.close();
    throw err;
  }
  let received = 0;
  onProgress?.(0, total);
  try {
    // The stream owns the handle and closes it; pipeline settles only after that close, so
    // the caller may remove the file as soon as this returns or throws.
    await pipeline(
      response,
      async function* count(chunks: AsyncIterable<Buffer>) {
        for await (const chunk of chunks) {
          received += chunk.length;
          onProgress?.(received, total);
          yield chunk;
        }
      },
      handle.createWriteStream(),
    );
  } catch (err) {
    throw Object.assign(err as Error, { received });
  }
  return received;
}

function describeBodyError(err: unknown, total: number | undefined): Error {
  if ((err as Error).name === 'AbortError') return err as Error;
  const received = (err as { received?: number }).received ?? 0;
  const of = total === undefined ? '' : ` of ${total}`;
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ECONNRESET' || (err as Error).message === 'aborted') {
    return new FetchError(`connection closed after ${received}${of} bytes`, true);
  }
  return describeNetworkError(err);
}

/** Network errors in words, and whether another try could succeed. */
export function describeNetworkError(err: unknown): Error {
  const e = err as NodeJS.ErrnoException;
  if (e.name === 'AbortError' || e instanceof FetchError) return e;
  switch (e.code) {
    case 'ECONNREFUSED':
      return new FetchError('connection refused', true);
    case 'ENOTFOUND':
      return new FetchError(`host not found (${(e as { hostname?: string }).hostname ?? 'DNS lookup failed'})`, false);
    case 'EAI_AGAIN':
      return new FetchError('DNS lookup failed for now (EAI_AGAIN)', true);
    case 'ECONNRESET':
      return new FetchError('connection reset', true);
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return new FetchError(`network unreachable (${e.code})`, true);
    default:
      if (e.code?.startsWith('ERR_TLS') || e.code?.includes('CERT')) {
        return new FetchError(`TLS error: ${e.message}`, false);
      }
      return new FetchError(e.code ? `${e.message} (${e.code})` : e.message, true);
  }
}
