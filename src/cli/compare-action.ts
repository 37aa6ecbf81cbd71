/**
 * The part of `compare` (and `reproduce`) that needs TensorFlow.js, loaded lazily by the
 * commands: train the custom then the built-in BatchNorm variant with the same seed (so the
 * same initial weights and data order) into <dir>/custom and <dir>/builtin, then compare them.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { BnlenetError } from '../errors';
import type { BatchNormImpl } from '../model/impls';
import {
  buildComparison,
  COMPARE_JSON,
  COMPARE_SVG,
  sideBySideLines,
  summaryLines,
  VARIANTS,
  writeCompareFiles,
  type Comparison,
  type VariantRun,
} from '../report/compare';
import type { OutputMode } from '../report/train-reporter';
import { trainWithFlags } from './train-action';
import { outputMode, runArgsFromFlags, type TrainFlags } from './train-options';

/** Refuses a dir that already holds files (another compare's, or anything else). */
export async function ensureNewDir(dir: string): Promise<void> {
  const existing = await fs.readdir(dir).catch(() => [] as string[]);
  if (existing.length > 0) {
    throw new BnlenetError(`--out ${dir} already holds files`, 2, 'choose a new directory');
  }
  await fs.mkdir(dir, { recursive: true });
}

/** Trains both variants into <dir>/<impl>, one after the other, each reported with its label. */
export async function trainVariants(flags: TrainFlags, dir: string, mode: OutputMode): Promise<Record<BatchNormImpl, VariantRun>> {
  // Each run shows its own lines, labelled; under --quiet only the comparison speaks.
  const runMode: OutputMode = mode === 'quiet' ? 'none' : mode;
  const runs: Partial<Record<BatchNormImpl, VariantRun>> = {};
  for (const impl of VARIANTS) {
    const run = await trainWithFlags(flags, {
      runDir: path.join(dir, impl),
      resume: false,
      impl,
      mode: runMode,
      args: runArgsFromFlags(flags, impl),
      reporter: { label: impl, showChart: false },
    });
    runs[impl] = {
      runDir: run.runDir,
      metrics: run.metrics,
      examplesPerSec: run.summary.examplesPerSec,
      device: run.summary.backend.device,
      versions: run.summary.versions,
      batchNorm: run.summary.batchNorm,
    };
  }
  return runs as Record<BatchNormImpl, VariantRun>;
}

/** Trains both variants, writes compare.json and compare.svg, and prints the comparison. */
export async function trainAndCompare(
  flags: TrainFlags,
  dir: string,
): Promise<{ comparison: Comparison; runs: Record<BatchNormImpl, VariantRun> }> {
  const mode = outputMode(flags);
  const out = (line: string) => process.stdout.write(`${line}\n`);
  await ensureNewDir(dir);
  if (mode === 'text') {
    out(`comparing custom and builtin BatchNorm from the same initial weights and data order (seed ${flags.seed}) in ${dir}`);
  }
  const runs = await trainVariants(flags, dir, mode);
  const { impl: _impl, ...args } = runArgsFromFlags(flags, 'custom');
  const comparison = buildComparison(args, runs);
  await writeCompareFiles(dir, comparison);
  if (mode === 'json') {
    out(JSON.stringify({ event: 'compare', dir, ...comparison }));
    return { comparison, runs };
  }
  if (mode === 'text') out(['', ...sideBySideLines(comparison), ''].join('\n'));
  for (const line of summaryLines(comparison)) out(line);
  if (mode === 'text') out(`saved ${COMPARE_JSON} and ${COMPARE_SVG} in ${dir}`);
  return { comparison, runs };
}
