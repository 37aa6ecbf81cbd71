/**
 * What the tests of `bnlenet download` as a user runs it share: the real files served by a
 * local mirror, and settings that keep every run local and quick (the public mirrors point at
 * a closed local port, so nothing can reach the internet).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { TestContext } from 'node:test';
import { FASHION_MNIST_FILES } from '../../src/data';
import { runCli, runMain, type CliResult } from '../helpers/cli';
import { closedPortUrl, readFiles, startFileServer, type ServeMode, type TestServer } from '../helpers/http-server';
import { listDir, tempDir } from '../helpers/temp-dir';

export const SYSTEM_DIR = '/usr/share/datasets/fashion-mnist';
export const NAMES = FASHION_MNIST_FILES.map((f) => f.name);
export const SORTED = [...NAMES].sort();
export const noSystemCopy = existsSync(SYSTEM_DIR) ? false : `no system copy at ${SYSTEM_DIR}`;

let realFiles: Map<string, Buffer> | undefined;
let closed: string | undefined;

/** The four real files, read once per test file. */
export function systemFiles(): Map<string, Buffer> {
  realFiles ??= readFiles(SYSTEM_DIR);
  return realFiles;
}

/** Settings that keep a run local and quick; `extra` adds or overrides. */
export async function localEnv(t: TestContext, extra: NodeJS.ProcessEnv = {}): Promise<NodeJS.ProcessEnv> {
  closed ??= await closedPortUrl();
  return {
    BNLENET_DATA_DIR: '',
    BNLENET_SYSTEM_DATA_DIR: tempDir(t, 'bnlenet-empty-'),
    BNLENET_PUBLIC_MIRRORS: closed,
    BNLENET_HTTP_TIMEOUT_MS: '2000',
    BNLENET_HTTP_RETRIES: '0',
    ...extra,
  };
}

/** The URL that localEnv's public mirrors point at, where nothing listens. */
export async function closedUrl(): Promise<string> {
  closed ??= await closedPortUrl();
  return closed;
}

/** A local mirror serving `files` (the real ones by default), closed when the test ends. */
export async function mirror(t: TestContext, mode: ServeMode = 'good', files = systemFiles()): Promise<TestServer> {
  const server = await startFileServer(files, mode);
  t.after(() => server.close());
  return server;
}

export async function download(t: TestContext, args: string[], extra: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return runCli(['download', ...args], { env: await localEnv(t, extra), timeoutMs: 30_000 });
}

/** `download` run in this process (runMain): for checks of what it says and leaves, not of the process. */
export async function downloadInProcess(t: TestContext, args: string[], extra: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return runMain(['download', ...args], { env: await localEnv(t, extra) });
}

/**
 * The data dir holds the four files and nothing else, each byte for byte the real file as the
 * system copy holds it, which every source in these tests serves (a download that ended 0 had
 * verified each, or it would have failed): a read and a compare, where verifying them again
 * would decompress 55 MB.
 */
export async function assertVerified(dataDir: string): Promise<void> {
  assert.deepEqual(listDir(dataDir), SORTED, 'the four files and nothing else');
  for (const [name, bytes] of systemFiles()) {
    assert.ok((await readFile(path.join(dataDir, name))).equals(bytes), `${name} is the real file`);
  }
}
