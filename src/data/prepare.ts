/**
 * The one call the CLI and the training code make: make sure the data dir holds the four
 * verified files (fetching what is missing or bad), and return the loaded dataset built from
 * the bytes verification already decompressed.
 */
import * as path from 'node:path';
import { checkCached, ensureFile, type Outcome } from './ensure-file';
import type { DataEventListener } from './events';
import { datasetFromContent, type FashionMnist } from './fashion-mnist';
import { FASHION_MNIST_FILES } from './fashion-mnist-files';
import { openDataDir } from './data-dir';
import { httpOptionsFromEnv, type HttpOptions } from './http-options';
import { interruptedError } from '../util/abort';
import { NEVER_ABORTED } from '../util/abort';
import { planSources } from './sources';
import { removeStaleTempFiles } from './temp-file';

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
  const sources = planSources(options.mirrors ?? [], env);
  const http = { ...httpOptionsFromEnv(env), ...options.http };
  const dataDir = path.resolve(options.dataDir);
  await openDataDir(dataDir);
  await removeStaleTempFiles(dataDir, FASHION_MNIST_FILES.map((file) => file.name));
  const work = async (signal: AbortSignal): Promise<FashionMnist> => {
    const ctx = { dataDir, sources, http, signal, onEvent: options.onEvent ?? (() => {}) };
    // Checking the cached copies in parallel lets the four gunzips share the thread pool.
    const cached: (Outcome | undefined)[] = options.force
      ? FASHION_MNIST_FILES.map(() => undefined)
      : await Promise.all(FASHION_MNIST_FILES.map((file) => checkCached(file, dataDir)));
    const content = new Map<string, Buffer>();
    for (const [i, file] of FASHION_MNIST_FILES.entries()) {
      content.set(file.name, await ensureFile(file, cached[i], ctx));
    }
    if (signal.aborted) throw interruptedError(signal);
    return datasetFromContent(content, dataDir);
  };
  return work(options.signal ?? NEVER_ABORTED);
}
