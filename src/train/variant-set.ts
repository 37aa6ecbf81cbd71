/**
 * compare's and reproduce's run set: the custom and the built-in BatchNorm variant of one
 * recipe, with the same seed (so the same initial weights and data order), trained into
 * <dir>/custom and <dir>/builtin as a run set that --resume continues, then compared.
 */
import { BATCHNORM_IMPLS, type BatchNormImpl } from '../model/impls';
import { buildComparison, type Comparison, type VariantRun } from './comparison';
import type { RunArgs } from '../model/run-args';
import { trainRunSet, type RunSetRequest } from './run-set-training';
import { createRunSet, readFinishedRun, readRunSet, type RunSetPlan } from './store/run-set';
import * as path from 'node:path';

/** The set of a new compare (or reproduce), or with `resume` the one in `dir`. */
export async function openVariantSet<S extends object>(
  dir: string,
  kind: string,
  resume: boolean,
  argsFor: (impl: BatchNormImpl) => RunArgs,
  settings: S,
): Promise<RunSetPlan<S>> {
  if (resume) return readRunSet<S>(dir, kind);
  return createRunSet(dir, kind, BATCHNORM_IMPLS.map((impl) => ({ name: impl, args: argsFor(impl) })), settings);
}

export interface TrainedComparison {
  comparison: Comparison;
  runs: Record<BatchNormImpl, VariantRun>;
}

/**
 * Trains each variant of the set, one after the other (finished ones are read back, an
 * interrupted one resumes, the rest start; the first failure stops the set), then compares them.
 */
export async function trainVariantSet(dir: string, plan: RunSetPlan, signal: AbortSignal, train: RunSetRequest['train']): Promise<TrainedComparison> {
  await trainRunSet({ dir, plan, failures: 'stop', signal, train });
  const runs: Partial<Record<BatchNormImpl, VariantRun>> = {};
  for (const planned of plan.runs) {
    const { runDir, metrics, summary } = await readFinishedRun(path.join(dir, planned.name));
    runs[planned.args.impl as BatchNormImpl] = {
      runDir,
      metrics,
      examplesPerSec: summary.examplesPerSec,
      device: summary.backend.device,
      versions: summary.versions,
      batchNorm: summary.batchNorm,
    };
  }
  const { impl: _impl, ...args } = plan.runs[0]!.args;
  const full = runs as Record<BatchNormImpl, VariantRun>;
  return { comparison: buildComparison(args, full), runs: full };
}
