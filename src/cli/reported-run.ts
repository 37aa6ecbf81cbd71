/**
 * One training run wired to its reporter (`train`'s, and each run of compare, reproduce and sweep),
 * loaded lazily by the commands: wires the data layer, the training run and the reporter
 * together, and turns the run's stop into the line that says how to continue it.
 */
import { prepareDataset, type DataEvent } from '../data';
import type { BackendInfo } from '../engine/backend';
import { describeVariant } from '../model/run-args';
import { existsSync } from 'node:fs';
import { InterruptedError } from '../errors';
import { createDownloadReporter } from '../report/download-progress';
import { curvesFile } from '../report/run-plots';
import { TrainReporter, type OutputMode, type ReporterOptions } from '../report/train-reporter';
import type { DerivedFiles } from '../train/store/run-store';
import type { RunArgs } from '../model/run-args';
import { runTraining, type RunOutcome, type RunRequest } from '../train/run-training';
import type { StopController } from './stop-controller';
import { shellCommand } from '../util/shell-quote';

export interface TrainRequest {
  runDir: string;
  /** A new run's arguments; undefined to resume the run in runDir. */
  args?: RunArgs;
  mode: OutputMode;
  mirrors?: readonly string[];
  /** How the reporter shows this run (compare labels its two runs); default: train's. */
  reporter?: ReporterOptions;
  /** This run's place among the command's runs, for the whole command's time left. */
  plan?: { index: number; count: number };
  /** The command that continues this run after a stop; default `bnlenet train --resume <runDir>`. */
  resumeCommand?: string;
  /** Where the data comes from; default: prepareDataset (fetching what is missing). A sweep shares one load among its cells. */
  loadData?: RunRequest['loadData'];
}

/** curves.svg beside the metrics; a plot that cannot be drawn costs one warning, not the run. */
function curvesOnly(): DerivedFiles {
  let warned = false;
  return {
    render: async (history, args) => [await curvesFile(history, args)],
    onError: (err) => {
      if (!warned) process.stderr.write(`bnlenet: warning: curves.svg not written: ${err instanceof Error ? err.message : String(err)}\n`);
      warned = true;
    },
  };
}

export async function trainRun(stop: StopController, backend: BackendInfo, request: TrainRequest): Promise<RunOutcome> {
  const { runDir, mode } = request;
  const reporter = new TrainReporter(mode, { ...request.reporter, plan: request.plan });
  const downloads = createDownloadReporter();
  // In a training run only fetching is news; a verified cache is the normal case.
  const onEvent = (event: DataEvent) => {
    if (mode === 'text' && event.type !== 'verified') downloads.onEvent(event);
  };
  stop.stopCleanly('finishing the current batch and saving a checkpoint', () => reporter.stopBar());
  try {
    const outcome = await runTraining({
      runDir,
      args: request.args,
      backend,
      signal: stop.signal,
      loadData: request.loadData ?? ((dataDir, signal) => prepareDataset({ dataDir, mirrors: request.mirrors, onEvent, signal })),
      observer: reporter.observer(),
      derived: curvesOnly(),
      onWarning: (text) => reporter.warning(text),
      onStart: ({ args, examples, resumedAt, repairs }) => {
        reporter.started({
          runDir,
          impl: args.impl,
          model: describeVariant(args),
          device: backend.device,
          examples,
          epochs: args.epochs,
          batchSize: args.batchSize,
          lr: args.lr,
          seed: args.seed,
          ...(args.testLimit === undefined ? {} : { testLimit: args.testLimit }),
          resumedAt,
        });
        for (const repair of repairs) reporter.note(`repaired ${repair}`);
      },
    });
    if (outcome.recovered) for (const repair of outcome.repairs ?? []) reporter.note(`repaired ${repair}`);
    if (outcome.recovered) {
      reporter.note(`every epoch of ${runDir} had been trained; its model, metrics and summary were brought up to date from its checkpoint`);
    }
    const first = outcome.summary.batchNorm[0];
    reporter.finished({
      runDir,
      final: outcome.summary.final,
      learned: outcome.summary.learned,
      lr: outcome.args.lr,
      examplesPerSec: outcome.summary.examplesPerSec,
      device: outcome.summary.backend.device,
      firstBatchNorm: first && { name: first.name, gamma: first.gamma, beta: first.beta },
    });
    reporter.chart(outcome.metrics);
    return outcome;
  } catch (err) {
    if (err instanceof InterruptedError && !err.hint) {
      // A new run stopped before its first checkpoint leaves no dir (run-training.ts): there is
      // nothing to resume, and the hint must not name a dir that is gone.
      if (request.resumeCommand === undefined && !existsSync(runDir)) {
        throw new InterruptedError(err.message, 'it stopped before its first checkpoint and left nothing behind; run the command again to start over');
      }
      throw new InterruptedError(err.message, `continue it with \`${request.resumeCommand ?? shellCommand('bnlenet', 'train', '--resume', runDir)}\``);
    }
    throw err;
  } finally {
    reporter.stopBar();
    downloads.close();
  }
}
