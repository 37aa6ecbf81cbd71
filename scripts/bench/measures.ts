/**
 * The bench's measures besides training speed: dataset load time, peak RSS of a full-data
 * training epoch, and the time of `bnlenet --help`.
 */
import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { prepareDataset } from '../../src/data/prepare';
import { describeFailure, runChild } from './child';
import type { PeakRss } from './report';

export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
export const BIN = path.join(REPO_ROOT, 'bin', 'bnlenet.js');
const GNU_TIME = '/usr/bin/time';

/**
 * Seconds of each of `runs` dataset loads on a data dir already verified, through
 * prepareDataset: the path `bnlenet train` takes (verify the cached files, then parse them).
 */
export async function timeLoads(dataDir: string, runs: number): Promise<number[]> {
  const seconds: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await prepareDataset({ dataDir });
    seconds.push((performance.now() - started) / 1000);
  }
  return seconds;
}

/** Wall seconds of each of `runs` spawns of `node bin/bnlenet.js --help`. */
export async function timeHelp(runs: number): Promise<number[]> {
  const seconds: number[] = [];
  for (let i = 0; i < runs; i++) {
    const result = await runChild(process.execPath, [BIN, '--help'], { timeoutMs: 60_000 });
    if (result.code !== 0) throw new Error(`bnlenet --help failed: ${describeFailure(result)}`);
    seconds.push(result.seconds);
  }
  return seconds;
}

/**
 * Peak RSS of `bnlenet train --epochs 1` on every training image, as the kernel accounts it
 * for the finished process (ru_maxrss, read by GNU time from wait4).
 */
export async function measurePeakRss(dataDir: string, examples: number, timeoutMs: number): Promise<PeakRss> {
  const method = `${GNU_TIME} -v`;
  try {
    await access(GNU_TIME);
  } catch {
    return { method, examples, error: `${GNU_TIME} not found (apt-get install -y time)` };
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'bnlenet-bench-rss-'));
  try {
    const report = path.join(dir, 'time.txt');
    const args = ['-v', '-o', report, process.execPath, BIN, 'train', '--epochs', '1', '--quiet', '--data-dir', dataDir, '--out', path.join(dir, 'run')];
    const result = await runChild(GNU_TIME, args, { cwd: REPO_ROOT, timeoutMs });
    if (result.code !== 0) return { method, examples, error: describeFailure(result) };
    const kib = /Maximum resident set size \(kbytes\): (\d+)/.exec(await readFile(report, 'utf8'))?.[1];
    if (kib === undefined) return { method, examples, error: `no maximum resident set size in ${GNU_TIME}'s report` };
    const rate = /([\d.]+) examples\/sec on/.exec(result.stdout)?.[1];
    return { kib: Number(kib), method, examples, examplesPerSec: rate === undefined ? undefined : Number(rate) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
