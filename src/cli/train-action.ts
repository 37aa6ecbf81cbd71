/**
 * The part of `train` (and `compare`) that needs TensorFlow.js, loaded lazily by the
 * commands: select the backend, run the training, report it, and keep the run's curves.svg
 * current at every epoch end.
 */
import { prepareDataset } from '../data/prepare';
import type { DataEvent } from '../data/events';
import { selectBackend } from '../engine';
import { createDownloadReporter } from '../report/download-progress';
import { writeCurvesSvg } from '../report/run-plots';
import { TrainReporter, type OutputMode, type ReporterOptions } from '../report/train-reporter';
import { defaultRunDir, type RunArgs } from '../train/run-dir';
import { resolveRunArgs, runTraining, type RunOutcome } from '../train/run-training';
import type { TrainHooks } from '../train/trainer';
import type { TrainFlags } from './train-options';

export interface TrainPlan {
  /** The run dir; undefined for the default runs/<UTC time>-<impl>. */
  runDir?: string;
  resume: boolean;
  impl: RunArgs['impl'];
  mode: OutputMode;
  args: RunArgs;
  /** How the reporter shows this run (compare labels its two runs); default: train's. */
  reporter?: ReporterOptions;
}


/**
 * The reporter's hooks, with curves.svg rewritten after each epoch from every epoch so far.
 * A plot that cannot be written costs a warning, not the run.
 */
function hooksWithCurves(reporter: TrainReporter, runDir: string, impl: string): TrainHooks {
  const hooks = reporter.hooks();
  let warned = false;
  return {
    ...hooks,
    onEpochEnd: async (metrics, history) => {
      await hooks.onEpochEnd?.(metrics, history);
      try {
        await writeCurvesSvg(runDir, history, impl);
      } catch (err) {
        if (!warned) process.stderr.write(`bnlenet: warning: curves.svg not written: ${err instanceof Error ? err.message : String(err)}\n`);
        warned = true;
      }
    },
  };
}

export async function trainWithFlags(flags: TrainFlags, plan: TrainPlan): Promise<RunOutcome> {
  const backend = await selectBackend({ backend: flags.backend, gpu: flags.gpu === true });
  const runDir = plan.runDir ?? defaultRunDir(plan.impl);
  const args = await resolveRunArgs({ args: plan.args, runDir, resume: plan.resume });
  const reporter = new TrainReporter(plan.mode, plan.reporter);
  const downloads = createDownloadReporter();
  // In a training run only fetching is news; a verified cache is the normal case.
  const onEvent = (event: DataEvent) => {
    if (plan.mode === 'text' && event.type !== 'verified') downloads.onEvent(event);
  };
  try {
    const outcome = await runTraining({
      args,
      runDir,
      resume: plan.resume,
      backend,
      loadData: (dataDir) => prepareDataset({ dataDir, mirrors: flags.mirror, onEvent }),
      onStart: ({ examples, resumedAt }) =>
        reporter.started({
          runDir,
          impl: args.impl,
          device: backend.device,
          examples,
          epochs: args.epochs,
          batchSize: args.batchSize,
          lr: args.lr,
          seed: args.seed,
          resumedAt,
        }),
      hooks: hooksWithCurves(reporter, runDir, args.impl),
      onStopRequested: (signal) => {
        reporter.stopBar();
        process.stderr.write(`\n${signal}: finishing the current batch and saving a checkpoint (again to quit at once)\n`);
      },
    });
    const first = outcome.summary.batchNorm[0];
    reporter.finished({
      runDir,
      final: outcome.summary.final,
      examplesPerSec: outcome.summary.examplesPerSec,
      device: backend.device,
      gamma: first?.gamma ?? [],
      beta: first?.beta ?? [],
    });
    reporter.chart(outcome.metrics);
    return outcome;
  } finally {
    reporter.stopBar();
    downloads.close();
  }
}
