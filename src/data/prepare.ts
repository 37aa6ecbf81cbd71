/**
 * The one call the CLI and the training code make: make sure the data dir holds the four
 * verified files (fetching what is missing or bad), and return the loaded dataset built from
 * the bytes verification already decompressed.
 */
import * as path from 'node:path';
import { checkCached, ensureFile, type Outcome } from './ensure-file';
import type { DataEventListener } from './events';
import { datasetFromContent, type FashionMnist } from './fashion-mnist';
import { openDataDir } from './data-dir';
import { httpOptionsFromEnv, type HttpOptions } from './http-options';
import { interruptedError } from '../util/abort';
import { NEVER_ABORTED } from '../util/abort';
import { planSources } from './sources';
import { removeStaleTempFiles } from './temp-file';
import { datasetSpec } from './test-data';

export interface PrepareOptions {
  dataDir: string;
  /** Base URLs; when given, they are the only sources besides the data dir. */
  mirrors?: readonly string[];
  /** Fetch again even over verified copies (each is replaced only by a verified new one). */
  force?: boolean;
  onEvent?: DataEventListener;
  /** Aborts the work (temp files are removed, InterruptedError is thrown): the CLI's Ctrl-C. */
  signal?: AbortSignal;
  /**
   * Overrides of the defaults and of BNLENET_HTTP_TIMEOUT_MS, BNLENET_HTTP_RETRIES and
   * BNLENET_DOWNLOAD_TIMEOUT; `deadlineMs` is the most each file may take to fetch.
   */
  http?: Partial<HttpOptions>;
  /** Where BNLENET_* settings are read; process.env by default. */
  env?: NodeJS.ProcessEnv;
}

export async function prepareDataset(options: PrepareOptions): Promise<FashionMnist> {
  const env = options.env ?? process.env;
  // Bad mirrors and settings are usage errors: report them before touching the disk.
  const planned = planSources(options.mirrors ?? [], env);
  const http = { ...httpOptionsFromEnv(env), ...options.http };
  const dataDir = path.resolve(options.dataDir);
  const spec = datasetSpec(dataDir, env);
  await openDataDir(dataDir);
  await removeStaleTempFiles(dataDir, spec.files.map((file) => file.name));
  const work = async (signal: AbortSignal): Promise<FashionMnist> => {
    // A test data set is built by the test suite, never fetched (test-data.ts).
    const sources = spec.testManifest === undefined ? planned : [];
    const ctx = { dataDir, sources, http, signal, onEvent: options.onEvent ?? (() => {}) };
    // Checking the cached copies in parallel lets the four gunzips share the thread pool.
    const cached: (Outcome | undefined)[] = options.force
      ? spec.files.map(() => undefined)
      : await Promise.all(spec.files.map((file) => checkCached(file, dataDir)));
    const content = new Map<string, Buffer>();
    for (const [i, file] of spec.files.entries()) {
      content.set(file.name, await ensureFile(file, cached[i], ctx));
    }
    if (signal.aborted) throw interruptedError(signal);
    return datasetFromContent(content, dataDir, spec);
  };
  return work(options.signal ?? NEVER_ABORTED);
}
