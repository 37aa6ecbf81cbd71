/**
 * The PyTorch reference (../shared/reference/d2l_lenet_bn.py) as a bench child, once per
 * yardstick: with the BLAS Debian's alternatives select (OpenBLAS once
 * `scripts/setup.sh --bench` installed it) and with Debian's reference BLAS put first on the
 * library path. Whether each can run here (and which BLAS torch really loaded), and one run of
 * it with its per-epoch and summary JSON lines read back.
 */
import { access } from 'node:fs/promises';
import { describeFailure, jsonLines, runChild } from './child';
import { INSTALL_TORCH, type Impl, type ReferenceStatus, type TrainSample, type Yardstick } from './report';
import type { EpochTiming } from './stats';

/** Where Debian's libblas3 keeps the reference BLAS, out of the alternatives' way. */
export const REFERENCE_BLAS_DIR = '/usr/lib/x86_64-linux-gnu/blas';
const INSTALL_OPENBLAS = 'bash scripts/setup.sh --bench (installs libopenblas0-openmp)';
const INSTALL_REFBLAS = 'apt-get install -y libblas3';

/** The reference runs on two threads, as the project's measurements of it do. */
export function referenceEnv(yardstick: Yardstick, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const base = { ...env, OMP_NUM_THREADS: '2' };
  if (yardstick === 'pytorch-openblas') return base;
  const libraryPath = [REFERENCE_BLAS_DIR, env.LD_LIBRARY_PATH].filter(Boolean).join(':');
  return { ...base, LD_LIBRARY_PATH: libraryPath };
}

/** Whether the library torch loaded is the one the yardstick is named after. */
export function blasMatches(yardstick: Yardstick, blasPath: string): boolean {
  return yardstick === 'pytorch-openblas' ? /openblas/i.test(blasPath) : blasPath.startsWith(`${REFERENCE_BLAS_DIR}/`);
}

// Prints torch's version and threads, then the resolved path of each BLAS library it mapped.
const PROBE = [
  'import os, torch',
  'print(torch.__version__, torch.get_num_threads())',
  "libs = sorted({l.split()[-1] for l in open('/proc/self/maps') if 'blas' in l.split()[-1]})",
  'print(*[os.path.realpath(p) for p in libs])',
].join('\n');

/** Checks the script, that its python imports torch, and which BLAS torch loads, before any run. */
export async function probeReference(python: string, script: string, yardstick: Yardstick): Promise<ReferenceStatus> {
  const status = { available: false, script, python };
  try {
    await access(script);
  } catch {
    return { ...status, reason: `no reference script at ${script} (set --reference or BNLENET_REFERENCE)` };
  }
  const probe = await runChild(python, ['-c', PROBE], { env: referenceEnv(yardstick), timeoutMs: 120_000 });
  if (probe.code !== 0) {
    const why = probe.failure ?? `no torch for ${python}`;
    return { ...status, reason: `${why}; install it with \`${INSTALL_TORCH}\`` };
  }
  const [versionLine = '', blasLine = ''] = probe.stdout.trim().split('\n');
  const [version, threads] = versionLine.trim().split(/\s+/);
  const blas = blasLine.trim().split(/\s+/).find((p) => /libblas|openblas/.test(p)) ?? '';
  if (!blasMatches(yardstick, blas)) {
    const install = yardstick === 'pytorch-openblas' ? INSTALL_OPENBLAS : INSTALL_REFBLAS;
    return { ...status, blas, reason: `torch loads ${blas || 'no BLAS library'} here; install it with \`${install}\`` };
  }
  return { available: true, script, python, torchVersion: version, threads: Number(threads), blas };
}

interface ReferenceLine {
  epoch?: number;
  examples_per_sec?: number;
  inference_examples_per_sec?: number;
}

export interface ReferenceSettings {
  python: string;
  script: string;
  epochs: number;
  limit: number;
  batchSize: number;
  dataDir: string;
  timeoutMs: number;
}

/** The script's test set size: the pass its inference rate is measured on. */
const TEST_EXAMPLES = 10_000;

/** One reference run; its epochs and its inference pass are timed by the script itself. */
export async function runReference(
  settings: ReferenceSettings,
  yardstick: Yardstick,
  impl: Impl,
  examples: number,
): Promise<Pick<TrainSample, 'epochs' | 'inference' | 'wallSeconds' | 'error'>> {
  const args = [
    settings.script,
    '--json',
    '--impl', impl,
    '--epochs', String(settings.epochs),
    '--limit', String(settings.limit),
    '--batch-size', String(settings.batchSize),
    '--data-dir', settings.dataDir,
  ];
  const result = await runChild(settings.python, args, { env: referenceEnv(yardstick), timeoutMs: settings.timeoutMs });
  const lines = jsonLines<ReferenceLine>(result.stdout);
  const epochs: EpochTiming[] = lines
    .filter((line) => typeof line.epoch === 'number' && typeof line.examples_per_sec === 'number')
    .map((line) => ({ epoch: line.epoch!, examples, seconds: examples / line.examples_per_sec! }));
  const inferenceRate = lines.find((line) => typeof line.inference_examples_per_sec === 'number')?.inference_examples_per_sec;
  const error = result.code !== 0 || epochs.length !== settings.epochs ? describeFailure(result) : undefined;
  if (error !== undefined) return { epochs: [], wallSeconds: result.seconds, error };
  const inference = inferenceRate === undefined ? undefined : { examples: TEST_EXAMPLES, seconds: TEST_EXAMPLES / inferenceRate };
  return { epochs, inference, wallSeconds: result.seconds };
}
