/**
 * One HTTP(S) download into an existing (temporary) file, with node's own http and https:
 * a connect timeout, an idle timeout that also catches a server stalling mid-body, a bound on
 * the body's size (declared or received), redirects followed up to a limit, and failures
 * sorted into retryable and not. The overall deadline comes in as the abort signal.
 */
import { promises as fs } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import type { HttpOptions } from './http-options';

/** A failed download: `message` is one line for the user; `retryable` says if trying again may help. */
export class FetchError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(oneLine(message));
    this.name = 'FetchError';
  }
}

/**
 * The body could not be written to the destination (no space, read-only, ...): a fault of the
 * local disk, not of the server, so neither a retry nor another source can help.
 */
export class SaveError extends Error {
  constructor(cause: unknown) {
    super((cause as Error).message, { cause });
    this.name = 'SaveError';
  }
}

export type ProgressListener = (received: number, total: number | undefined) => void;

export interface DownloadOptions {
  http: HttpOptions;
  /** The largest body accepted; a larger one is refused as soon as it is declared or received. */
  maxBytes: number;
  /** Aborts the download (an interrupt, or the file's deadline). */
  signal?: AbortSignal;
  onProgress?: ProgressListener;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const RETRYABLE_STATUSES = new Set([408, 429]);

/**
 * Downloads `url` into `dest`, which must exist (it is truncated and written, never created,
 * so a late open can never bring back a file the caller has already removed).
 * Returns the number of bytes written. Rejects with FetchError, SaveError, or the AbortError
 * of the signal.
 */
export async function downloadFile(url: string, dest: string, options: DownloadOptions): Promise<number> {
  let current = new URL(url);
  for (let redirects = 0; ; redirects++) {
    const outcome = await fetchOnce(current, dest, options);
    if (typeof outcome === 'number') return outcome;
    if (redirects >= options.http.maxRedirects) {
      throw new FetchError(`more than ${options.http.maxRedirects} redirects`, false);
    }
    current = outcome;
  }
}

/** One request: resolves with the byte count, or with the URL a redirect points to. */
function fetchOnce(url: URL, dest: string, options: DownloadOptions): Promise<number | URL> {
  const { http: timeouts, maxBytes, signal } = options;
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
      () => fail(new FetchError(`no connection within ${timeouts.connectTimeoutMs} ms`, true)),
      timeouts.connectTimeoutMs,
    );
    request.on('socket', (socket) => {
      socket.once('connect', () => {
        clearTimeout(connectTimer);
        request.setTimeout(timeouts.idleTimeoutMs, () =>
          fail(new FetchError(`no data for ${timeouts.idleTimeoutMs} ms (${responded ? 'stalled mid-body' : 'no response'})`, true)),
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
      if (total !== undefined && total > maxBytes) {
        // Refused on the headers: not one byte of the body is read or written.
        request.destroy();
        reject(new FetchError(`declares ${total} bytes, more than a valid copy can be (${maxBytes} bytes)`, false));
        return;
      }
      saveBody(response, dest, total, options).then(resolve, (err: unknown) => {
        reject(err instanceof SaveError ? err : (failure ?? describeBodyError(err, total)));
      });
    });
  });
}

async function saveBody(
  response: http.IncomingMessage,
  dest: string,
  total: number | undefined,
  { maxBytes, onProgress }: DownloadOptions,
): Promise<number> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(dest, 'r+');
    await handle.truncate(0);
  } catch (err) {
    response.destroy();
    await handle?.close();
    throw new SaveError(err);
  }
  let received = 0;
  onProgress?.(0, total);
  try {
    // Each chunk is written before the next is read (backpressure), and a write failure is
    // told apart from a network failure by where it is caught.
    for await (const chunk of response as AsyncIterable<Buffer>) {
      received += chunk.length;
      // Without a Content-Length (or past it) only counting can tell: stop before writing.
      if (received > maxBytes) throw new FetchError(`sent more than ${maxBytes} bytes, more than a valid copy can be`, false);
      try {
        await handle.write(chunk);
      } catch (err) {
        throw new SaveError(err);
      }
      onProgress?.(received, total);
    }
  } catch (err) {
    if (err instanceof SaveError || err instanceof FetchError) throw err;
    throw Object.assign(err as Error, { received });
  } finally {
    // Leaving the loop early destroys the response; closing here means the caller may remove
    // the file as soon as this returns or throws.
    await handle.close();
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
    default: {
      const tls = describeTlsError(e);
      if (tls !== undefined) return tls;
      return new FetchError(e.code ? `${e.message} (${e.code})` : e.message, true);
    }
  }
}

/**
 * TLS failures are not retried: the same server gives the same handshake. OpenSSL's own
 * message is a multi-line record with source paths; its reason phrase is what a user needs.
 */
function describeTlsError(e: NodeJS.ErrnoException): FetchError | undefined {
  const openssl = /SSL routines:[^:]*:([^:\n]+)/.exec(e.message);
  if (openssl !== null || e.code === 'EPROTO' || e.code?.startsWith('ERR_SSL')) {
    const reason = openssl?.[1] ?? e.code ?? 'protocol error';
    // What OpenSSL says when the other end answers in plain text, e.g. an HTTP server.
    const plain = reason === 'wrong version number' || reason === 'packet length too long';
    return new FetchError(`TLS handshake failed (${reason})${plain ? ': is this an https server? Try http://' : ''}`, false);
  }
  if (e.code?.startsWith('ERR_TLS') || e.code?.includes('CERT')) return new FetchError(`TLS error: ${e.message}`, false);
  return undefined;
}

/** Node's and OpenSSL's messages may span lines; a reason in a list of sources must not. */
function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
