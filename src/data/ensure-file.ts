/**
 * Gets one verified file into the data dir: the copy already there if it verifies, else each
 * source in turn, fetched into a temp file, verified, and renamed into place, all within the
 * file's deadline. Returns the decompressed bytes that verification produced, so loading needs
 * no second gunzip. No copy is read, downloaded or decompressed past the file's size bounds.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { DataError } from '../errors';
import { readBounded } from './bounded-read';
import { deadlineSeconds, withDeadline, type Deadline } from './deadline';
import type { DataEventListener } from './events';
import type { FileDigests } from './fashion-mnist-files';
import { FileProblem } from './file-problem';
import { describeFsError } from '../util/fs-errors';
import { downloadFile, FetchError, SaveError } from './http-download';
import { DEADLINE_VARIABLE, type HttpOptions } from './http-options';
import { interruptedError } from '../util/abort';
import { withRetries } from './retry';
import { maxStoredBytes } from './size-bounds';
import { sourceLocation, type Source } from './sources';
import { dataDirWriteError, withTempFile } from './temp-file';
import { verifyContent } from './verify';

export interface EnsureContext {
  dataDir: string;
  sources: readonly Source[];
  http: HttpOptions;
  signal: AbortSignal;
  onEvent: DataEventListener;
}

/** A file's verified (decompressed) content and its size as stored, or why it cannot be had. */
export type Outcome = { content: Buffer; bytes: number } | { reason: string };

export async function checkCached(file: FileDigests, dataDir: string): Promise<Outcome> {
  const cachedPath = path.join(dataDir, file.name);
  let raw: Buffer;
  try {
    raw = await readBounded(cachedPath, maxStoredBytes(file.size));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { reason: 'not present' };
    return { reason: reasonOf(err) };
  }
  try {
    return { content: await verifyContent(file, raw, 'the data dir'), bytes: raw.length };
  } catch (err) {
    if (err instanceof FileProblem) return { reason: err.problem };
    throw err;
  }
}

/** `cached` is undefined when the user asked to fetch again (--force). */
export async function ensureFile(file: FileDigests, cached: Outcome | undefined, ctx: EnsureContext): Promise<Buffer> {
  const target = path.join(ctx.dataDir, file.name);
  const tried: string[] = [];
  if (cached !== undefined) {
    if ('content' in cached) {
      ctx.onEvent({ type: 'verified', file: file.name, path: target, bytes: cached.bytes });
      return cached.content;
    }
    tried.push(`data dir ${target}: ${cached.reason}`);
    if (cached.reason !== 'not present') {
      ctx.onEvent({ type: 'rejected', file: file.name, path: target, reason: cached.reason });
    }
  }
  const content = await withDeadline(ctx.http.deadlineMs, ctx.signal, async (deadline) => {
    for (const source of ctx.sources) {
      if (ctx.signal.aborted) throw interruptedError(ctx.signal);
      const from = sourceLocation(source, file.name);
      if (deadline.expired) {
        tried.push(`${source.role} ${from}: not tried, the ${deadlineSeconds(deadline.ms)} deadline for this file had passed`);
        continue;
      }
      ctx.onEvent({ type: 'fetch-start', file: file.name, role: source.role, from });
      const outcome = await fetchFrom(source, from, file, target, ctx, deadline);
      if ('content' in outcome) {
        ctx.onEvent({ type: 'fetched', file: file.name, from, path: target, bytes: outcome.bytes });
        return outcome.content;
      }
      ctx.onEvent({ type: 'failed', file: file.name, from, reason: outcome.reason });
      tried.push(`${source.role} ${from}: ${outcome.reason}`);
    }
    return undefined;
  });
  if (content !== undefined) return content;
  throw new DataError(
    `could not get a verified ${file.name}; sources tried:\n    ${tried.join('\n    ')}`,
    ctx.sources.length === 0
      ? 'a test data set is never fetched: let the test suite build it again (test/helpers/fixture-data.ts)'
      : ctx.sources.some((s) => s.role === 'mirror')
      ? 'check the --mirror URLs, or run without --mirror to use the default sources'
      : `copy the four Fashion-MNIST files into ${ctx.dataDir}, or pass --mirror URL (see bnlenet download --help)`,
  );
}

/**
 * One source: failures of the source come back as a reason (the next source may do better);
 * failures of the data dir or an interrupt are thrown, since no other source can help.
 */
async function fetchFrom(
  source: Source,
  from: string,
  file: FileDigests,
  target: string,
  ctx: EnsureContext,
  deadline: Deadline,
): Promise<Outcome> {
  const maxBytes = maxStoredBytes(file.size);
  return withTempFile(ctx.dataDir, file.name, async (tempPath) => {
    let content: Buffer;
    let bytes: number;
    try {
      let raw: Buffer;
      if (source.kind === 'dir') {
        raw = await readBounded(from, maxBytes);
        await fs.writeFile(tempPath, raw).catch((err: unknown) => {
          throw new SaveError(err);
        });
      } else {
        await download(from, tempPath, file.name, maxBytes, ctx, deadline);
        raw = await readBounded(tempPath, maxBytes);
      }
      bytes = raw.length;
      content = await verifyContent(file, raw, from);
    } catch (err) {
      if (ctx.signal.aborted) throw interruptedError(ctx.signal);
      if (err instanceof SaveError) throw dataDirWriteError(ctx.dataDir, err.cause);
      if (deadline.expired) {
        const raise = `raise it with --timeout SECONDS or ${DEADLINE_VARIABLE}`;
        return { reason: `not finished within the ${deadlineSeconds(deadline.ms)} deadline (${raise})` };
      }
      return { reason: reasonOf(err) };
    }
    try {
      // Atomic on one file system: readers see the old verified file or the new one, never a mix.
      await fs.rename(tempPath, target);
    } catch (err) {
      throw new DataError(`cannot write ${target}: ${describeFsError(err)}`);
    }
    return { content, bytes };
  });
}

function download(
  url: string,
  tempPath: string,
  fileName: string,
  maxBytes: number,
  ctx: EnsureContext,
  deadline: Deadline,
): Promise<number> {
  return withRetries(
    () =>
      downloadFile(url, tempPath, {
        http: ctx.http,
        maxBytes,
        signal: deadline.signal,
        onProgress: (received, total) => ctx.onEvent({ type: 'progress', file: fileName, received, total }),
      }),
    {
      retries: ctx.http.retries,
      retryDelayMs: ctx.http.retryDelayMs,
      isRetryable: (err) => err instanceof FetchError && err.retryable,
      onRetry: (attempt, delayMs, err) =>
        ctx.onEvent({ type: 'retry', file: fileName, from: url, attempt, delayMs, reason: reasonOf(err) }),
      signal: deadline.signal,
      deadline: deadline.at,
    },
  );
}

function reasonOf(err: unknown): string {
  if (err instanceof FileProblem) return err.problem;
  if (err instanceof FetchError) return err.message;
  if ((err as NodeJS.ErrnoException).code !== undefined) return describeFsError(err);
  return (err as Error).message;
}
