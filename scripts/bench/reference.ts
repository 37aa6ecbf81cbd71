/**
 * The PyTorch reference (../shared/reference/d2l_lenet_bn.py) as a bench child: whether it
 * can run here, and one run of it with its per-epoch JSON lines read back.
 */
import { access } from 'node:fs/promises';
import { describeFailure, jsonLines, runChild } from './child';
import { INSTALL_TORCH, type Impl, type ReferenceStatus } from './report';
import type { EpochTiming } from './stats';

/** The reference runs on two threads, as the project's measurements of it do. */
const REFERENCE_ENV = { ...process.env, OMP_NUM_THREADS: '2' };

export interface ReferenceSettings {
  python: string;
  script: string;
  epochs: number;
  limit: number;
  batchSize: number;
  dataDir: string;
  timeoutMs: number;
}

/** Checks that the script exists and that its python imports torch, before any run. */
export async function probeReference(python: string, script: string): Promise<ReferenceStatus> {
  const status = { available: false, script, python };
  try {
    await access(script);
  } catch {
    return { ...status, reason: `no reference script at ${script} (set --reference or BNLENET_REFERENCE)` };
  }
  const probe = await runChild(python, ['-c', 'import torch; print(torch.__version__, torch.get_num_threads())'], {
    env: REFERENCE_ENV,
    timeoutMs: 120_000,
  });
  if (probe.code !== 0) {
    const why = probe.failure ?? `no torch for ${python}`;
    return { ...status, reason: `${why}; install it with \`${INSTALL_TORCH}\`` };
  }
  const [version, threads] = probe.stdout.trim().split(/\s+/);
  return { available: true, script, python, torchVersion: version, threads: Number(threads) };
}

interface ReferenceEpochLine {
  epoch?: number;
  examples_per_sec?: number;
}

/** One reference run; its epochs are timed by the script itself (training only, as ours). */
export async function runReference(settings: ReferenceSettings, impl: Impl, examples: number): Promise<{ epochs: EpochTiming[]; wallSeconds: number; error?: string }> {
  const args = [
    settings.script,
    '--json',
    '--impl', impl,
    '--epochs', String(settings.epochs),
    '--limit', String(settings.limit),
    '--batch-size', String(settings.batchSize),
    '--data-dir', settings.dataDir,
  ];
  const result = await runChild(settings.python, args, { env: REFERENCE_ENV, timeoutMs: settings.timeoutMs });
  const epochs = jsonLines<ReferenceEpochLine>(result.stdout)
    .filter((line) => typeof line.epoch === 'number' && typeof line.examples_per_sec === 'number')
    .map((line) => ({ epoch: line.epoch!, examples, seconds: examples / line.examples_per_sec! }));
  const error = result.code !== 0 || epochs.length !== settings.epochs ? describeFailure(result) : undefined;
  return { epochs: error === undefined ? epochs : [], wallSeconds: result.seconds, error };
}
