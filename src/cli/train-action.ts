/**
 * The part of `train` (and `compare`) that needs TensorFlow.js, loaded lazily by the
 * commands: select the backend, run the training, report it.
 */
import { prepareDataset } from '../data/prepare';
import type { DataEvent } from '../data/events';
import { selectBackend } from '../engine';
import { createDownloadReporter } from '../report/download-progress';
import { TrainReporter, type OutputMode } from '../report/train-reporter';
import { defaultRunDir, type RunArgs } from '../train/run-dir';
import { resolveRunArgs, runTraining, type RunOutcome } from '../train/run-training';
import type { TrainFlags } from './train-options';

export interface TrainPlan {
  /** The run dir; undefined for the default runs/<UTC time>-<impl>. */
  runDir?: string;
  resume: boolean;
  impl: RunArgs['impl'];
  mode: OutputMode;
  args: RunArgs;
}

export async function trainWithFlags(flags: TrainFlags, plan: TrainPlan): Promise<RunOutcome> {
  const backend = await selectBackend({ backend: flags.backend, gpu: flags.gpu === true });
  const runDir = plan.runDir ?? defaultRunDir(plan.impl);
  const args = await resolveRunArgs({ args: plan.args, runDir, resume: plan.resume });
  const reporter = new TrainReporter(plan.mode);
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
      loadData: async (dataDir) => {
        const data = await prepareDataset({ dataDir, mirrors: flags.mirror, onEvent });
        reporter.started({
          runDir,
          impl: args.impl,
          device: backend.device,
          examples: Math.min(args.limit ?? data.train.count, data.train.count),
          epochs: args.epochs,
          batchSize: args.batchSize,
          lr: args.lr,
          seed: args.seed,
        });
        return data;
      },
      hooks: reporter.hooks(),
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
    return outcome;
  } finally {
    reporter.stopBar();
    downloads.close();
  }
}
