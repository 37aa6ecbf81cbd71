/**
 * The bench's WebGPU figure: training examples/sec of both BatchNorm variants on
 * `--backend webgpu`, each in a process of its own, timed over a few steps after warm-up steps
 * (the first compiles the shaders). Without a GPU this is Dawn on Mesa's lavapipe, a software
 * emulation on the CPU, and the lines say so; without the WebGPU stack they say why nothing was
 * measured. The child is webgpu-child.ts.
 */
import * as path from 'node:path';
import { formatCounts, type WebgpuCounts } from '../../src/engine/webgpu-counters';
import { describeFailure, lastJsonLine, runChild } from './child';
import { formatRate, formatRatio, GOAL_YARDSTICK, IMPLS, variantLabel, type Impl, type Summary } from './report';
import { ratio } from './stats';

const CHILD = path.join(__dirname, 'webgpu-child.js');

/** Steps left out of the figure: the first compiles every shader a step needs. */
export const WEBGPU_WARMUP_STEPS = 2;
/** A multiple of the warm-up steps, at whose multiples the child reads the loss. */
export const WEBGPU_TIMED_STEPS = 6;

export interface WebgpuChildOutput {
  device: string;
  impl: Impl;
  examplesPerSec: number;
  seconds: number;
  /** One training step's dispatches, uploads and readbacks (src/engine/webgpu-counters.ts). */
  perStep: WebgpuCounts;
}

export interface WebgpuBench {
  batchSize: number;
  warmupSteps: number;
  timedSteps: number;
  device?: string;
  software?: boolean;
  samples: { impl: Impl; examplesPerSec?: number; seconds?: number; perStep?: WebgpuCounts; error?: string }[];
}

/** Trains each variant on WebGPU in a child process; stops at the first failure (a missing
 * stack fails both alike). */
export async function benchWebgpu(
  dataDir: string,
  batchSize: number,
  timeoutMs: number,
  log: (line: string) => void,
): Promise<WebgpuBench> {
  const result: WebgpuBench = { batchSize, warmupSteps: WEBGPU_WARMUP_STEPS, timedSteps: WEBGPU_TIMED_STEPS, samples: [] };
  for (const impl of IMPLS) {
    log(`WebGPU ${impl}: ${WEBGPU_WARMUP_STEPS} warm-up and ${WEBGPU_TIMED_STEPS} timed steps of batch ${batchSize}`);
    const args = [CHILD, '--impl', impl, '--batch-size', String(batchSize), '--data-dir', dataDir];
    const child = await runChild(process.execPath, args, { timeoutMs });
    const output = child.code === 0 ? lastJsonLine<WebgpuChildOutput>(child.stdout) : undefined;
    if (!output) {
      result.samples.push({ impl, error: describeFailure(child).replace(/^exit status 1: (bnlenet|webgpu): /, '') });
      break;
    }
    result.device = output.device;
    result.software = /software fallback adapter\)$/.test(output.device);
    result.samples.push({ impl, examplesPerSec: output.examplesPerSec, seconds: output.seconds, perStep: output.perStep });
  }
  return result;
}

/** The bench's WebGPU line, with each variant's ratio to the median of the goals' yardstick (PyTorch with OpenBLAS). */
export function webgpuLines(bench: WebgpuBench, summary: Pick<Summary, 'train'>): string {
  const failed = bench.samples.find((s) => s.error !== undefined);
  if (failed) return `WebGPU: not measured: ${failed.error}\n`;
  const rates = bench.samples
    .map((s) => {
      const yardstick = `${GOAL_YARDSTICK} ${s.impl}` as const;
      const vsReference = ratio(s.examplesPerSec, summary.train[yardstick]?.median);
      const traffic = s.perStep ? `; per step ${formatCounts(s.perStep)}` : '';
      return `${s.impl} ${formatRate(s.examplesPerSec!)} ex/s${vsReference === undefined ? '' : ` (${formatRatio(vsReference)} ${variantLabel(yardstick)})`}${traffic}`;
    })
    .join(', ');
  const what = bench.software ? 'a software emulation on the CPU (no GPU here), not a GPU figure' : 'a hardware adapter';
  return (
    `WebGPU: ${rates}; batch ${bench.batchSize}, ${bench.timedSteps} steps after ${bench.warmupSteps} warm-up, ` +
    `one run each, on ${bench.device}: ${what}\n`
  );
}
